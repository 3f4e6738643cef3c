package kizuna

import (
	"context"
	"net/http"
)

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

// OrgRequest creates an organisation.
type OrgRequest struct {
	Login       string `json:"login"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

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
