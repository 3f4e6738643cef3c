//! One HTTP exchange: the request as the SDK builds it, the answer read in full, and `send`, which
//! sets the headers, notes rate limits and deprecations, retries (see `retry`) and turns an
//! answer ≥ 400 into an `Error`.

use std::io::Read;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::urls::link_rel;
use super::{Client, Deprecation, RateLimit};
use crate::error::{self, Error};

const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// One HTTP exchange as the SDK sends it.
pub(crate) struct Req {
    pub op: String,
    pub method: &'static str,
    /// Relative to the API root (`/repos/o/r`); may carry a query string already (next-page links).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Req {
    pub fn new(op: &str, method: &'static str, path: String) -> Req {
        Req { op: op.to_string(), method, path, query: Vec::new(), body: None, headers: Vec::new() }
    }

    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Req {
        self.body = Some(serde_json::to_value(body).unwrap_or(Value::Null));
        self
    }

    pub fn query(mut self, query: Vec<(String, String)>) -> Req {
        self.query = query;
        self
    }
}

/// A response read in full.
pub(crate) struct Resp {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub what: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// The body as JSON (`null` for an empty body, a string for `text/plain`).
    pub fn json_value(&self) -> Result<Value, Error> {
        if self.status == 204 || self.body.is_empty() {
            return Ok(Value::Null);
        }
        let ct = self.content_type().to_ascii_lowercase();
        if ct.contains("json") {
            return serde_json::from_slice(&self.body).map_err(|e| Error::InvalidResponse {
                status: self.status,
                message: format!("invalid JSON from {}: {}", self.what, e),
            });
        }
        if ct.starts_with("text/plain") {
            return Ok(Value::String(String::from_utf8_lossy(&self.body).into_owned()));
        }
        Err(Error::InvalidResponse {
            status: self.status,
            message: format!(
                "expected JSON from {}, got {} — is base_url a Kizuna server?",
                self.what,
                if ct.is_empty() { "no content type".to_string() } else { ct }
            ),
        })
    }

    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let value = self.json_value()?;
        serde_json::from_value(value).map_err(|e| Error::InvalidResponse {
            status: self.status,
            message: format!("unexpected JSON from {}: {}", self.what, e),
        })
    }
}

fn transport_error(err: ureq::Transport, what: &str, base_url: &str) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) {
                return Error::Timeout { message: format!("{} timed out; the server did not answer in time", what) };
            }
        }
        source = s.source();
    }
    Error::Connection { message: format!("cannot reach Kizuna at {} ({}); check base_url", base_url, err) }
}

impl Client {
    pub(crate) fn apply_headers(&self, mut request: ureq::Request) -> ureq::Request {
        request = request.set("User-Agent", &self.inner.user_agent);
        if let Some(token) = &self.inner.token {
            request = request.set("Authorization", &format!("Bearer {}", token));
        }
        request
    }

    pub(crate) fn note_response(&self, op: &str, response: &ureq::Response) {
        if let (Some(limit), Some(remaining), Some(reset)) = (
            response.header("X-RateLimit-Limit").and_then(|v| v.trim().parse().ok()),
            response.header("X-RateLimit-Remaining").and_then(|v| v.trim().parse().ok()),
            response.header("X-RateLimit-Reset").and_then(|v| v.trim().parse().ok()),
        ) {
            let rate = RateLimit {
                limit,
                remaining,
                reset,
                used: response.header("X-RateLimit-Used").and_then(|v| v.trim().parse().ok()),
                resource: response.header("X-RateLimit-Resource").map(str::to_string),
            };
            if let Ok(mut slot) = self.inner.rate_limit.lock() {
                *slot = Some(rate);
            }
        }
        if let Some(deprecation) = response.header("Deprecation") {
            let first = self.inner.warned.lock().map(|mut w| w.insert(op.to_string())).unwrap_or(false);
            if first {
                let link = response.all("Link").iter().find_map(|l| link_rel(l, "deprecation"));
                let d = Deprecation {
                    operation: op.to_string(),
                    deprecation: deprecation.to_string(),
                    sunset: response.header("Sunset").map(str::to_string),
                    link,
                };
                if let Ok(mut all) = self.inner.deprecations.lock() {
                    all.push(d.clone());
                }
                (self.inner.on_deprecation)(&d);
            }
        }
    }

    /// Sends `req`, retrying idempotent calls on 429/5xx; an answer ≥ 400 becomes an `Error`.
    pub(crate) fn send(&self, req: Req) -> Result<Resp, Error> {
        self.check_config()?;
        let url = self.full_url(&req.path);
        let what = format!("{} {}", req.method, url);
        let body = req.body.as_ref().map(|b| b.to_string());
        let mut attempt = 0;
        loop {
            let mut request = self.apply_headers(self.inner.agent.request(req.method, &url));
            if !req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept")) {
                request = request.set("Accept", "application/json");
            }
            for (k, v) in &req.headers {
                request = request.set(k, v);
            }
            for (k, v) in &req.query {
                request = request.query(k, v);
            }
            let result = match (&body, req.method) {
                (Some(b), _) => request.set("Content-Type", "application/json").send_string(b),
                (None, "POST") | (None, "PUT") | (None, "PATCH") => request.send_bytes(&[]),
                (None, _) => request.call(),
            };
            let response = match result {
                Ok(r) => r,
                Err(ureq::Error::Status(_, r)) => r,
                Err(ureq::Error::Transport(t)) => return Err(transport_error(t, &what, &self.inner.base_url)),
            };
            self.note_response(&req.op, &response);
            let status = response.status();
            let headers: Vec<(String, String)> = response
                .headers_names()
                .into_iter()
                .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_string())))
                .collect();
            let mut bytes = Vec::new();
            if let Err(e) = response.into_reader().take(MAX_BODY_BYTES).read_to_end(&mut bytes) {
                let message = format!("reading the answer to {}: {}", what, e);
                return Err(if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) {
                    Error::Timeout { message }
                } else {
                    Error::Connection { message }
                });
            }
            let resp = Resp { status, headers, body: bytes, what: what.clone() };
            if status < 400 {
                return Ok(resp);
            }
            if let Some(wait) = self.retry_wait(req.method, status, resp.header("Retry-After"), attempt) {
                (self.inner.sleep)(wait);
                attempt += 1;
                continue;
            }
            let text = String::from_utf8_lossy(&resp.body);
            return Err(error::from_response(
                status,
                resp.content_type(),
                &text,
                resp.header("X-Request-Id").map(str::to_string),
                resp.header("Retry-After"),
                &what,
            ));
        }
    }
}
