//! The resource groups of a [`Client`] (docs/api.md §15), and their request structs.
//!
//! Request structs implement `Default`, and fields left `None` (or empty) are not sent:
//! `IssueRequest { title: "Bug report".into(), ..Default::default() }`. In update structs a
//! clearable field is `Option<Option<T>>`: `Some(None)` sends `null`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::client::{seg, subpath, Client, Pages, Req};
use crate::error::Error;
use crate::models::*;
use crate::sse::EventStream;

fn repo_path(org: &str, repo: &str) -> String {
    format!("/repos/{}/{}", seg(org), seg(repo))
}

/// Query parameters from `(name, Option<value>)`, leaving out the `None`s.
fn params(pairs: &[(&str, Option<String>)]) -> Vec<(String, String)> {
    pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone()))).collect()
}

fn list_param(values: &[String]) -> Option<String> {
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

impl Client {
    pub fn orgs(&self) -> Orgs<'_> {
        Orgs { c: self }
    }
    pub fn repos(&self) -> Repos<'_> {
        Repos { c: self }
    }
    pub fn issues(&self) -> Issues<'_> {
        Issues { c: self }
    }
    pub fn comments(&self) -> Comments<'_> {
        Comments { c: self }
    }
    pub fn labels(&self) -> Labels<'_> {
        Labels { c: self }
    }
    pub fn milestones(&self) -> Milestones<'_> {
        Milestones { c: self }
    }
    pub fn pulls(&self) -> Pulls<'_> {
        Pulls { c: self }
    }
    pub fn agents(&self) -> Agents<'_> {
        Agents { c: self }
    }
    pub fn pipelines(&self) -> Pipelines<'_> {
        Pipelines { c: self }
    }
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { c: self }
    }
    pub fn events(&self) -> Events<'_> {
        Events { c: self }
    }
}

// -- organisations ------------------------------------------------------------------------------

/// `POST /orgs`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgRequest {
    pub login: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

pub struct Orgs<'a> {
    c: &'a Client,
}

impl<'a> Orgs<'a> {
    pub fn get(&self, org: &str) -> Result<Organization, Error> {
        self.c.get("orgs.get", format!("/orgs/{}", seg(org)))
    }
    pub fn create(&self, request: &OrgRequest) -> Result<Organization, Error> {
        self.c.call("orgs.create", "POST", "/orgs".into(), Some(request))
    }
    pub fn members(&self, org: &str) -> Pages<Member> {
        self.c.pages("orgs.members", format!("/orgs/{}/members", seg(org)), Vec::new())
    }
    /// Adds a member or changes their role (`read`, `write`, `maintain`, `admin`).
    pub fn set_member(&self, org: &str, login: &str, role: &str) -> Result<Member, Error> {
        let body = serde_json::json!({ "role": role });
        self.c.call("orgs.set_member", "PUT", format!("/orgs/{}/members/{}", seg(org), seg(login)), Some(&body))
    }
    pub fn remove_member(&self, org: &str, login: &str) -> Result<(), Error> {
        self.c.delete("orgs.remove_member", format!("/orgs/{}/members/{}", seg(org), seg(login)))
    }
}

// -- repositories -------------------------------------------------------------------------------

/// `POST /repos/:org`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RepoRequest {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `"public"` or `"private"` (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_init: Option<bool>,
}

/// `PATCH /repos/:org/:repo`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RepoUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// Filters of `repos().list_with`.
#[derive(Debug, Clone, Default)]
pub struct RepoListOptions {
    /// `public`, `private` or `all`.
    pub visibility: Option<String>,
    /// `created`, `updated`, `pushed` or `name`.
    pub sort: Option<String>,
    pub direction: Option<String>,
}

/// Filters of `repos().commits_with`.
#[derive(Debug, Clone, Default)]
pub struct CommitListOptions {
    /// A branch or a commit sha.
    pub sha: Option<String>,
    /// Only commits touching this file.
    pub path: Option<String>,
}

