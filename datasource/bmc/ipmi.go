package bmc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// ipmiReadOnly reports whether an ipmitool command only reads. It is an
// allowlist: anything else (power off/on/cycle/reset, bmc reset, raw...) is
// refused in a read-only session.
func ipmiReadOnly(args []string) bool {
	return strings.Join(args, " ") == "chassis power status"
}

func (c *Client) ipmiStatus(ctx context.Context, a Address) (State, error) {
	out, err := c.ipmitool(ctx, a, "chassis", "power", "status")
	if err != nil {
		return Unknown, err
	}
	// "Chassis Power is on"
	s := strings.ToLower(strings.TrimSpace(out))
	switch {
	case strings.HasSuffix(s, "power is on"):
		return On, nil
	case strings.HasSuffix(s, "power is off"):
		return Off, nil
	}
	return Unknown, &CommandError{Addr: a.Addr, Command: "chassis power status", Message: fmt.Sprintf("unexpected answer %q", clip(out))}
}

// ipmitool runs one ipmitool command against a BMC. It is the only place
// that starts ipmitool, so the read-only check here covers every caller.
// The password goes through the environment (-E reads IPMI_PASSWORD), never
// the command line, where ps would show it.
func (c *Client) ipmitool(ctx context.Context, a Address, args ...string) (string, error) {
	command := strings.Join(args, " ")
	if c.o.ReadOnly && !ipmiReadOnly(args) {
		return "", fmt.Errorf("%w: ipmitool %s on bmc %s", httpclient.ErrReadOnly, command, a.Addr)
	}
	host, port, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return "", fmt.Errorf("bmc %s: %w", a.Addr, err)
	}
	argv := []string{"-I", "lanplus", "-H", host, "-p", port}
	if c.o.CipherSuite > 0 {
		argv = append(argv, "-C", strconv.Itoa(c.o.CipherSuite))
	}
	if c.o.Username != "" {
		argv = append(argv, "-U", c.o.Username)
	}
	env := withoutIPMIPassword(os.Environ())
	if c.o.Password != "" {
		argv = append(argv, "-E")
		env = append(env, "IPMI_PASSWORD="+c.o.Password)
	}
	// ipmitool's own per-packet retry: -N seconds per try, -R tries. A
	// dead BMC costs about 4 s per try (session setup has several steps).
	argv = append(argv, "-N", "1", "-R", strconv.Itoa(c.o.Retries+1))
	argv = append(argv, args...)

	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.o.Ipmitool, argv...)
	cmd.Env = env
	cmd.WaitDelay = time.Second
	var stdout, stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err == nil {
		return stdout.String(), nil
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", &UnreachableError{Addr: a.Addr, Reason: fmt.Sprintf("no answer in %s (timed out)", c.o.Timeout), Err: context.DeadlineExceeded}
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return "", &UnreachableError{Addr: a.Addr, Reason: "request cancelled", Err: context.Canceled}
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("bmc %s: %s not found (install Debian's ipmitool): %w", a.Addr, c.o.Ipmitool, err)
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		msg = strings.TrimSpace(stdout.String())
	}
	if msg == "" {
		msg = err.Error()
	}
	if reason, ok := ipmiSessionFailure(msg); ok {
		return "", &UnreachableError{Addr: a.Addr, Reason: reason, Err: err}
	}
	return "", &CommandError{Addr: a.Addr, Command: command, Message: clip(oneLine(msg))}
}

// ipmiSessionFailure recognises ipmitool's "could not talk to the BMC"
// messages and says why in plain words.
func ipmiSessionFailure(msg string) (string, bool) {
	l := strings.ToLower(msg)
	switch {
	case strings.Contains(l, "unauthorized name"), strings.Contains(l, "hmac is invalid"),
		strings.Contains(l, "invalid user name"), strings.Contains(l, "password"),
		strings.Contains(l, "unauthorized"):
		return "authentication failed (check bmc username and password): " + clip(oneLine(msg)), true
	case strings.Contains(l, "address lookup"):
		return "host not found (DNS): " + clip(oneLine(msg)), true
	case strings.Contains(l, "unable to establish"), strings.Contains(l, "no response"),
		strings.Contains(l, "insufficient resources for session"), strings.Contains(l, "connection refused"):
		return "no IPMI session: wrong address, port, username or password? (" + clip(oneLine(msg)) + ")", true
	}
	return "", false
}

func withoutIPMIPassword(env []string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, "IPMI_PASSWORD=") {
			out = append(out, e)
		}
	}
	return out
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

func clip(s string) string {
	const max = 300
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// limitedBuffer keeps the first 64 KiB of a command's output.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64*1024 - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}
