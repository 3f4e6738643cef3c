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
	"context"
	"fmt"
	"net/http"
	"net/url"
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

// Request calls any endpoint: path is relative to /api/v1 (e.g. "/user"), query may be nil, body
// (if not nil) is sent as JSON, and the JSON answer is decoded into v (if not nil; a string pointer
// receives a text body as is).
func (c *Client) Request(ctx context.Context, method, path string, query url.Values, body, v interface{}) (*Response, error) {
	return c.call(ctx, method, path, query, body, v, nil)
}

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
