// Package mysqlwire is a minimal MySQL/MariaDB server for the demo and for
// tests: the v10 handshake with mysql_native_password (the password is
// checked), COM_QUERY answered by a handler with text result sets, OK or
// ERR packets, COM_PING and COM_QUIT. Anything else gets an ERR packet. It
// has its own packet code (it shares nothing with the client driver), so a
// client bug cannot hide on both sides of a test.
package mysqlwire

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one answer to a query: a result set when Columns is set, an
// OK packet otherwise, an ERR packet when Err is set.
type Result struct {
	Columns []string
	Rows    [][]*string // nil cell: SQL NULL
	Err     *Error
}

// Error is an ERR packet.
type Error struct {
	Code  uint16
	State string // five characters, e.g. 42000
	Msg   string
}

func (e *Error) Error() string { return fmt.Sprintf("%d (%s): %s", e.Code, e.State, e.Msg) }

// Handler answers one COM_QUERY of an authenticated session.
type Handler func(user, query string) Result

// Server serves one address.
type Server struct {
	Users   map[string]string // user -> password
	Version string            // shown in the handshake
	Handler Handler

	ln     net.Listener
	nextID atomic.Uint32
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

// Listen starts serving on addr ("127.0.0.1:0" for a free port).
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.Serve(ln)
	return nil
}

// Serve starts serving ln in the background; Close closes it.
func (s *Server) Serve(ln net.Listener) {
	s.ln = ln
	s.conns = map[net.Conn]bool{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				c.Close()
				return
			}
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
		}
	}()
}

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the listener and every open session.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// Capability flags this server announces: 4.1 protocol, secure
// connection, plugin auth (no SSL, no CLIENT_DEPRECATE_EOF: result sets end
// in EOF packets, as older servers do).
const (
	capLongPassword   = 1 << 0
	capLongFlag       = 1 << 2
	capProtocol41     = 1 << 9
	capTransactions   = 1 << 13
	capSecureConn     = 1 << 15
	capPluginAuth     = 1 << 19
	capPluginAuthLenc = 1 << 21
	serverCaps        = capLongPassword | capLongFlag | capProtocol41 | capTransactions | capSecureConn | capPluginAuth | capPluginAuthLenc

	statusAutocommit = 0x0002

	comQuit  = 0x01
	comQuery = 0x03
	comPing  = 0x0e

	typeVarString = 0xfd
	charsetUTF8   = 33
	maxPacket     = 1 << 20 // what this server accepts from a client
)

// conn is one session's packet stream.
type conn struct {
	rw  *bufio.ReadWriter
	seq byte
}

func (c *conn) read() ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(c.rw, h[:]); err != nil {
		return nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	if n > maxPacket {
		return nil, errors.New("packet too large")
	}
	c.seq = h[3] + 1
	b := make([]byte, n)
	_, err := io.ReadFull(c.rw, b)
	return b, err
}

func (c *conn) write(p []byte) error {
	h := []byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), c.seq}
	c.seq++
	if _, err := c.rw.Write(h); err != nil {
		return err
	}
	_, err := c.rw.Write(p)
	return err
}

func (c *conn) flush() error { return c.rw.Flush() }

func (c *conn) ok() error {
	return c.write([]byte{0x00, 0, 0, statusAutocommit & 0xff, statusAutocommit >> 8, 0, 0})
}

func (c *conn) eof() error {
	return c.write([]byte{0xfe, 0, 0, statusAutocommit & 0xff, statusAutocommit >> 8})
}

func (c *conn) err(e *Error) error {
	p := []byte{0xff, byte(e.Code), byte(e.Code >> 8), '#'}
	st := e.State
	if len(st) != 5 {
		st = "HY000"
	}
	p = append(p, st...)
	p = append(p, e.Msg...)
	return c.write(p)
}

func lenc(b []byte, n uint64) []byte {
	switch {
	case n < 251:
		return append(b, byte(n))
	case n < 1<<16:
		return append(b, 0xfc, byte(n), byte(n>>8))
	case n < 1<<24:
		return append(b, 0xfd, byte(n), byte(n>>8), byte(n>>16))
	}
	b = append(b, 0xfe)
	return binary.LittleEndian.AppendUint64(b, n)
}

func lencStr(b []byte, s string) []byte { return append(lenc(b, uint64(len(s))), s...) }

func (c *conn) resultSet(r Result) error {
	if err := c.write(lenc(nil, uint64(len(r.Columns)))); err != nil {
		return err
	}
	for _, name := range r.Columns {
		p := lencStr(nil, "def")
		for _, s := range []string{"", "", "", name, name} { // schema, table, org_table, name, org_name
			p = lencStr(p, s)
		}
		p = append(p, 0x0c, charsetUTF8, 0)           // fixed-length fields, character set
		p = binary.LittleEndian.AppendUint32(p, 1024) // column length
		p = append(p, typeVarString, 0, 0, 0, 0, 0)   // type, flags, decimals, filler
		if err := c.write(p); err != nil {
			return err
		}
	}
	if err := c.eof(); err != nil {
		return err
	}
	for _, row := range r.Rows {
		var p []byte
		for _, v := range row {
			if v == nil {
				p = append(p, 0xfb)
				continue
			}
			p = lencStr(p, *v)
		}
		if err := c.write(p); err != nil {
			return err
		}
	}
	return c.eof()
}

