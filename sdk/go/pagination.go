package kizuna

import (
	"context"
	"net/http"
	"strconv"
)

// ListOptions selects one page of a list: Page ≥ 1 (default 1), PerPage 1–100 (default 30).
// ListAll methods ask for 100 a page unless PerPage is set.
type ListOptions struct {
	Page    int `url:"page"`
	PerPage int `url:"per_page"`
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
