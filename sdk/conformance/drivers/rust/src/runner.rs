//! Scenarios run step by step: substitution, the call, polling or repeating, the verdict.

use std::collections::HashMap;
use std::io::Write;
use std::thread;
use std::time::Duration;

use kizuna_sdk::Client;
use serde_json::{json, Map, Value};

use crate::args::Args;
use crate::calls::call;
use crate::checks::judge;
use crate::json::substitute;
use crate::{read_json, step_err, StepError};

pub struct Driver {
    config: Value,
    clients: HashMap<(String, Option<String>), Client>,
}

impl Driver {
    pub fn new(config: Value) -> Driver {
        Driver { config, clients: HashMap::new() }
    }

    fn client(&mut self, server: &str, who: Option<&str>) -> Result<Client, StepError> {
        let key = (server.to_string(), who.map(str::to_string));
        if let Some(c) = self.clients.get(&key) {
            return Ok(c.clone());
        }
        if !["url", "limited_url", "drop_url", "flaky_url"].contains(&server) {
            return step_err(format!("unknown server {:?}", server));
        }
        let url = match self.config.get(server).and_then(Value::as_str) {
            Some(u) => u.to_string(),
            None => return step_err(format!("the config has no {:?}", server)),
        };
        let token = match who {
            None => String::new(),
            Some(w) => match self.config["tokens"].get(w).and_then(Value::as_str) {
                Some(t) => t.to_string(),
                None => return step_err(format!("unknown token {:?}", w)),
            },
        };
        let c = Client::new(&url, &token);
        self.clients.insert(key, c.clone());
        Ok(c)
    }

    fn run_step(&mut self, step: &Map<String, Value>, names: &mut Map<String, Value>) -> Result<Option<String>, StepError> {
        const ALLOWED: [&str; 9] = ["call", "args", "as", "server", "save", "repeat", "poll", "expect", "comment"];
        let unknown: Vec<&String> = step.keys().filter(|k| !ALLOWED.contains(&k.as_str())).collect();
        if !unknown.is_empty() {
            return step_err(format!("unknown step fields {:?}", unknown));
        }
        let name = step.get("call").and_then(Value::as_str).ok_or_else(|| StepError("a step without a call".into()))?;
        let expect = match substitute(step.get("expect").unwrap_or(&json!({})), names)? {
            Value::Object(m) => m,
            other => return step_err(format!("expect must be an object, got {}", other)),
        };
        let server = step.get("server").and_then(Value::as_str).unwrap_or("url");
        let who = match step.get("as") {
            None => Some("alice"),
            Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => return step_err(format!("as must be a token name or null, got {}", other)),
        };
        let client = self.client(server, who)?;
        let poll = step.get("poll").and_then(Value::as_object);
        let attempts = match poll {
            Some(p) => p.get("attempts").and_then(Value::as_u64).unwrap_or(1),
            None => step.get("repeat").and_then(Value::as_u64).unwrap_or(1),
        }
        .max(1);
        let interval = poll.and_then(|p| p.get("interval_ms")).and_then(Value::as_u64).unwrap_or(500);
        let mut why = None;
        let mut last = Ok(Value::Null);
        for attempt in 0..attempts {
            let args = match substitute(step.get("args").unwrap_or(&json!({})), names)? {
                Value::Object(m) => m,
                other => return step_err(format!("args must be an object, got {}", other)),
            };
            let mut args = Args::new(args);
            last = call(&client, name, &mut args)?;
            why = judge(&expect, &last)?;
            if poll.is_some() && why.is_none() {
                break;
            }
            if poll.is_some() && attempt + 1 < attempts {
                thread::sleep(Duration::from_millis(interval));
            }
        }
        if why.is_none() {
            if let Some(Value::String(save)) = step.get("save") {
                names.insert(save.clone(), last.unwrap_or(Value::Null));
            }
        }
        Ok(why)
    }

    pub fn run(&mut self, path: &str) -> bool {
        let scenario = match read_json(path) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("rust driver: cannot read {}: {}", path, e);
                return false;
            }
        };
        let scenario_name = scenario.get("name").and_then(Value::as_str).unwrap_or(path).to_string();
        let mut names = self.config.get("vars").and_then(Value::as_object).cloned().unwrap_or_default();
        let steps = scenario.get("steps").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut all_ok = true;
        for (index, step) in steps.iter().enumerate() {
            let call = step.get("call").cloned().unwrap_or(Value::Null);
            let why = match step.as_object() {
                Some(s) => match self.run_step(s, &mut names) {
                    Ok(why) => why,
                    Err(StepError(e)) => Some(format!("cannot express the step: {}", e)),
                },
                None => Some("cannot express the step: not an object".into()),
            };
            let mut record = json!({"scenario": scenario_name, "step": index, "call": call, "pass": why.is_none()});
            if let Some(w) = &why {
                record["why"] = Value::String(w.clone());
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let _ = writeln!(out, "{}", record);
            let _ = out.flush();
            if why.is_some() {
                all_ok = false;
                break;
            }
        }
        all_ok
    }
}
