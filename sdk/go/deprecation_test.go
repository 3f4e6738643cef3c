package kizuna

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// docs/api.md §18: the SDK reports a deprecation once per deprecated operation it calls (the
// OnDeprecation hook, or one log line) and 410 GONE is ErrGone. Stub servers play the deprecating
// server (tests/versions proves the real one sends these headers).

const notes = "https://kizuna.example.com/docs/changes/orgs-v2"

var deprecated = map[string]string{
	"Deprecation": "@1798761600",
	"Sunset":      "Sat, 01 Jan 2028 00:00:00 GMT",
	"Link":        "<" + notes + `>; rel="deprecation"; type="text/html"`,
}

// answers replies to the n-th request with the n-th header set (the last one after that); nil
// headers make a plain answer.
func answers(t *testing.T, headers ...map[string]string) *testServer {
	return serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n >= len(headers) {
			n = len(headers) - 1
		}
		for k, v := range headers[n] {
			w.Header().Set(k, v)
		}
		writeJSON(w, 200, map[string]interface{}{})
	})
}

// recorder is an OnDeprecation hook that keeps what it was given.
type recorder struct {
	mu    sync.Mutex
	calls []Deprecation
}

func (r *recorder) hook(d Deprecation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, d)
}

func (r *recorder) all() []Deprecation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Deprecation(nil), r.calls...)
}

func get(t *testing.T, c *Client, method, path string) *Response {
	t.Helper()
	resp, err := c.Request(context.Background(), method, path, nil, nil, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func TestADeprecatedOperationIsReportedOnce(t *testing.T) {
	ts := answers(t, deprecated)
	c, _ := newTestClient(t, ts.URL+"/kizuna")
	rec := &recorder{}
	c.OnDeprecation = rec.hook
	var responses []*Response
	for _, path := range []string{"/orgs/a", "/orgs/b", "/orgs/a"} {
		responses = append(responses, get(t, c, "GET", path))
	}
	calls := rec.all()
	if len(calls) != 1 {
		t.Fatalf("OnDeprecation called %d times, want once: %+v", len(calls), calls)
	}
	d := calls[0]
	since := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if d.Method != "GET" || d.Path != "/orgs/a" || !d.Since.Equal(since) || d.Value != "@1798761600" ||
		d.Sunset != "Sat, 01 Jan 2028 00:00:00 GMT" || !d.SunsetAt.Equal(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		fmt.Sprint(d.Links) != "["+notes+"]" {
		t.Fatalf("notice = %+v", d)
	}
	want := "kizuna: GET /orgs/a uses something deprecated since 2027-01-01T00:00:00Z; it stops working (410 GONE) on Sat, 01 Jan 2028 00:00:00 GMT. See " + notes
	if d.String() != want {
		t.Fatalf("String() = %q\nwant       %q", d.String(), want)
	}
	for i, resp := range responses {
		if resp.Deprecation == nil || resp.Deprecation.Value != "@1798761600" {
			t.Errorf("response %d: Deprecation = %+v", i, resp.Deprecation)
		}
	}
	if responses[1].Deprecation.Path != "/orgs/b" {
		t.Errorf("the second response's notice names its own call: %+v", responses[1].Deprecation)
	}
	if got := c.Deprecations(); len(got) != 1 || got[0].Path != "/orgs/a" {
		t.Fatalf("Deprecations() = %+v", got)
	}
}

func TestEachDeprecationIsReportedAndPlainAnswersAreNot(t *testing.T) {
	other := map[string]string{"Deprecation": "@1800000000", "Sunset": deprecated["Sunset"], "Link": `<https://x.example/n2>; rel="deprecation"`}
	ts := answers(t, nil, deprecated, other, deprecated, nil, deprecated)
	c, _ := newTestClient(t, ts.URL)
	rec := &recorder{}
	c.OnDeprecation = rec.hook
	if resp := get(t, c, "GET", "/user"); resp.Deprecation != nil {
		t.Fatalf("a plain answer has no Deprecation, got %+v", resp.Deprecation)
	}
	get(t, c, "GET", "/orgs/a")
	get(t, c, "GET", "/repos/a/b/issues?milestone=1")
	get(t, c, "GET", "/orgs/b")
	if resp := get(t, c, "GET", "/user"); resp.Deprecation != nil {
		t.Fatalf("a plain answer has no Deprecation, got %+v", resp.Deprecation)
	}
	get(t, c, "DELETE", "/orgs/a") // the same announcement on another method is another operation
	var got []string
	for _, d := range rec.all() {
		got = append(got, d.Method+" "+d.Path)
	}
	if fmt.Sprint(got) != "[GET /orgs/a GET /repos/a/b/issues DELETE /orgs/a]" {
		t.Fatalf("notices = %v", got)
	}
	if len(c.Deprecations()) != 3 {
		t.Fatalf("Deprecations() = %+v", c.Deprecations())
	}
}

func TestWithoutAHookEachDeprecationIsLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	log.SetFlags(0)
	t.Cleanup(func() { log.SetOutput(out); log.SetFlags(flags) })

	ts := answers(t, nil, deprecated)
	c, _ := newTestClient(t, ts.URL)
	get(t, c, "GET", "/user")
	if buf.Len() != 0 {
		t.Fatalf("a plain answer logged %q", buf.String())
	}
	for i := 0; i < 3; i++ {
		get(t, c, "GET", fmt.Sprintf("/orgs/o%d", i))
	}
	want := "kizuna: GET /orgs/o0 uses something deprecated since 2027-01-01T00:00:00Z; it stops working (410 GONE) on Sat, 01 Jan 2028 00:00:00 GMT. See " + notes + "\n"
	if buf.String() != want {
		t.Fatalf("log = %q\nwant  %q", buf.String(), want)
	}
}

func TestConcurrentCallsReportADeprecationOnce(t *testing.T) {
	ts := answers(t, deprecated)
	c, _ := newTestClient(t, ts.URL)
	rec := &recorder{}
	c.OnDeprecation = rec.hook
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c.Request(context.Background(), "GET", fmt.Sprintf("/orgs/o%d", i), nil, nil, nil) //nolint:errcheck
		}(i)
	}
	wg.Wait()
	if n := len(rec.all()); n != 1 {
		t.Fatalf("OnDeprecation called %d times, want once", n)
	}
}

