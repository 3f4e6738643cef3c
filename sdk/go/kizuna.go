// Package kizuna is the Go client for the Kizuna REST API v1 (docs/api.md §15).
//
//	c := kizuna.NewClient("https://kizuna.example.com", os.Getenv("KIZUNA_TOKEN"))
//	repos, resp, err := c.Repos.List(ctx, "my-org", nil)
//
// Every call takes a context first and returns (result, *Response, error). List methods return one
// page and a Response with NextPage/LastPage/TotalCount; ListAll methods follow every page. Errors
// from the API are *Error values, matched with errors.Is(err, kizuna.ErrNotFound) and friends.
// Idempotent calls (GET, HEAD, PUT, DELETE) that get 429 or a 5xx are retried, waiting what
// Retry-After says. A deprecation the server announces (docs/api.md §18) is on Response.Deprecation and
// reported once per operation (Client.OnDeprecation, or a log line); 410 GONE is ErrGone. The
// package uses the standard library only.
package kizuna

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the SDK's version, sent in the User-Agent.
const Version = "0.1.0"

const apiPrefix = "/api/v1"

// Client talks to one Kizuna server. Build it with NewClient; its exported fields may be changed
// before first use.
type Client struct {
	// BaseURL is the server's root (https://kizuna.example.com); requests go to BaseURL + /api/v1.
	BaseURL *url.URL
	// Token is a personal (kzp_…), agent (kza_…) or deploy (kzd_…) token; empty for anonymous reads.
	Token string
	// HTTPClient sends the requests (default: a client with a 30 s timeout that follows no redirects).
	HTTPClient *http.Client
	UserAgent  string
	// MaxRetries is how often an idempotent request that got 429 or 5xx is retried (default 3; 0 = never).
	MaxRetries int
	// MaxRetryWait is the longest wait before a retry; a longer Retry-After is returned as an error at once.
	MaxRetryWait time.Duration
	// Backoff is the first wait when the server sends no Retry-After; it doubles with each retry.
	Backoff time.Duration
	// OnDeprecation, when set, is called once per deprecation the server announces (per method and
	// Deprecation/Sunset/Link values; see Deprecation). When nil, each is logged once with the
	// standard log package. It is called on the goroutine that made the call.
	OnDeprecation func(Deprecation)

	sleep func(ctx context.Context, d time.Duration) error
	err   error

	mu               sync.Mutex
	rate             Rate
	seenDeprecations map[string]bool
	deprecations     []Deprecation

	Orgs       *OrgsService
	Repos      *ReposService
	Issues     *IssuesService
	Comments   *CommentsService
	Labels     *LabelsService
	Milestones *MilestonesService
	Pulls      *PullsService
	Agents     *AgentsService
	Pipelines  *PipelinesService
	Webhooks   *WebhooksService
	Events     *EventsService
}

type service struct{ client *Client }

// NewClient returns a client for the server at baseURL (its root; a trailing /api/v1 is accepted).
// An invalid baseURL makes every call return an error saying so.
func NewClient(baseURL, token string) *Client {
	c := &Client{
		Token:        token,
		HTTPClient:   &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirects},
		UserAgent:    "kizuna-sdk-go/" + Version,
		MaxRetries:   3,
		MaxRetryWait: 60 * time.Second,
		Backoff:      500 * time.Millisecond,
		sleep:        sleepContext,
	}
	c.BaseURL, c.err = parseBaseURL(baseURL)
	s := service{c}
	c.Orgs = &OrgsService{s}
	c.Repos = &ReposService{s}
	c.Issues = &IssuesService{s}
	c.Comments = &CommentsService{s}
	c.Labels = &LabelsService{s}
	c.Milestones = &MilestonesService{s}
	c.Pulls = &PullsService{s}
	c.Agents = &AgentsService{s}
	c.Pipelines = &PipelinesService{s}
	c.Webhooks = &WebhooksService{s}
	c.Events = &EventsService{s}
	return c
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("kizuna: base URL must be an http(s) URL such as https://kizuna.example.com, got %q", raw)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), apiPrefix)
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Rate is the X-RateLimit-* headers of a response.
type Rate struct {
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset"`
	Used      int       `json:"used"`
	Resource  string    `json:"resource"`
}

// Rate returns the X-RateLimit-* values of the last response that carried them.
func (c *Client) Rate() Rate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate
}

// Response wraps the HTTP answer with what Kizuna's headers say: pages and rate limit.
type Response struct {
	*http.Response
	// FirstPage, PrevPage, NextPage and LastPage come from the Link header; 0 when absent.
	FirstPage, PrevPage, NextPage, LastPage int
	// TotalCount is X-Total-Count, or -1 when the server did not send it.
	TotalCount int
	Rate       Rate
	// RequestID is X-Request-Id.
	RequestID string
	// Deprecation is what the server announced about this call being deprecated (docs/api.md §18); nil
	// when it announced nothing. It is on error answers too (410 GONE carries it).
	Deprecation *Deprecation
}

