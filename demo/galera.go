package demo

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/demo/mysqlwire"
)

// MariaDB Galera, one node per controller, speaking the MySQL wire
// protocol (demo/mysqlwire) so the real datasource and driver talk to it.
// It answers the monitoring statements from its own reading of them (it
// does not share the client's statement list) and records every statement
// as a request: anything but SHOW/SELECT and transaction control is
// mutating. Story beat: 30s after the failed host goes down, the last
// controller turns Donor/Desynced for 60s (a backup desyncs it) and its
// receive queue grows; a quiet story never moves.

// GaleraMonitorUser is the demo's monitoring account (its password is the
// cloud's).
const GaleraMonitorUser = "stackpit_monitor"

// Donor window, counted from the failure.
const (
	galeraDonorAfter = 30 * time.Second
	galeraDonorFor   = 60 * time.Second
)

const galeraUUID = "4f1c9a2e-8d3b-11ee-9c41-2b7e5d0a1f33"

func init() {
	Register(Service{Name: "galera", Order: 63, Start: startGalera, Configure: func(c *Cloud, cfg *config.Cloud) {
		g := &config.Galera{Username: GaleraMonitorUser, Password: c.Password, Timeout: config.Duration(5 * time.Second)}
		for _, h := range c.controllers() {
			g.Nodes = append(g.Nodes, config.GaleraNode{Host: h, Address: c.url("galera-" + h)})
		}
		cfg.Galera = g
	}})
}

// wireListener closes its MySQL server (and the server's open sessions)
// with the cloud's other raw listeners.
type wireListener struct {
	net.Listener
	srv *mysqlwire.Server
}

func (w wireListener) Close() error { return w.srv.Close() }

func startGalera(c *Cloud) error {
	ctrls := c.controllers()
	for i, h := range ctrls {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		name := "galera-" + h
		srv := &mysqlwire.Server{Users: map[string]string{GaleraMonitorUser: c.Password}, Version: "10.11.8-MariaDB-log",
			Handler: func(_ string, q string) mysqlwire.Result {
				read := galeraReads(q)
				c.mu.Lock()
				c.requests = append(c.requests, Request{Service: name, Method: "QUERY", Path: q, Time: time.Now(), Mutating: !read})
				c.mu.Unlock()
				return galeraAnswer(c, i, h, len(ctrls), q)
			}}
		srv.Serve(ln)
		c.mu.Lock()
		c.listeners = append(c.listeners, wireListener{ln, srv})
		c.URLs[name] = ln.Addr().String()
		c.mu.Unlock()
	}
	return nil
}

func norm(q string) string { return strings.ToUpper(strings.Join(strings.Fields(q), " ")) }

// galeraReads: SHOW, SELECT and transaction control change nothing.
func galeraReads(q string) bool {
	n := norm(q)
	for _, p := range []string{"SHOW ", "SELECT ", "START TRANSACTION READ ONLY", "ROLLBACK", "COMMIT"} {
		if strings.HasPrefix(n, p) || n == strings.TrimSpace(p) {
			return !strings.Contains(n, ";") && !strings.Contains(n, " FOR UPDATE") && !strings.Contains(n, " INTO ")
		}
	}
	return false
}

// galeraDonor says whether node i is the donor now, and since when.
func galeraDonor(c *Cloud, i, n int) (donor bool, since time.Duration) {
	if i != n-1 {
		return false, 0
	}
	c.Story.Lock(func() {
		if c.Story.Quiet {
			return
		}
		since = c.Story.Now().Sub(c.Story.Start) - c.Story.FailAfter - galeraDonorAfter
		donor = since >= 0 && since < galeraDonorFor
	})
	return donor, since
}

func galeraAnswer(c *Cloud, i int, host string, size int, q string) mysqlwire.Result {
	n := norm(q)
	kv := func(pairs ...string) mysqlwire.Result {
		var rows [][]string
		for j := 0; j+1 < len(pairs); j += 2 {
			rows = append(rows, []string{pairs[j], pairs[j+1]})
		}
		return mysqlwire.Rows([]string{"Variable_name", "Value"}, rows...)
	}
	donor, since := galeraDonor(c, i, size)
	switch {
	case n == "START TRANSACTION READ ONLY", n == "ROLLBACK", n == "COMMIT":
		return mysqlwire.Result{}
	case n == "SHOW GLOBAL STATUS LIKE 'WSREP_%'":
		state, recv, desync := "Synced", "0.004", "0"
		if donor {
			state, recv, desync = "Donor/Desynced", "23.6", "1"
		}
		return kv("wsrep_cluster_conf_id", "3", "wsrep_cluster_size", fmt.Sprint(size), "wsrep_cluster_state_uuid", galeraUUID,
			"wsrep_cluster_status", "Primary", "wsrep_connected", "ON", "wsrep_desync_count", desync,
			"wsrep_flow_control_paused", "0.000000", "wsrep_local_index", fmt.Sprint(i), "wsrep_local_recv_queue_avg", recv,
			"wsrep_local_send_queue_avg", "0.000", "wsrep_local_state", map[bool]string{true: "2", false: "4"}[donor],
			"wsrep_local_state_comment", state, "wsrep_local_state_uuid", galeraUUID, "wsrep_provider_name", "Galera",
			"wsrep_provider_version", "26.4.16(r7dce5149)", "wsrep_ready", "ON")
	case n == "SHOW GLOBAL STATUS LIKE 'THREADS_CONNECTED'":
		return kv("Threads_connected", fmt.Sprint(212+17*i))
	case strings.HasPrefix(n, "SHOW GLOBAL VARIABLES WHERE VARIABLE_NAME IN ("):
		known := map[string]string{"max_connections": "10000", "wsrep_on": "ON", "wsrep_cluster_name": "openstack",
			"wsrep_cluster_address": "gcomm://" + strings.Join(c.controllers(), ","), "wsrep_node_name": host, "version": "10.11.8-MariaDB-log"}
		var pairs []string
		list := strings.TrimSuffix(n[len("SHOW GLOBAL VARIABLES WHERE VARIABLE_NAME IN ("):], ")")
		for _, name := range strings.Split(list, ",") {
			name = strings.Trim(strings.TrimSpace(name), "'")
			if v, ok := known[strings.ToLower(name)]; ok {
				pairs = append(pairs, strings.ToLower(name), v)
			}
		}
		return kv(pairs...)
	case strings.HasPrefix(n, "SELECT ") && strings.Contains(n, " FROM INFORMATION_SCHEMA.PROCESSLIST"):
		cols := []string{"ID", "USER", "HOST", "DB", "COMMAND", "TIME", "STATE", "INFO"}
		if !donor {
			return mysqlwire.Rows(cols)
		}
		// The backup that desynced the node.
		return mysqlwire.Rows(cols, []string{"48213", "mariabackup", "localhost", "", "Query", fmt.Sprint(int(since / time.Second)), "Waiting for backup lock",
			"BACKUP STAGE BLOCK_COMMIT"})
	}
	return mysqlwire.Result{Err: &mysqlwire.Error{Code: 1227, State: "42000",
		Msg: "Access denied; you need (at least one of) the SUPER privilege(s) for this operation"}}
}
