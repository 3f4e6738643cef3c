package main

import (
	"context"

	kizuna "github.com/kizuna/sdk-go"
)

// pullPipelineOps: the operations on pull requests and pipelines (sdk/conformance/README.md, Operations).
var pullPipelineOps = map[string]op{
	"pulls.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		var o kizuna.PullListOptions
		var errs [5]error
		o.State, errs[0] = a.optStr("state")
		o.Head, errs[1] = a.optStr("head")
		o.Base, errs[2] = a.optStr("base")
		o.ListOptions, errs[3] = a.list()
		errs[4] = a.done()
		if err = firstErr(append([]error{err}, errs[:]...)...); err != nil {
			return nil, err
		}
		return c.Pulls.ListAll(ctx, org, repo, &o)
	},
	"pulls.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Pulls.Get(ctx, org, repo, n))
	},
	"pulls.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.PullRequestRequest](a, "title", "head")
		if err != nil {
			return nil, err
		}
		return one(c.Pulls.Create(ctx, org, repo, req))
	},
	"pulls.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.PullRequestRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Pulls.Update(ctx, org, repo, n, req))
	},
	"pulls.ready": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Pulls.Ready(ctx, org, repo, n))
	},
	"pulls.merge": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.MergeRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Pulls.Merge(ctx, org, repo, n, req))
	},
	"pulls.comments": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		lo, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Pulls.CommentsAll(ctx, org, repo, n, &lo)
	},
	"pulls.create_comment": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		body, err2 := a.str("body")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return one(c.Pulls.CreateComment(ctx, org, repo, n, body))
	},
	"pipelines.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		status, err2 := a.optStr("status")
		ref, err3 := a.optStr("ref")
		lo, err4 := a.list()
		if err = firstErr(err, err2, err3, err4, a.done()); err != nil {
			return nil, err
		}
		return c.Pipelines.ListAll(ctx, org, repo, &kizuna.PipelineListOptions{Status: status, Ref: ref, ListOptions: lo})
	},
	"pipelines.trigger": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.PipelineRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Pipelines.Trigger(ctx, org, repo, req))
	},
	"pipelines.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("pipeline_id")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return one(c.Pipelines.Get(ctx, org, repo, id))
	},
	"pipelines.cancel": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("pipeline_id")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Pipelines.Cancel(ctx, org, repo, id)
		if r == nil {
			return nil, err
		}
		return r, err
	},
	"pipelines.log": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("pipeline_id")
		job, err3 := a.int64("job_id")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		return one(c.Pipelines.Log(ctx, org, repo, id, job))
	},
}
