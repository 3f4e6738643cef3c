package kizuna

import (
	"context"
	"net/http"
)

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

// AgentToken is the answer of rotating an agent's token.
type AgentToken struct {
	Token string `json:"token"`
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
