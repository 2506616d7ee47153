// Package hostmodel is the one place that merges what the cockpit knows
// about each host: Nova/Cinder services and Neutron agents, hypervisor
// usage, containers, alerts and OSDs, each fact with the source and time it
// was seen. Panes publish what they loaded as Observations (plain values,
// sent as messages); the shell applies them to one Model on the UI
// goroutine, so the Model needs no lock. Panes, the incident strip and the
// tab markers read the merged Model. When two sources disagree (an agent
// says up, its container exited) the Model reports a Conflict naming both,
// so no pane shows one side as the truth.
package hostmodel

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unsafe"
)

// Source is the backend a fact came from.
type Source string

// The sources the panes publish.
const (
	Nova       Source = "nova"
	Neutron    Source = "neutron"
	Cinder     Source = "cinder"
	Placement  Source = "placement" // hypervisor usage
	Docker     Source = "containers"
	Alerts     Source = "alerts"
	Ceph       Source = "ceph"
	Prometheus Source = "prometheus"
)

// Kind says what a fact is about.
type Kind string

const (
	Service   Kind = "service"   // Nova/Cinder service or Neutron agent; Name is the binary
	Usage     Kind = "usage"     // hypervisor usage; Name "hypervisor"
	Container Kind = "container" // Name is the container name
	Alert     Kind = "alert"     // Name is the alertname
	OSD       Kind = "osd"       // Name is osd.N
	Health    Kind = "health"    // cluster-wide health (Ceph); Host ""
)

// Severity orders how bad a fact is.
type Severity int

const (
	OK Severity = iota
	Warn
	Crit
)

func (s Severity) String() string {
	switch s {
	case Crit:
		return "CRIT"
	case Warn:
		return "WARN"
	}
	return "OK"
}

// State words the model understands; any other State is shown as given.
const (
	Up      = "up"
	Down    = "down"
	Running = "running"
	Firing  = "firing"
)

// Fact is one thing one source said about one host.
type Fact struct {
	Host string // short host name; "" for cluster-wide facts
	Kind Kind
	Name string
	// ID tells apart facts with one Name on one host (two alerts named
	// alike, two Cinder backends); "" means Name.
	ID       string
	State    string // up, down (services); running, exited... (containers); firing (alerts)
	Detail   string // "exit 1", "disabled: maintenance", "forced down", severity label
	Severity Severity
	// Disabled: the service is administratively disabled (a down disabled
	// host is known and being handled).
	Disabled bool
	// Source and At are filled from the Observation.
	Source Source
	At     time.Time
}

// Observation is what one pane loaded from one source: it replaces every
// fact the same pane published before under the same Source and Scope.
type Observation struct {
	Pane   string // the publishing pane's ID (tab markers read it)
	Source Source
	// Scope narrows what is replaced: the containers pane loads each host
	// on its own and publishes one Observation per host (Scope = host).
	Scope string
	At    time.Time
	Facts []Fact
	// Err says the source could not be read: its last facts stay (with
	// their age) and the source counts as unreachable.
	Err error
	// For is the model the publishing pane reads (nil: any). A session
	// applies only its own model's observations.
	For *Model
}

type obsKey struct {
	pane   string
	source Source
	scope  string
}

// stored is an applied observation, its facts grouped by host.
type stored struct {
	Observation
	byHost map[string][]Fact
	// order: the hosts as they first come in the answer; flat: the
	// answer's facts (as grouped in byHost), in its order. patch walks the
	// next answer along them.
	order []string
	flat  []*Fact
	sev   Severity // the worst of its facts (paneSevs reads it, not them)
}

// Model is the merged view. The zero value is not usable; call New. A nil
// *Model answers every question with "nothing known".
type Model struct {
	obs map[obsKey]*stored
	// tellers: how many observations (panes and scopes) tell each source.
	tellers map[Source]int
	// hostObs: which observations hold facts about a host ("" for
	// cluster-wide facts), so an Apply re-merges only the hosts it touched.
	hostObs map[string]map[obsKey]bool
	// merged: newest fact per (source, kind, host, id).
	hosts map[string]*Host
	// conflictsDirty: a host with conflicts was merged (before or after),
	// so the list of every host's conflicts is made again; a host with
	// none on either side leaves it (issue 15: each observation made it
	// anew over 1,000 hosts for the panes' ConflictsKey).
	conflictsDirty bool
	ckey           *string // ConflictsKey of conflicts (nil: to make)
	// names: the hosts' names sorted (nil: to sort again), kept while no
	// host comes or goes (Hosts ran a sort of 1,000 hosts for each
	// summary of the strip).
	names   []string
	cluster []Fact
	version int
	merges  int // hosts merged from every observation (tests)
	patches int // answers patch took (tests)
	newests int // newest's passes over a host's observations (tests)
	// factsVer moves when a fact's content may have changed; not when a
	// refresh only moved its time (refreshAt).
	factsVer int
	fc       *factsCache // answers kept while factsVer stays (controlplane.go)

	// Answers computed once per version: Render asks every frame.
	cacheAt    int
	sumAt      int // factsVer of summary and paneSev
	sumOK      bool
	sums       int // summaries made (tests)
	gathers    int // conflict lists made (tests)
	factPasses int // passes of factsCache's answers over every host (tests)
	conflicts  []Conflict
	summary    *Summary
	paneSev    map[string]paneSev
}

