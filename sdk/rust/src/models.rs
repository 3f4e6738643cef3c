//! The API's resources (API.md §3, §7–§13) as typed structs.
//!
//! Field names are the API's JSON names (`ref` is `ref_`, `type` is `type_`). Every struct
//! deserialises leniently — a field the server leaves out takes its default — and serialises back
//! to the JSON the server sent (nulls included). Timestamps are ISO 8601 strings.
//!
//! `tests/sdk/test_model_drift.py` compares these structs' fields with the server's
//! `/api/v1/schema`: [`schema_fields`] lists them, read from the structs themselves.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A user's integer id or an agent's UUID (API.md §1: `actor.id`).
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

macro_rules! model {
    ($(#[$meta:meta])* $name:ident => $schema:literal { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// The OpenAPI component of `/api/v1/schema` that this struct mirrors.
            pub const SCHEMA: &'static str = $schema;
        }
    };
}

model!(
    /// Who did something: `{id, login, type: "User" | "Agent" | "Deploy"}`.
    Actor => "Actor" {
        id: Id,
        login: String,
        #[serde(rename = "type")]
        type_: String,
    }
);

model!(
    /// `GET /user` for a user.
    User => "User" {
        id: i64,
        login: String,
        #[serde(rename = "type")]
        type_: String,
        name: String,
        email: String,
        site_admin: bool,
        created_at: String,
    }
);

model!(Organization => "Organization" {
    id: i64,
    login: String,
    name: String,
    description: String,
    #[serde(rename = "type")]
    type_: String,
    created_at: String,
    url: String,
});

model!(Member => "Member" {
    login: String,
    #[serde(rename = "type")]
    type_: String,
    role: String,
});

model!(Owner => "Owner" {
    login: String,
    #[serde(rename = "type")]
    type_: String,
});

model!(Repository => "Repository" {
    id: i64,
    name: String,
    full_name: String,
    owner: Owner,
    description: String,
    visibility: String,
    private: bool,
    default_branch: String,
    archived: bool,
    open_issues_count: u64,
    open_pulls_count: u64,
    clone_url: String,
    url: String,
    created_at: String,
    updated_at: String,
    pushed_at: Option<String>,
});

model!(
    /// The repository of an event: `{id, name, full_name, url}`.
    RepositorySummary => "RepositorySummary" {
        id: i64,
        name: String,
        full_name: String,
        url: String,
    }
);

model!(CommitRef => "CommitRef" { sha: String });

model!(Branch => "Branch" {
    name: String,
    commit: CommitRef,
    protected: bool,
});

model!(GitPerson => "GitPerson" {
    name: String,
    email: String,
    date: String,
});

model!(Commit => "Commit" {
    sha: String,
    message: String,
    author: GitPerson,
    committer: GitPerson,
    parents: Vec<String>,
});

model!(CommitStats => "CommitStats" {
    additions: u64,
    deletions: u64,
    total: u64,
});

model!(CommitFile => "CommitFile" {
    filename: String,
    status: String,
    additions: u64,
    deletions: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_filename: Option<String>,
});

model!(
    /// One commit with its changed files (`GET /repos/:org/:repo/commits/:sha`).
    CommitDetail => "CommitDetail" {
        sha: String,
        message: String,
        author: GitPerson,
        committer: GitPerson,
        parents: Vec<String>,
        stats: CommitStats,
        files: Vec<CommitFile>,
    }
);

model!(
    /// A file (`type: "file"`, base64 `content`), or any single entry the contents endpoint returns.
    Content => "ContentsResponse" {
        #[serde(rename = "type")]
        type_: String,
        name: String,
        path: String,
        sha: String,
        size: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        encoding: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        content: Option<String>,
    }
);

model!(
    /// One entry of a directory listing.
    ContentEntry => "ContentEntry" {
        #[serde(rename = "type")]
        type_: String,
        name: String,
        path: String,
        sha: String,
        size: u64,
    }
);

/// What `repos().contents(…)` returns: a file, or a directory listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Contents {
    Dir(Vec<ContentEntry>),
    File(Content),
}

model!(Label => "Label" {
    id: i64,
    name: String,
    color: String,
    description: Option<String>,
});

model!(
    /// An issue's milestone: `{number, title, state, due_on}`.
    MilestoneBrief => "MilestoneBrief" {
        number: u64,
        title: String,
        state: String,
        due_on: Option<String>,
    }
);

model!(Milestone => "Milestone" {
    id: i64,
    number: u64,
    title: String,
    description: Option<String>,
    state: String,
    due_on: Option<String>,
    open_issues: u64,
    closed_issues: u64,
    created_at: String,
    updated_at: String,
    closed_at: Option<String>,
    url: String,
});

model!(Issue => "Issue" {
    id: i64,
    number: u64,
    title: String,
    body: String,
    state: String,
    state_reason: Option<String>,
    labels: Vec<Label>,
    assignees: Vec<Actor>,
    milestone: Option<MilestoneBrief>,
    author: Actor,
    comments: u64,
    created_at: String,
    updated_at: String,
    closed_at: Option<String>,
    closed_by: Option<Actor>,
    url: String,
});

model!(Comment => "Comment" {
    id: i64,
    body: String,
    author: Actor,
    created_at: String,
    updated_at: String,
    url: String,
});

model!(
    /// A pull request's head or base: `{ref, sha}`.
    Ref => "Ref" {
        #[serde(rename = "ref")]
        ref_: String,
        sha: String,
    }
);

