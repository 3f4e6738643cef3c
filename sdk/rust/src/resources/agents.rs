//! Agents: registration, settings, tokens and audit trail.

use serde::Serialize;

use crate::client::{seg, Client, Pages};
use crate::error::Error;
use crate::models::*;
use super::params;

impl Client {
    pub fn agents(&self) -> Agents<'_> {
        Agents { c: self }
    }
}

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
        self.c.post("agents.rotate_token", format!("/agents/{}/tokens", seg(agent_id)))
    }
    /// The agent's audit trail, newest first.
    pub fn events(&self, agent_id: &str) -> Pages<Event> {
        self.c.pages("agents.events", format!("/agents/{}/events", seg(agent_id)), Vec::new())
    }
}
