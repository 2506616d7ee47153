package prompt

import "github.com/stackpit/stackpit/ui/safe"

func fitStyled(s string, w int) string {
	if safe.Width(s) <= w {
		return s
	}
	return safe.Truncate(s, w, "…")
}
