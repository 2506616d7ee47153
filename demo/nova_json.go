package demo

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// A hand-written JSON writer for server bodies: listing 50,000 servers
// through encoding/json (reflection, a map per server) cost most of the
// demo's CPU. Keys follow the order of the real responses.

type jsonWriter struct {
	b     []byte
	first bool
}

func (w *jsonWriter) open()  { w.b = append(w.b, '{'); w.first = true }
func (w *jsonWriter) close() { w.b = append(w.b, '}'); w.first = false }

func (w *jsonWriter) key(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *jsonWriter) str(k, v string) { w.key(k); w.b = appendJSONString(w.b, v) }

func (w *jsonWriter) strOrNull(k, v string) {
	if v == "" {
		w.raw(k, "null")
		return
	}
	w.str(k, v)
}

func (w *jsonWriter) raw(k, v string) { w.key(k); w.b = append(w.b, v...) }
func (w *jsonWriter) int(k string, v int) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *jsonWriter) linkList(k string, pairs ...string) {
	w.key(k)
	w.b = append(w.b, '[')
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, `{"rel":`...)
		w.b = appendJSONString(w.b, pairs[i])
		w.b = append(w.b, `,"href":`...)
		w.b = appendJSONString(w.b, pairs[i+1])
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced, U+2028/2029 escaped
// (as encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time, layout string) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, layout)
	return append(b, '"')
}

