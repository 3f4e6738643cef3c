package kizuna

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// The types below mirror the components of /api/v1/schema field for field (a test compares them).
// Nullable fields are pointers; json tags are the API's names.

// Timestamp is an API time (ISO 8601 in UTC). It reads RFC 3339 with or without fractions, and dates.
type Timestamp struct{ time.Time }

// UnmarshalJSON reads an RFC 3339 time or a date.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if parsed, err := time.Parse(layout, s); err == nil {
			t.Time = parsed.UTC()
			return nil
		}
	}
	return &time.ParseError{Layout: time.RFC3339, Value: s, Message: ": not an ISO 8601 time"}
}

// MarshalJSON writes RFC 3339 in UTC (2026-11-28T10:00:00Z).
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// ActorID is an actor's id: a user's integer id, or an agent's UUID, as text.
type ActorID string

// UnmarshalJSON accepts a number or a string.
func (id *ActorID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ActorID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*id = ActorID(n.String())
	return nil
}

// MarshalJSON writes digits as a number and anything else as a string, as the server does.
func (id ActorID) MarshalJSON() ([]byte, error) {
	s := string(id)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return []byte(s), nil
	}
	return json.Marshal(s)
}

// Actor is who did something: {"id", "login", "type": "User" | "Agent" | "Deploy"}.
type Actor struct {
	ID    ActorID `json:"id"`
	Login string  `json:"login"`
	Type  string  `json:"type"`
}

// User is GET /user for a person.
type User struct {
	ID        int64      `json:"id"`
	Login     string     `json:"login"`
	Type      string     `json:"type"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	SiteAdmin bool       `json:"site_admin"`
	CreatedAt *Timestamp `json:"created_at,omitempty"`
}

// Token is a personal or deploy token; Token holds the secret only in the answer that created it.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  *Timestamp `json:"created_at,omitempty"`
	ExpiresAt  *Timestamp `json:"expires_at"`
	LastUsedAt *Timestamp `json:"last_used_at"`
	RevokedAt  *Timestamp `json:"revoked_at"`
	Token      string     `json:"token,omitempty"`
}

// AgentToken is the answer of rotating an agent's token.
type AgentToken struct {
	Token string `json:"token"`
}

// Organization is an organisation namespace.
type Organization struct {
	ID          int64      `json:"id"`
	Login       string     `json:"login"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Type        string     `json:"type"`
	CreatedAt   *Timestamp `json:"created_at,omitempty"`
	URL         string     `json:"url"`
}

// Member is one member of an organisation.
type Member struct {
	Login string `json:"login"`
	Type  string `json:"type"`
	Role  string `json:"role"`
}

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

// Label is a repository label.
type Label struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Color       string  `json:"color"`
	Description *string `json:"description"`
}

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

// Comment is a comment on an issue or a pull request.
type Comment struct {
	ID        int64      `json:"id"`
	Body      string     `json:"body"`
	Author    *Actor     `json:"author,omitempty"`
	CreatedAt *Timestamp `json:"created_at,omitempty"`
	UpdatedAt *Timestamp `json:"updated_at,omitempty"`
	URL       string     `json:"url"`
}

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

// Agent is a registered AI agent; Token is set only in the answer of Register.
type Agent struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	Description     string     `json:"description"`
	Operator        *Actor     `json:"operator,omitempty"`
	ModelFamily     string     `json:"model_family"`
	ModelVersion    string     `json:"model_version"`
	Capabilities    []string   `json:"capabilities"`
	TrustLevel      int        `json:"trust_level"`
	TrustLevelName  string     `json:"trust_level_name"`
	ReputationScore float64    `json:"reputation_score"`
	Status          string     `json:"status"`
	CreatedAt       *Timestamp `json:"created_at,omitempty"`
	UpdatedAt       *Timestamp `json:"updated_at,omitempty"`
	LastSeenAt      *Timestamp `json:"last_seen_at"`
	LastAudited     *Timestamp `json:"last_audited"`
	URL             string     `json:"url"`
	Token           string     `json:"token,omitempty"`
}

// Job is one job of a pipeline.
type Job struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Needs      []string   `json:"needs"`
	Agent      *Actor     `json:"agent"`
	Attempt    int        `json:"attempt"`
	ExitCode   *int       `json:"exit_code"`
	StartedAt  *Timestamp `json:"started_at"`
	FinishedAt *Timestamp `json:"finished_at"`
	LogURL     string     `json:"log_url"`
}

// Pipeline is a run of .kizuna/pipeline.yml at a commit.
type Pipeline struct {
	ID              int64      `json:"id"`
	Number          int        `json:"number"`
	Status          string     `json:"status"`
	Ref             string     `json:"ref"`
	SHA             string     `json:"sha"`
	Trigger         string     `json:"trigger"`
	TriggeredBy     *Actor     `json:"triggered_by,omitempty"`
	Variables       []string   `json:"variables"`
	CreatedAt       *Timestamp `json:"created_at,omitempty"`
	StartedAt       *Timestamp `json:"started_at"`
	FinishedAt      *Timestamp `json:"finished_at"`
	DurationSeconds *float64   `json:"duration_seconds"`
	Jobs            []*Job     `json:"jobs"`
	URL             string     `json:"url"`
}

// Webhook is a repository's or an organisation's hook; the secret is write-only (HasSecret).
type Webhook struct {
	ID            int64      `json:"id"`
	Type          string     `json:"type"`
	URL           string     `json:"url"`
	ContentType   string     `json:"content_type"`
	HasSecret     bool       `json:"has_secret"`
	Events        []string   `json:"events"`
	Active        bool       `json:"active"`
	Repository    *string    `json:"repository"`
	Organization  *string    `json:"organization"`
	LastSuccessAt *Timestamp `json:"last_success_at"`
	DeactivatedAt *Timestamp `json:"deactivated_at"`
	CreatedAt     *Timestamp `json:"created_at,omitempty"`
	UpdatedAt     *Timestamp `json:"updated_at,omitempty"`
}

// DeliveryRequest is what a delivery sent: its headers and its raw body.
type DeliveryRequest struct {
	Headers map[string]string      `json:"headers"`
	Payload map[string]interface{} `json:"payload"`
	Body    string                 `json:"body"`
}

// DeliveryResponse is what the receiver answered (the first 64 KiB).
type DeliveryResponse struct {
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// Delivery is one webhook delivery; Error, Request and Response are set by Webhooks.GetDelivery only.
type Delivery struct {
	ID            int64             `json:"id"`
	GUID          string            `json:"guid"`
	Event         string            `json:"event"`
	Action        *string           `json:"action"`
	Redelivery    bool              `json:"redelivery"`
	State         string            `json:"state"`
	Attempt       int               `json:"attempt"`
	StatusCode    *int              `json:"status_code"`
	Success       *bool             `json:"success"`
	DurationMS    *int64            `json:"duration_ms"`
	DeliveredAt   *Timestamp        `json:"delivered_at"`
	NextAttemptAt *Timestamp        `json:"next_attempt_at"`
	CreatedAt     *Timestamp        `json:"created_at,omitempty"`
	Error         *string           `json:"error,omitempty"`
	Request       *DeliveryRequest  `json:"request,omitempty"`
	Response      *DeliveryResponse `json:"response,omitempty"`
}

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
