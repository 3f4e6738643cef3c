package main

import (
	"context"
	"strconv"

	kizuna "github.com/kizuna/sdk-go"
)

// issueOps: the operations on issues and their comments, labels and milestones (sdk/conformance/README.md, Operations).
var issueOps = map[string]op{
	"issues.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		var o kizuna.IssueListOptions
		var errs [9]error
		o.State, errs[0] = a.optStr("state")
		o.Labels, errs[1] = a.strings("labels", false)
		o.Assignee, errs[2] = a.optStr("assignee")
		o.Creator, errs[3] = a.optStr("creator")
		if a.has("milestone") {
			if _, isNum := a.v["milestone"].(float64); isNum {
				var n int
				n, errs[4] = a.optInt("milestone")
				o.Milestone = strconv.Itoa(n)
			} else {
				o.Milestone, errs[4] = a.optStr("milestone")
			}
		}
		o.Sort, errs[5] = a.optStr("sort")
		o.Direction, errs[6] = a.optStr("direction")
		o.ListOptions, errs[7] = a.list()
		errs[8] = a.done()
		if err = firstErr(append([]error{err}, errs[:]...)...); err != nil {
			return nil, err
		}
		return c.Issues.ListAll(ctx, org, repo, &o)
	},
	"issues.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Issues.Get(ctx, org, repo, n))
	},
	"issues.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.IssueRequest](a, "title")
		if err != nil {
			return nil, err
		}
		return one(c.Issues.Create(ctx, org, repo, req))
	},
	"issues.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err != nil {
			return nil, err
		}
		var req kizuna.IssueRequest
		if v, ok := a.v["milestone"]; ok && v == nil {
			delete(a.v, "milestone")
			req.ClearMilestone = true
		}
		if err := a.body(&req); err != nil {
			return nil, err
		}
		return one(c.Issues.Update(ctx, org, repo, n, &req))
	},
	"issues.add_labels": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		labels, err2 := a.strings("labels", true)
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return one(c.Issues.AddLabels(ctx, org, repo, n, labels))
	},
	"issues.remove_label": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		label, err2 := a.str("label")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return one(c.Issues.RemoveLabel(ctx, org, repo, n, label))
	},
	"comments.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		lo, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Comments.ListAll(ctx, org, repo, n, &lo)
	},
	"comments.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		body, err2 := a.str("body")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return one(c.Comments.Create(ctx, org, repo, n, body))
	},
	"comments.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("comment_id")
		body, err3 := a.str("body")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		return one(c.Comments.Update(ctx, org, repo, id, body))
	},
	"comments.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("comment_id")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return none(c.Comments.Delete(ctx, org, repo, id))
	},
	"labels.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		lo, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Labels.ListAll(ctx, org, repo, &lo)
	},
	"labels.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		name, err2 := a.str("label")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return one(c.Labels.Get(ctx, org, repo, name))
	},
	"labels.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.LabelRequest](a, "name", "color")
		if err != nil {
			return nil, err
		}
		return one(c.Labels.Create(ctx, org, repo, req))
	},
	"labels.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		name, err2 := a.str("label")
		if err = firstErr(err, err2); err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.LabelRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Labels.Update(ctx, org, repo, name, req))
	},
	"labels.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		name, err2 := a.str("label")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return none(c.Labels.Delete(ctx, org, repo, name))
	},
	"milestones.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		state, err2 := a.optStr("state")
		lo, err3 := a.list()
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		return c.Milestones.ListAll(ctx, org, repo, &kizuna.MilestoneListOptions{State: state, ListOptions: lo})
	},
	"milestones.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Milestones.Get(ctx, org, repo, n))
	},
	"milestones.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.MilestoneRequest](a, "title")
		if err != nil {
			return nil, err
		}
		return one(c.Milestones.Create(ctx, org, repo, req))
	},
	"milestones.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.MilestoneRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Milestones.Update(ctx, org, repo, n, req))
	},
	"milestones.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, n, err := orgRepoNumber(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return none(c.Milestones.Delete(ctx, org, repo, n))
	},
}
