package httpclient

import "net/http"

// closeIdle passes CloseIdleConnections down to rt: http.Client calls it
// on its direct Transport only, so each wrapper forwards it (OneConn's
// kept connection, net/http's pool).
func closeIdle(rt http.RoundTripper) {
	if ci, ok := rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// CloseIdleConnections closes the idle connections under the guard.
func (g *Guard) CloseIdleConnections() {
	if g.Base == nil {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		return
	}
	closeIdle(g.Base)
}

func (l *limitTransport) CloseIdleConnections() { closeIdle(l.base) }
func (a *authTransport) CloseIdleConnections()  { closeIdle(a.base) }
func (t *paceTransport) CloseIdleConnections()  { closeIdle(t.base) }
func (t *shareTransport) CloseIdleConnections() { closeIdle(t.base) }
