//! The API's resources (docs/api.md §3, §7–§13) as typed structs.
//!
//! Field names are the API's JSON names (`ref` is `ref_`, `type` is `type_`). Every struct
//! deserialises leniently — a field the server leaves out takes its default — and serialises back
//! to the JSON the server sent (nulls included). Timestamps are ISO 8601 strings.
//!
//! `tests/api/test_sdk_models.py` reads these `pub struct`s (field names, `#[serde(rename)]`) and
//! compares them with the server's `/api/v1/schema`: keep one plain struct per type, named as in
//! the other SDKs, holding the richest variant's fields (a single commit's `files`, a new agent's
//! `token`, a delivery's `request`).

mod actors;
mod orgs;
mod repos;
mod issues;
mod pulls;
mod agents;
mod pipelines;
mod webhooks;
mod events;

pub use actors::*;
pub use orgs::*;
pub use repos::*;
pub use issues::*;
pub use pulls::*;
pub use agents::*;
pub use pipelines::*;
pub use webhooks::*;
pub use events::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_with_api_names() {
        let raw = serde_json::json!({
            "id": 7, "number": 3, "title": "Bug", "body": "", "state": "open", "state_reason": null,
            "labels": [{"id": 1, "name": "bug", "color": "d73a4a", "description": null}],
            "assignees": [{"id": "6f1c…", "login": "bot", "type": "Agent"}], "milestone": null,
            "author": {"id": 1, "login": "alice", "type": "User"}, "comments": 0,
            "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z",
            "closed_at": null, "closed_by": null, "url": "http://x/api/v1/repos/o/r/issues/3"
        });
        let issue: Issue = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(issue.number, 3);
        assert_eq!(issue.author.type_, "User");
        assert_eq!(issue.assignees[0].id, Id::Str("6f1c…".into()));
        assert_eq!(issue.author.id.to_string(), "1");
        assert_eq!(serde_json::to_value(&issue).unwrap(), raw);
    }

    #[test]
    fn missing_fields_take_defaults() {
        let repo: Repository = serde_json::from_str(r#"{"name": "r"}"#).unwrap();
        assert_eq!(repo.name, "r");
        assert_eq!(repo.pushed_at, None);
    }

    #[test]
    fn contents_is_a_file_or_a_listing() {
        let file: Contents = serde_json::from_str(r#"{"type": "file", "name": "a", "path": "a", "sha": "s", "size": 1, "encoding": "base64", "content": "YQ=="}"#).unwrap();
        assert!(matches!(file, Contents::File(ref c) if c.content.as_deref() == Some("YQ==")));
        let dir: Contents = serde_json::from_str(r#"[{"type": "dir", "name": "d", "path": "d", "sha": "s", "size": 0}]"#).unwrap();
        assert!(matches!(dir, Contents::Dir(ref d) if d[0].type_ == "dir"));
    }
}
