// Package tmuxcontrol attaches to a tmux session as a control-mode client
// (tmux -C): one connection that both sends commands and reads the
// session's notifications, for the benchmark tools that time a program in
// tmux without spawning a tmux client per look.
package tmuxcontrol

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Client is a control-mode client of the session holding one pane.
type Client struct {
	Pane string        // the target pane's ID (%N): its %output lines are its own
	In   io.Writer     // commands, one a line
	Out  *bufio.Reader // notifications and command output blocks
	in   io.WriteCloser
	cmd  *exec.Cmd
}

// Attach attaches to target's session on the tmux server at sock.
func Attach(sock, target string) (*Client, error) {
	// Only the target pane's output counts: a session may hold other
	// windows (one per SSH session in the serve benchmark).
	id, err := exec.Command("tmux", "-S", sock, "display", "-p", "-t", target, "#{pane_id}").Output()
	if err != nil {
		return nil, fmt.Errorf("pane of %s: %w", target, err)
	}
	cmd := exec.Command("tmux", "-S", sock, "-C", "attach-session", "-t", target)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Client{Pane: strings.TrimSpace(string(id)), In: in, Out: bufio.NewReaderSize(out, 1<<20), in: in, cmd: cmd}, nil
}

// IsOutput reports whether a notification line is the pane's output.
func (c *Client) IsOutput(line string) bool {
	return strings.HasPrefix(line, "%output "+c.Pane+" ") || strings.HasPrefix(line, "%extended-output "+c.Pane+" ")
}

// Close detaches and waits for the client to end.
func (c *Client) Close() {
	_, _ = io.WriteString(c.in, "detach-client\n")
	_ = c.in.Close()
	_ = c.cmd.Wait()
}
