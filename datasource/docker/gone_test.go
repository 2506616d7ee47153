package docker

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeEngine is an engine over HTTP that lists the containers of list
// (their JSON) and answers every other request with inspect.
func fakeEngine(t *testing.T, list []string, inspect http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/version"):
			fmt.Fprint(w, `{"ApiVersion":"1.41"}`)
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			fmt.Fprint(w, "["+strings.Join(list, ",")+"]")
		default:
			inspect(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	cl, err := New(Options{Host: "compute01", Addr: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// engineThatDrops lists n exited containers c00.. and answers their
// inspects as inspect says: "ok" answers, "404" is the engine's
// no-such-container, "bad" a cut document, "drop" closes the connection
// without an answer (the engine or the link gone).
func engineThatDrops(t *testing.T, n int, inspect func(i int) string) (*Client, *atomic.Int32) {
	t.Helper()
	var inspects atomic.Int32
	list := make([]string, n)
	for i := range n {
		list[i] = fmt.Sprintf(`{"Id":"c%02d","Names":["/c%02d"],"Image":"kolla/c","State":"exited","Status":"Exited (1) 2 hours ago"}`, i, i)
	}
	cl := fakeEngine(t, list, func(w http.ResponseWriter, r *http.Request) {
		inspects.Add(1)
		var i int
		fmt.Sscanf(r.URL.Path[strings.LastIndex(r.URL.Path, "/containers/")+len("/containers/c"):], "%02d", &i)
		switch inspect(i) {
		case "404":
			w.Header().Set("Server", "Docker/27.0")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"No such container"}`)
		case "bad":
			fmt.Fprintf(w, `{"Id":"c%02d","State":{"Status":`, i)
		case "drop":
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		default:
			fmt.Fprintf(w, `{"Id":"c%02d","Name":"/c%02d","RestartCount":7,"State":{"Status":"exited","ExitCode":137,"Pid":0}}`, i, i)
		}
	})
	return cl, &inspects
}

// An inspect that gets no answer (the engine or the link gone) ends the
// list's inspects: each further one waited for its own timeout (an ssh
// host: a process and 15 s each). The containers not inspected say so
// (Inspected false), not restart count 0 and exit code 0.
func TestListStopsInspectingWhenTheEngineIsGone(t *testing.T) {
	const n = 20
	cl, inspects := engineThatDrops(t, n, func(i int) string {
		if i < 3 {
			return "ok"
		}
		return "drop"
	})
	cs, err := cl.List(context.Background())
	if err != nil || len(cs) != n {
		t.Fatalf("list: %d containers, %v", len(cs), err)
	}
	if got := inspects.Load(); got > 5 { // 3 answered, 1 dropped, the transport's own retry of it
		t.Fatalf("%d inspects sent to a gone engine, want it to stop after the first without an answer", got)
	}
	for _, c := range cs {
		ok := c.Name < "c03"
		if c.Inspected() != ok || ok && (c.RestartCount != 7 || c.ExitCode != 137) {
			t.Fatalf("%s: inspected %v, restarts %d, exit %d", c.Name, c.Inspected(), c.RestartCount, c.ExitCode)
		}
	}
}

// The engine's own error answer for one container (removed since the
// list) does not stop the others' inspects.
func TestListInspectsPastANotFound(t *testing.T) {
	const n = 6
	cl, inspects := engineThatDrops(t, n, func(i int) string {
		if i == 1 {
			return "404"
		}
		return "ok"
	})
	cs, err := cl.List(context.Background())
	if err != nil || len(cs) != n {
		t.Fatalf("list: %d containers, %v", len(cs), err)
	}
	if got := inspects.Load(); got != n {
		t.Fatalf("%d inspects, want %d", got, n)
	}
	for _, c := range cs {
		if c.Inspected() != (c.Name != "c01") {
			t.Fatalf("%s: inspected %v", c.Name, c.Inspected())
		}
	}
}

// An answer, even a bad one (a malformed document), is not the engine
// gone: the other containers are inspected, list after list (review: a
// container whose inspect always came back malformed stopped the rest
// of its host's inspects on every list).
func TestListInspectsPastAMalformedAnswer(t *testing.T) {
	cl, _ := engineThatDrops(t, 6, func(i int) string {
		if i == 0 {
			return "bad"
		}
		return "ok"
	})
	for round := range 3 {
		cs, err := cl.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Inspected() != (c.Name != "c00") {
				t.Fatalf("list %d: %s inspected %v", round+1, c.Name, c.Inspected())
			}
		}
	}
}
