package kizuna

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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
