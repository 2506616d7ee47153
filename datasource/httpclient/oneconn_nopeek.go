//go:build !unix

package httpclient

import "net"

// stillIdle cannot look at a socket here: a dead kept connection is found
// when the request is sent (RoundTrip).
func stillIdle(net.Conn) bool { return true }