// newResponse reads the headers of every answer the client gets (calls, retries, event streams):
// pages, rate limit and deprecation, which it reports once (Client.OnDeprecation).
func (c *Client) newResponse(r *http.Response) *Response {
	resp := &Response{Response: r, TotalCount: -1, RequestID: r.Header.Get("X-Request-Id")}
	method := http.MethodGet
	if r.Request != nil {
		method = r.Request.Method
	}
	if d := parseDeprecation(method, c.apiPath(r.Request), r.Header); d != nil {
		resp.Deprecation = d
		c.noteDeprecation(d)
	}
	for rel, link := range parseLink(r.Header.Get("Link")) {
		page := pageOf(link)
		switch rel {
		case "first":
			resp.FirstPage = page
		case "prev":
			resp.PrevPage = page
		case "next":
			resp.NextPage = page
		case "last":
			resp.LastPage = page
		}
	}
	if n, err := strconv.Atoi(r.Header.Get("X-Total-Count")); err == nil {
		resp.TotalCount = n
	}
	resp.Rate = parseRate(r.Header)
	if r.Header.Get("X-RateLimit-Limit") != "" {
		c.mu.Lock()
		c.rate = resp.Rate
		c.mu.Unlock()
	}
	return resp
}

func parseRate(h http.Header) Rate {
	var rate Rate
	rate.Limit, _ = strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rate.Remaining, _ = strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		rate.Reset = time.Unix(reset, 0).UTC()
	}
	rate.Used, _ = strconv.Atoi(h.Get("X-RateLimit-Used"))
	rate.Resource = h.Get("X-RateLimit-Resource")
	return rate
}

// parseLink reads `Link: <url>; rel="next", …` into {"next": url, …}.
func parseLink(header string) map[string]string {
	links := map[string]string{}
	eachLink(header, func(rel, target string) { links[rel] = target })
	return links
}

// eachLink calls fn(rel, url) for each relation of each link of a Link header.
func eachLink(header string, fn func(rel, target string)) {
	for _, part := range strings.Split(header, ",") {
		segs := strings.Split(part, ";")
		if len(segs) < 2 {
			continue
		}
		target := strings.TrimSpace(segs[0])
		if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		for _, param := range segs[1:] {
			param = strings.TrimSpace(param)
			if strings.HasPrefix(param, "rel=") {
				for _, rel := range strings.Fields(strings.Trim(param[4:], `"`)) {
					fn(rel, target[1:len(target)-1])
				}
			}
		}
	}
}

func pageOf(link string) int {
	u, err := url.Parse(link)
	if err != nil {
		return 0
	}
	page, _ := strconv.Atoi(u.Query().Get("page"))
	return page
}

// ListOptions selects one page of a list: Page ≥ 1 (default 1), PerPage 1–100 (default 30).
// ListAll methods ask for 100 a page unless PerPage is set.
type ListOptions struct {
	Page    int `url:"page"`
	PerPage int `url:"per_page"`
}

// Request calls any endpoint: path is relative to /api/v1 (e.g. "/user"), query may be nil, body
// (if not nil) is sent as JSON, and the JSON answer is decoded into v (if not nil; a string pointer
// receives a text body as is).
func (c *Client) Request(ctx context.Context, method, path string, query url.Values, body, v interface{}) (*Response, error) {
	return c.call(ctx, method, path, query, body, v, nil)
}

func (c *Client) endpoint(path string, query url.Values) (string, error) {
	if c.err != nil {
		return "", c.err
	}
	if c.BaseURL == nil {
		return "", errors.New("kizuna: Client.BaseURL is not set; use kizuna.NewClient")
	}
	p, rawQuery := path, ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		p, rawQuery = path[:i], path[i+1:]
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("kizuna: bad query in %q: %w", path, err)
	}
	for k, vs := range query {
		q[k] = vs
	}
	target := strings.TrimRight(c.BaseURL.String(), "/") + apiPrefix + "/" + strings.TrimLeft(p, "/")
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	return target, nil
}

