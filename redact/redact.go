// Package redact hides credentials in URLs before they are printed: in
// errors, `stackpit config check`, audit records and snapshots. Operators
// write `http://user:PASSWORD@prom:9090` or `?token=...` into config files,
// and those URLs end up in error texts built far from the config.
package redact

import (
	"regexp"
)

// Mask replaces every secret.
const Mask = "***"

var (
	// scheme://user:password@ — the password runs to the last @ before
	// the path, as url.Parse reads it.
	userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s:@"']*):[^/?#\s"']*@`)
	// Query parameters (and key=value text) whose value is a credential.
	param = regexp.MustCompile(`(?i)((?:^|[?&;\s"'{,])(?:password|passwd|pass|pwd|token|access_token|id_token|auth_token|api_key|apikey|api-key|secret|client_secret|private_token|x-auth-token|sig|signature)=)[^&#\s"']*`)
)

// Text returns s with the password of every URL in it (`user:***@`) and
// every credential-like query parameter (`?password=***`) masked. It is
// meant for any text that may hold URLs: error messages, log lines we
// print, config check output.
func Text(s string) string {
	if s == "" {
		return s
	}
	s = userinfo.ReplaceAllString(s, "${1}:"+Mask+"@")
	return param.ReplaceAllString(s, "${1}"+Mask)
}

// URL is Text for one URL ("https://user:***@host/").
func URL(u string) string { return Text(u) }

// Error returns err with a redacted message, still matching err with
// errors.Is/As. Nil stays nil; an error with nothing to hide is returned
// as is.
func Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := Text(msg); r != msg {
		return &redacted{msg: r, err: err}
	}
	return err
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }
