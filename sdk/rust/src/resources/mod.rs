//! The resource groups of a [`Client`](crate::Client) (docs/api.md §15), and their request structs.
//!
//! Request structs implement `Default`, and fields left `None` (or empty) are not sent:
//! `IssueRequest { title: "Bug report".into(), ..Default::default() }`. In update structs a
//! clearable field is `Option<Option<T>>`: `Some(None)` sends `null`.
//!
//! One module per resource group, each with its request structs and its `Client` accessor
//! (`client.issues()`); all re-exported here and at the crate root.

mod orgs;
mod repos;
mod issues;
mod comments;
mod labels;
mod milestones;
mod pulls;
mod agents;
mod pipelines;
mod webhooks;
mod events;

pub use orgs::*;
pub use repos::*;
pub use issues::*;
pub use comments::*;
pub use labels::*;
pub use milestones::*;
pub use pulls::*;
pub use agents::*;
pub use pipelines::*;
pub use webhooks::*;
pub use events::*;

use crate::client::seg;

fn repo_path(org: &str, repo: &str) -> String {
    format!("/repos/{}/{}", seg(org), seg(repo))
}

/// Query parameters from `(name, Option<value>)`, leaving out the `None`s.
fn params(pairs: &[(&str, Option<String>)]) -> Vec<(String, String)> {
    pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone()))).collect()
}

fn list_param(values: &[String]) -> Option<String> {
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_structs_send_only_what_is_set() {
        let issue = IssueRequest { title: "Bug report".into(), ..Default::default() };
        assert_eq!(serde_json::to_value(&issue).unwrap(), serde_json::json!({"title": "Bug report"}));
        let clear = IssueUpdate { milestone: Some(None), ..Default::default() };
        assert_eq!(serde_json::to_value(&clear).unwrap(), serde_json::json!({"milestone": null}));
        let pipeline = PipelineRequest { ref_: Some("main".into()), ..Default::default() };
        assert_eq!(serde_json::to_value(&pipeline).unwrap(), serde_json::json!({"ref": "main"}));
        let hook = WebhookRequest { url: "http://h".into(), events: vec!["*".into()], ..Default::default() };
        assert_eq!(serde_json::to_value(&hook).unwrap(), serde_json::json!({"url": "http://h", "events": ["*"], "content_type": "json"}));
    }
}
