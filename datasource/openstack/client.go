package openstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gcos "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"golang.org/x/sync/singleflight"

	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/httpclient"
	"github.com/stackpit/stackpit/redact"
)

// PreferredMicroversion is the Nova microversion the client asks for when
// the cloud supports it; otherwise it uses the cloud's maximum.
const PreferredMicroversion = "2.88"

// Client talks to one OpenStack cloud. It is safe for concurrent use by
// several panes; flavor and project names are cached inside it.
//
// Every request goes through the *http.Client given to New, so a read-only
// session's guard refuses mutating calls: such errors satisfy
// errors.Is(err, httpclient.ErrReadOnly).
type Client struct {
	provider *gophercloud.ProviderClient
	auth     *config.Auth
	hc       *http.Client

	connMu    sync.Mutex
	connected bool
	connErr   error
	connAt    time.Time

	compute   *gophercloud.ServiceClient // microversion set
	placement *gophercloud.ServiceClient // nil when not in the catalog
	network   *gophercloud.ServiceClient // nil when not in the catalog
	volume    *gophercloud.ServiceClient // nil when not in the catalog
	image     *gophercloud.ServiceClient // nil when not in the catalog
	identity  *gophercloud.ServiceClient

	mv, mvMax mver // negotiated, cloud maximum
	id        Identity

	mu          sync.Mutex
	flavors     map[string]Flavor // by ID
	flavorsAt   time.Time
	projects    map[string]string // ID -> name
	projectsAt  time.Time
	projectsErr error
	names       nameCache // image and user names (names.go)

	priming singleflight.Group // one flavor and project names load at a time

	// PageSize is the limit used for paginated server lists (default 1000,
	// Nova's default max_limit).
	PageSize int
	// oneEnd reads whole server lists as one stream in Nova's default
	// order, not from both ends (tests compare the two).
	oneEnd bool

	// Request budget (budget.go): how long a ComputeServices answer is
	// shared (default 0: not shared), the wall-clock interval within which
	// callers share one (with SharedTTL > 0; 0: the TTL only), how often
	// one resource provider's usages may be re-read (default
	// DefaultUsageEvery), and the clock those are measured with (default
	// time.Now).
	SharedTTL  time.Duration
	SharedSlot time.Duration
	UsageEvery time.Duration
	Clock      func() time.Time
	budget     budget

	bytesRead atomic.Int64

	gate *authGate // rations password re-authentication

	// A whole list's first page asked beside the version document at a
	// start (Prewarm; prefetch).
	prefetchFirst atomic.Bool
	pfMu          sync.Mutex
	pf            *prefetch
}

