package silences

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"sort"
	"strings"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/datasource/alertmanager"
	"github.com/stackpit/stackpit/ops"
	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// Source is what the alerts and silences panes need from Alertmanager;
// *alertmanager.Client implements it.
type Source interface {
	Alerts(ctx context.Context, f alertmanager.AlertFilter) (alertmanager.AlertsResult, error)
	Silences(ctx context.Context, filter alertmanager.Matchers) (alertmanager.SilencesResult, error)
	CreateSilence(ctx context.Context, s alertmanager.NewSilence) (id, instance string, err error)
	ExpireSilence(ctx context.Context, id string) (instance string, err error)
}

// DefaultAuthor is the OS user, as amtool defaults --author to $USER.
func DefaultAuthor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "stackpit"
}

// Presets are the duration choices of the silence form.
var Presets = []struct {
	Label string
	D     time.Duration
}{{"1h", time.Hour}, {"2h", 2 * time.Hour}, {"4h", 4 * time.Hour}, {"1d", 24 * time.Hour}}

const (
	fMatchers = iota
	fStarts
	fEnds
	fComment
	fAuthor
	numFields
)

var fieldLabels = [numFields]string{"Matchers", "Starts", "Duration", "Comment", "Author"}

const maxFieldLen = 1024

// Form is the silence editor shared by the alerts pane (prefilled from an
// alert) and the silences pane (from scratch). While open, its owner
// captures the keyboard. It previews, on every keystroke, which of the
// current alerts the silence would match.
type Form struct {
	// Title is the heading while the matchers are the ones the form opened
	// with; once they are edited the heading describes the new matchers.
	Title  string
	orig   string // matchers text the form opened with
	text   [numFields][]rune
	focus  int
	preset int // index in Presets; -1: custom end in text[fEnds]
	err    string
	now    func() time.Time
	alerts []alertmanager.Alert

	matchers alertmanager.Matchers
	parseErr error
}

// NewForm opens a form. The cursor starts on the matchers, the first field
// and the one that decides what gets silenced: the operator reads them
// before anything else.
func NewForm(title string, ms alertmanager.Matchers, author string, now func() time.Time, alerts []alertmanager.Alert) *Form {
	f := &Form{Title: title, preset: 1, now: now, alerts: alerts, orig: ms.String()}
	f.text[fMatchers] = []rune(f.orig)
	f.text[fStarts] = []rune("now")
	f.text[fAuthor] = []rune(author)
	f.focus = fMatchers
	f.reparse()
	return f
}

// Heading is the form's title: the opening title until the matchers are
// edited, then what the edited matchers silence.
func (f *Form) Heading() string {
	cur := strings.TrimSpace(string(f.text[fMatchers]))
	switch {
	case cur == f.orig:
		return f.Title
	case cur == "":
		return "New silence (no matchers yet)"
	case f.parseErr != nil:
		return "Silence " + cur + " (invalid)"
	}
	return "Silence " + f.matchers.String()
}

// SetAlerts refreshes the alerts the preview matches against.
func (f *Form) SetAlerts(as []alertmanager.Alert) { f.alerts = as }

// Focus is the focused field's label (for tests and help).
func (f *Form) Focus() string { return fieldLabels[f.focus] }

// Err is the last validation error.
func (f *Form) Err() string { return f.err }

func (f *Form) reparse() {
	f.matchers, f.parseErr = alertmanager.ParseMatchers(string(f.text[fMatchers]))
}

// FormResult is what a key press did to the form.
type FormResult int

const (
	FormOpen FormResult = iota
	FormCancelled
	FormSubmitted
)

// Key handles one key press. On FormSubmitted, Silence returns the silence
// to create.
func (f *Form) Key(msg tea.KeyPressMsg) FormResult {
	k := msg.String()
	switch k {
	case "esc", "ctrl+c":
		return FormCancelled
	case "tab", "down":
		f.focus = (f.focus + 1) % numFields
		return FormOpen
	case "shift+tab", "up":
		f.focus = (f.focus + numFields - 1) % numFields
		return FormOpen
	case "enter", "ctrl+s":
		if _, err := f.Silence(); err != nil {
			f.err = err.Error()
			return FormOpen
		}
		f.err = ""
		return FormSubmitted
	case "left", "right":
		// Text fields have no cursor to move, so the arrows pick the
		// duration from any field, as the hint line says.
		d := 1
		if k == "left" {
			d = -1
		}
		if f.preset < 0 {
			f.preset = 0
		} else {
			f.preset = (f.preset + d + len(Presets)) % len(Presets)
		}
		f.text[fEnds] = nil
		return FormOpen
	case "backspace":
		t := f.text[f.focus]
		if len(t) > 0 {
			f.text[f.focus] = t[:len(t)-1]
		}
	case "ctrl+u":
		f.text[f.focus] = nil
	default:
		if msg.Text == "" || len(f.text[f.focus]) >= maxFieldLen || !printable(msg.Text) {
			return FormOpen
		}
		f.text[f.focus] = append(f.text[f.focus], []rune(msg.Text)...)
	}
	if f.focus == fEnds {
		f.preset = -1
		if len(f.text[fEnds]) == 0 {
			f.preset = 1
		}
	}
	if f.focus == fMatchers {
		f.reparse()
	}
	f.err = ""
	return FormOpen
}

