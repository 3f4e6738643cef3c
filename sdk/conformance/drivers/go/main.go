// Command conformance is the Go SDK's driver of the conformance suite (sdk/conformance/README.md).
//
//	conformance CONFIG.json SCENARIO.json [SCENARIO.json ...]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	kizuna "github.com/kizuna/sdk-go"
)

type config struct {
	URL        string                 `json:"url"`
	LimitedURL string                 `json:"limited_url"`
	DropURL    string                 `json:"drop_url"`
	FlakyURL   string                 `json:"flaky_url"`
	Tokens     map[string]string      `json:"tokens"`
	Vars       map[string]interface{} `json:"vars"`
}

type scenario struct {
	Name  string                   `json:"name"`
	Steps []map[string]interface{} `json:"steps"`
}

// stepError: the step cannot be expressed (unknown call, argument or name).
type stepError struct{ msg string }

func (e *stepError) Error() string { return e.msg }

func fail(format string, a ...interface{}) error { return &stepError{fmt.Sprintf(format, a...)} }

// streamTimeout: the stream did not yield enough events in time.
type streamTimeout struct{ msg string }

func (e *streamTimeout) Error() string { return e.msg }

// ---- arguments ----------------------------------------------------------------------------

type args struct{ v map[string]interface{} }

func (a *args) has(name string) bool { _, ok := a.v[name]; return ok }

func (a *args) take(name string, required bool) (interface{}, bool, error) {
	value, ok := a.v[name]
	if !ok {
		if required {
			return nil, false, fail("missing argument %q", name)
		}
		return nil, false, nil
	}
	delete(a.v, name)
	return value, value != nil, nil
}

func (a *args) str(name string) (string, error) {
	v, _, err := a.take(name, true)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fail("argument %q must be a string, got %v", name, v)
	}
	return s, nil
}

func (a *args) optStr(name string) (string, error) {
	v, present, err := a.take(name, false)
	if err != nil || !present {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fail("argument %q must be a string, got %v", name, v)
	}
	return s, nil
}

func (a *args) num(name string, required bool) (int64, bool, error) {
	v, present, err := a.take(name, required)
	if err != nil || !present {
		return 0, false, err
	}
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) {
			return 0, false, fail("argument %q must be an integer, got %v", name, v)
		}
		return int64(n), true, nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return 0, false, fail("argument %q must be an integer, got %q", name, n)
		}
		return i, true, nil
	}
	return 0, false, fail("argument %q must be an integer, got %v", name, v)
}

func (a *args) int(name string) (int, error) {
	n, _, err := a.num(name, true)
	return int(n), err
}

func (a *args) int64(name string) (int64, error) {
	n, _, err := a.num(name, true)
	return n, err
}

func (a *args) optInt(name string) (int, error) {
	n, _, err := a.num(name, false)
	return int(n), err
}

func (a *args) strings(name string, required bool) ([]string, error) {
	v, present, err := a.take(name, required)
	if err != nil || !present {
		return nil, err
	}
	list, ok := v.([]interface{})
	if !ok {
		return nil, fail("argument %q must be an array of strings", name)
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, fail("argument %q must be an array of strings", name)
		}
		out = append(out, s)
	}
	return out, nil
}

// body decodes every remaining argument into a request struct; an unknown one fails the step.
func (a *args) body(into interface{}) error {
	data, err := json.Marshal(a.v)
	if err != nil {
		return err
	}
	a.v = map[string]interface{}{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fail("the SDK's request type refused the arguments: %v", err)
	}
	return nil
}

func (a *args) done() error {
	if len(a.v) > 0 {
		var names []string
		for k := range a.v {
			names = append(names, k)
		}
		sort.Strings(names)
		return fail("unknown arguments %v", names)
	}
	return nil
}

func (a *args) list() (kizuna.ListOptions, error) {
	n, err := a.optInt("per_page")
	return kizuna.ListOptions{PerPage: n}, err
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ---- operations -----------------------------------------------------------------------------

type op func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error)

func orgRepo(a *args) (string, string, error) {
	org, err1 := a.str("org")
	repo, err2 := a.str("repo")
	return org, repo, firstErr(err1, err2)
}

