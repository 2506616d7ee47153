package hostmodel

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/docker"
)

var t0 = time.Date(2026, 12, 6, 16, 44, 0, 0, time.UTC)

func svc(host, bin, state string, sev Severity) Fact {
	return Fact{Host: host, Kind: Service, Name: bin, State: state, Severity: sev}
}

func TestMergeKeepsNewestPerSourceAcrossPanes(t *testing.T) {
	m := New()
	// Compute and Agents both read Nova's os-services, at different times.
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0, Facts: []Fact{svc("compute04.mgmt", "nova-compute", Up, OK)}})
	m.Apply(Observation{Pane: "agents", Source: Nova, At: t0.Add(10 * time.Second), Facts: []Fact{svc("compute04", "nova-compute", Down, Crit)}})
	h, ok := m.Host("compute04")
	if !ok {
		t.Fatal("compute04 unknown; hosts:", m.Hosts())
	}
	if len(h.Facts) != 1 || h.Facts[0].State != Down || !h.Facts[0].At.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("want one newest fact (down at t0+10s), got %+v", h.Facts)
	}
	if !h.HostDown() {
		t.Fatal("host with nova-compute down is not DOWN")
	}
	if len(m.Conflicts()) != 0 {
		t.Fatalf("one source at two ages is not a conflict: %+v", m.Conflicts())
	}
	// The older pane reads again and agrees: still one fact.
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0.Add(20 * time.Second), Facts: []Fact{svc("compute04", "nova-compute", Down, Crit)}})
	if h, _ := m.Host("compute04"); len(h.Facts) != 1 {
		t.Fatalf("facts: %+v", h.Facts)
	}
	// Both panes carry the severity of what they show.
	for _, p := range []string{"compute", "agents"} {
		if sev, _ := m.PaneSeverity(p); sev != Crit {
			t.Errorf("%s severity %v, want CRIT", p, sev)
		}
	}
}

func TestAgentUpContainerExitedIsAConflict(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "agents", Source: Neutron, At: t0, Facts: []Fact{svc("control03", "neutron-l3-agent", Up, OK)}})
	if len(m.Conflicts()) != 0 {
		t.Fatal("conflict with one source")
	}
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "control03", At: t0.Add(5 * time.Second), Facts: []Fact{
		{Host: "control03", Kind: Container, Name: "neutron_l3_agent", State: "exited", Detail: "1", Severity: Crit},
		{Host: "control03", Kind: Container, Name: "neutron_dhcp_agent", State: Running},
	}})
	cs := m.Conflicts()
	if len(cs) != 1 {
		t.Fatalf("want 1 conflict, got %+v", cs)
	}
	c := cs[0]
	if c.A.Source != Neutron || c.A.State != Up || c.B.Source != Docker || c.B.State != "exited" || !c.B.At.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("conflict sides/ages wrong: %+v", c)
	}
	// Either side finds it, and renders the other.
	if got := m.ConflictsOf("control03", Service, "neutron-l3-agent"); len(got) != 1 {
		t.Fatal("agent side does not see the conflict")
	}
	got := m.ConflictsOf("control03", Container, "neutron_l3_agent")
	if len(got) != 1 {
		t.Fatal("container side does not see the conflict")
	}
	if o := got[0].Other(Container, "neutron_l3_agent", Docker); o.Source != Neutron {
		t.Fatalf("other side of the container is %+v", o)
	}
	if d := Describe(got[0].Other(Service, "neutron-l3-agent", Neutron), "20s"); d != "container neutron_l3_agent exited 1 (containers, 20s)" {
		t.Fatalf("describe: %q", d)
	}
	if s := m.Summarize(); s.Conflicts != 1 || s.ContainersExited != 1 {
		t.Fatalf("summary %+v", s)
	}
	// The container runs again: the conflict is gone.
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "control03", At: t0.Add(15 * time.Second), Facts: []Fact{
		{Host: "control03", Kind: Container, Name: "neutron_l3_agent", State: Running},
	}})
	if len(m.Conflicts()) != 0 {
		t.Fatalf("conflict stays after the container runs: %+v", m.Conflicts())
	}
}

func TestAgentDownContainerRunningIsNotAConflict(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "agents", Source: Neutron, At: t0, Facts: []Fact{svc("compute04", "neutron-openvswitch-agent", Down, Warn)}})
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "compute04", At: t0, Facts: []Fact{
		{Host: "compute04", Kind: Container, Name: "neutron_openvswitch_agent", State: Running}}})
	if len(m.Conflicts()) != 0 {
		t.Fatalf("a hung process in a running container is not a contradiction: %+v", m.Conflicts())
	}
}

