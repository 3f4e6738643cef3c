package kizuna

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

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
