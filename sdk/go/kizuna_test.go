package kizuna

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorded is one request a test server saw.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                string
}

type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

func (s *testServer) seen() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

func serve(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, n int)) *testServer {
	t.Helper()
	ts := &testServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts.mu.Lock()
		ts.requests = append(ts.requests, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), string(body)})
		n := len(ts.requests) - 1
		ts.mu.Unlock()
		handler(w, r, n)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck
}

func envelope(w http.ResponseWriter, status int, code string, details map[string]interface{}) {
	w.Header().Set("X-Request-Id", "req-1")
	writeJSON(w, status, map[string]interface{}{"error": map[string]interface{}{
		"code": code, "message": "m", "details": details, "request_id": "req-1"}})
}

// sleeps records the client's retry waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newTestClient(t *testing.T, url string) (*Client, *sleeps) {
	t.Helper()
	c := NewClient(url, "kzp_test")
	s := &sleeps{}
	c.sleep = s.sleep
	return c, s
}

func TestNewClientNormalisesBaseURL(t *testing.T) {
	for _, base := range []string{"https://k.example.com", "https://k.example.com/", "https://k.example.com/api/v1", "https://k.example.com/api/v1/"} {
		c := NewClient(base, "")
		got, err := c.endpoint("/repos/my-org", nil)
		if err != nil || got != "https://k.example.com/api/v1/repos/my-org" {
			t.Errorf("%s: endpoint = %q, %v", base, got, err)
		}
	}
	c := NewClient("k.example.com", "")
	if _, _, err := c.Repos.Get(context.Background(), "a", "b"); err == nil || !strings.Contains(err.Error(), "base URL") {
		t.Fatalf("an invalid base URL must fail every call, got %v", err)
	}
}

func TestListReturnsOnePageWithLinksTotalAndRate(t *testing.T) {
	var ts *testServer
	ts = serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		base := ts.URL + "/api/v1/repos/my-org/my-repo/issues?labels=bug%2Cui&per_page=2&state=all"
		w.Header().Set("Link", fmt.Sprintf(`<%s&page=1>; rel="first", <%s&page=1>; rel="prev", <%s&page=3>; rel="next", <%s&page=5>; rel="last"`, base, base, base, base))
		w.Header().Set("X-Total-Count", "9")
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4990")
		w.Header().Set("X-RateLimit-Reset", "1800000000")
		w.Header().Set("X-RateLimit-Used", "10")
		w.Header().Set("X-RateLimit-Resource", "core")
		writeJSON(w, 200, []map[string]interface{}{{"number": 3, "title": "a", "author": map[string]interface{}{"id": 7, "login": "alice", "type": "User"}}, {"number": 4, "title": "b"}})
	})
	c, _ := newTestClient(t, ts.URL)
	issues, resp, err := c.Issues.List(context.Background(), "my-org", "my-repo", &IssueListOptions{
		State: "all", Labels: []string{"bug", "ui"}, ListOptions: ListOptions{Page: 2, PerPage: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 2 || issues[0].Number != 3 || issues[0].Author.ID != "7" {
		t.Fatalf("issues = %+v", issues)
	}
	if resp.FirstPage != 1 || resp.PrevPage != 1 || resp.NextPage != 3 || resp.LastPage != 5 || resp.TotalCount != 9 {
		t.Fatalf("pages = %+v", resp)
	}
	if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4990 || resp.Rate.Reset.Unix() != 1800000000 || resp.Rate.Used != 10 || resp.Rate.Resource != "core" {
		t.Fatalf("rate = %+v", resp.Rate)
	}
	if c.Rate() != resp.Rate {
		t.Fatalf("client rate %+v != %+v", c.Rate(), resp.Rate)
	}
	req := ts.seen()[0]
	if req.Path != "/api/v1/repos/my-org/my-repo/issues" || req.Query != "labels=bug%2Cui&page=2&per_page=2&state=all" {
		t.Fatalf("request = %s?%s", req.Path, req.Query)
	}
	if req.Header.Get("Authorization") != "Bearer kzp_test" || !strings.HasPrefix(req.Header.Get("User-Agent"), "kizuna-sdk-go/") {
		t.Fatalf("headers = %v", req.Header)
	}
}

func TestSinglePageHasNoLinksAndUnknownTotal(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, 200, []interface{}{}) })
	c, _ := newTestClient(t, ts.URL)
	labels, resp, err := c.Labels.List(context.Background(), "o", "r", nil)
	if err != nil || len(labels) != 0 || resp.NextPage != 0 || resp.LastPage != 0 || resp.TotalCount != -1 {
		t.Fatalf("labels=%v resp=%+v err=%v", labels, resp, err)
	}
	if q := ts.seen()[0].Query; q != "" {
		t.Fatalf("nil options must send no query, sent %q", q)
	}
}