func TestTwoSourcesDisagreeOnServiceState(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0, Facts: []Fact{svc("compute04", "nova-compute", Down, Crit)}})
	m.Apply(Observation{Pane: "panels", Source: Prometheus, At: t0.Add(-20 * time.Second), Facts: []Fact{svc("compute04", "nova-compute", Up, OK)}})
	cs := m.Conflicts()
	if len(cs) != 1 || cs[0].A.Source != Prometheus || cs[0].B.Source != Nova || cs[0].B.State != Down {
		t.Fatalf("want prometheus up vs nova down, got %+v", cs)
	}
	if h, _ := m.Host("compute04"); h.Severity() != Crit {
		t.Fatal("host severity")
	}
}

func TestScopesReplaceOnlyTheirHost(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "a", At: t0, Facts: []Fact{{Host: "a", Kind: Container, Name: "x", State: "exited", Severity: Crit}}})
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "b", At: t0, Facts: []Fact{{Host: "b", Kind: Container, Name: "x", State: Running}}})
	if s := m.Summarize(); s.ContainersExited != 1 {
		t.Fatalf("host a's exited container lost when host b loaded: %+v", s)
	}
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "a", At: t0.Add(time.Second), Facts: nil})
	if s := m.Summarize(); s.ContainersExited != 0 {
		t.Fatalf("host a's container list replaced: %+v", s)
	}
}

func TestFailedReadKeepsFactsAndMarksUnreachable(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "alerts", Source: Alerts, At: t0, Facts: []Fact{
		{Host: "compute04", Kind: Alert, Name: "NovaComputeDown", ID: "fp1", State: Firing, Severity: Crit},
		{Host: "compute04", Kind: Alert, Name: "NovaComputeDown", ID: "fp2", State: Firing, Severity: Crit},
		{Kind: Alert, Name: "CephHealthWarning", State: Firing, Severity: Warn},
	}})
	s := m.Summarize()
	if s.Crit != 2 || s.Warn != 1 || len(s.Unreachable) != 0 || !s.Known {
		t.Fatalf("summary %+v", s)
	}
	m.Apply(Observation{Pane: "alerts", Source: Alerts, Err: errors.New("connection refused")})
	s = m.Summarize()
	if s.Crit != 2 || len(s.Unreachable) != 1 || s.Unreachable[0] != Alerts {
		t.Fatalf("after a failed read: %+v", s)
	}
	if sev, un := m.PaneSeverity("alerts"); sev != Crit || !un {
		t.Fatalf("pane severity %v unreachable %v", sev, un)
	}
	// The next success clears it.
	m.Apply(Observation{Pane: "alerts", Source: Alerts, At: t0.Add(time.Minute)})
	if sev, un := m.PaneSeverity("alerts"); sev != OK || un {
		t.Fatalf("pane severity %v unreachable %v after recovery", sev, un)
	}
}

func TestSummaryCountsAgentsOnlyOffDownHosts(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "agents", Source: Nova, At: t0, Facts: []Fact{svc("compute04", "nova-compute", Down, Crit)}})
	m.Apply(Observation{Pane: "agents", Source: Neutron, At: t0, Facts: []Fact{
		svc("compute04", "neutron-openvswitch-agent", Down, Warn), svc("control02", "neutron-dhcp-agent", Down, Warn)}})
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0, Facts: []Fact{
		{Kind: Health, Name: "ceph", State: "HEALTH_WARN", Severity: Warn},
		{Host: "compute04", Kind: OSD, Name: "osd.12", State: Down, Severity: Warn}}})
	s := m.Summarize()
	if len(s.HostsDown) != 1 || s.HostsDown[0] != "compute04" || s.AgentsDown != 1 || s.CephHealth != "HEALTH_WARN" || s.OSDsDown != 1 {
		t.Fatalf("summary %+v", s)
	}
}

func TestNilModelKnowsNothing(t *testing.T) {
	var m *Model
	m.Apply(Observation{Source: Nova})
	if _, ok := m.Host("x"); ok || len(m.Conflicts()) != 0 || m.Summarize().Known || m.Version() != 0 {
		t.Fatal("nil model answered")
	}
}