pub struct Repos<'a> {
    c: &'a Client,
}

impl<'a> Repos<'a> {
    /// Every repository of the namespace that the caller can see, across all pages.
    pub fn list(&self, org: &str) -> Pages<Repository> {
        self.list_with(org, &RepoListOptions::default())
    }
    pub fn list_with(&self, org: &str, options: &RepoListOptions) -> Pages<Repository> {
        let q = params(&[("visibility", options.visibility.clone()), ("sort", options.sort.clone()), ("direction", options.direction.clone())]);
        self.c.pages("repos.list", format!("/repos/{}", seg(org)), q)
    }
    pub fn get(&self, org: &str, repo: &str) -> Result<Repository, Error> {
        self.c.get("repos.get", repo_path(org, repo))
    }
    pub fn create(&self, org: &str, request: &RepoRequest) -> Result<Repository, Error> {
        self.c.call("repos.create", "POST", format!("/repos/{}", seg(org)), Some(request))
    }
    pub fn update(&self, org: &str, repo: &str, update: &RepoUpdate) -> Result<Repository, Error> {
        self.c.call("repos.update", "PATCH", repo_path(org, repo), Some(update))
    }
    pub fn delete(&self, org: &str, repo: &str) -> Result<(), Error> {
        self.c.delete("repos.delete", repo_path(org, repo))
    }
    pub fn branches(&self, org: &str, repo: &str) -> Pages<Branch> {
        self.c.pages("repos.branches", format!("{}/branches", repo_path(org, repo)), Vec::new())
    }
    /// One branch (names may contain `/`).
    pub fn branch(&self, org: &str, repo: &str, branch: &str) -> Result<Branch, Error> {
        self.c.get("repos.branch", format!("{}/branches/{}", repo_path(org, repo), subpath(branch)))
    }
    pub fn commits(&self, org: &str, repo: &str) -> Pages<Commit> {
        self.commits_with(org, repo, &CommitListOptions::default())
    }
    pub fn commits_with(&self, org: &str, repo: &str, options: &CommitListOptions) -> Pages<Commit> {
        let q = params(&[("sha", options.sha.clone()), ("path", options.path.clone())]);
        self.c.pages("repos.commits", format!("{}/commits", repo_path(org, repo)), q)
    }
    /// One commit with its changed files.
    pub fn commit(&self, org: &str, repo: &str, sha: &str) -> Result<Commit, Error> {
        self.c.get("repos.commit", format!("{}/commits/{}", repo_path(org, repo), seg(sha)))
    }
    /// A file, or a directory listing (`path` `""` is the root), at `git_ref` (default: the default branch).
    pub fn contents(&self, org: &str, repo: &str, path: &str, git_ref: Option<&str>) -> Result<Contents, Error> {
        let mut url = format!("{}/contents", repo_path(org, repo));
        if !path.trim_matches('/').is_empty() {
            url.push('/');
            url.push_str(&subpath(path));
        }
        let q = params(&[("ref", git_ref.map(str::to_string))]);
        self.c.send(Req::new("repos.contents", "GET", url).query(q))?.decode()
    }
}

// -- issues -------------------------------------------------------------------------------------

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
        let body = serde_json::json!({ "labels": labels });
        self.c.call("issues.add_labels", "POST", format!("{}/issues/{}/labels", repo_path(org, repo), number), Some(&body))
    }
    /// Replaces the labels; returns the issue's labels.
    pub fn set_labels(&self, org: &str, repo: &str, number: u64, labels: &[&str]) -> Result<Vec<Label>, Error> {
        let body = serde_json::json!({ "labels": labels });
        self.c.call("issues.set_labels", "PUT", format!("{}/issues/{}/labels", repo_path(org, repo), number), Some(&body))
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

// -- comments -----------------------------------------------------------------------------------

pub struct Comments<'a> {
    c: &'a Client,
}

