package kizuna

import (
	"context"
	"errors"
)

// RepositorySummary is the repository an event or a webhook payload names.
type RepositorySummary struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	URL      string `json:"url"`
}

// Event is one entry of the event log (docs/api.md §13).
type Event struct {
	ID         int64                  `json:"id"`
	Type       string                 `json:"type"`
	Repository *RepositorySummary     `json:"repository"`
	Actor      *Actor                 `json:"actor,omitempty"`
	OnBehalfOf *Actor                 `json:"on_behalf_of"`
	Payload    map[string]interface{} `json:"payload"`
	CreatedAt  *Timestamp             `json:"created_at,omitempty"`
}

// EventListOptions filters Events.List.
type EventListOptions struct {
	Type    string `url:"type"`
	Actor   string `url:"actor"`
	AfterID int64  `url:"after_id"`
	ListOptions
}

// EventsService: the event log, as pages and as a live stream.
type EventsService struct{ service }

// List returns one page of a repository's events, newest first.
func (s *EventsService) List(ctx context.Context, org, repo string, opts *EventListOptions) ([]*Event, *Response, error) {
	return listPage[Event](ctx, s.client, repoPath(org, repo)+"/events", opts)
}

// ListAll returns every event that opts selects.
func (s *EventsService) ListAll(ctx context.Context, org, repo string, opts *EventListOptions) ([]*Event, error) {
	return listAll[Event](ctx, s.client, repoPath(org, repo)+"/events", opts)
}

var errStreamArgs = errors.New("kizuna: Events.Stream takes both org and repo, or neither (every repository the caller can read)")