func (c *Client) newRequest(ctx context.Context, method, target string, body []byte, header http.Header) (*http.Request, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return req, nil
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryWait is how long to wait before retrying this answer; ok is false when it must not be retried.
func (c *Client) retryWait(r *http.Response, attempt int) (time.Duration, bool) {
	if after, ok := parseRetryAfter(r.Header.Get("Retry-After"), time.Now()); ok {
		return after, after <= c.MaxRetryWait
	}
	wait := time.Duration(float64(c.Backoff) * math.Pow(2, float64(attempt)))
	if wait > c.MaxRetryWait {
		wait = c.MaxRetryWait
	}
	return wait, true
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(value, 64); err == nil && secs >= 0 && !math.IsInf(secs, 0) {
		return time.Duration(secs * float64(time.Second)), true
	}
	if when, err := http.ParseTime(value); err == nil {
		if d := when.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// call sends one API request (retrying idempotent ones on 429/5xx) and decodes the answer into v.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, v interface{}, header http.Header) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("kizuna: nil context")
	}
	method = strings.ToUpper(method)
	target, err := c.endpoint(path, query)
	if err != nil {
		return nil, err
	}
	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("kizuna: encoding the request body: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		req, err := c.newRequest(ctx, method, target, payload, header)
		if err != nil {
			return nil, err
		}
		httpResp, err := c.HTTPClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("kizuna: cannot reach %s (%w); check the base URL", c.BaseURL, err)
		}
		resp := c.newResponse(httpResp)
		if httpResp.StatusCode < 400 {
			defer httpResp.Body.Close()
			return resp, decodeBody(httpResp, v)
		}
		retryable := httpResp.StatusCode == http.StatusTooManyRequests || httpResp.StatusCode >= 500
		if retryable && idempotent(method) && attempt < c.MaxRetries {
			if wait, ok := c.retryWait(httpResp, attempt); ok {
				io.Copy(io.Discard, io.LimitReader(httpResp.Body, 1<<20)) //nolint:errcheck // draining for reuse
				httpResp.Body.Close()
				if err := c.sleep(ctx, wait); err != nil {
					return resp, err
				}
				continue
			}
		}
		defer httpResp.Body.Close()
		return resp, errorFromResponse(httpResp)
	}
}

func decodeBody(r *http.Response, v interface{}) error {
	if v == nil || r.StatusCode == http.StatusNoContent {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) //nolint:errcheck // draining for reuse
		return nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("kizuna: reading the answer of %s %s: %w", r.Request.Method, r.Request.URL, err)
	}
	if s, ok := v.(*string); ok && !strings.Contains(strings.ToLower(r.Header.Get("Content-Type")), "json") {
		*s = string(data)
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if ct := strings.ToLower(r.Header.Get("Content-Type")); !strings.Contains(ct, "json") {
		return &Error{Status: r.StatusCode, Code: "INVALID_RESPONSE", Response: r,
			Message: fmt.Sprintf("expected JSON from %s %s, got %q: is the base URL a Kizuna server?", r.Request.Method, r.Request.URL, ct)}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &Error{Status: r.StatusCode, Code: "INVALID_RESPONSE", Response: r,
			Message: fmt.Sprintf("cannot decode the answer of %s %s: %v", r.Request.Method, r.Request.URL, err)}
	}
	return nil
}

// listPage fetches one page of a list endpoint.
func listPage[T any](ctx context.Context, c *Client, path string, opts interface{}) ([]*T, *Response, error) {
	query, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	var items []*T
	resp, err := c.call(ctx, http.MethodGet, path, query, nil, &items, nil)
	if err != nil {
		return nil, resp, err
	}
	return items, resp, nil
}

// listAll follows every page from opts' page (default the first), 100 items a page unless PerPage is set.
func listAll[T any](ctx context.Context, c *Client, path string, opts interface{}) ([]*T, error) {
	query, err := encodeQuery(opts)
	if err != nil {
		return nil, err
	}
	if query.Get("per_page") == "" {
		query.Set("per_page", "100")
	}
	all := []*T{}
	for {
		var items []*T
		resp, err := c.call(ctx, http.MethodGet, path, query, nil, &items, nil)
		if err != nil {
			return all, err
		}
		all = append(all, items...)
		if resp.NextPage == 0 || len(items) == 0 {
			return all, nil
		}
		query.Set("page", strconv.Itoa(resp.NextPage))
	}
}

// seg escapes one path segment (names may hold spaces, never '/').
func seg(v interface{}) string { return url.PathEscape(fmt.Sprint(v)) }

// subpath escapes a path that may contain '/' (branch names, file paths).
func subpath(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i, part := range parts {
		parts[i] = url.PathEscape(part)
	}
	return strings.Join(parts, "/")
}

func repoPath(org, repo string) string { return "/repos/" + seg(org) + "/" + seg(repo) }

// String returns a pointer to v (for optional fields of request structs).
func String(v string) *string { return &v }

// Int returns a pointer to v.
func Int(v int) *int { return &v }

// Bool returns a pointer to v.
func Bool(v bool) *bool { return &v }

// Strings returns a pointer to v (for fields that replace a list; an empty list clears it).
func Strings(v ...string) *[]string {
	if v == nil {
		v = []string{}
	}
	return &v
}
