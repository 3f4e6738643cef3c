package kizuna

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// Issue is an issue (pull requests share its numbers but are not issues).
type Issue struct {
	ID          int64           `json:"id"`
	Number      int             `json:"number"`
	Title       string          `json:"title"`
	Body        string          `json:"body"`
	State       string          `json:"state"`
	StateReason *string         `json:"state_reason"`
	Labels      []*Label        `json:"labels"`
	Assignees   []*Actor        `json:"assignees"`
	Milestone   *MilestoneBrief `json:"milestone"`
	Author      *Actor          `json:"author,omitempty"`
	Comments    int             `json:"comments"`
	CreatedAt   *Timestamp      `json:"created_at,omitempty"`
	UpdatedAt   *Timestamp      `json:"updated_at,omitempty"`
	ClosedAt    *Timestamp      `json:"closed_at"`
	ClosedBy    *Actor          `json:"closed_by"`
	URL         string          `json:"url"`
}

// IssueRequest creates (Title required) or updates an issue; unset fields are not sent. Labels and
// Assignees replace the issue's lists (kizuna.Strings() clears them); ClearMilestone sends
// "milestone": null.
type IssueRequest struct {
	Title          string    `json:"title,omitempty"`
	Body           *string   `json:"body,omitempty"`
	State          string    `json:"state,omitempty"`
	StateReason    string    `json:"state_reason,omitempty"`
	Labels         *[]string `json:"labels,omitempty"`
	Assignees      *[]string `json:"assignees,omitempty"`
	Assignee       string    `json:"assignee,omitempty"`
	Milestone      *int      `json:"milestone,omitempty"`
	ClearMilestone bool      `json:"-"`
}

// MarshalJSON adds "milestone": null when ClearMilestone is set.
func (r IssueRequest) MarshalJSON() ([]byte, error) {
	type plain IssueRequest
	data, err := json.Marshal(plain(r))
	if err != nil || !r.ClearMilestone {
		return data, err
	}
	var fields map[string]interface{}
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	fields["milestone"] = nil
	return json.Marshal(fields)
}

// IssueListOptions filters Issues.List.
type IssueListOptions struct {
	State     string   `url:"state"`
	Labels    []string `url:"labels"`
	Assignee  string   `url:"assignee"`
	Creator   string   `url:"creator"`
	Milestone string   `url:"milestone"`
	Since     string   `url:"since"`
	Sort      string   `url:"sort"`
	Direction string   `url:"direction"`
	ListOptions
}

// IssuesService: issues and their labels.
type IssuesService struct{ service }

func issuePath(org, repo string, number int) string {
	return repoPath(org, repo) + "/issues/" + strconv.Itoa(number)
}

// List returns one page of a repository's issues (default: open, newest first).
func (s *IssuesService) List(ctx context.Context, org, repo string, opts *IssueListOptions) ([]*Issue, *Response, error) {
	return listPage[Issue](ctx, s.client, repoPath(org, repo)+"/issues", opts)
}

// ListAll returns every issue that opts selects.
func (s *IssuesService) ListAll(ctx context.Context, org, repo string, opts *IssueListOptions) ([]*Issue, error) {
	return listAll[Issue](ctx, s.client, repoPath(org, repo)+"/issues", opts)
}

// Get returns an issue (a pull request's number is a 404).
func (s *IssuesService) Get(ctx context.Context, org, repo string, number int) (*Issue, *Response, error) {
	return one[Issue](ctx, s.client, http.MethodGet, issuePath(org, repo, number), nil)
}

// Create opens an issue.
func (s *IssuesService) Create(ctx context.Context, org, repo string, req *IssueRequest) (*Issue, *Response, error) {
	return one[Issue](ctx, s.client, http.MethodPost, repoPath(org, repo)+"/issues", req)
}

// Update changes an issue (PATCH).
func (s *IssuesService) Update(ctx context.Context, org, repo string, number int, req *IssueRequest) (*Issue, *Response, error) {
	return one[Issue](ctx, s.client, http.MethodPatch, issuePath(org, repo, number), req)
}

// AddLabels adds labels (by name) and returns the issue's labels.
func (s *IssuesService) AddLabels(ctx context.Context, org, repo string, number int, labels []string) ([]*Label, *Response, error) {
	return labelList(ctx, s.client, http.MethodPost, issuePath(org, repo, number)+"/labels", labels)
}

// SetLabels replaces the issue's labels and returns them.
func (s *IssuesService) SetLabels(ctx context.Context, org, repo string, number int, labels []string) ([]*Label, *Response, error) {
	return labelList(ctx, s.client, http.MethodPut, issuePath(org, repo, number)+"/labels", labels)
}

// RemoveLabel removes one label and returns the remaining ones.
func (s *IssuesService) RemoveLabel(ctx context.Context, org, repo string, number int, name string) ([]*Label, *Response, error) {
	return labelList(ctx, s.client, http.MethodDelete, issuePath(org, repo, number)+"/labels/"+seg(name), nil)
}

func labelList(ctx context.Context, c *Client, method, path string, labels []string) ([]*Label, *Response, error) {
	var body interface{}
	if labels != nil {
		body = map[string][]string{"labels": labels}
	} else if method != http.MethodDelete {
		body = map[string][]string{"labels": {}}
	}
	out := []*Label{}
	resp, err := c.call(ctx, method, path, nil, body, &out, nil)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// Comment is a comment on an issue or a pull request.
type Comment struct {
	ID        int64      `json:"id"`
	Body      string     `json:"body"`
	Author    *Actor     `json:"author,omitempty"`
	CreatedAt *Timestamp `json:"created_at,omitempty"`
	UpdatedAt *Timestamp `json:"updated_at,omitempty"`
	URL       string     `json:"url"`
}

// CommentsService: comments on issues and pull requests.
type CommentsService struct{ service }

// List returns one page of an issue's comments.
func (s *CommentsService) List(ctx context.Context, org, repo string, number int, opts *ListOptions) ([]*Comment, *Response, error) {
	return listPage[Comment](ctx, s.client, issuePath(org, repo, number)+"/comments", opts)
}

// ListAll returns every comment of an issue.
func (s *CommentsService) ListAll(ctx context.Context, org, repo string, number int, opts *ListOptions) ([]*Comment, error) {
	return listAll[Comment](ctx, s.client, issuePath(org, repo, number)+"/comments", opts)
}

// Create comments on an issue.
func (s *CommentsService) Create(ctx context.Context, org, repo string, number int, body string) (*Comment, *Response, error) {
	return one[Comment](ctx, s.client, http.MethodPost, issuePath(org, repo, number)+"/comments", map[string]string{"body": body})
}

// Update edits a comment.
func (s *CommentsService) Update(ctx context.Context, org, repo string, id int64, body string) (*Comment, *Response, error) {
	return one[Comment](ctx, s.client, http.MethodPatch, repoPath(org, repo)+"/issues/comments/"+seg(id), map[string]string{"body": body})
}

// Delete deletes a comment.
func (s *CommentsService) Delete(ctx context.Context, org, repo string, id int64) (*Response, error) {
	return none(ctx, s.client, http.MethodDelete, repoPath(org, repo)+"/issues/comments/"+seg(id))
}