// New authenticates against Keystone v3 (re-authenticating by itself when
// the token expires), discovers the compute, placement, network,
// block-storage and identity endpoints from the catalog, and negotiates the
// Nova microversion (PreferredMicroversion when available, else the cloud's
// highest). httpClient carries the read-only guard; New never builds its own.
// ctx bounds the whole start-up.
func New(ctx context.Context, auth *config.Auth, httpClient *http.Client) (*Client, error) {
	c, err := NewLazy(auth, httpClient)
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// NewLazy returns a client that connects (as New does) on first use
// instead of now, so a cloud that is unreachable when the cockpit starts
// only makes each call fail until it comes back: every method first calls
// Connect. It fails only for missing configuration.
func NewLazy(auth *config.Auth, httpClient *http.Client) (*Client, error) {
	if auth == nil {
		return nil, errors.New("openstack: no authentication configured")
	}
	if httpClient == nil {
		return nil, errors.New("openstack: no http client given")
	}
	if auth.Options.IdentityEndpoint == "" {
		return nil, errors.New("openstack: no auth_url configured")
	}
	c := &Client{auth: auth, hc: withTLS(httpClient, auth), PageSize: 1000, gate: newAuthGate(time.Now)}
	c.id = Identity{Cloud: auth.Cloud, Region: auth.Region(), User: auth.User(), Project: auth.Options.TenantName}
	if auth.Options.Scope != nil && auth.Options.Scope.ProjectName != "" {
		c.id.Project = auth.Options.Scope.ProjectName
	}
	return c, nil
}

// ConnectRetry is the least time between two connection attempts after a
// transient failure (unreachable, timeout, 5xx). Other failures (bad
// credentials: 401, no compute endpoint, ...) are retried only after
// RetryAuthNow (ctrl+r), within the password attempt window.
var ConnectRetry = 5 * time.Second

// Connect authenticates, discovers endpoints and negotiates the
// microversion unless already done. After a transient failure it tries
// again at most every ConnectRetry; a permanent one (wrong password) is
// returned as is, so Keystone is not hammered with bad credentials.
func (c *Client) Connect(ctx context.Context) error {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if c.connected {
		return nil
	}
	forced := false
	if c.connErr != nil {
		switch {
		case transient(c.connErr):
			if time.Since(c.connAt) < ConnectRetry {
				return c.connErr
			}
		case c.gate.takeForced():
			forced = true // ctrl+r after a refused password at start-up: one counted try
		default:
			return c.connErr
		}
	}
	if !forced && c.auth.Options.Password != "" {
		c.gate.record() // the first login counts in the password window too
	}
	err := c.connect(ctx)
	c.connAt, c.connErr = time.Now(), err
	if err == nil {
		c.connected = true
	}
	return err
}

// Prewarm starts Connect in the background, bounded by timeout (asking
// a whole list's first page beside Nova's version document: prefetch),
// then loads the flavor and project names a first server list waits for: a
// cockpit that is starting asks Keystone and Nova's version document
// while it builds its panes and sets up the terminal, not after its
// first load asks (issue 15: start to first rows). The outcome is kept as
// Connect keeps it: the first call that needs the connection waits for it
// or gets its error.
func (c *Client) Prewarm(timeout time.Duration) {
	c.prefetchFirst.Store(true)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if c.Connect(ctx) == nil {
			c.primeNames(ctx) // the first list waits for them
		}
	}()
}

// A cockpit's first rows are a whole list's first page, and the version
// document only decides the microversion it is asked with (the page needs
// the token, the document does not need the page): at a start (Prewarm),
// that page is asked with PreferredMicroversion beside the document, and
// kept when the cloud's is that one (any other: dropped, and asked again).
// The first rows then wait for Keystone and one round trip, not two
// (issue 15: start to first rows).
type prefetch struct {
	u     string
	start time.Time
	done  chan struct{}
	buf   *bytes.Buffer
	hdr   http.Header
	err   error
}

// earlyNamesTimeout bounds the names asked while connecting (connect).
const earlyNamesTimeout = 30 * time.Second

// prefetchFresh: a page kept longer than this is not a first list's.
var prefetchFresh = 10 * time.Second

func (c *Client) prefetchPage(ctx context.Context, u string) *prefetch {
	if u == "" {
		return nil
	}
	pf := &prefetch{u: u, start: time.Now(), done: make(chan struct{})}
	sc := *c.compute
	sc.Microversion = PreferredMicroversion
	go func() {
		defer close(pf.done)
		pf.buf, pf.hdr, pf.err = c.getBody(ctx, &sc, "nova", u)
	}()
	return pf
}

// drop returns the page's buffer once it came.
func (pf *prefetch) drop() {
	<-pf.done
	if pf.buf != nil {
		bodies.Put(pf.buf)
		pf.buf = nil
	}
}

// keepPrefetch keeps pf for the first list that asks its URL, and gives
// its buffer back once it is stale if none did (another pane on screen,
// or a command that lists no servers).
func (c *Client) keepPrefetch(pf *prefetch) {
	c.pfMu.Lock()
	c.pf = pf
	c.pfMu.Unlock()
	time.AfterFunc(prefetchFresh-time.Since(pf.start), func() {
		c.pfMu.Lock()
		unused := c.pf == pf
		if unused {
			c.pf = nil
		}
		c.pfMu.Unlock()
		if unused {
			pf.drop()
		}
	})
}

