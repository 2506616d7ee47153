package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseGood(t *testing.T) {
	f, err := Parse("c.yaml", []byte(`
theme: light
keys:
  global.help: ["F1"]
clouds:
  prod:
    readonly: true
    prometheus: http://127.0.0.1:9090
    loki: {url: "http://127.0.0.1:3100", host_label: hostname}
    alertmanagers:
      - url: http://127.0.0.1:9093
      - url: http://127.0.0.1:9094
    docker:
      hosts: {compute01: "ssh://compute01"}
    refresh: 5s
`))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Cloud("prod")
	if !c.ReadOnly || c.Prometheus.URL != "http://127.0.0.1:9090" || len(c.Alertmanagers) != 2 || c.Loki.HostLabel != "hostname" || c.Refresh.D().Seconds() != 5 {
		t.Fatalf("bad parse: %+v", c)
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"theme: dark\nclouds:\n  prod:\n    prometeus: http://x\n", "c.yaml:4:"},
		{"clouds:\n  prod:\n    prometheus: \"ftp://x\"\n", "c.yaml:3: clouds.prod.prometheus: bad url"},
		{"refresh: 10 seconds\n", "c.yaml:1: bad duration"},
		{"clouds:\n  prod:\n   - broken\n  x: [\n", "c.yaml:"},
	} {
		_, err := Parse("c.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("yaml %q: got %v, want containing %q", tc.yaml, err, tc.want)
		}
	}
}

