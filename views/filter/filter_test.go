package filter

import "testing"

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
