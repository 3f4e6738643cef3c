//! Rust SDK for the Kizuna REST API (API.md §15): blocking, on `ureq`, `serde` and `serde_json`.
//!
//! ```no_run
//! use kizuna_sdk::{Client, IssueRequest};
//!
//! let token = std::env::var("KIZUNA_TOKEN").unwrap_or_default();
//! let c = Client::new("https://kizuna.example.com", &token);
//! for repo in c.repos().list("my-org") {
//!     println!("{}", repo?.name);
//! }
//! let issue = c.issues().create("my-org", "my-repo", &IssueRequest { title: "Bug report".into(), ..Default::default() })?;
//! println!("opened #{}", issue.number);
//! # Ok::<(), kizuna_sdk::Error>(())
//! ```
//!
//! Every call returns `Result<T, kizuna_sdk::Error>`; `list` methods return [`Pages`], an
//! `Iterator<Item = Result<T, Error>>` over every page; `c.events().stream(org, repo, last_event_id)`
//! is an [`EventStream`]; [`verify_signature`] checks webhook deliveries.

mod client;
pub mod crypto;
mod error;
pub mod models;
mod resources;
mod sse;
mod webhooks;

pub use client::{Client, ClientBuilder, Deprecation, Pages, RateLimit, API_PREFIX};
pub use error::{Error, ErrorKind};
pub use models::*;
pub use resources::*;
pub use sse::{EventStream, Frame};
pub use webhooks::{sign_kizuna, sign_standard, verify_signature, verify_signature_at, HeaderPair, DEFAULT_TOLERANCE_SECS};
