//! The API's resources (docs/api.md §3, §7–§13) as typed structs.
//!
//! Field names are the API's JSON names (`ref` is `ref_`, `type` is `type_`). Every struct
//! deserialises leniently — a field the server leaves out takes its default — and serialises back
//! to the JSON the server sent (nulls included). Timestamps are ISO 8601 strings.
//!
//! `tests/api/test_sdk_models.py` reads these `pub struct`s (field names, `#[serde(rename)]`) and
//! compares them with the server's `/api/v1/schema`: keep one plain struct per type, named as in
//! the other SDKs, holding the richest variant's fields (a single commit's `files`, a new agent's
//! `token`, a delivery's `request`).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A user's integer id or an agent's UUID (docs/api.md §1: `actor.id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    Int(i64),
    Str(String),
}

impl Default for Id {
    fn default() -> Self {
        Id::Int(0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Int(n) => write!(f, "{}", n),
            Id::Str(s) => f.write_str(s),
        }
    }
}


/// Who did something: `{id, login, type: "User" | "Agent" | "Deploy"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Actor {
    pub id: Id,
    pub login: String,
    #[serde(rename = "type")]
    pub type_: String,
}

/// `GET /user` for a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: i64,
    pub login: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
    pub email: String,
    pub site_admin: bool,
    pub created_at: String,
}

