// Package config loads stackpit's own YAML configuration (per cloud:
// monitoring endpoints, Ceph, Docker hosts, read-only, keys, theme) from the
// XDG config dir, and resolves OpenStack auth the OpenStack way (clouds.yaml,
// secure.yaml, OS_CLOUD, OS_* variables). Errors name file and line.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stackpit/stackpit/redact"
)

// File is the whole stackpit config file.
type File struct {
	Path     string `yaml:"-"`
	Theme    string `yaml:"theme"`
	ReadOnly bool   `yaml:"readonly"`
	// Clock shows hh:mm in the header (off: an idle cockpit writes nothing).
	Clock bool                `yaml:"clock"`
	Keys  map[string][]string `yaml:"keys"`
	// Refresh is the default pane refresh interval ("10s").
	Refresh Duration          `yaml:"refresh"`
	Clouds  map[string]*Cloud `yaml:"clouds"`
	// AuditFile overrides the audit log path (default: XDG state dir).
	AuditFile string `yaml:"audit_file"`
	// KeysLine and KeyLines say where `keys:` and each action in it were
	// written, for keymap errors.
	KeysLine int            `yaml:"-"`
	KeyLines map[string]int `yaml:"-"`
}

// Cloud holds stackpit's settings for one cloud of clouds.yaml.
type Cloud struct {
	Name          string     `yaml:"-"`
	ReadOnly      bool       `yaml:"readonly"`
	Prometheus    *Endpoint  `yaml:"prometheus"`
	Loki          *Loki      `yaml:"loki"`
	Alertmanagers []Endpoint `yaml:"alertmanagers"`
	Ceph          *Ceph      `yaml:"ceph"`
	Docker        *Docker    `yaml:"docker"`
	BMC           *BMC       `yaml:"bmc"`
	// The control plane under OpenStack (the controlplane pane).
	RabbitMQ  *Endpoint  `yaml:"rabbitmq"`
	HAProxy   *HAProxy   `yaml:"haproxy"`
	Memcached *Memcached `yaml:"memcached"`
	Galera    *Galera    `yaml:"galera"`
	// EphemeralShared says instance disks live on shared storage (Ceph RBD),
	// so evacuation keeps them instead of rebuilding from the image.
	EphemeralShared bool `yaml:"ephemeral_shared"`
	// StuckAfter: a volume in a transitional status (attaching, deleting,
	// ...) longer than this is stuck (default 10m).
	StuckAfter Duration `yaml:"stuck_after"`
	// VolumePool is the Ceph pool Cinder's RBD backend writes to, for the
	// volumes pane's pivot to Ceph (default "volumes", Kolla's).
	VolumePool string `yaml:"volume_pool"`
	// Refresh overrides File.Refresh for this cloud.
	Refresh Duration `yaml:"refresh"`
	// OpenStack overrides auth for tests and the demo; normally nil, and
	// auth comes from clouds.yaml / OS_* through Auth().
	OpenStack *OpenStackAuth `yaml:"openstack"`
	// OpenStackMaxResponse caps each Keystone/Nova/Placement/Neutron/Cinder
	// answer (default 64MiB).
	OpenStackMaxResponse ByteSize `yaml:"openstack_max_response"`
	// Keepalived: the VIPs whose holder is read from Prometheus.
	Keepalived *Keepalived `yaml:"keepalived"`
}

// Endpoint is one HTTP backend.
type Endpoint struct {
	URL      string            `yaml:"url"`
	CAFile   string            `yaml:"ca_file"`
	Insecure bool              `yaml:"insecure"`
	Headers  map[string]string `yaml:"headers"`
	Username string            `yaml:"username"`
	Password string            `yaml:"password"`
	Bearer   string            `yaml:"bearer_token"`
	// MaxResponse caps each answer (default 64MiB).
	MaxResponse ByteSize `yaml:"max_response"`
	Line        int      `yaml:"-"` // where it was written, for errors
}

// Loki adds label names: shippers name host/container labels differently.
type Loki struct {
	Endpoint       `yaml:",inline"`
	TenantID       string `yaml:"tenant_id"`
	HostLabel      string `yaml:"host_label"`
	ContainerLabel string `yaml:"container_label"`
	BufferLines    int    `yaml:"buffer_lines"`
}

