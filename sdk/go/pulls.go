package kizuna

import (
	"context"
	"net/http"
	"strconv"
)

// Ref is a pull request's head or base: {ref, sha}.
type Ref struct {
	Ref string `json:"ref"`
	SHA string `json:"sha"`
}

// PullRequest is a pull request.
type PullRequest struct {
	ID        int64  `json:"id"`
	Number    int    `json:"number"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	State     string `json:"state"`
	Draft     bool   `json:"draft"`
	Merged    bool   `json:"merged"`
	Mergeable *bool  `json:"mergeable"`
	// MergeableState is clean, blocked, dirty or unknown; MergeableStateDetails names the unmet rules.
	MergeableState        string                 `json:"mergeable_state"`
	MergeableStateDetails map[string]interface{} `json:"mergeable_state_details"`
	RequestedReviewers    []*Actor               `json:"requested_reviewers"`
	Head                  *Ref                   `json:"head,omitempty"`
	Base                  *Ref                   `json:"base,omitempty"`
	Author                *Actor                 `json:"author,omitempty"`
	Labels                []*Label               `json:"labels"`
	Assignees             []*Actor               `json:"assignees"`
	Commits               int                    `json:"commits"`
	Additions             int                    `json:"additions"`
	Deletions             int                    `json:"deletions"`
	ChangedFiles          int                    `json:"changed_files"`
	MergedAt              *Timestamp             `json:"merged_at"`
	MergedBy              *Actor                 `json:"merged_by"`
	MergeCommitSHA        *string                `json:"merge_commit_sha"`
	CreatedAt             *Timestamp             `json:"created_at,omitempty"`
	UpdatedAt             *Timestamp             `json:"updated_at,omitempty"`
	ClosedAt              *Timestamp             `json:"closed_at"`
	URL                   string                 `json:"url"`
}

// MergeResult is the answer of a merge.
type MergeResult struct {
	Merged  bool   `json:"merged"`
	SHA     string `json:"sha"`
	Message string `json:"message"`
}

// PullRequestRequest creates (Title and Head required) or updates a pull request.
type PullRequestRequest struct {
	Title     string    `json:"title,omitempty"`
	Head      string    `json:"head,omitempty"`
	Base      string    `json:"base,omitempty"`
	Body      *string   `json:"body,omitempty"`
	Draft     *bool     `json:"draft,omitempty"`
	State     string    `json:"state,omitempty"`
	Labels    *[]string `json:"labels,omitempty"`
	Assignees *[]string `json:"assignees,omitempty"`
}

// PullListOptions filters Pulls.List.
type PullListOptions struct {
	State     string   `url:"state"`
	Head      string   `url:"head"`
	Base      string   `url:"base"`
	Author    string   `url:"author"`
	Draft     *bool    `url:"draft"`
	Labels    []string `url:"labels"`
	Sort      string   `url:"sort"`
	Direction string   `url:"direction"`
	ListOptions
}

// MergeRequest merges a pull request; agents must send SHA.
type MergeRequest struct {
	MergeMethod   string `json:"merge_method,omitempty"`
	SHA           string `json:"sha,omitempty"`
	CommitTitle   string `json:"commit_title,omitempty"`
	CommitMessage string `json:"commit_message,omitempty"`
}

// PullsService: pull requests, merges and their comments.
type PullsService struct{ service }

func pullPath(org, repo string, number int) string {
	return repoPath(org, repo) + "/pulls/" + strconv.Itoa(number)
}

// List returns one page of a repository's pull requests (default: open).
func (s *PullsService) List(ctx context.Context, org, repo string, opts *PullListOptions) ([]*PullRequest, *Response, error) {
	return listPage[PullRequest](ctx, s.client, repoPath(org, repo)+"/pulls", opts)
}

// ListAll returns every pull request that opts selects.
func (s *PullsService) ListAll(ctx context.Context, org, repo string, opts *PullListOptions) ([]*PullRequest, error) {
	return listAll[PullRequest](ctx, s.client, repoPath(org, repo)+"/pulls", opts)
}

// Get returns a pull request.
func (s *PullsService) Get(ctx context.Context, org, repo string, number int) (*PullRequest, *Response, error) {
	return one[PullRequest](ctx, s.client, http.MethodGet, pullPath(org, repo, number), nil)
}

// Create opens a pull request from req.Head into req.Base (default: the default branch).
func (s *PullsService) Create(ctx context.Context, org, repo string, req *PullRequestRequest) (*PullRequest, *Response, error) {
	return one[PullRequest](ctx, s.client, http.MethodPost, repoPath(org, repo)+"/pulls", req)
}

// Update changes a pull request (PATCH).
func (s *PullsService) Update(ctx context.Context, org, repo string, number int, req *PullRequestRequest) (*PullRequest, *Response, error) {
	return one[PullRequest](ctx, s.client, http.MethodPatch, pullPath(org, repo, number), req)
}

// Ready marks a draft ready for review.
func (s *PullsService) Ready(ctx context.Context, org, repo string, number int) (*PullRequest, *Response, error) {
	return one[PullRequest](ctx, s.client, http.MethodPost, pullPath(org, repo, number)+"/ready", nil)
}

// Merge merges a pull request (nil req: the server's defaults).
func (s *PullsService) Merge(ctx context.Context, org, repo string, number int, req *MergeRequest) (*MergeResult, *Response, error) {
	if req == nil {
		req = &MergeRequest{}
	}
	return one[MergeResult](ctx, s.client, http.MethodPost, pullPath(org, repo, number)+"/merge", req)
}

// Comments returns one page of a pull request's comments.
func (s *PullsService) Comments(ctx context.Context, org, repo string, number int, opts *ListOptions) ([]*Comment, *Response, error) {
	return listPage[Comment](ctx, s.client, pullPath(org, repo, number)+"/comments", opts)
}

// CommentsAll returns every comment of a pull request.
func (s *PullsService) CommentsAll(ctx context.Context, org, repo string, number int, opts *ListOptions) ([]*Comment, error) {
	return listAll[Comment](ctx, s.client, pullPath(org, repo, number)+"/comments", opts)
}

// CreateComment comments on a pull request.
func (s *PullsService) CreateComment(ctx context.Context, org, repo string, number int, body string) (*Comment, *Response, error) {
	return one[Comment](ctx, s.client, http.MethodPost, pullPath(org, repo, number)+"/comments", map[string]string{"body": body})
}
