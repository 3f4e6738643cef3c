//! Pipelines: trigger, follow, cancel, and their jobs' logs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::client::{Client, Pages, Req};
use crate::error::Error;
use crate::models::*;
use super::{params, repo_path};

impl Client {
    pub fn pipelines(&self) -> Pipelines<'_> {
        Pipelines { c: self }
    }
}

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
        self.c.post("pipelines.cancel", format!("{}/pipelines/{}/cancel", repo_path(org, repo), pipeline_id))
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