// printable refuses control characters (pasted escapes, backspace bytes):
// form values end up in the Alertmanager and in the audit log.
func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}

// times resolves the start and end.
func (f *Form) times() (start, end time.Time, err error) {
	now := f.now()
	start, err = ParseWhen(string(f.text[fStarts]), now)
	if err != nil {
		return start, end, fmt.Errorf("starts: %v", err)
	}
	if f.preset >= 0 {
		return start, start.Add(Presets[f.preset].D), nil
	}
	s := strings.TrimSpace(string(f.text[fEnds]))
	if d, derr := parseDuration(s); derr == nil {
		return start, start.Add(d), nil
	}
	end, err = ParseWhen(s, now)
	if err != nil {
		return start, end, fmt.Errorf("duration/end: want 1h, 90m, 3d or an end time like %s", now.Add(2*time.Hour).Format("2006-01-02 15:04"))
	}
	return start, end, nil
}

// ParseWhen reads "now", "+2h" (from now), "2006-01-02 15:04", "15:04"
// (today, in now's zone) or RFC 3339.
func ParseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.EqualFold(s, "now"):
		return now, nil
	case strings.HasPrefix(s, "+"):
		d, err := parseDuration(s[1:])
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	loc := now.Location()
	if t, err := time.ParseInLocation("2006-01-02 15:04", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("15:04", s, loc); err == nil {
		y, m, d := now.Date()
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (now, +2h, 2006-01-02 15:04, 15:04)", s)
}

// parseDuration accepts Go durations plus days ("1d", "2d12h").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.Index(s, "d"); i > 0 {
		var n int
		if _, err := fmt.Sscanf(s[:i], "%d", &n); err != nil || fmt.Sprint(n) != s[:i] {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d+days <= 0 {
		return 0, fmt.Errorf("duration must be positive")
	}
	return d + days, nil
}

// Silence validates the form and returns the silence to create.
func (f *Form) Silence() (alertmanager.NewSilence, error) {
	var s alertmanager.NewSilence
	if f.parseErr != nil {
		return s, fmt.Errorf("matchers: %v", f.parseErr)
	}
	if len(f.matchers) == 0 {
		return s, fmt.Errorf(`matchers: at least one is required, e.g. host="compute04"`)
	}
	allEmpty := true
	for _, m := range f.matchers {
		if !m.Matches(map[string]string{}) {
			allEmpty = false
		}
	}
	if allEmpty {
		return s, fmt.Errorf("matchers: at least one must not match the empty string (it would silence everything)")
	}
	start, end, err := f.times()
	if err != nil {
		return s, err
	}
	now := f.now()
	if !end.After(start) {
		return s, fmt.Errorf("end must be after start")
	}
	if !end.After(now) {
		return s, fmt.Errorf("end time is in the past")
	}
	comment := strings.TrimSpace(string(f.text[fComment]))
	if comment == "" {
		return s, fmt.Errorf("comment: required (reason, ticket)")
	}
	author := strings.TrimSpace(string(f.text[fAuthor]))
	if author == "" {
		return s, fmt.Errorf("author: required")
	}
	return alertmanager.NewSilence{Matchers: f.matchers, StartsAt: start, EndsAt: end, CreatedBy: author, Comment: comment}, nil
}

// Preview returns the current alerts the silence would match.
func (f *Form) Preview() []alertmanager.Alert {
	if f.parseErr != nil || len(f.matchers) == 0 {
		return nil
	}
	var out []alertmanager.Alert
	for _, a := range f.alerts {
		if f.matchers.Matches(a.Labels) {
			out = append(out, a)
		}
	}
	// Most severe first, firing before suppressed.
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := SeverityRank(out[i].Severity()), SeverityRank(out[j].Severity())
		if ri != rj {
			return ri < rj
		}
		return StateLabel(out[i]) == "active" && StateLabel(out[j]) != "active"
	})
	return out
}

// CreateAction is the pane action that creates s through src (the work is
// ops.CreateSilence); a lost reply is read back from the silence list.
func CreateAction(src Source, s alertmanager.NewSilence) pane.Action {
	chk := &ops.SilenceCheck{Reader: src, Silence: s}
	return pane.Action{
		Name: "silence-create", Target: s.Matchers.String(), Mutates: true,
		Details: map[string]string{"matchers": s.Matchers.String(), "starts": s.StartsAt.UTC().Format(time.RFC3339),
			"ends": s.EndsAt.UTC().Format(time.RFC3339), "author": s.CreatedBy, "comment": s.Comment},
		Reason:    s.Comment,
		Reconcile: chk.ReadBack,
		Run: func(ctx context.Context, report func(pane.Progress)) (string, error) {
			chk.Before(ctx)
			return ops.CreateSilence(ctx, src, s, progress(report))
		},
	}
}