type paneSev struct {
	sev         Severity
	unreachable bool
}

// New makes an empty model.
func New() *Model {
	return &Model{obs: map[obsKey]*stored{}, tellers: map[Source]int{}, hostObs: map[string]map[obsKey]bool{}, hosts: map[string]*Host{}}
}

// Host is everything known about one host.
type Host struct {
	Name string
	// Facts are sorted by kind, name, source. They point into the applied
	// observations' facts (a copy of each, 152 bytes a fact, kept every
	// fact twice, issue 15): the model's own, which a caller must not
	// write, neither the slice nor a fact through its pointer; a write
	// would change what the model, and every other pane, says.
	Facts     []*Fact
	Conflicts []Conflict
	// Kept with the merge for Summarize, which reads them for every host
	// on each change (issue 15): HostDown, and the facts the strip counts.
	down  bool
	notes []Fact
}

// Conflict is two sources saying contradicting things about one host.
type Conflict struct {
	Host string
	A, B Fact // A is the claim (agent up), B what contradicts it (container exited)
}

// Text describes the contradiction from A's side: "container
// neutron_l3_agent exited 1".
func (c Conflict) Text() string {
	return describe(c.B)
}

func describe(f Fact) string {
	s := string(f.Kind) + " " + f.Name + " " + f.State
	if f.Detail != "" {
		s += " " + f.Detail
	}
	return s
}

// Version changes on every Apply (panes rebuild rows when it moved).
func (m *Model) Version() int {
	if m == nil {
		return 0
	}
	return m.version
}

// FactsVersion moves when what the model knows may have changed, not when
// a refresh only made known facts newer: answers that do not read facts'
// times (addresses, services up, controller rows) stay valid while it
// stays.
func (m *Model) FactsVersion() int {
	if m == nil {
		return 0
	}
	return m.factsVer
}

// Apply merges an observation. A failed observation keeps the pane's last
// facts from that source and marks them unreachable.
func (m *Model) Apply(o Observation) {
	if m == nil {
		return
	}
	k := obsKey{o.Pane, o.Source, o.Scope}
	m.version++
	if old, ok := m.obs[k]; (o.Err != nil) != (ok && old.Err != nil) {
		m.factsVer++ // reachable or not: what the tabs and the strip say
	}
	if o.Err != nil {
		if old, ok := m.obs[k]; ok {
			old.Err = o.Err
		} else {
			m.store(k, &stored{Observation: Observation{Pane: o.Pane, Source: o.Source, Scope: o.Scope, Err: o.Err}})
		}
		return
	}
	old, hadOld := m.obs[k]
	if hadOld && m.patch(old, o) {
		return
	}
	touched := map[string]bool{}
	if hadOld {
		touched = make(map[string]bool, len(old.byHost))
		for h := range old.byHost {
			touched[h] = true
			delete(m.hostObs[h], k)
		}
	}
	st := &stored{Observation: o}
	st.For, st.Facts = nil, nil
	st.byHost, st.order, st.flat, st.sev = byHost(o)
	if hadOld && st.sev != old.sev {
		m.factsVer++ // the pane's grade (paneSevs reads sev)
	}
	for h := range st.byHost {
		touched[h] = true
		if m.hostObs[h] == nil {
			m.hostObs[h] = map[obsKey]bool{}
		}
		m.hostObs[h][k] = true
	}
	m.store(k, st)
	if touched[""] {
		if redo := m.remergeCluster(); redo != nil {
			for h, host := range m.hosts {
				if redo(host) {
					touched[h] = true
				}
			}
		}
	}
	for h := range touched {
		if h != "" && !(hadOld && old.Err == nil && m.refreshAt(h, old, st)) && !m.mergeOne(h, k, st) {
			m.mergeHost(h)
		}
	}
}

// store keeps an applied observation, counting a new one's source.
func (m *Model) store(k obsKey, st *stored) {
	if _, ok := m.obs[k]; !ok {
		m.tellers[k.source]++
	}
	m.obs[k] = st
}

// mergeOnly turns mergeOne off (tests compare it with mergeHost).
var mergeOnly = false

