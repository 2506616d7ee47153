package docker

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A refresh lists every container in one call (/containers/json?all=1:
// state, and health inside Status) and inspects only containers that are
// new or changed since their last inspect — a different state, health or
// exit code in Status, or an age in Status that went backwards (a restart
// or a new exit between two refreshes) — because restart counts, pids and
// start times are only in inspect. Inspecting every container on every
// refresh cost ~2,400 requests per control host in 4 minutes.

// seen is what the last inspect of a container said, with the list entry's
// Status age at that moment.
type seen struct {
	in     kept
	key    string        // Status without its age: "Up … (healthy)", "Exited (1) … ago"
	age    time.Duration // the age in Status then (uptime, or time since exit)
	hasAge bool
	at     time.Time // local time of that list
}

// statusAge matches the ages Docker writes in Status (go-units HumanDuration).
var statusAge = regexp.MustCompile(`Less than a second|About a minute|About an hour|(\d+) (second|minute|hour|day|week|month|year)s?`)

// parseStatusAge returns Status without its age, and the age with the
// precision Docker wrote it to.
func parseStatusAge(status string) (key string, age, prec time.Duration, ok bool) {
	m := statusAge.FindStringSubmatch(status)
	if m == nil {
		return status, 0, 0, false
	}
	key = strings.Replace(status, m[0], "…", 1)
	switch m[0] {
	case "Less than a second":
		return key, 0, time.Second, true
	case "About a minute":
		return key, time.Minute, time.Minute, true
	case "About an hour":
		return key, time.Hour, time.Hour, true
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour,
		"day": 24 * time.Hour, "week": 7 * 24 * time.Hour, "month": 30 * 24 * time.Hour, "year": 365 * 24 * time.Hour}[m[2]]
	return key, time.Duration(n) * unit, unit, true
}

// changed reports whether the container needs a new inspect.
func (s *seen) changed(status string, now time.Time) bool {
	key, age, prec, ok := parseStatusAge(status)
	if key != s.key || ok != s.hasAge {
		return true
	}
	if !ok {
		return false
	}
	// Ages only grow; one that is clearly younger than expected means the
	// container started (or exited) again. Clocks of the two machines do
	// not matter: both ages come from the engine.
	expected := s.age + now.Sub(s.at)
	return age+prec+5*time.Second < expected
}

func newSeen(in kept, status string, now time.Time) *seen {
	key, age, _, ok := parseStatusAge(status)
	return &seen{in: in, key: key, age: age, hasAge: ok, at: now}
}
