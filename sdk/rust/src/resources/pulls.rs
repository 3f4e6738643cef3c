//! Pull requests: create, update, merge, review comments.

use serde::Serialize;

use crate::client::{Client, Pages};
use crate::error::Error;
use crate::models::*;
use super::{list_param, params, repo_path};

impl Client {
    pub fn pulls(&self) -> Pulls<'_> {
        Pulls { c: self }
    }
}

/// `POST /repos/:org/:repo/pulls`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullRequestRequest {
    pub title: String,
    /// The branch with the changes.
    pub head: String,
    /// The branch to merge into (default: the repository's default branch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
}

/// `PATCH /repos/:org/:repo/pulls/:number`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullRequestUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<Vec<String>>,
}

/// `POST /repos/:org/:repo/pulls/:number/merge`. Agents must send `sha`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeRequest {
    /// `merge`, `squash` or `rebase`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_method: Option<String>,
    /// The head sha the caller reviewed (409 if the head moved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_message: Option<String>,
}

/// Filters of `pulls().list_with`.
#[derive(Debug, Clone, Default)]
pub struct PullListOptions {
    pub state: Option<String>,
    pub head: Option<String>,
    pub base: Option<String>,
    pub author: Option<String>,
    pub draft: Option<bool>,
    pub labels: Vec<String>,
    pub sort: Option<String>,
    pub direction: Option<String>,
}

pub struct Pulls<'a> {
    c: &'a Client,
}

impl<'a> Pulls<'a> {
    pub fn list(&self, org: &str, repo: &str) -> Pages<PullRequest> {
        self.list_with(org, repo, &PullListOptions::default())
    }
    pub fn list_with(&self, org: &str, repo: &str, o: &PullListOptions) -> Pages<PullRequest> {
        let q = params(&[
            ("state", o.state.clone()),
            ("head", o.head.clone()),
            ("base", o.base.clone()),
            ("author", o.author.clone()),
            ("draft", o.draft.map(|d| d.to_string())),
            ("labels", list_param(&o.labels)),
            ("sort", o.sort.clone()),
            ("direction", o.direction.clone()),
        ]);
        self.c.pages("pulls.list", format!("{}/pulls", repo_path(org, repo)), q)
    }
    pub fn get(&self, org: &str, repo: &str, number: u64) -> Result<PullRequest, Error> {
        self.c.get("pulls.get", format!("{}/pulls/{}", repo_path(org, repo), number))
    }
    pub fn create(&self, org: &str, repo: &str, request: &PullRequestRequest) -> Result<PullRequest, Error> {
        self.c.call("pulls.create", "POST", format!("{}/pulls", repo_path(org, repo)), Some(request))
    }
    pub fn update(&self, org: &str, repo: &str, number: u64, update: &PullRequestUpdate) -> Result<PullRequest, Error> {
        self.c.call("pulls.update", "PATCH", format!("{}/pulls/{}", repo_path(org, repo), number), Some(update))
    }
    /// Draft → ready for review.
    pub fn ready(&self, org: &str, repo: &str, number: u64) -> Result<PullRequest, Error> {
        self.c.post("pulls.ready", format!("{}/pulls/{}/ready", repo_path(org, repo), number))
    }
    pub fn merge(&self, org: &str, repo: &str, number: u64, request: &MergeRequest) -> Result<MergeResult, Error> {
        self.c.call("pulls.merge", "POST", format!("{}/pulls/{}/merge", repo_path(org, repo), number), Some(request))
    }
    pub fn comments(&self, org: &str, repo: &str, number: u64) -> Pages<Comment> {
        self.c.pages("pulls.comments", format!("{}/pulls/{}/comments", repo_path(org, repo), number), Vec::new())
    }
    pub fn create_comment(&self, org: &str, repo: &str, number: u64, body: &str) -> Result<Comment, Error> {
        let body = serde_json::json!({ "body": body });
        self.c.call("pulls.create_comment", "POST", format!("{}/pulls/{}/comments", repo_path(org, repo), number), Some(&body))
    }
}