var ops = map[string]op{
	"orgs.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Orgs.Get(ctx, org)
		return r, err
	},
	"orgs.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		var req kizuna.OrgRequest
		if !a.has("login") {
			return nil, fail("missing argument \"login\"")
		}
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Orgs.Create(ctx, &req)
		return r, err
	},
	"orgs.members": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		opts, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Orgs.MembersAll(ctx, org, &opts)
	},
	"orgs.set_member": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err1 := a.str("org")
		login, err2 := a.str("login")
		role, err3 := a.str("role")
		if err := firstErr(err1, err2, err3, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Orgs.SetMember(ctx, org, login, role)
		return r, err
	},
	"orgs.remove_member": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err1 := a.str("org")
		login, err2 := a.str("login")
		if err := firstErr(err1, err2, a.done()); err != nil {
			return nil, err
		}
		_, err := c.Orgs.RemoveMember(ctx, org, login)
		return nil, err
	},
	"repos.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err1 := a.str("org")
		vis, err2 := a.optStr("visibility")
		srt, err3 := a.optStr("sort")
		dir, err4 := a.optStr("direction")
		lo, err5 := a.list()
		if err := firstErr(err1, err2, err3, err4, err5, a.done()); err != nil {
			return nil, err
		}
		return c.Repos.ListAll(ctx, org, &kizuna.RepoListOptions{Visibility: vis, Sort: srt, Direction: dir, ListOptions: lo})
	},
	"repos.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Repos.Get(ctx, org, repo)
		return r, err
	},
	"repos.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		if err != nil {
			return nil, err
		}
		if !a.has("name") {
			return nil, fail("missing argument \"name\"")
		}
		var req kizuna.RepoRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Repos.Create(ctx, org, &req)
		return r, err
	},
	"repos.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		var req kizuna.RepoRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Repos.Update(ctx, org, repo, &req)
		return r, err
	},
	"repos.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		_, err = c.Repos.Delete(ctx, org, repo)
		return nil, err
	},
	"repos.branches": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		lo, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Repos.BranchesAll(ctx, org, repo, &lo)
	},
	"repos.commits": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		sha, err2 := a.optStr("sha")
		path, err3 := a.optStr("path")
		lo, err4 := a.list()
		if err = firstErr(err, err2, err3, err4, a.done()); err != nil {
			return nil, err
		}
		return c.Repos.CommitsAll(ctx, org, repo, &kizuna.CommitListOptions{SHA: sha, Path: path, ListOptions: lo})
	},
	"repos.contents": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		path, err2 := a.optStr("path")
		ref, err3 := a.optStr("ref")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		file, dir, _, err := c.Repos.Contents(ctx, org, repo, path, &kizuna.ContentOptions{Ref: ref})
		if err != nil {
			return nil, err
		}
		if file != nil {
			return file, nil
		}
		return dir, nil
	},
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
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Issues.Get(ctx, org, repo, n)
		return r, err
	},
	"issues.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		if !a.has("title") {
			return nil, fail("missing argument \"title\"")
		}
		var req kizuna.IssueRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Issues.Create(ctx, org, repo, &req)
		return r, err
	},
	"issues.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2); err != nil {
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
		r, _, err := c.Issues.Update(ctx, org, repo, n, &req)
		return r, err
	},
	"issues.add_labels": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		labels, err3 := a.strings("labels", true)
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Issues.AddLabels(ctx, org, repo, n, labels)
		return r, err
	},
	"issues.remove_label": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		label, err3 := a.str("label")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Issues.RemoveLabel(ctx, org, repo, n, label)
		return r, err
	},
	"comments.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		lo, err3 := a.list()
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		return c.Comments.ListAll(ctx, org, repo, n, &lo)
	},
	"comments.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		body, err3 := a.str("body")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Comments.Create(ctx, org, repo, n, body)
		return r, err
	},
	"comments.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("comment_id")
		body, err3 := a.str("body")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Comments.Update(ctx, org, repo, id, body)
		return r, err
	},
	"comments.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("comment_id")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		_, err = c.Comments.Delete(ctx, org, repo, id)
		return nil, err
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
		r, _, err := c.Labels.Get(ctx, org, repo, name)
		return r, err
	},
	"labels.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		if !a.has("name") || !a.has("color") {
			return nil, fail("labels.create needs name and color")
		}
		var req kizuna.LabelRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Labels.Create(ctx, org, repo, &req)
		return r, err
	},
	"labels.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		name, err2 := a.str("label")
		if err = firstErr(err, err2); err != nil {
			return nil, err
		}
		var req kizuna.LabelRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Labels.Update(ctx, org, repo, name, &req)
		return r, err
	},
	"labels.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		name, err2 := a.str("label")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		_, err = c.Labels.Delete(ctx, org, repo, name)
		return nil, err
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
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Milestones.Get(ctx, org, repo, n)
		return r, err
	},
	"milestones.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		if !a.has("title") {
			return nil, fail("missing argument \"title\"")
		}
		var req kizuna.MilestoneRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Milestones.Create(ctx, org, repo, &req)
		return r, err
	},
	"milestones.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2); err != nil {
			return nil, err
		}
		var req kizuna.MilestoneRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Milestones.Update(ctx, org, repo, n, &req)
		return r, err
	},
	"milestones.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		_, err = c.Milestones.Delete(ctx, org, repo, n)
		return nil, err
	},
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
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Pulls.Get(ctx, org, repo, n)
		return r, err
	},
	"pulls.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		if !a.has("title") || !a.has("head") {
			return nil, fail("pulls.create needs title and head")
		}
		var req kizuna.PullRequestRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Pulls.Create(ctx, org, repo, &req)
		return r, err
	},
	"pulls.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2); err != nil {
			return nil, err
		}
		var req kizuna.PullRequestRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Pulls.Update(ctx, org, repo, n, &req)
		return r, err
	},
	"pulls.ready": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Pulls.Ready(ctx, org, repo, n)
		return r, err
	},
	"pulls.merge": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		if err = firstErr(err, err2); err != nil {
			return nil, err
		}
		var req kizuna.MergeRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Pulls.Merge(ctx, org, repo, n, &req)
		return r, err
	},
	"pulls.comments": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		lo, err3 := a.list()
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		return c.Pulls.CommentsAll(ctx, org, repo, n, &lo)
	},
	"pulls.create_comment": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		n, err2 := a.int("number")
		body, err3 := a.str("body")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Pulls.CreateComment(ctx, org, repo, n, body)
		return r, err
	},
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
		if !a.has("name") || !a.has("model_family") || !a.has("model_version") {
			return nil, fail("agents.register needs name, model_family and model_version")
		}
		var req kizuna.AgentRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Agents.Register(ctx, &req)
		return r, err
	},
	"agents.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Agents.Get(ctx, id)
		return r, err
	},
	"agents.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		if err != nil {
			return nil, err
		}
		var req kizuna.AgentRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Agents.Update(ctx, id, &req)
		return r, err
	},
	"agents.rotate_token": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Agents.RotateToken(ctx, id)
		return r, err
	},
	"agents.events": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		id, err := a.str("agent_id")
		lo, err2 := a.list()
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		return c.Agents.EventsAll(ctx, id, &lo)
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
		var req kizuna.PipelineRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Pipelines.Trigger(ctx, org, repo, &req)
		return r, err
	},
	"pipelines.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		id, err2 := a.int64("pipeline_id")
		if err = firstErr(err, err2, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Pipelines.Get(ctx, org, repo, id)
		return r, err
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
		text, _, err := c.Pipelines.Log(ctx, org, repo, id, job)
		return text, err
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
		if !a.has("url") || !a.has("events") {
			return nil, fail("webhooks.create needs url and events")
		}
		var req kizuna.WebhookRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Webhooks.Create(ctx, org, repo, &req)
		return r, err
	},
	"webhooks.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		id, err3 := a.int64("hook_id")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Webhooks.Get(ctx, org, repo, id)
		return r, err
	},
	"webhooks.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		id, err3 := a.int64("hook_id")
		if err = firstErr(err, err2, err3); err != nil {
			return nil, err
		}
		var req kizuna.WebhookRequest
		if err := a.body(&req); err != nil {
			return nil, err
		}
		r, _, err := c.Webhooks.Update(ctx, org, repo, id, &req)
		return r, err
	},
	"webhooks.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		id, err3 := a.int64("hook_id")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		_, err = c.Webhooks.Delete(ctx, org, repo, id)
		return nil, err
	},
	"webhooks.ping": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		id, err3 := a.int64("hook_id")
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		_, err = c.Webhooks.Ping(ctx, org, repo, id)
		return nil, err
	},
	"webhooks.deliveries": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		id, err3 := a.int64("hook_id")
		lo, err4 := a.list()
		if err = firstErr(err, err2, err3, err4, a.done()); err != nil {
			return nil, err
		}
		return c.Webhooks.DeliveriesAll(ctx, org, repo, id, &lo)
	},
	"webhooks.delivery": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		id, err3 := a.int64("hook_id")
		did, err4 := a.int64("delivery_id")
		if err = firstErr(err, err2, err3, err4, a.done()); err != nil {
			return nil, err
		}
		r, _, err := c.Webhooks.GetDelivery(ctx, org, repo, id, did)
		return r, err
	},
	"webhooks.redeliver": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		repo, err2 := a.optStr("repo")
		id, err3 := a.int64("hook_id")
		did, err4 := a.int64("delivery_id")
		if err = firstErr(err, err2, err3, err4, a.done()); err != nil {
			return nil, err
		}
		_, err = c.Webhooks.Redeliver(ctx, org, repo, id, did)
		return nil, err
	},
	"events.list": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		typ, err2 := a.optStr("type")
		actor, err3 := a.optStr("actor")
		after, _, err4 := a.num("after_id", false)
		lo, err5 := a.list()
		if err = firstErr(err, err2, err3, err4, err5, a.done()); err != nil {
			return nil, err
		}
		return c.Events.ListAll(ctx, org, repo, &kizuna.EventListOptions{Type: typ, Actor: actor, AfterID: after, ListOptions: lo})
	},
	"events.stream": stream,
	"request": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		method, err := a.str("method")
		path, err2 := a.str("path")
		if err = firstErr(err, err2); err != nil {
			return nil, err
		}
		query := map[string][]string{}
		if p, present, _ := a.take("params", false); present {
			params, ok := p.(map[string]interface{})
			if !ok {
				return nil, fail("params must be an object")
			}
			for k, v := range params {
				query[k] = []string{text(v)}
			}
		}
		body, _, _ := a.take("json", false)
		if err := a.done(); err != nil {
			return nil, err
		}
		var out interface{}
		_, err = c.Request(ctx, method, path, query, body, &out)
		return out, err
	},
	"verify_signature": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		secret, err := a.str("secret")
		body, err2 := a.str("body")
		h, _, err3 := a.take("headers", true)
		if err = firstErr(err, err2, err3, a.done()); err != nil {
			return nil, err
		}
		fields, ok := h.(map[string]interface{})
		if !ok {
			return nil, fail("headers must be an object")
		}
		header := http.Header{}
		for k, v := range fields {
			header.Set(k, text(v))
		}
		return kizuna.VerifySignature(secret, []byte(body), header), nil
	},
}