// takePrefetch returns the page asked early for u (once); nil when there
// is none or it is stale (the caller asks itself).
func (c *Client) takePrefetch(u string) *prefetch {
	c.pfMu.Lock()
	pf := c.pf
	if pf == nil || pf.u != u {
		c.pfMu.Unlock()
		return nil
	}
	c.pf = nil
	c.pfMu.Unlock()
	if time.Since(pf.start) > prefetchFresh {
		pf.drop()
		return nil
	}
	return pf
}

// transient reports whether a connection error may go away by itself.
func transient(err error) bool {
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrServer) || errors.Is(err, httpclient.ErrBackoff) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func (c *Client) connect(ctx context.Context) error {
	opts := c.auth.Options
	// Re-authenticate by ourselves when the token expires; impossible (and
	// refused by gophercloud) for a bare unscoped token passed through.
	opts.AllowReauth = !(opts.TokenID != "" && (opts.Scope == nil || *opts.Scope == gophercloud.AuthScope{}))
	p, err := gcos.NewClient(opts.IdentityEndpoint)
	if err != nil {
		return fmt.Errorf("keystone: bad auth_url %q: %w", redact.URL(opts.IdentityEndpoint), redact.Error(err))
	}
	p.HTTPClient = *c.hc
	p.UserAgent.Prepend("stackpit")
	if err := gcos.Authenticate(ctx, p, opts); err != nil {
		return fmt.Errorf("authentication failed: %w", wrapErr("keystone", "POST", opts.IdentityEndpoint+"/auth/tokens", err))
	}
	if opts.Password != "" && p.ReauthFunc != nil {
		p.ReauthFunc = c.gate.wrap(p.ReauthFunc, reasonOf)
	}
	c.provider = p
	if err := c.discover(); err != nil {
		return err
	}
	var pf *prefetch
	if c.prefetchFirst.Swap(false) {
		pf = c.prefetchPage(ctx, c.firstPageURL())
	}
	err = c.negotiate(ctx)
	if pf != nil && err == nil {
		// The first rows wait for the project (and flavor) names too:
		// asked now, beside the page, not once it came and Connect
		// returned (a 50k start's trace: the names took 126 ms after the
		// page, the rows waiting on them). The client is usable from here
		// (catalog, token, microversion); the names outlive ctx, bounded
		// by earlyNamesTimeout (the load that asked may be done first).
		nctx, ncancel := context.WithTimeout(context.WithoutCancel(ctx), earlyNamesTimeout)
		go func() {
			defer ncancel()
			c.priming.Do("names", func() (any, error) { c.primeNamesNow(nctx); return nil, nil })
		}()
	}
	if pf != nil {
		// The page came with the document or soon after (asked at the
		// same moment): wait for it here, so a connection leaves nothing
		// of its own still on the wire.
		<-pf.done
		if err == nil && pf.err == nil && c.mv.String() == PreferredMicroversion {
			c.keepPrefetch(pf)
		} else {
			pf.drop()
		}
	}
	return err
}

// withTLS applies the cloud's TLS settings (clouds.yaml cacert/insecure) to
// a copy of the client, keeping the guard in front.
func withTLS(hc *http.Client, auth *config.Auth) *http.Client {
	if auth.TLS == nil {
		cp := *hc
		return &cp
	}
	cp, _ := httpclient.WithTLS(hc, auth.TLS)
	return cp
}