func TestConflictLine(t *testing.T) {
	c := Conflict{Host: "control03",
		A: Fact{Kind: Service, Name: "neutron-l3-agent", State: Up, Source: Neutron, At: t0},
		B: Fact{Kind: Container, Name: "neutron_l3_agent", State: "exited", Detail: "1", Source: Docker, At: t0.Add(-10 * time.Second)}}
	got := c.Line(t0.Add(10*time.Second), func(d time.Duration) string { return d.String() })
	want := "control03: service neutron-l3-agent up (neutron, 10s) but container neutron_l3_agent exited 1 (containers, 20s)"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// Panels: "nova-compute up 5/5 ✓ ALL UP" (Prometheus, cluster-wide) while
// Nova says compute04's nova-compute is DOWN.
func TestClusterCountAgainstHostDown(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0, Facts: []Fact{
		svc("compute04", "nova-compute", Down, Crit), svc("compute01", "nova-compute", Up, OK)}})
	m.Apply(Observation{Pane: "panels", Source: Prometheus, Scope: "nova-compute up", At: t0.Add(-30 * time.Second), Facts: []Fact{
		{Kind: Service, Name: "nova-compute", State: Up, Detail: "5/5"}}})
	cs := m.ClusterConflicts(Prometheus, "nova-compute")
	if len(cs) != 1 || cs[0].Host != "compute04" || cs[0].B.Source != Nova {
		t.Fatalf("conflicts %+v", cs)
	}
	if got := m.ConflictsOf("compute04", Service, "nova-compute"); len(got) != 1 {
		t.Fatal("the compute04 row does not see the conflict")
	}
	if m.Summarize().Conflicts != 1 {
		t.Fatal("strip does not count it")
	}
	// The stat turns to "4/5 DOWN": no contradiction left.
	m.Apply(Observation{Pane: "panels", Source: Prometheus, Scope: "nova-compute up", At: t0, Facts: []Fact{
		{Kind: Service, Name: "nova-compute", State: Down, Detail: "5/6"}}})
	if len(m.Conflicts()) != 0 {
		t.Fatalf("conflicts %+v", m.Conflicts())
	}
}

func TestDisputedFactMarksItsPaneWarn(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "agents", Source: Neutron, At: t0, Facts: []Fact{svc("control03", "neutron-l3-agent", Up, OK)}})
	if sev, _ := m.PaneSeverity("agents"); sev != OK {
		t.Fatal("undisputed agent is not OK")
	}
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "control03", At: t0, Facts: []Fact{
		{Host: "control03", Kind: Container, Name: "neutron_l3_agent", State: "exited", Severity: Crit}}})
	if sev, _ := m.PaneSeverity("agents"); sev != Warn {
		t.Fatalf("agents pane with a disputed row: %v, want WARN", sev)
	}
}

// A cluster-wide answer re-merges the hosts only when it changes what
// they are compared with (the service counts that say up): Ceph's health
// leaves every host as it was, a Prometheus count still finds the host
// whose own API says down.
func TestClusterFactsRemergeHostsOnlyForServiceCounts(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "agents", Source: Nova, At: t0, Facts: []Fact{
		svc("compute01", "nova-compute", Down, Crit), svc("compute02", "nova-compute", Up, OK)}})
	before := m.hosts["compute01"]
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0, Facts: []Fact{{Kind: Health, Name: "HEALTH_WARN", State: "warn", Severity: Warn}}})
	if m.hosts["compute01"] != before {
		t.Fatal("Ceph's health re-merged the hosts")
	}
	m.Apply(Observation{Pane: "panels", Source: Prometheus, At: t0, Facts: []Fact{{Kind: Service, Name: "nova-compute", State: Up}}})
	if h, _ := m.Host("compute01"); len(h.Conflicts) != 1 {
		t.Fatalf("compute01 conflicts %+v, want the cluster count against its own API", h.Conflicts)
	}
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0.Add(time.Second), Facts: nil})
	if h, _ := m.Host("compute01"); len(h.Conflicts) != 1 {
		t.Fatalf("after Ceph's next answer: conflicts %+v", h.Conflicts)
	}
	m.Apply(Observation{Pane: "panels", Source: Prometheus, At: t0.Add(time.Second), Facts: nil})
	if h, _ := m.Host("compute01"); len(h.Conflicts) != 0 {
		t.Fatalf("the count went, conflicts stayed: %+v", h.Conflicts)
	}
}

