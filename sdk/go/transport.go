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
	"time"
)

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

func one[T any](ctx context.Context, c *Client, method, path string, body interface{}) (*T, *Response, error) {
	v := new(T)
	resp, err := c.call(ctx, method, path, nil, body, v, nil)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

func none(ctx context.Context, c *Client, method, path string) (*Response, error) {
	return c.call(ctx, method, path, nil, nil, nil, nil)
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