// mergeOne is mergeHost for a host whose facts of one source changed in
// one observation that alone tells this host's facts of that source: the
// host's merged facts of the other sources stay, in order, and this
// source's are replaced (issue 15: a whole-cloud answer that changed
// merged each of 1,000 hosts from all its observations, sorting every
// fact again: 63-78 ms and 6 MB on the UI goroutine). False: merge anew.
func (m *Model) mergeOne(host string, k obsKey, st *stored) bool {
	h := m.hosts[host]
	if mergeOnly || h == nil {
		return false
	}
	if m.sharedOn(host, k) {
		return false // two panes tell this source: the newest of each fact wins
	}
	add := factRefs(st.byHost[host])
	if len(add) > 1 {
		slices.SortStableFunc(add, newestFirst) // of a key named twice, the answer's first (newest)
		add = slices.CompactFunc(add, func(a, b *Fact) bool { return keyOf(a) == keyOf(b) })
	}
	facts := make([]*Fact, 0, len(h.Facts)+len(add))
	i := 0
	for _, f := range h.Facts {
		if f.Source == k.source {
			continue
		}
		for i < len(add) && newestFirst(add[i], f) < 0 {
			facts = append(facts, add[i])
			i++
		}
		facts = append(facts, f)
	}
	facts = append(facts, add[i:]...)
	if len(facts) == 0 {
		return false // the host is gone: mergeHost forgets it
	}
	m.merges++
	if !sameButTime(h.Facts, facts) {
		m.factsVer++
	}
	m.setHost(host, facts)
	return true
}

// byHost groups an observation's facts by short host name, with their
// source and time, each host's facts together in one array in the
// answer's order (issue 15: an append per fact was two thousand
// allocations per Ceph answer at 1,000 hosts, on the UI goroutine). order
// is the hosts as they first come in the answer, flat the answer's facts
// as grouped (patch compares the next answer with them).
func byHost(o Observation) (out map[string][]Fact, order []string, flat []*Fact, sev Severity) {
	all := make([]Fact, len(o.Facts))
	runs := 0
	for i, f := range o.Facts {
		f.Source, f.At = o.Source, o.At
		f.Host = ShortHost(f.Host)
		all[i] = f
		sev = max(sev, f.Severity)
		if i == 0 || f.Host != all[i-1].Host {
			runs++
		}
	}
	out = make(map[string][]Fact, runs)
	order = make([]string, 0, runs)
	flat = make([]*Fact, len(all))
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].Host == all[i].Host {
			j++
		}
		h := all[i].Host
		if _, seen := out[h]; seen {
			out, order, flat = scattered(all)
			return out, order, flat, sev
		}
		out[h] = all[i:j:j]
		order = append(order, h)
		for k := i; k < j; k++ {
			flat[k] = &all[k]
		}
		i = j
	}
	return out, order, flat, sev
}

// scattered is byHost's grouping for an answer that lists a host's facts
// apart (Nova's services by binary): each host's facts moved together,
// in the answer's order.
func scattered(all []Fact) (map[string][]Fact, []string, []*Fact) {
	count := map[string]int{}
	var order []string
	for _, f := range all {
		if _, ok := count[f.Host]; !ok {
			order = append(order, f.Host)
		}
		count[f.Host]++
	}
	next := make(map[string]int, len(order)) // where each host's next fact goes
	n := 0
	for _, h := range order {
		next[h] = n
		n += count[h]
	}
	together := make([]Fact, len(all))
	flat := make([]*Fact, len(all))
	for i, f := range all {
		at := next[f.Host]
		next[f.Host]++
		together[at] = f
		flat[i] = &together[at]
	}
	out := make(map[string][]Fact, len(order))
	for _, h := range order {
		end := next[h]
		out[h] = together[end-count[h] : end : end]
	}
	return out, order, flat
}

// refreshAt is mergeHost for a host whose facts in this observation are
// the previous ones again, only newer (issue 15: every refresh of a
// whole-cloud source re-merged all 1,000 hosts from every source, 18% of
// the cockpit's CPU). Each merged fact stays what it was: this
// observation's newer copy moves its time, one as new from another pane
// (two panes read Nova's services) stays. False: merge anew.
func (m *Model) refreshAt(host string, old, cur *stored) bool {
	was, now := old.byHost[host], cur.byHost[host]
	h := m.hosts[host]
	if h == nil || len(was) != len(now) || cur.At.Before(old.At) {
		return false
	}
	moved := false
	for i := range now {
		a, b := was[i], &now[i]
		a.At = b.At
		if a != *b {
			return false
		}
		j := findFact(h.Facts, b)
		if j < 0 {
			return false
		}
		f := *h.Facts[j]
		if !b.At.After(f.At) && !pointsInto(h.Facts[j], was) {
			continue // the merged one is as new (another pane's answer)
		}
		f.At = b.At
		if f != *b {
			return false // newer, and it says otherwise than the merged one
		}
		// In place: only the time moves, so the merged fact is this
		// observation's now (the old one's facts are then no host's), and
		// mergeHost (on false above) merges from the observations. A new
		// slice of the host's facts per refresh was 6 MB a whole-cloud
		// answer at 1,000 hosts, on the UI goroutine (issue 15).
		moved = moved || !h.Facts[j].At.Equal(b.At)
		h.Facts[j] = b
	}
	switch {
	case moved:
		m.timesMoved(host, h)
	case len(now) == 0: // a cluster-wide count moved
		m.setHost(host, h.Facts)
	}
	return true
}

