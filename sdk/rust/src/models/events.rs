//! The event log.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Actor, RepositorySummary};

/// One entry of the event log (docs/api.md §13).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Event {
    pub id: u64,
    #[serde(rename = "type")]
    pub type_: String,
    pub repository: Option<RepositorySummary>,
    pub actor: Actor,
    pub on_behalf_of: Option<Actor>,
    pub payload: Value,
    pub created_at: String,
}
