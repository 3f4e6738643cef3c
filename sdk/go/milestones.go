package kizuna

import (
	"context"
	"net/http"
	"strconv"
)

// Milestone is a repository milestone.
type Milestone struct {
	ID           int64      `json:"id"`
	Number       int        `json:"number"`
	Title        string     `json:"title"`
	Description  *string    `json:"description"`
	State        string     `json:"state"`
	DueOn        *Timestamp `json:"due_on"`
	OpenIssues   int        `json:"open_issues"`
	ClosedIssues int        `json:"closed_issues"`
	CreatedAt    *Timestamp `json:"created_at,omitempty"`
	UpdatedAt    *Timestamp `json:"updated_at,omitempty"`
	ClosedAt     *Timestamp `json:"closed_at"`
	URL          string     `json:"url"`
}

// MilestoneBrief is the milestone an issue shows.
type MilestoneBrief struct {
	Number int        `json:"number"`
	Title  string     `json:"title"`
	State  string     `json:"state"`
	DueOn  *Timestamp `json:"due_on"`
}

// MilestoneRequest creates (Title required) or updates a milestone.
type MilestoneRequest struct {
	Title       string  `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	DueOn       *string `json:"due_on,omitempty"`
	State       string  `json:"state,omitempty"`
}

// MilestoneListOptions filters Milestones.List.
type MilestoneListOptions struct {
	State string `url:"state"`
	ListOptions
}

// MilestonesService: a repository's milestones.
type MilestonesService struct{ service }

func milestonePath(org, repo string, number int) string {
	return repoPath(org, repo) + "/milestones/" + strconv.Itoa(number)
}

// List returns one page of a repository's milestones.
func (s *MilestonesService) List(ctx context.Context, org, repo string, opts *MilestoneListOptions) ([]*Milestone, *Response, error) {
	return listPage[Milestone](ctx, s.client, repoPath(org, repo)+"/milestones", opts)
}

// ListAll returns every milestone that opts selects.
func (s *MilestonesService) ListAll(ctx context.Context, org, repo string, opts *MilestoneListOptions) ([]*Milestone, error) {
	return listAll[Milestone](ctx, s.client, repoPath(org, repo)+"/milestones", opts)
}

// Get returns a milestone.
func (s *MilestonesService) Get(ctx context.Context, org, repo string, number int) (*Milestone, *Response, error) {
	return one[Milestone](ctx, s.client, http.MethodGet, milestonePath(org, repo, number), nil)
}

// Create makes a milestone.
func (s *MilestonesService) Create(ctx context.Context, org, repo string, req *MilestoneRequest) (*Milestone, *Response, error) {
	return one[Milestone](ctx, s.client, http.MethodPost, repoPath(org, repo)+"/milestones", req)
}

// Update changes a milestone.
func (s *MilestonesService) Update(ctx context.Context, org, repo string, number int, req *MilestoneRequest) (*Milestone, *Response, error) {
	return one[Milestone](ctx, s.client, http.MethodPatch, milestonePath(org, repo, number), req)
}

// Delete deletes a milestone.
func (s *MilestonesService) Delete(ctx context.Context, org, repo string, number int) (*Response, error) {
	return none(ctx, s.client, http.MethodDelete, milestonePath(org, repo, number))
}
