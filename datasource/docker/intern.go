package docker

import "unique"

// intern returns the canonical copy of s (weak: dropped when unused).
// Container names, images and states repeat on every host: at 1,000
// hosts one copy each, not one per host and list (issue 15).
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}
