package ceph

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// cliRunner answers ceph CLI calls from a recorded state's cli/ directory.
func cliRunner(t *testing.T, state string, calls *[]string) Runner {
	files := map[string]string{"health detail": "health_detail.json", "osd dump": "osd_dump.json", "osd tree": "osd_tree.json",
		"osd df": "osd_df.json", "df": "df.json", "pg stat": "pg_stat.json", "mon stat": "mon_stat.json", "progress json": "progress.json"}
	return func(ctx context.Context, args ...string) ([]byte, []byte, error) {
		key := strings.TrimSuffix(strings.Join(args, " "), " -f json")
		if calls != nil {
			*calls = append(*calls, key)
		}
		f, ok := files[key]
		if !ok {
			return nil, []byte("unknown command"), fmt.Errorf("exit status 22")
		}
		b, err := os.ReadFile(filepath.Join(fixtures, state, "cli", f))
		return b, nil, err
	}
}

func TestCommandSnapshotFromRecordedCLI(t *testing.T) {
	for _, st := range states {
		t.Run(st, func(t *testing.T) {
			c, err := NewCommandWithRunner(cliRunner(t, st, nil), true).Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			dash := snapshotState(t, st)
			if c.Status != dash.Status || len(c.Checks) != len(dash.Checks) {
				t.Errorf("status %s/%d checks, dashboard says %s/%d", c.Status, len(c.Checks), dash.Status, len(dash.Checks))
			}
			if len(c.OSDs) != 3 || c.OSDs[2].Host != "compute03" || len(c.Pools) != len(dash.Pools) || len(c.Mons) != 1 {
				t.Errorf("osds %+v pools %d mons %+v", c.OSDs, len(c.Pools), c.Mons)
			}
			for i, o := range c.OSDs {
				if o.Up != dash.OSDs[i].Up || o.In != dash.OSDs[i].In || o.DeviceClass != "hdd" {
					t.Errorf("%s: cli %+v dashboard %+v", o.Name, o, dash.OSDs[i])
				}
			}
			if c.HasFlag("noout") != dash.HasFlag("noout") || c.NumPGs() == 0 {
				t.Errorf("flags %v pgs %v", c.Flags, c.PGStates)
			}
			if len(c.Notes) > 0 {
				t.Errorf("notes %v", c.Notes)
			}
		})
	}
	c, _ := NewCommandWithRunner(cliRunner(t, "05_warn_recovering", nil), true).Snapshot(context.Background())
	if len(c.Progress) != 2 || c.Progress[0].Fraction < 0.8 {
		t.Errorf("progress %+v", c.Progress)
	}
}

func TestCommandActions(t *testing.T) {
	var calls []string
	ro := NewCommandWithRunner(cliRunner(t, "01_health_ok", &calls), true)
	if err := ro.SetNoout(context.Background(), true); !errors.Is(err, httpclient.ErrReadOnly) {
		t.Fatalf("read-only: %v", err)
	}
	if len(calls) != 0 {
		t.Fatalf("read-only command ran %v", calls)
	}
	// `ceph osd out 99` exits 0 and only says "does not exist".
	rw := NewCommandWithRunner(func(ctx context.Context, args ...string) ([]byte, []byte, error) {
		if args[0] == "osd" && args[1] == "out" {
			return nil, []byte("osd.99 does not exist. "), nil
		}
		return cliRunner(t, "01_health_ok", nil)(ctx, args...)
	}, false)
	if err := rw.MarkOSD(context.Background(), 99, false); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
}