// progress hands an operation's steps to the shell.
func progress(report func(pane.Progress)) func(ops.Step) {
	return func(s ops.Step) {
		if report != nil {
			report(pane.Progress{Done: s.Done, Total: s.Total, Line: s.Line})
		}
	}
}

// View renders the form and its preview in width x height.
func (f *Form) View(width, height int, th *themes.Theme) string {
	if width < 1 || height < 1 {
		return ""
	}
	var lines []string
	add := func(s string) { lines = append(lines, s) }
	add(th.Render(themes.Title, safe.Fit(f.Heading(), width)))
	lw := 10
	for i := 0; i < numFields; i++ {
		mark := "  "
		if i == f.focus {
			mark = "▸ "
		}
		label := safe.Pad(fieldLabels[i], lw)
		var val string
		cursor := ""
		if i == f.focus {
			cursor = "█"
		}
		switch i {
		case fEnds:
			var ps []string
			for j, p := range Presets {
				if j == f.preset {
					ps = append(ps, "["+p.Label+"]")
				} else {
					ps = append(ps, " "+p.Label+" ")
				}
			}
			custom := string(f.text[fEnds]) + cursor
			if custom == "" {
				custom = "(type 90m or an end time)"
			}
			val = strings.Join(ps, "") + " or " + custom
			if start, end, err := f.times(); err == nil {
				val += "  → until " + end.Format("2006-01-02 15:04") + " (" + pane.Age(end.Sub(start)) + ")"
			}
		case fComment:
			val = string(f.text[i]) + cursor
			if len(f.text[i]) == 0 {
				val += " (required)"
			}
		default:
			val = string(f.text[i]) + cursor
		}
		line := mark + label + " " + safe.Text(val)
		role := themes.Normal
		if i == f.focus {
			role = themes.Info
		}
		add(th.Render(role, safe.Fit(line, width)))
	}
	switch {
	case f.err != "":
		add(th.Render(themes.Crit, safe.Fit("✗ "+f.err, width)))
	case f.parseErr != nil:
		add(th.Render(themes.Warn, safe.Fit("✗ matchers: "+f.parseErr.Error(), width)))
	default:
		add(th.Render(themes.Muted, safe.Fit("tab next · ←/→ duration · enter create · esc cancel", width)))
	}
	prev := f.Preview()
	firing := 0
	for _, a := range prev {
		if a.Status.State == "active" {
			firing++
		}
	}
	add(th.Render(themes.Header, safe.Pad(fmt.Sprintf("Preview: matches %d of %d current alerts (%d firing)", len(prev), len(f.alerts), firing), width)))
	room := height - len(lines)
	for i, a := range prev {
		if room <= 0 {
			break
		}
		if i == room-1 && len(prev) > room {
			add(th.Render(themes.Muted, safe.Fit(fmt.Sprintf("  … %d more", len(prev)-i), width)))
			break
		}
		sev, role := SeverityLabel(a.Severity())
		line := safe.Pad(sev, 5) + " " + safe.Pad(StateLabel(a), 10) + " " + safe.Pad(a.Name(), 18) + " " +
			safe.Pad(a.Host(), 10) + " " + safe.Text(a.Annotations["summary"])
		add(th.Render(role, safe.Fit(line, width)))
		room--
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return strings.Join(lines, "\n")
}

// SeverityRank orders severities, most urgent first.
func SeverityRank(sev string) int {
	switch strings.ToLower(sev) {
	case "critical", "crit", "page", "error":
		return 0
	case "warning", "warn":
		return 1
	case "info", "informational":
		return 2
	case "":
		return 4
	}
	return 3
}

// SeverityLabel is the severity as a word and its theme role (colour is
// never the only signal).
func SeverityLabel(sev string) (string, themes.Role) {
	switch SeverityRank(sev) {
	case 0:
		return "CRIT", themes.Crit
	case 1:
		return "WARN", themes.Warn
	case 2:
		return "INFO", themes.Info
	case 4:
		return "NONE", themes.Muted
	}
	return strings.ToUpper(sev), themes.Normal
}

// StateLabel is "active", "silenced", "inhibited" or "silenced+inh".
func StateLabel(a alertmanager.Alert) string {
	switch {
	case a.Silenced() && a.Inhibited():
		return "silenced+inh"
	case a.Silenced():
		return "silenced"
	case a.Inhibited():
		return "inhibited"
	case a.Status.State == "" || a.Status.State == "active":
		return "active"
	}
	return a.Status.State
}
