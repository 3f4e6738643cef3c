package kizuna

import (
	"context"
	"net/http"
)

// Label is a repository label.
type Label struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Color       string  `json:"color"`
	Description *string `json:"description"`
}

// LabelRequest creates (Name and Color required) or updates a label.
type LabelRequest struct {
	Name        string  `json:"name,omitempty"`
	Color       string  `json:"color,omitempty"`
	Description *string `json:"description,omitempty"`
}

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