func TestListAllFollowsEveryPage(t *testing.T) {
	var ts *testServer
	ts = serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		if page < 3 {
			w.Header().Set("Link", fmt.Sprintf(`<%s/api/v1/repos/my-org?per_page=100&visibility=all&page=%d>; rel="next"`, ts.URL, page+1))
		}
		writeJSON(w, 200, []map[string]interface{}{{"name": fmt.Sprintf("r%d", page)}})
	})
	c, _ := newTestClient(t, ts.URL)
	repos, err := c.Repos.ListAll(context.Background(), "my-org", &RepoListOptions{Visibility: "all"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range repos {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "r1,r2,r3" {
		t.Fatalf("names = %v", names)
	}
	seen := ts.seen()
	if len(seen) != 3 || seen[0].Query != "per_page=100&visibility=all" || seen[2].Query != "page=3&per_page=100&visibility=all" {
		t.Fatalf("requests = %+v", seen)
	}
}

func TestErrorsMatchTheirSentinels(t *testing.T) {
	cases := []struct {
		status int
		code   string
		want   error
	}{
		{401, "UNAUTHORIZED", ErrUnauthorized},
		{403, "FORBIDDEN", ErrForbidden},
		{404, "NOT_FOUND", ErrNotFound},
		{422, "VALIDATION_ERROR", ErrValidation},
		{409, "CONFLICT", ErrConflict},
		{405, "NOT_MERGEABLE", ErrNotMergeable},
		{429, "RATE_LIMITED", ErrRateLimited},
		{410, "GONE", ErrGone},
		{500, "INTERNAL_ERROR", ErrServer},
	}
	all := []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrValidation, ErrConflict, ErrNotMergeable, ErrRateLimited, ErrGone, ErrServer}
	for _, tc := range cases {
		tc := tc
		ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if tc.status == 429 {
				w.Header().Set("Retry-After", "3600")
			}
			envelope(w, tc.status, tc.code, map[string]interface{}{"title": []string{"is required"}})
		})
		c, _ := newTestClient(t, ts.URL)
		c.MaxRetries = 0
		_, _, err := c.Issues.Create(context.Background(), "o", "r", &IssueRequest{Title: "x"})
		var apiErr *Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("%s: not an *Error: %v", tc.code, err)
		}
		if apiErr.Status != tc.status || apiErr.Code != tc.code || apiErr.Message != "m" || apiErr.RequestID != "req-1" || apiErr.Details["title"] == nil {
			t.Fatalf("%s: %+v", tc.code, apiErr)
		}
		for _, sentinel := range all {
			if errors.Is(err, sentinel) != (sentinel == tc.want) {
				t.Errorf("%s: errors.Is(err, %v) = %v", tc.code, sentinel, !(sentinel == tc.want))
			}
		}
		if tc.status == 429 && apiErr.RetryAfter != time.Hour {
			t.Errorf("RetryAfter = %v", apiErr.RetryAfter)
		}
		if !strings.Contains(err.Error(), tc.code) || !strings.Contains(err.Error(), "req-1") {
			t.Errorf("message %q", err.Error())
		}
	}
}