/// A personal or deploy token (`/user/tokens`, `/repos/:org/:repo/deploy-tokens`; reach them
/// with [`Client::request`](crate::Client::request)). The secret `token` is only in the answer
/// that creates it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// The token's last characters, to recognise it.
    pub hint: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Organization {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub created_at: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Member {
    pub login: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub role: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Owner {
    pub login: String,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Repository {
    pub id: i64,
    pub name: String,
    pub full_name: String,
    pub owner: Owner,
    pub description: String,
    pub visibility: String,
    pub private: bool,
    pub default_branch: String,
    pub archived: bool,
    pub open_issues_count: u64,
    pub open_pulls_count: u64,
    pub clone_url: String,
    pub url: String,
    pub created_at: String,
    pub updated_at: String,
    pub pushed_at: Option<String>,
}

/// The repository of an event: `{id, name, full_name, url}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepositorySummary {
    pub id: i64,
    pub name: String,
    pub full_name: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommitRef {
    pub sha: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Branch {
    pub name: String,
    pub commit: CommitRef,
    pub protected: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GitPerson {
    pub name: String,
    pub email: String,
    pub date: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Commit {
    pub sha: String,
    pub message: String,
    pub author: GitPerson,
    pub committer: GitPerson,
    pub parents: Vec<String>,
    /// Only on a single commit (`repos().commit(…)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<CommitStats>,
    /// Only on a single commit (`repos().commit(…)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<CommitFile>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommitStats {
    pub additions: u64,
    pub deletions: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommitFile {
    pub filename: String,
    pub status: String,
    pub additions: u64,
    pub deletions: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_filename: Option<String>,
}

/// A file (`type: "file"`, base64 `content`), or any single entry the contents endpoint returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Content {
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
    pub path: String,
    pub sha: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentEntry {
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
    pub path: String,
    pub sha: String,
    pub size: u64,
}

/// What `repos().contents(…)` returns: a file, or a directory listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Contents {
    Dir(Vec<ContentEntry>),
    File(Content),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Label {
    pub id: i64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

/// An issue's milestone: `{number, title, state, due_on}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MilestoneBrief {
    pub number: u64,
    pub title: String,
    pub state: String,
    pub due_on: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Milestone {
    pub id: i64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    pub state: String,
    pub due_on: Option<String>,
    pub open_issues: u64,
    pub closed_issues: u64,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Issue {
    pub id: i64,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub state: String,
    pub state_reason: Option<String>,
    pub labels: Vec<Label>,
    pub assignees: Vec<Actor>,
    pub milestone: Option<MilestoneBrief>,
    pub author: Actor,
    pub comments: u64,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<Actor>,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Comment {
    pub id: i64,
    pub body: String,
    pub author: Actor,
    pub created_at: String,
    pub updated_at: String,
    pub url: String,
}

/// A pull request's head or base: `{ref, sha}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ref {
    #[serde(rename = "ref")]
    pub ref_: String,
    pub sha: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PullRequest {
    pub id: i64,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub state: String,
    pub draft: bool,
    pub merged: bool,
    pub mergeable: Option<bool>,
    /// `clean`, `blocked`, `dirty` or `unknown`; `mergeable_state_details` names the unmet rules.
    pub mergeable_state: String,
    pub mergeable_state_details: Value,
    pub requested_reviewers: Vec<Actor>,
    pub head: Ref,
    pub base: Ref,
    pub author: Actor,
    pub labels: Vec<Label>,
    pub assignees: Vec<Actor>,
    pub commits: u64,
    pub additions: u64,
    pub deletions: u64,
    pub changed_files: u64,
    pub merged_at: Option<String>,
    pub merged_by: Option<Actor>,
    pub merge_commit_sha: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MergeResult {
    pub merged: bool,
    pub sha: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub description: String,
    pub operator: Actor,
    pub model_family: String,
    pub model_version: String,
    pub capabilities: Vec<String>,
    pub trust_level: u8,
    pub trust_level_name: String,
    pub reputation_score: f64,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub last_seen_at: Option<String>,
    pub last_audited: Option<String>,
    pub url: String,
    /// Only in the answer to `agents().register(…)`: the agent's token, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A rotated agent token: `{token}`, shown once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentToken {
    pub token: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Job {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub needs: Vec<String>,
    pub agent: Option<Actor>,
    pub attempt: u32,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub log_url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pipeline {
    pub id: i64,
    pub number: u64,
    pub status: String,
    #[serde(rename = "ref")]
    pub ref_: String,
    pub sha: String,
    pub trigger: String,
    pub triggered_by: Actor,
    /// The variables' names (values are never shown).
    pub variables: Vec<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_seconds: Option<f64>,
    pub jobs: Vec<Job>,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Webhook {
    pub id: i64,
    #[serde(rename = "type")]
    pub type_: String,
    pub url: String,
    pub content_type: String,
    pub has_secret: bool,
    pub events: Vec<String>,
    pub active: bool,
    pub repository: Option<String>,
    pub organization: Option<String>,
    pub last_success_at: Option<String>,
    pub deactivated_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Delivery {
    pub id: i64,
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub redelivery: bool,
    pub state: String,
    pub attempt: u32,
    pub status_code: Option<u16>,
    pub success: Option<bool>,
    pub duration_ms: Option<u64>,
    pub delivered_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    /// Only on a single delivery (`webhooks().delivery(…)`): why it failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Only on a single delivery: `{headers, body}` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// Only on a single delivery: `{headers, body}` as received (the body's first 64 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// One entry of the event log (docs/api.md §13).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Event {
    pub id: u64,
    #[serde(rename = "type")]
    pub type_: String,
    pub repository: Option<RepositorySummary>,
    pub actor: Actor,
    pub on_behalf_of: Option<Actor>,
    pub payload: Value,
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_with_api_names() {
        let raw = serde_json::json!({
            "id": 7, "number": 3, "title": "Bug", "body": "", "state": "open", "state_reason": null,
            "labels": [{"id": 1, "name": "bug", "color": "d73a4a", "description": null}],
            "assignees": [{"id": "6f1c…", "login": "bot", "type": "Agent"}], "milestone": null,
            "author": {"id": 1, "login": "alice", "type": "User"}, "comments": 0,
            "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z",
            "closed_at": null, "closed_by": null, "url": "http://x/api/v1/repos/o/r/issues/3"
        });
        let issue: Issue = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(issue.number, 3);
        assert_eq!(issue.author.type_, "User");
        assert_eq!(issue.assignees[0].id, Id::Str("6f1c…".into()));
        assert_eq!(issue.author.id.to_string(), "1");
        assert_eq!(serde_json::to_value(&issue).unwrap(), raw);
    }

    #[test]
    fn missing_fields_take_defaults() {
        let repo: Repository = serde_json::from_str(r#"{"name": "r"}"#).unwrap();
        assert_eq!(repo.name, "r");
        assert_eq!(repo.pushed_at, None);
    }

    #[test]
    fn contents_is_a_file_or_a_listing() {
        let file: Contents = serde_json::from_str(r#"{"type": "file", "name": "a", "path": "a", "sha": "s", "size": 1, "encoding": "base64", "content": "YQ=="}"#).unwrap();
        assert!(matches!(file, Contents::File(ref c) if c.content.as_deref() == Some("YQ==")));
        let dir: Contents = serde_json::from_str(r#"[{"type": "dir", "name": "d", "path": "d", "sha": "s", "size": 0}]"#).unwrap();
        assert!(matches!(dir, Contents::Dir(ref d) if d[0].type_ == "dir"));
    }
}
