package kizuna

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// ---- request and option structs -------------------------------------------------------------

// OrgRequest creates an organisation.
type OrgRequest struct {
	Login       string `json:"login"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// RepoRequest creates (Name required) or updates a repository; unset fields are not sent.
type RepoRequest struct {
	Name          string  `json:"name,omitempty"`
	Description   *string `json:"description,omitempty"`
	Visibility    string  `json:"visibility,omitempty"`
	DefaultBranch string  `json:"default_branch,omitempty"`
	AutoInit      *bool   `json:"auto_init,omitempty"`
	Archived      *bool   `json:"archived,omitempty"`
}

// RepoListOptions filters Repos.List.
type RepoListOptions struct {
	Visibility string `url:"visibility"`
	Sort       string `url:"sort"`
	Direction  string `url:"direction"`
	ListOptions
}

// CommitListOptions filters Repos.Commits.
type CommitListOptions struct {
	SHA  string `url:"sha"`
	Path string `url:"path"`
	ListOptions
}

// ContentOptions selects the ref of Repos.Contents.
type ContentOptions struct {
	Ref string `url:"ref"`
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

// LabelRequest creates (Name and Color required) or updates a label.
type LabelRequest struct {
	Name        string  `json:"name,omitempty"`
	Color       string  `json:"color,omitempty"`
	Description *string `json:"description,omitempty"`
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

// AgentRequest registers (Name, ModelFamily, ModelVersion required) or updates an agent.
type AgentRequest struct {
	Name         string    `json:"name,omitempty"`
	ModelFamily  string    `json:"model_family,omitempty"`
	ModelVersion string    `json:"model_version,omitempty"`
	Description  *string   `json:"description,omitempty"`
	Capabilities *[]string `json:"capabilities,omitempty"`
	TrustLevel   *int      `json:"trust_level,omitempty"`
	Status       string    `json:"status,omitempty"`
}

// AgentListOptions filters Agents.List.
type AgentListOptions struct {
	Capability  string `url:"capability"`
	TrustLevel  *int   `url:"trust_level"`
	ModelFamily string `url:"model_family"`
	Status      string `url:"status"`
	ListOptions
}

// PipelineRequest triggers a pipeline (Ref defaults to the default branch).
type PipelineRequest struct {
	Ref       string            `json:"ref,omitempty"`
	Variables map[string]string `json:"variables,omitempty"`
}

// PipelineListOptions filters Pipelines.List.
type PipelineListOptions struct {
	Status  string `url:"status"`
	Ref     string `url:"ref"`
	SHA     string `url:"sha"`
	Trigger string `url:"trigger"`
	ListOptions
}

// WebhookRequest creates (URL and Events required) or updates a webhook.
type WebhookRequest struct {
	URL         string   `json:"url,omitempty"`
	ContentType string   `json:"content_type,omitempty"`
	Secret      *string  `json:"secret,omitempty"`
	Events      []string `json:"events,omitempty"`
	Active      *bool    `json:"active,omitempty"`
}

// EventListOptions filters Events.List.
type EventListOptions struct {
	Type    string `url:"type"`
	Actor   string `url:"actor"`
	AfterID int64  `url:"after_id"`
	ListOptions
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

// ---- orgs -------------------------------------------------------------------------------------

// OrgsService: organisations and their members.
type OrgsService struct{ service }

// Get returns an organisation.
func (s *OrgsService) Get(ctx context.Context, org string) (*Organization, *Response, error) {
	return one[Organization](ctx, s.client, http.MethodGet, "/orgs/"+seg(org), nil)
}

// Create makes an organisation; the caller becomes its admin.
func (s *OrgsService) Create(ctx context.Context, req *OrgRequest) (*Organization, *Response, error) {
	return one[Organization](ctx, s.client, http.MethodPost, "/orgs", req)
}

// Members returns one page of an organisation's members.
func (s *OrgsService) Members(ctx context.Context, org string, opts *ListOptions) ([]*Member, *Response, error) {
	return listPage[Member](ctx, s.client, "/orgs/"+seg(org)+"/members", opts)
}

// MembersAll returns every member.
func (s *OrgsService) MembersAll(ctx context.Context, org string, opts *ListOptions) ([]*Member, error) {
	return listAll[Member](ctx, s.client, "/orgs/"+seg(org)+"/members", opts)
}

// SetMember adds a member or changes their role (read, write, maintain, admin).
func (s *OrgsService) SetMember(ctx context.Context, org, login, role string) (*Member, *Response, error) {
	return one[Member](ctx, s.client, http.MethodPut, "/orgs/"+seg(org)+"/members/"+seg(login), map[string]string{"role": role})
}

// RemoveMember removes a member.
func (s *OrgsService) RemoveMember(ctx context.Context, org, login string) (*Response, error) {
	return none(ctx, s.client, http.MethodDelete, "/orgs/"+seg(org)+"/members/"+seg(login))
}

// ---- repos ------------------------------------------------------------------------------------

// ReposService: repositories, branches, commits and contents.
type ReposService struct{ service }

// List returns one page of the repositories of a namespace that the caller can see.
func (s *ReposService) List(ctx context.Context, org string, opts *RepoListOptions) ([]*Repository, *Response, error) {
	return listPage[Repository](ctx, s.client, "/repos/"+seg(org), opts)
}

// ListAll returns every repository of a namespace that the caller can see.
func (s *ReposService) ListAll(ctx context.Context, org string, opts *RepoListOptions) ([]*Repository, error) {
	return listAll[Repository](ctx, s.client, "/repos/"+seg(org), opts)
}

// Get returns a repository.
func (s *ReposService) Get(ctx context.Context, org, repo string) (*Repository, *Response, error) {
	return one[Repository](ctx, s.client, http.MethodGet, repoPath(org, repo), nil)
}

// Create makes a repository in a namespace.
func (s *ReposService) Create(ctx context.Context, org string, req *RepoRequest) (*Repository, *Response, error) {
	return one[Repository](ctx, s.client, http.MethodPost, "/repos/"+seg(org), req)
}

// Update changes a repository (PATCH).
func (s *ReposService) Update(ctx context.Context, org, repo string, req *RepoRequest) (*Repository, *Response, error) {
	return one[Repository](ctx, s.client, http.MethodPatch, repoPath(org, repo), req)
}

// Delete deletes a repository and its git data.
func (s *ReposService) Delete(ctx context.Context, org, repo string) (*Response, error) {
	return none(ctx, s.client, http.MethodDelete, repoPath(org, repo))
}

// Branches returns one page of a repository's branches.
func (s *ReposService) Branches(ctx context.Context, org, repo string, opts *ListOptions) ([]*Branch, *Response, error) {
	return listPage[Branch](ctx, s.client, repoPath(org, repo)+"/branches", opts)
}

// BranchesAll returns every branch.
func (s *ReposService) BranchesAll(ctx context.Context, org, repo string, opts *ListOptions) ([]*Branch, error) {
	return listAll[Branch](ctx, s.client, repoPath(org, repo)+"/branches", opts)
}

// GetBranch returns one branch (names may contain '/').
func (s *ReposService) GetBranch(ctx context.Context, org, repo, branch string) (*Branch, *Response, error) {
	return one[Branch](ctx, s.client, http.MethodGet, repoPath(org, repo)+"/branches/"+subpath(branch), nil)
}

// Commits returns one page of commits, newest first.
func (s *ReposService) Commits(ctx context.Context, org, repo string, opts *CommitListOptions) ([]*Commit, *Response, error) {
	return listPage[Commit](ctx, s.client, repoPath(org, repo)+"/commits", opts)
}

// CommitsAll returns every commit.
func (s *ReposService) CommitsAll(ctx context.Context, org, repo string, opts *CommitListOptions) ([]*Commit, error) {
	return listAll[Commit](ctx, s.client, repoPath(org, repo)+"/commits", opts)
}

// GetCommit returns one commit with its files and stats.
func (s *ReposService) GetCommit(ctx context.Context, org, repo, sha string) (*Commit, *Response, error) {
	return one[Commit](ctx, s.client, http.MethodGet, repoPath(org, repo)+"/commits/"+seg(sha), nil)
}

// Contents returns a file (file != nil, its Content base64) or a directory listing (dir != nil).
// An empty path is the repository's root.
func (s *ReposService) Contents(ctx context.Context, org, repo, path string, opts *ContentOptions) (file *Content, dir []*Content, resp *Response, err error) {
	p := repoPath(org, repo) + "/contents"
	if sp := subpath(path); sp != "" {
		p += "/" + sp
	}
	query, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, nil, err
	}
	var raw json.RawMessage
	resp, err = s.client.call(ctx, http.MethodGet, p, query, nil, &raw, nil)
	if err != nil {
		return nil, nil, resp, err
	}
	if len(raw) > 0 && raw[0] == '[' {
		err = json.Unmarshal(raw, &dir)
	} else {
		file = new(Content)
		err = json.Unmarshal(raw, file)
	}
	return file, dir, resp, err
}

// ---- issues -----------------------------------------------------------------------------------

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

// ---- comments ---------------------------------------------------------------------------------

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

// ---- labels -----------------------------------------------------------------------------------

// LabelsService: a repository's labels.
type LabelsService struct{ service }

// List returns one page of a repository's labels.
func (s *LabelsService) List(ctx context.Context, org, repo string, opts *ListOptions) ([]*Label, *Response, error) {
	return listPage[Label](ctx, s.client, repoPath(org, repo)+"/labels", opts)
}

// ListAll returns every label.
func (s *LabelsService) ListAll(ctx context.Context, org, repo string, opts *ListOptions) ([]*Label, error) {
	return listAll[Label](ctx, s.client, repoPath(org, repo)+"/labels", opts)
}

// Get returns a label by name.
func (s *LabelsService) Get(ctx context.Context, org, repo, name string) (*Label, *Response, error) {
	return one[Label](ctx, s.client, http.MethodGet, repoPath(org, repo)+"/labels/"+seg(name), nil)
}

// Create makes a label (Color: 6 hex digits, no '#').
func (s *LabelsService) Create(ctx context.Context, org, repo string, req *LabelRequest) (*Label, *Response, error) {
	return one[Label](ctx, s.client, http.MethodPost, repoPath(org, repo)+"/labels", req)
}

// Update changes a label (req.Name renames it).
func (s *LabelsService) Update(ctx context.Context, org, repo, name string, req *LabelRequest) (*Label, *Response, error) {
	return one[Label](ctx, s.client, http.MethodPatch, repoPath(org, repo)+"/labels/"+seg(name), req)
}

// Delete deletes a label.
func (s *LabelsService) Delete(ctx context.Context, org, repo, name string) (*Response, error) {
	return none(ctx, s.client, http.MethodDelete, repoPath(org, repo)+"/labels/"+seg(name))
}

// ---- milestones -------------------------------------------------------------------------------

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

// ---- pulls ------------------------------------------------------------------------------------

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

// ---- agents -----------------------------------------------------------------------------------

// AgentsService: AI agents, their tokens and audit trails.
type AgentsService struct{ service }

// List returns one page of the agents the caller operates (staff: all).
func (s *AgentsService) List(ctx context.Context, opts *AgentListOptions) ([]*Agent, *Response, error) {
	return listPage[Agent](ctx, s.client, "/agents", opts)
}

// ListAll returns every agent that opts selects.
func (s *AgentsService) ListAll(ctx context.Context, opts *AgentListOptions) ([]*Agent, error) {
	return listAll[Agent](ctx, s.client, "/agents", opts)
}

// Register registers an agent; the answer's Token is shown only this once.
func (s *AgentsService) Register(ctx context.Context, req *AgentRequest) (*Agent, *Response, error) {
	return one[Agent](ctx, s.client, http.MethodPost, "/agents", req)
}

// Get returns an agent.
func (s *AgentsService) Get(ctx context.Context, id string) (*Agent, *Response, error) {
	return one[Agent](ctx, s.client, http.MethodGet, "/agents/"+seg(id), nil)
}

// Update changes an agent's description, capabilities, trust level or status.
func (s *AgentsService) Update(ctx context.Context, id string, req *AgentRequest) (*Agent, *Response, error) {
	return one[Agent](ctx, s.client, http.MethodPatch, "/agents/"+seg(id), req)
}

// RotateToken gives the agent a new token; the old one stops working at once.
func (s *AgentsService) RotateToken(ctx context.Context, id string) (*AgentToken, *Response, error) {
	return one[AgentToken](ctx, s.client, http.MethodPost, "/agents/"+seg(id)+"/tokens", nil)
}

// Events returns one page of the agent's audit trail, newest first.
func (s *AgentsService) Events(ctx context.Context, id string, opts *ListOptions) ([]*Event, *Response, error) {
	return listPage[Event](ctx, s.client, "/agents/"+seg(id)+"/events", opts)
}

// EventsAll returns the agent's whole audit trail.
func (s *AgentsService) EventsAll(ctx context.Context, id string, opts *ListOptions) ([]*Event, error) {
	return listAll[Event](ctx, s.client, "/agents/"+seg(id)+"/events", opts)
}

// ---- pipelines --------------------------------------------------------------------------------

// PipelinesService: pipelines and their job logs.
type PipelinesService struct{ service }

func pipelinePath(org, repo string, id int64) string {
	return repoPath(org, repo) + "/pipelines/" + strconv.FormatInt(id, 10)
}

// List returns one page of a repository's pipelines, newest first.
func (s *PipelinesService) List(ctx context.Context, org, repo string, opts *PipelineListOptions) ([]*Pipeline, *Response, error) {
	return listPage[Pipeline](ctx, s.client, repoPath(org, repo)+"/pipelines", opts)
}

// ListAll returns every pipeline that opts selects.
func (s *PipelinesService) ListAll(ctx context.Context, org, repo string, opts *PipelineListOptions) ([]*Pipeline, error) {
	return listAll[Pipeline](ctx, s.client, repoPath(org, repo)+"/pipelines", opts)
}

// Trigger starts a pipeline (nil req: the default branch, no variables).
func (s *PipelinesService) Trigger(ctx context.Context, org, repo string, req *PipelineRequest) (*Pipeline, *Response, error) {
	if req == nil {
		req = &PipelineRequest{}
	}
	return one[Pipeline](ctx, s.client, http.MethodPost, repoPath(org, repo)+"/pipelines", req)
}

// Get returns a pipeline with its jobs.
func (s *PipelinesService) Get(ctx context.Context, org, repo string, id int64) (*Pipeline, *Response, error) {
	return one[Pipeline](ctx, s.client, http.MethodGet, pipelinePath(org, repo, id), nil)
}

// Cancel cancels a pipeline (202); an already finished one is ErrConflict. The pipeline is nil
// when the server answered without a body.
func (s *PipelinesService) Cancel(ctx context.Context, org, repo string, id int64) (*Pipeline, *Response, error) {
	var raw json.RawMessage
	resp, err := s.client.call(ctx, http.MethodPost, pipelinePath(org, repo, id)+"/cancel", nil, nil, &raw, nil)
	if err != nil || len(raw) == 0 || string(raw) == "null" {
		return nil, resp, err
	}
	p := new(Pipeline)
	return p, resp, json.Unmarshal(raw, p)
}

// Log returns a job's log as text.
func (s *PipelinesService) Log(ctx context.Context, org, repo string, id, jobID int64) (string, *Response, error) {
	return s.LogFrom(ctx, org, repo, id, jobID, 0)
}

// LogFrom returns a job's log from byte offset on (Range: bytes=offset-).
func (s *PipelinesService) LogFrom(ctx context.Context, org, repo string, id, jobID, offset int64) (string, *Response, error) {
	header := http.Header{"Accept": {"text/plain"}}
	if offset > 0 {
		header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	var text string
	resp, err := s.client.call(ctx, http.MethodGet, pipelinePath(org, repo, id)+"/jobs/"+strconv.FormatInt(jobID, 10)+"/log", nil, nil, &text, header)
	return text, resp, err
}

// ---- webhooks ---------------------------------------------------------------------------------

// WebhooksService: repository hooks (org, repo) and organisation hooks (org, "").
type WebhooksService struct{ service }

func hookBase(org, repo string) string {
	if repo == "" {
		return "/orgs/" + seg(org) + "/webhooks"
	}
	return repoPath(org, repo) + "/webhooks"
}

func hookPath(org, repo string, id int64) string {
	return hookBase(org, repo) + "/" + strconv.FormatInt(id, 10)
}

// List returns one page of hooks (repo "" = the organisation's).
func (s *WebhooksService) List(ctx context.Context, org, repo string, opts *ListOptions) ([]*Webhook, *Response, error) {
	return listPage[Webhook](ctx, s.client, hookBase(org, repo), opts)
}

// ListAll returns every hook.
func (s *WebhooksService) ListAll(ctx context.Context, org, repo string, opts *ListOptions) ([]*Webhook, error) {
	return listAll[Webhook](ctx, s.client, hookBase(org, repo), opts)
}

// Create makes a hook (ContentType defaults to "json").
func (s *WebhooksService) Create(ctx context.Context, org, repo string, req *WebhookRequest) (*Webhook, *Response, error) {
	if req != nil && req.ContentType == "" {
		copied := *req
		copied.ContentType = "json"
		req = &copied
	}
	return one[Webhook](ctx, s.client, http.MethodPost, hookBase(org, repo), req)
}

// Get returns a hook.
func (s *WebhooksService) Get(ctx context.Context, org, repo string, id int64) (*Webhook, *Response, error) {
	return one[Webhook](ctx, s.client, http.MethodGet, hookPath(org, repo, id), nil)
}

// Update changes a hook.
func (s *WebhooksService) Update(ctx context.Context, org, repo string, id int64, req *WebhookRequest) (*Webhook, *Response, error) {
	return one[Webhook](ctx, s.client, http.MethodPatch, hookPath(org, repo, id), req)
}

// Delete deletes a hook.
func (s *WebhooksService) Delete(ctx context.Context, org, repo string, id int64) (*Response, error) {
	return none(ctx, s.client, http.MethodDelete, hookPath(org, repo, id))
}

// Ping sends a ping delivery (202).
func (s *WebhooksService) Ping(ctx context.Context, org, repo string, id int64) (*Response, error) {
	return none(ctx, s.client, http.MethodPost, hookPath(org, repo, id)+"/ping")
}

// Deliveries returns one page of a hook's deliveries.
func (s *WebhooksService) Deliveries(ctx context.Context, org, repo string, id int64, opts *ListOptions) ([]*Delivery, *Response, error) {
	return listPage[Delivery](ctx, s.client, hookPath(org, repo, id)+"/deliveries", opts)
}

// DeliveriesAll returns every delivery of a hook.
func (s *WebhooksService) DeliveriesAll(ctx context.Context, org, repo string, id int64, opts *ListOptions) ([]*Delivery, error) {
	return listAll[Delivery](ctx, s.client, hookPath(org, repo, id)+"/deliveries", opts)
}

// GetDelivery returns one delivery with the request it sent and the answer it got.
func (s *WebhooksService) GetDelivery(ctx context.Context, org, repo string, id, deliveryID int64) (*Delivery, *Response, error) {
	return one[Delivery](ctx, s.client, http.MethodGet, hookPath(org, repo, id)+"/deliveries/"+strconv.FormatInt(deliveryID, 10), nil)
}

// Redeliver sends a delivery again (202).
func (s *WebhooksService) Redeliver(ctx context.Context, org, repo string, id, deliveryID int64) (*Response, error) {
	return none(ctx, s.client, http.MethodPost, hookPath(org, repo, id)+"/deliveries/"+strconv.FormatInt(deliveryID, 10)+"/redeliver")
}

// ---- events -----------------------------------------------------------------------------------

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