func TestPaginationLinksAreNotDeprecationNotes(t *testing.T) {
	page2 := "http://x/api/v1/orgs/a/members?page=2"
	ts := answers(t, map[string]string{"Deprecation": "@1798761600", "Link": "<" + page2 + `>; rel="next", <` + notes + `>; rel="deprecation"`})
	c, _ := newTestClient(t, ts.URL)
	c.OnDeprecation = func(Deprecation) {}
	resp := get(t, c, "GET", "/orgs/a/members")
	if resp.NextPage != 2 || resp.Deprecation == nil || fmt.Sprint(resp.Deprecation.Links) != "["+notes+"]" ||
		resp.Deprecation.Sunset != "" || !resp.Deprecation.SunsetAt.IsZero() {
		t.Fatalf("NextPage = %d, Deprecation = %+v", resp.NextPage, resp.Deprecation)
	}
	if !strings.Contains(resp.Deprecation.String(), "since 2027-01-01T00:00:00Z. See "+notes) {
		t.Fatalf("String() without a sunset = %q", resp.Deprecation.String())
	}
}

func TestGoneIsErrGoneAndStillReportsTheDeprecation(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		for k, v := range deprecated {
			w.Header().Set(k, v)
		}
		switch n {
		case 0:
			envelope(w, 410, "GONE", map[string]interface{}{"sunset_at": "2028-01-01T00:00:00Z"})
			return
		case 2:
			envelope(w, 410, "SUNSET", nil)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(410)
		io.WriteString(w, "<h1>Gone</h1>") //nolint:errcheck
	})
	c, s := newTestClient(t, ts.URL)
	rec := &recorder{}
	c.OnDeprecation = rec.hook
	// the envelope, a proxy's page, an envelope with another code: all are ErrGone, by code or status
	for i, code := range []string{"GONE", "GONE", "SUNSET"} {
		_, resp, err := c.Orgs.Get(context.Background(), "a")
		var apiErr *Error
		if !errors.Is(err, ErrGone) || !errors.As(err, &apiErr) || apiErr.Status != 410 || apiErr.Code != code {
			t.Fatalf("answer %d: err = %v", i, err)
		}
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrServer) {
			t.Fatalf("answer %d: 410 matches only ErrGone: %v", i, err)
		}
		if resp == nil || resp.Deprecation == nil {
			t.Fatalf("answer %d: the 410's Response carries its Deprecation: %+v", i, resp)
		}
		if i == 0 && apiErr.Details["sunset_at"] != "2028-01-01T00:00:00Z" {
			t.Fatalf("details = %v", apiErr.Details)
		}
	}
	if len(s.all()) != 0 || len(ts.seen()) != 3 {
		t.Fatalf("a 410 is never retried: waits %v, requests %d", s.all(), len(ts.seen()))
	}
	if calls := rec.all(); len(calls) != 1 || calls[0].Path != "/orgs/a" {
		t.Fatalf("notices = %+v", calls)
	}
}

func TestAnEventStreamOfADeprecatedOperationIsReportedOnce(t *testing.T) {
	ts := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		for k, v := range deprecated {
			w.Header().Set(k, v)
		}
		if n >= 2 {
			envelope(w, 410, "GONE", nil)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		io.WriteString(w, sseFrame(n+1, "ping")) //nolint:errcheck
	})
	c, _ := newTestClient(t, ts.URL)
	rec := &recorder{}
	c.OnDeprecation = rec.hook
	events, errc := c.Events.Stream(context.Background(), "o", "r", 0)
	var ids []int64
	for ev := range events {
		ids = append(ids, ev.ID)
	}
	if err := <-errc; !errors.Is(err, ErrGone) {
		t.Fatalf("the stream must end with the 410 as ErrGone, got %v", err)
	}
	if fmt.Sprint(ids) != "[1 2]" {
		t.Fatalf("ids = %v", ids)
	}
	if calls := rec.all(); len(calls) != 1 || calls[0].Method != "GET" || calls[0].Path != "/repos/o/r/events/stream" {
		t.Fatalf("notices = %+v", calls)
	}
}