impl<'a> Comments<'a> {
    /// The comments of an issue (or a pull request's conversation).
    pub fn list(&self, org: &str, repo: &str, number: u64) -> Pages<Comment> {
        self.c.pages("comments.list", format!("{}/issues/{}/comments", repo_path(org, repo), number), Vec::new())
    }
    pub fn create(&self, org: &str, repo: &str, number: u64, body: &str) -> Result<Comment, Error> {
        let body = serde_json::json!({ "body": body });
        self.c.call("comments.create", "POST", format!("{}/issues/{}/comments", repo_path(org, repo), number), Some(&body))
    }
    pub fn update(&self, org: &str, repo: &str, comment_id: u64, body: &str) -> Result<Comment, Error> {
        let body = serde_json::json!({ "body": body });
        self.c.call("comments.update", "PATCH", format!("{}/issues/comments/{}", repo_path(org, repo), comment_id), Some(&body))
    }
    pub fn delete(&self, org: &str, repo: &str, comment_id: u64) -> Result<(), Error> {
        self.c.delete("comments.delete", format!("{}/issues/comments/{}", repo_path(org, repo), comment_id))
    }
}

// -- labels -------------------------------------------------------------------------------------

/// `POST /repos/:org/:repo/labels`: `color` is 6 hex digits without `#`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelRequest {
    pub name: String,
    pub color: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PATCH /repos/:org/:repo/labels/:name`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
}

pub struct Labels<'a> {
    c: &'a Client,
}

impl<'a> Labels<'a> {
    pub fn list(&self, org: &str, repo: &str) -> Pages<Label> {
        self.c.pages("labels.list", format!("{}/labels", repo_path(org, repo)), Vec::new())
    }
    pub fn get(&self, org: &str, repo: &str, name: &str) -> Result<Label, Error> {
        self.c.get("labels.get", format!("{}/labels/{}", repo_path(org, repo), seg(name)))
    }
    pub fn create(&self, org: &str, repo: &str, request: &LabelRequest) -> Result<Label, Error> {
        self.c.call("labels.create", "POST", format!("{}/labels", repo_path(org, repo)), Some(request))
    }
    pub fn update(&self, org: &str, repo: &str, name: &str, update: &LabelUpdate) -> Result<Label, Error> {
        self.c.call("labels.update", "PATCH", format!("{}/labels/{}", repo_path(org, repo), seg(name)), Some(update))
    }
    pub fn delete(&self, org: &str, repo: &str, name: &str) -> Result<(), Error> {
        self.c.delete("labels.delete", format!("{}/labels/{}", repo_path(org, repo), seg(name)))
    }
}

// -- milestones ---------------------------------------------------------------------------------

/// `POST /repos/:org/:repo/milestones`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MilestoneRequest {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO 8601.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<String>,
    /// `open` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// `PATCH /repos/:org/:repo/milestones/:number`; `due_on: Some(None)` clears.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MilestoneUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

pub struct Milestones<'a> {
    c: &'a Client,
}

impl<'a> Milestones<'a> {
    pub fn list(&self, org: &str, repo: &str) -> Pages<Milestone> {
        self.list_state(org, repo, None)
    }
    /// `state`: `open`, `closed` or `all`.
    pub fn list_state(&self, org: &str, repo: &str, state: Option<&str>) -> Pages<Milestone> {
        let q = params(&[("state", state.map(str::to_string))]);
        self.c.pages("milestones.list", format!("{}/milestones", repo_path(org, repo)), q)
    }
    pub fn get(&self, org: &str, repo: &str, number: u64) -> Result<Milestone, Error> {
        self.c.get("milestones.get", format!("{}/milestones/{}", repo_path(org, repo), number))
    }
    pub fn create(&self, org: &str, repo: &str, request: &MilestoneRequest) -> Result<Milestone, Error> {
        self.c.call("milestones.create", "POST", format!("{}/milestones", repo_path(org, repo)), Some(request))
    }
    pub fn update(&self, org: &str, repo: &str, number: u64, update: &MilestoneUpdate) -> Result<Milestone, Error> {
        self.c.call("milestones.update", "PATCH", format!("{}/milestones/{}", repo_path(org, repo), number), Some(update))
    }
    pub fn delete(&self, org: &str, repo: &str, number: u64) -> Result<(), Error> {
        self.c.delete("milestones.delete", format!("{}/milestones/{}", repo_path(org, repo), number))
    }
}

// -- pull requests ------------------------------------------------------------------------------

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
        self.c.call::<_, ()>("pulls.ready", "POST", format!("{}/pulls/{}/ready", repo_path(org, repo), number), None)
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

// -- agents -------------------------------------------------------------------------------------

/// `POST /agents`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentRequest {
    /// 1–39 of `a-z 0-9 -`.
    pub name: String,
    pub model_family: String,
    pub model_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    /// 0–4 (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_level: Option<u8>,
}

/// `PATCH /agents/:id`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentUpdate {
    /// Immutable: sending it is refused (422), as are `model_family` and `model_version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_level: Option<u8>,
    /// `active` or `suspended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Filters of `agents().list_with`.
