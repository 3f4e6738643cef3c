//! Webhooks and their deliveries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Webhook {
    pub id: i64,
    #[serde(rename = "type")]
    pub type_: String,
    pub url: String,
    pub content_type: String,
    pub has_secret: bool,
    pub events: Vec<String>,
    pub active: bool,
    pub repository: Option<String>,
    pub organization: Option<String>,
    pub last_success_at: Option<String>,
    pub deactivated_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Delivery {
    pub id: i64,
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub redelivery: bool,
    pub state: String,
    pub attempt: u32,
    pub status_code: Option<u16>,
    pub success: Option<bool>,
    pub duration_ms: Option<u64>,
    pub delivered_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    /// Only on a single delivery (`webhooks().delivery(…)`): why it failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Only on a single delivery: `{headers, body}` as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// Only on a single delivery: `{headers, body}` as received (the body's first 64 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}