// appendServer writes one server body at the request's microversion.
// Call inside Lock.
func (n *novaState) appendServer(b []byte, q *novaReq, in *Instance) []byte {
	s := n.story
	mv := q.mv
	vm := n.vmState(in)
	w := jsonWriter{b: b}
	w.open()
	w.str("id", in.ID)
	w.str("name", in.Name)
	w.str("status", in.Status)
	w.str("tenant_id", in.ProjectID)
	w.str("user_id", in.UserID)
	w.key("metadata")
	{
		m := jsonWriter{b: w.b}
		m.open()
		for _, k := range sortedMetaKeys(in.Metadata) {
			m.str(k, in.Metadata[k])
		}
		m.close()
		w.b = m.b
	}
	w.str("hostId", hostID(in.ProjectID, in.Host))
	w.key("image")
	if !in.VolumeBacked && in.ImageID != "" {
		w.b = append(w.b, `{"id":`...)
		w.b = appendJSONString(w.b, in.ImageID)
		w.b = append(w.b, `,"links":[{"rel":"bookmark","href":`...)
		w.b = appendJSONString(w.b, q.base+"/images/"+in.ImageID)
		w.b = append(w.b, `}]}`...)
	} else {
		w.b = append(w.b, `""`...)
	}
	w.key("flavor")
	if mv.atLeast(47) {
		f := s.Flavor(in.FlavorID)
		if f == nil {
			f = &Flavor{}
		}
		fw := jsonWriter{b: w.b}
		fw.open()
		fw.int("vcpus", f.VCPUs)
		fw.int("ram", f.RAMMB)
		fw.int("disk", f.DiskGB)
		fw.int("ephemeral", 0)
		fw.int("swap", 0)
		fw.str("original_name", f.Name)
		fw.raw("extra_specs", "{}")
		fw.close()
		w.b = fw.b
	} else {
		w.b = append(w.b, `{"id":`...)
		w.b = appendJSONString(w.b, in.FlavorID)
		w.b = append(w.b, `,"links":[{"rel":"bookmark","href":`...)
		w.b = appendJSONString(w.b, q.base+"/flavors/"+in.FlavorID)
		w.b = append(w.b, `}]}`...)
	}
	w.key("created")
	w.b = appendTime(w.b, in.Created, novaTimeZ)
	w.key("updated")
	w.b = appendTime(w.b, in.Updated, novaTimeZ)
	w.key("addresses")
	if len(in.IPs) == 0 {
		w.b = append(w.b, `{}`...)
	} else {
		netName := "demo-net"
		if p := s.Project(in.ProjectID); p != nil {
			netName = p.Name + "-net"
		}
		w.b = append(w.b, '{')
		w.b = appendJSONString(w.b, netName)
		w.b = append(w.b, ":["...)
		for i, ip := range in.IPs {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, `{"version":4,"addr":`...)
			w.b = appendJSONString(w.b, ip)
			w.b = append(w.b, `,"OS-EXT-IPS:type":"fixed","OS-EXT-IPS-MAC:mac_addr":"fa:16:3e:`...)
			w.b = append(w.b, in.ID[0:2]...)
			w.b = append(w.b, ':')
			w.b = append(w.b, in.ID[2:4]...)
			w.b = append(w.b, ':', hexDigits[(i>>4)&0xf], hexDigits[i&0xf], '"', '}')
		}
		w.b = append(w.b, "]}"...)
	}
	w.str("accessIPv4", "")
	w.str("accessIPv6", "")
	w.linkList("links", "self", q.base+"/v2.1/servers/"+in.ID, "bookmark", q.base+"/servers/"+in.ID)
	w.str("OS-DCF:diskConfig", "MANUAL")
	switch in.Status {
	case "ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING":
		w.int("progress", 0)
	}
	w.str("OS-EXT-AZ:availability_zone", "nova")
	w.str("config_drive", "")
	w.raw("key_name", "null")
	w.key("OS-SRV-USG:launched_at")
	w.b = appendTime(w.b, in.Created.Add(3*time.Second).Truncate(time.Second), novaTimeMicro)
	if in.Deleted {
		w.key("OS-SRV-USG:terminated_at")
		w.b = appendTime(w.b, in.Updated.Truncate(time.Second), novaTimeMicro)
	} else {
		w.raw("OS-SRV-USG:terminated_at", "null")
	}
	w.strOrNull("OS-EXT-SRV-ATTR:host", in.Host)
	w.key("OS-EXT-SRV-ATTR:instance_name")
	w.b = append(w.b, `"instance-`...)
	ord := strconv.FormatInt(int64(n.ord(in.ID)), 16)
	for i := len(ord); i < 8; i++ {
		w.b = append(w.b, '0')
	}
	w.b = append(w.b, ord...)
	w.b = append(w.b, '"')
	w.strOrNull("OS-EXT-SRV-ATTR:hypervisor_hostname", in.Host)
	if mv.atLeast(3) {
		w.str("OS-EXT-SRV-ATTR:reservation_id", "r-"+in.ID[0:8])
		w.int("OS-EXT-SRV-ATTR:launch_index", 0)
		w.str("OS-EXT-SRV-ATTR:hostname", hostnameOf(in.Name))
		w.str("OS-EXT-SRV-ATTR:kernel_id", "")
		w.str("OS-EXT-SRV-ATTR:ramdisk_id", "")
		w.str("OS-EXT-SRV-ATTR:root_device_name", "/dev/vda")
		w.raw("OS-EXT-SRV-ATTR:user_data", "null")
	}
	w.strOrNull("OS-EXT-STS:task_state", in.TaskState)
	w.str("OS-EXT-STS:vm_state", vm)
	w.int("OS-EXT-STS:power_state", in.PowerState)
	w.key("os-extended-volumes:volumes_attached")
	w.b = append(w.b, '[')
	for i, v := range n.instanceVolumes(in) {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, `{"id":`...)
		w.b = appendJSONString(w.b, v.ID)
		if mv.atLeast(3) {
			w.b = append(w.b, `,"delete_on_termination":false`...)
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
	if in.Status == "ERROR" && in.Fault != "" {
		w.key("fault")
		w.b = append(w.b, `{"code":500,"created":`...)
		w.b = appendTime(w.b, in.Updated, novaTimeZ)
		w.b = append(w.b, `,"message":`...)
		w.b = appendJSONString(w.b, in.Fault)
		w.b = append(w.b, '}')
	}
	if len(in.IPs) > 0 && !in.Deleted {
		w.raw("security_groups", `[{"name":"default"}]`)
	}
	if mv.atLeast(9) {
		w.raw("locked", "false")
	}
	if mv.atLeast(73) {
		w.raw("locked_reason", "null")
	}
	if mv.atLeast(19) {
		w.raw("description", "null")
	}
	if mv.atLeast(26) {
		w.raw("tags", "[]")
	}
	if mv.atLeast(63) {
		w.raw("trusted_image_certificates", "null")
	}
	if mv.atLeast(16) && in.Host != "" {
		w.str("host_status", n.hostStatus(in.Host))
	}
	w.close()
	return w.b
}

// appendServerRef writes the short form of GET /servers.
func appendServerRef(b []byte, q *novaReq, in *Instance) []byte {
	w := jsonWriter{b: b}
	w.open()
	w.str("id", in.ID)
	w.str("name", in.Name)
	w.linkList("links", "self", q.base+"/v2.1/servers/"+in.ID, "bookmark", q.base+"/servers/"+in.ID)
	w.close()
	return w.b
}

func sortedMetaKeys(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}
