package openstack

// A lean reader for /servers/detail pages (issue 15, load near the
// server's speed). encoding/json spent ~25 ms and ~3 MB of garbage per
// 1000-server page: a validating scan of the whole document, then a second,
// reflective pass that grows a slice of 1000 wire structs and allocates
// every field of ~60 per server, most of which the cockpit never reads.
// This reader walks the page once, keeps only the fields novaServer has,
// reuses one novaServer for every server, and does not copy the strings
// toServer interns anyway. Anything it does not expect (an escape or a
// non-ASCII byte in a string, a number where a string belongs, broken
// JSON) makes it give up, and the page is decoded by encoding/json as
// before: a strange document costs time, never correctness.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
	"unsafe"
)

// scanServerPage reads a servers page into servers (toServer applied) and
// links. ok is false when the page must be decoded by encoding/json.
// limit is the page's limit (0: unknown): the servers are sized by it, not
// by counting the page's "status" keys (a tenth of decoding a 1000-server
// page), and trimmed when the page held far fewer.
func scanServerPage(body []byte, limit int) (servers []Server, links []serverLink, ok bool) {
	s := &pageScan{b: body}
	var n novaServer
	seenServers, seenLinks := false, false
	if !s.object(func(key []byte) bool {
		switch string(key) {
		case "servers":
			// A second list: encoding/json decodes it over the first
			// (a null empties it); appended here, it listed servers
			// twice (review of volscan).
			if seenServers {
				return false
			}
			seenServers = true
			if s.null() {
				return true
			}
			room := limit // the only list (seenServers)
			if room <= 0 {
				room = bytes.Count(body, []byte(`"status"`))
			}
			servers = make([]Server, 0, min(room, len(body)/64+1))
			return s.array(func() bool {
				if !s.server(&n) {
					return false
				}
				servers = append(servers, n.toServerIn(&s.in))
				return true
			})
		case "servers_links":
			return s.links(&links, &seenLinks)
		}
		// Keys of the page in another case ("Servers") are encoding/json's
		// to read. Inside a server, only exact keys are matched: Nova's
		// are fixed (a case variant there would be read as unknown).
		return !foldsToOneOf(key, serverPageKeys) && s.skip()
	}) {
		return nil, nil, false
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, nil, false
	}
	return trimRoom(servers), links, true
}

// links reads a page's links list (servers_links, volumes_links) into
// *dst, copies: a second list gives up (encoding/json decodes it over the
// first; seen says one was read), null leaves *dst as it is, and a key
// that is rel or href in another case ("REL": read as unknown, the next
// link and every page after it were lost; review of volscan) too.
func (s *pageScan) links(dst *[]serverLink, seen *bool) bool {
	if *seen {
		return false
	}
	*seen = true
	if s.null() {
		return true
	}
	*dst = []serverLink{}
	return s.array(func() bool {
		*dst = append(*dst, serverLink{})
		l := &(*dst)[len(*dst)-1]
		return s.object(func(k []byte) bool {
			switch string(k) {
			case "rel":
				return s.str(&l.Rel, true)
			case "href":
				return s.str(&l.Href, true)
			}
			return !foldsToOneOf(k, linkKeys) && s.skip()
		})
	})
}

// serverPageKeys are the keys encoding/json decodes into a servers page.
var serverPageKeys = []string{"servers", "servers_links"}

// trimRoom is a page's list without the room its limit left, when that
// room is worth a copy. A short page (the last one, or every one of a
// server whose max_limit is below the limit asked) is kept for the
// session: its entries, not the limit's room (room for an eighth more,
// up to 64, is not worth a copy; a page that grew past its first guess
// has room from append's rounding, which depends on an entry's size).
func trimRoom[T any](l []T) []T {
	if cap(l)-len(l) > min(64, len(l)/8) {
		return append(make([]T, 0, len(l)), l...)
	}
	return l
}

