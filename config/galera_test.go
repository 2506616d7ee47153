package config

import (
	"strings"
	"testing"
	"time"
)

func TestGaleraBlock(t *testing.T) {
	f, err := Parse("c.yaml", []byte(`clouds:
  prod:
    galera:
      nodes:
        - {host: control01, address: "10.0.0.11:3306"}
        - {address: "10.0.0.12:3306"}
      username: stackpit_monitor
      password: hunter2
      cluster_size: 3
      timeout: 3s
`))
	if err != nil {
		t.Fatal(err)
	}
	g := f.Cloud("prod").Galera
	if g == nil || g.Line != 4 || len(g.Nodes) != 2 || g.Nodes[0].Host != "control01" || g.Nodes[1].Address != "10.0.0.12:3306" ||
		g.Username != "stackpit_monitor" || g.Password != "hunter2" || g.ClusterSize != 3 || g.Timeout.D() != 3*time.Second {
		t.Fatalf("%+v", g)
	}
	if errs := f.Check(); len(errs) != 0 {
		t.Fatalf("good block: %v", errs)
	}
	if _, err := Parse("c.yaml", []byte("clouds:\n  p:\n    galera: {nodes: [{adress: \"a:1\"}]}\n")); err == nil ||
		!strings.Contains(err.Error(), `c.yaml:3: unknown key "adress" in clouds.p.galera.nodes[0] (did you mean "address"?)`) {
		t.Errorf("strict walker: %v", err)
	}
	f, err = Parse("c.yaml", []byte("clouds:\n  p:\n    galera: {nodes: [{address: nohost}], password: hunter2, cluster_size: -1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range f.Check() {
		msgs = append(msgs, e.Error())
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{`c.yaml:3: clouds.p.galera.nodes[0].address: bad address "nohost"`, "clouds.p.galera.username is required",
		"clouds.p.galera.cluster_size: must be 0"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "hunter2") {
		t.Errorf("password printed:\n%s", got)
	}
}
