// Package audit appends one JSON line per action attempt (who locally and
// in OpenStack, when, what, target, the reason typed, destinations,
// outcome, error) to a file in the XDG state dir. Every action the shell
// runs — including ones refused in read-only mode — is recorded. An action
// whose reply was lost is recorded "unknown", then again with what a
// read-back found ("reconciled: done", "reconciled: not done",
// "reconciled: still unknown").
package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Entry is one audit record.
type Entry struct {
	Time   time.Time `json:"time"`
	OSUser string    `json:"os_user"` // the local (Unix) user
	// SSHUser and SSHKey: the person of a `stackpit serve` session (the
	// users file's name) and the fingerprint of the key they logged in with.
	SSHUser   string `json:"ssh_user,omitempty"`
	SSHKey    string `json:"ssh_key,omitempty"`
	CloudUser string `json:"cloud_user,omitempty"` // the OpenStack user
	Project   string `json:"project,omitempty"`    // the OpenStack project
	Cloud     string `json:"cloud,omitempty"`
	Action    string `json:"action"`
	Target    string `json:"target"`
	// Reason is what the operator typed as the why (a disable reason).
	Reason string `json:"reason,omitempty"`
	// Destinations are where the action sends things (target hosts).
	Destinations []string `json:"destinations,omitempty"`
	// Outcome: started, ok, failed, refused, cancelled, unknown (the reply
	// was lost), or "reconciled: done|not done|still unknown".
	Outcome  string            `json:"outcome"`
	Error    string            `json:"error,omitempty"`
	Result   string            `json:"result,omitempty"` // for a reconciled record: what the read-back found
	Details  map[string]string `json:"details,omitempty"`
	ReadOnly bool              `json:"readonly,omitempty"`
}

// Outcomes beyond the plain ones.
const (
	OutcomeUnknown        = "unknown"
	OutcomeReconciled     = "reconciled: done"
	OutcomeNotDone        = "reconciled: not done"
	OutcomeStillUnknown   = "reconciled: still unknown"
	reconciledOutcomeHead = "reconciled:"
)

// Reconciled reports whether outcome is a read-back's record.
func Reconciled(outcome string) bool { return strings.HasPrefix(outcome, reconciledOutcomeHead) }

// Log is an append-only JSONL audit file.
type Log struct {
	mu        sync.Mutex
	path      string
	OSUser    string
	CloudUser string
	Project   string
	Cloud     string
	SSHUser   string
	SSHKey    string
	now       func() time.Time
}

// SetSSH names the person behind a served session in every record.
func (l *Log) SetSSH(user, keyFingerprint string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.SSHUser, l.SSHKey = user, keyFingerprint
}

// SetIdentity sets the cloud, OpenStack user and project recorded from now
// on (a :cloud switch changes them while actions may be recording).
func (l *Log) SetIdentity(cloud, user, project string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Cloud, l.CloudUser, l.Project = cloud, user, project
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
	if e.SSHUser == "" {
		e.SSHUser, e.SSHKey = l.SSHUser, l.SSHKey
	}
	if e.Cloud == "" {
		e.Cloud = l.Cloud
	}
	if e.Project == "" {
		e.Project = l.Project
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