// server reads one server object into n (reset first; its maps and slices
// are reused: toServer copies what it keeps).
func (s *pageScan) server(n *novaServer) bool {
	addrs, vols, groups := n.Addresses, n.Volumes[:0], n.SecurityGroups[:0]
	clear(addrs)
	*n = novaServer{Addresses: addrs, Volumes: vols, SecurityGroups: groups, viewed: true}
	s.addrs = s.addrs[:0]
	// Strings toServer interns, parses or copies (viewed) alias the page
	// (no copy here); the ones it keeps as they are are copied.
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return s.str(&n.ID, false)
		case "name":
			return s.str(&n.Name, false)
		case "status":
			return s.str(&n.Status, false)
		case "tenant_id":
			return s.str(&n.TenantID, false)
		case "user_id":
			return s.str(&n.UserID, false)
		case "metadata":
			return s.raw(&n.Metadata)
		case "image":
			return s.image(n)
		case "flavor":
			if s.null() {
				n.Flavor.ID, n.Flavor.OriginalName = "", ""
				return true
			}
			return s.object(func(k []byte) bool {
				switch string(k) {
				case "id":
					return s.str(&n.Flavor.ID, false)
				case "original_name":
					return s.str(&n.Flavor.OriginalName, false)
				case "vcpus":
					return s.int(&n.Flavor.VCPUs)
				case "ram":
					return s.int(&n.Flavor.RAM)
				case "disk":
					return s.int(&n.Flavor.Disk)
				}
				return s.skip()
			})
		case "created":
			return s.str(&n.Created, false)
		case "updated":
			return s.str(&n.Updated, false)
		case "addresses":
			if s.null() {
				n.Addresses = nil
				return true
			}
			if n.Addresses == nil {
				n.Addresses = map[string][]addrWire{}
			}
			return s.object(func(netName []byte) bool {
				// Interned here (the map is reused for the next server:
				// its keys must not be views of the page).
				net := s.in.get(fNetwork, unsafe.String(unsafe.SliceData(netName), len(netName)))
				if s.null() {
					n.Addresses[net] = nil
					return true
				}
				// Every network's addresses in one buffer, reused for the
				// next server (a list is never written again once read: a
				// later one appends after it, or to a new array).
				start := len(s.addrs)
				ok := s.array(func() bool {
					addr, ok := s.oneField("addr")
					s.addrs = append(s.addrs, addrWire{addr})
					return ok
				})
				n.Addresses[net] = s.addrs[start:len(s.addrs):len(s.addrs)]
				return ok
			})
		case "OS-EXT-AZ:availability_zone":
			return s.str(&n.Zone, false)
		case "key_name":
			return s.str(&n.KeyName, false)
		case "OS-EXT-SRV-ATTR:host":
			return s.str(&n.Host, false)
		case "OS-EXT-SRV-ATTR:hypervisor_hostname":
			return s.str(&n.Hypervisor, false)
		case "OS-EXT-STS:task_state":
			return s.str(&n.TaskState, false)
		case "OS-EXT-STS:vm_state":
			return s.str(&n.VMState, false)
		case "OS-EXT-STS:power_state":
			return s.int(&n.PowerState)
		case "os-extended-volumes:volumes_attached":
			if s.null() {
				n.Volumes = nil
				return true
			}
			n.Volumes = n.Volumes[:0]
			return s.array(func() bool {
				id, ok := s.oneField("id")
				n.Volumes = append(n.Volumes, struct {
					ID string `json:"id"`
				}{id})
				return ok
			})
		case "locked":
			return s.bool(&n.Locked)
		case "fault":
			if s.null() {
				n.Fault = nil
				return true
			}
			if n.Fault == nil {
				n.Fault = &s.fault
				*n.Fault = faultWire{}
			}
			return s.object(func(k []byte) bool {
				switch string(k) {
				case "message":
					return s.str(&n.Fault.Message, true)
				case "code":
					return s.int(&n.Fault.Code)
				case "created":
					return s.str(&n.Fault.Created, false)
				}
				return s.skip()
			})
		case "security_groups":
			if s.null() {
				n.SecurityGroups = nil
				return true
			}
			n.SecurityGroups = n.SecurityGroups[:0]
			return s.array(func() bool {
				name, ok := s.oneField("name")
				n.SecurityGroups = append(n.SecurityGroups, struct {
					Name string `json:"name"`
				}{name})
				return ok
			})
		}
		return s.skip()
	})
}