// A whole-cloud source refreshed with nothing changed only moves its
// facts' time (issue 15: each refresh re-merged all 1,000 hosts from every
// source); the model stays what merging every host anew gives, also when
// another pane's newer fact or a change takes over.
func TestRefreshWithNothingNewMergesNoHost(t *testing.T) {
	obs := func(pane string, src Source, at time.Time, down string) Observation {
		o := Observation{Pane: pane, Source: src, At: at}
		for i := range 50 {
			h := fmt.Sprintf("compute%02d", i)
			state := Up
			if h == down {
				state = Down
			}
			o.Facts = append(o.Facts, Fact{Host: h, Kind: Service, Name: "nova-compute", State: state},
				Fact{Host: h, Kind: Container, Name: "nova_compute", State: "running"})
		}
		return o
	}
	var seq []Observation
	m := New()
	apply := func(o Observation) { seq = append(seq, o); m.Apply(o) }
	apply(obs("compute", Nova, t0, ""))
	apply(obs("agents", Nova, t0.Add(time.Second), ""))
	// The agents pane's facts are the merged ones: the next compute
	// refresh takes them over (a merge), the ones after only move time.
	apply(obs("compute", Nova, t0.Add(20*time.Second), ""))
	n := m.merges
	for i := 3; i < 6; i++ {
		apply(obs("compute", Nova, t0.Add(time.Duration(i)*10*time.Second), ""))
	}
	if m.merges != n {
		t.Fatalf("3 unchanged refreshes of 50 hosts merged %d hosts, want 0", m.merges-n)
	}
	apply(obs("agents", Nova, t0.Add(61*time.Second), "compute07")) // newer, and a change
	apply(obs("compute", Nova, t0.Add(70*time.Second), ""))
	apply(obs("compute", Nova, t0.Add(80*time.Second), "compute09"))
	apply(obs("compute", Nova, t0.Add(90*time.Second), "compute09"))

	// The same final observations merged from scratch.
	last := map[obsKey]Observation{}
	var order []obsKey
	for _, o := range seq {
		k := obsKey{o.Pane, o.Source, o.Scope}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = o
	}
	fresh := New()
	for _, k := range order {
		fresh.Apply(last[k])
	}
	got, want := m.Hosts(), fresh.Hosts()
	if len(got) != len(want) {
		t.Fatalf("%d hosts, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("host %s:\n got %+v\nwant %+v", got[i].Name, got[i], want[i])
		}
	}
	if h, _ := m.Host("compute09"); h.Facts[len(h.Facts)-1].State != Down && h.Facts[0].State != Down {
		t.Fatalf("compute09's change not merged: %+v", h.Facts)
	}
}

// The strip's counts and the tabs' grades are not made again for a
// refresh that only made facts newer (issue 15: at 1,000 hosts every
// host's refresh redid them for the next frame); a change, or a source
// that stops answering, makes them again.
func TestSummaryKeptWhenOnlyTimeMoved(t *testing.T) {
	m := New()
	ct := func(at time.Time, state string, err error) Observation {
		return Observation{Pane: "containers", Source: Docker, Scope: "compute01", At: at, Err: err,
			Facts: []Fact{{Host: "compute01", Kind: Container, Name: "nova_compute", State: state}}}
	}
	m.Apply(ct(t0, "running", nil))
	m.Summarize()
	m.PaneSeverity("containers")
	n := m.sums
	for i := 1; i <= 5; i++ {
		m.Apply(ct(t0.Add(time.Duration(i)*10*time.Second), "running", nil))
		m.Summarize()
		m.PaneSeverity("containers")
	}
	if m.sums != n {
		t.Fatalf("5 refreshes with nothing new made the summary %d times", m.sums-n)
	}
	m.Apply(ct(t0.Add(time.Minute), "exited", nil))
	if s := m.Summarize(); s.ContainersExited != 1 || m.sums != n+1 {
		t.Fatalf("after an exit: %+v, %d summaries", s, m.sums-n)
	}
	m.Apply(ct(t0.Add(70*time.Second), "", errors.New("unreachable")))
	m.Summarize()
	if m.sums != n+2 {
		t.Fatal("a source that stopped answering did not make the summary again")
	}
	m.Apply(ct(t0.Add(80*time.Second), "exited", nil))
	m.Summarize()
	if m.sums != n+3 {
		t.Fatal("a source answering again did not make the summary again")
	}
}

