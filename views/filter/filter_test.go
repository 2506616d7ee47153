package filter

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	row := map[string]string{"name": "web-01", "host": "compute03", "status": "ERROR", "project": "web"}
	for q, want := range map[string]bool{
		"":                             true,
		"web":                          true,
		"host:compute03 status:ERROR":  true,
		"host:compute03 status:ACTIVE": false,
		"host=compute0":                false,
		"host=compute03":               true,
		"status!=ERROR":                false,
		"!web":                         false,
		"host:compute0*":               true,
		"nosuchfield:x":                false,
		"db":                           false,
	} {
		if got := Parse(q).Match(row); got != want {
			t.Errorf("%q: got %v want %v", q, got, want)
		}
	}
}

// A compiled query agrees with Query.Match on the same fields.
func TestCompiledAgreesWithMatch(t *testing.T) {
	names := []string{"name", "host", "status", "project"}
	rows := [][]string{{"web-01", "compute03", "error", "web"}, {"db-1", "compute1", "active", "db"}, {"", "", "", ""}}
	for _, q := range []string{"", "web", "host:compute03 status:error", "host=compute0", "host=compute03", "status!=error",
		"!web", "host:compute0*", "nosuchfield:x", "!nosuchfield:x", "db", "*1", "c?mpute1", "[", "e", "name=", "host:",
		"error", "!active", "act", "web error"} {
		pq := Parse(q)
		m := Compile(pq, names)
		for _, r := range rows {
			fields := map[string]string{}
			for i, n := range names {
				fields[n] = r[i]
			}
			all := strings.Join(r, "\x00")
			if got, want := m.Match(r, all), pq.Match(fields); got != want {
				t.Errorf("%q on %v: compiled %v, Match %v", q, r, got, want)
			}
			// The fields split in a row's own and shared strings.
			own, shared := strings.Join(r[:2], "\x00"), strings.Join(r[2:], "\x00")
			if got, want := m.MatchIn(r, own, shared), pq.Match(fields); got != want {
				t.Errorf("%q on %v split: compiled %v, Match %v", q, r, got, want)
			}
		}
	}
}