// oneField reads an object keeping only key's string, a view of the page
// (its callers copy or intern what they keep): addresses,
// volumes_attached, security_groups, image.
func (s *pageScan) oneField(key string) (string, bool) {
	s.tmp = ""
	ok := s.object(func(k []byte) bool {
		if string(k) == key {
			return s.str(&s.tmp, false)
		}
		return s.skip()
	})
	return s.tmp, ok
}

// image reads "image": "" (booted from volume) or {"id": ...}. The raw
// value is kept for toServer, with the ID already read.
func (s *pageScan) image(n *novaServer) bool {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '{' {
		id, ok := s.oneField("id")
		if !ok {
			return false
		}
		n.Image, n.imageID, n.imageRead = s.b[start:s.i], id, true
		return true
	}
	return s.raw(&n.Image)
}

// maxScanDepth bounds the nesting the scanner follows: encoding/json
// refuses a document past 10,000 levels, and the scanner must never take a
// document it refuses (nor recurse that deep): past this, it gives up.
const maxScanDepth = 100

// pageScan is a cursor over a JSON document.
type pageScan struct {
	b     []byte
	i     int
	depth int       // objects and arrays open (past maxScanDepth: give up)
	fault faultWire // the fault of the server being read, if any
	in    pageIntern
	tmp   string // the one field read from a small object
	addrs []addrWire
}

