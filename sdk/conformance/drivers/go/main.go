// Command conformance is the Go SDK's driver of the conformance suite (sdk/conformance/README.md).
//
//	conformance CONFIG.json SCENARIO.json [SCENARIO.json ...]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