// TestFactsVersionStaysWhenOnlyTimesMove: another pane's answer that
// merges a host to the same facts, only newer, and a cluster-wide answer
// that repeats itself leave FactsVersion (and so the strip's summary) as
// they were; a fact that changes moves it.
func TestFactsVersionStaysWhenOnlyTimesMove(t *testing.T) {
	m := New()
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0, Facts: []Fact{svc("compute01", "nova-compute", Up, OK)}})
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0, Facts: []Fact{{Kind: Health, Name: "HEALTH_WARN", State: "warn", Severity: Warn}}})
	m.Summarize()
	v, sums := m.FactsVersion(), m.sums
	m.Apply(Observation{Pane: "agents", Source: Nova, At: t0.Add(time.Second), Facts: []Fact{svc("compute01", "nova-compute", Up, OK)}})
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0.Add(2 * time.Second), Facts: []Fact{svc("compute01", "nova-compute", Up, OK)}})
	m.Apply(Observation{Pane: "ceph", Source: Ceph, At: t0.Add(2 * time.Second), Facts: []Fact{{Kind: Health, Name: "HEALTH_WARN", State: "warn", Severity: Warn}}})
	m.Summarize()
	if m.FactsVersion() != v || m.sums != sums {
		t.Errorf("only times moved: FactsVersion %d -> %d, summaries %d -> %d", v, m.FactsVersion(), sums, m.sums)
	}
	if h, _ := m.Host("compute01"); !h.Facts[0].At.Equal(t0.Add(2 * time.Second)) {
		t.Errorf("the fact's time did not move: %v", h.Facts[0].At)
	}
	m.Apply(Observation{Pane: "agents", Source: Nova, At: t0.Add(3 * time.Second), Facts: []Fact{svc("compute01", "nova-compute", Down, Crit)}})
	if m.FactsVersion() == v || len(m.Summarize().HostsDown) != 1 {
		t.Errorf("a fact changed: FactsVersion %d (was %d), hosts down %v", m.FactsVersion(), v, m.Summarize().HostsDown)
	}
}

// Issue 15: every observation gathered and sorted every host's conflicts
// (and the panes' ConflictsKey printed them) at 1,000 hosts. A host with
// no conflict before or after leaves the list as it was; one that gains or
// loses a conflict changes it.
func TestConflictsGatheredOnlyWhenAHostsConflictsMove(t *testing.T) {
	m := New()
	var agents []Fact
	for h := range 50 {
		host := fmt.Sprintf("control%02d", h)
		agents = append(agents, svc(host, "neutron-l3-agent", Up, OK))
		m.Apply(Observation{Pane: "containers", Source: Docker, Scope: host, At: t0,
			Facts: []Fact{{Host: host, Kind: Container, Name: "neutron_l3_agent", State: Running}}})
	}
	m.Apply(Observation{Pane: "agents", Source: Neutron, At: t0, Facts: agents})
	exited := func(host string, at time.Time, state string) {
		m.Apply(Observation{Pane: "containers", Source: Docker, Scope: host, At: at,
			Facts: []Fact{{Host: host, Kind: Container, Name: "neutron_l3_agent", State: state}}})
	}
	exited("control07", t0.Add(time.Second), "exited")
	if k := m.ConflictsKey(); !strings.Contains(k, "control07|") || len(m.Conflicts()) != 1 {
		t.Fatalf("an exited container under an agent up: conflicts %+v", m.Conflicts())
	}
	n := m.gathers
	for i := range 5 {
		exited(fmt.Sprintf("control%02d", 10+i), t0.Add(2*time.Second), "running")
		m.ConflictsKey()
	}
	if m.gathers != n {
		t.Errorf("5 answers from hosts without conflicts gathered the conflicts %d times, want 0", m.gathers-n)
	}
	// The conflicting host's own refresh: the conflict's age moves.
	exited("control07", t0.Add(3*time.Second), "exited")
	if cs := m.Conflicts(); len(cs) != 1 || !cs[0].B.At.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("refreshed conflict: %+v", cs)
	}
	exited("control07", t0.Add(4*time.Second), "running")
	if cs, k := m.Conflicts(), m.ConflictsKey(); len(cs) != 0 || k != "" {
		t.Fatalf("the container runs again: conflicts %+v, key %q", cs, k)
	}
	if sev, _ := m.PaneSeverity("agents"); sev != OK {
		t.Errorf("agents pane after the conflict went: %v", sev)
	}
}

