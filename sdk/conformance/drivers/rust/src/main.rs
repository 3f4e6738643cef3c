//! Conformance driver for the Rust SDK (sdk/conformance/README.md).
//!
//!     cargo run --offline --quiet --manifest-path sdk/conformance/drivers/rust/Cargo.toml -- CONFIG.json SCENARIO.json [...]
//!
//! One JSON line per step on stdout; diagnostics on stderr. Exit 0 when every step passed.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use kizuna_sdk::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The step cannot be expressed or judged (unknown call, argument or name).
#[derive(Debug)]
struct StepError(String);

fn step_err<T>(message: impl Into<String>) -> Result<T, StepError> {
    Err(StepError(message.into()))
}

type Outcome = Result<Value, Value>;

// -- arguments ------------------------------------------------------------------------------------

struct Args {
    values: Map<String, Value>,
}

impl Args {
    fn take(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    fn req(&mut self, name: &str) -> Result<Value, StepError> {
        match self.take(name) {
            Some(v) => Ok(v),
            None => step_err(format!("missing argument {:?}", name)),
        }
    }

    fn req_str(&mut self, name: &str) -> Result<String, StepError> {
        let v = self.req(name)?;
        as_string(name, &v)
    }

    fn req_u64(&mut self, name: &str) -> Result<u64, StepError> {
        let v = self.req(name)?;
        as_u64(name, &v)
    }

    fn opt_str(&mut self, name: &str) -> Result<Option<String>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => as_string(name, &v).map(Some),
        }
    }

    fn opt_u64(&mut self, name: &str) -> Result<Option<u64>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => as_u64(name, &v).map(Some),
        }
    }

    fn opt_bool(&mut self, name: &str) -> Result<Option<bool>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(v) => step_err(format!("argument {:?} must be a boolean, got {}", name, v)),
        }
    }

    fn opt_strs(&mut self, name: &str) -> Result<Option<Vec<String>>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items.iter().map(|v| as_string(name, v)).collect::<Result<Vec<_>, _>>().map(Some),
            Some(Value::String(s)) => Ok(Some(s.split(',').map(str::to_string).collect())),
            Some(v) => step_err(format!("argument {:?} must be a list of strings, got {}", name, v)),
        }
    }

    /// Absent → None; `null` → Some(None) (the field is sent as null).
    fn nullable_u64(&mut self, name: &str) -> Result<Option<Option<u64>>, StepError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => as_u64(name, &v).map(|n| Some(Some(n))),
        }
    }

    fn nullable_str(&mut self, name: &str) -> Result<Option<Option<String>>, StepError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => as_string(name, &v).map(|s| Some(Some(s))),
        }
    }

    fn done(&self) -> Result<(), StepError> {
        if self.values.is_empty() {
            Ok(())
        } else {
            step_err(format!("unknown arguments {:?}", self.values.keys().collect::<Vec<_>>()))
        }
    }
}

fn as_string(name: &str, v: &Value) -> Result<String, StepError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(text(&Value::Number(n.clone()))),
        _ => step_err(format!("argument {:?} must be a string, got {}", name, v)),
    }
}

fn as_u64(name: &str, v: &Value) -> Result<u64, StepError> {
    match v {
        Value::Number(n) => match n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64)) {
            Some(n) => Ok(n),
            None => step_err(format!("argument {:?} must be a non-negative integer, got {}", name, v)),
        },
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Ok(s.parse().unwrap_or(0)),
        _ => step_err(format!("argument {:?} must be an integer, got {}", name, v)),
    }
}

// -- results --------------------------------------------------------------------------------------

fn class_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Unauthorized => "Unauthorized",
        ErrorKind::Forbidden => "Forbidden",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::Validation => "Validation",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::NotMergeable => "NotMergeable",
        ErrorKind::RateLimited => "RateLimited",
        ErrorKind::Server => "Server",
        ErrorKind::Connection => "Connection",
        ErrorKind::Timeout => "Timeout",
        _ => "Error",
    }
}

fn error_json(e: &Error) -> Value {
    json!({
        "class": class_of(e.kind()),
        "status": e.status(),
        "code": e.code(),
        "message": e.message(),
        "details": e.details(),
        "request_id": e.request_id(),
        "retry_after": e.retry_after().map(|d| d.as_secs_f64()),
    })
}