#[derive(Debug, Clone, Default)]
pub struct AgentListOptions {
    pub capability: Option<String>,
    pub trust_level: Option<u8>,
    pub model_family: Option<String>,
    pub status: Option<String>,
}

pub struct Agents<'a> {
    c: &'a Client,
}

impl<'a> Agents<'a> {
    /// The agents the caller operates (staff: all).
    pub fn list(&self) -> Pages<Agent> {
        self.list_with(&AgentListOptions::default())
    }
    pub fn list_with(&self, o: &AgentListOptions) -> Pages<Agent> {
        let q = params(&[
            ("capability", o.capability.clone()),
            ("trust_level", o.trust_level.map(|t| t.to_string())),
            ("model_family", o.model_family.clone()),
            ("status", o.status.clone()),
        ]);
        self.c.pages("agents.list", "/agents".into(), q)
    }
    /// Registers an agent; the result carries its token, shown once.
    pub fn register(&self, request: &AgentRequest) -> Result<Agent, Error> {
        self.c.call("agents.register", "POST", "/agents".into(), Some(request))
    }
    pub fn get(&self, agent_id: &str) -> Result<Agent, Error> {
        self.c.get("agents.get", format!("/agents/{}", seg(agent_id)))
    }
    pub fn update(&self, agent_id: &str, update: &AgentUpdate) -> Result<Agent, Error> {
        self.c.call("agents.update", "PATCH", format!("/agents/{}", seg(agent_id)), Some(update))
    }
    /// A new token; the old one stops working at once.
    pub fn rotate_token(&self, agent_id: &str) -> Result<AgentToken, Error> {
        self.c.call::<_, ()>("agents.rotate_token", "POST", format!("/agents/{}/tokens", seg(agent_id)), None)
    }
    /// The agent's audit trail, newest first.
    pub fn events(&self, agent_id: &str) -> Pages<Event> {
        self.c.pages("agents.events", format!("/agents/{}/events", seg(agent_id)), Vec::new())
    }
}

// -- pipelines ----------------------------------------------------------------------------------

/// `POST /repos/:org/:repo/pipelines`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PipelineRequest {
    /// A branch, tag or sha (default: the default branch).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub ref_: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
}

/// Filters of `pipelines().list_with`.
#[derive(Debug, Clone, Default)]
pub struct PipelineListOptions {
    pub status: Option<String>,
    pub ref_: Option<String>,
    pub sha: Option<String>,
    /// `api`, `push` or `pull_request`.
    pub trigger: Option<String>,
}

pub struct Pipelines<'a> {
    c: &'a Client,
}