// Ceph is the mgr dashboard (or prometheus module, or a command).
type Ceph struct {
	Endpoint   `yaml:",inline"`
	MetricsURL string   `yaml:"metrics_url"`
	Command    []string `yaml:"command"` // e.g. [ssh, mon1, ceph]
}

// Docker lists container hosts.
type Docker struct {
	Line int `yaml:"-"` // where it was written, for errors
	// Hosts maps a host name to its Docker address:
	// unix:///run/docker.sock, ssh://user@host, tcp://host:2375, http://...
	Hosts map[string]string `yaml:"hosts"`
	// AddressTemplate reaches every host the cloud itself knows (Nova,
	// Neutron and Cinder service hosts) at an address made from its name:
	// "ssh://ops@{host}". Hosts entries override it per host.
	AddressTemplate string `yaml:"address_template"`
	// MaxResponse caps each Docker API answer (default 64MiB; log streams
	// are not cut).
	MaxResponse ByteSize `yaml:"max_response"`
}

// BMC says how to reach each host's baseboard management controller
// (power state, fencing).
type BMC struct {
	Line int `yaml:"-"` // where it was written, for errors
	// Protocol for addresses without a scheme: ipmi (default) or redfish.
	Protocol string `yaml:"protocol"`
	// AddressTemplate makes a host's BMC address from its name:
	// "{host}-ipmi.mgmt", "{host}-ipmi.mgmt:623", "https://{host}-bmc.mgmt".
	AddressTemplate string `yaml:"address_template"`
	// Hosts overrides the template per host; ipmi://host[:port] or
	// http(s)://host (Redfish) pick the protocol for that host.
	Hosts    map[string]string `yaml:"hosts"`
	Username string            `yaml:"username"`
	Password string            `yaml:"password"`
	CAFile   string            `yaml:"ca_file"`  // Redfish over https
	Insecure bool              `yaml:"insecure"` // Redfish: skip TLS verification
	Timeout  Duration          `yaml:"timeout"`  // one ipmitool run or HTTP request; default 20s
	Retries  int               `yaml:"retries"`  // power-state reads; default 2
	// CipherSuite is ipmitool's -C; 0: ipmitool asks the BMC.
	CipherSuite int `yaml:"cipher_suite"`
}

