package alertmanager

import (
	"encoding/json"
	"testing"
)

func TestParseMatchersAmtoolSyntax(t *testing.T) {
	cases := []struct{ in, want string }{
		{`alertname="NodeDown" instance="compute03:9100"`, `alertname="NodeDown" instance="compute03:9100"`},
		{`{severity!="info", job="node"}`, `severity!="info" job="node"`},
		{`host=~compute0[1-3] service!~"nova-.*"`, `host=~"compute0[1-3]" service!~"nova-.*"`},
		{`NodeDown host=compute04`, `alertname="NodeDown" host="compute04"`},
		{`comment="a b, c"`, `comment="a b, c"`},
		{`q="say \"hi\""`, `q="say \"hi\""`},
		{`empty=""`, `empty=""`},
	}
	for _, c := range cases {
		ms, err := ParseMatchers(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got := ms.String(); got != c.want {
			t.Errorf("%s: got %s want %s", c.in, got, c.want)
		}
		// Round trip.
		again, err := ParseMatchers(ms.String())
		if err != nil || again.String() != ms.String() {
			t.Errorf("round trip %s: %v %v", ms, again, err)
		}
	}
}

func TestParseMatchersErrors(t *testing.T) {
	for _, in := range []string{`=x`, `9abc="x"`, `host=~"("`, `host="open`, `a~b`} {
		if ms, err := ParseMatchers(in); err == nil {
			t.Errorf("%q parsed as %v", in, ms)
		}
	}
}

func TestMatcherSemantics(t *testing.T) {
	l := map[string]string{"alertname": "NodeDown", "host": "compute03", "severity": "critical"}
	cases := map[string]bool{
		`host="compute03"`:                     true,
		`host!="compute03"`:                    false,
		`host=~"compute0[1-3]"`:                true,
		`host=~"compute0"`:                     false, // anchored
		`host!~"control.*"`:                    true,
		`zone=""`:                              true, // missing label is ""
		`zone!=""`:                             false,
		`alertname="NodeDown" host="x"`:        false,
		`alertname="NodeDown" severity=~"c.*"`: true,
	}
	for in, want := range cases {
		ms, err := ParseMatchers(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := ms.Matches(l); got != want {
			t.Errorf("%s: got %v want %v", in, got, want)
		}
	}
	if (Matchers{}).Matches(l) {
		t.Error("empty matcher list matched")
	}
}

func TestMatcherJSON(t *testing.T) {
	var m Matcher
	if err := json.Unmarshal([]byte(`{"name":"a","value":"b","isRegex":false}`), &m); err != nil || !m.IsEqual {
		t.Fatalf("isEqual should default to true: %+v %v", m, err)
	}
	b, _ := json.Marshal(NewMatcher("host", OpNotRegex, "c.*"))
	if string(b) != `{"name":"host","value":"c.*","isRegex":true,"isEqual":false}` {
		t.Fatal(string(b))
	}
}