func (c *Client) discover() error {
	res, ok := c.provider.GetAuthResult().(tokens.CreateResult)
	if !ok {
		return errors.New("keystone: token response has no catalog")
	}
	cat, err := res.ExtractServiceCatalog()
	if err != nil {
		return fmt.Errorf("keystone: reading the catalog: %w", err)
	}
	avail := c.auth.Endpoint.Availability
	if avail == "" {
		avail = gophercloud.AvailabilityPublic
	}
	region := c.auth.Endpoint.Region
	find := func(types ...string) string {
		for _, t := range types {
			for _, e := range cat.Entries {
				if e.Type != t {
					continue
				}
				for _, ep := range e.Endpoints {
					if ep.Interface != string(avail) {
						continue
					}
					if region != "" && ep.Region != region && ep.RegionID != region {
						continue
					}
					return gophercloud.NormalizeURL(ep.URL)
				}
			}
		}
		return ""
	}
	sc := func(typ, u string) *gophercloud.ServiceClient {
		if u == "" {
			return nil
		}
		return &gophercloud.ServiceClient{ProviderClient: c.provider, Endpoint: u, Type: typ}
	}
	cu := find("compute")
	if cu == "" {
		return fmt.Errorf("keystone catalog has no %s compute endpoint%s: %w", avail, inRegion(region), ErrNoService)
	}
	c.compute = sc("compute", cu)
	c.placement = sc("placement", find("placement"))
	if nu := find("network"); nu != "" {
		c.network = sc("network", nu)
		if !strings.HasSuffix(nu, "v2.0/") {
			c.network.ResourceBase = nu + "v2.0/"
		}
	}
	c.volume = sc("volume", find("block-storage", "volumev3", "volume"))
	if gu := find("image"); gu != "" {
		c.image = sc("image", gu)
		if !strings.HasSuffix(gu, "v2/") {
			c.image.ResourceBase = gu + "v2/"
		}
	}
	iu := find("identity")
	if iu == "" {
		iu = gophercloud.NormalizeURL(c.provider.IdentityEndpoint)
	}
	if !strings.HasSuffix(iu, "v3/") {
		iu += "v3/"
	}
	c.identity = sc("identity", iu)

	c.id = Identity{Cloud: c.auth.Cloud, Region: region, User: c.auth.User()}
	if u, err := res.ExtractUser(); err == nil && u != nil && u.Name != "" {
		c.id.User = u.Name
	}
	if p, err := res.ExtractProject(); err == nil && p != nil {
		c.id.Project = p.Name
		c.id.ProjectID = p.ID
	}
	if roles, err := res.ExtractRoles(); err == nil {
		for _, r := range roles {
			c.id.Roles = append(c.id.Roles, r.Name)
		}
	}
	return nil
}

func inRegion(r string) string {
	if r == "" {
		return ""
	}
	return " in region " + r
}

// negotiate reads the compute version document and picks the microversion.
func (c *Client) negotiate(ctx context.Context) error {
	var doc struct {
		Version struct {
			ID         string `json:"id"`
			Version    string `json:"version"`
			MinVersion string `json:"min_version"`
		} `json:"version"`
	}
	u := versionDocURL(c.compute.Endpoint)
	if _, err := c.getJSON(ctx, c.compute, "nova", u, &doc); err != nil {
		return fmt.Errorf("reading Nova's version document: %w", err)
	}
	maxV, _ := parseMV(doc.Version.Version)
	if maxV.zero() {
		// No microversions (v2.0 legacy API): only 2.1 behaviour.
		maxV = mver{2, 1}
	}
	c.mvMax = maxV
	pref, _ := parseMV(PreferredMicroversion)
	if maxV.less(pref) {
		c.mv = maxV
	} else {
		c.mv = pref
	}
	c.compute.Microversion = c.mv.String()
	c.id.ComputeMicroversion = c.mv.String()
	c.id.ComputeMaxMicroversion = maxV.String()
	return nil
}

