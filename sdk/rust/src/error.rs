//! `kizuna_sdk::Error`: every failure of a call (docs/api.md §2 error envelope, 429, transport).

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

/// What went wrong with a call.
///
/// API errors carry the server's envelope (`status`, `code`, `message`, `details`, `request_id`);
/// match on [`Error::kind`] to tell them apart (`ErrorKind::NotFound`, `ErrorKind::Validation`, …).
/// A 429 is its own variant, [`Error::RateLimited`], with the server's `Retry-After`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status (other than 429).
    Api {
        status: u16,
        /// The envelope's `code`: `NOT_FOUND`, `VALIDATION_ERROR`, `NOT_MERGEABLE`, …
        code: String,
        message: String,
        /// Always an object: field → messages for `VALIDATION_ERROR`, a small hint otherwise.
        details: Value,
        request_id: Option<String>,
    },
    /// 429 `RATE_LIMITED`: over the rate limit (after any retries the client was allowed to make).
    RateLimited {
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
        message: String,
        details: Value,
        request_id: Option<String>,
    },
    /// No answer: connection refused, DNS failure, reset, TLS failure, a bad base URL.
    Connection { message: String },
    /// The server did not answer within the client's timeout.
    Timeout { message: String },
    /// An answer that is not what a Kizuna server sends (not JSON where JSON was due, an unreadable body).
    InvalidResponse { status: u16, message: String },
}

/// The class of an [`Error`], one per API error code (docs/api.md §2) plus the transport failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Unauthorized,
    Forbidden,
    NotFound,
    Validation,
    Conflict,
    NotMergeable,
    RateLimited,
    Server,
    /// Another API error (400, 405, 410, 413, 415, …).
    Other,
    Connection,
    Timeout,
    InvalidResponse,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Connection { .. } => ErrorKind::Connection,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::InvalidResponse { .. } => ErrorKind::InvalidResponse,
            Error::Api { status, code, .. } => match (code.as_str(), *status) {
                ("UNAUTHORIZED", _) | (_, 401) => ErrorKind::Unauthorized,
                ("FORBIDDEN", _) | (_, 403) => ErrorKind::Forbidden,
                ("NOT_FOUND", _) | (_, 404) => ErrorKind::NotFound,
                ("VALIDATION_ERROR", _) | (_, 422) => ErrorKind::Validation,
                ("CONFLICT", _) | (_, 409) => ErrorKind::Conflict,
                ("NOT_MERGEABLE", _) => ErrorKind::NotMergeable,
                ("RATE_LIMITED", _) => ErrorKind::RateLimited,
                (_, s) if s >= 500 => ErrorKind::Server,
                _ => ErrorKind::Other,
            },
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::InvalidResponse { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The envelope's `code` (`RATE_LIMITED` for a 429; `CONNECTION_ERROR`, `TIMEOUT` or
    /// `INVALID_RESPONSE` when the server gave none).
    pub fn code(&self) -> &str {
        match self {
            Error::Api { code, .. } => code,
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Connection { .. } => "CONNECTION_ERROR",
            Error::Timeout { .. } => "TIMEOUT",
            Error::InvalidResponse { .. } => "INVALID_RESPONSE",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Error::Api { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Connection { message }
            | Error::Timeout { message }
            | Error::InvalidResponse { message, .. } => message,
        }
    }

    /// The envelope's `details` (an empty object when there are none).
    pub fn details(&self) -> Value {
        match self {
            Error::Api { details, .. } | Error::RateLimited { details, .. } => details.clone(),
            _ => Value::Object(Map::new()),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } | Error::RateLimited { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// `Retry-After` of a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, code, message, details, request_id } => {
                write!(f, "{} {}: {}", status, code, message)?;
                if details.as_object().map_or(false, |d| !d.is_empty()) {
                    write!(f, " {}", details)?;
                }
                if let Some(id) = request_id {
                    write!(f, " (request_id={})", id)?;
                }
                Ok(())
            }
            Error::RateLimited { retry_after, message, request_id, .. } => {
                write!(f, "429 RATE_LIMITED: {}", message)?;
                if let Some(after) = retry_after {
                    write!(f, " (retry after {} s)", after.as_secs())?;
                }
                if let Some(id) = request_id {
                    write!(f, " (request_id={})", id)?;
                }
                Ok(())
            }
            Error::Connection { message } => write!(f, "CONNECTION_ERROR: {}", message),
            Error::Timeout { message } => write!(f, "TIMEOUT: {}", message),
            Error::InvalidResponse { status, message } => write!(f, "{} INVALID_RESPONSE: {}", status, message),
        }
    }
}

impl std::error::Error for Error {}

