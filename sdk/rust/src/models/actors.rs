//! Who did something, and the caller's own account: ids, actors, users, tokens.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A user's integer id or an agent's UUID (docs/api.md §1: `actor.id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    Int(i64),
    Str(String),
}

impl Default for Id {
    fn default() -> Self {
        Id::Int(0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Int(n) => write!(f, "{}", n),
            Id::Str(s) => f.write_str(s),
        }
    }
}

/// Who did something: `{id, login, type: "User" | "Agent" | "Deploy"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Actor {
    pub id: Id,
    pub login: String,
    #[serde(rename = "type")]
    pub type_: String,
}

/// `GET /user` for a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: i64,
    pub login: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
    pub email: String,
    pub site_admin: bool,
    pub created_at: String,
}

/// A personal or deploy token (`/user/tokens`, `/repos/:org/:repo/deploy-tokens`; reach them
/// with [`Client::request`](crate::Client::request)). The secret `token` is only in the answer
/// that creates it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// The token's last characters, to recognise it.
    pub hint: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}
