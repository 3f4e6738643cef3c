//! Repositories and their git data: branches, commits, contents.

use serde::{Deserialize, Serialize};

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
