// Package audit appends one JSON line per action attempt (who, when, what,
// target, outcome, error) to a file in the XDG state dir. Every action the
// shell runs — including ones refused in read-only mode — is recorded.
package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"
)

// Entry is one audit record.
type Entry struct {
	Time      time.Time         `json:"time"`
	OSUser    string            `json:"os_user"`
	CloudUser string            `json:"cloud_user,omitempty"`
	Cloud     string            `json:"cloud,omitempty"`
	Action    string            `json:"action"`
	Target    string            `json:"target"`
	Outcome   string            `json:"outcome"` // started, ok, failed, refused, cancelled
	Error     string            `json:"error,omitempty"`
	Result    string            `json:"result,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
	ReadOnly  bool              `json:"readonly,omitempty"`
}

// Log is an append-only JSONL audit file.
type Log struct {
	mu        sync.Mutex
	path      string
	OSUser    string
	CloudUser string
	Cloud     string
	now       func() time.Time
}

// Open returns a log at path (created with 0600 on first write).
func Open(path string) *Log {
	u := os.Getenv("USER")
	if cu, err := user.Current(); err == nil && cu.Username != "" {
		u = cu.Username
	}
	return &Log{path: path, OSUser: u, now: time.Now}
}

// Path is the file path.
func (l *Log) Path() string { return l.path }

// Record appends e, filling who and when. It returns an error when the record
// could not be written: callers must not run an action they cannot audit.
func (l *Log) Record(e Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = l.now().UTC()
	}
	if e.OSUser == "" {
		e.OSUser = l.OSUser
	}
	if e.CloudUser == "" {
		e.CloudUser = l.CloudUser
	}
	if e.Cloud == "" {
		e.Cloud = l.Cloud
	}
	e = e.redacted()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	b, _ := json.Marshal(e)
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// Tail returns the last n entries (oldest first). Unparsable lines are
// skipped, not fatal: the log is for people.
func (l *Log) Tail(n int) ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.Open(l.path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var all []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			all = append(all, e)
			if len(all) > 4*n && n > 0 {
				all = all[len(all)-n:]
			}
		}
	}
	if n > 0 && len(all) > n {
		all = all[len(all)-n:]
	}
	return all, sc.Err()
}