// HAProxy is one HAProxy's stats page (CSV over HTTP) and/or its runtime
// API (needed for drain/maint/ready).
type HAProxy struct {
	Line     int    `yaml:"-"`
	URL      string `yaml:"url"`     // stats page: http://controller:1984/
	Runtime  string `yaml:"runtime"` // unix:///run/haproxy/admin.sock or tcp://host:port
	CAFile   string `yaml:"ca_file"`
	Insecure bool   `yaml:"insecure"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// UnmarshalYAML keeps the block's line.
func (h *HAProxy) UnmarshalYAML(n *yaml.Node) error {
	type plain HAProxy
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*h = HAProxy(p)
	h.Line = n.Line
	return nil
}

// Memcached lists the memcached servers (host:port each).
type Memcached struct {
	Line      int      `yaml:"-"`
	Addresses []string `yaml:"addresses"`
	Timeout   Duration `yaml:"timeout"` // one stats read; default 5s
}

// Keepalived lists the virtual IPs the control-plane pane shows the
// holder of (from keepalived_exporter's keepalived_vrrp_state in the
// cloud's Prometheus).
type Keepalived struct {
	Line int      `yaml:"-"`
	VIPs []string `yaml:"vips"`
}

// UnmarshalYAML keeps the block's line.
func (k *Keepalived) UnmarshalYAML(n *yaml.Node) error {
	type plain Keepalived
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*k = Keepalived(p)
	k.Line = n.Line
	return nil
}

// UnmarshalYAML keeps the block's line.
func (m *Memcached) UnmarshalYAML(n *yaml.Node) error {
	type plain Memcached
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*m = Memcached(p)
	m.Line = n.Line
	return nil
}

// Galera is a MariaDB Galera cluster, read on each node over a monitoring
// account (it needs PROCESS for other sessions' statements; nothing else).
type Galera struct {
	Line     int          `yaml:"-"`
	Nodes    []GaleraNode `yaml:"nodes"`
	Username string       `yaml:"username"`
	Password string       `yaml:"password"`
	// ClusterSize is how many members the cluster should have (default:
	// the number of nodes listed); fewer is CRIT.
	ClusterSize int      `yaml:"cluster_size"`
	Timeout     Duration `yaml:"timeout"` // one node's read; default 5s
}

// GaleraNode is one member: its SQL address and the host it runs on.
type GaleraNode struct {
	Host    string `yaml:"host"`    // default: the address's host
	Address string `yaml:"address"` // host:port (Kolla: the node's internal address, 3306)
}

// UnmarshalYAML keeps the block's line.
func (g *Galera) UnmarshalYAML(n *yaml.Node) error {
	type plain Galera
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*g = Galera(p)
	g.Line = n.Line
	return nil
}

// UnmarshalYAML keeps the block's line (unknown keys are the strict
// walker's, strict.go).
func (b *BMC) UnmarshalYAML(n *yaml.Node) error {
	type plain BMC
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*b = BMC(p)
	b.Line = n.Line
	return nil
}

// OpenStackAuth is an explicit Keystone v3 password auth.
type OpenStackAuth struct {
	AuthURL     string `yaml:"auth_url"`
	Username    string `yaml:"username"`
	Password    string `yaml:"password"`
	ProjectName string `yaml:"project_name"`
	DomainName  string `yaml:"domain_name"`
	Region      string `yaml:"region"`
	CAFile      string `yaml:"ca_file"`
	Insecure    bool   `yaml:"insecure"`
}

// Duration is a time.Duration written as "10s".
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return &Error{Line: n.Line, Msg: fmt.Sprintf("bad duration %q (want e.g. 10s, 1m)", n.Value)}
	}
	*d = Duration(v)
	return nil
}

// D returns the duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (e *Endpoint) UnmarshalYAML(n *yaml.Node) error {
	type plain Endpoint
	var p plain
	if n.Kind == yaml.ScalarNode { // shorthand: "prometheus: http://..."
		p.URL = n.Value
	} else if err := n.Decode(&p); err != nil {
		return err
	}
	*e = Endpoint(p)
	e.Line = n.Line
	return nil
}

// Error is a config error with a position.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	return redact.Text(e.text()) // a bad url is quoted whole: hide its password
}

func (e *Error) text() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Dir is the XDG config dir for stackpit.
func Dir() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "stackpit")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "stackpit")
}

// StateDir is the XDG state dir for stackpit (audit log, history).
func StateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "stackpit")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state", "stackpit")
}

// DefaultPath is where the config file lives.
func DefaultPath() string { return filepath.Join(Dir(), "config.yaml") }

// Load reads a config file. A missing file at the default path is not an
// error (empty config); a missing explicit path is.
func Load(path string, explicit bool) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			return &File{Path: path, Clouds: map[string]*Cloud{}}, nil
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

// Parse decodes and validates config bytes. Every error names file and line.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, wrapYAML(path, err)
	}
	if errs := unknownKeys(path, &doc); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	f.KeysLine, f.KeyLines = keyLines(&doc)
	// Decoded from the document already parsed, not from the bytes again
	// (~40% of the parse's work at 1,000 hosts, on the path to every
	// start's first page): unknownKeys above is the strict check (it
	// reaches into the blocks KnownFields skipped, and into merges, one
	// mapping or a list of them). An empty file's
	// document decodes to nothing: an empty config.
	if err := doc.Decode(f); err != nil {
		return nil, wrapYAML(path, err)
	}
	if f.Clouds == nil {
		f.Clouds = map[string]*Cloud{}
	}
	for name, c := range f.Clouds {
		if c == nil {
			c = &Cloud{}
			f.Clouds[name] = c
		}
		c.Name = name
	}
	if errs := f.validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// wrapYAML turns yaml.v3's "yaml: line N: msg" into file:line: msg.
func wrapYAML(path string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var out []error
		for _, e := range te.Errors {
			out = append(out, lineError(path, e))
		}
		return errors.Join(out...)
	}
	var ce *Error
	if errors.As(err, &ce) {
		ce.File = path
		return ce
	}
	return lineError(path, err.Error())
}

func lineError(path, msg string) error {
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		return &Error{File: path, Line: line, Msg: msg}
	}
	if n, _ := fmt.Sscanf(msg, "unmarshal errors:\n  line %d:", &line); n == 1 {
		return &Error{File: path, Line: line, Msg: msg}
	}
	return &Error{File: path, Msg: msg}
}

func (f *File) validate() []error {
	var errs []error
	check := func(what string, e *Endpoint) {
		if e == nil {
			return
		}
		if e.URL == "" {
			errs = append(errs, &Error{File: f.Path, Line: e.Line, Msg: what + ": url is required"})
			return
		}
		u, err := url.Parse(e.URL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, &Error{File: f.Path, Line: e.Line, Msg: fmt.Sprintf("%s: bad url %q (want http(s)://host[:port])", what, e.URL)})
		}
	}
	names := make([]string, 0, len(f.Clouds))
	for n := range f.Clouds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := f.Clouds[n]
		check("clouds."+n+".prometheus", c.Prometheus)
		if c.Loki != nil {
			check("clouds."+n+".loki", &c.Loki.Endpoint)
		}
		for i := range c.Alertmanagers {
			check(fmt.Sprintf("clouds.%s.alertmanagers[%d]", n, i), &c.Alertmanagers[i])
		}
		if c.Ceph != nil && len(c.Ceph.Command) == 0 && c.Ceph.MetricsURL == "" {
			check("clouds."+n+".ceph", &c.Ceph.Endpoint)
		}
		check("clouds."+n+".rabbitmq", c.RabbitMQ)
	}
	return errs
}

// Check reports problems that concern one backend only: the cockpit starts
// anyway and shows them in that backend's pane, while `stackpit config
// check` lists them all with file and line.
func (f *File) Check() []error {
	var errs []error
	names := make([]string, 0, len(f.Clouds))
	for n := range f.Clouds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := f.Clouds[n]
		eps := map[string]*Endpoint{"prometheus": c.Prometheus}
		if c.Loki != nil {
			eps["loki"] = &c.Loki.Endpoint
		}
		if c.Ceph != nil {
			eps["ceph"] = &c.Ceph.Endpoint
		}
		if c.RabbitMQ != nil {
			eps["rabbitmq"] = c.RabbitMQ
		}
		for i := range c.Alertmanagers {
			eps[fmt.Sprintf("alertmanagers[%d]", i)] = &c.Alertmanagers[i]
		}
		keys := make([]string, 0, len(eps))
		for k := range eps {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e := eps[k]
			if e == nil || e.CAFile == "" {
				continue
			}
			if _, err := os.Stat(e.CAFile); err != nil {
				errs = append(errs, &Error{File: f.Path, Line: e.Line, Msg: fmt.Sprintf("clouds.%s.%s: ca_file: %v", n, k, err)})
			}
		}
		if c.Docker != nil {
			hosts := make([]string, 0, len(c.Docker.Hosts))
			for h := range c.Docker.Hosts {
				hosts = append(hosts, h)
			}
			sort.Strings(hosts)
			for _, h := range hosts {
				if msg := dockerAddrProblem(c.Docker.Hosts[h]); msg != "" {
					errs = append(errs, &Error{File: f.Path, Line: c.Docker.Line, Msg: fmt.Sprintf("clouds.%s.docker.hosts.%s: %s", n, h, msg)})
				}
			}
			if t := c.Docker.AddressTemplate; t != "" {
				if msg := dockerAddrProblem(strings.ReplaceAll(t, "{host}", "h")); msg != "" || !strings.Contains(t, "{host}") {
					if msg == "" {
						msg = "address_template needs {host}"
					}
					errs = append(errs, &Error{File: f.Path, Line: c.Docker.Line, Msg: fmt.Sprintf("clouds.%s.docker.address_template: %s", n, msg)})
				}
			}
		}
		if c.BMC != nil {
			errs = append(errs, bmcProblems(f.Path, n, c.BMC)...)
		}
		errs = append(errs, controlPlaneProblems(f.Path, n, c)...)
	}
	return errs
}