/// Codes for statuses whose body is not Kizuna's envelope (a proxy's HTML page, say).
pub(crate) fn code_for_status(status: u16) -> String {
    match status {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT",
        410 => "GONE",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        416 => "RANGE_NOT_SATISFIABLE",
        422 => "VALIDATION_ERROR",
        429 => "RATE_LIMITED",
        500 => "INTERNAL_ERROR",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        other => return format!("HTTP_{}", other),
    }
    .to_string()
}

/// `Retry-After` as delta-seconds (an HTTP date is not parsed: Kizuna sends seconds).
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    let value = value?.trim();
    let secs: f64 = value.parse().ok()?;
    if secs.is_finite() && secs >= 0.0 {
        Some(Duration::from_secs_f64(secs.min(1e9)))
    } else {
        None
    }
}

/// The error for a response with status ≥ 400, whatever its body is.
pub(crate) fn from_response(status: u16, content_type: &str, body: &str, request_id: Option<String>, retry_after: Option<&str>, what: &str) -> Error {
    let envelope = if content_type.to_ascii_lowercase().contains("json") {
        serde_json::from_str::<Value>(body).ok().and_then(|v| match v {
            Value::Object(mut o) => match o.remove("error") {
                Some(Value::Object(e)) => Some(e),
                _ => None,
            },
            _ => None,
        })
    } else {
        None
    };
    let (code, message, details, request_id) = match envelope {
        Some(e) => {
            let code = e.get("code").and_then(Value::as_str).filter(|c| !c.is_empty()).map(str::to_string).unwrap_or_else(|| code_for_status(status));
            let message = e.get("message").and_then(Value::as_str).unwrap_or("").to_string();
            let details = match e.get("details") {
                Some(Value::Object(d)) => Value::Object(d.clone()),
                _ => Value::Object(Map::new()),
            };
            let rid = e.get("request_id").and_then(Value::as_str).map(str::to_string).or(request_id);
            (code, message, details, rid)
        }
        None => {
            let snippet: String = body.chars().take(200).collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
            let kind = content_type.split(';').next().unwrap_or("").trim();
            let kind = if kind.is_empty() { "no content type" } else { kind };
            let mut message = format!("HTTP {} from {} with a non-JSON body ({})", status, what, kind);
            if !snippet.is_empty() {
                message.push_str(&format!(": {:?}", snippet));
            }
            message.push_str(" — is base_url a Kizuna server, or is a proxy in front of it failing?");
            (code_for_status(status), message, Value::Object(Map::new()), request_id)
        }
    };
    if status == 429 || code == "RATE_LIMITED" {
        return Error::RateLimited { retry_after: parse_retry_after(retry_after), message, details, request_id };
    }
    Error::Api { status, code, message, details, request_id }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_read_and_classified() {
        let body = r#"{"error": {"code": "VALIDATION_ERROR", "message": "Invalid", "details": {"title": ["is required"]}, "request_id": "r1"}}"#;
        let err = from_response(422, "application/json", body, Some("hdr".into()), None, "POST /x");
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert_eq!(err.status(), Some(422));
        assert_eq!(err.code(), "VALIDATION_ERROR");
        assert_eq!(err.details()["title"][0], "is required");
        assert_eq!(err.request_id(), Some("r1"));
        let merge = from_response(405, "application/json", r#"{"error": {"code": "NOT_MERGEABLE", "message": "draft", "details": {}, "request_id": "r"}}"#, None, None, "x");
        assert_eq!(merge.kind(), ErrorKind::NotMergeable);
        let other405 = from_response(405, "application/json", r#"{"error": {"code": "METHOD_NOT_ALLOWED", "message": "no", "details": {}, "request_id": "r"}}"#, None, None, "x");
        assert_eq!(other405.kind(), ErrorKind::Other);
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let err = from_response(429, "application/json", r#"{"error": {"code": "RATE_LIMITED", "message": "slow down", "details": {}, "request_id": "r"}}"#, None, Some("17"), "GET /x");
        match &err {
            Error::RateLimited { retry_after, .. } => assert_eq!(*retry_after, Some(Duration::from_secs(17))),
            other => panic!("not RateLimited: {:?}", other),
        }
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert_eq!(err.status(), Some(429));
    }

    #[test]
    fn non_json_body_becomes_an_error_by_status() {
        let err = from_response(502, "text/html", "<html><body>Bad gateway</body></html>", Some("rid".into()), None, "GET /x");
        assert_eq!(err.kind(), ErrorKind::Server);
        assert_eq!(err.code(), "BAD_GATEWAY");
        assert!(err.message().contains("Bad gateway"), "{}", err.message());
        assert_eq!(err.request_id(), Some("rid"));
        assert!(err.details().as_object().unwrap().is_empty());
    }

    #[test]
    fn retry_after_parses_seconds_only() {
        assert_eq!(parse_retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(Some("0.5")), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after(Some("-1")), None);
        assert_eq!(parse_retry_after(Some("soon")), None);
        assert_eq!(parse_retry_after(None), None);
    }
}
