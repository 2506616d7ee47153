// Package bmc reads and changes a host's power through its baseboard
// management controller: IPMI over LAN through Debian's ipmitool, or
// Redfish over the guarded HTTP client. One Client resolves each host's BMC
// address from config (a template such as "{host}-ipmi.mgmt" plus per-host
// overrides) and picks the protocol from the address.
//
// Read-only sessions can read power state and nothing else: Redfish POSTs
// are refused by the HTTP guard, and the one function that runs ipmitool
// refuses every command but "chassis power status" (httpclient.ErrReadOnly).
package bmc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// State is a host's power as its BMC reports it.
type State int

const (
	Unknown State = iota // not read, or the BMC said something else (powering off...)
	On
	Off
)

func (s State) String() string {
	switch s {
	case On:
		return "on"
	case Off:
		return "off"
	}
	return "unknown"
}

// BMC is what callers (ops, views) need: one interface for both protocols.
type BMC interface {
	PowerState(ctx context.Context, host string) (State, error)
	PowerOff(ctx context.Context, host string) error
	PowerOn(ctx context.Context, host string) error
}

// Protocols.
const (
	IPMI    = "ipmi"
	Redfish = "redfish"
)

// Options configure a Client. Password is never logged: String redacts it.
type Options struct {
	// Protocol for addresses without a scheme: "ipmi" (default) or "redfish".
	Protocol string
	// AddressTemplate makes a host's BMC address from its name:
	// "{host}-ipmi.mgmt", "{host}-ipmi.mgmt:623", "https://{host}-bmc.mgmt".
	AddressTemplate string
	// Hosts overrides the template per host. An address's scheme picks the
	// protocol: ipmi://host[:port], http(s)://host (Redfish); none: Protocol.
	Hosts              map[string]string
	Username, Password string
	ReadOnly           bool
	// Timeout bounds one ipmitool run or one HTTP request (default 20s).
	Timeout time.Duration
	// Retries is how often a failed power-state read is tried again
	// (default 2): ipmitool's own -R (per packet, so a command is not
	// repeated), one more GET for Redfish. A Redfish reset is sent once:
	// the caller reads back.
	Retries int
	// HTTP is the guarded client for Redfish (Env.HTTP); required for it.
	HTTP *http.Client
	// CipherSuite is ipmitool's -C (RMCP+ cipher suite); 0 lets ipmitool
	// ask the BMC (17 where supported, else 3). BMCs that do not answer
	// the question (ipmi_sim) cost a long timeout on every call: set 3.
	CipherSuite int
	// Ipmitool is the ipmitool binary (default "ipmitool" from PATH).
	Ipmitool string
}

func (o Options) String() string {
	return fmt.Sprintf("protocol=%s template=%q hosts=%d user=%q password=%v readonly=%v",
		o.Protocol, o.AddressTemplate, len(o.Hosts), o.Username, o.Password != "", o.ReadOnly)
}

// Client is a BMC for every host of a cloud.
type Client struct {
	o Options
	// sysPaths: each Redfish BMC's system path (by base URL), found once.
	sysPaths sync.Map
}

var _ BMC = (*Client)(nil)

// New checks the options and returns a client.
func New(o Options) (*Client, error) {
	if o.Protocol == "" {
		o.Protocol = IPMI
	}
	if o.Protocol != IPMI && o.Protocol != Redfish {
		return nil, fmt.Errorf("bmc: unknown protocol %q (want ipmi or redfish)", o.Protocol)
	}
	if o.AddressTemplate != "" && !strings.Contains(o.AddressTemplate, "{host}") {
		return nil, fmt.Errorf("bmc: address_template %q needs {host}", o.AddressTemplate)
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 2
	}
	if o.Ipmitool == "" {
		o.Ipmitool = "ipmitool"
	}
	return &Client{o: o}, nil
}

// ErrNoBMC says the config names no BMC for a host.
var ErrNoBMC = errors.New("no BMC configured")

// Address is one host's resolved BMC.
type Address struct {
	Protocol string
	// Addr is host:port for IPMI, the base URL for Redfish.
	Addr string
}

// Resolve says which BMC a host has.
func (c *Client) Resolve(host string) (Address, error) {
	a, ok := c.o.Hosts[host]
	if !ok || a == "" {
		if c.o.AddressTemplate == "" {
			return Address{}, fmt.Errorf("%s: %w (set bmc.address_template or bmc.hosts.%s)", host, ErrNoBMC, host)
		}
		a = strings.ReplaceAll(c.o.AddressTemplate, "{host}", host)
	}
	proto := c.o.Protocol
	switch {
	case strings.HasPrefix(a, "ipmi://"):
		proto, a = IPMI, strings.TrimPrefix(a, "ipmi://")
	case strings.HasPrefix(a, "http://"), strings.HasPrefix(a, "https://"):
		proto = Redfish
	case strings.HasPrefix(a, "redfish://"):
		proto, a = Redfish, "https://"+strings.TrimPrefix(a, "redfish://")
	}
	a = strings.TrimSuffix(a, "/")
	if a == "" || strings.ContainsAny(a, " \t\r\n") {
		return Address{}, fmt.Errorf("%s: bad BMC address %q", host, a)
	}
	if proto == IPMI {
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(strings.Trim(a, "[]"), "623")
		}
	} else if !strings.Contains(a, "://") {
		a = "https://" + a
	}
	return Address{Protocol: proto, Addr: a}, nil
}

// PowerState reads a host's power, retrying failed reads.
func (c *Client) PowerState(ctx context.Context, host string) (State, error) {
	a, err := c.Resolve(host)
	if err != nil {
		return Unknown, err
	}
	if a.Protocol == IPMI { // ipmitool retries itself (-R)
		return c.ipmiStatus(ctx, a)
	}
	var last error
	for i := 0; i <= c.o.Retries; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return Unknown, last
			case <-time.After(time.Duration(i) * 500 * time.Millisecond):
			}
		}
		s, err := c.redfishStatus(ctx, a)
		if err == nil {
			return s, nil
		}
		last = err
		if !retryable(err) {
			break
		}
	}
	return Unknown, last
}

// PowerOff cuts a host's power at once (no graceful shutdown: fencing).
func (c *Client) PowerOff(ctx context.Context, host string) error {
	return c.power(ctx, host, false)
}

// PowerOn powers a host on.
func (c *Client) PowerOn(ctx context.Context, host string) error {
	return c.power(ctx, host, true)
}

func (c *Client) power(ctx context.Context, host string, on bool) error {
	a, err := c.Resolve(host)
	if err != nil {
		return err
	}
	if a.Protocol == IPMI {
		verb := "off"
		if on {
			verb = "on"
		}
		_, err := c.ipmitool(ctx, a, "chassis", "power", verb)
		return err
	}
	reset := "ForceOff"
	if on {
		reset = "On"
	}
	return c.redfishReset(ctx, a, reset)
}

// UnreachableError: the BMC did not answer (or refused the session).
type UnreachableError struct {
	Addr   string
	Reason string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("bmc %s unreachable: %s", e.Addr, e.Reason)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// CommandError: the BMC answered but refused or failed the command.
type CommandError struct {
	Addr, Command, Message string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("bmc %s: %s failed: %s", e.Addr, e.Command, e.Message)
}

func retryable(err error) bool {
	var ue *UnreachableError
	return errors.As(err, &ue) && !errors.Is(err, context.Canceled)
}
