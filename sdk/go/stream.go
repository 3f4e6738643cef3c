package kizuna

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// streamReadTimeout: the server sends a keepalive every 15 s; this long without a byte means the
// connection is dead, and the stream reconnects.
var streamReadTimeout = 45 * time.Second

const defaultStreamRetry = 3 * time.Second

// Stream follows the Server-Sent Events of one repository (org and repo), or of every repository
// the caller can read (org and repo both ""). lastEventID > 0 resumes after that event; 0 starts
// with events newer than the connection.
//
// Events arrive on the first channel. A dropped connection is reconnected by itself (after the
// server's `retry:` wait) and resumes after the last event delivered, with Last-Event-ID, so nothing
// is missed or repeated. The event channel closes when ctx is done or on an error that a reconnect
// cannot fix (401, 403, 404, 422, a Retry-After longer than MaxRetryWait…); that error, if any, is
// then sent on the second channel, which closes after it.
//
//	events, errc := c.Events.Stream(ctx, "my-org", "my-repo", 0)
//	for ev := range events { … }
//	if err := <-errc; err != nil { … }
func (s *EventsService) Stream(ctx context.Context, org, repo string, lastEventID int64) (<-chan *Event, <-chan error) {
	events := make(chan *Event)
	errc := make(chan error, 1)
	if (org == "") != (repo == "") {
		close(events)
		errc <- errStreamArgs
		close(errc)
		return events, errc
	}
	path := "/user/events/stream"
	if org != "" {
		path = repoPath(org, repo) + "/events/stream"
	}
	st := &streamer{c: s.client, path: path, retry: defaultStreamRetry}
	if lastEventID > 0 {
		st.lastID = strconv.FormatInt(lastEventID, 10)
	}
	go func() {
		defer close(errc)
		defer close(events)
		if err := st.run(ctx, events); err != nil && ctx.Err() == nil {
			errc <- err
		}
	}()
	return events, errc
}

type streamer struct {
	c      *Client
	path   string
	lastID string
	retry  time.Duration
}

func (st *streamer) run(ctx context.Context, out chan<- *Event) error {
	for {
		wait, err := st.connect(ctx, out)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if err := st.c.sleep(ctx, wait); err != nil {
			return nil
		}
	}
}

var fatalStreamStatus = map[int]bool{400: true, 401: true, 403: true, 404: true, 405: true, 410: true, 422: true}

// connect reads one connection until it ends; it returns how long to wait before reconnecting, or
// an error that ends the stream.
func (st *streamer) connect(ctx context.Context, out chan<- *Event) (time.Duration, error) {
	target, err := st.c.endpoint(st.path, nil)
	if err != nil {
		return 0, err
	}
	connCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	header := http.Header{"Accept": {"text/event-stream"}, "Cache-Control": {"no-cache"}}
	if st.lastID != "" {
		header.Set("Last-Event-ID", st.lastID)
	}
	req, err := st.c.newRequest(connCtx, http.MethodGet, target, nil, header)
	if err != nil {
		return 0, err
	}
	httpClient := *st.c.HTTPClient
	httpClient.Timeout = 0 // a stream is long-lived; the watchdog below catches silence
	watchdog := time.AfterFunc(streamReadTimeout, cancel)
	defer watchdog.Stop()
	resp, err := httpClient.Do(req)
	if err != nil {
		return st.retry, nil // refused, reset, timed out: reconnect
	}
	defer resp.Body.Close()
	st.c.newResponse(resp) // rate limit and deprecation (reported once per Client.OnDeprecation)
	if resp.StatusCode >= 400 {
		apiErr := errorFromResponse(resp)
		if fatalStreamStatus[resp.StatusCode] {
			return 0, apiErr
		}
		if after, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if after > st.c.MaxRetryWait {
				return 0, apiErr
			}
			return after, nil
		}
		return st.retry, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "text/event-stream") {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) //nolint:errcheck // draining
		return 0, &Error{Status: resp.StatusCode, Code: "INVALID_RESPONSE", Response: resp,
			Message: fmt.Sprintf("expected text/event-stream from GET %s, got %q", target, ct)}
	}
	reader := bufio.NewReader(resp.Body)
	var f frame
	for {
		line, err := reader.ReadString('\n')
		if err != nil {
			return st.retry, nil // the connection ended: reconnect and resume
		}
		watchdog.Reset(streamReadTimeout)
		if !f.feed(strings.TrimRight(line, "\r\n")) {
			continue
		}
		done := f
		f = frame{}
		if done.hasRetry {
			st.retry = done.retry
			if st.retry > st.c.MaxRetryWait {
				st.retry = st.c.MaxRetryWait
			}
		}
		if done.hasID && done.data == nil {
			st.lastID = done.id
			continue
		}
		if done.data == nil {
			continue
		}
		ev := new(Event)
		if err := json.Unmarshal([]byte(strings.Join(done.data, "\n")), ev); err != nil {
			ev = &Event{Payload: map[string]interface{}{"data": strings.Join(done.data, "\n")}}
		}
		if done.hasID {
			st.lastID = done.id
			if ev.ID == 0 {
				ev.ID, _ = strconv.ParseInt(done.id, 10, 64)
			}
		}
		if ev.Type == "" {
			ev.Type = done.event
		}
		select {
		case out <- ev:
		case <-ctx.Done():
			return 0, nil
		}
	}
}

// frame accumulates the fields of one SSE frame (the WHATWG event-stream format).
type frame struct {
	id, event string
	hasID     bool
	data      []string
	retry     time.Duration
	hasRetry  bool
}

// feed takes one line; it returns true when the line ended a frame worth reporting.
func (f *frame) feed(line string) bool {
	if line == "" {
		return f.data != nil || f.hasID || f.hasRetry
	}
	if strings.HasPrefix(line, ":") {
		return false
	}
	field, value := line, ""
	if i := strings.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], strings.TrimPrefix(line[i+1:], " ")
	}
	switch field {
	case "data":
		f.data = append(f.data, value)
	case "id":
		if !strings.ContainsRune(value, 0) {
			f.id, f.hasID = value, true
		}
	case "event":
		f.event = value
	case "retry":
		if ms, err := strconv.Atoi(value); err == nil && ms >= 0 {
			f.retry, f.hasRetry = time.Duration(ms)*time.Millisecond, true
		}
	}
	return false
}
