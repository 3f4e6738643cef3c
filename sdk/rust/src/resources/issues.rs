//! Issues and their labels.

use serde::Serialize;

use crate::client::{seg, Client, Pages, Req};
use crate::error::Error;
use crate::models::*;
use super::{list_param, params, repo_path};

impl Client {
    pub fn issues(&self) -> Issues<'_> {
        Issues { c: self }
    }
}

/// `POST /repos/:org/:repo/issues`: `IssueRequest { title: "Bug report".into(), ..Default::default() }`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IssueRequest {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Label names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Logins (users or agents).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// A milestone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<u64>,
}

/// `PATCH /repos/:org/:repo/issues/:number`. `labels`/`assignees` replace; `milestone: Some(None)` clears.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IssueUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `open` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `completed`, `not_planned` or `reopened`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<Option<u64>>,
}

/// Filters of `issues().list_with` (docs/api.md §8).
#[derive(Debug, Clone, Default)]
pub struct IssueListOptions {
    /// `open` (the server's default), `closed` or `all`.
    pub state: Option<String>,
    /// Issues carrying all of these labels.
    pub labels: Vec<String>,
    /// A login, `none` or `*`.
    pub assignee: Option<String>,
    pub creator: Option<String>,
    /// A milestone number, `none` or `*`.
    pub milestone: Option<String>,
    /// ISO 8601: updated at or after.
    pub since: Option<String>,
    /// `created`, `updated` or `comments`.
    pub sort: Option<String>,
    pub direction: Option<String>,
}

pub struct Issues<'a> {
    c: &'a Client,
}

impl<'a> Issues<'a> {
    /// The repository's open issues, across all pages.
    pub fn list(&self, org: &str, repo: &str) -> Pages<Issue> {
        self.list_with(org, repo, &IssueListOptions::default())
    }
    pub fn list_with(&self, org: &str, repo: &str, o: &IssueListOptions) -> Pages<Issue> {
        let q = params(&[
            ("state", o.state.clone()),
            ("labels", list_param(&o.labels)),
            ("assignee", o.assignee.clone()),
            ("creator", o.creator.clone()),
            ("milestone", o.milestone.clone()),
            ("since", o.since.clone()),
            ("sort", o.sort.clone()),
            ("direction", o.direction.clone()),
        ]);
        self.c.pages("issues.list", format!("{}/issues", repo_path(org, repo)), q)
    }
    pub fn get(&self, org: &str, repo: &str, number: u64) -> Result<Issue, Error> {
        self.c.get("issues.get", format!("{}/issues/{}", repo_path(org, repo), number))
    }
    pub fn create(&self, org: &str, repo: &str, request: &IssueRequest) -> Result<Issue, Error> {
        self.c.call("issues.create", "POST", format!("{}/issues", repo_path(org, repo)), Some(request))
    }
    pub fn update(&self, org: &str, repo: &str, number: u64, update: &IssueUpdate) -> Result<Issue, Error> {
        self.c.call("issues.update", "PATCH", format!("{}/issues/{}", repo_path(org, repo), number), Some(update))
    }
    /// Adds labels; returns the issue's labels.
    pub fn add_labels(&self, org: &str, repo: &str, number: u64, labels: &[&str]) -> Result<Vec<Label>, Error> {
        self.send_labels("issues.add_labels", "POST", org, repo, number, labels)
    }
    /// Replaces the labels; returns the issue's labels.
    pub fn set_labels(&self, org: &str, repo: &str, number: u64, labels: &[&str]) -> Result<Vec<Label>, Error> {
        self.send_labels("issues.set_labels", "PUT", org, repo, number, labels)
    }
    fn send_labels(&self, op: &str, method: &'static str, org: &str, repo: &str, number: u64, labels: &[&str]) -> Result<Vec<Label>, Error> {
        let body = serde_json::json!({ "labels": labels });
        self.c.call(op, method, format!("{}/issues/{}/labels", repo_path(org, repo), number), Some(&body))
    }
    /// Removes one label; returns the remaining labels.
    pub fn remove_label(&self, org: &str, repo: &str, number: u64, name: &str) -> Result<Vec<Label>, Error> {
        let url = format!("{}/issues/{}/labels/{}", repo_path(org, repo), number, seg(name));
        let resp = self.c.send(Req::new("issues.remove_label", "DELETE", url))?;
        if resp.body.is_empty() {
            return Ok(Vec::new());
        }
        resp.decode()
    }
}
