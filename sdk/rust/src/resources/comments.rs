//! Comments on issues and pull requests.

use crate::client::{Client, Pages};
use crate::error::Error;
use crate::models::*;
use super::repo_path;

impl Client {
    pub fn comments(&self) -> Comments<'_> {
        Comments { c: self }
    }
}

pub struct Comments<'a> {
    c: &'a Client,
}

impl<'a> Comments<'a> {
    /// The comments of an issue (or a pull request's conversation).
    pub fn list(&self, org: &str, repo: &str, number: u64) -> Pages<Comment> {
        self.c.pages("comments.list", format!("{}/issues/{}/comments", repo_path(org, repo), number), Vec::new())
    }
    pub fn create(&self, org: &str, repo: &str, number: u64, body: &str) -> Result<Comment, Error> {
        let body = serde_json::json!({ "body": body });
        self.c.call("comments.create", "POST", format!("{}/issues/{}/comments", repo_path(org, repo), number), Some(&body))
    }
    pub fn update(&self, org: &str, repo: &str, comment_id: u64, body: &str) -> Result<Comment, Error> {
        let body = serde_json::json!({ "body": body });
        self.c.call("comments.update", "PATCH", format!("{}/issues/comments/{}", repo_path(org, repo), comment_id), Some(&body))
    }
    pub fn delete(&self, org: &str, repo: &str, comment_id: u64) -> Result<(), Error> {
        self.c.delete("comments.delete", format!("{}/issues/comments/{}", repo_path(org, repo), comment_id))
    }
}