model!(PullRequest => "PullRequest" {
    id: i64,
    number: u64,
    title: String,
    body: String,
    state: String,
    draft: bool,
    merged: bool,
    mergeable: Option<bool>,
    head: Ref,
    base: Ref,
    author: Actor,
    labels: Vec<Label>,
    assignees: Vec<Actor>,
    commits: u64,
    additions: u64,
    deletions: u64,
    changed_files: u64,
    merged_at: Option<String>,
    merged_by: Option<Actor>,
    merge_commit_sha: Option<String>,
    created_at: String,
    updated_at: String,
    closed_at: Option<String>,
    url: String,
});

model!(MergeResult => "MergeResult" {
    merged: bool,
    sha: String,
    message: String,
});

model!(Agent => "Agent" {
    id: String,
    name: String,
    description: String,
    operator: Actor,
    model_family: String,
    model_version: String,
    capabilities: Vec<String>,
    trust_level: u8,
    trust_level_name: String,
    reputation_score: f64,
    status: String,
    created_at: String,
    updated_at: String,
    last_seen_at: Option<String>,
    last_audited: Option<String>,
    url: String,
});

model!(
    /// A just-registered agent: the agent plus its `token`, shown once.
    NewAgent => "NewAgent" {
        id: String,
        name: String,
        description: String,
        operator: Actor,
        model_family: String,
        model_version: String,
        capabilities: Vec<String>,
        trust_level: u8,
        trust_level_name: String,
        reputation_score: f64,
        status: String,
        created_at: String,
        updated_at: String,
        last_seen_at: Option<String>,
        last_audited: Option<String>,
        url: String,
        token: String,
    }
);

model!(
    /// A rotated agent token: `{token}`, shown once.
    AgentToken => "AgentToken" { token: String }
);

model!(Job => "Job" {
    id: i64,
    name: String,
    status: String,
    needs: Vec<String>,
    agent: Option<Actor>,
    attempt: u32,
    exit_code: Option<i32>,
    started_at: Option<String>,
    finished_at: Option<String>,
    log_url: String,
});

model!(Pipeline => "Pipeline" {
    id: i64,
    number: u64,
    status: String,
    #[serde(rename = "ref")]
    ref_: String,
    sha: String,
    trigger: String,
    triggered_by: Actor,
    /// The variables' names (values are never shown).
    variables: Vec<String>,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_seconds: Option<f64>,
    jobs: Vec<Job>,
    url: String,
});

model!(Webhook => "Webhook" {
    id: i64,
    #[serde(rename = "type")]
    type_: String,
    url: String,
    content_type: String,
    has_secret: bool,
    events: Vec<String>,
    active: bool,
    repository: Option<String>,
    organization: Option<String>,
    last_success_at: Option<String>,
    deactivated_at: Option<String>,
    created_at: String,
    updated_at: String,
});

model!(Delivery => "Delivery" {
    id: i64,
    guid: String,
    event: String,
    action: Option<String>,
    redelivery: bool,
    state: String,
    attempt: u32,
    status_code: Option<u16>,
    success: Option<bool>,
    duration_ms: Option<u64>,
    delivered_at: Option<String>,
    next_attempt_at: Option<String>,
    created_at: String,
});

model!(
    /// One delivery with the request it sent and the start of the response it got.
    DeliveryDetail => "DeliveryDetail" {
        id: i64,
        guid: String,
        event: String,
        action: Option<String>,
        redelivery: bool,
        state: String,
        attempt: u32,
        status_code: Option<u16>,
        success: Option<bool>,
        duration_ms: Option<u64>,
        delivered_at: Option<String>,
        next_attempt_at: Option<String>,
        created_at: String,
        error: String,
        /// `{headers, body}` as sent.
        request: Value,
        /// `{headers, body}` as received (the body's first 64 KiB).
        response: Value,
    }
);

model!(
    /// One entry of the event log (API.md §13).
    Event => "Event" {
        id: u64,
        #[serde(rename = "type")]
        type_: String,
        repository: Option<RepositorySummary>,
        actor: Actor,
        on_behalf_of: Option<Actor>,
        payload: Value,
        created_at: String,
    }
);

/// The JSON field names of a model, read from its `Serialize` implementation.
fn fields_of<T: Default + Serialize>() -> Vec<String> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Every model's fields, keyed by the `/api/v1/schema` component it mirrors.
///
/// Optional fields that are left out when absent (`skip_serializing_if`) are listed too.
pub fn schema_fields() -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    macro_rules! add {
        ($($t:ty),*) => {$(
            out.insert(<$t>::SCHEMA, fields_of::<$t>());
        )*};
    }
    add!(
        Actor, User, Organization, Member, Owner, Repository, RepositorySummary, CommitRef, Branch, GitPerson,
        Commit, CommitStats, CommitDetail, Label, MilestoneBrief, Milestone, Issue, Comment, Ref, PullRequest,
        MergeResult, Agent, NewAgent, AgentToken, Job, Pipeline, Webhook, Delivery, DeliveryDetail, Event,
        ContentEntry
    );
    // Fields skipped when None: list them from a value that has them all.
    let mut file = fields_of::<CommitFile>();
    file.push("previous_filename".into());
    out.insert(CommitFile::SCHEMA, file);
    let mut content = fields_of::<Content>();
    content.extend(["encoding".to_string(), "content".to_string()]);
    out.insert(Content::SCHEMA, content);
    out
}

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

    #[test]
    fn schema_fields_come_from_the_structs() {
        let fields = schema_fields();
        assert!(fields["Repository"].contains(&"pushed_at".to_string()));
        assert!(fields["Ref"].contains(&"ref".to_string()));
        assert!(fields["ContentsResponse"].contains(&"content".to_string()));
        assert!(fields["CommitFile"].contains(&"previous_filename".to_string()));
        assert!(!fields["Issue"].contains(&"type_".to_string()));
    }
}