func TestNonJSONErrorSaysWhatCameBack(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		io.WriteString(w, "<html><body>Bad gateway</body></html>") //nolint:errcheck
	})
	c, _ := newTestClient(t, ts.URL)
	c.MaxRetries = 0
	_, _, err := c.Orgs.Get(context.Background(), "o")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != "BAD_GATEWAY" || !errors.Is(err, ErrServer) || !strings.Contains(apiErr.Message, "Bad gateway") {
		t.Fatalf("err = %v", err)
	}
}

func TestIdempotentCallsRetry429AndServerErrorsHonouringRetryAfter(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 0:
			w.Header().Set("Retry-After", "2")
			envelope(w, 429, "RATE_LIMITED", nil)
		case 1:
			envelope(w, 503, "SERVICE_UNAVAILABLE", nil)
		default:
			writeJSON(w, 200, map[string]interface{}{"name": "my-repo"})
		}
	})
	c, s := newTestClient(t, ts.URL)
	repo, _, err := c.Repos.Get(context.Background(), "my-org", "my-repo")
	if err != nil || repo.Name != "my-repo" {
		t.Fatalf("repo=%v err=%v", repo, err)
	}
	if got := s.all(); len(got) != 2 || got[0] != 2*time.Second || got[1] != time.Second {
		t.Fatalf("waits = %v (want Retry-After 2s, then backoff 0.5s*2)", got)
	}
}

func TestPostIsNeverRetriedAndLongRetryAfterIsReturnedAtOnce(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "1")
		if r.Method == http.MethodGet {
			w.Header().Set("Retry-After", "3600")
		}
		envelope(w, 429, "RATE_LIMITED", nil)
	})
	c, s := newTestClient(t, ts.URL)
	if _, _, err := c.Issues.Create(context.Background(), "o", "r", &IssueRequest{Title: "x"}); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("POST: %v", err)
	}
	if _, _, err := c.Issues.Get(context.Background(), "o", "r", 1); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("GET: %v", err)
	}
	if len(ts.seen()) != 2 || len(s.all()) != 0 {
		t.Fatalf("requests=%d waits=%v: neither may be retried", len(ts.seen()), s.all())
	}
}

func TestRetriesStopAfterMaxRetries(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) { envelope(w, 500, "INTERNAL_ERROR", nil) })
	c, s := newTestClient(t, ts.URL)
	c.MaxRetries = 2
	if _, err := c.Repos.Delete(context.Background(), "o", "r"); !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v", err)
	}
	if len(ts.seen()) != 3 || len(s.all()) != 2 {
		t.Fatalf("requests=%d waits=%v", len(ts.seen()), s.all())
	}
}

func TestRequestBodiesAndPaths(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/labels/"):
			writeJSON(w, 200, []interface{}{})
		case r.Method == http.MethodDelete:
			w.WriteHeader(204)
		default:
			writeJSON(w, 200, map[string]interface{}{})
		}
	})
	c, _ := newTestClient(t, ts.URL)
	ctx := context.Background()
	c.Issues.Update(ctx, "o", "r", 5, &IssueRequest{State: "closed", Labels: Strings(), ClearMilestone: true}) //nolint:errcheck
	c.Issues.RemoveLabel(ctx, "o", "r", 5, "good first issue")                                                 //nolint:errcheck
	c.Pulls.Merge(ctx, "o", "r", 6, &MergeRequest{MergeMethod: "squash", SHA: "abc"})                          //nolint:errcheck
	c.Webhooks.Create(ctx, "o", "", &WebhookRequest{URL: "https://h.example.com", Events: []string{"*"}})      //nolint:errcheck
	c.Repos.GetBranch(ctx, "o", "r", "feature/x y")                                                            //nolint:errcheck
	c.Labels.Delete(ctx, "o", "r", "help wanted")                                                              //nolint:errcheck
	want := []recorded{
		{Method: "PATCH", Path: "/api/v1/repos/o/r/issues/5", Body: `{"labels":[],"milestone":null,"state":"closed"}`},
		{Method: "DELETE", Path: "/api/v1/repos/o/r/issues/5/labels/good%20first%20issue"},
		{Method: "POST", Path: "/api/v1/repos/o/r/pulls/6/merge", Body: `{"merge_method":"squash","sha":"abc"}`},
		{Method: "POST", Path: "/api/v1/orgs/o/webhooks", Body: `{"url":"https://h.example.com","content_type":"json","events":["*"]}`},
		{Method: "GET", Path: "/api/v1/repos/o/r/branches/feature/x%20y"},
		{Method: "DELETE", Path: "/api/v1/repos/o/r/labels/help%20wanted"},
	}
	seen := ts.seen()
	if len(seen) != len(want) {
		t.Fatalf("saw %d requests", len(seen))
	}
	for i, w := range want {
		got := seen[i]
		if got.Method != w.Method || got.Path != w.Path || strings.TrimSpace(got.Body) != w.Body {
			t.Errorf("request %d = %s %s %s, want %s %s %s", i, got.Method, got.Path, got.Body, w.Method, w.Path, w.Body)
		}
	}
}

