//! Repository and organisation webhooks, and their deliveries.

use serde::Serialize;

use crate::client::{seg, Client, Pages};
use crate::error::Error;
use crate::models::*;
use super::repo_path;

impl Client {
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { c: self }
    }
}

/// `POST …/webhooks`.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookRequest {
    pub url: String,
    /// `push`, `pull_request`, `issue`, `comment`, `pipeline`, `agent`, `repository`, `ping` or `*`.
    pub events: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `json`.
    pub content_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl Default for WebhookRequest {
    fn default() -> Self {
        WebhookRequest { url: String::new(), events: Vec::new(), secret: None, content_type: "json".into(), active: None }
    }
}

/// `PATCH …/webhooks/:id`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WebhookUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Repository hooks (`org, Some(repo)`) or organisation hooks (`org, None`).
pub struct Webhooks<'a> {
    c: &'a Client,
}

impl<'a> Webhooks<'a> {
    fn base(&self, org: &str, repo: Option<&str>) -> String {
        match repo {
            Some(repo) => format!("{}/webhooks", repo_path(org, repo)),
            None => format!("/orgs/{}/webhooks", seg(org)),
        }
    }
    pub fn list(&self, org: &str, repo: Option<&str>) -> Pages<Webhook> {
        self.c.pages("webhooks.list", self.base(org, repo), Vec::new())
    }
    pub fn create(&self, org: &str, repo: Option<&str>, request: &WebhookRequest) -> Result<Webhook, Error> {
        self.c.call("webhooks.create", "POST", self.base(org, repo), Some(request))
    }
    pub fn get(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Result<Webhook, Error> {
        self.c.get("webhooks.get", format!("{}/{}", self.base(org, repo), hook_id))
    }
    pub fn update(&self, org: &str, repo: Option<&str>, hook_id: u64, update: &WebhookUpdate) -> Result<Webhook, Error> {
        self.c.call("webhooks.update", "PATCH", format!("{}/{}", self.base(org, repo), hook_id), Some(update))
    }
    pub fn delete(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Result<(), Error> {
        self.c.delete("webhooks.delete", format!("{}/{}", self.base(org, repo), hook_id))
    }
    /// Sends a `ping`; returns the delivery it queued.
    pub fn ping(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Result<Delivery, Error> {
        self.c.post("webhooks.ping", format!("{}/{}/ping", self.base(org, repo), hook_id))
    }
    pub fn deliveries(&self, org: &str, repo: Option<&str>, hook_id: u64) -> Pages<Delivery> {
        self.c.pages("webhooks.deliveries", format!("{}/{}/deliveries", self.base(org, repo), hook_id), Vec::new())
    }
    /// One delivery with its request headers and body.
    pub fn delivery(&self, org: &str, repo: Option<&str>, hook_id: u64, delivery_id: u64) -> Result<Delivery, Error> {
        self.c.get("webhooks.delivery", format!("{}/{}/deliveries/{}", self.base(org, repo), hook_id, delivery_id))
    }
    /// Delivers again; returns the new delivery.
    pub fn redeliver(&self, org: &str, repo: Option<&str>, hook_id: u64, delivery_id: u64) -> Result<Delivery, Error> {
        self.c.post("webhooks.redeliver", format!("{}/{}/deliveries/{}/redeliver", self.base(org, repo), hook_id, delivery_id))
    }
}