// versionDocURL maps ".../v2.1/" or ".../v2.1/<project>/" to ".../v2.1/".
func versionDocURL(endpoint string) string {
	if i := strings.Index(endpoint, "/v2.1"); i >= 0 {
		return endpoint[:i] + "/v2.1/"
	}
	if i := strings.Index(endpoint, "/v2/"); i >= 0 {
		return endpoint[:i] + "/v2.1/"
	}
	return endpoint
}

func (c *Client) isConnected() bool {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	return c.connected
}

// Identity says who and where this session is, with the negotiated
// microversion, for the header (before a lazy client has connected: only
// what the configuration says).
func (c *Client) Identity() Identity {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	return c.id
}

// Microversion is the negotiated Nova microversion ("2.88"; "" before a
// lazy client has connected).
func (c *Client) Microversion() string {
	if !c.isConnected() {
		return ""
	}
	return c.mv.String()
}

// AtLeast reports whether the negotiated Nova microversion is >= v ("2.53");
// false before a lazy client has connected.
func (c *Client) AtLeast(v string) bool {
	if !c.isConnected() {
		return false
	}
	want, err := parseMV(v)
	if err != nil {
		return false
	}
	return !c.mv.less(want)
}

// Require returns a *MicroversionError (errors.Is ErrMicroversion) when the
// negotiated microversion is below need, naming the operation what. Before
// the client has connected it returns the connection error.
func (c *Client) Require(need, what string) error {
	if !c.isConnected() {
		c.connMu.Lock()
		err := c.connErr
		c.connMu.Unlock()
		if err == nil {
			err = errors.New("openstack: not connected yet")
		}
		return err
	}
	if c.AtLeast(need) {
		return nil
	}
	return &MicroversionError{What: what, Need: need, Have: c.mvMax.String()}
}

// HasPlacement, HasNetwork and HasVolume say whether the catalog lists the
// service (panes show "not in catalog" instead of an error); false before a
// lazy client has connected.
func (c *Client) HasPlacement() bool { return c.isConnected() && c.placement != nil }
func (c *Client) HasNetwork() bool   { return c.isConnected() && c.network != nil }
func (c *Client) HasVolume() bool    { return c.isConnected() && c.volume != nil }

// RetryAuthNow lets the next request try the password at once instead of
// waiting for the re-authentication backoff (a manual refresh). It is still
// one of the ReauthWindowMax attempts per ReauthWindow.
func (c *Client) RetryAuthNow() { c.gate.retryNow() }

// BytesRead is the total size of response bodies read so far (for the
// header's traffic counter and benchmarks).
func (c *Client) BytesRead() int64 { return c.bytesRead.Load() }

// getJSON GETs u with the service client (token, microversion header,
// re-authentication), reads the body and decodes it into out. It returns
// the response headers (for Date).
func (c *Client) getJSON(ctx context.Context, sc *gophercloud.ServiceClient, service, u string, out any) (http.Header, error) {
	if err := c.gate.blocked(); err != nil {
		return nil, err
	}
	resp, err := sc.Get(ctx, u, nil, &gophercloud.RequestOpts{KeepResponseBody: true, OkCodes: []int{200}})
	if err != nil {
		return nil, wrapErr(service, "GET", u, err)
	}
	defer resp.Body.Close()
	var head []byte // the first bytes, for a malformed-body message
	if out == nil {
		var n int64
		n, err = io.Copy(io.Discard, resp.Body)
		c.bytesRead.Add(n)
	} else {
		head, err = decodeBody(resp.Body, resp.ContentLength, out, &c.bytesRead)
	}
	if err != nil {
		if tl := tooLarge(err, sc, service, u); tl != nil {
			return nil, tl
		}
		if out == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, wrapErr(service, "GET", u, err)
		}
		if err == io.EOF {
			err = errors.New("empty body")
		}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if !errors.As(err, &se) && !errors.As(err, &te) && err != io.ErrUnexpectedEOF {
			return nil, wrapErr(service, "GET", u, err) // the connection broke
		}
		return nil, &MalformedError{Service: service, URL: u, Snippet: httpclient.ErrorBody(head, 120), Err: err}
	}
	return resp.Header, nil
}

