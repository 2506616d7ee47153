// Package intern keeps one canonical copy of strings that repeat across
// a cloud's answers (hosts, statuses, images, container names): at 50,000
// servers or 1,000 hosts one copy each, not one per answer (issue 15).
package intern

import "unique"

// String returns the canonical copy of s (weak: dropped when unused).
func String(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}
