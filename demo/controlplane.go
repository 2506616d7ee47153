package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackpit/stackpit/config"
)

// The control plane under OpenStack: a RabbitMQ management API (JSON shaped
// like RabbitMQ 3.x's), HAProxy's stats CSV over HTTP plus its runtime API
// on a TCP socket, and one memcached per controller answering `stats`.
// Story beats: after the failed host's heartbeat stops, its
// compute.<host> queue grows with no consumer; keystone_internal/control02
// flaps (DOWN 20s of every 90s) unless the story is quiet.

func init() {
	Register(Service{Name: "rabbitmq", Order: 60, Handler: func(c *Cloud) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveRabbit(c, w, r) })
	}, Configure: func(c *Cloud, cfg *config.Cloud) {
		cfg.RabbitMQ = &config.Endpoint{URL: c.url("rabbitmq"), Username: c.Username, Password: c.Password}
	}})
	Register(Service{Name: "haproxy", Order: 61, Start: startHAProxy, Configure: func(c *Cloud, cfg *config.Cloud) {
		cfg.HAProxy = &config.HAProxy{URL: c.url("haproxy") + "/", Runtime: "tcp://" + c.url("haproxy-runtime")}
		cfg.Keepalived = &config.Keepalived{VIPs: DemoVIPs} // VRRP states: the demo's Prometheus
	}})
	Register(Service{Name: "memcached", Order: 62, Start: startMemcached, Configure: func(c *Cloud, cfg *config.Cloud) {
		m := &config.Memcached{}
		for _, h := range c.controllers() {
			m.Addresses = append(m.Addresses, c.url("memcached-"+h))
		}
		cfg.Memcached = m
	}})
}

func (c *Cloud) url(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.URLs[name]
}

func (c *Cloud) controllers() []string {
	var out []string
	c.Story.Lock(func() {
		for _, h := range c.Story.Hosts {
			if h.Role == "control" {
				out = append(out, h.Name)
			}
		}
	})
	return out
}

// lineMutates: a command is a write unless the protocol says it only
// reads. A stray client (say a cockpit of an earlier test polling a port
// the system gave this listener since) is judged by its own protocol: an
// HTTP request line as HTTP (only GET/HEAD read), and the reads of the
// demo's other line protocols (memcached's "stats", HAProxy's "show ...")
// as the reads they are: a read-only test once failed on a memcached
// "stats" recorded by the HAProxy runtime port.
func lineMutates(cmd string, reads func(string) bool) bool {
	if m, rest, ok := strings.Cut(cmd, " "); ok && strings.HasPrefix(rest, "/") && strings.Contains(rest, " HTTP/") {
		return m != "GET" && m != "HEAD"
	}
	if cmd == "stats" || strings.HasPrefix(cmd, "show ") {
		return false
	}
	return !reads(cmd)
}

// listenTCP serves a line protocol on a loopback port, recording each
// command as a request (mutating unless it only reads), and stores
// "127.0.0.1:port" in c.URLs[name].
func (c *Cloud) listenTCP(name string, serve func(cmd string) string, reads func(cmd string) bool) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.listeners = append(c.listeners, ln)
	c.URLs[name] = ln.Addr().String()
	c.mu.Unlock()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err != nil && line == "" {
					return
				}
				cmd := strings.TrimRight(line, "\r\n")
				c.mu.Lock()
				c.requests = append(c.requests, Request{Service: name, Method: "CMD", Path: cmd, Time: time.Now(), Mutating: lineMutates(cmd, reads)})
				c.mu.Unlock()
				_, _ = conn.Write([]byte(serve(cmd)))
			}()
		}
	}()
	return nil
}

// ---- RabbitMQ ----

