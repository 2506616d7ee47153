package ops

// Journals: one append-only JSON-lines file per operation under
// $XDG_STATE_HOME/stackpit/ops, every record fsync'd before the operation
// goes on. A crash can at worst leave a torn last line, which reading
// skips; an operation without an end record whose lock nobody holds was
// cut off. Resuming appends to the same journal.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Meta describes one operation.
type Meta struct {
	ID      string            `json:"id"`
	Op      string            `json:"op"`   // "evacuate-host"
	Pane    string            `json:"pane"` // where it is resumed ("compute")
	Target  string            `json:"target"`
	Cloud   string            `json:"cloud,omitempty"`
	User    string            `json:"user"`
	PID     int               `json:"pid"`
	Machine string            `json:"machine,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

// Record is one journal line.
type Record struct {
	Time  time.Time  `json:"time"`
	Kind  string     `json:"kind"` // start, resume, note, step, stop, end
	Meta  *Meta      `json:"meta,omitempty"`
	Insts []Instance `json:"instances,omitempty"` // start, resume: the plan
	Inst  *Instance  `json:"inst,omitempty"`      // step
	Text  string     `json:"text,omitempty"`      // note, stop, end (summary)
	Phase string     `json:"phase,omitempty"`     // note: a recovery's phase reached
	// Outcome of an end record: ok, failed, interrupted, stopped.
	Outcome string `json:"outcome,omitempty"`
}

// Outcomes and statuses of an operation.
const (
	StatusRunning     = "running"
	StatusInterrupted = "interrupted"
	StatusStopped     = "stopped"
	StatusFailed      = "failed"
	StatusOK          = "ok"
	// StatusUnverified: a move was requested but not seen to complete
	// (still moving when its watch ended); resuming watches it again.
	StatusUnverified = "unverified"
)

// Store keeps the journals and locks of one state dir.
type Store struct {
	dir     string
	User    string
	PID     int
	Machine string
	Cloud   string
	now     func() time.Time

	mu     sync.Mutex
	active map[*Journal]bool
}

// NewStore uses dir (…/stackpit/ops) for journals and locks.
func NewStore(dir string) *Store {
	u := os.Getenv("USER")
	if cu, err := user.Current(); err == nil && cu.Username != "" {
		u = cu.Username
	}
	m, _ := os.Hostname()
	return &Store{dir: dir, User: u, PID: os.Getpid(), Machine: m, now: time.Now, active: map[*Journal]bool{}}
}

// Dir is the store's directory.
func (s *Store) Dir() string {
	if s == nil {
		return ""
	}
	return s.dir
}

// Holder says who runs an operation on target of the store's cloud now.
func (s *Store) Holder(target string) (LockInfo, bool) { return Holder(s.dir, s.Cloud, target) }

// Journal is one running operation's journal and target lock.
type Journal struct {
	s      *Store
	meta   Meta
	path   string
	f      *os.File
	lock   *Lock
	cancel context.CancelCauseFunc
	done   chan struct{}

	mu    sync.Mutex
	state map[string]State
	err   error
	ended bool
	// Note says the target's lock was taken over from a dead process.
	Note string
}

// ID is the journal's id.
func (j *Journal) ID() string { return j.meta.ID }

// Begin locks meta.Target and starts its journal: a new one, or resumeID's
// (the operation is being resumed). The returned context is cancelled with
// ErrInterrupted by Interrupt.
func (s *Store) Begin(ctx context.Context, meta Meta, resumeID string) (*Journal, context.Context, error) {
	meta.User, meta.PID, meta.Machine = s.User, s.PID, s.Machine
	if meta.Cloud == "" {
		meta.Cloud = s.Cloud
	}
	now := s.now().UTC()
	kind := "start"
	if resumeID != "" {
		meta.ID, kind = resumeID, "resume"
	} else {
		meta.ID = now.Format("20060102T150405.000Z") + "-" + fileSafe(meta.Op) + "-" + fileSafe(meta.Target)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, ctx, fmt.Errorf("operation journal: %w", err)
	}
	lock, note, err := acquire(s.dir, LockInfo{User: meta.User, PID: meta.PID, Machine: meta.Machine, Op: meta.Op,
		Cloud: meta.Cloud, Target: meta.Target, ID: meta.ID, Since: now})
	if err != nil {
		return nil, ctx, err
	}
	path := filepath.Join(s.dir, meta.ID+".jsonl")
	flags := os.O_APPEND | os.O_CREATE | os.O_WRONLY
	if resumeID == "" {
		flags |= os.O_EXCL
	} else if _, err := os.Stat(path); err != nil {
		lock.Release()
		return nil, ctx, fmt.Errorf("operation journal %s: %w", resumeID, err)
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		lock.Release()
		return nil, ctx, fmt.Errorf("operation journal: %w", err)
	}
	syncDir(s.dir)
	if resumeID != "" {
		// A crash may have torn the last line: end it, or the next record
		// would be glued to it and lost.
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 && b[len(b)-1] != '\n' {
			if _, err := f.Write([]byte("\n")); err != nil {
				f.Close()
				lock.Release()
				return nil, ctx, fmt.Errorf("operation journal: %w", err)
			}
		}
	}
	cctx, cancel := context.WithCancelCause(ctx)
	j := &Journal{s: s, meta: meta, path: path, f: f, lock: lock, cancel: cancel, done: make(chan struct{}),
		state: map[string]State{}, Note: note}
	m := meta
	if err := j.write(Record{Kind: kind, Meta: &m, Text: note}); err != nil {
		j.close()
		return nil, ctx, err
	}
	s.mu.Lock()
	s.active[j] = true
	s.mu.Unlock()
	return j, cctx, nil
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func (j *Journal) write(r Record) error {
	if r.Time.IsZero() {
		r.Time = j.s.now().UTC()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("operation journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("operation journal: %w", err)
	}
	return nil
}

// Emit journals the steps of an event: the plan, notes, every change of an
// instance's state, a run-level stop. The first write error is kept (Err).
func (j *Journal) Emit(e Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ended {
		return
	}
	var r Record
	switch e.Kind {
	case EvStart:
		r = Record{Kind: "plan", Insts: e.Instances}
		for _, in := range e.Instances {
			j.state[in.ID] = in.State
		}
	case EvNote:
		if e.Note == "" {
			return
		}
		r = Record{Kind: "note", Text: e.Note, Phase: e.Phase}
	case EvInstance:
		if st, ok := j.state[e.Inst.ID]; ok && st == e.Inst.State {
			return
		}
		j.state[e.Inst.ID] = e.Inst.State
		in := e.Inst
		r = Record{Kind: "step", Inst: &in}
	case EvStop:
		r = Record{Kind: "stop", Text: e.Err}
	default:
		return
	}
	if err := j.write(r); err != nil && j.err == nil {
		j.err = err
	}
}

// Err is the first journal write error.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// End writes the end record with the summary's outcome and releases the
// target.
func (j *Journal) End(sum Summary) error {
	outcome := StatusOK
	_, failed, skipped := sum.Counts()
	switch {
	case sum.Interrupted:
		outcome = StatusInterrupted
	case sum.Stopped:
		outcome = StatusStopped
	case sum.Unknown() > 0:
		// A lost reply nothing could read back: resumable, to re-plan it.
		outcome = StatusUnverified
	case failed > 0 || sum.Err != "" || (skipped > 0 && sum.Verb == "evacuate"):
		outcome = StatusFailed
	}
	return j.EndWith(outcome, sum.Text())
}

// EndWith writes an end record and releases the target.
func (j *Journal) EndWith(outcome, text string) error {
	j.mu.Lock()
	if j.ended {
		j.mu.Unlock()
		return nil
	}
	j.ended = true
	err := j.write(Record{Kind: "end", Outcome: outcome, Text: text})
	if err == nil {
		err = j.err
	}
	j.mu.Unlock()
	j.close()
	return err
}

func (j *Journal) close() {
	j.f.Close()
	j.lock.Release()
	j.cancel(nil)
	j.s.mu.Lock()
	delete(j.s.active, j)
	j.s.mu.Unlock()
	select {
	case <-j.done:
	default:
		close(j.done)
	}
}

// Interrupt cancels every running operation with ErrInterrupted and waits
// (up to timeout) until each has written its end record. It returns how
// many were still running when it gave up.
func (s *Store) Interrupt(timeout time.Duration) int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	var js []*Journal
	for j := range s.active {
		js = append(js, j)
	}
	s.mu.Unlock()
	for _, j := range js {
		j.cancel(ErrInterrupted)
	}
	deadline := time.After(timeout)
	left := 0
	for _, j := range js {
		select {
		case <-j.done:
		case <-deadline:
			left++
		}
	}
	return left
}

// Running is how many operations this process runs.
func (s *Store) Running() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// Entry is one journal as read back.
type Entry struct {
	Meta
	Path             string
	Started, Updated time.Time
	Status           string // running, interrupted, stopped, failed, ok
	Summary          string // the last end record's text
	Notes            []string
	// Phase is the last phase a guided recovery journaled ("" none).
	Phase string
	// Instances: each one's last journaled state, in plan order.
	Instances []Instance
	Resumes   int
	// Holder is who runs it now (Status running).
	Holder LockInfo
}

// Resumable: cut off or stopped, and nobody runs it now.
func (e Entry) Resumable() bool {
	return e.Status == StatusInterrupted || e.Status == StatusStopped || e.Status == StatusUnverified
}

// Counts are the journal's verified, failed and other instances.
func (e Entry) Counts() (ok, failed, other int) {
	return Summary{Instances: e.Instances}.Counts()
}

// Read reads one journal. A torn last line (a crash mid-write) and other
// unparsable lines are skipped.
func (s *Store) Read(id string) (Entry, error) {
	path := filepath.Join(s.dir, fileSafe(id)+".jsonl")
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	e := Entry{Path: path}
	idx := map[string]int{}
	ended := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		if e.Started.IsZero() {
			e.Started = r.Time
		}
		e.Updated = r.Time
		set := func(in Instance) {
			if i, ok := idx[in.ID]; ok {
				e.Instances[i] = in
				return
			}
			idx[in.ID] = len(e.Instances)
			e.Instances = append(e.Instances, in)
		}
		switch r.Kind {
		case "start", "resume":
			if r.Meta != nil {
				e.Meta = *r.Meta
			}
			if r.Kind == "resume" {
				e.Resumes++
			}
			ended = false
		case "plan":
			for _, in := range r.Insts {
				// A resumed plan re-lists instances: keep a verified state.
				if i, ok := idx[in.ID]; ok && e.Instances[i].State == OK && in.State != OK {
					continue
				}
				set(in)
			}
		case "step":
			if r.Inst != nil {
				set(*r.Inst)
			}
		case "note", "stop":
			e.Notes = append(e.Notes, r.Text)
			if r.Phase != "" {
				e.Phase = r.Phase
			}
		case "end":
			ended = true
			e.Status, e.Summary = r.Outcome, r.Text
		}
	}
	if err := sc.Err(); err != nil {
		return e, err
	}
	if e.ID == "" {
		return e, fmt.Errorf("%s: no start record", path)
	}
	if !ended {
		e.Status = StatusInterrupted // died without a word...
		if h, ok := Holder(s.dir, e.Cloud, e.Target); ok && h.ID == e.ID {
			e.Status, e.Holder = StatusRunning, h // ...unless its owner still runs it
		}
	}
	return e, nil
}

// List reads every journal, newest first.
func (s *Store) List() ([]Entry, error) {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []Entry
	for _, de := range des {
		name := de.Name()
		if de.IsDir() || !strings.HasSuffix(name, ".jsonl") {
			continue
		}
		e, err := s.Read(strings.TrimSuffix(name, ".jsonl"))
		if err != nil {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	return out, nil
}

// Run runs op with the target locked and every step journaled (s nil: just
// runs it). It fails without running op when the target is locked by
// another process or the journal cannot be written: an operation that
// could not be resumed after a crash is not started.
func (s *Store) Run(ctx context.Context, meta Meta, resumeID string, emit func(Event),
	op func(ctx context.Context, emit func(Event)) Summary) (Summary, error) {
	if emit == nil {
		emit = func(Event) {}
	}
	if s == nil {
		return op(ctx, emit), nil
	}
	j, ctx, err := s.Begin(ctx, meta, resumeID)
	if err != nil {
		return Summary{}, err
	}
	sum := op(ctx, func(e Event) {
		j.Emit(e)
		if e.Kind == EvStart && j.Note != "" {
			emit(e)
			e = Event{Kind: EvNote, Verb: e.Verb, Host: e.Host, Total: e.Total, Note: j.Note}
		}
		emit(e)
	})
	if err := j.End(sum); err != nil {
		return sum, err
	}
	return sum, nil
}

// RunOne runs a one-step operation (one instance's move and its watch)
// with its target locked and journaled like a host run: the plan (one
// instance), its start and its end. An interruption ends it as
// interrupted (resumable: the resumed run only watches) whatever op says.
func (s *Store) RunOne(ctx context.Context, meta Meta, resumeID string, in Instance,
	op func(ctx context.Context, issued func()) (res string, settled bool, err error)) (string, error) {
	if s == nil {
		res, _, err := op(ctx, func() {})
		return res, err
	}
	j, ctx, err := s.Begin(ctx, meta, resumeID)
	if err != nil {
		return "", err
	}
	in.State = Pending
	j.Emit(Event{Kind: EvStart, Instances: []Instance{in}})
	res, settled, err := op(ctx, func() {
		in.State = Running
		j.Emit(Event{Kind: EvInstance, Inst: in})
	})
	outcome, text := StatusOK, res
	switch {
	case errors.Is(context.Cause(ctx), ErrInterrupted):
		outcome = StatusInterrupted
		err = fmt.Errorf("%w: %s %s", ErrInterrupted, meta.Op, meta.Target)
		in.State, in.Err = Skipped, "interrupted"
	case err != nil:
		outcome, text = StatusFailed, err.Error()
		in.State, in.Err = Failed, err.Error()
	case !settled:
		outcome = StatusUnverified
		in.State, in.Err = Skipped, "not seen to complete: "+res
	default:
		in.State = OK
	}
	j.Emit(Event{Kind: EvInstance, Inst: in})
	if e := j.EndWith(outcome, text); e != nil && err == nil {
		err = e
	}
	return res, err
}

// KeepFinished is how long the journals of finished operations are kept:
// the start of the cockpit prunes older ones.
const KeepFinished = 30 * 24 * time.Hour

// Prune removes the journals of operations that ended (ok or failed) more
// than age ago; interrupted, stopped and unverified ones are kept for :ops
// to resume however old. It returns how many it removed.
func (s *Store) Prune(age time.Duration) (int, error) {
	list, err := s.List()
	if err != nil {
		return 0, err
	}
	cut, n := s.now().Add(-age), 0
	for _, e := range list {
		if (e.Status != StatusOK && e.Status != StatusFailed) || !e.Updated.Before(cut) {
			continue
		}
		if err := os.Remove(e.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, err
		}
		n++
	}
	return n, nil
}
