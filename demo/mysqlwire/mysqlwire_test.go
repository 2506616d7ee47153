package mysqlwire

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// A raw client: the handshake the server sends, a login with the
// mysql_native_password answer, then commands.
func dial(t *testing.T, s *Server) (*conn, net.Conn, []byte) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	c := &conn{rw: bufio.NewReadWriter(bufio.NewReader(nc), bufio.NewWriter(nc))}
	hs, err := c.read()
	if err != nil || hs[0] != 10 {
		t.Fatalf("handshake %v %x", err, hs)
	}
	// scramble: 8 bytes after version\0 + conn id, then 12 after the fixed part
	v := strings.IndexByte(string(hs[1:]), 0) + 2
	scramble := append(append([]byte{}, hs[v+4:v+12]...), hs[v+4+8+1+2+1+2+2+1+10:][:12]...)
	return c, nc, scramble
}

func login(t *testing.T, c *conn, user string, auth []byte) []byte {
	t.Helper()
	p := []byte{0, 0x02, 0, 0} // capabilities: protocol 4.1
	p = append(p, make([]byte, 28)...)
	p = append(p, user...)
	p = append(p, 0, byte(len(auth)))
	p = append(p, auth...)
	if c.write(p) != nil || c.flush() != nil {
		t.Fatal("write")
	}
	r, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLoginAndCommands(t *testing.T) {
	s := &Server{Users: map[string]string{"mon": "pw"}, Handler: func(_, q string) Result {
		if q == "SHOW X" {
			return Rows([]string{"a", "b"}, []string{"1", "two"})
		}
		return Result{Err: &Error{Code: 1064, State: "42000", Msg: "no"}}
	}}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	c, _, scr := dial(t, s)
	if r := login(t, c, "mon", NativePassword(scr, "wrong")); r[0] != 0xff || !strings.Contains(string(r), "Access denied for user 'mon'") {
		t.Fatalf("wrong password: %q", r)
	}
	c, _, scr = dial(t, s)
	if r := login(t, c, "mon", NativePassword(scr, "pw")); r[0] != 0x00 {
		t.Fatalf("login: %q", r)
	}
	cmd := func(p ...byte) [][]byte {
		c.seq = 0
		if c.write(p) != nil || c.flush() != nil {
			t.Fatal("write")
		}
		var out [][]byte
		for {
			r, err := c.read()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
			if r[0] == 0x00 || r[0] == 0xff || (r[0] == 0xfe && len(r) < 9 && len(out) > 1 && countEOF(out) == 2) {
				return out
			}
		}
	}
	if r := cmd(comPing); len(r) != 1 || r[0][0] != 0 {
		t.Errorf("ping %q", r)
	}
	// column count, 2 column definitions, EOF, 1 row, EOF
	r := cmd(append([]byte{comQuery}, "SHOW X"...)...)
	if len(r) != 6 || r[0][0] != 2 || string(r[4]) != "\x011\x03two" {
		t.Errorf("result set %q", r)
	}
	if r := cmd(append([]byte{comQuery}, "DROP TABLE t"...)...); r[0][0] != 0xff || !strings.Contains(string(r[0]), "#42000no") {
		t.Errorf("error %q", r)
	}
	if r := cmd(0x16, 'S'); r[0][0] != 0xff || !strings.Contains(string(r[0]), "Unknown command") { // COM_STMT_PREPARE
		t.Errorf("prepare %q", r)
	}
}

func countEOF(ps [][]byte) int {
	n := 0
	for _, p := range ps {
		if p[0] == 0xfe && len(p) < 9 {
			n++
		}
	}
	return n
}
