//! Pull requests and merges.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Actor, Label};

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
