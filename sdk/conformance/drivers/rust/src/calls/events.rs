//! `events.list`, and `events.stream` read against a deadline.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use kizuna_sdk::*;
use serde_json::{json, Value};

use super::unknown;
use crate::args::Args;
use crate::json::text;
use crate::results::{all, error_json, one};
use crate::{step_err, Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    match name {
        "events.list" => {
            let (org, repo) = a.repo()?;
            let o = EventListOptions { type_: a.opt_str("type")?, actor: a.opt_str("actor")?, after_id: a.opt_u64("after_id")? };
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.events().list_with(&org, &repo, &o), pp))
        }
        "events.stream" => stream(c, a),
        other => unknown(other),
    }
}

fn stream(c: &Client, a: &mut Args) -> Result<Outcome, StepError> {
    let org = a.opt_str("org")?;
    let repo = a.opt_str("repo")?;
    let last = a.take("last_event_id");
    let count = a.req_u64("count")? as usize;
    let timeout = match a.take("timeout_seconds") {
        None | Some(Value::Null) => 60.0,
        Some(v) => v.as_f64().ok_or_else(|| StepError(format!("timeout_seconds must be a number, got {}", v)))?,
    };
    a.done()?;
    let mut events = match (&org, &repo) {
        (Some(o), Some(r)) => c.events().stream(o, r, None),
        (None, None) => c.events().user_stream(None),
        _ => return step_err("events.stream takes both org and repo, or neither"),
    };
    match last {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => events = events.last_event_id(s),
        Some(Value::Number(n)) => events = events.last_event_id(text(&Value::Number(n))),
        Some(v) => return step_err(format!("last_event_id must be a number or a string, got {}", v)),
    }
    let (tx, rx) = mpsc::channel();
    // The stream is read on its own thread, so a silent one cannot outlast the timeout; it is
    // dropped (its connection closed) right after the `count`-th event.
    thread::spawn(move || {
        for item in events.take(count) {
            if tx.send(item).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs_f64(timeout.max(0.0));
    let mut got = Vec::new();
    while got.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(event)) => got.push(event),
            Ok(Err(e)) => return Ok(Err(error_json(&e))),
            Err(mpsc::RecvTimeoutError::Timeout) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Ok(Err(json!({
                    "class": "Timeout", "status": null, "code": "TIMEOUT",
                    "message": format!("only {} of {} events within {} s", got.len(), count, timeout),
                    "details": {}, "request_id": null, "retry_after": null,
                })));
            }
        }
    }
    Ok(one(Ok::<_, Error>(got)))
}