func TestSecretsNotInErrors(t *testing.T) {
	_, err := Parse("c.yaml", []byte("clouds:\n  p:\n    prometheus: {url: \"nope\", password: hunter2}\n"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingDefaultFileIsEmpty(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "none.yaml"), false)
	if err != nil || len(f.Clouds) != 0 {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.yaml"), true); err == nil {
		t.Fatal("explicit missing file accepted")
	}
}

func TestResolveAuthFromCloudsYAML(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte(`clouds:
  lab:
    auth: {auth_url: "http://127.0.0.1:5000/v3", username: admin, project_name: admin, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
`), 0o600)
	os.WriteFile(filepath.Join(dir, "secure.yaml"), []byte("clouds:\n  lab:\n    auth: {password: s3cret}\n"), 0o600)
	t.Chdir(dir)
	t.Setenv("OS_CLOUD", "lab")
	a, err := ResolveAuth("", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.User() != "admin" || a.Region() != "RegionOne" || a.Options.Password != "s3cret" {
		t.Fatalf("auth %+v", a.Options)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	f := File{Clouds: map[string]*Cloud{"demo": {Refresh: Duration(3e9),
		Prometheus: &Endpoint{URL: "http://127.0.0.1:1"},
		Loki:       &Loki{Endpoint: Endpoint{URL: "http://127.0.0.1:2"}, HostLabel: "host"},
		Ceph:       &Ceph{Endpoint: Endpoint{URL: "http://127.0.0.1:3", Username: "u"}},
		OpenStack:  &OpenStackAuth{AuthURL: "http://127.0.0.1:4/v3", Username: "admin"}}}}
	b, err := yaml.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse("x.yaml", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	c := g.Cloud("demo")
	if c.Loki.URL != "http://127.0.0.1:2" || c.Ceph.Username != "u" || c.Refresh.D().Seconds() != 3 || c.OpenStack.Username != "admin" {
		t.Fatalf("round trip lost data:\n%s", b)
	}
}

func TestResolveAuthFromOpenrc(t *testing.T) {
	t.Setenv("OS_CLOUD", "")
	for k, v := range map[string]string{"OS_AUTH_URL": "http://127.0.0.1:5000/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "pw",
		"OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "ops", "OS_REGION_NAME": "RegionTwo"} {
		t.Setenv(k, v)
	}
	a, err := ResolveAuth("", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Cloud != "env" || a.Region() != "RegionTwo" || a.Options.DomainName != "Default" || a.Options.Scope.ProjectName != "admin" || a.Options.Scope.DomainName != "ops" {
		t.Fatalf("%+v scope %+v", a.Options, a.Options.Scope)
	}
	t.Setenv("OS_PASSWORD", "")
	if _, err := ResolveAuth("", "", nil); err == nil || !strings.Contains(err.Error(), "OS_PASSWORD") {
		t.Fatalf("missing password: %v", err)
	}
}

func TestCheckFindsPerBackendProblemsWithLines(t *testing.T) {
	f, err := Parse("c.yaml", []byte("clouds:\n  p:\n    prometheus: {url: \"http://x:1\", ca_file: /nonexistent/ca.pem}\n    docker:\n      hosts: {compute01: \"ftp://x\"}\n"))
	if err != nil {
		t.Fatalf("a missing CA file must not stop the cockpit: %v", err)
	}
	errs := f.Check()
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "c.yaml:3: clouds.p.prometheus: ca_file") ||
		!strings.Contains(errs[1].Error(), `c.yaml:5: clouds.p.docker.hosts.compute01: unsupported address "ftp://x"`) {
		t.Fatalf("%v", errs)
	}
}

func TestBMCBlock(t *testing.T) {
	f, err := Parse("c.yaml", []byte(`clouds:
  prod:
    bmc:
      address_template: "{host}-ipmi.mgmt"
      hosts: {compute04: "https://compute04-bmc.mgmt"}
      username: stackpit
      password: hunter2
      timeout: 5s
      retries: 1
`))
	if err != nil {
		t.Fatal(err)
	}
	b := f.Cloud("prod").BMC
	if b == nil || b.AddressTemplate != "{host}-ipmi.mgmt" || b.Hosts["compute04"] != "https://compute04-bmc.mgmt" ||
		b.Username != "stackpit" || b.Password != "hunter2" || b.Timeout.D().Seconds() != 5 || b.Retries != 1 || b.Line != 4 {
		t.Fatalf("%+v", b)
	}
	if errs := f.Check(); len(errs) != 0 {
		t.Fatalf("good block: %v", errs)
	}
	if _, err := Parse("c.yaml", []byte("clouds:\n  p:\n    bmc: {adress_template: x}\n")); err == nil || err.Error() != `c.yaml:3: unknown key "adress_template" in clouds.p.bmc (did you mean "address_template"?)` {
		t.Errorf("unknown bmc key: %v", err)
	}
	f, err = Parse("c.yaml", []byte("clouds:\n  p:\n    bmc: {protocol: snmp, address_template: \"bmc.mgmt\", password: hunter2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	errs := f.Check()
	if len(errs) != 2 || errs[0].Error() != `c.yaml:3: clouds.p.bmc.protocol: unknown "snmp" (want ipmi or redfish)` ||
		errs[1].Error() != "c.yaml:3: clouds.p.bmc.address_template needs {host}" {
		t.Fatalf("%v", errs)
	}
	for _, e := range errs {
		if strings.Contains(e.Error(), "hunter2") {
			t.Fatal("password in an error")
		}
	}
}

// BenchmarkParse1000Hosts reads a config listing 1,000 Docker and 1,000
// BMC hosts (the demo's at 1,000 hosts): it is on the path to the first
// page of every start.
func BenchmarkParse1000Hosts(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("clouds:\n  prod:\n    openstack: {auth_url: http://k/v3, username: u, password: p}\n    docker:\n      hosts:\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&sb, "        compute%04d: http://127.0.0.1:%d\n", i, 20000+i)
	}
	sb.WriteString("    bmc:\n      protocol: redfish\n      username: admin\n      password: x\n      hosts:\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&sb, "        compute%04d: http://127.0.0.1:%d\n", i, 30000+i)
	}
	data := []byte(sb.String())
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse("c.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Clouds["prod"].Docker.Hosts) != 1000 || len(f.Clouds["prod"].BMC.Hosts) != 1000 {
			b.Fatal("hosts not read")
		}
	}
}

// An empty file, or one of comments only, is an empty config.
func TestParseEmptyIsEmptyConfig(t *testing.T) {
	for _, data := range []string{"", "# nothing yet\n", "\n\n"} {
		f, err := Parse("c.yaml", []byte(data))
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if f.Clouds == nil || len(f.Clouds) != 0 {
			t.Errorf("%q: clouds %v, want an empty map", data, f.Clouds)
		}
	}
}
