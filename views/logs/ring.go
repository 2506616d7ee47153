package logs

import (
	"strings"

	"github.com/stackpit/stackpit/datasource/loki"
)

// level is a line's severity, detected from its text first (so the marker
// always matches what the operator reads) and from labels second.
type level uint8

const (
	lvNone level = iota
	lvTrace
	lvDebug
	lvInfo
	lvWarn
	lvError
	lvCrit
)

// tag is the fixed-width text mark of a level: colour is never the only
// signal.
// word is the level for "/" terms (level:warn matches "warning").
func (l level) word() string {
	switch l {
	case lvTrace:
		return "trace"
	case lvDebug:
		return "debug"
	case lvInfo:
		return "info"
	case lvWarn:
		return "warning"
	case lvError:
		return "error"
	case lvCrit:
		return "critical"
	}
	return ""
}

func (l level) tag() string {
	switch l {
	case lvTrace:
		return "TRC"
	case lvDebug:
		return "DBG"
	case lvInfo:
		return "INF"
	case lvWarn:
		return "WRN"
	case lvError:
		return "ERR"
	case lvCrit:
		return "CRT"
	}
	return "   "
}

var levelWords = []struct {
	word string
	lv   level
}{
	{" CRITICAL ", lvCrit}, {" ERROR ", lvError}, {" WARNING ", lvWarn}, {" WARN ", lvWarn},
	{" TRACE ", lvTrace}, {" DEBUG ", lvDebug}, {" INFO ", lvInfo},
	{"[error]", lvError}, {"[warning]", lvWarn}, {"[Warning]", lvWarn}, {"[ERROR]", lvError},
	{"level=error", lvError}, {"level=warn", lvWarn}, {"level=info", lvInfo}, {"level=debug", lvDebug},
	{"|ERR|", lvError}, {"|WARN|", lvWarn}, {"|INFO|", lvInfo}, {"|DBG|", lvDebug},
}

func detectLevel(line string, ls *loki.Labels) level {
	// Only look at the head of the line: the level sits near the start in
	// every common format, and a long line stays cheap.
	head := line
	if len(head) > 120 {
		head = head[:120]
	}
	for _, w := range levelWords {
		if strings.Contains(head, w.word) {
			return w.lv
		}
	}
	v := ls.Get("detected_level")
	if v == "" {
		v = ls.Get("level")
	}
	switch strings.ToLower(v) {
	case "critical", "fatal":
		return lvCrit
	case "error", "err":
		return lvError
	case "warn", "warning":
		return lvWarn
	case "info":
		return lvInfo
	case "debug":
		return lvDebug
	case "trace":
		return lvTrace
	}
	return lvNone
}

// line is one buffered row: a log line or a marker. lv and hit side by
// side: 56 bytes, not 64 with a padded byte each (100,000 lines: 0.8 MB).
type line struct {
	ts     int64
	text   string
	labels *loki.Labels
	marker loki.MarkerKind // "" for log lines
	lv     level
	hit    bool // matches the "/" terms (kept so a frame never re-matches the buffer)
}

// ring is a fixed-capacity buffer: appending past capacity overwrites the
// oldest line, so memory stays flat however long the tail runs. Lines are
// addressed by absolute sequence numbers that never repeat.
type ring struct {
	buf   []line
	start int   // index of the oldest line
	n     int   // lines held
	total int64 // lines ever appended
	// dropped: lines of this query let go to keep max (the header
	// says so: a paused reader loses lines without seeing them go).
	dropped int64
}

func newRing(capacity int) *ring {
	if capacity < 1 {
		capacity = 1
	}
	return &ring{buf: make([]line, 0, min(capacity, 4096)), n: 0}
}

func (r *ring) capacity() int { return cap(r.buf) }

// append adds a line, returning the evicted one (ok=false if none).
func (r *ring) append(l line, max int) (evicted line, ok bool) {
	r.total++
	if r.n < max {
		if len(r.buf) < max && r.start == 0 && r.n == len(r.buf) {
			if len(r.buf) == cap(r.buf) {
				// Room for max lines at most: append's own growth
				// went past it (112,896 lines' room for 100,000, kept
				// for as long as the tail runs). A quarter more each
				// time, as append grows a big slice: doubling held
				// more room than append while the buffer fills.
				grown := make([]line, len(r.buf), min(max, cap(r.buf)+cap(r.buf)/4+1))
				copy(grown, r.buf)
				r.buf = grown
			}
			r.buf = append(r.buf, l)
			r.n++
			return line{}, false
		}
		r.buf[(r.start+r.n)%len(r.buf)] = l
		r.n++
		return line{}, false
	}
	evicted = r.buf[r.start]
	r.dropped++
	r.buf[r.start] = l
	r.start = (r.start + 1) % len(r.buf)
	return evicted, true
}

// reset empties the ring (a new query) into new room: the old room kept
// the last query's text and labels alive past len until new lines
// overwrote them, up to BufferLines of them (review of rss1k4), and a
// big query's room is not the next one's.
func (r *ring) reset() {
	r.buf, r.start, r.n, r.dropped = make([]line, 0, min(cap(r.buf), 4096)), 0, 0, 0
}

// first is the sequence number of the oldest held line.
func (r *ring) first() int64 { return r.total - int64(r.n) }

// last is the sequence number of the newest line (first-1 when empty).
func (r *ring) last() int64 { return r.total - 1 }

// at returns the line with sequence number seq.
func (r *ring) at(seq int64) (*line, bool) {
	i := seq - r.first()
	if i < 0 || i >= int64(r.n) {
		return nil, false
	}
	return &r.buf[(r.start+int(i))%len(r.buf)], true
}