func serveRabbit(c *Cloud, w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != c.Username || p != c.Password {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"not_authorized","reason":"Login failed"}`))
		return
	}
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"error":"Method Not Allowed","reason":"read-only demo"}`))
		return
	}
	var out any
	queues := rabbitQueues(c)
	conns := rabbitConnections(c)
	switch r.URL.Path {
	case "/api/overview":
		var msgs, cons int64
		for _, q := range queues {
			msgs += q["messages"].(int64)
			cons += int64(q["consumers"].(int))
		}
		out = map[string]any{"cluster_name": "rabbit@control01", "node": "rabbit@control01", "rabbitmq_version": "3.12.13",
			"erlang_version": "26.2.5", "queue_totals": map[string]any{"messages": msgs, "messages_ready": msgs, "messages_unacknowledged": 0},
			"object_totals": map[string]any{"connections": len(conns), "channels": len(queues), "queues": len(queues), "consumers": cons}}
	case "/api/nodes":
		var nodes []map[string]any
		for i, h := range c.controllers() {
			nodes = append(nodes, map[string]any{"name": "rabbit@" + h, "type": "disc", "running": true, "partitions": []string{},
				"mem_alarm": false, "disk_free_alarm": false, "mem_used": 180000000 + i*1000000, "mem_limit": 3328598425,
				"disk_free": 41234567890, "disk_free_limit": 50000000, "fd_used": 412 + 7*i, "fd_total": 1048576,
				"sockets_used": 388 + 5*i, "sockets_total": 943626, "proc_used": 4321, "proc_total": 1048576, "uptime": 2592061234})
		}
		out = nodes
	case "/api/queues":
		out = rabbitList(queues, r.URL.Query())
	case "/api/connections":
		out = rabbitList(conns, r.URL.Query())
	case "/api/health/checks/alarms":
		out = map[string]any{"status": "ok"}
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"Object Not Found","reason":"Not Found"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// rabbitList applies the management API's list parameters: columns= keeps
// the named (dotted) fields; page= turns the answer into a page object
// (page_size, default 100, at most 500; sort= a field, sort_reverse=true),
// as RabbitMQ 3.6 and later do.
func rabbitList(items []map[string]any, q url.Values) any {
	if page := q.Get("page"); page != "" {
		n, _ := strconv.Atoi(page)
		size, err := strconv.Atoi(q.Get("page_size"))
		if err != nil || size <= 0 {
			size = 100
		}
		size = min(size, 500)
		n = max(n, 1)
		if key := q.Get("sort"); key != "" {
			rev := q.Get("sort_reverse") == "true"
			sort.SliceStable(items, func(i, j int) bool {
				a, b := items[i][key], items[j][key]
				if rev {
					a, b = b, a
				}
				x, err1 := strconv.ParseFloat(fmt.Sprint(a), 64)
				y, err2 := strconv.ParseFloat(fmt.Sprint(b), 64)
				if err1 == nil && err2 == nil {
					return x < y
				}
				return fmt.Sprint(a) < fmt.Sprint(b)
			})
		}
		total := len(items)
		from, to := min((n-1)*size, total), min(n*size, total)
		return map[string]any{"items": rabbitColumns(items[from:to], q.Get("columns")), "page": n, "page_size": size,
			"page_count": (total + size - 1) / size, "item_count": to - from, "filtered_count": total, "total_count": total}
	}
	return rabbitColumns(items, q.Get("columns"))
}

// rabbitColumns keeps the asked fields; a dotted name keeps that path.
func rabbitColumns(items []map[string]any, columns string) []map[string]any {
	if columns == "" {
		return items
	}
	cols := strings.Split(columns, ",")
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		m := map[string]any{}
		for _, c := range cols {
			path := strings.Split(c, ".")
			var v any = it
			ok := true
			for _, k := range path {
				mm, isMap := v.(map[string]any)
				if !isMap {
					ok = false
					break
				}
				if v, ok = mm[k]; !ok {
					break
				}
			}
			if !ok {
				continue
			}
			dst := m
			for _, k := range path[:len(path)-1] {
				next, _ := dst[k].(map[string]any)
				if next == nil {
					next = map[string]any{}
					dst[k] = next
				}
				dst = next
			}
			dst[path[len(path)-1]] = v
		}
		out = append(out, m)
	}
	return out
}