func TestContentsFileOrDirectoryAndLogText(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/contents"):
			writeJSON(w, 200, []map[string]interface{}{{"type": "file", "name": "README.md", "path": "README.md"}})
		case strings.Contains(r.URL.Path, "/contents/"):
			writeJSON(w, 200, map[string]interface{}{"type": "file", "path": "README.md", "encoding": "base64", "content": "aGk="})
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "line 1\nline 2\n") //nolint:errcheck
		}
	})
	c, _ := newTestClient(t, ts.URL)
	ctx := context.Background()
	file, dir, _, err := c.Repos.Contents(ctx, "o", "r", "README.md", &ContentOptions{Ref: "main"})
	if err != nil || file == nil || dir != nil || file.Content != "aGk=" {
		t.Fatalf("file=%v dir=%v err=%v", file, dir, err)
	}
	file, dir, _, err = c.Repos.Contents(ctx, "o", "r", "", nil)
	if err != nil || file != nil || len(dir) != 1 || dir[0].Name != "README.md" {
		t.Fatalf("file=%v dir=%v err=%v", file, dir, err)
	}
	text, _, err := c.Pipelines.Log(ctx, "o", "r", 3, 4)
	if err != nil || text != "line 1\nline 2\n" {
		t.Fatalf("log=%q err=%v", text, err)
	}
	seen := ts.seen()
	if seen[0].Query != "ref=main" || seen[2].Path != "/api/v1/repos/o/r/pipelines/3/jobs/4/log" || seen[2].Header.Get("Accept") != "text/plain" {
		t.Fatalf("requests = %+v", seen)
	}
}

func TestModelsRoundTripTheAPIJSON(t *testing.T) {
	in := `{"id":5,"number":2,"title":"t","body":"","state":"closed","state_reason":"completed","labels":[{"id":1,"name":"bug","color":"d73a4a","description":null}],` +
		`"assignees":[{"id":"3f1c2a9e-0000-4000-8000-000000000001","login":"bot","type":"Agent"}],"milestone":null,"author":{"id":1,"login":"alice","type":"User"},` +
		`"comments":0,"created_at":"2026-11-28T10:00:00Z","updated_at":"2026-11-28T10:00:00.123456Z","closed_at":null,"closed_by":null,"url":"http://x/api/v1/repos/o/r/issues/2"}`
	var issue Issue
	if err := json.Unmarshal([]byte(in), &issue); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(&issue)
	if err != nil {
		t.Fatal(err)
	}
	var a, b interface{}
	json.Unmarshal([]byte(in), &a) //nolint:errcheck
	json.Unmarshal(out, &b)        //nolint:errcheck
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("round trip changed the JSON:\n in: %s\nout: %s", in, out)
	}
}

// sseServer answers each connection with the next batch of frames, then closes it; after the last
// batch it answers 401.
func sseServer(t *testing.T, batches []string) *testServer {
	return serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n >= len(batches) {
			envelope(w, 401, "UNAUTHORIZED", nil)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, batches[n]) //nolint:errcheck
	})
}

