package themes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestExampleThemeParses(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile("example.yaml", data)
	if err != nil || s.Name != "solarized-dark" || s.Roles[Crit].FG != "#dc322f" {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestBadThemeNamesLine(t *testing.T) {
	_, err := ParseFile("x.yaml", []byte("name: x\nroles:\n  ok: {fg: \"#12\"}\n  nope: {fg: \"1\"}\n"))
	if err == nil || !strings.Contains(err.Error(), "x.yaml:3: role ok: bad colour") || !strings.Contains(err.Error(), "x.yaml:4: unknown role \"nope\"") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadUserThenBuiltin(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("roles:\n  ok: {fg: \"2\"}\n"), 0o644)
	if s, err := Load(dir, "mine"); err != nil || s.Name != "mine" {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := Load(dir, "light"); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, "nope"); err == nil {
		t.Fatal("unknown theme accepted")
	}
}

func TestNoColorKeepsAttributesOnly(t *testing.T) {
	for _, name := range BuiltinNames() {
		s, _ := Builtin(name)
		th := Build(s, true)
		out := th.Render(Crit, "DOWN")
		if strings.Contains(out, "38;") || strings.Contains(out, "48;") || strings.Contains(out, "[3") && strings.Contains(out, "m") && strings.Contains(out, "\x1b[31") {
			t.Fatalf("%s: colour in NO_COLOR output: %q", name, out)
		}
		if ansi.Strip(out) != "DOWN" {
			t.Fatalf("%s: text changed: %q", name, out)
		}
	}
}
