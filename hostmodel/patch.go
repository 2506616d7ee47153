package hostmodel

import "slices"

// patchOff turns patch off (tests compare the model with and without it).
var patchOff = false

// patchMost: more changed hosts than this and Apply regroups the answer
// in one array (a merge per host costs about the same then).
const patchMost = 64

// patch is Apply for an answer that lists the same hosts' facts, in the
// same order, as the pane's last one from this source and scope, and is
// no older: a host whose facts are the same only moves their time, in
// place; a host whose facts changed takes the new ones (mergeOne). Issue
// 15: each refresh of a whole-cloud source (Nova's and Neutron's services,
// Ceph's OSDs) regrouped and copied every fact of 1,000 hosts and looked
// each up in its host's merged facts, 3-13 ms on the UI goroutine several
// times a second while keys waited; now a refresh costs a comparison per
// fact and a merge per changed host. False, having changed nothing: Apply
// merges the answer the whole way (a fact came or went, the order moved,
// the answer is older, a cluster-wide fact changed, many hosts changed).
func (m *Model) patch(st *stored, o Observation) bool {
	if patchOff || st.Err != nil || o.At.Before(st.At) || len(o.Facts) == 0 || len(o.Facts) != len(st.flat) {
		return false
	}
	changed, sev, ok := st.diff(o)
	if !ok {
		return false
	}
	m.patches++
	k := obsKey{st.Pane, st.Source, st.Scope}
	moved := !o.At.Equal(st.At)
	if sev != st.sev {
		m.factsVer++ // the pane's grade (paneSevs reads sev)
	}
	st.At, st.sev = o.At, sev
	// A changed host's facts, together, in the answer's order, as byHost
	// keeps them; flat points at them.
	if len(changed) > 0 {
		fresh := map[string][]Fact{}
		for i, f := range o.Facts {
			if h := st.flat[i].Host; changed[h] {
				f.Host, f.Source, f.At = h, o.Source, o.At
				fresh[h] = append(fresh[h], f)
			}
		}
		used := map[string]int{}
		for i, w := range st.flat {
			if h := w.Host; changed[h] {
				st.flat[i] = &fresh[h][used[h]]
				used[h]++
			}
		}
		for h, fs := range fresh {
			st.byHost[h] = slices.Clip(fs)
		}
	}
	cluster := false
	for _, w := range st.flat {
		if len(changed) == 0 || !changed[w.Host] {
			w.At = o.At
			cluster = cluster || w.Host == ""
		}
	}
	if cluster {
		// Only times moved: redo names the hosts with conflicts (their ages).
		if redo := m.remergeCluster(); redo != nil {
			for name, h := range m.hosts {
				if redo(h) {
					m.setHost(name, h.Facts)
				}
			}
		}
	}
	shared := m.sourceShared(k)
	for _, h := range st.order {
		switch {
		case changed[h]:
			if !m.mergeOne(h, k, st) {
				m.mergeHost(h)
			}
		case h == "":
		case !m.touch(h, k, st.byHost[h], shared, moved):
			m.mergeHost(h)
		}
	}
	return true
}

// diff compares an answer with the stored one fact by fact: the hosts
// whose facts changed, the answer's worst severity, and false when a fact
// is another host's than before, a cluster-wide fact changed (every host
// reads those: Apply's way) or too many hosts changed.
func (st *stored) diff(o Observation) (changed map[string]bool, sev Severity, ok bool) {
	for i := range o.Facts {
		f, w := o.Facts[i], st.flat[i]
		if f.Host != w.Host {
			if ShortHost(f.Host) != w.Host {
				return nil, 0, false
			}
			f.Host = w.Host
		}
		sev = max(sev, f.Severity)
		f.Source, f.At = w.Source, w.At
		if f == *w || changed[w.Host] {
			continue
		}
		if w.Host == "" || len(changed) == patchMost {
			return nil, 0, false
		}
		if changed == nil {
			changed = map[string]bool{}
		}
		changed[w.Host] = true
	}
	return changed, sev, true
}

// sourceShared: another observation than k tells k's source (two panes
// read Nova's services), so a host's merged fact of this source may be
// that one's.
func (m *Model) sourceShared(k obsKey) bool {
	return m.tellers[k.source] > 1
}

// touch is refreshAt for a host whose facts in this answer are the stored
// ones, whose times patch moved in place: a merged fact another pane told
// is this answer's when this one is newer, and the copies the host keeps
// (notes, conflicts) take the new times. False: merge the host anew.
func (m *Model) touch(name string, k obsKey, fs []Fact, shared, moved bool) bool {
	h := m.hosts[name]
	if h == nil {
		return false
	}
	if shared && m.sharedOn(name, k) {
		for i := range fs {
			b := &fs[i]
			j := findFact(h.Facts, b)
			if j < 0 {
				return false
			}
			cur := h.Facts[j]
			if cur == b || !b.At.After(cur.At) {
				continue
			}
			f := *cur
			f.At = b.At
			if f != *b {
				return false // newer, and it says otherwise than the merged one
			}
			h.Facts[j], moved = b, true
		}
	}
	if moved {
		m.timesMoved(name, h)
	}
	return true
}

// sharedOn: another observation than k tells this host's facts of k's
// source.
func (m *Model) sharedOn(host string, k obsKey) bool {
	for ok := range m.hostObs[host] {
		if ok != k && ok.source == k.source {
			return true
		}
	}
	return false
}