// controlPlaneProblems checks the haproxy, memcached and galera blocks.
func controlPlaneProblems(path, cloud string, c *Cloud) []error {
	var errs []error
	if h := c.HAProxy; h != nil {
		bad := func(msg string) {
			errs = append(errs, &Error{File: path, Line: h.Line, Msg: fmt.Sprintf("clouds.%s.haproxy.%s", cloud, msg)})
		}
		if h.URL == "" && h.Runtime == "" {
			bad("url or runtime is required")
		}
		if h.URL != "" {
			if u, err := url.Parse(h.URL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				bad(fmt.Sprintf("url: bad url %q (want http(s)://host:port/stats)", h.URL))
			}
		}
		if h.Runtime != "" {
			u, err := url.Parse(h.Runtime)
			if err != nil || !((u.Scheme == "unix" && u.Path != "") || (u.Scheme == "tcp" && u.Host != "")) {
				bad(fmt.Sprintf("runtime: bad address %q (want unix:///path/admin.sock or tcp://host:port)", h.Runtime))
			}
		}
		if h.CAFile != "" {
			if _, err := os.Stat(h.CAFile); err != nil {
				bad(fmt.Sprintf("ca_file: %v", err))
			}
		}
	}
	if k := c.Keepalived; k != nil {
		if c.Prometheus == nil {
			errs = append(errs, &Error{File: path, Line: k.Line, Msg: fmt.Sprintf("clouds.%s.keepalived needs clouds.%s.prometheus (the VIP holders are read from it)", cloud, cloud)})
		}
		for i, v := range k.VIPs {
			if net.ParseIP(v) == nil {
				errs = append(errs, &Error{File: path, Line: k.Line, Msg: fmt.Sprintf("clouds.%s.keepalived.vips[%d]: bad address %q (want an IP)", cloud, i, v)})
			}
		}
	}
	if m := c.Memcached; m != nil {
		if len(m.Addresses) == 0 {
			errs = append(errs, &Error{File: path, Line: m.Line, Msg: fmt.Sprintf("clouds.%s.memcached.addresses is required", cloud)})
		}
		for i, a := range m.Addresses {
			if _, _, err := net.SplitHostPort(a); err != nil {
				errs = append(errs, &Error{File: path, Line: m.Line, Msg: fmt.Sprintf("clouds.%s.memcached.addresses[%d]: bad address %q (want host:port)", cloud, i, a)})
			}
		}
	}
	if g := c.Galera; g != nil {
		bad := func(msg string) {
			errs = append(errs, &Error{File: path, Line: g.Line, Msg: fmt.Sprintf("clouds.%s.galera.%s", cloud, msg)})
		}
		if len(g.Nodes) == 0 {
			bad("nodes is required (a list of {host, address})")
		}
		for i, nd := range g.Nodes {
			if _, _, err := net.SplitHostPort(nd.Address); err != nil {
				bad(fmt.Sprintf("nodes[%d].address: bad address %q (want host:port)", i, nd.Address))
			}
		}
		if g.Username == "" {
			bad("username is required (a monitoring account)")
		}
		if g.ClusterSize < 0 {
			bad("cluster_size: must be 0 (the number of nodes) or more")
		}
	}
	return errs
}

