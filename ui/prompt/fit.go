package prompt

import "github.com/charmbracelet/x/ansi"

func fitStyled(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}
