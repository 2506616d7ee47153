package logs

import (
	"regexp"
	"strings"
	"time"

	"github.com/stackpit/stackpit/ui/safe"
)

// layout is the columns of one frame: time, host, container, level,
// request ID, then the message in the remaining width. Narrow screens
// drop or narrow columns (request ID first) so that the message keeps
// msgMin cells.
type layout struct {
	time      string // time format, "" when hidden
	host, cnt int    // column widths, 0 when hidden
	req       int
}

const (
	hostMax = 16
	cntMax  = 20
	reqLen  = 40 // req-<uuid>
	tsLong  = "15:04:05.000"
	tsShort = "15:04:05"
)

// layout sizes the columns for the h lines ending at bottom (those the
// frame may show).
func (m *Model) layout(w int, bottom int64, h int) layout {
	var lay layout
	if m.showTS {
		lay.time = tsLong
	}
	anyReq := false
	shown := 0
	for s := bottom; s >= m.buf.first() && shown < h; s-- {
		l, ok := m.buf.at(s)
		if !ok || !m.visible(l) {
			continue
		}
		shown++
		if l.marker != "" {
			continue
		}
		if m.showLabel && l.labels != nil {
			lay.host = max(lay.host, safe.Width(safe.Text(l.labels.Get(m.o.HostLabel))))
			lay.cnt = max(lay.cnt, safe.Width(safe.Text(l.labels.Get(m.o.ContainerLabel))))
		}
		if !anyReq && requestID(l.text) != "" {
			anyReq = true
		}
	}
	lay.host, lay.cnt = min(lay.host, hostMax), min(lay.cnt, cntMax)
	if anyReq {
		lay.req = reqLen
	}
	msgMin := max(min(30, w*2/5), 10)
	// Each step gives up a column (or part of one) until the message fits.
	steps := []func(){
		func() { lay.req = 0 },
		func() {
			if lay.time != "" {
				lay.time = tsShort
			}
		},
		func() { lay.cnt = min(lay.cnt, 10) },
		func() { lay.host = min(lay.host, 9) },
		func() { lay.cnt = 0 },
		func() { lay.time = "" },
		func() { lay.host = 0 },
	}
	for _, step := range steps {
		if lay.width() <= w-msgMin {
			break
		}
		step()
	}
	return lay
}

// width is the cells the columns take before the message.
func (lay layout) width() int {
	n := len(lay.time) + 4 // level tag and its space
	for _, c := range []int{lay.host, lay.cnt, lay.req} {
		if c > 0 {
			n += c + 1
		}
	}
	if lay.time != "" {
		n++
	}
	return n
}

// columns renders a line's columns (sanitized) and the request ID shown in
// its column ("" when none is).
func (m *Model) columns(l *line) (string, string) {
	lay := m.lay
	var b strings.Builder
	if lay.time != "" {
		b.WriteString(time.Unix(0, l.ts).In(m.o.Location).Format(lay.time))
		b.WriteByte(' ')
	}
	if lay.host > 0 || lay.cnt > 0 {
		var h, c string
		if l.labels != nil {
			h, c = l.labels.Get(m.o.HostLabel), l.labels.Get(m.o.ContainerLabel)
		}
		if lay.host > 0 {
			b.WriteString(safe.Pad(h, lay.host))
			b.WriteByte(' ')
		}
		if lay.cnt > 0 {
			b.WriteString(safe.Pad(c, lay.cnt))
			b.WriteByte(' ')
		}
	}
	b.WriteString(l.lv.tag())
	b.WriteByte(' ')
	req := ""
	if lay.req > 0 {
		// A line without one lets its message start in the empty column.
		if req = requestID(l.text); req != "" {
			b.WriteString(safe.Pad(req, lay.req))
			b.WriteByte(' ')
		}
	}
	return b.String(), req
}

// osloHead is what the columns already show at the start of an oslo.log
// line: date and time, pid, level.
var osloHead = regexp.MustCompile(`^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+(?:\d+\s+)?(?:TRACE|DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|AUDIT)\s+`)

var loggerName = regexp.MustCompile(`^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+$`)

// message is a sanitized line without what its columns show: the oslo
// head, and the request context "[req-… …]" when req is in its column.
// short abbreviates the oslo logger name (nova.compute.manager →
// n.c.manager) when the message has little room.
func message(text, req string, short bool) string {
	if loc := osloHead.FindStringIndex(text); loc != nil {
		text = text[loc[1]:]
		// "module [-] msg": no request context to show.
		if i := strings.Index(text, " [-] "); i > 0 && !strings.Contains(text[:i], " ") {
			text = text[:i+1] + text[i+5:]
		}
		if i := strings.IndexByte(text, ' '); short && i > 0 && loggerName.MatchString(text[:i]) {
			parts := strings.Split(text[:i], ".")
			for j := range parts[:len(parts)-1] {
				parts[j] = parts[j][:1]
			}
			text = strings.Join(parts, ".") + text[i:]
		}
	}
	if req == "" {
		return text
	}
	i := strings.Index(text, "["+req)
	if i < 0 {
		return text
	}
	j := strings.IndexByte(text[i:], ']')
	if j < 0 {
		return text
	}
	return strings.TrimRight(text[:i], " ") + " " + strings.TrimLeft(text[i+j+1:], " ")
}

// wordWrap breaks sanitized text into rows of first cells, then rest
// cells, at spaces: a word (a request ID, a UUID) is split only when it is
// longer than a whole row, and then after a '/', ',', ';', '=' or '&' (a
// URL path keeps its IDs whole) before anywhere else.
func wordWrap(text string, first, rest int) []string {
	first, rest = max(first, 1), max(rest, 1)
	var rows []string
	var cur strings.Builder
	curW, width := 0, first
	flush := func() {
		rows = append(rows, cur.String())
		cur.Reset()
		curW, width = 0, rest
	}
	for i, word := range strings.Split(text, " ") {
		ww := safe.Width(word)
		sep := 0
		if i > 0 {
			sep = 1
		}
		if curW+sep+ww <= width {
			if sep > 0 {
				cur.WriteByte(' ')
			}
			cur.WriteString(word)
			curW += sep + ww
			continue
		}
		if curW > 0 || (len(rows) == 0 && ww <= rest) {
			// Next row; on the first row only when the word then fits.
			flush()
		}
		if ww <= width {
			cur.WriteString(word)
			curW = ww
			continue
		}
		// Longer than a row: pack its pieces, cutting only a piece that is
		// itself longer than a row.
		for _, piece := range pieces(word) {
			pw := safe.Width(piece)
			if curW+pw > width && curW > 0 {
				flush()
			}
			for pw > width {
				part := safe.Truncate(piece, width-curW, "")
				if part == "" {
					break
				}
				cur.WriteString(part)
				flush()
				piece = piece[len(part):]
				pw = safe.Width(piece)
			}
			cur.WriteString(piece)
			curW += pw
		}
	}
	if cur.Len() > 0 || len(rows) == 0 {
		rows = append(rows, cur.String())
	}
	return rows
}

// pieces splits a word after each '/', ',', ';', '=' and '&'.
func pieces(word string) []string {
	var out []string
	start := 0
	for i := 0; i < len(word); i++ {
		switch word[i] {
		case '/', ',', ';', '=', '&':
			out = append(out, word[start:i+1])
			start = i + 1
		}
	}
	if start < len(word) {
		out = append(out, word[start:])
	}
	return out
}
