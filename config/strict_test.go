package config

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Issue 14: a misspelt key anywhere is an error with file:line and the
// closest known key; it used to pass inside every backend block.
func TestUnknownKeysAnywhere(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"themee: dark\n", `c.yaml:1: unknown key "themee" (did you mean "theme"?)`},
		{"clouds:\n  prod:\n    readonyl: true\n", `c.yaml:3: unknown key "readonyl" in clouds.prod (did you mean "readonly"?)`},
		{"clouds:\n  prod:\n    prometheus:\n      url: http://p:9090\n      pasword: x\n", `c.yaml:5: unknown key "pasword" in clouds.prod.prometheus (did you mean "password"?)`},
		{"clouds:\n  prod:\n    ceph: {url: \"https://mgr:8443\", username: u, ca_fle: /x}\n", `c.yaml:3: unknown key "ca_fle" in clouds.prod.ceph (did you mean "ca_file"?)`},
		{"clouds:\n  prod:\n    loki:\n      url: http://l:3100\n      tennant_id: ops\n", `c.yaml:5: unknown key "tennant_id" in clouds.prod.loki (did you mean "tenant_id"?)`},
		{"clouds:\n  prod:\n    alertmanagers:\n      - url: http://a:9093\n      - url: http://b:9093\n        insecur: true\n", `c.yaml:6: unknown key "insecur" in clouds.prod.alertmanagers[1] (did you mean "insecure"?)`},
		{"clouds:\n  prod:\n    docker:\n      adress_template: \"ssh://{host}\"\n", `c.yaml:4: unknown key "adress_template" in clouds.prod.docker (did you mean "address_template"?)`},
		{"clouds:\n  prod:\n    openstack: {auth_url: http://k/v3, usernam: u}\n", `c.yaml:3: unknown key "usernam" in clouds.prod.openstack (did you mean "username"?)`},
		{"clouds:\n  prod:\n    grafana: {url: http://g}\n", `c.yaml:3: unknown key "grafana" in clouds.prod (known: `},
	} {
		_, err := Parse("c.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("yaml %q:\n got %v\nwant containing %q", tc.yaml, err, tc.want)
		}
	}
	// Every unknown key is reported, not just the first.
	_, err := Parse("c.yaml", []byte("clouds:\n  prod:\n    prometheus: {url: http://p, pasword: x}\n    loki: {url: http://l, ca_fle: y}\n"))
	if err == nil || !strings.Contains(err.Error(), "pasword") || !strings.Contains(err.Error(), "ca_fle") {
		t.Fatalf("got %v", err)
	}
}

func TestKnownKeysEverywherePass(t *testing.T) {
	_, err := Parse("c.yaml", []byte(`
theme: dark
readonly: false
refresh: 10s
audit_file: /tmp/a.jsonl
keys:
  instances.reboot: ["ctrl+r"]
clouds:
  prod:
    readonly: true
    ephemeral_shared: true
    refresh: 5s
    prometheus: {url: "https://prom:9090", ca_file: /x, insecure: true, headers: {X-Scope-OrgID: a}, username: u, password: p, bearer_token: t}
    alertmanagers:
      - url: https://am1:9093
      - https://am2:9093
    loki: {url: "https://loki:3100", tenant_id: ops, host_label: host, container_label: container, buffer_lines: 100, password: p}
    ceph: {url: "https://mgr:8443", username: u, password: p, metrics_url: "http://mgr:9283/metrics", command: [ssh, mon1, ceph]}
    docker:
      address_template: "ssh://ops@{host}"
      hosts: {control01: "ssh://ops@control01.mgmt"}
    openstack: {auth_url: http://k/v3, username: u, password: p, project_name: p, domain_name: d, region: r, ca_file: /x, insecure: true}
`))
	if err != nil {
		t.Fatal(err)
	}
}

func TestKeyLines(t *testing.T) {
	f, err := Parse("c.yaml", []byte("theme: dark\nkeys:\n  instances.reboot: [x]\n  global.help: [F1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.KeysLine != 2 || f.KeyLines["instances.reboot"] != 3 || f.KeyLines["global.help"] != 4 {
		t.Fatalf("got %d %v", f.KeysLine, f.KeyLines)
	}
}

// `stackpit demo serve --config-out` writes a File with yaml.Marshal: what
// it writes must load under the strict check.
func TestMarshalledConfigLoads(t *testing.T) {
	f := File{Theme: "dark", Keys: map[string][]string{"global.help": {"f1"}}, Clouds: map[string]*Cloud{"demo": {
		Prometheus:    &Endpoint{URL: "http://p:9090", Headers: map[string]string{"X": "y"}, Username: "u", Password: "p"},
		Alertmanagers: []Endpoint{{URL: "http://a:9093"}},
		Loki:          &Loki{Endpoint: Endpoint{URL: "http://l:3100"}, TenantID: "t", HostLabel: "host"},
		Ceph:          &Ceph{Endpoint: Endpoint{URL: "https://m:8443", Username: "u"}, MetricsURL: "http://m:9283/metrics"},
		Docker:        &Docker{Hosts: map[string]string{"c1": "tcp://c1:2375"}, AddressTemplate: "ssh://{host}"},
		OpenStack:     &OpenStackAuth{AuthURL: "http://k/v3", Username: "u", Password: "p"},
		Refresh:       Duration(5e9),
	}}}
	b, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse("c.yaml", b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
}

// A key merged in through a list of mappings (<<: [*a, *b]) is checked
// too: the strict decoder named it, and a misspelled key in a shared
// block must not be dropped silently.
func TestMergeListUnknownKey(t *testing.T) {
	for _, in := range []string{
		"clouds:\n  a:\n    <<: [{bogus: 1}]\n",
		"clouds:\n  a:\n    <<: [{docker: {hosts: {h: http://x:1}}}, {bogus: 1}]\n",
	} {
		if _, err := Parse("c.yaml", []byte(in)); err == nil || !strings.Contains(err.Error(), "c.yaml:3") {
			t.Errorf("%q: err %v, want the unknown key named at c.yaml:3", in, err)
		}
	}
}
