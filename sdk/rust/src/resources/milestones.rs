//! A repository's milestones.

use serde::Serialize;

use crate::client::{Client, Pages};
use crate::error::Error;
use crate::models::*;
use super::{params, repo_path};

impl Client {
    pub fn milestones(&self) -> Milestones<'_> {
        Milestones { c: self }
    }
}

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
