package main

import (
	"context"
	"fmt"

	kizuna "github.com/kizuna/sdk-go"
)

// An op makes one call of the operations table (sdk/conformance/README.md): it takes its arguments
// from a (an unknown or missing one fails the step) and returns the SDK's result.
type op func(ctx context.Context, c *kizuna.Client, a *args) (interface{}, error)

// ops: every operation the driver knows, gathered from the ops_*.go files.
var ops = mergeOps(orgRepoOps, issueOps, pullPipelineOps, agentWebhookOps, eventOps)

func mergeOps(groups ...map[string]op) map[string]op {
	all := map[string]op{}
	for _, group := range groups {
		for name, fn := range group {
			if _, twice := all[name]; twice {
				panic(fmt.Sprintf("operation %q defined twice", name))
			}
			all[name] = fn
		}
	}
	return all
}

// one returns an SDK call's result and error, dropping its *Response: op(c.Issues.Get(...)).
func one[T any](result T, _ *kizuna.Response, err error) (interface{}, error) {
	return result, err
}

// none is one for the calls that answer no body (deletes, ping, redeliver): the result is null.
func none(_ *kizuna.Response, err error) (interface{}, error) {
	return nil, err
}

func orgRepo(a *args) (string, string, error) {
	org, err1 := a.str("org")
	repo, err2 := a.str("repo")
	return org, repo, firstErr(err1, err2)
}

// orgRepoNumber: the org, repo and number arguments of an issue, pull request or milestone.
func orgRepoNumber(a *args) (string, string, int, error) {
	org, repo, err1 := orgRepo(a)
	n, err2 := a.int("number")
	return org, repo, n, firstErr(err1, err2)
}

// hookArgs: a webhook's org, optional repo (absent = the organisation's hooks) and hook_id.
func hookArgs(a *args) (string, string, int64, error) {
	org, err1 := a.str("org")
	repo, err2 := a.optStr("repo")
	id, err3 := a.int64("hook_id")
	return org, repo, id, firstErr(err1, err2, err3)
}
