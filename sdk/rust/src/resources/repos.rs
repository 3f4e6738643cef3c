//! Repositories: settings, branches, commits and contents.

use serde::Serialize;

use crate::client::{seg, subpath, Client, Pages, Req};
use crate::error::Error;
use crate::models::*;
use super::{params, repo_path};

impl Client {
    pub fn repos(&self) -> Repos<'_> {
        Repos { c: self }
    }
}

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
