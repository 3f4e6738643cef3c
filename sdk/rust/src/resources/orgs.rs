//! Organisations and their members.

use serde::Serialize;

use crate::client::{seg, Client, Pages};
use crate::error::Error;
use crate::models::*;

impl Client {
    pub fn orgs(&self) -> Orgs<'_> {
        Orgs { c: self }
    }
}

/// `POST /orgs`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgRequest {
    pub login: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

pub struct Orgs<'a> {
    c: &'a Client,
}

impl<'a> Orgs<'a> {
    pub fn get(&self, org: &str) -> Result<Organization, Error> {
        self.c.get("orgs.get", format!("/orgs/{}", seg(org)))
    }
    pub fn create(&self, request: &OrgRequest) -> Result<Organization, Error> {
        self.c.call("orgs.create", "POST", "/orgs".into(), Some(request))
    }
    pub fn members(&self, org: &str) -> Pages<Member> {
        self.c.pages("orgs.members", format!("/orgs/{}/members", seg(org)), Vec::new())
    }
    /// Adds a member or changes their role (`read`, `write`, `maintain`, `admin`).
    pub fn set_member(&self, org: &str, login: &str, role: &str) -> Result<Member, Error> {
        let body = serde_json::json!({ "role": role });
        self.c.call("orgs.set_member", "PUT", format!("/orgs/{}/members/{}", seg(org), seg(login)), Some(&body))
    }
    pub fn remove_member(&self, org: &str, login: &str) -> Result<(), Error> {
        self.c.delete("orgs.remove_member", format!("/orgs/{}/members/{}", seg(org), seg(login)))
    }
}
