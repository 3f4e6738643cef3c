//! Agents and their tokens.

use serde::{Deserialize, Serialize};

use super::Actor;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub description: String,
    pub operator: Actor,
    pub model_family: String,
    pub model_version: String,
    pub capabilities: Vec<String>,
    pub trust_level: u8,
    pub trust_level_name: String,
    pub reputation_score: f64,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub last_seen_at: Option<String>,
    pub last_audited: Option<String>,
    pub url: String,
    /// Only in the answer to `agents().register(…)`: the agent's token, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A rotated agent token: `{token}`, shown once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentToken {
    pub token: String,
}