impl<'a> Pipelines<'a> {
    /// Newest first.
    pub fn list(&self, org: &str, repo: &str) -> Pages<Pipeline> {
        self.list_with(org, repo, &PipelineListOptions::default())
    }
    pub fn list_with(&self, org: &str, repo: &str, o: &PipelineListOptions) -> Pages<Pipeline> {
        let q = params(&[("status", o.status.clone()), ("ref", o.ref_.clone()), ("sha", o.sha.clone()), ("trigger", o.trigger.clone())]);
        self.c.pages("pipelines.list", format!("{}/pipelines", repo_path(org, repo)), q)
    }
    pub fn trigger(&self, org: &str, repo: &str, request: &PipelineRequest) -> Result<Pipeline, Error> {
        self.c.call("pipelines.trigger", "POST", format!("{}/pipelines", repo_path(org, repo)), Some(request))
    }
    pub fn get(&self, org: &str, repo: &str, pipeline_id: u64) -> Result<Pipeline, Error> {
        self.c.get("pipelines.get", format!("{}/pipelines/{}", repo_path(org, repo), pipeline_id))
    }
    /// Cancels a pipeline (409 `CONFLICT` once it has finished).
    pub fn cancel(&self, org: &str, repo: &str, pipeline_id: u64) -> Result<Option<Pipeline>, Error> {
        self.c.call::<_, ()>("pipelines.cancel", "POST", format!("{}/pipelines/{}/cancel", repo_path(org, repo), pipeline_id), None)
    }
    /// A job's log as text.
    pub fn log(&self, org: &str, repo: &str, pipeline_id: u64, job_id: u64) -> Result<String, Error> {
        self.log_from(org, repo, pipeline_id, job_id, 0)
    }
    /// A job's log from byte `offset` on (`Range: bytes=N-`).
    pub fn log_from(&self, org: &str, repo: &str, pipeline_id: u64, job_id: u64, offset: u64) -> Result<String, Error> {
        let url = format!("{}/pipelines/{}/jobs/{}/log", repo_path(org, repo), pipeline_id, job_id);
        let mut req = Req::new("pipelines.log", "GET", url);
        req.headers.push(("Accept", "text/plain".into()));
        if offset > 0 {
            req.headers.push(("Range", format!("bytes={}-", offset)));
        }
        let resp = self.c.send(req)?;
        Ok(String::from_utf8_lossy(&resp.body).into_owned())
    }
}

// -- webhooks -----------------------------------------------------------------------------------

/// `POST …/webhooks`.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookRequest {
    pub url: String,
    /// `push`, `pull_request`, `issue`, `comment`, `pipeline`, `agent`, `repository`, `ping` or `*`.
    pub events: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `json`.
    pub content_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl Default for WebhookRequest {
    fn default() -> Self {
        WebhookRequest { url: String::new(), events: Vec::new(), secret: None, content_type: "json".into(), active: None }
    }
}

/// `PATCH …/webhooks/:id`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WebhookUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Repository hooks (`org, Some(repo)`) or organisation hooks (`org, None`).
pub struct Webhooks<'a> {
    c: &'a Client,
}

