//! `agents.*`.

use kizuna_sdk::*;

use super::unknown;
use crate::args::Args;
use crate::results::{all, one};
use crate::{Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    match name {
        "agents.list" => {
            let o = AgentListOptions {
                capability: a.opt_str("capability")?,
                trust_level: a.opt_u8("trust_level")?,
                model_family: a.opt_str("model_family")?,
                status: a.opt_str("status")?,
            };
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.agents().list_with(&o), pp))
        }
        "agents.register" => {
            let r = AgentRequest {
                name: a.req_str("name")?,
                model_family: a.req_str("model_family")?,
                model_version: a.req_str("model_version")?,
                description: a.opt_str("description")?,
                capabilities: a.opt_strs("capabilities")?.unwrap_or_default(),
                trust_level: a.opt_u8("trust_level")?,
            };
            a.then(|| one(c.agents().register(&r)))
        }
        "agents.get" => {
            let id = a.req_str("agent_id")?;
            a.then(|| one(c.agents().get(&id)))
        }
        "agents.update" => {
            let id = a.req_str("agent_id")?;
            let u = AgentUpdate {
                name: a.opt_str("name")?,
                description: a.opt_str("description")?,
                capabilities: a.opt_strs("capabilities")?,
                trust_level: a.opt_u8("trust_level")?,
                status: a.opt_str("status")?,
            };
            a.then(|| one(c.agents().update(&id, &u)))
        }
        "agents.rotate_token" => {
            let id = a.req_str("agent_id")?;
            a.then(|| one(c.agents().rotate_token(&id)))
        }
        "agents.events" => {
            let id = a.req_str("agent_id")?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.agents().events(&id), pp))
        }
        other => unknown(other),
    }
}