fn one<T: Serialize>(result: Result<T, Error>) -> Outcome {
    match result {
        Ok(v) => Ok(serde_json::to_value(v).unwrap_or(Value::Null)),
        Err(e) => Err(error_json(&e)),
    }
}

fn all<T: Serialize + DeserializeOwned>(pages: Pages<T>, per_page: Option<u64>) -> Outcome {
    let pages = match per_page {
        Some(n) => pages.per_page(n as u32),
        None => pages,
    };
    one(pages.collect::<Result<Vec<T>, Error>>())
}

// -- operations -----------------------------------------------------------------------------------

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

fn verify(a: &mut Args) -> Result<Outcome, StepError> {
    let secret = a.req_str("secret")?;
    let body = a.req_str("body")?;
    let headers = match a.req("headers")? {
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, text(&v))).collect::<Vec<(String, String)>>(),
        other => return step_err(format!("headers must be an object, got {}", other)),
    };
    a.done()?;
    Ok(Ok(Value::Bool(verify_signature(&secret, body.as_bytes(), &headers))))
}

fn request(c: &Client, a: &mut Args) -> Result<Outcome, StepError> {
    let method = a.req_str("method")?;
    let path = a.req_str("path")?;
    let params: Vec<(String, String)> = match a.take("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, text(&v))).collect(),
        Some(v) => return step_err(format!("params must be an object, got {}", v)),
    };
    let body = a.take("json");
    a.done()?;
    let query: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Ok(one(c.request(&method, &path, &query, body.as_ref())))
}

fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    macro_rules! done {
        ($e:expr) => {{
            a.done()?;
            $e
        }};
    }
    let out = match name {
        "orgs.get" => {
            let org = a.req_str("org")?;
            done!(one(c.orgs().get(&org)))
        }
        "orgs.create" => {
            let r = OrgRequest { login: a.req_str("login")?, name: a.opt_str("name")?, description: a.opt_str("description")? };
            done!(one(c.orgs().create(&r)))
        }
        "orgs.members" => {
            let org = a.req_str("org")?;
            let pp = a.opt_u64("per_page")?;
            done!(all(c.orgs().members(&org), pp))
        }
        "orgs.set_member" => {
            let (org, login, role) = (a.req_str("org")?, a.req_str("login")?, a.req_str("role")?);
            done!(one(c.orgs().set_member(&org, &login, &role)))
        }
        "orgs.remove_member" => {
            let (org, login) = (a.req_str("org")?, a.req_str("login")?);
            done!(one(c.orgs().remove_member(&org, &login)))
        }
        "repos.list" => {
            let org = a.req_str("org")?;
            let o = RepoListOptions { visibility: a.opt_str("visibility")?, sort: a.opt_str("sort")?, direction: a.opt_str("direction")? };
            let pp = a.opt_u64("per_page")?;
            done!(all(c.repos().list_with(&org, &o), pp))
        }
        "repos.get" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            done!(one(c.repos().get(&org, &repo)))
        }
        "repos.create" => {
            let org = a.req_str("org")?;
            let r = RepoRequest {
                name: a.req_str("name")?,
                description: a.opt_str("description")?,
                visibility: a.opt_str("visibility")?,
                default_branch: a.opt_str("default_branch")?,
                auto_init: a.opt_bool("auto_init")?,
            };
            done!(one(c.repos().create(&org, &r)))
        }
        "repos.update" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let u = RepoUpdate {
                name: a.opt_str("name")?,
                description: a.opt_str("description")?,
                visibility: a.opt_str("visibility")?,
                default_branch: a.opt_str("default_branch")?,
                archived: a.opt_bool("archived")?,
            };
            done!(one(c.repos().update(&org, &repo, &u)))
        }
        "repos.delete" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            done!(one(c.repos().delete(&org, &repo)))
        }
        "repos.branches" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let pp = a.opt_u64("per_page")?;
            done!(all(c.repos().branches(&org, &repo), pp))
        }
        "repos.commits" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let o = CommitListOptions { sha: a.opt_str("sha")?, path: a.opt_str("path")? };
            let pp = a.opt_u64("per_page")?;
            done!(all(c.repos().commits_with(&org, &repo, &o), pp))
        }
        "repos.contents" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let path = a.opt_str("path")?.unwrap_or_default();
            let git_ref = a.opt_str("ref")?;
            done!(one(c.repos().contents(&org, &repo, &path, git_ref.as_deref())))
        }
        "issues.list" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let o = IssueListOptions {
                state: a.opt_str("state")?,
                labels: a.opt_strs("labels")?.unwrap_or_default(),
                assignee: a.opt_str("assignee")?,
                creator: a.opt_str("creator")?,
                milestone: a.opt_str("milestone")?,
                since: a.opt_str("since")?,
                sort: a.opt_str("sort")?,
                direction: a.opt_str("direction")?,
            };
            let pp = a.opt_u64("per_page")?;
            done!(all(c.issues().list_with(&org, &repo, &o), pp))
        }
        "issues.get" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            done!(one(c.issues().get(&org, &repo, n)))
        }
        "issues.create" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let r = IssueRequest {
                title: a.req_str("title")?,
                body: a.opt_str("body")?,
                labels: a.opt_strs("labels")?.unwrap_or_default(),
                assignees: a.opt_strs("assignees")?.unwrap_or_default(),
                assignee: a.opt_str("assignee")?,
                milestone: a.opt_u64("milestone")?,
            };
            done!(one(c.issues().create(&org, &repo, &r)))
        }
        "issues.update" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            let u = IssueUpdate {
                title: a.opt_str("title")?,
                body: a.opt_str("body")?,
                state: a.opt_str("state")?,
                state_reason: a.opt_str("state_reason")?,
                labels: a.opt_strs("labels")?,
                assignees: a.opt_strs("assignees")?,
                assignee: a.opt_str("assignee")?,
                milestone: a.nullable_u64("milestone")?,
            };
            done!(one(c.issues().update(&org, &repo, n, &u)))
        }
        "issues.add_labels" | "issues.set_labels" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            let labels = a.opt_strs("labels")?.ok_or_else(|| StepError("missing argument \"labels\"".into()))?;
            let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
            done!(if name == "issues.add_labels" { one(c.issues().add_labels(&org, &repo, n, &refs)) } else { one(c.issues().set_labels(&org, &repo, n, &refs)) })
        }
        "issues.remove_label" => {
            let (org, repo, n, label) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?, a.req_str("label")?);
            done!(one(c.issues().remove_label(&org, &repo, n, &label)))
        }
        "comments.list" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            let pp = a.opt_u64("per_page")?;
            done!(all(c.comments().list(&org, &repo, n), pp))
        }
        "comments.create" => {
            let (org, repo, n, body) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?, a.req_str("body")?);
            done!(one(c.comments().create(&org, &repo, n, &body)))
        }
        "comments.update" => {
            let (org, repo, id, body) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("comment_id")?, a.req_str("body")?);
            done!(one(c.comments().update(&org, &repo, id, &body)))
        }
        "comments.delete" => {
            let (org, repo, id) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("comment_id")?);
            done!(one(c.comments().delete(&org, &repo, id)))
        }
        "labels.list" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let pp = a.opt_u64("per_page")?;
            done!(all(c.labels().list(&org, &repo), pp))
        }
        "labels.get" => {
            let (org, repo, label) = (a.req_str("org")?, a.req_str("repo")?, a.req_str("label")?);
            done!(one(c.labels().get(&org, &repo, &label)))
        }
        "labels.create" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let r = LabelRequest { name: a.req_str("name")?, color: a.req_str("color")?, description: a.opt_str("description")? };
            done!(one(c.labels().create(&org, &repo, &r)))
        }
        "labels.update" => {
            let (org, repo, label) = (a.req_str("org")?, a.req_str("repo")?, a.req_str("label")?);
            let u = LabelUpdate { name: a.opt_str("name")?, color: a.opt_str("color")?, description: a.nullable_str("description")? };
            done!(one(c.labels().update(&org, &repo, &label, &u)))
        }
        "labels.delete" => {
            let (org, repo, label) = (a.req_str("org")?, a.req_str("repo")?, a.req_str("label")?);
            done!(one(c.labels().delete(&org, &repo, &label)))
        }
        "milestones.list" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let state = a.opt_str("state")?;
            let pp = a.opt_u64("per_page")?;
            done!(all(c.milestones().list_state(&org, &repo, state.as_deref()), pp))
        }
        "milestones.get" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            done!(one(c.milestones().get(&org, &repo, n)))
        }
        "milestones.create" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let r = MilestoneRequest { title: a.req_str("title")?, description: a.opt_str("description")?, due_on: a.opt_str("due_on")?, state: a.opt_str("state")? };
            done!(one(c.milestones().create(&org, &repo, &r)))
        }
        "milestones.update" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            let u = MilestoneUpdate { title: a.opt_str("title")?, description: a.opt_str("description")?, due_on: a.nullable_str("due_on")?, state: a.opt_str("state")? };
            done!(one(c.milestones().update(&org, &repo, n, &u)))
        }
        "milestones.delete" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            done!(one(c.milestones().delete(&org, &repo, n)))
        }
        "pulls.list" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let o = PullListOptions {
                state: a.opt_str("state")?,
                head: a.opt_str("head")?,
                base: a.opt_str("base")?,
                author: a.opt_str("author")?,
                draft: a.opt_bool("draft")?,
                labels: a.opt_strs("labels")?.unwrap_or_default(),
                sort: a.opt_str("sort")?,
                direction: a.opt_str("direction")?,
            };
            let pp = a.opt_u64("per_page")?;
            done!(all(c.pulls().list_with(&org, &repo, &o), pp))
        }
        "pulls.get" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            done!(one(c.pulls().get(&org, &repo, n)))
        }
        "pulls.create" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let r = PullRequestRequest { title: a.req_str("title")?, head: a.req_str("head")?, base: a.opt_str("base")?, body: a.opt_str("body")?, draft: a.opt_bool("draft")? };
            done!(one(c.pulls().create(&org, &repo, &r)))
        }
        "pulls.update" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            let u = PullRequestUpdate {
                title: a.opt_str("title")?,
                body: a.opt_str("body")?,
                state: a.opt_str("state")?,
                base: a.opt_str("base")?,
                labels: a.opt_strs("labels")?,
                assignees: a.opt_strs("assignees")?,
            };
            done!(one(c.pulls().update(&org, &repo, n, &u)))
        }
        "pulls.ready" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            done!(one(c.pulls().ready(&org, &repo, n)))
        }
        "pulls.merge" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            let r = MergeRequest { merge_method: a.opt_str("merge_method")?, sha: a.opt_str("sha")?, commit_title: a.opt_str("commit_title")?, commit_message: a.opt_str("commit_message")? };
            done!(one(c.pulls().merge(&org, &repo, n, &r)))
        }
        "pulls.comments" => {
            let (org, repo, n) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?);
            let pp = a.opt_u64("per_page")?;
            done!(all(c.pulls().comments(&org, &repo, n), pp))
        }
        "pulls.create_comment" => {
            let (org, repo, n, body) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("number")?, a.req_str("body")?);
            done!(one(c.pulls().create_comment(&org, &repo, n, &body)))
        }
        "agents.list" => {
            let o = AgentListOptions {
                capability: a.opt_str("capability")?,
                trust_level: a.opt_u64("trust_level")?.map(|t| t.min(255) as u8),
                model_family: a.opt_str("model_family")?,
                status: a.opt_str("status")?,
            };
            let pp = a.opt_u64("per_page")?;
            done!(all(c.agents().list_with(&o), pp))
        }
        "agents.register" => {
            let r = AgentRequest {
                name: a.req_str("name")?,
                model_family: a.req_str("model_family")?,
                model_version: a.req_str("model_version")?,
                description: a.opt_str("description")?,
                capabilities: a.opt_strs("capabilities")?.unwrap_or_default(),
                trust_level: a.opt_u64("trust_level")?.map(|t| t.min(255) as u8),
            };
            done!(one(c.agents().register(&r)))
        }
        "agents.get" => {
            let id = a.req_str("agent_id")?;
            done!(one(c.agents().get(&id)))
        }
        "agents.update" => {
            let id = a.req_str("agent_id")?;
            let u = AgentUpdate {
                name: a.opt_str("name")?,
                description: a.opt_str("description")?,
                capabilities: a.opt_strs("capabilities")?,
                trust_level: a.opt_u64("trust_level")?.map(|t| t.min(255) as u8),
                status: a.opt_str("status")?,
            };
            done!(one(c.agents().update(&id, &u)))
        }
        "agents.rotate_token" => {
            let id = a.req_str("agent_id")?;
            done!(one(c.agents().rotate_token(&id)))
        }
        "agents.events" => {
            let id = a.req_str("agent_id")?;
            let pp = a.opt_u64("per_page")?;
            done!(all(c.agents().events(&id), pp))
        }
        "pipelines.list" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let o = PipelineListOptions { status: a.opt_str("status")?, ref_: a.opt_str("ref")?, sha: a.opt_str("sha")?, trigger: a.opt_str("trigger")? };
            let pp = a.opt_u64("per_page")?;
            done!(all(c.pipelines().list_with(&org, &repo, &o), pp))
        }
        "pipelines.trigger" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let variables = match a.take("variables") {
                None | Some(Value::Null) => BTreeMap::new(),
                Some(Value::Object(map)) => map.into_iter().map(|(k, v)| (k, text(&v))).collect(),
                Some(v) => return step_err(format!("variables must be an object, got {}", v)),
            };
            let r = PipelineRequest { ref_: a.opt_str("ref")?, variables };
            done!(one(c.pipelines().trigger(&org, &repo, &r)))
        }
        "pipelines.get" => {
            let (org, repo, id) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("pipeline_id")?);
            done!(one(c.pipelines().get(&org, &repo, id)))
        }
        "pipelines.cancel" => {
            let (org, repo, id) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("pipeline_id")?);
            done!(one(c.pipelines().cancel(&org, &repo, id)))
        }
        "pipelines.log" => {
            let (org, repo, id, job) = (a.req_str("org")?, a.req_str("repo")?, a.req_u64("pipeline_id")?, a.req_u64("job_id")?);
            done!(one(c.pipelines().log(&org, &repo, id, job)))
        }
        _ if name.starts_with("webhooks.") => return webhooks(c, name, a),
        "events.list" => {
            let (org, repo) = (a.req_str("org")?, a.req_str("repo")?);
            let o = EventListOptions { type_: a.opt_str("type")?, actor: a.opt_str("actor")?, after_id: a.opt_u64("after_id")? };
            let pp = a.opt_u64("per_page")?;
            done!(all(c.events().list_with(&org, &repo, &o), pp))
        }
        "events.stream" => return stream(c, a),
        "request" => return request(c, a),
        "verify_signature" => return verify(a),
        other => return step_err(format!("unknown call {:?}", other)),
    };
    Ok(out)
}