impl<'a> Webhooks<'a> {
    fn base(&self, org: &str, repo: Option<&str>) -> String {
        match repo {
            Some(repo) => format!("{}/webhooks", repo_path(org, repo)),
            None => format!("/orgs/{}/webhooks", seg(org)),
        }
    }
    pub fn list(&self, org: &str, repo: Option<&str>) -> Pages<Webhook> {
        self.c.pages("webhooks.list", self.base(org, repo), Vec::new())
    }
    pub fn create(&self, org: &str, repo: Option<&str>, request: &WebhookRequest) -> Result<Webhook, Error> {
        self.c.call("webhooks.create", "POST", self.base(org, repo), Some(request))
    }
    pub fn get(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Result<Webhook, Error> {
        self.c.get("webhooks.get", format!("{}/{}", self.base(org, repo), hook_id))
    }
    pub fn update(&self, org: &str, repo: Option<&str>, hook_id: u64, update: &WebhookUpdate) -> Result<Webhook, Error> {
        self.c.call("webhooks.update", "PATCH", format!("{}/{}", self.base(org, repo), hook_id), Some(update))
    }
    pub fn delete(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Result<(), Error> {
        self.c.delete("webhooks.delete", format!("{}/{}", self.base(org, repo), hook_id))
    }
    /// Sends a `ping`; returns the delivery it queued.
    pub fn ping(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Result<Delivery, Error> {
        self.c.call::<_, ()>("webhooks.ping", "POST", format!("{}/{}/ping", self.base(org, repo), hook_id), None)
    }
    pub fn deliveries(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Pages<Delivery> {
        self.c.pages("webhooks.deliveries", format!("{}/{}/deliveries", self.base(org, repo), hook_id), Vec::new())
    }
    /// One delivery with its request headers and body.
    pub fn delivery(&self, org: &str, repo: Option<&str>, hook_id: u64, delivery_id: u64) -> Result<Delivery, Error> {
        self.c.get("webhooks.delivery", format!("{}/{}/deliveries/{}", self.base(org, repo), hook_id, delivery_id))
    }
    /// Delivers again; returns the new delivery.
    pub fn redeliver(&self, org: &str, repo: Option<&str>, hook_id: u64, delivery_id: u64) -> Result<Delivery, Error> {
        self.c.call::<_, ()>("webhooks.redeliver", "POST", format!("{}/{}/deliveries/{}/redeliver", self.base(org, repo), hook_id, delivery_id), None)
    }
}

// -- events -------------------------------------------------------------------------------------

/// Filters of `events().list_with`.
#[derive(Debug, Clone, Default)]
pub struct EventListOptions {
    /// An event type (`issue.opened`).
    pub type_: Option<String>,
    /// A login.
    pub actor: Option<String>,
    /// Only events with a greater id.
    pub after_id: Option<u64>,
}

pub struct Events<'a> {
    c: &'a Client,
}

impl<'a> Events<'a> {
    /// The repository's events, newest first.
    pub fn list(&self, org: &str, repo: &str) -> Pages<Event> {
        self.list_with(org, repo, &EventListOptions::default())
    }
    pub fn list_with(&self, org: &str, repo: &str, o: &EventListOptions) -> Pages<Event> {
        let q = params(&[("type", o.type_.clone()), ("actor", o.actor.clone()), ("after_id", o.after_id.map(|a| a.to_string()))]);
        self.c.pages("events.list", format!("{}/events", repo_path(org, repo)), q)
    }
    /// Server-Sent Events of one repository, as an endless iterator that reconnects and resumes
    /// after the last event it yielded. `last_event_id: None` starts with events newer than the
    /// connection.
    pub fn stream(&self, org: &str, repo: &str, last_event_id: Option<u64>) -> EventStream {
        EventStream::new(self.c.clone(), format!("{}/events/stream", repo_path(org, repo)), last_event_id.map(|i| i.to_string()))
    }
    /// Server-Sent Events of every repository the caller can read (`/user/events/stream`).
    pub fn user_stream(&self, last_event_id: Option<u64>) -> EventStream {
        EventStream::new(self.c.clone(), "/user/events/stream".into(), last_event_id.map(|i| i.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_structs_send_only_what_is_set() {
        let issue = IssueRequest { title: "Bug report".into(), ..Default::default() };
        assert_eq!(serde_json::to_value(&issue).unwrap(), serde_json::json!({"title": "Bug report"}));
        let clear = IssueUpdate { milestone: Some(None), ..Default::default() };
        assert_eq!(serde_json::to_value(&clear).unwrap(), serde_json::json!({"milestone": null}));
        let pipeline = PipelineRequest { ref_: Some("main".into()), ..Default::default() };
        assert_eq!(serde_json::to_value(&pipeline).unwrap(), serde_json::json!({"ref": "main"}));
        let hook = WebhookRequest { url: "http://h".into(), events: vec!["*".into()], ..Default::default() };
        assert_eq!(serde_json::to_value(&hook).unwrap(), serde_json::json!({"url": "http://h", "events": ["*"], "content_type": "json"}));
    }
}
