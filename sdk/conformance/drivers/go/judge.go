package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	kizuna "github.com/kizuna/sdk-go"
)

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
