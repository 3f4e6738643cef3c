//! An SDK call's result or error as the JSON the checks judge.

use kizuna_sdk::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::Outcome;

fn class_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Unauthorized => "Unauthorized",
        ErrorKind::Forbidden => "Forbidden",
        ErrorKind::NotFound => "NotFound",
        ErrorKind::Validation => "Validation",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::NotMergeable => "NotMergeable",
        ErrorKind::RateLimited => "RateLimited",
        ErrorKind::Server => "Server",
        ErrorKind::Connection => "Connection",
        ErrorKind::Timeout => "Timeout",
        _ => "Error",
    }
}

pub fn error_json(e: &Error) -> Value {
    json!({
        "class": class_of(e.kind()),
        "status": e.status(),
        "code": e.code(),
        "message": e.message(),
        "details": e.details(),
        "request_id": e.request_id(),
        "retry_after": e.retry_after().map(|d| d.as_secs_f64()),
    })
}

pub fn one<T: Serialize>(result: Result<T, Error>) -> Outcome {
    match result {
        Ok(v) => Ok(serde_json::to_value(v).unwrap_or(Value::Null)),
        Err(e) => Err(error_json(&e)),
    }
}

pub fn all<T: Serialize + DeserializeOwned>(pages: Pages<T>, per_page: Option<u64>) -> Outcome {
    let pages = match per_page {
        Some(n) => pages.per_page(n as u32),
        None => pages,
    };
    one(pages.collect::<Result<Vec<T>, Error>>())
}
