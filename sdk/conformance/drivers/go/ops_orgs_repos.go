package main

import (
	"context"

	kizuna "github.com/kizuna/sdk-go"
)

// orgRepoOps: the operations on organisations, members and repositories (sdk/conformance/README.md, Operations).
var orgRepoOps = map[string]op{
	"orgs.get": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return one(c.Orgs.Get(ctx, org))
	},
	"orgs.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		req, err := bodyOf[kizuna.OrgRequest](a, "login")
		if err != nil {
			return nil, err
		}
		return one(c.Orgs.Create(ctx, req))
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
		return one(c.Orgs.SetMember(ctx, org, login, role))
	},
	"orgs.remove_member": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err1 := a.str("org")
		login, err2 := a.str("login")
		if err := firstErr(err1, err2, a.done()); err != nil {
			return nil, err
		}
		return none(c.Orgs.RemoveMember(ctx, org, login))
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
		return one(c.Repos.Get(ctx, org, repo))
	},
	"repos.create": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, err := a.str("org")
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.RepoRequest](a, "name")
		if err != nil {
			return nil, err
		}
		return one(c.Repos.Create(ctx, org, req))
	},
	"repos.update": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err != nil {
			return nil, err
		}
		req, err := bodyOf[kizuna.RepoRequest](a)
		if err != nil {
			return nil, err
		}
		return one(c.Repos.Update(ctx, org, repo, req))
	},
	"repos.delete": func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error) {
		org, repo, err := orgRepo(a)
		if err = firstErr(err, a.done()); err != nil {
			return nil, err
		}
		return none(c.Repos.Delete(ctx, org, repo))
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
}