func bmcProblems(path, cloud string, b *BMC) []error {
	var errs []error
	bad := func(msg string) {
		errs = append(errs, &Error{File: path, Line: b.Line, Msg: fmt.Sprintf("clouds.%s.bmc.%s", cloud, msg)})
	}
	if b.Protocol != "" && b.Protocol != "ipmi" && b.Protocol != "redfish" {
		bad(fmt.Sprintf("protocol: unknown %q (want ipmi or redfish)", b.Protocol))
	}
	if b.AddressTemplate != "" && !strings.Contains(b.AddressTemplate, "{host}") {
		bad("address_template needs {host}")
	}
	if b.AddressTemplate == "" && len(b.Hosts) == 0 {
		bad("address_template or hosts is required")
	}
	if b.CAFile != "" {
		if _, err := os.Stat(b.CAFile); err != nil {
			bad(fmt.Sprintf("ca_file: %v", err))
		}
	}
	if b.Retries < 0 {
		bad("retries: must be 0 or more")
	}
	return errs
}

func dockerAddrProblem(a string) string {
	u, err := url.Parse(a)
	if err != nil {
		return fmt.Sprintf("bad address %q: %v", a, err)
	}
	switch u.Scheme {
	case "unix", "ssh", "tcp", "http", "https":
		return ""
	}
	return fmt.Sprintf("unsupported address %q (want unix://, ssh://, tcp:// or http(s)://)", a)
}