// NativePassword is mysql_native_password's answer to scramble:
// SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
func NativePassword(scramble []byte, password string) []byte {
	if password == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	h := sha1.New()
	h.Write(scramble)
	h.Write(h2[:])
	h3 := h.Sum(nil)
	for i := range h3 {
		h3[i] ^= h1[i]
	}
	return h3
}

func (s *Server) serve(nc net.Conn) {
	c := &conn{rw: bufio.NewReadWriter(bufio.NewReader(nc), bufio.NewWriter(nc))}
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	scramble := make([]byte, 20)
	_, _ = rand.Read(scramble)
	for i := range scramble { // printable, no NUL: some clients read it as a C string
		scramble[i] = 0x21 + scramble[i]%0x5e
	}
	ver := s.Version
	if ver == "" {
		ver = "10.11.0-MariaDB-mysqlwire"
	}
	p := []byte{10}
	p = append(p, ver...)
	p = append(p, 0)
	p = binary.LittleEndian.AppendUint32(p, s.nextID.Add(1))
	p = append(p, scramble[:8]...)
	p = append(p, 0)
	p = binary.LittleEndian.AppendUint16(p, serverCaps&0xffff)
	p = append(p, charsetUTF8)
	p = binary.LittleEndian.AppendUint16(p, statusAutocommit)
	p = binary.LittleEndian.AppendUint16(p, serverCaps>>16)
	p = append(p, 21)
	p = append(p, make([]byte, 10)...)
	p = append(p, scramble[8:]...)
	p = append(p, 0)
	p = append(p, "mysql_native_password"...)
	p = append(p, 0)
	c.seq = 0
	if c.write(p) != nil || c.flush() != nil {
		return
	}
	resp, err := c.read()
	if err != nil {
		return
	}
	user, auth, ok := parseHandshakeResponse(resp)
	if !ok {
		_ = c.err(&Error{Code: 1043, State: "08S01", Msg: "Bad handshake"})
		_ = c.flush()
		return
	}
	pw, known := s.Users[user]
	if !known || subtle.ConstantTimeCompare(auth, NativePassword(scramble, pw)) != 1 {
		using := "YES"
		if len(auth) == 0 {
			using = "NO"
		}
		host, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
		_ = c.err(&Error{Code: 1045, State: "28000", Msg: fmt.Sprintf("Access denied for user '%s'@'%s' (using password: %s)", user, host, using)})
		_ = c.flush()
		return
	}
	if c.ok() != nil || c.flush() != nil {
		return
	}
	for {
		_ = nc.SetDeadline(time.Now().Add(5 * time.Minute))
		pkt, err := c.read()
		if err != nil || len(pkt) == 0 {
			return
		}
		switch pkt[0] {
		case comQuit:
			return
		case comPing:
			err = c.ok()
		case comQuery:
			r := s.Handler(user, string(pkt[1:]))
			switch {
			case r.Err != nil:
				err = c.err(r.Err)
			case r.Columns != nil:
				err = c.resultSet(r)
			default:
				err = c.ok()
			}
		default:
			err = c.err(&Error{Code: 1047, State: "08S01", Msg: "Unknown command"})
		}
		if err != nil || c.flush() != nil {
			return
		}
	}
}

// parseHandshakeResponse reads HandshakeResponse41's user and auth data.
func parseHandshakeResponse(p []byte) (user string, auth []byte, ok bool) {
	if len(p) < 32 {
		return "", nil, false
	}
	caps := binary.LittleEndian.Uint32(p)
	if caps&capProtocol41 == 0 {
		return "", nil, false
	}
	rest := p[32:]
	end := -1
	for i, b := range rest {
		if b == 0 {
			end = i
			break
		}
	}
	if end < 0 {
		return "", nil, false
	}
	user, rest = string(rest[:end]), rest[end+1:]
	if len(rest) == 0 {
		return user, nil, true
	}
	n := int(rest[0]) // auth length (lenenc: < 251 for any scramble answer)
	if n >= 251 || len(rest) < 1+n {
		return "", nil, false
	}
	return user, rest[1 : 1+n], true
}

// Str is a cell.
func Str(s string) *string { return &s }

// Rows builds a result set from string cells.
func Rows(cols []string, rows ...[]string) Result {
	r := Result{Columns: cols}
	for _, row := range rows {
		cells := make([]*string, len(row))
		for i := range row {
			cells[i] = Str(row[i])
		}
		r.Rows = append(r.Rows, cells)
	}
	return r
}
