package panels

import (
	"math"
	"strings"

	"github.com/stackpit/stackpit/themes"
)

// A small braille plotter: each cell holds 2x4 dots, so a chart w cells
// wide has 2w horizontal dots. No chart library for Bubble Tea v2 /
// Lip Gloss v2 was usable here, and this is all the dashboard needs.

var brailleBits = [4][2]rune{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

type canvas struct {
	w, h  int
	dots  []rune        // per cell bit mask
	roles []themes.Role // per cell: role of the last series drawn there
	marks []rune        // per cell: series letter drawn instead of dots (0: none)
}

func newCanvas(w, h int) *canvas {
	return &canvas{w: w, h: h, dots: make([]rune, w*h), roles: make([]themes.Role, w*h), marks: make([]rune, w*h)}
}

func (c *canvas) set(px, py int, r themes.Role) {
	if px < 0 || py < 0 || px >= c.w*2 || py >= c.h*4 {
		return
	}
	i := (py/4)*c.w + px/2
	c.dots[i] |= brailleBits[py%4][px%2]
	c.roles[i] = r
}

// mark puts a letter in the cell holding dot (px, py), or in the nearest
// free cell to its left when another series' letter is already there.
func (c *canvas) mark(px, py int, m rune, r themes.Role) {
	if px < 0 || py < 0 || px >= c.w*2 || py >= c.h*4 {
		return
	}
	row := py / 4
	for col := px / 2; col >= 0; col-- {
		if i := row*c.w + col; c.marks[i] == 0 {
			c.marks[i] = m
			c.roles[i] = r
			return
		}
	}
}

// line draws from (x0,y0) to (x1,y1); keep (nil: every dot) decides from
// the running dot counter *k whether a dot is drawn, giving dashed styles.
func (c *canvas) line(x0, y0, x1, y1 int, r themes.Role, keep func(int) bool, k *int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for first := true; ; first = false {
		if !first || k == nil {
			if k != nil {
				*k++
			}
			if keep == nil || k == nil || keep(*k) {
				c.set(x0, y0, r)
			}
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// chartSeries is one series in chart coordinates: x in [0,1] (time), y raw.
type chartSeries struct {
	xs, ys []float64
	role   themes.Role
	gapX   float64 // don't connect points further apart than this
	// style tells series apart without colour: 0 solid, then dash patterns
	// (see seriesMarker); mark (0: none) is drawn at the series' last point.
	style int
	mark  rune
}

// seriesStyles are the line styles (legend glyph and dot pattern over the
// running dot count) cycled through by series index.
var seriesStyles = []struct {
	glyph string
	keep  func(int) bool
}{
	{"━", nil},
	{"╍", func(k int) bool { return k%6 < 4 }},
	{"┅", func(k int) bool { return k%4 < 2 }},
	{"┉", func(k int) bool { return k%3 == 0 }},
	{"─", func(k int) bool { return k%8 < 6 }},
	{"┄", func(k int) bool { return k%5 < 1 }},
}

// seriesLetter is the letter marking series i in the legend and the plot.
func seriesLetter(i int) rune { return rune('a' + i%26) }

// seriesMarker is the legend marker of series i of n: line style glyph plus
// its letter when there is more than one series.
func seriesMarker(i, n int) string {
	g := seriesStyles[i%len(seriesStyles)].glyph
	if n <= 1 {
		return g + " "
	}
	return g + string(seriesLetter(i))
}

// plot draws series on a w x h cell canvas with y in [ymin, ymax] and an
// optional dotted threshold line; returns styled lines.
func plot(series []chartSeries, w, h int, ymin, ymax float64, thr *float64, thrRole themes.Role, th *themes.Theme) []string {
	c := newCanvas(w, h)
	if ymax <= ymin {
		ymax = ymin + 1
	}
	py := func(v float64) int {
		f := (v - ymin) / (ymax - ymin)
		return int(math.Round(float64(h*4-1) * (1 - f)))
	}
	px := func(x float64) int { return int(math.Round(x * float64(w*2-1))) }
	if thr != nil && *thr >= ymin && *thr <= ymax {
		y := py(*thr)
		for x := 0; x < w*2; x += 3 {
			c.set(x, y, thrRole)
		}
	}
	for _, s := range series {
		prevOK := false
		var lx, ly int
		var lxf float64
		keep := seriesStyles[s.style%len(seriesStyles)].keep
		k := 0
		for i := range s.xs {
			if math.IsNaN(s.ys[i]) || math.IsInf(s.ys[i], 0) {
				prevOK = false
				continue
			}
			x, y := px(s.xs[i]), py(s.ys[i])
			if prevOK && (s.gapX <= 0 || s.xs[i]-lxf <= s.gapX) {
				c.line(lx, ly, x, y, s.role, keep, &k)
			} else {
				k++
				c.set(x, y, s.role)
			}
			lx, ly, lxf, prevOK = x, y, s.xs[i], true
		}
	}
	// Letters last, so a later series' dots don't hide an earlier letter.
	for _, s := range series {
		if s.mark == 0 {
			continue
		}
		for i := len(s.xs) - 1; i >= 0; i-- {
			if !math.IsNaN(s.ys[i]) && !math.IsInf(s.ys[i], 0) {
				c.mark(px(s.xs[i]), py(s.ys[i]), s.mark, s.role)
				break
			}
		}
	}
	out := make([]string, h)
	var b strings.Builder
	// Style each role once: Render per run is the hot spot with many series.
	wrap := map[themes.Role][2]string{}
	style := func(r themes.Role) [2]string {
		if w, ok := wrap[r]; ok {
			return w
		}
		x := th.Render(r, "x")
		i := strings.Index(x, "x")
		w := [2]string{x[:i], x[i+1:]}
		wrap[r] = w
		return w
	}
	for row := 0; row < h; row++ {
		b.Reset()
		var run strings.Builder
		runRole := themes.Role(-1)
		flush := func() {
			if run.Len() == 0 {
				return
			}
			if runRole <= 0 {
				b.WriteString(run.String())
			} else {
				w := style(runRole)
				b.WriteString(w[0])
				b.WriteString(run.String())
				b.WriteString(w[1])
			}
			run.Reset()
		}
		for col := 0; col < w; col++ {
			i := row*w + col
			r := c.roles[i]
			ch := ' '
			if c.marks[i] != 0 {
				ch = c.marks[i]
			} else if c.dots[i] != 0 {
				ch = 0x2800 + c.dots[i]
			} else {
				r = 0
			}
			if r != runRole {
				flush()
				runRole = r
			}
			run.WriteRune(ch)
		}
		flush()
		out[row] = b.String()
	}
	return out
}

// blocks renders a one-line sparkline with block characters.
func blocks(vals []float64, w int, ymin, ymax float64) string {
	const bars = "▁▂▃▄▅▆▇█"
	rs := []rune(bars)
	if len(vals) == 0 || w <= 0 {
		return strings.Repeat(" ", max(w, 0))
	}
	if ymax <= ymin {
		ymax = ymin + 1
	}
	var b strings.Builder
	for i := 0; i < w; i++ {
		j := i * len(vals) / w
		if len(vals) > w {
			j = len(vals) - w + i
		}
		if j >= len(vals) || j < 0 {
			b.WriteByte(' ')
			continue
		}
		v := vals[j]
		if math.IsNaN(v) {
			b.WriteByte(' ')
			continue
		}
		k := int((v - ymin) / (ymax - ymin) * float64(len(rs)-1))
		k = max(0, min(len(rs)-1, k))
		b.WriteRune(rs[k])
	}
	return b.String()
}