// rabbitQueues: the shared RPC topics, one compute.<host> queue per compute
// (no consumer once its nova-compute stops heartbeating, and growing: the
// conductor keeps sending), a reply queue.
func rabbitQueues(c *Cloud) []map[string]any {
	q := func(name string, msgs int64, cons int, pub float64) map[string]any {
		return map[string]any{"name": name, "vhost": "/", "type": "classic", "state": "running", "node": "rabbit@control01",
			"durable": false, "auto_delete": false, "messages": msgs, "messages_ready": msgs, "messages_unacknowledged": 0,
			"consumers": cons, "message_stats": map[string]any{"publish_details": map[string]any{"rate": pub}}}
	}
	out := []map[string]any{
		q("conductor", 0, 3, 4.2), q("scheduler", 0, 3, 0.4), q("compute", 0, 6, 0.1),
		q("cinder-scheduler", 0, 3, 0.2), q("q-plugin", 0, 3, 1.3), q("reply_4f0c6e2a9b1d4c7e8f3a2b1c0d9e8f7a", 0, 1, 0.3),
	}
	c.Story.Lock(func() {
		now := c.Story.Now()
		for _, h := range c.Story.Hosts {
			if !h.IsCompute() {
				continue
			}
			if c.Story.ServiceUp(h) {
				out = append(out, q("compute."+h.Name, 0, 1, 0.1))
				continue
			}
			// One message every 5s since the heartbeat stopped.
			n := 1 + int64(now.Sub(h.DownSince.Add(HeartbeatTimeout))/(5*time.Second))
			out = append(out, q("compute."+h.Name, max(n, 1), 0, 0.2))
		}
	})
	return out
}

// rabbitConnections: what oslo.messaging opens, one connection per service
// process (connection_name "<binary>:<pid>:<uuid>", the peer its host's
// management IP). A host that lost power loses its connections when the
// broker's heartbeat gives up on them, as its services' heartbeats stop.
func rabbitConnections(c *Cloud) []map[string]any {
	var out []map[string]any
	c.Story.Lock(func() {
		at := c.Story.Start.Add(-26 * time.Hour).UnixMilli()
		ctrls := 0
		for _, h := range c.Story.Hosts {
			if h.Role == "control" {
				ctrls++
			}
		}
		for hi, h := range c.Story.Hosts {
			if !c.Story.ServiceUp(h) {
				continue
			}
			bins := []string{"nova-compute", "neutron-openvswitch-agent"}
			if h.Role == "control" {
				bins = []string{"nova-conductor", "nova-scheduler", "cinder-scheduler", "neutron-server"}
			}
			for bi, b := range bins {
				pid := 1000 + 37*hi + bi
				port := 40000 + 100*hi + bi
				node := fmt.Sprintf("rabbit@control%02d", 1+(hi+bi)%max(ctrls, 1))
				out = append(out, map[string]any{
					"name": fmt.Sprintf("%s:%d -> 10.0.0.%d:5672", h.IP, port, 11+(hi+bi)%max(ctrls, 1)),
					"user": "openstack", "vhost": "/", "node": node, "state": "running", "channels": 2,
					"peer_host": h.IP, "peer_port": port, "connected_at": at,
					"client_properties": map[string]any{"connection_name": fmt.Sprintf("%s:%d:%08x-4b1d-4c2e-9f3a-%012x", b, pid, hi*16+bi, pid),
						"product": "py-amqp"},
				})
			}
		}
	})
	return out
}

// ---- HAProxy ----

// haproxyHeader names the columns the demo fills (HAProxy reads columns by
// name, so a short header is a valid stats CSV).
const haproxyHeader = "# pxname,svname,scur,smax,stot,ereq,econ,eresp,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,type,check_status,last_chk,addr\n"

var haproxyBackends = []string{"keystone_internal", "nova_api", "placement_api", "glance_api", "neutron_server", "cinder_api"}

// haproxyState: operator-set states from the runtime API, by backend/server.
type haproxyState struct{ set map[string]string }

func startHAProxy(c *Cloud) error {
	st := &haproxyState{set: map[string]string{}}
	if _, err := c.Listen("haproxy", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ";csv") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<html><body>stats are at /;csv</body></html>"))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(haproxyCSV(c, st)))
	})); err != nil {
		return err
	}
	return c.listenTCP("haproxy-runtime", func(cmd string) string {
		switch {
		case cmd == "show stat":
			return haproxyCSV(c, st)
		case strings.HasPrefix(cmd, "set server "):
			var target, state string
			if n, _ := fmt.Sscanf(cmd, "set server %s state %s", &target, &state); n != 2 {
				return "Require 'backend/server'.\n"
			}
			b, s, _ := strings.Cut(target, "/")
			if !haproxyHas(c, b, s) {
				return "No such server.\n"
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			switch state {
			case "ready":
				delete(st.set, target)
			case "drain":
				st.set[target] = "DRAIN"
			case "maint":
				st.set[target] = "MAINT"
			default:
				return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n"
			}
			return ""
		}
		return "Unknown command: '" + cmd + "'\n"
	}, func(cmd string) bool { return strings.HasPrefix(cmd, "show ") })
}