fn webhooks(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    let org = a.req_str("org")?;
    let repo = a.opt_str("repo")?;
    let repo = repo.as_deref();
    let w = c.webhooks();
    let out = match name {
        "webhooks.list" => {
            let pp = a.opt_u64("per_page")?;
            a.done()?;
            all(w.list(&org, repo), pp)
        }
        "webhooks.create" => {
            let mut r = WebhookRequest {
                url: a.req_str("url")?,
                events: a.opt_strs("events")?.ok_or_else(|| StepError("missing argument \"events\"".into()))?,
                secret: a.opt_str("secret")?,
                active: a.opt_bool("active")?,
                ..Default::default()
            };
            if let Some(ct) = a.opt_str("content_type")? {
                r.content_type = ct;
            }
            a.done()?;
            one(w.create(&org, repo, &r))
        }
        "webhooks.get" => {
            let id = a.req_u64("hook_id")?;
            a.done()?;
            one(w.get(&org, repo, id))
        }
        "webhooks.update" => {
            let id = a.req_u64("hook_id")?;
            let u = WebhookUpdate {
                url: a.opt_str("url")?,
                events: a.opt_strs("events")?,
                secret: a.opt_str("secret")?,
                content_type: a.opt_str("content_type")?,
                active: a.opt_bool("active")?,
            };
            a.done()?;
            one(w.update(&org, repo, id, &u))
        }
        "webhooks.delete" => {
            let id = a.req_u64("hook_id")?;
            a.done()?;
            one(w.delete(&org, repo, id))
        }
        "webhooks.ping" => {
            let id = a.req_u64("hook_id")?;
            a.done()?;
            one(w.ping(&org, repo, id))
        }
        "webhooks.deliveries" => {
            let id = a.req_u64("hook_id")?;
            let pp = a.opt_u64("per_page")?;
            a.done()?;
            all(w.deliveries(&org, repo, id), pp)
        }
        "webhooks.delivery" => {
            let (id, delivery) = (a.req_u64("hook_id")?, a.req_u64("delivery_id")?);
            a.done()?;
            one(w.delivery(&org, repo, id, delivery))
        }
        "webhooks.redeliver" => {
            let (id, delivery) = (a.req_u64("hook_id")?, a.req_u64("delivery_id")?);
            a.done()?;
            one(w.redeliver(&org, repo, id, delivery))
        }
        other => return step_err(format!("unknown call {:?}", other)),
    };
    Ok(out)
}

