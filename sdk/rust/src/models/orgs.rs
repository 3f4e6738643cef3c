//! Organisations and their members.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Organization {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub created_at: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Member {
    pub login: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub role: String,
}
