package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	kizuna "github.com/kizuna/sdk-go"
)

// eventOps: the operations on events (listed and streamed), the generic request and webhook verification (sdk/conformance/README.md, Operations).
var eventOps = map[string]op{
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