func sseFrame(id int, typ string) string {
	return fmt.Sprintf("id: %d\nevent: %s\ndata: {\"id\": %d, \"type\": %q, \"payload\": {\"n\": %d}}\n\n", id, typ, id, typ, id)
}

func TestStreamReconnectsAndResumesAfterTheLastEvent(t *testing.T) {
	ts := sseServer(t, []string{
		"retry: 250\n\n: keepalive\n\n" + sseFrame(7, "issue.opened") + sseFrame(8, "comment.created"),
		"retry: 250\n\n" + sseFrame(9, "push"),
	})
	c, s := newTestClient(t, ts.URL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, errc := c.Events.Stream(ctx, "my-org", "my-repo", 6)
	var ids []int64
	for ev := range events {
		ids = append(ids, ev.ID)
		if ev.ID == 7 && (ev.Type != "issue.opened" || ev.Payload["n"] != float64(7)) {
			t.Errorf("event 7 = %+v", ev)
		}
	}
	err := <-errc
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("the stream must end with the 401, got %v", err)
	}
	if fmt.Sprint(ids) != "[7 8 9]" {
		t.Fatalf("ids = %v", ids)
	}
	seen := ts.seen()
	if seen[0].Path != "/api/v1/repos/my-org/my-repo/events/stream" || seen[0].Header.Get("Last-Event-ID") != "6" ||
		seen[1].Header.Get("Last-Event-ID") != "8" || seen[2].Header.Get("Last-Event-ID") != "9" {
		t.Fatalf("requests = %+v", seen)
	}
	if got := s.all(); len(got) != 2 || got[0] != 250*time.Millisecond {
		t.Fatalf("waits = %v (the server's retry: 250)", got)
	}
}

func TestStreamOfEveryRepositoryAndBadArguments(t *testing.T) {
	ts := sseServer(t, []string{sseFrame(1, "push")})
	c, _ := newTestClient(t, ts.URL)
	events, errc := c.Events.Stream(context.Background(), "", "", 0)
	ev := <-events
	if ev == nil || ev.ID != 1 {
		t.Fatalf("event = %+v", ev)
	}
	for range events {
	}
	<-errc
	if seen := ts.seen(); seen[0].Path != "/api/v1/user/events/stream" || seen[0].Header.Get("Last-Event-ID") != "" {
		t.Fatalf("requests = %+v", seen)
	}
	events, errc = c.Events.Stream(context.Background(), "my-org", "", 0)
	if _, open := <-events; open || <-errc == nil {
		t.Fatal("org without repo must fail at once")
	}
}

func TestStreamStopsWhenTheContextEnds(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, sseFrame(n+1, "push")) //nolint:errcheck
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c, _ := newTestClient(t, ts.URL)
	ctx, cancel := context.WithCancel(context.Background())
	events, errc := c.Events.Stream(ctx, "o", "r", 0)
	if ev := <-events; ev == nil || ev.ID != 1 {
		t.Fatalf("event = %+v", ev)
	}
	cancel()
	for range events {
	}
	if err := <-errc; err != nil {
		t.Fatalf("a canceled stream ends without an error, got %v", err)
	}
}