func stream(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
	org, err1 := a.optStr("org")
	repo, err2 := a.optStr("repo")
	last, _, err3 := a.num("last_event_id", false)
	count, err4 := a.int("count")
	timeout, present, err5 := a.num("timeout_seconds", false)
	if err := firstErr(err1, err2, err3, err4, err5, a.done()); err != nil {
		return nil, err
	}
	if !present {
		timeout = 60
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(timeout)*time.Second)
	defer cancel()
	events, errc := c.Events.Stream(ctx, org, repo, last)
	out := []*kizuna.Event{}
	for ev := range events {
		out = append(out, ev)
		if len(out) >= count {
			cancel()
			for range events {
			}
			return out, nil
		}
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	return nil, &streamTimeout{fmt.Sprintf("only %d of %d events within %d s", len(out), count, timeout)}
}

// ---- results, errors, substitution, matching ------------------------------------------------

func toJSON(v interface{}) (interface{}, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	return out, json.Unmarshal(data, &out)
}

var classes = []struct {
	err  error
	name string
}{
	{kizuna.ErrUnauthorized, "Unauthorized"}, {kizuna.ErrForbidden, "Forbidden"}, {kizuna.ErrNotFound, "NotFound"},
	{kizuna.ErrValidation, "Validation"}, {kizuna.ErrConflict, "Conflict"}, {kizuna.ErrNotMergeable, "NotMergeable"},
	{kizuna.ErrRateLimited, "RateLimited"}, {kizuna.ErrServer, "Server"},
}

func errorJSON(err error) map[string]interface{} {
	out := map[string]interface{}{"class": "Connection", "status": nil, "code": nil, "message": err.Error(),
		"details": map[string]interface{}{}, "request_id": nil, "retry_after": nil}
	var timeout *streamTimeout
	if errors.As(err, &timeout) || errors.Is(err, context.DeadlineExceeded) {
		out["class"], out["code"] = "Timeout", "TIMEOUT"
		return out
	}
	var apiErr *kizuna.Error
	if !errors.As(err, &apiErr) {
		return out
	}
	out["class"] = "Error"
	for _, c := range classes {
		if errors.Is(err, c.err) {
			out["class"] = c.name
			break
		}
	}
	out["status"], out["code"], out["message"] = float64(apiErr.Status), apiErr.Code, apiErr.Message
	out["details"], out["request_id"] = apiErr.Details, apiErr.RequestID
	if errors.Is(err, kizuna.ErrRateLimited) && apiErr.Response != nil && apiErr.Response.Header.Get("Retry-After") != "" {
		out["retry_after"] = apiErr.RetryAfter.Seconds()
	}
	return out
}

var whole = regexp.MustCompile(`^\$\{([^}]+)\}$`)
var inner = regexp.MustCompile(`\$\{([^}]+)\}`)

func lookup(names map[string]interface{}, ref string) (interface{}, error) {
	parts := strings.Split(ref, ".")
	value, ok := names[parts[0]]
	if !ok {
		return nil, fail("unknown name ${%s}", ref)
	}
	for _, part := range parts[1:] {
		switch v := value.(type) {
		case []interface{}:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return nil, fail("${%s}: no index %s", ref, part)
			}
			value = v[i]
		case map[string]interface{}:
			next, ok := v[part]
			if !ok {
				return nil, fail("${%s}: no field %s", ref, part)
			}
			value = next
		default:
			return nil, fail("${%s}: cannot walk into %v", ref, v)
		}
	}
	return value, nil
}