// decodeBody reads a body of Content-Length n (<= 0: unknown) into a
// buffer of bodies and decodes it into out, adding the bytes read to read.
// A json.Decoder grew its own buffer by doubling as the body came, then
// dropped it: ~4 MB of garbage a page of 1,000 volumes, 275 MB in the
// seconds a 50,000-volume first load overlapped the first key presses
// (issue 15: collections every 0.4 s with the UI goroutine waiting for a
// core). encoding/json copies what it keeps, so the buffer goes back.
// head is the body's first bytes (a copy), for an error's snippet; an
// empty body is io.EOF, as a Decoder says; a read error is returned as is.
// Anything after the JSON value is an error (a Decoder stopped at the
// value and left it unread), as Nova's server pages already had it: an
// answer with more than one document is not one we can trust.
func decodeBody(r io.Reader, n int64, out any, read *atomic.Int64) (head []byte, err error) {
	buf, err := bodies.Read(r, n)
	defer bodies.Put(buf)
	read.Add(int64(buf.Len()))
	b := buf.Bytes()
	if err == nil {
		if len(bytes.TrimSpace(b)) == 0 {
			err = io.EOF
		} else if pd, ok := out.(pageDecoder); ok {
			err = pd.decodePage(b)
		} else {
			err = json.Unmarshal(b, out)
		}
	}
	if err != nil {
		head = bytes.Clone(b[:min(len(b), 1024)])
	}
	return head, err
}

// A pageDecoder is an out that decodes its body itself (a lean scanner,
// encoding/json when it gives up), with encoding/json's errors.
type pageDecoder interface {
	decodePage(body []byte) error
}

// tooLarge names a response cut at the size limit in the operator's terms
// ("nova response exceeded 64 MiB limit (GET /servers/detail)"); nil when
// err is not that.
func tooLarge(err error, sc *gophercloud.ServiceClient, service, u string) error {
	tl := httpclient.Named(err, service)
	if tl == nil {
		return nil
	}
	if p, ok := strings.CutPrefix(u, sc.Endpoint); ok {
		p, _, _ = strings.Cut(p, "?")
		tl.Path = "/" + p // as Nova's API reference writes it: /servers/detail
	}
	return tl
}

// send issues a mutating request (POST/PUT) with a JSON body and accepts
// any 2xx answer (Nova answers evacuate with 200 and an empty body at 2.29).
// On refusal it returns an *APIError carrying Nova's own message.
func (c *Client) send(ctx context.Context, sc *gophercloud.ServiceClient, service, method, u string, body any, out any) error {
	if err := c.gate.blocked(); err != nil {
		return err
	}
	opts := &gophercloud.RequestOpts{JSONBody: body, KeepResponseBody: true, OkCodes: []int{200, 201, 202, 204}}
	resp, err := sc.Request(ctx, method, u, opts)
	if err != nil {
		return wrapErr(service, method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		if tl := httpclient.Named(err, service); tl != nil {
			return tl
		}
		return wrapErr(service, method, u, err)
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return &MalformedError{Service: service, Method: method, URL: u, Snippet: httpclient.ErrorBody(b, 120), Err: err}
		}
	}
	return nil
}

// mver is a microversion major.minor.
type mver struct{ major, minor int }

func parseMV(s string) (mver, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return mver{}, errors.New("empty microversion")
	}
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return mver{}, fmt.Errorf("bad microversion %q", s)
	}
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return mver{}, fmt.Errorf("bad microversion %q", s)
	}
	return mver{x, y}, nil
}

func (m mver) zero() bool { return m.major == 0 && m.minor == 0 }
func (m mver) less(o mver) bool {
	return m.major < o.major || (m.major == o.major && m.minor < o.minor)
}
func (m mver) String() string { return fmt.Sprintf("%d.%d", m.major, m.minor) }
