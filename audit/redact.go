package audit

import "github.com/stackpit/stackpit/redact"

// redacted hides credentials in URLs an action's error, result, target or
// details may quote: the audit file is kept and shared.
func (e Entry) redacted() Entry {
	e.Target, e.Error, e.Result = redact.Text(e.Target), redact.Text(e.Error), redact.Text(e.Result)
	if len(e.Details) > 0 {
		d := make(map[string]string, len(e.Details))
		for k, v := range e.Details {
			d[k] = redact.Text(v)
		}
		e.Details = d
	}
	return e
}