// timesMoved: only the times of a host's merged facts moved. Without
// conflicts it has none now either (no detect), and its counted facts are
// the same ones, a little newer; with some, their copies take the ages.
func (m *Model) timesMoved(name string, h *Host) {
	if len(h.Conflicts) > 0 {
		m.setHost(name, h.Facts)
		return
	}
	h.noteTimes()
}

// noteTimes gives the host's counted facts (notes, copies) their merged
// facts' times.
func (h *Host) noteTimes() {
	for i := range h.notes {
		if j := findFact(h.Facts, &h.notes[i]); j >= 0 {
			h.notes[i].At = h.Facts[j].At
		}
	}
}

// pointsInto: f is one of fs (by address: an answer may repeat a key, so
// not by value). O(1): it is asked for each merged fact of a host.
func pointsInto(f *Fact, fs []Fact) bool {
	if len(fs) == 0 || f == nil {
		return false
	}
	off := uintptr(unsafe.Pointer(f)) - uintptr(unsafe.Pointer(unsafe.SliceData(fs)))
	return off < uintptr(len(fs))*unsafe.Sizeof(Fact{}) && off%unsafe.Sizeof(Fact{}) == 0
}

// findFact: the index of f's key among a host's merged facts, -1 if none.
func findFact(fs []*Fact, f *Fact) int {
	i, _ := slices.BinarySearchFunc(fs, f, cmpFact)
	k := keyOf(f)
	for ; i < len(fs) && cmpFact(fs[i], f) == 0; i++ {
		if keyOf(fs[i]) == k {
			return i
		}
	}
	return -1
}

// cmpFact is the merged facts' order: kind, name, source.
func cmpFact(a, b *Fact) int {
	if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(string(a.Source), string(b.Source))
}

// ServiceFact is a Nova/Cinder service or Neutron agent as the model
// wants it: down (or forced down) is CRIT, unless the service is disabled
// (known and being handled: WARN).
func ServiceFact(host, binary string, down, disabled bool) Fact {
	f := Fact{Host: host, Kind: Service, Name: binary, State: Up, Disabled: disabled}
	if down {
		f.State, f.Severity = Down, Crit
		if disabled {
			f.Severity = Warn
		}
	}
	return f
}

// ShortHost drops a domain and a Cinder backend: "control01.mgmt@rbd-1"
// is host "control01".
func ShortHost(h string) string {
	h, _, _ = strings.Cut(h, "@")
	h, _, _ = strings.Cut(h, ".")
	return h
}

type factKey struct {
	source     Source
	kind       Kind
	host, name string
}

func keyOf(f *Fact) factKey {
	return factKey{f.Source, f.Kind, f.Host, idOf(f)}
}

// newest keeps the newest fact per key among the observations of one
// host, in cmpFact's order. One sorted slice, no map: a whole-cloud
// answer merges 1,000 hosts at once on the UI goroutine (issue 15).
func (m *Model) newest(host string) []*Fact {
	m.newests++
	n := 0
	keys := make([]obsKey, 0, len(m.hostObs[host]))
	for k := range m.hostObs[host] {
		n += len(m.obs[k].byHost[host])
		keys = append(keys, k)
	}
	// In a fixed order, and sorted stably: of two facts of one key at one
	// time (two panes' answers at the same instant, or one answer naming
	// a key twice) the same one wins at every merge, not a map's
	// iteration order's (a service shown up, then down, when an unrelated
	// answer merged its host again).
	slices.SortFunc(keys, func(a, b obsKey) int {
		return cmp.Or(strings.Compare(a.pane, b.pane), strings.Compare(string(a.source), string(b.source)), strings.Compare(a.scope, b.scope))
	})
	out := make([]*Fact, 0, n)
	for _, k := range keys {
		fs := m.obs[k].byHost[host]
		for i := range fs {
			out = append(out, &fs[i])
		}
	}
	// By key, the newest first: the first of each key is kept.
	slices.SortStableFunc(out, newestFirst)
	w := 0
	for i := range out {
		if w > 0 && keyOf(out[w-1]) == keyOf(out[i]) {
			continue
		}
		out[w] = out[i]
		w++
	}
	return slices.Clip(out[:w])
}

// newestFirst is the merged facts' order (cmpFact, then the ID), the
// newest of each key first.
func newestFirst(a, b *Fact) int {
	if c := cmpFact(a, b); c != 0 {
		return c
	}
	if c := strings.Compare(idOf(a), idOf(b)); c != 0 {
		return c
	}
	return b.At.Compare(a.At)
}

func idOf(f *Fact) string {
	if f.ID == "" {
		return f.Name
	}
	return f.ID
}

// remergeCluster merges the cluster-wide facts again and says which hosts
// must be merged again for them (nil: none). Hosts read only the up
// counts (mergeHost), so another cluster-wide fact (Ceph, a stuck volume)
// leaves them as they were (issue 15: every such answer re-merged every
// host on the UI goroutine); when only the counts' times moved, a host's
// conflicts with them are the same, their ages not: only hosts with
// conflicts (each Prometheus refresh merged every host again).
func (m *Model) remergeCluster() (redo func(*Host) bool) {
	before := upServices(m.cluster)
	m.mergeCluster()
	after := upServices(m.cluster)
	switch {
	case slices.Equal(before, after):
		return nil
	case sameButTime(factRefs(before), factRefs(after)):
		return func(h *Host) bool { return len(h.Conflicts) > 0 }
	}
	return func(*Host) bool { return true }
}

func (m *Model) mergeCluster() {
	c := make([]Fact, 0, len(m.cluster))
	for _, f := range m.newest("") {
		c = append(c, *f) // a few: kept apart from the observations
	}
	if !sameButTime(factRefs(m.cluster), factRefs(c)) {
		m.factsVer++
	}
	m.cluster = c
}

// factRefs points at each of fs.
func factRefs(fs []Fact) []*Fact {
	out := make([]*Fact, len(fs))
	for i := range fs {
		out[i] = &fs[i]
	}
	return out
}

// sameButTime: the same facts, only (maybe) newer. FactsVersion does not
// move for them (issue 15: at 1,000 hosts every host's answer from another
// pane merged it anew and moved FactsVersion, and the strip, the tabs'
// grades and the control-plane rows were redone over every host several
// times a second, the largest share of the UI goroutine's time while keys
// were pressed).
func sameButTime(a, b []*Fact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := *a[i], *b[i]
		x.At, y.At = time.Time{}, time.Time{}
		if x != y {
			return false
		}
	}
	return true
}

// upServices: the cluster facts mergeHost compares a host's services with.
func upServices(cluster []Fact) []Fact {
	var out []Fact
	for _, c := range cluster {
		if c.Kind == Service && c.State == Up {
			out = append(out, c)
		}
	}
	return out
}

func (m *Model) mergeHost(name string) {
	m.merges++
	facts := m.newest(name)
	old := m.hosts[name]
	if len(facts) == 0 {
		if old != nil {
			m.factsVer++
			m.conflictsDirty = m.conflictsDirty || len(old.Conflicts) > 0
		}
		delete(m.hosts, name)
		m.names = nil
		return
	}
	if old == nil || !sameButTime(old.Facts, facts) {
		m.factsVer++
	}
	m.setHost(name, facts)
}

// setHost stores a host's merged facts with their conflicts.
func (m *Model) setHost(name string, facts []*Fact) {
	h := &Host{Name: name, Facts: facts}
	h.Conflicts = detect(h)
	// A cluster-wide count (a Prometheus stat: "nova-compute up 5/5")
	// against this host's service down by its own API.
	for _, c := range m.cluster {
		if c.Kind != Service || c.State != Up {
			continue
		}
		for _, f := range h.Facts {
			if f.Kind == Service && f.Name == c.Name && f.State == Down && f.Source != c.Source {
				h.Conflicts = append(h.Conflicts, Conflict{Host: name, A: c, B: *f})
			}
		}
	}
	h.down = h.HostDown()
	for _, f := range facts {
		if counted(*f) {
			h.notes = append(h.notes, *f)
		}
	}
	old, ok := m.hosts[name]
	if !ok {
		m.names = nil
	}
	if len(h.Conflicts) > 0 || (ok && len(old.Conflicts) > 0) {
		m.conflictsDirty = true
	}
	m.hosts[name] = h
}

// counted: a fact Summarize counts (a down service, a container not
// running or unhealthy, anything worse than OK); the rest count nothing.
func counted(f Fact) bool {
	switch {
	case f.Severity > OK:
		return true
	case f.Kind == Service, f.Kind == OSD:
		return f.State == Down
	case f.Kind == Container:
		return f.State != Running
	}
	return false
}