func haproxyHas(c *Cloud, backend, server string) bool {
	ok := false
	for _, b := range haproxyBackends {
		ok = ok || b == backend
	}
	srv := false
	for _, h := range c.controllers() {
		srv = srv || h == server
	}
	return ok && srv
}

// flapping reports whether keystone_internal/control02 is in its DOWN
// phase: 20s of every 90s.
func flapping(c *Cloud) (down bool, since time.Duration) {
	var now, start time.Time
	var quiet bool
	c.Story.Lock(func() { now, start, quiet = c.Story.Now(), c.Story.Start, c.Story.Quiet })
	if quiet {
		return false, now.Sub(start)
	}
	t := now.Sub(start) % (90 * time.Second)
	if t >= 60*time.Second && t < 80*time.Second {
		return true, t - 60*time.Second
	}
	if t >= 80*time.Second {
		return false, t - 80*time.Second
	}
	return false, t + 10*time.Second
}

func haproxyCSV(c *Cloud, st *haproxyState) string {
	var b strings.Builder
	b.WriteString(haproxyHeader)
	ctrls := c.controllers()
	down, since := flapping(c)
	c.mu.Lock()
	set := map[string]string{}
	for k, v := range st.set {
		set[k] = v
	}
	c.mu.Unlock()
	for _, be := range haproxyBackends {
		fmt.Fprintf(&b, "%s,FRONTEND,2,10,1200,0,,,OPEN,,,,,,,,0,,,\n", be)
		up := 0
		for i, h := range ctrls {
			status, chk, last, lastchg, fails := "UP", "L7OK", "200", int64(86400), 0
			if be == "keystone_internal" && h == "control02" {
				lastchg = int64(since / time.Second)
				if down {
					status, chk, last, fails = "DOWN", "L4CON", "Connection refused", 3
				}
			}
			if s, ok := set[be+"/"+h]; ok {
				status = s
			}
			if status == "UP" {
				up++
			}
			fmt.Fprintf(&b, "%s,%s,%d,8,%d,,0,0,%s,1,1,0,%d,%d,%d,0,2,%s,%s,10.0.0.%d:5000\n",
				be, h, i, 400+i, status, fails, fails/3, lastchg, chk, last, 11+i)
		}
		status := "UP"
		if up == 0 {
			status = "DOWN"
		}
		fmt.Fprintf(&b, "%s,BACKEND,1,10,1200,,0,0,%s,%d,%d,0,0,0,86400,0,1,,,\n", be, status, up, up)
	}
	return b.String()
}

// ---- memcached ----

func startMemcached(c *Cloud) error {
	for i, h := range c.controllers() {
		i := i
		if err := c.listenTCP("memcached-"+h, func(cmd string) string {
			if cmd != "stats" {
				return "ERROR\r\n"
			}
			var up time.Duration
			c.Story.Lock(func() {
				up = 30 * 24 * time.Hour
				if !c.Story.Quiet { // quiet: nothing the cockpit shows moves
					up += c.Story.Now().Sub(c.Story.Start)
				}
			})
			hits := 900000 + int64(i)*1000 + int64(up/time.Second)
			return fmt.Sprintf("STAT pid %d\r\nSTAT uptime %d\r\nSTAT version 1.6.21\r\nSTAT curr_connections %d\r\n"+
				"STAT max_connections 5000\r\nSTAT rejected_connections 0\r\nSTAT curr_items 12000\r\nSTAT bytes 40960000\r\n"+
				"STAT limit_maxbytes 5368709120\r\nSTAT evictions %d\r\nSTAT get_hits %d\r\nSTAT get_misses %d\r\nEND\r\n",
				1200+i, int64(up/time.Second), 40+i*3, i*2, hits, 100000+int64(i)*5000)
		}, func(cmd string) bool { return cmd == "stats" }); err != nil {
			return err
		}
	}
	return nil
}
