package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"

	kizuna "github.com/kizuna/sdk-go"
)

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

// bodyOf checks that the required arguments are given, then decodes every remaining argument into
// a new request struct T (body).
func bodyOf[T any](a *args, required ...string) (*T, error) {
	for _, name := range required {
		if !a.has(name) {
			return nil, fail("missing argument %q", name)
		}
	}
	var req T
	if err := a.body(&req); err != nil {
		return nil, err
	}
	return &req, nil
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
