package ops

// A lock file per target: the kernel's flock is the mutual exclusion (it
// dies with its process, so a crash never leaves a target locked), and the
// file's content names the owner (user, pid, machine) for the message a
// second process shows. Content left by a process that died without
// releasing is reported when the lock is taken over.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LockInfo is who holds a target.
type LockInfo struct {
	User    string    `json:"user"`
	PID     int       `json:"pid"`
	Machine string    `json:"machine,omitempty"`
	Op      string    `json:"op"`
	Cloud   string    `json:"cloud,omitempty"`
	Target  string    `json:"target"`
	ID      string    `json:"id"` // the journal
	Since   time.Time `json:"since"`
}

func (li LockInfo) String() string {
	s := fmt.Sprintf("%s (pid %d", orDash(li.User), li.PID)
	if li.Machine != "" {
		s += " on " + li.Machine
	}
	return s + ", since " + li.Since.Local().Format("15:04:05") + ")"
}

// ErrLocked is returned when another process runs an operation on the target.
var ErrLocked = errors.New("locked")

// Lock is a held target lock.
type Lock struct {
	f    *os.File
	info LockInfo
}

// lockPath is the lock file of target under dir: per cloud, as compute04
// of one cloud is not compute04 of another.
func lockPath(dir, cloud, target string) string {
	name := fileSafe(target)
	if cloud != "" {
		name = fileSafe(cloud) + "_" + name
	}
	return filepath.Join(dir, "locks", name+".lock")
}

// fileSafe keeps a target usable as a file name.
func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	if b.Len() == 0 || strings.Trim(b.String(), ".") == "" {
		return "_"
	}
	return b.String()
}

// acquire takes the lock of info.Target. note says when it took over a
// lock left by a process that died.
func acquire(dir string, info LockInfo) (l *Lock, note string, err error) {
	path := lockPath(dir, info.Cloud, info.Target)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, "", err
	}
	prev, _ := readLock(f)
	var err2 error
	for try := 0; try < 5; try++ { // ride out a Holder's brief probe
		if err2 = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); !errors.Is(err2, syscall.EWOULDBLOCK) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := err2; err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			// Re-read: the holder may have written it after our first read.
			if g, err := os.Open(path); err == nil {
				prev, _ = readLock(g)
				g.Close()
			}
			return nil, "", fmt.Errorf("%w: %s %s is running it: %s", ErrLocked, info.Target, prev.Op, prev)
		}
		return nil, "", err
	}
	// We hold it. Content from an earlier holder means it died holding it.
	if prev, err := readLock(f); err == nil && prev.PID != 0 {
		state := "no longer running"
		if prev.Machine != "" && prev.Machine != info.Machine {
			state = "lock not held (other machine)"
		} else if alive(prev.PID) && prev.PID != os.Getpid() {
			state = "pid reused, lock not held"
		}
		note = fmt.Sprintf("took over the stale lock on %s of %s %s: %s", info.Target, prev.Op, prev, state)
	}
	b, _ := json.Marshal(info)
	if err := writeAll(f, b); err != nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		return nil, "", err
	}
	return &Lock{f: f, info: info}, note, nil
}

func writeAll(f *os.File, b []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

func readLock(f *os.File) (LockInfo, error) {
	var li LockInfo
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return li, err
	}
	b, err := io.ReadAll(io.LimitReader(f, 64*1024))
	if err != nil {
		return li, err
	}
	if len(b) == 0 {
		return li, errors.New("empty")
	}
	return li, json.Unmarshal(b, &li)
}

// Release empties the file (a clean release leaves no owner behind) and
// unlocks it.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Truncate(0)
	if e := l.f.Sync(); err == nil {
		err = e
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if e := l.f.Close(); err == nil {
		err = e
	}
	l.f = nil
	return err
}

// Holder says who holds cloud's target's lock (ok false: nobody).
func Holder(dir, cloud, target string) (LockInfo, bool) {
	f, err := os.Open(lockPath(dir, cloud, target))
	if err != nil {
		return LockInfo{}, false
	}
	defer f.Close()
	// A shared probe: it fails only while someone holds it exclusively.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return LockInfo{}, false
	}
	li, _ := readLock(f)
	return li, true
}

// alive: a process with this pid exists (EPERM: it exists, not ours).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