// -- substitution and matching --------------------------------------------------------------------

fn lookup(names: &Map<String, Value>, reference: &str) -> Result<Value, StepError> {
    let mut parts = reference.split('.');
    let head = parts.next().unwrap_or("");
    let mut value = match names.get(head) {
        Some(v) => v,
        None => return step_err(format!("unknown name ${{{}}}", reference)),
    };
    for part in parts {
        let next = match value {
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(part),
            _ => None,
        };
        value = match next {
            Some(v) => v,
            None => {
                let shown: String = value.to_string().chars().take(200).collect();
                return step_err(format!("${{{}}}: no {:?} in {}", reference, part, shown));
            }
        };
    }
    Ok(value.clone())
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn substitute(value: &Value, names: &Map<String, Value>) -> Result<Value, StepError> {
    Ok(match value {
        Value::String(s) => {
            if s.starts_with("${") && s.ends_with('}') && s[2..s.len() - 1].find(|c| c == '}' || c == '$').is_none() && s.len() > 3 {
                return lookup(names, &s[2..s.len() - 1]);
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let after = &rest[start + 2..];
                match after.find('}') {
                    Some(end) => {
                        out.push_str(&rest[..start]);
                        out.push_str(&text(&lookup(names, &after[..end])?));
                        rest = &after[end + 1..];
                    }
                    None => break,
                }
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, names)).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), substitute(v, names)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn matches(pattern: &Value, actual: &Value) -> bool {
    match pattern {
        Value::String(s) if s == "$any" => true,
        Value::String(s) if s == "$nonnull" => !actual.is_null(),
        Value::Object(p) => match actual {
            Value::Object(a) => p.iter().all(|(k, v)| a.get(k).map_or(false, |x| matches(v, x))),
            _ => false,
        },
        Value::Array(p) => match actual {
            Value::Array(a) => p.len() == a.len() && p.iter().zip(a).all(|(x, y)| matches(x, y)),
            _ => false,
        },
        Value::Number(p) => match actual {
            Value::Number(a) => p.as_f64() == a.as_f64(),
            _ => false,
        },
        other => other == actual,
    }
}

fn shown(value: &Value, limit: usize) -> String {
    value.to_string().chars().take(limit).collect()
}

fn judge(expect: &Map<String, Value>, outcome: &Outcome) -> Result<Option<String>, StepError> {
    const KNOWN: [&str; 12] = ["error", "status", "code", "details", "retry_after_min", "result", "length", "length_min", "contains", "excludes", "unique", "increasing"];
    let unknown: Vec<&String> = expect.keys().filter(|k| !KNOWN.contains(&k.as_str())).collect();
    if !unknown.is_empty() {
        return step_err(format!("unknown expect keys {:?}", unknown));
    }
    let (ok, value) = match outcome {
        Ok(v) => (true, v),
        Err(v) => (false, v),
    };
    let show = shown(value, 600);
    if let Some(class) = expect.get("error") {
        if ok {
            return Ok(Some(format!("expected error {}, got result {}", class, show)));
        }
        if value.get("class") != Some(class) {
            return Ok(Some(format!("expected error {}, got {}", class, show)));
        }
        for key in ["status", "code"] {
            if let Some(want) = expect.get(key) {
                if !matches(want, value.get(key).unwrap_or(&Value::Null)) {
                    return Ok(Some(format!("expected {} {}, got {}", key, want, show)));
                }
            }
        }
        if let Some(want) = expect.get("details") {
            if !matches(want, value.get("details").unwrap_or(&Value::Null)) {
                return Ok(Some(format!("details do not match {}: {}", want, show)));
            }
        }
        if let Some(min) = expect.get("retry_after_min").and_then(Value::as_f64) {
            match value.get("retry_after").and_then(Value::as_f64) {
                Some(after) if after >= min => {}
                _ => return Ok(Some(format!("expected retry_after ≥ {}, got {}", min, show))),
            }
        }
    } else if !ok {
        return Ok(Some(format!("expected success, got error {}", show)));
    }
    if !ok {
        return Ok(None);
    }
    if let Some(want) = expect.get("result") {
        if !matches(want, value) {
            return Ok(Some(format!("result does not match {}: {}", shown(want, 400), show)));
        }
    }
    let listy = ["length", "length_min", "contains", "excludes", "unique", "increasing"].iter().any(|k| expect.contains_key(*k));
    if !listy {
        return Ok(None);
    }
    let items = match value {
        Value::Array(items) => items,
        _ => return Ok(Some(format!("expected an array, got {}", show))),
    };
    if let Some(n) = expect.get("length").and_then(Value::as_u64) {
        if items.len() as u64 != n {
            return Ok(Some(format!("expected {} items, got {}: {}", n, items.len(), show)));
        }
    }
    if let Some(n) = expect.get("length_min").and_then(Value::as_u64) {
        if (items.len() as u64) < n {
            return Ok(Some(format!("expected at least {} items, got {}: {}", n, items.len(), show)));
        }
    }
    if let Some(Value::Array(patterns)) = expect.get("contains") {
        for p in patterns {
            if !items.iter().any(|i| matches(p, i)) {
                return Ok(Some(format!("no item matches {}: {}", p, show)));
            }
        }
    }
    if let Some(Value::Array(patterns)) = expect.get("excludes") {
        for p in patterns {
            if items.iter().any(|i| matches(p, i)) {
                return Ok(Some(format!("an item matches {}: {}", p, show)));
            }
        }
    }
    if let Some(Value::String(field)) = expect.get("unique") {
        let mut seen = std::collections::HashSet::new();
        for item in items {
            if !seen.insert(item.get(field).cloned().unwrap_or(Value::Null).to_string()) {
                return Ok(Some(format!("repeated {}: {}", field, show)));
            }
        }
    }
    if let Some(Value::String(field)) = expect.get("increasing") {
        let keys: Vec<Option<f64>> = items.iter().map(|i| i.get(field).and_then(Value::as_f64)).collect();
        for pair in keys.windows(2) {
            match (pair[0], pair[1]) {
                (Some(a), Some(b)) if a < b => {}
                _ => return Ok(Some(format!("{} does not strictly increase: {:?}", field, keys))),
            }
        }
    }
    Ok(None)
}

// -- running --------------------------------------------------------------------------------------

struct Driver {
    config: Value,
    clients: HashMap<(String, Option<String>), Client>,
}

impl Driver {
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
            let mut args = Args { values: args };
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

    fn run(&mut self, path: &str) -> bool {
        let scenario: Value = match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string())) {
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

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.len() < 2 {
        eprintln!("usage: kizuna-conformance-rust CONFIG.json SCENARIO.json [...]");
        std::process::exit(2);
    }
    let config: Value = match std::fs::read_to_string(&argv[0]).map_err(|e| e.to_string()).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string())) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("rust driver: cannot read the config {}: {}", argv[0], e);
            std::process::exit(2);
        }
    };
    let mut driver = Driver { config, clients: HashMap::new() };
    let mut ok = true;
    for path in &argv[1..] {
        ok &= driver.run(path);
    }
    std::process::exit(if ok { 0 } else { 1 });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_keeps_types_and_formats_text() {
        let names = json!({"issue": {"number": 7, "labels": [{"name": "bug"}]}, "unique": "go-1"}).as_object().cloned().unwrap();
        assert_eq!(substitute(&json!("${issue.number}"), &names).unwrap(), json!(7));
        assert_eq!(substitute(&json!("Bug ${unique} #${issue.number}"), &names).unwrap(), json!("Bug go-1 #7"));
        assert_eq!(substitute(&json!({"a": ["${issue.labels.0.name}"]}), &names).unwrap(), json!({"a": ["bug"]}));
        assert!(substitute(&json!("${nope}"), &names).is_err());
    }

    #[test]
    fn patterns_match_like_the_readme_says() {
        assert!(matches(&json!({"a": 1}), &json!({"a": 1.0, "b": 2})));
        assert!(!matches(&json!({"a": "$any"}), &json!({"b": 2})));
        assert!(matches(&json!({"a": "$any"}), &json!({"a": null})));
        assert!(!matches(&json!({"a": "$nonnull"}), &json!({"a": null})));
        assert!(!matches(&json!([1]), &json!([1, 2])));
        assert!(!matches(&json!(true), &json!(1)));
    }
}