func (s *pageScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// nullWord is "null" read as a little-endian word.
const nullWord = 'n' | 'u'<<8 | 'l'<<16 | 'l'<<24

// null consumes a null if one comes next.
func (s *pageScan) null() bool {
	s.ws()
	// One 4-byte load, not a compare call: the scanner asks before every
	// string, number and object (~30 times a server).
	if s.i+4 <= len(s.b) && binary.LittleEndian.Uint32(s.b[s.i:]) == nullWord {
		s.i += 4
		return true
	}
	return false
}

// object reads {"key": value, ...}, calling field for each key with the
// cursor before the value (field must consume it). null is an empty
// object.
func (s *pageScan) object(field func(key []byte) bool) bool {
	if s.null() {
		return true
	}
	if s.i >= len(s.b) || s.b[s.i] != '{' || s.depth >= maxScanDepth {
		return false
	}
	s.i++
	s.depth++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		s.ws()
		start := s.i
		key, ok := s.plain()
		if !ok {
			// An escaped or non-ASCII key (a metadata key, a network name).
			var k string
			if !s.skipString() || json.Unmarshal(s.b[start:s.i], &k) != nil {
				return false
			}
			key = []byte(k)
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		if !field(key) {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// array reads [value, ...], calling elem with the cursor before each.
func (s *pageScan) array(elem func() bool) bool {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '[' || s.depth >= maxScanDepth {
		return false
	}
	s.i++
	s.depth++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return true
	}
	for {
		if !elem() {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// plain reads a string that needs no decoding (printable ASCII, no
// escapes) and returns its bytes; ok is false for any other string.
func (s *pageScan) plain() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	j := plainStop(s.b, s.i+1)
	if j < len(s.b) && s.b[j] == '"' {
		out := s.b[s.i+1 : j]
		s.i = j + 1
		return out, true
	}
	return nil, false // an escape, a control or non-ASCII byte, or the end
}

// str reads a string (or null, leaving *dst as it is, like encoding/json)
// into dst: a copy when keep is set, else a view of the page for a caller
// that interns or parses it before the page goes.
func (s *pageScan) str(dst *string, keep bool) bool {
	if s.null() {
		return true
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	start := s.i
	if b, ok := s.plain(); ok {
		if keep {
			*dst = string(b)
		} else {
			*dst = unsafe.String(unsafe.SliceData(b), len(b))
		}
		return true
	}
	// Escapes or non-ASCII text: let encoding/json decode this one string.
	if !s.skipString() {
		return false
	}
	return json.Unmarshal(s.b[start:s.i], dst) == nil
}

func (s *pageScan) int(dst *int) bool {
	if s.null() {
		return true
	}
	start := s.i
	if integer, ok := s.number(); !ok || !integer {
		return false
	}
	v, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil {
		return false
	}
	*dst = v
	return true
}

// number passes over a number as JSON writes it (encoding/json refuses a
// document with "01", "1." or "-" in it); integer: no fraction or exponent.
func (s *pageScan) number() (integer, ok bool) {
	b, j := s.b, s.i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		j = digits(b, j+1)
	default:
		return false, false
	}
	integer = true
	if j < len(b) && b[j] == '.' {
		integer = false
		k := digits(b, j+1)
		if k == j+1 {
			return false, false
		}
		j = k
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		integer = false
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := digits(b, j)
		if k == j {
			return false, false
		}
		j = k
	}
	s.i = j
	return integer, true
}

// digits is the end of the run of digits from j.
func digits(b []byte, j int) int {
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	return j
}

func (s *pageScan) bool(dst *bool) bool {
	if s.null() {
		return true
	}
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		*dst, s.i = true, s.i+4
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		*dst, s.i = false, s.i+5
	default:
		return false
	}
	return true
}

// raw reads any value into dst as a view of the page.
func (s *pageScan) raw(dst *json.RawMessage) bool {
	s.ws()
	start := s.i
	if !s.skip() {
		return false
	}
	*dst = s.b[start:s.i]
	return true
}

func (s *pageScan) skipString() bool {
	for j := s.i + 1; ; {
		j = textStop(s.b, j)
		if j >= len(s.b) {
			return false
		}
		switch s.b[j] {
		case '"':
			s.i = j + 1
			return true
		case '\\':
			// Only the escapes JSON has (encoding/json refuses the rest).
			if j+1 >= len(s.b) {
				return false
			}
			switch s.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(s.b) || !hex4(s.b[j+2:j+6]) {
					return false
				}
				j += 6
			default:
				return false
			}
		default: // a control byte
			return false
		}
	}
}

func hex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// skip passes over one value.
func (s *pageScan) skip() bool {
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.skipString()
	case c == '{':
		return s.object(func([]byte) bool { return s.skip() })
	case c == '[':
		return s.array(s.skip)
	case c == 't':
		var b bool
		return s.bool(&b)
	case c == 'f':
		var b bool
		return s.bool(&b)
	case c == 'n':
		return s.null()
	case c == '-' || c >= '0' && c <= '9':
		_, ok := s.number()
		return ok
	}
	return false
}

// Eight bytes at a time over the text of strings (IDs, names, timestamps:
// byte by byte, the string loops were ~45% of decoding a page): a word
// with none of the bytes a loop stops at is passed whole, and in the word
// that holds one, the first is found from the word's mask (a byte loop
// there, one call per key and value, was ~10% of decoding a page). The
// masks are exact up to their lowest set bit (a borrow flags only bytes
// above a true stop), so that bit is the first stop.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// below: a byte of w is below n (n <= 0x80).
func below(w, n uint64) uint64 { return (w - n*ones) & ^w & highs }

// has: a byte of w is c.
func has(w, c uint64) uint64 { return below(w^(c*ones), 1) }

// textStop is the index of the first '"', '\\' or control byte from j
// (skipString's stops), or len(b) if none.
func textStop(b []byte, j int) int { return wordStop(b, j, 0) }

// plainStop is textStop also stopping at a non-ASCII byte (plain's stops).
func plainStop(b []byte, j int) int { return wordStop(b, j, highs) }

// wordStop is textStop, also stopping at a byte with a bit of high set.
func wordStop(b []byte, j int, high uint64) int {
	for j+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[j:])
		if m := w&high | below(w, 0x20) | has(w, '"') | has(w, '\\'); m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
		j += 8
	}
	for ; j < len(b); j++ {
		if c := b[j]; c == '"' || c == '\\' || c < 0x20 || c&byte(high) != 0 {
			return j
		}
	}
	return j
}
