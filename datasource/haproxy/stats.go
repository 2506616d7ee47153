package haproxy

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind is a stats row's type column.
type Kind int

const (
	Frontend Kind = 0
	Backend  Kind = 1
	Server   Kind = 2
	Listener Kind = 3
)

func (k Kind) String() string {
	switch k {
	case Frontend:
		return "frontend"
	case Backend:
		return "backend"
	case Server:
		return "server"
	case Listener:
		return "listener"
	}
	return "type " + strconv.Itoa(int(k))
}

// Row is one line of the stats CSV.
type Row struct {
	Proxy string // pxname: the frontend or backend
	Name  string // svname: FRONTEND, BACKEND or the server's name
	Kind  Kind
	// Status as HAProxy wrote it: "UP", "UP 1/3" (failing, not yet down),
	// "DOWN", "MAINT", "MAINT (via b/s)", "DRAIN", "no check", "OPEN"...
	Status      string
	Addr        string // server address (when HAProxy reports it)
	Weight      int
	Active      bool // act: an active server (not a backup)
	Backup      bool
	CheckStatus string // L7OK, L4CON, L7STS... ("* " prefix: check running)
	CheckCode   string // the HTTP code of an L7 check
	CheckDesc   string // check_desc: "Layer4 connection problem"
	LastCheck   string // last_chk: what the check saw ("Connection refused")
	LastChange  time.Duration
	Downtime    time.Duration
	CheckFails  int64 // chkfail
	CheckDowns  int64 // chkdown: UP->DOWN transitions
	CurSessions int64
	MaxSessions int64
	Limit       int64 // slim
	Sessions    int64 // stot
	ReqErrors   int64 // ereq
	ConnErrors  int64 // econ
	RespErrors  int64 // eresp
	Retries     int64 // wretr
	Redispatch  int64 // wredis
	ServersUp   int   // backends: act+bck servers up (HAProxy's own count)
}

// State is the status normalised: UP, DOWN, MAINT, DRAIN, NOLB, OPEN,
// FULL, STOP, "no check"; a server going down ("UP 1/3") is still UP and
// one coming back ("DOWN 1/2") still DOWN.
func (r Row) State() string {
	s := strings.TrimSpace(r.Status)
	if strings.EqualFold(s, "no check") {
		return "no check"
	}
	if i := strings.IndexAny(s, " ("); i > 0 {
		s = s[:i]
	}
	return strings.ToUpper(s)
}

// Transition is the "1/3" of "UP 1/3": checks failed (or passed) so far
// towards the other state; "" when steady.
func (r Row) Transition() string {
	f := strings.Fields(r.Status)
	if len(f) == 2 && strings.Contains(f[1], "/") {
		return f[1]
	}
	return ""
}

// Serving reports whether the server takes new sessions.
func (r Row) Serving() bool {
	st := r.State()
	return st == "UP" || st == "no check" || st == "OPEN"
}