// cached recomputes the per-version answers when the model moved.
func (m *Model) cached() {
	if m.cacheAt == m.version && m.conflicts != nil {
		return
	}
	m.cacheAt = m.version
	if m.conflicts == nil || m.conflictsDirty {
		m.sortConflicts()
	}
	// The strip's counts and the tabs' grades read no fact's time: a
	// refresh that only made facts newer keeps them (issue 15: at 1,000
	// hosts each host's refresh redid them for the next frame).
	if !m.sumOK || m.sumAt != m.factsVer {
		m.sumOK, m.sumAt = true, m.factsVer
		m.summary = nil
		m.paneSev = nil
	}
}

// sortConflicts gathers every host's conflicts, by host.
func (m *Model) sortConflicts() {
	m.conflictsDirty, m.ckey = false, nil
	m.gathers++
	m.conflicts = []Conflict{}
	for _, h := range m.hosts {
		m.conflicts = append(m.conflicts, h.Conflicts...)
	}
	// Stable: two of a host's conflicts that tie keep the order its merge
	// found them in, the same at every gathering.
	sort.SliceStable(m.conflicts, func(i, j int) bool {
		a, b := m.conflicts[i], m.conflicts[j]
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		if a.A.Name != b.A.Name {
			return a.A.Name < b.A.Name
		}
		return a.B.Source < b.B.Source
	})
}

// ContainerFor is the Kolla container running an OpenStack binary
// (neutron-l3-agent runs in neutron_l3_agent).
func ContainerFor(binary string) string {
	binary, _, _ = strings.Cut(binary, "@")
	return strings.ReplaceAll(binary, "-", "_")
}

// detect finds the contradictions on one host:
//   - a service or agent its API reports up while its container is not
//     running (the API's heartbeat lags, or a stale agent row);
//   - a service its API reports down while its container runs healthy is
//     not a contradiction (the process can hang), so it is not flagged;
//   - one service reported up by one source and down by another (Nova
//     says nova-compute down, Prometheus's view says up).
//
// Facts are in cmpFact's order: a container is found by a binary search
// and one service's other sources follow it (no map per host: a
// whole-cloud answer merges 1,000 hosts at once).
func detect(h *Host) []Conflict {
	var out []Conflict
	for i, f := range h.Facts {
		if f.Kind != Service {
			continue
		}
		if f.State == Up {
			if c, ok := container(h.Facts, ContainerFor(f.Name)); ok && c.State != Running {
				out = append(out, Conflict{Host: h.Name, A: *f, B: c})
			}
		}
		for _, g := range h.Facts[i+1:] {
			if g.Kind != Service || g.Name != f.Name {
				break
			}
			if g.Source != f.Source &&
				(g.State == Up || g.State == Down) && (f.State == Up || f.State == Down) && g.State != f.State {
				a, b := *f, *g
				if b.State == Up { // A is the claim "up", B the contradiction
					a, b = b, a
				}
				out = append(out, Conflict{Host: h.Name, A: a, B: b})
			}
		}
	}
	return out
}

// container: the last container fact named name among sorted facts.
func container(fs []*Fact, name string) (Fact, bool) {
	i, ok := slices.BinarySearchFunc(fs, name, func(f *Fact, name string) int {
		if c := strings.Compare(string(f.Kind), string(Container)); c != 0 {
			return c
		}
		return strings.Compare(f.Name, name)
	})
	if !ok {
		return Fact{}, false
	}
	for i+1 < len(fs) && fs[i+1].Kind == Container && fs[i+1].Name == name {
		i++
	}
	return *fs[i], true
}

// Host returns what is known about one host (by short name). Its Facts
// and Conflicts are the model's own, not copies: read them, never write.
func (m *Model) Host(name string) (Host, bool) {
	if m == nil {
		return Host{}, false
	}
	h, ok := m.hosts[ShortHost(name)]
	if !ok {
		return Host{}, false
	}
	return *h, true
}

// Hosts lists every known host by name; like Host's, their Facts and
// Conflicts are the model's own: read only.
func (m *Model) Hosts() []Host {
	if m == nil {
		return nil
	}
	out := make([]Host, 0, len(m.hosts))
	for _, n := range m.sortedNames() {
		out = append(out, *m.hosts[n])
	}
	return out
}

// sortedNames: the hosts' names, sorted again only when one came or went.
func (m *Model) sortedNames() []string {
	if m.names == nil {
		m.names = make([]string, 0, len(m.hosts))
		for n := range m.hosts {
			m.names = append(m.names, n)
		}
		sort.Strings(m.names)
	}
	return m.names
}

