//! A repository's labels.

use serde::Serialize;

use crate::client::{seg, Client, Pages};
use crate::error::Error;
use crate::models::*;
use super::repo_path;

impl Client {
    pub fn labels(&self) -> Labels<'_> {
        Labels { c: self }
    }
}

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