// Cloud returns the settings for a cloud name (empty settings if absent).
// The file-level readonly applies to every cloud.
func (f *File) Cloud(name string) *Cloud {
	c, ok := f.Clouds[name]
	if !ok {
		c = &Cloud{Name: name}
	}
	cp := *c
	cp.ReadOnly = cp.ReadOnly || f.ReadOnly
	if cp.Refresh == 0 {
		cp.Refresh = f.Refresh
	}
	if cp.Refresh == 0 {
		cp.Refresh = Duration(10 * time.Second)
	}
	return &cp
}

// Loki and Ceph embed Endpoint, whose UnmarshalYAML would be promoted and
// swallow their own fields: decode them through plain copies.
func (l *Loki) UnmarshalYAML(n *yaml.Node) error {
	var p struct {
		endpointFields `yaml:",inline"`
		TenantID       string `yaml:"tenant_id"`
		HostLabel      string `yaml:"host_label"`
		ContainerLabel string `yaml:"container_label"`
		BufferLines    int    `yaml:"buffer_lines"`
	}
	if n.Kind == yaml.ScalarNode {
		p.URL = n.Value
	} else if err := n.Decode(&p); err != nil {
		return err
	}
	*l = Loki{Endpoint: Endpoint(p.endpointFields), TenantID: p.TenantID, HostLabel: p.HostLabel,
		ContainerLabel: p.ContainerLabel, BufferLines: p.BufferLines}
	l.Line = n.Line
	return nil
}

func (c *Ceph) UnmarshalYAML(n *yaml.Node) error {
	var p struct {
		endpointFields `yaml:",inline"`
		MetricsURL     string   `yaml:"metrics_url"`
		Command        []string `yaml:"command"`
	}
	if n.Kind == yaml.ScalarNode {
		p.URL = n.Value
	} else if err := n.Decode(&p); err != nil {
		return err
	}
	*c = Ceph{Endpoint: Endpoint(p.endpointFields), MetricsURL: p.MetricsURL, Command: p.Command}
	c.Line = n.Line
	return nil
}

// endpointFields is Endpoint without its UnmarshalYAML method.
type endpointFields struct {
	URL      string            `yaml:"url,omitempty"`
	CAFile   string            `yaml:"ca_file,omitempty"`
	Insecure bool              `yaml:"insecure,omitempty"`
	Headers  map[string]string `yaml:"headers,omitempty"`
	Username string            `yaml:"username,omitempty"`
	Password string            `yaml:"password,omitempty"`
	Bearer   string            `yaml:"bearer_token,omitempty"`
	// MaxResponse caps each answer (default 64MiB).
	MaxResponse ByteSize `yaml:"max_response,omitempty"`
	Line        int      `yaml:"-"`
}

// Marshalling (stackpit demo serve writes configs): the mirror of the
// custom unmarshalling above.

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func (l Loki) MarshalYAML() (any, error) {
	return struct {
		endpointFields `yaml:",inline"`
		TenantID       string `yaml:"tenant_id,omitempty"`
		HostLabel      string `yaml:"host_label,omitempty"`
		ContainerLabel string `yaml:"container_label,omitempty"`
		BufferLines    int    `yaml:"buffer_lines,omitempty"`
	}{endpointFields(l.Endpoint), l.TenantID, l.HostLabel, l.ContainerLabel, l.BufferLines}, nil
}

func (c Ceph) MarshalYAML() (any, error) {
	return struct {
		endpointFields `yaml:",inline"`
		MetricsURL     string   `yaml:"metrics_url,omitempty"`
		Command        []string `yaml:"command,omitempty"`
	}{endpointFields(c.Endpoint), c.MetricsURL, c.Command}, nil
}

func (e Endpoint) MarshalYAML() (any, error) { return endpointFields(e), nil }

func (d *Docker) UnmarshalYAML(n *yaml.Node) error {
	type plain Docker
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*d = Docker(p)
	d.Line = n.Line
	return nil
}