// Conflicts lists every contradiction, by host.
func (m *Model) Conflicts() []Conflict {
	if m == nil {
		return nil
	}
	m.cached()
	return m.conflicts
}

// ConflictsKey names the current set of conflicts (not their ages): a
// pane rebuilds its rows' marks only when it changed, not on every
// observation another pane publishes.
func (m *Model) ConflictsKey() string {
	cs := m.Conflicts()
	if m == nil {
		return ""
	}
	if m.ckey == nil {
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s\n", c.Host, c.A.Source, c.A.Name, c.B.Source, c.B.Name, c.B.State)
		}
		k := b.String()
		m.ckey = &k
	}
	return *m.ckey
}

// ClusterConflicts lists the contradictions with one cluster-wide fact
// (from src about service name), e.g. a Prometheus stat saying all
// nova-compute services are up while Nova says one is down.
func (m *Model) ClusterConflicts(src Source, name string) []Conflict {
	var out []Conflict
	for _, c := range m.Conflicts() {
		if c.A.Host == "" && c.A.Source == src && c.A.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// ConflictsOf lists the contradictions about one fact (a service or a
// container) on one host, from either side.
func (m *Model) ConflictsOf(host string, kind Kind, name string) []Conflict {
	h, ok := m.Host(host)
	if !ok {
		return nil
	}
	var out []Conflict
	for _, c := range h.Conflicts {
		if (c.A.Kind == kind && c.A.Name == name) || (c.B.Kind == kind && c.B.Name == name) {
			out = append(out, c)
		}
	}
	return out
}

// Other returns the side of c that is not about (kind, name, source):
// the pane showing one side renders the other.
func (c Conflict) Other(kind Kind, name string, src Source) Fact {
	if c.A.Kind == kind && c.A.Name == name && c.A.Source == src {
		return c.B
	}
	return c.A
}

// Describe renders a conflicting fact for a row, with its source and age:
// "container neutron_l3_agent exited exit 1 (containers, 20s)".
func Describe(f Fact, age string) string {
	return describe(f) + " (" + string(f.Source) + ", " + age + ")"
}

// Line spells a conflict out for a pane: "control03: service
// neutron-l3-agent up (neutron, 10s) but container neutron_l3_agent exited
// 1 (containers, 20s)". age renders a data age (pane.DataAge).
func (c Conflict) Line(now time.Time, age func(time.Duration) string) string {
	return c.Host + ": " + Describe(c.A, age(now.Sub(c.A.At))) + " but " + Describe(c.B, age(now.Sub(c.B.At)))
}

// HostDown: the host's nova-compute is down (or forced down) by Nova.
func (h Host) HostDown() bool {
	for _, f := range h.Facts {
		if f.Kind == Service && f.Name == "nova-compute" && f.Source == Nova && f.State == Down {
			return true
		}
	}
	return false
}

// Severity is the worst fact or conflict on the host.
func (h Host) Severity() Severity {
	s := OK
	for _, f := range h.Facts {
		s = max(s, f.Severity)
	}
	if len(h.Conflicts) > 0 {
		s = max(s, Warn)
	}
	return s
}

// PaneSeverity is the worst of what one pane published (its rows; a
// fact another source contradicts is at least WARN), and whether one of
// its sources could not be read.
func (m *Model) PaneSeverity(pane string) (sev Severity, unreachable bool) {
	if m == nil {
		return OK, false
	}
	m.cached()
	if m.paneSev == nil {
		m.paneSevs()
	}
	ps := m.paneSev[pane]
	return ps.sev, ps.unreachable
}

// paneSevs grades every pane in one pass over the observations.
// Each observation keeps its worst fact's severity, and only the few
// disputed facts are looked up (issue 15: a pass over every fact of 1,000
// hosts on each change was the largest cost of a frame).
func (m *Model) paneSevs() {
	m.paneSev = map[string]paneSev{}
	for k, o := range m.obs {
		ps := m.paneSev[k.pane]
		if o.Err != nil {
			ps.unreachable = true
		}
		ps.sev = max(ps.sev, o.sev)
		m.paneSev[k.pane] = ps
	}
	for _, c := range m.conflicts {
		for _, f := range []Fact{c.A, c.B} {
			fk := keyOf(&f)
			for k := range m.hostObs[f.Host] {
				if ps := m.paneSev[k.pane]; ps.sev < Warn && slices.ContainsFunc(m.obs[k].byHost[f.Host], func(g Fact) bool { return keyOf(&g) == fk }) {
					ps.sev = Warn
					m.paneSev[k.pane] = ps
				}
			}
		}
	}
}

// Summary counts what the incident strip shows.
type Summary struct {
	HostsDown  []string // nova-compute down (Nova)
	Crit, Warn int      // firing, unsilenced alerts by severity
	CephHealth string   // HEALTH_WARN, HEALTH_ERR ("" when OK or unknown)
	AgentsDown int      // services/agents down on hosts that are not DOWN
	// Containers not running (exited, dead, restarting...), and running
	// but unhealthy.
	ContainersExited, ContainersUnhealthy int
	OSDsDown                              int
	Conflicts                             int
	Unreachable                           []Source // sources whose last read failed
	Known                                 bool     // at least one source answered
	CephSeverity                          Severity
	// The control plane (controlplane.go): RabbitMQ nodes not running and
	// with alarms or partitions, queues with messages and no consumer,
	// services up without a broker connection, HAProxy servers DOWN,
	// memcached not answering, VIPs held by no host or by two.
	RabbitDown       []string
	RabbitProblems   int
	QueuesUnconsumed int
	Disconnected     []string // service@host
	HAProxyDown      int
	MemcachedDown    int
	VIPProblems      int
	// Galera nodes with problems ("control03 Donor/Desynced") and the
	// cluster's own problems (size, split), with the worst severity.
	GaleraNodes    []string
	GaleraCluster  []string
	GaleraSeverity Severity
	// Stuck resources by kind (stuck.go).
	Stuck []StuckCount
}

// Summarize counts the incident for the strip.
func (m *Model) Summarize() Summary {
	var s Summary
	if m == nil {
		return s
	}
	m.cached()
	if m.summary != nil {
		return *m.summary
	}
	defer func() { m.summary = &s }()
	m.sums++
	unreach := map[Source]bool{}
	for _, o := range m.obs {
		if o.Err != nil {
			unreach[o.Source] = true
		} else {
			s.Known = true
		}
	}
	for src := range unreach {
		s.Unreachable = append(s.Unreachable, src)
	}
	sort.Slice(s.Unreachable, func(i, j int) bool { return s.Unreachable[i] < s.Unreachable[j] })
	count := func(f Fact, down bool) {
		switch f.Kind {
		case Service:
			if f.State == Down && !down {
				s.AgentsDown++
			}
		case Container:
			if f.State != Running {
				s.ContainersExited++
			} else if f.Severity > OK {
				s.ContainersUnhealthy++
			}
		case Alert:
			switch f.Severity {
			case Crit:
				s.Crit++
			case Warn:
				s.Warn++
			}
		case OSD:
			if f.State == Down {
				s.OSDsDown++
			}
		case Health:
			if f.Severity > OK {
				s.CephHealth, s.CephSeverity = f.State, f.Severity
			}
		default:
			s.countControlPlane(f)
		}
	}
	for _, n := range m.sortedNames() {
		h := m.hosts[n]
		if h.down {
			s.HostsDown = append(s.HostsDown, h.Name)
		}
		for _, f := range h.notes {
			count(f, h.down)
		}
	}
	for _, f := range m.cluster {
		if f.Kind == Service {
			continue // a cluster-wide count: its hosts are counted above
		}
		count(f, false)
	}
	s.Conflicts = len(m.conflicts)
	s.Stuck = countStuck(m.cluster)
	return s
}

// Segment is one part of the incident line.
type Segment struct {
	Text     string
	Severity Severity
}

// Segments is the incident line, worst things first: the cockpit's strip
// and the snapshot print the same words. Host names are untrusted text:
// callers render them through ui/safe.
func (s Summary) Segments() []Segment {
	var out []Segment
	add := func(n int, one, many string, sev Severity) {
		if n == 1 {
			out = append(out, Segment{"1 " + one, sev})
		} else if n > 1 {
			out = append(out, Segment{fmt.Sprintf("%d %s", n, many), sev})
		}
	}
	if n := len(s.HostsDown); n == 1 {
		out = append(out, Segment{"1 host DOWN (" + s.HostsDown[0] + ")", Crit})
	} else {
		add(n, "", "hosts DOWN", Crit)
	}
	add(s.Crit, "CRIT", "CRIT", Crit)
	add(s.Warn, "WARN", "WARN", Warn)
	if s.CephHealth != "" {
		out = append(out, Segment{s.CephHealth, max(s.CephSeverity, Warn)})
	}
	add(s.OSDsDown, "OSD down", "OSDs down", Warn)
	add(s.AgentsDown, "agent down", "agents down", Warn)
	add(s.ContainersExited, "container exited", "containers exited", Crit)
	add(s.ContainersUnhealthy, "container unhealthy", "containers unhealthy", Warn)
	add(s.Conflicts, "conflict between sources", "conflicts between sources", Warn)
	for _, c := range s.Stuck {
		out = append(out, Segment{c.text(), c.Severity})
	}
	return append(out, s.controlPlaneSegments()...)
}
