package kizuna

import (
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Deprecation is a server's announcement (docs/api.md §18) that something a call used is going away:
// its Deprecation (RFC 9745), Sunset (RFC 8594) and Link rel="deprecation" headers. After the
// sunset the server answers 410 GONE (errors.Is(err, ErrGone)).
type Deprecation struct {
	// Method and Path are the call that met it; Path is relative to /api/v1, without the query.
	Method, Path string
	// Since is the Deprecation date (`@<unix seconds>`); zero when the header has another form.
	Since time.Time
	// Value is the raw Deprecation header.
	Value string
	// Sunset is the raw Sunset header (an HTTP date; "" when absent) and SunsetAt its parsed time
	// (zero when absent or unreadable).
	Sunset   string
	SunsetAt time.Time
	// Links are the rel="deprecation" targets: what changed and what to use instead.
	Links []string
}

// String is the line logged when Client.OnDeprecation is nil.
func (d Deprecation) String() string {
	var b strings.Builder
	b.WriteString("kizuna: " + d.Method + " " + d.Path + " uses something deprecated")
	if !d.Since.IsZero() {
		b.WriteString(" since " + d.Since.UTC().Format(time.RFC3339))
	}
	if d.Sunset != "" {
		b.WriteString("; it stops working (410 GONE) on " + d.Sunset)
	}
	if len(d.Links) > 0 {
		b.WriteString(". See " + strings.Join(d.Links, ", "))
	}
	return b.String()
}

// key is what makes a notice new: the method and the server's announcement, not the path's ids,
// so a deprecated GET /orgs/{org} called on a thousand organisations is reported once.
func (d *Deprecation) key() string {
	return strings.Join([]string{d.Method, d.Value, d.Sunset, strings.Join(d.Links, " ")}, "\n")
}

// parseDeprecation reads the deprecation headers of an answer to method path; nil when the answer
// announces none.
func parseDeprecation(method, path string, h http.Header) *Deprecation {
	values, ok := h["Deprecation"]
	if !ok || len(values) == 0 {
		return nil
	}
	d := &Deprecation{Method: method, Path: path, Value: strings.TrimSpace(values[0]), Sunset: strings.TrimSpace(h.Get("Sunset"))}
	if stamp := strings.TrimPrefix(d.Value, "@"); stamp != d.Value {
		if secs, err := strconv.ParseInt(stamp, 10, 64); err == nil {
			d.Since = time.Unix(secs, 0).UTC()
		}
	}
	if d.Sunset != "" {
		if at, err := http.ParseTime(d.Sunset); err == nil {
			d.SunsetAt = at.UTC()
		}
	}
	for _, header := range h.Values("Link") {
		eachLink(header, func(rel, target string) {
			if rel == "deprecation" {
				d.Links = append(d.Links, target)
			}
		})
	}
	return d
}

// noteDeprecation reports d once per key: to OnDeprecation, or as one log line when it is nil.
func (c *Client) noteDeprecation(d *Deprecation) {
	key := d.key()
	c.mu.Lock()
	if c.seenDeprecations == nil {
		c.seenDeprecations = map[string]bool{}
	}
	seen := c.seenDeprecations[key]
	if !seen {
		c.seenDeprecations[key] = true
		c.deprecations = append(c.deprecations, *d)
	}
	hook := c.OnDeprecation
	c.mu.Unlock()
	if seen {
		return
	}
	if hook != nil {
		hook(*d)
		return
	}
	log.Print(d.String())
}

// Deprecations returns the deprecations the server announced on this client's calls, each once,
// in the order they were first met.
func (c *Client) Deprecations() []Deprecation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Deprecation(nil), c.deprecations...)
}

// apiPath is the request's path relative to /api/v1 (what a Deprecation reports).
func (c *Client) apiPath(r *http.Request) string {
	if r == nil || r.URL == nil {
		return ""
	}
	p := r.URL.Path
	if c.BaseURL != nil {
		p = strings.TrimPrefix(p, strings.TrimRight(c.BaseURL.Path, "/"))
	}
	if rest := strings.TrimPrefix(p, apiPrefix); rest != p && (rest == "" || rest[0] == '/') {
		p = rest
	}
	return p
}
