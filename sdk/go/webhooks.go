package kizuna

import (
	"context"
	"net/http"
	"strconv"
)

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

// WebhookRequest creates (URL and Events required) or updates a webhook.
type WebhookRequest struct {
	URL         string   `json:"url,omitempty"`
	ContentType string   `json:"content_type,omitempty"`
	Secret      *string  `json:"secret,omitempty"`
	Events      []string `json:"events,omitempty"`
	Active      *bool    `json:"active,omitempty"`
}

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