func TestVerifySignatureBothSchemes(t *testing.T) {
	body := []byte(`{"event":"ping"}`)
	now := time.Unix(1_800_000_000, 0)
	ts := now.Unix()
	good := func() http.Header {
		h := http.Header{}
		h.Set("X-Kizuna-Signature", SignKizuna("s3cret", body))
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		h.Set("webhook-signature", "v1,bm90IGl0 "+SignStandard("s3cret", "msg_1", ts, body))
		return h
	}
	if !verifyAt("s3cret", body, good(), now) {
		t.Fatal("good signatures rejected")
	}
	if verifyAt("other", body, good(), now) || verifyAt("s3cret", []byte(`{"event":"pong"}`), good(), now) {
		t.Fatal("a wrong secret or a changed body must fail")
	}
	if verifyAt("s3cret", body, good(), now.Add(6*time.Minute)) {
		t.Fatal("a timestamp outside ±5 minutes must fail")
	}
	if !verifyAt("s3cret", body, good(), now.Add(4*time.Minute)) {
		t.Fatal("4 minutes of skew must pass")
	}
	onlyKizuna := good()
	onlyKizuna.Del("webhook-signature")
	if !verifyAt("s3cret", body, onlyKizuna, now) {
		t.Fatal("X-Kizuna-Signature alone must pass")
	}
	onlyStandard := good()
	onlyStandard.Del("X-Kizuna-Signature")
	if !verifyAt("s3cret", body, onlyStandard, now) {
		t.Fatal("the Standard Webhooks trio alone must pass")
	}
	badKizuna := good()
	badKizuna.Set("X-Kizuna-Signature", SignKizuna("other", body))
	if verifyAt("s3cret", body, badKizuna, now) {
		t.Fatal("one bad scheme must fail the whole")
	}
	raw := http.Header{"webhook-id": {"msg_1"}, "webhook-timestamp": {strconv.FormatInt(ts, 10)},
		"webhook-signature": {SignStandard("s3cret", "msg_1", ts, body)}}
	if !verifyAt("s3cret", body, raw, now) {
		t.Fatal("header keys that are not canonical must be found")
	}
	if verifyAt("s3cret", body, http.Header{}, now) {
		t.Fatal("no signature at all must fail")
	}
	if got := SignKizuna("It's a Secret to Everybody", []byte("Hello, World!")); got != "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" {
		t.Fatalf("SignKizuna = %s (GitHub's documented example)", got)
	}
}

func TestStreamReconnectsWhenTheServerFallsSilent(t *testing.T) {
	saved := streamReadTimeout
	streamReadTimeout = 200 * time.Millisecond
	defer func() { streamReadTimeout = saved }()
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, sseFrame(n+1, "push")) //nolint:errcheck
		w.(http.Flusher).Flush()
		<-r.Context().Done() // then silence: no keepalive, no close
	})
	c, _ := newTestClient(t, ts.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard against hanging, not a measure
	defer cancel()
	events, _ := c.Events.Stream(ctx, "o", "r", 0)
	first, second := <-events, <-events
	if first == nil || second == nil || first.ID != 1 || second.ID != 2 {
		t.Fatalf("events = %+v, %+v", first, second)
	}
	if got := ts.seen()[1].Header.Get("Last-Event-ID"); got != "1" {
		t.Fatalf("the reconnection sent Last-Event-ID %q", got)
	}
}

func TestRetryAfterAsAnHTTPDate(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	if d, ok := parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now); !ok || d != 90*time.Second {
		t.Fatalf("date: %v %v", d, ok)
	}
	if d, ok := parseRetryAfter(now.Add(-time.Minute).Format(http.TimeFormat), now); !ok || d != 0 {
		t.Fatalf("past date: %v %v", d, ok)
	}
	for _, bad := range []string{"", "soon", "-5"} {
		if _, ok := parseRetryAfter(bad, now); ok {
			t.Fatalf("%q must not parse", bad)
		}
	}
}

func TestTimestampsReadDatesAndWriteUTC(t *testing.T) {
	var m Milestone
	if err := json.Unmarshal([]byte(`{"due_on": "2030-01-31", "created_at": "2026-11-28T11:00:00+01:00", "closed_at": null}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.DueOn == nil || m.DueOn.Format("2006-01-02") != "2030-01-31" || m.ClosedAt != nil {
		t.Fatalf("milestone = %+v", m)
	}
	out, _ := json.Marshal(m.CreatedAt)
	if string(out) != `"2026-11-28T10:00:00Z"` {
		t.Fatalf("created_at = %s", out)
	}
	if err := json.Unmarshal([]byte(`{"due_on": "yesterday"}`), &m); err == nil {
		t.Fatal("a time that is not ISO 8601 must be an error")
	}
}
