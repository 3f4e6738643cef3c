package main

import (
	"context"

	kizuna "github.com/kizuna/sdk-go"
)

// agentWebhookOps: the operations on agents and webhooks (sdk/conformance/README.md, Operations).
var agentWebhookOps = map[string]op{
	"agents.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		var o kizuna.AgentListOptions
		var errs [6]error
		o.Capability, errs[0] = a.optStr("capability")
		if a.has("trust_level") {
			var n int
			n, errs[1] = a.optInt("trust_level")
			o.TrustLevel = kizuna.Int(n)
		}
		o.ModelFamily, errs[2] = a.optStr("model_family")
		o.Status, errs[3] = a.optStr("status")
		o.ListOptions, errs[4] = a.list()
		errs[5] = a.done()
		if err := firstErr(errs[:]...); err != nil {
			return nil, err
		}
		return c.Agents.ListAll(ctx, &o)
	},
	"agents.register": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		req, err := bodyOf[kizuna.AgentRequest](a, "name", "model_family", "model_version")
		if err != nil {
			return nil, err
		}
		return one(c.Agents.Register(ctx, req))
	},
	"agents.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Agents.Get(ctx, id))
	},
	"agents.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.AgentRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Agents.Update(ctx, id, req))
	},
	"agents.rotate_token": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Agents.RotateToken(ctx, id))
	},
	"agents.events": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		lo, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Agents.EventsAll(ctx, id, &lo)
	},
	"webhooks.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		lo, err3 := a.list()
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		return c.Webhooks.ListAll(ctx, org, repo, &lo)
	},
	"webhooks.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		if err = firstErr(err, err2); err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.WebhookRequest](a, "url", "events")
		if err != nil {
			return nil, err
		}
		return one(c.Webhooks.Create(ctx, org, repo, req))
	},
	"webhooks.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, id, err := hookArgs(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Webhooks.Get(ctx, org, repo, id))
	},
	"webhooks.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, id, err := hookArgs(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.WebhookRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Webhooks.Update(ctx, org, repo, id, req))
	},
	"webhooks.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, id, err := hookArgs(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return none(c.Webhooks.Delete(ctx, org, repo, id))
	},
	"webhooks.ping": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, id, err := hookArgs(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return none(c.Webhooks.Ping(ctx, org, repo, id))
	},
	"webhooks.deliveries": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, id, err := hookArgs(a)
		lo, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Webhooks.DeliveriesAll(ctx, org, repo, id, &lo)
	},
	"webhooks.delivery": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, id, err := hookArgs(a)
		did, err2 := a.int64("delivery_id")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return one(c.Webhooks.GetDelivery(ctx, org, repo, id, did))
	},
	"webhooks.redeliver": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, id, err := hookArgs(a)
		did, err2 := a.int64("delivery_id")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return none(c.Webhooks.Redeliver(ctx, org, repo, id, did))
	},
}
