//! The event log: pages of events, and live Server-Sent Events streams.

use crate::client::{Client, Pages};
use crate::models::*;
use crate::sse::EventStream;
use super::{params, repo_path};

impl Client {
    pub fn events(&self) -> Events<'_> {
        Events { c: self }
    }
}

/// Filters of `events().list_with`.
#[derive(Debug, Clone, Default)]
pub struct EventListOptions {
    /// An event type (`issue.opened`).
    pub type_: Option<String>,
    /// A login.
    pub actor: Option<String>,
    /// Only events with a greater id.
    pub after_id: Option<u64>,
}

pub struct Events<'a> {
    c: &'a Client,
}

impl<'a> Events<'a> {
    /// The repository's events, newest first.
    pub fn list(&self, org: &str, repo: &str) -> Pages<Event> {
        self.list_with(org, repo, &EventListOptions::default())
    }
    pub fn list_with(&self, org: &str, repo: &str, o: &EventListOptions) -> Pages<Event> {
        let q = params(&[("type", o.type_.clone()), ("actor", o.actor.clone()), ("after_id", o.after_id.map(|a| a.to_string()))]);
        self.c.pages("events.list", format!("{}/events", repo_path(org, repo)), q)
    }
    /// Server-Sent Events of one repository, as an endless iterator that reconnects and resumes
    /// after the last event it yielded. `last_event_id: None` starts with events newer than the
    /// connection.
    pub fn stream(&self, org: &str, repo: &str, last_event_id: Option<u64>) -> EventStream {
        EventStream::new(self.c.clone(), format!("{}/events/stream", repo_path(org, repo)), last_event_id.map(|i| i.to_string()))
    }
    /// Server-Sent Events of every repository the caller can read (`/user/events/stream`).
    pub fn user_stream(&self, last_event_id: Option<u64>) -> EventStream {
        EventStream::new(self.c.clone(), "/user/events/stream".into(), last_event_id.map(|i| i.to_string()))
    }
}
