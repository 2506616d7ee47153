package demo

import "time"

// A hand-written JSON writer for volume lists, as nova_json.go is for
// servers: a 50,000-volume list through renderVolume (a map per volume
// and per attachment, encoding/json sorting each map's keys) was a third
// of everything the in-process demo and cockpit allocated in their first
// half minute, garbage the cockpit's collector ran for (issue 15). The
// fields are renderVolume's, in the same (sorted) order.

// volumeWriter writes volumes of one list request. Call inside Lock.
type volumeWriter struct {
	c  *cinder
	s  *Story
	ns *novaState
	mv microversion
	// The UUIDs made from a backend host or a type: a few values, not one
	// hash per volume.
	service, typeID map[string]string
}

func (c *cinder) volumeWriter(s *Story, mv microversion) *volumeWriter {
	return &volumeWriter{c: c, s: s, ns: novaFor(s), mv: mv, service: map[string]string{}, typeID: map[string]string{}}
}

func (vw *volumeWriter) memo(m map[string]string, kind, v string) string {
	u, ok := m[v]
	if !ok {
		u = stableUUID(kind, v)
		m[v] = u
	}
	return u
}

// appendTimeOrNull is tmicro's value: null for the zero time.
func (w *jsonWriter) timeOrNull(k string, t time.Time) {
	if t.IsZero() {
		w.raw(k, "null")
		return
	}
	w.key(k)
	w.b = appendTime(w.b, t.Truncate(time.Second), novaTimeMicro)
}

// appendJSONConcat appends the parts as one JSON string (no copy joined).
func appendJSONConcat(b []byte, parts ...string) []byte {
	b = append(b, '"')
	for _, p := range parts {
		at := len(b)
		b = appendJSONString(b, p)
		n := copy(b[at:], b[at+1:len(b)-1])
		b = b[:at+n]
	}
	return append(b, '"')
}

// appendDetail writes v as renderVolume renders it.
func (vw *volumeWriter) appendDetail(b []byte, v *demoVolume) []byte {
	mv := vw.mv
	w := jsonWriter{b: b}
	w.open()
	w.key("attachments")
	w.b = append(w.b, '[')
	for i, a := range v.Attach {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		host := ""
		if in := vw.ns.instance(a.ServerID); in != nil {
			host = in.Host
		}
		aw := jsonWriter{b: w.b}
		aw.open()
		aw.timeOrNull("attached_at", a.At)
		aw.str("attachment_id", a.ID)
		aw.str("device", a.Device)
		aw.strOrNull("host_name", host)
		aw.str("id", v.ID)
		aw.str("server_id", a.ServerID)
		aw.str("volume_id", v.ID)
		aw.close()
		w.b = aw.b
	}
	w.b = append(w.b, ']')
	w.str("availability_zone", "nova")
	if v.Bootable {
		w.str("bootable", "true")
	} else {
		w.str("bootable", "false")
	}
	if mv.atLeast(69) {
		w.raw("cluster_name", "null")
	}
	w.raw("consistencygroup_id", "null")
	w.timeOrNull("created_at", v.Created)
	w.raw("description", "null")
	w.raw("encrypted", "false")
	if mv.atLeast(64) {
		w.raw("encryption_key_id", "null")
	}
	w.str("id", v.ID)
	w.key("links")
	w.b = append(w.b, `[{"href":`...)
	w.b = appendJSONConcat(w.b, vw.c.c.URLs["cinder"], "/v3/", v.ProjectID, "/volumes/", v.ID)
	w.b = append(w.b, `,"rel":"self"}]`...)
	w.raw("metadata", "{}")
	w.strOrNull("migration_status", v.MigStatus)
	w.raw("multiattach", "false")
	w.strOrNull("name", v.Name)
	w.strOrNull("os-vol-host-attr:host", v.Host)
	w.strOrNull("os-vol-mig-status-attr:migstat", v.MigStatus)
	w.raw("os-vol-mig-status-attr:name_id", "null")
	w.str("os-vol-tenant-attr:tenant_id", v.ProjectID)
	w.raw("replication_status", "null")
	if mv.atLeast(48) {
		w.str("service_uuid", vw.memo(vw.service, "cinder-volume", v.Host))
		w.raw("shared_targets", "false")
	}
	w.int("size", v.Size)
	w.raw("snapshot_id", "null")
	w.raw("source_volid", "null")
	w.str("status", v.Status)
	w.timeOrNull("updated_at", v.Updated)
	w.str("user_id", v.UserID)
	w.str("volume_type", v.Type)
	if mv.atLeast(63) {
		w.str("volume_type_id", vw.memo(vw.typeID, "volume-type", v.Type))
	}
	w.close()
	return w.b
}

// appendSummary writes v as the summary list (GET /volumes) has it.
func appendVolumeSummary(b []byte, v *demoVolume) []byte {
	w := jsonWriter{b: b}
	w.open()
	w.str("id", v.ID)
	w.strOrNull("name", v.Name)
	w.close()
	return w.b
}
