package docker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// dialSSH runs `ssh host docker system dial-stdio` and uses its stdin and
// stdout as the connection, as the docker CLI does for ssh:// hosts.
func dialSSH(args []string) (net.Conn, error) {
	cmd := exec.Command(args[0], args[1:]...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// stderr goes through our own pipe so that, once ssh has exited, we
	// know its whole error text has been read (with exec's own copying
	// goroutine, stdout's EOF can come before stderr's text and the error
	// read "EOF" or "broken pipe" instead of ssh's reason).
	er, ew, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stderr := &limitedWriter{n: 4096}
	cmd.Stderr = ew
	if err := cmd.Start(); err != nil {
		er.Close()
		ew.Close()
		return nil, fmt.Errorf("starting %s: %w", args[0], err)
	}
	ew.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer er.Close()
		_, _ = io.Copy(stderr, er)
	}()
	return &cmdConn{cmd: cmd, in: stdin, out: stdout, stderr: stderr, stderrDone: done}, nil
}

type cmdConn struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    io.ReadCloser
	stderr *limitedWriter
	once   sync.Once
	// stderrDone is closed once ssh's stderr is fully read (ssh exited).
	stderrDone chan struct{}
}

// sshError is ssh's own error text once it has exited, or "" (waits a
// little for a dying ssh to finish writing it).
func (c *cmdConn) sshError() string {
	select {
	case <-c.stderrDone:
	case <-time.After(2 * time.Second):
	}
	return strings.TrimSpace(c.stderr.String())
}

// sshErr is ssh's own error text, prefixed "ssh: " once (ssh's own
// messages already start so: "ssh: connect to host ... Connection refused").
func sshErr(msg string) error {
	if strings.HasPrefix(msg, "ssh: ") {
		return errors.New(msg)
	}
	return errors.New("ssh: " + msg)
}

func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.out.Read(p)
	if err == io.EOF && n == 0 {
		if msg := c.sshError(); msg != "" {
			return 0, sshErr(msg)
		}
	}
	return n, err
}
func (c *cmdConn) Write(p []byte) (int, error) {
	n, err := c.in.Write(p)
	if err != nil {
		if msg := c.sshError(); msg != "" {
			return n, sshErr(msg)
		}
	}
	return n, err
}
func (c *cmdConn) Close() error {
	c.once.Do(func() {
		c.in.Close()
		c.out.Close()
		if c.cmd.Process != nil {
			_ = c.cmd.Process.Kill()
		}
		_ = c.cmd.Wait()
	})
	return nil
}
func (c *cmdConn) LocalAddr() net.Addr                { return dummyAddr{} }
func (c *cmdConn) RemoteAddr() net.Addr               { return dummyAddr{} }
func (c *cmdConn) SetDeadline(t time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(t time.Time) error { return nil }

type dummyAddr struct{}

func (dummyAddr) Network() string { return "ssh" }
func (dummyAddr) String() string  { return "ssh" }

// limitedWriter keeps the first n bytes of ssh's stderr (its error text).
type limitedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	n   int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n <= 0 {
		return len(p), nil
	}
	q := p
	if len(q) > l.n {
		q = q[:l.n]
	}
	l.n -= len(q)
	l.buf.Write(q)
	return len(p), nil
}

func (l *limitedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
