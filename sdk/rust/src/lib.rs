//! Rust SDK for the Kizuna REST API (docs/api.md §15): blocking, on `ureq`, `serde` and `serde_json`.
//! The README follows; its examples are compiled here and run against a live server by
//! `tests/live.rs`.
#![doc = include_str!("../README.md")]

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
