package openstack

// Paging /servers/detail near the server's own speed (issue 15): Nova's
// marker pagination forces one request after another, but nothing forces
// the client to decode a 2 MB page before asking for the next. The fetcher
// finds the next marker with a cheap scan of the raw page (servers_links
// sits at the end of the document) and asks for the next page at once,
// while the pages already read are decoded on other goroutines. Every
// speculated marker is checked against the fully decoded page; if the scan
// was wrong, paging restarts from the right marker, so a strange document
// costs time, never correctness.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/stackpit/stackpit/datasource/httpclient"
)

// pagesAhead bounds how many fetched pages may wait for the consumer (and
// so the memory held by raw pages: ~2 MB each at limit=1000).
const pagesAhead = 3

// pageJob is one page: fetched by the fetcher, decoded on its own
// goroutine, consumed in order.
type pageJob struct {
	u      string
	marker string // the marker this page was asked with
	start  time.Time
	hdr    http.Header
	err    error

	next string // next marker found by the scan ("" none)
	spec bool   // the scan could tell; the fetcher went on with next

	done    chan struct{} // closed when decoded (or on error)
	links   []serverLink
	servers []Server
}

type serverLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// scanNextMarker finds the next-page marker without decoding the page:
// the last "servers_links" key and the array after it. ok is false when it
// cannot tell; hasNext false when there is no next link.
func scanNextMarker(body []byte) (marker string, hasNext, ok bool) {
	i := bytes.LastIndex(body, []byte(`"servers_links"`))
	if i < 0 {
		return "", false, true // the key is absent: no next page
	}
	rest := bytes.TrimLeft(body[i+len(`"servers_links"`):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return "", false, false
	}
	var links []serverLink
	if err := json.NewDecoder(bytes.NewReader(rest[1:])).Decode(&links); err != nil {
		return "", false, false
	}
	for _, l := range links {
		if l.Rel != "next" {
			continue
		}
		u, err := url.Parse(l.Href)
		if err != nil || u.Query().Get("marker") == "" {
			return "", false, false
		}
		return u.Query().Get("marker"), true, true
	}
	return "", false, true
}

// bodies recycles page buffers: a 50,000-server list is ~50 pages of
// ~2.5 MB, each otherwise a fresh zeroed allocation and then garbage. A
// page goes back once decoded: the servers keep copies of what they hold,
// never views of the page (TestScanServerPageCopiesKeptStrings).
//
// A buffer over 16 MiB (a rare huge answer: Nova pages are ~2.5 MB) is
// not kept for the next ones (review of keys1k3: every GET reads into
// it now).
var bodies = httpclient.BodyPool{MaxKept: 16 << 20}

// getBody GETs u and returns the raw body (counted in BytesRead) in a
// buffer from bodies.
func (c *Client) getBody(ctx context.Context, sc *gophercloud.ServiceClient, service, u string) (*bytes.Buffer, http.Header, error) {
	resp, err := sc.Get(ctx, u, nil, &gophercloud.RequestOpts{KeepResponseBody: true, OkCodes: []int{200}})
	if err != nil {
		return nil, nil, wrapErr(service, "GET", u, err)
	}
	defer resp.Body.Close()
	buf, err := bodies.Read(resp.Body, resp.ContentLength)
	c.bytesRead.Add(int64(buf.Len()))
	if err != nil {
		bodies.Put(buf)
		if tl := tooLarge(err, sc, service, u); tl != nil {
			return nil, nil, tl
		}
		return nil, nil, wrapErr(service, "GET", u, err)
	}
	return buf, resp.Header, nil
}

// fetchPages asks for pages from marker on, one request at a time, each
// as soon as the previous page's next marker is known, and hands each page
// to out after starting its decode. It stops at the last page, at a page
// whose next marker the scan cannot tell, on error, when ctx ends, or when
// enough(next) says the pages from next on are not needed (may be nil).
func (c *Client) fetchPages(ctx context.Context, pageURL func(marker string) string, marker string, enough func(string) bool, decoders chan struct{}, out chan<- *pageJob) {
	defer close(out)
	for {
		j := &pageJob{u: pageURL(marker), marker: marker, start: time.Now(), done: make(chan struct{})}
		var buf *bytes.Buffer
		var hdr http.Header
		var err error
		if pf := c.takePrefetch(j.u); pf != nil {
			buf, hdr, j.start = pf.buf, pf.hdr, pf.start // asked at the start (prefetch)
		} else {
			buf, hdr, err = c.getBody(ctx, c.compute, "nova", j.u)
		}
		j.hdr, j.err = hdr, err
		if err != nil {
			close(j.done)
		} else {
			j.next, _, j.spec = scanNextMarker(buf.Bytes())
			go func() {
				j.decode(buf.Bytes(), decoders)
				bodies.Put(buf)
			}()
		}
		select {
		case out <- j:
		case <-ctx.Done():
			return
		}
		if err != nil || !j.spec || j.next == "" || j.next == marker || enough != nil && enough(j.next) {
			return
		}
		marker = j.next
	}
}

func (j *pageJob) decode(body []byte, decoders chan struct{}) {
	defer close(j.done)
	decoders <- struct{}{}
	defer func() { <-decoders }()
	if ss, links, ok := scanServerPage(body, urlLimit(j.u)); ok {
		j.servers, j.links = ss, links
		return
	}
	var p serverPage
	if err := json.Unmarshal(body, &p); err != nil {
		snip := string(bytes.TrimSpace(body[:min(len(body), 120)]))
		j.err = &MalformedError{Service: "nova", URL: j.u, Snippet: snip, Err: err}
		return
	}
	j.links = make([]serverLink, len(p.Links))
	for i, l := range p.Links {
		j.links[i] = serverLink{Rel: l.Rel, Href: l.Href}
	}
	j.servers = make([]Server, len(p.Servers))
	for i := range p.Servers {
		j.servers[i] = p.Servers[i].toServer()
	}
}

// urlLimit is the limit a page URL asks for (0: none or unreadable).
func urlLimit(u string) int {
	pu, err := url.Parse(u)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(pu.Query().Get("limit"))
	if err != nil || n < 0 || n > 1<<16 {
		return 0
	}
	return n
}

// pagedList runs the pipeline: pages in order, each handed to onPage
// (may be nil) once decoded. It returns the Nova-clock time just before
// the first page was asked for (see serverClock), also with an error once
// a page came (bothEnds takes the earlier of its two streams').
//
// enough (may be nil) lets the fetcher stop asking ahead: see fetchPages.
// The pages it did fetch still reach onPage, which must then end the list
// (an error) or the list fails as stopped early.
func (c *Client) pagedList(ctx context.Context, pageURL func(marker string) string, enough func(string) bool, onPage func([]Server) error) (time.Time, error) {
	return c.pagedListWith(ctx, newDecoders(), pageURL, enough, onPage)
}

// newDecoders bounds the pages decoded at once to the CPUs (bothEnds
// shares one between its streams: a second stream adds requests in
// flight, not decoders competing with everything else for the cores).
func newDecoders() chan struct{} { return make(chan struct{}, max(1, runtime.GOMAXPROCS(0))) }

func (c *Client) pagedListWith(ctx context.Context, decoders chan struct{}, pageURL func(marker string) string, enough func(string) bool, onPage func([]Server) error) (time.Time, error) {
	var asOf time.Time
	first := true
	marker := ""
	for {
		fctx, cancel := context.WithCancel(ctx)
		jobs := make(chan *pageJob, pagesAhead)
		go c.fetchPages(fctx, pageURL, marker, enough, decoders, jobs)
		// stop ends the fetcher and waits for it: no page is read (and
		// counted in BytesRead) once the list has returned.
		stop := func() {
			cancel()
			for range jobs {
			}
		}
		restart, finished := false, false
		for j := range jobs {
			<-j.done
			if j.err != nil {
				stop()
				return asOf, j.err
			}
			if first {
				asOf, first = serverClock(j.hdr, j.start), false
			}
			if err := onPage(j.servers); err != nil {
				stop()
				return asOf, err
			}
			// The next marker as the serial loop always computed it: the
			// next link's marker, or rather the last server's ID.
			next, hasNext := "", false
			for _, l := range j.links {
				if l.Rel == "next" {
					hasNext = true
					if nu, err := url.Parse(l.Href); err == nil && nu.Query().Get("marker") != "" {
						next = nu.Query().Get("marker")
					}
				}
			}
			if len(j.servers) == 0 || !hasNext {
				finished = true
				break
			}
			if last := j.servers[len(j.servers)-1].ID; last != "" {
				next = last
			}
			if next == j.marker {
				stop()
				return asOf, &MalformedError{Service: "nova", URL: j.u, Snippet: "servers_links next without progress",
					Err: fmt.Errorf("pagination did not advance past marker %q", next)}
			}
			if !j.spec || j.next != next {
				// The fetcher went elsewhere (or stopped): restart here.
				marker, restart = next, true
				break
			}
		}
		stop()
		if finished {
			return asOf, nil
		}
		if !restart {
			// The fetcher stopped without an error page: ctx ended.
			if err := ctx.Err(); err != nil {
				return asOf, err
			}
			return asOf, fmt.Errorf("nova: server list paging stopped early")
		}
	}
}