// Issue 15: the strip's counts are kept per host with its merge; a host
// merged again recounts only itself, and a host that goes away is no
// longer counted.
func TestSummaryFollowsOneHostsChanges(t *testing.T) {
	m := New()
	for h := range 20 {
		host := fmt.Sprintf("compute%02d", h)
		m.Apply(Observation{Pane: "containers", Source: Docker, Scope: host, At: t0,
			Facts: []Fact{{Host: host, Kind: Container, Name: "nova_compute", State: Running}}})
	}
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0, Facts: []Fact{svc("compute03", "nova-compute", Down, Crit)}})
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "compute05", At: t0.Add(time.Second),
		Facts: []Fact{{Host: "compute05", Kind: Container, Name: "nova_compute", State: "exited", Severity: Crit}}})
	s := m.Summarize()
	if !reflect.DeepEqual(s.HostsDown, []string{"compute03"}) || s.ContainersExited != 1 {
		t.Fatalf("summary: %+v", s)
	}
	m.Apply(Observation{Pane: "containers", Source: Docker, Scope: "compute05", At: t0.Add(2 * time.Second)})
	m.Apply(Observation{Pane: "compute", Source: Nova, At: t0.Add(2 * time.Second), Facts: []Fact{svc("compute03", "nova-compute", Up, OK)}})
	if s := m.Summarize(); len(s.HostsDown) != 0 || s.ContainersExited != 0 {
		t.Fatalf("after compute05 went and compute03 came up: %+v", s)
	}
}

// Two panes read Nova's services (compute and agents): at 1,000 hosts
// each refresh of either merged every host anew, the other pane's fact
// being the merged one (issue 15: 70-110 ms on the UI goroutine per
// answer). Alternating refreshes with nothing new move times only, and
// the model stays what merging from scratch gives, also when one pane's
// answer is older than the merged fact and says otherwise.
func TestTwoPanesOneSourceRefreshesMergeNoHost(t *testing.T) {
	obs := func(pane string, at time.Time, down string) Observation {
		o := Observation{Pane: pane, Source: Nova, At: at}
		for i := range 30 {
			h := fmt.Sprintf("compute%02d", i)
			f := svc(h, "nova-compute", Up, OK)
			if h == down {
				f = svc(h, "nova-compute", Down, Crit)
			}
			o.Facts = append(o.Facts, f)
		}
		return o
	}
	m := New()
	last := map[string]Observation{}
	apply := func(o Observation) { last[o.Pane] = o; m.Apply(o) }
	apply(obs("compute", t0, ""))
	apply(obs("agents", t0.Add(time.Second), ""))
	n := m.merges
	for i := 1; i <= 6; i++ {
		pane := []string{"compute", "agents"}[i%2]
		apply(obs(pane, t0.Add(time.Duration(i)*10*time.Second), ""))
	}
	if m.merges != n {
		t.Errorf("6 alternating refreshes with nothing new merged %d hosts, want 0", m.merges-n)
	}
	if h, _ := m.Host("compute03"); !h.Facts[0].At.Equal(t0.Add(60 * time.Second)) {
		t.Errorf("the merged fact's time did not move to the newest answer: %+v", h.Facts[0])
	}
	// A newer answer with a change, then the other pane's answer, older
	// than it (a slow read) and saying otherwise: the newer one stays.
	apply(obs("agents", t0.Add(90*time.Second), "compute05"))
	apply(obs("compute", t0.Add(80*time.Second), ""))
	fresh := New()
	fresh.Apply(last["compute"])
	fresh.Apply(last["agents"])
	got, want := m.Hosts(), fresh.Hosts()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("refreshed model differs from one merged anew:\n got %+v\nwant %+v", got, want)
	}
	if h, _ := m.Host("compute05"); !h.HostDown() {
		t.Errorf("compute05 down by the newest answer is not DOWN: %+v", h.Facts)
	}
}

// An exited container's fact carries its exit code only when an inspect
// told it (docker.Container.Inspected); else "?", not "0".
func TestExitedContainerFactWithoutInspect(t *testing.T) {
	fs := FromContainers("control01", []docker.Container{
		{Name: "a", State: "exited", ExitCode: 137},
		{Name: "b", State: "exited", RestartCount: -1},
	})
	if len(fs) != 2 || fs[0].Detail != "137" || fs[1].Detail != "?" || fs[1].Severity != Crit {
		t.Fatalf("facts %+v", fs)
	}
}
