package kizuna

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors for errors.Is: errors.Is(err, kizuna.ErrNotFound) is true for a 404 NOT_FOUND.
var (
	ErrUnauthorized = errors.New("kizuna: unauthorized")  // 401 UNAUTHORIZED
	ErrForbidden    = errors.New("kizuna: forbidden")     // 403 FORBIDDEN
	ErrNotFound     = errors.New("kizuna: not found")     // 404 NOT_FOUND
	ErrValidation   = errors.New("kizuna: invalid")       // 422 VALIDATION_ERROR
	ErrConflict     = errors.New("kizuna: conflict")      // 409 CONFLICT
	ErrNotMergeable = errors.New("kizuna: not mergeable") // 405 NOT_MERGEABLE
	ErrRateLimited  = errors.New("kizuna: rate limited")  // 429 RATE_LIMITED
	ErrGone         = errors.New("kizuna: gone")          // 410 GONE: sunset (docs/api.md §18); retrying will not help
	ErrServer       = errors.New("kizuna: server error")  // any 5xx
)

// Error is an error answer of the API (docs/api.md §2), or an answer that could not be read.
type Error struct {
	Status    int                    // HTTP status
	Code      string                 // the envelope's code, e.g. "NOT_FOUND"
	Message   string                 // the envelope's message
	Details   map[string]interface{} // field → messages for VALIDATION_ERROR; a hint or empty otherwise
	RequestID string                 // the envelope's request_id (X-Request-Id)
	// RetryAfter is the server's Retry-After (429 and some 5xx); 0 when it sent none.
	RetryAfter time.Duration
	// Response is the HTTP answer (its body already read).
	Response *http.Response
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kizuna: %d %s: %s", e.Status, e.Code, e.Message)
	if len(e.Details) > 0 {
		if d, err := json.Marshal(e.Details); err == nil {
			fmt.Fprintf(&b, " %s", d)
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request_id=%s)", e.RequestID)
	}
	return b.String()
}

// Is matches the sentinel errors: by the envelope's code first, by the HTTP status otherwise.
func (e *Error) Is(target error) bool {
	return target != nil && target == e.kind()
}

func (e *Error) kind() error {
	switch e.Code {
	case "UNAUTHORIZED":
		return ErrUnauthorized
	case "FORBIDDEN":
		return ErrForbidden
	case "NOT_FOUND":
		return ErrNotFound
	case "VALIDATION_ERROR":
		return ErrValidation
	case "CONFLICT":
		return ErrConflict
	case "NOT_MERGEABLE":
		return ErrNotMergeable
	case "RATE_LIMITED":
		return ErrRateLimited
	case "GONE":
		return ErrGone
	}
	switch {
	case e.Status == 401:
		return ErrUnauthorized
	case e.Status == 403:
		return ErrForbidden
	case e.Status == 404:
		return ErrNotFound
	case e.Status == 409:
		return ErrConflict
	case e.Status == 410:
		return ErrGone
	case e.Status == 422:
		return ErrValidation
	case e.Status == 429:
		return ErrRateLimited
	case e.Status >= 500:
		return ErrServer
	}
	return nil
}

var statusCodes = map[int]string{
	400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
	409: "CONFLICT", 410: "GONE", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
	416: "RANGE_NOT_SATISFIABLE", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED", 500: "INTERNAL_ERROR",
	502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT",
}

// errorFromResponse builds the *Error for an answer ≥ 400, whatever its body is.
func errorFromResponse(r *http.Response) *Error {
	e := &Error{Status: r.StatusCode, RequestID: r.Header.Get("X-Request-Id"), Response: r, Details: map[string]interface{}{}}
	if after, ok := parseRetryAfter(r.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = after
	}
	data, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var envelope struct {
		Error *struct {
			Code      string                 `json:"code"`
			Message   string                 `json:"message"`
			Details   map[string]interface{} `json:"details"`
			RequestID string                 `json:"request_id"`
		} `json:"error"`
	}
	if strings.Contains(strings.ToLower(r.Header.Get("Content-Type")), "json") && json.Unmarshal(data, &envelope) == nil && envelope.Error != nil {
		e.Code, e.Message = envelope.Error.Code, envelope.Error.Message
		if envelope.Error.Details != nil {
			e.Details = envelope.Error.Details
		}
		if envelope.Error.RequestID != "" {
			e.RequestID = envelope.Error.RequestID
		}
	} else {
		snippet := strings.Join(strings.Fields(string(data)), " ")
		if len(snippet) > 200 {
			snippet = snippet[:200]
		}
		kind := strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0])
		if kind == "" {
			kind = "no content type"
		}
		e.Message = fmt.Sprintf("HTTP %d from %s %s with a non-JSON body (%s) %q: is the base URL a Kizuna server, or is a proxy in front of it failing?",
			r.StatusCode, r.Request.Method, r.Request.URL, kind, snippet)
	}
	if e.Code == "" {
		if code, ok := statusCodes[r.StatusCode]; ok {
			e.Code = code
		} else {
			e.Code = fmt.Sprintf("HTTP_%d", r.StatusCode)
		}
	}
	return e
}
