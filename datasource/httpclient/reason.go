package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/stackpit/stackpit/redact"
)

// Reason says in plain words why a request never got an HTTP answer
// (refused, no answer, TLS, DNS...), without net/url's `Get "http://...":`
// prefix, whose URL (with its whole query string) pushes the reason off a
// status line. Callers prefix it with the backend and its address, e.g.
// "loki at http://loki:3100 unreachable: " + Reason(err). It returns
// err.Error() for errors it does not recognise, and "" for nil.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	return redact.Text(reason(err))
}

func reason(err error) string {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		inner = ue.Err
	}
	var (
		rh   tls.RecordHeaderError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
		ci   x509.CertificateInvalidError
		dns  *net.DNSError
		ne   net.Error
		opEr *net.OpError
	)
	var lost *ReplyLostError
	switch {
	case errors.As(inner, &lost):
		return lost.Error()
	case errors.Is(inner, ErrReadOnly), errors.Is(inner, ErrBackoff):
		return inner.Error()
	case errors.Is(inner, context.Canceled):
		return "request cancelled"
	case errors.Is(inner, context.DeadlineExceeded), errors.As(inner, &ne) && ne.Timeout():
		return "no answer in time (timed out: the server is hung or overloaded, or the network drops packets)"
	case errors.Is(inner, syscall.ECONNREFUSED):
		return "connection refused (nothing listening at " + addrOf(ue, opEr, inner) + ")"
	case errors.Is(inner, syscall.ECONNRESET):
		return "connection reset by the server"
	case errors.Is(inner, syscall.EHOSTUNREACH), errors.Is(inner, syscall.ENETUNREACH):
		return "no route to host"
	case errors.As(inner, &rh):
		return "TLS handshake failed: the server answered in plain HTTP (use http:// instead of https://?)"
	case errors.As(inner, &ua):
		return "TLS: certificate signed by an unknown authority (set ca_file to the CA that signed it)"
	case errors.As(inner, &hn):
		return "TLS: " + hn.Error()
	case errors.As(inner, &ci):
		return "TLS: " + ci.Error()
	case errors.As(inner, &dns):
		if dns.IsNotFound {
			return "host " + dns.Name + " not found (DNS)"
		}
		return "DNS lookup of " + dns.Name + " failed: " + dns.Err
	case strings.Contains(inner.Error(), "invalid header field value"):
		return "request not sent: " + inner.Error() + " (a newline or control character in tenant_id or a header?)"
	case errors.As(inner, &opEr) && opEr.Net == "unix" && errors.Is(inner, syscall.ENOENT):
		return "no socket at " + addrOf(ue, opEr, inner) + " (is the daemon running on that host?)"
	case errors.Is(inner, os.ErrNotExist):
		return "no such file: " + inner.Error()
	}
	s := inner.Error()
	if strings.Contains(s, "server gave HTTP response to HTTPS client") {
		return "TLS handshake failed: the server answered in plain HTTP (use http:// instead of https://?)"
	}
	return s
}

func addrOf(ue *url.Error, op *net.OpError, inner error) string {
	if errors.As(inner, &op) && op.Addr != nil {
		return op.Addr.String()
	}
	if ue != nil {
		if u, err := url.Parse(ue.URL); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return "that address"
}
