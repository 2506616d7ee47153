package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/views/pane"
)

type failingPane struct{ *fakePane }

func (f failingPane) Status() pane.Status {
	return pane.Status{Err: errors.New("unreachable: prometheus at http://prom:S3cretPW@127.0.0.1:1/?token=S3cretPW: refused")}
}

// A pane's error and a toast never show a password written into a URL.
func TestStatusLineAndToastRedactURLs(t *testing.T) {
	e := newEnv(t, false)
	e.m.o.Panes[0].Pane = failingPane{e.one}
	e.m.Update(pane.ToastMsg{Level: themes.Crit, Text: "silence failed: POST http://am:S3cretPW@h/api/v2/silences"})
	scr := e.m.Render()
	if strings.Contains(scr, "S3cretPW") || !strings.Contains(scr, "prom:***@") || !strings.Contains(scr, "am:***@") {
		t.Fatalf("screen:\n%s", scr)
	}
}
