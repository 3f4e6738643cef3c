//! Pipelines and their jobs.

use serde::{Deserialize, Serialize};

use super::Actor;

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
