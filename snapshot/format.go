package snapshot

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stackpit/stackpit/ui/safe"
)

// Text writes a plain report for a terminal or a log. Untrusted text
// (alert summaries, host names) goes through ui/safe.
func (r Report) Text(w io.Writer) error {
	// The status line comes first: monitoring plugins' first line is theirs.
	fmt.Fprintf(w, "%s\n", safe.Text(r.Summary()))
	fmt.Fprintf(w, "stackpit snapshot of %s%s at %s\n", safe.Text(cloudName(r)), region(r), r.Time.Format("2006-01-02 15:04:05Z"))
	if r.Incident != "" {
		fmt.Fprintf(w, "incident: %s\n", safe.Text(r.Incident))
	}
	fmt.Fprintf(w, "checked: %s\n", checkedLine(r))
	if r.Hint != "" {
		fmt.Fprintf(w, "to configure: %s\n", safe.Text(r.Hint))
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(w)
	}
	for _, f := range r.Findings {
		host := ""
		if f.Host != "" {
			host = safe.Text(f.Host) + ": "
		}
		fmt.Fprintf(w, "%-4s %-8s %s%s\n", f.Level, f.Area, host, safe.Text(f.What))
	}
	return nil
}

// Markdown writes a report to paste into an incident ticket.
func (r Report) Markdown(w io.Writer) error {
	fmt.Fprintf(w, "## stackpit snapshot: %s%s\n\n", md(cloudName(r)), region(r))
	fmt.Fprintf(w, "**%s** at %s  \nchecked: %s\n\n", md(r.Summary()), r.Time.Format("2006-01-02 15:04:05Z"), checkedLine(r))
	if r.Incident != "" {
		fmt.Fprintf(w, "incident: %s\n\n", md(r.Incident))
	}
	if r.Hint != "" {
		fmt.Fprintf(w, "to configure: %s\n\n", md(r.Hint))
	}
	if len(r.Findings) == 0 {
		return nil
	}
	fmt.Fprintln(w, "| level | area | host | finding |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, f := range r.Findings {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", f.Level, f.Area, md(f.Host), md(f.What))
	}
	return nil
}

// JSON writes the report as one JSON document (encoding/json escapes
// control characters itself).
func (r Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func region(r Report) string {
	if r.Region == "" {
		return ""
	}
	return " (" + safe.Text(r.Region) + ")"
}

// md makes untrusted text safe inside a markdown table cell.
func md(s string) string {
	s = safe.Text(s)
	return strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;").Replace(s)
}

func cloudName(r Report) string {
	if r.Cloud == "" {
		return "(no cloud)"
	}
	return r.Cloud
}