func text(v interface{}) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	data, _ := json.Marshal(v)
	return string(data)
}

func substitute(v interface{}, names map[string]interface{}) (interface{}, error) {
	switch x := v.(type) {
	case string:
		if m := whole.FindStringSubmatch(x); m != nil {
			return lookup(names, m[1])
		}
		var err error
		out := inner.ReplaceAllStringFunc(x, func(ref string) string {
			value, e := lookup(names, ref[2:len(ref)-1])
			if e != nil {
				err = e
			}
			return text(value)
		})
		return out, err
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, item := range x {
			s, err := substitute(item, names)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	case map[string]interface{}:
		out := make(map[string]interface{}, len(x))
		for k, item := range x {
			s, err := substitute(item, names)
			if err != nil {
				return nil, err
			}
			out[k] = s
		}
		return out, nil
	}
	return v, nil
}

func matches(pattern, actual interface{}) bool {
	if pattern == "$any" {
		return true
	}
	if pattern == "$nonnull" {
		return actual != nil
	}
	switch p := pattern.(type) {
	case map[string]interface{}:
		a, ok := actual.(map[string]interface{})
		if !ok {
			return false
		}
		for k, v := range p {
			got, present := a[k]
			if !present || !matches(v, got) {
				return false
			}
		}
		return true
	case []interface{}:
		a, ok := actual.([]interface{})
		if !ok || len(a) != len(p) {
			return false
		}
		for i := range p {
			if !matches(p[i], a[i]) {
				return false
			}
		}
		return true
	case nil:
		return actual == nil
	}
	return pattern == actual
}

func show(v interface{}) string {
	data, _ := json.Marshal(v)
	if len(data) > 600 {
		data = append(data[:600], "…"...)
	}
	return string(data)
}

var expectKeys = map[string]bool{"error": true, "status": true, "code": true, "details": true, "retry_after_min": true, "result": true,
	"length": true, "length_min": true, "contains": true, "excludes": true, "unique": true, "increasing": true}

func judge(expect map[string]interface{}, ok bool, value interface{}) (string, error) {
	for k := range expect {
		if !expectKeys[k] {
			return "", fail("unknown expect key %q", k)
		}
	}
	if want, has := expect["error"]; has {
		if ok {
			return fmt.Sprintf("expected error %v, got result %s", want, show(value)), nil
		}
		e := value.(map[string]interface{})
		if e["class"] != want {
			return fmt.Sprintf("expected error %v, got %s", want, show(value)), nil
		}
		for _, key := range []string{"status", "code"} {
			if w, has := expect[key]; has && !matches(w, e[key]) {
				return fmt.Sprintf("expected %s %v, got %s", key, w, show(value)), nil
			}
		}
		if w, has := expect["details"]; has && !matches(w, e["details"]) {
			return fmt.Sprintf("details do not match %s: %s", show(w), show(value)), nil
		}
		if w, has := expect["retry_after_min"]; has {
			got, isNum := e["retry_after"].(float64)
			if !isNum || got < w.(float64) {
				return fmt.Sprintf("expected retry_after ≥ %v, got %s", w, show(value)), nil
			}
		}
		return "", nil
	}
	if !ok {
		return "expected success, got error " + show(value), nil
	}
	if w, has := expect["result"]; has && !matches(w, value) {
		return fmt.Sprintf("result does not match %s: %s", show(w), show(value)), nil
	}
	listy := false
	for _, k := range []string{"length", "length_min", "contains", "excludes", "unique", "increasing"} {
		if _, has := expect[k]; has {
			listy = true
		}
	}
	if !listy {
		return "", nil
	}
	items, isList := value.([]interface{})
	if !isList {
		return "expected an array, got " + show(value), nil
	}
	if w, has := expect["length"]; has && float64(len(items)) != w.(float64) {
		return fmt.Sprintf("expected %v items, got %d: %s", w, len(items), show(value)), nil
	}
	if w, has := expect["length_min"]; has && float64(len(items)) < w.(float64) {
		return fmt.Sprintf("expected at least %v items, got %d: %s", w, len(items), show(value)), nil
	}
	if w, has := expect["contains"]; has {
		for _, pattern := range w.([]interface{}) {
			found := false
			for _, item := range items {
				if matches(pattern, item) {
					found = true
					break
				}
			}
			if !found {
				return fmt.Sprintf("no item matches %s: %s", show(pattern), show(value)), nil
			}
		}
	}
	if w, has := expect["excludes"]; has {
		for _, pattern := range w.([]interface{}) {
			for _, item := range items {
				if matches(pattern, item) {
					return fmt.Sprintf("an item matches %s: %s", show(pattern), show(value)), nil
				}
			}
		}
	}
	if w, has := expect["unique"]; has {
		seen := map[string]bool{}
		for _, item := range items {
			m, _ := item.(map[string]interface{})
			key := show(m[w.(string)])
			if seen[key] {
				return fmt.Sprintf("repeated %v: %s", w, show(value)), nil
			}
			seen[key] = true
		}
	}
	if w, has := expect["increasing"]; has {
		for i := 1; i < len(items); i++ {
			a, _ := items[i-1].(map[string]interface{})
			b, _ := items[i].(map[string]interface{})
			x, ok1 := a[w.(string)].(float64)
			y, ok2 := b[w.(string)].(float64)
			if !ok1 || !ok2 || !(x < y) {
				return fmt.Sprintf("%v does not strictly increase: %s", w, show(value)), nil
			}
		}
	}
	return "", nil
}

// ---- running ----------------------------------------------------------------------------------

type driver struct {
	cfg     config
	clients map[string]*kizuna.Client
}

func (d *driver) client(server string, who interface{}) (*kizuna.Client, error) {
	urls := map[string]string{"url": d.cfg.URL, "limited_url": d.cfg.LimitedURL, "drop_url": d.cfg.DropURL, "flaky_url": d.cfg.FlakyURL}
	base, ok := urls[server]
	if !ok {
		return nil, fail("unknown server %q", server)
	}
	token := ""
	if who != nil {
		name, isStr := who.(string)
		if !isStr {
			return nil, fail("as must be a token name or null")
		}
		if token, ok = d.cfg.Tokens[name]; !ok {
			return nil, fail("unknown token %q", name)
		}
	}
	key := server + "\x00" + token
	if c, ok := d.clients[key]; ok {
		return c, nil
	}
	c := kizuna.NewClient(base, token)
	d.clients[key] = c
	return c, nil
}

var stepKeys = map[string]bool{"call": true, "args": true, "as": true, "server": true, "save": true, "repeat": true, "poll": true, "expect": true, "comment": true}

func (d *driver) call(step map[string]interface{}, names map[string]interface{}) (bool, interface{}, error) {
	name, _ := step["call"].(string)
	fn, ok := ops[name]
	if !ok {
		return false, nil, fail("unknown call %q", name)
	}
	raw, _ := step["args"].(map[string]interface{})
	substituted, err := substitute(raw, names)
	if err != nil {
		return false, nil, err
	}
	values, _ := substituted.(map[string]interface{})
	if values == nil {
		values = map[string]interface{}{}
	}
	server := "url"
	if s, ok := step["server"].(string); ok {
		server = s
	}
	var who interface{} = "alice"
	if v, ok := step["as"]; ok {
		who = v
	}
	c, err := d.client(server, who)
	if err != nil {
		return false, nil, err
	}
	result, err := fn(context.Background(), c, &args{values})
	var se *stepError
	if errors.As(err, &se) {
		return false, nil, err
	}
	if err != nil {
		return false, errorJSON(err), nil
	}
	out, err := toJSON(result)
	if err != nil {
		return false, nil, fail("cannot serialise the result: %v", err)
	}
	return true, out, nil
}

func (d *driver) runStep(step map[string]interface{}, names map[string]interface{}) (string, error) {
	for k := range step {
		if !stepKeys[k] {
			return "", fail("unknown step field %q", k)
		}
	}
	rawExpect, _ := step["expect"].(map[string]interface{})
	subExpect, err := substitute(rawExpect, names)
	if err != nil {
		return "", err
	}
	expect, _ := subExpect.(map[string]interface{})
	attempts, interval, polling := 1, 500*time.Millisecond, false
	if poll, ok := step["poll"].(map[string]interface{}); ok {
		polling = true
		if n, ok := poll["attempts"].(float64); ok {
			attempts = int(n)
		}
		if ms, ok := poll["interval_ms"].(float64); ok {
			interval = time.Duration(ms) * time.Millisecond
		}
	} else if n, ok := step["repeat"].(float64); ok {
		attempts = int(n)
	}
	if attempts < 1 {
		attempts = 1
	}
	var why string
	var value interface{}
	for i := 0; i < attempts; i++ {
		var ok bool
		ok, value, err = d.call(step, names)
		if err != nil {
			return "", err
		}
		if why, err = judge(expect, ok, value); err != nil {
			return "", err
		}
		if polling && why == "" {
			break
		}
		if polling && i+1 < attempts {
			time.Sleep(interval)
		}
	}
	if save, ok := step["save"].(string); ok && save != "" && why == "" {
		names[save] = value
	}
	return why, nil
}

func (d *driver) run(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return false
	}
	var sc scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
		return false
	}
	names := map[string]interface{}{}
	for k, v := range d.cfg.Vars {
		names[k] = v
	}
	for i, step := range sc.Steps {
		why, err := d.runStep(step, names)
		if err != nil {
			why = "cannot express the step: " + err.Error()
		}
		record := map[string]interface{}{"scenario": sc.Name, "step": i, "call": step["call"], "pass": why == ""}
		if why != "" {
			record["why"] = why
		}
		line, _ := json.Marshal(record)
		fmt.Println(string(line))
		if why != "" {
			return false
		}
	}
	return true
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: conformance CONFIG.json SCENARIO.json [...]")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	d := &driver{clients: map[string]*kizuna.Client{}}
	if err := json.Unmarshal(data, &d.cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	okAll := true
	for _, path := range os.Args[2:] {
		if !d.run(path) {
			okAll = false
		}
	}
	if !okAll {
		os.Exit(1)
	}
}