// ParseCSV reads the stats CSV (`/;csv` or `show stat`): a "# pxname,..."
// header naming the columns, one row per proxy or server. Columns are
// found by name, so older and newer HAProxy versions both read.
func ParseCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty stats answer")
		}
		return nil, fmt.Errorf("stats CSV: %w", err)
	}
	if len(header) == 0 || !strings.HasPrefix(header[0], "# ") {
		return nil, fmt.Errorf("not a stats CSV (first line starts %q)", firstField(header))
	}
	header[0] = strings.TrimPrefix(header[0], "# ")
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"pxname", "svname", "status", "type"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("stats CSV lacks the %s column", need)
		}
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("stats CSV: %w", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		num := func(name string) int64 {
			n, _ := strconv.ParseInt(get(name), 10, 64)
			return n
		}
		kind, err := strconv.Atoi(get("type"))
		if err != nil {
			return nil, fmt.Errorf("stats CSV: row %s/%s has type %q", get("pxname"), get("svname"), get("type"))
		}
		row := Row{
			Proxy: get("pxname"), Name: get("svname"), Kind: Kind(kind), Status: get("status"),
			Addr: get("addr"), Weight: int(num("weight")),
			CheckStatus: get("check_status"), CheckCode: get("check_code"), CheckDesc: get("check_desc"), LastCheck: get("last_chk"),
			LastChange: time.Duration(num("lastchg")) * time.Second, Downtime: time.Duration(num("downtime")) * time.Second,
			CheckFails: num("chkfail"), CheckDowns: num("chkdown"),
			CurSessions: num("scur"), MaxSessions: num("smax"), Limit: num("slim"), Sessions: num("stot"),
			ReqErrors: num("ereq"), ConnErrors: num("econ"), RespErrors: num("eresp"),
			Retries: num("wretr"), Redispatch: num("wredis"),
		}
		if row.Kind == Server {
			row.Active, row.Backup = num("act") > 0, num("bck") > 0
		}
		if row.Kind == Backend {
			row.ServersUp = int(num("act") + num("bck"))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func firstField(rec []string) string {
	if len(rec) == 0 {
		return ""
	}
	s := rec[0]
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

// BackendStats is a backend with its servers.
type BackendStats struct {
	Row
	Servers []Row
	Service string // the OpenStack service behind it ("" when not one)
}

// Up counts the servers that take new sessions.
func (b BackendStats) Up() int {
	n := 0
	for _, s := range b.Servers {
		if s.Serving() {
			n++
		}
	}
	return n
}

// Stats is one HAProxy's frontends and backends.
type Stats struct {
	Frontends []Row
	Backends  []BackendStats // by name
}

// Group sorts rows into frontends and backends with their servers.
func Group(rows []Row) Stats {
	var s Stats
	idx := map[string]int{}
	be := func(name string) *BackendStats {
		i, ok := idx[name]
		if !ok {
			i = len(s.Backends)
			idx[name] = i
			s.Backends = append(s.Backends, BackendStats{Row: Row{Proxy: name, Name: "BACKEND", Kind: Backend}})
		}
		return &s.Backends[i]
	}
	for _, r := range rows {
		switch r.Kind {
		case Frontend:
			s.Frontends = append(s.Frontends, r)
		case Backend:
			be(r.Proxy).Row = r
		case Server:
			b := be(r.Proxy)
			b.Servers = append(b.Servers, r)
		}
	}
	for i := range s.Backends {
		s.Backends[i].Service = APIService(s.Backends[i].Proxy)
	}
	sort.SliceStable(s.Backends, func(i, j int) bool { return s.Backends[i].Proxy < s.Backends[j].Proxy })
	return s
}

// Backend finds a backend by name.
func (s Stats) Backend(name string) (BackendStats, bool) {
	for _, b := range s.Backends {
		if b.Proxy == name {
			return b, true
		}
	}
	return BackendStats{}, false
}

// Server finds backend/server.
func (s Stats) Server(backend, server string) (Row, bool) {
	b, ok := s.Backend(backend)
	if !ok {
		return Row{}, false
	}
	for _, r := range b.Servers {
		if r.Name == server {
			return r, true
		}
	}
	return Row{}, false
}

// apiPrefixes maps backend name prefixes (Kolla's and the usual hand-made
// ones, "-" read as "_") to OpenStack services; longest first.
var apiPrefixes = []struct{ prefix, service string }{
	{"nova_novncproxy", "nova-novncproxy"},
	{"nova_spicehtml5proxy", "nova-spicehtml5proxy"},
	{"nova_serialproxy", "nova-serialproxy"},
	{"nova_metadata", "nova-metadata"},
	{"heat_api_cfn", "heat-api-cfn"},
	{"rabbitmq_management", "rabbitmq-management"},
	{"placement", "placement-api"},
	{"keystone", "keystone"},
	{"glance", "glance-api"},
	{"neutron", "neutron-server"},
	{"cinder", "cinder-api"},
	{"nova", "nova-api"},
	{"heat", "heat-api"},
	{"horizon", "horizon"},
	{"octavia", "octavia-api"},
	{"barbican", "barbican-api"},
	{"designate", "designate-api"},
	{"manila", "manila-api"},
	{"magnum", "magnum-api"},
	{"ironic", "ironic-api"},
	{"swift", "swift-proxy"},
	{"mariadb", "mariadb"},
	{"grafana", "grafana"},
	{"prometheus", "prometheus"},
}

// APIService is the OpenStack service a backend serves, from its name
// (keystone_internal -> keystone, nova_api_external -> nova-api); "" when
// the name says nothing.
func APIService(backend string) string {
	n := strings.ReplaceAll(strings.ToLower(backend), "-", "_")
	for _, p := range apiPrefixes {
		if n == p.prefix || strings.HasPrefix(n, p.prefix+"_") {
			return p.service
		}
	}
	return ""
}

// APIServers lists, per OpenStack service, the backends serving it and
// their servers, by service name.
func (s Stats) APIServers() map[string][]BackendStats {
	out := map[string][]BackendStats{}
	for _, b := range s.Backends {
		if b.Service != "" {
			out[b.Service] = append(out[b.Service], b)
		}
	}
	return out
}
