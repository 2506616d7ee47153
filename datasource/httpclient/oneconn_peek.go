//go:build unix

package httpclient

import (
	"errors"
	"net"
	"syscall"
)

// stillIdle looks, without waiting, at a socket kept idle: false when the
// server closed it or sent something unasked (a 408 before closing; net/
// http's read loop sees both while the connection is idle, nothing of
// ours runs then). A connection it cannot look at (ssh's pipes) counts as
// idle: a dead one is found when the request is sent (RoundTrip).
func stillIdle(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	idle := false
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read is idle; closed (0 bytes), bytes unasked, or an
		// error is not.
		idle = errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR)
		return true // never wait for the socket
	})
	return err == nil && idle
}
