package kizuna

import (
	"context"
	"encoding/json"
	"net/http"
)

// Owner is a repository's namespace.
type Owner struct {
	Login string `json:"login"`
	Type  string `json:"type"`
}

// Repository is a repository with real git behind it.
type Repository struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	FullName        string     `json:"full_name"`
	Owner           *Owner     `json:"owner,omitempty"`
	Description     string     `json:"description"`
	Visibility      string     `json:"visibility"`
	Private         bool       `json:"private"`
	DefaultBranch   string     `json:"default_branch"`
	Archived        bool       `json:"archived"`
	OpenIssuesCount int        `json:"open_issues_count"`
	OpenPullsCount  int        `json:"open_pulls_count"`
	CloneURL        string     `json:"clone_url"`
	URL             string     `json:"url"`
	CreatedAt       *Timestamp `json:"created_at,omitempty"`
	UpdatedAt       *Timestamp `json:"updated_at,omitempty"`
	PushedAt        *Timestamp `json:"pushed_at"`
}

// CommitRef is {sha}.
type CommitRef struct {
	SHA string `json:"sha"`
}

// Branch is one branch of a repository.
type Branch struct {
	Name      string     `json:"name"`
	Commit    *CommitRef `json:"commit,omitempty"`
	Protected bool       `json:"protected"`
}

// GitPerson is a commit's author or committer.
type GitPerson struct {
	Name  string     `json:"name"`
	Email string     `json:"email"`
	Date  *Timestamp `json:"date,omitempty"`
}

// CommitFile is one file a commit changed (single commits only).
type CommitFile struct {
	Filename         string `json:"filename"`
	Status           string `json:"status"`
	Additions        int    `json:"additions"`
	Deletions        int    `json:"deletions"`
	PreviousFilename string `json:"previous_filename,omitempty"`
}

// CommitStats counts a commit's changed lines (single commits only).
type CommitStats struct {
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
	Total     int `json:"total"`
}

// Commit is a git commit; Stats and Files are set by Repos.GetCommit only.
type Commit struct {
	SHA       string        `json:"sha"`
	Message   string        `json:"message"`
	Author    *GitPerson    `json:"author,omitempty"`
	Committer *GitPerson    `json:"committer,omitempty"`
	Parents   []string      `json:"parents"`
	Stats     *CommitStats  `json:"stats,omitempty"`
	Files     []*CommitFile `json:"files,omitempty"`
}

// Content is a file (with base64 Content) or, in a directory listing, an entry.
type Content struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	SHA      string `json:"sha"`
	Size     int64  `json:"size"`
	Encoding string `json:"encoding,omitempty"`
	Content  string `json:"content,omitempty"`
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
