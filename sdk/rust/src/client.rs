//! `Client`: transport, errors, retries, rate-limit state, deprecation warnings and pagination.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{self, Error};

/// The API's path under the server's root.
pub const API_PREFIX: &str = "/api/v1";
const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// The `X-RateLimit-*` headers of the last response (docs/api.md §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    /// Epoch seconds when the window resets.
    pub reset: u64,
    pub used: Option<u64>,
    pub resource: Option<String>,
}

/// A deprecated operation the client called (docs/api.md §18): its `Deprecation`, `Sunset` and
/// `Link: …; rel="deprecation"` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    /// The SDK operation (`"issues.list"`) or, for [`Client::request`], `"METHOD /path"`.
    pub operation: String,
    /// `Deprecation: @<unix time>`.
    pub deprecation: String,
    /// `Sunset: <HTTP-date>`.
    pub sunset: Option<String>,
    /// The notes linked with `rel="deprecation"`.
    pub link: Option<String>,
}

type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;
type DeprecationHandler = Arc<dyn Fn(&Deprecation) + Send + Sync>;

/// A client for one Kizuna server. Cheap to clone (clones share the connection pool and state).
///
/// ```no_run
/// let token = std::env::var("KIZUNA_TOKEN").unwrap_or_default();
/// let c = kizuna_sdk::Client::new("https://kizuna.example.com", &token);
/// for repo in c.repos().list("my-org") {
///     println!("{}", repo?.full_name);
/// }
/// # Ok::<(), kizuna_sdk::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base_url: String,
    pub(crate) api_url: String,
    api_path: String,
    pub(crate) token: Option<String>,
    pub(crate) user_agent: String,
    config_error: Option<String>,
    agent: ureq::Agent,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) max_retry_wait: Duration,
    backoff: Duration,
    pub(crate) sleep: Sleeper,
    rate_limit: Mutex<Option<RateLimit>>,
    warned: Mutex<HashSet<String>>,
    deprecations: Mutex<Vec<Deprecation>>,
    on_deprecation: DeprecationHandler,
}

/// Settings for a [`Client`]; `Client::builder(base_url)`.
pub struct ClientBuilder {
    base_url: String,
    token: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    max_retry_wait: Duration,
    backoff: Duration,
    user_agent: Option<String>,
    sleep: Sleeper,
    on_deprecation: DeprecationHandler,
}

impl ClientBuilder {
    /// A personal (`kzp_…`), agent (`kza_…`) or deploy (`kzd_…`) token. Empty = anonymous.
    pub fn token(mut self, token: &str) -> Self {
        self.token = if token.is_empty() { None } else { Some(token.to_string()) };
        self
    }

    /// Whole-request timeout (default 30 s). Event streams use their own read timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How many times an idempotent call (GET, HEAD, PUT, DELETE) answered 429 or 5xx is retried
    /// (default 3; 0 turns retries off).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// A `Retry-After` longer than this is not waited for: the error is returned at once (default 60 s).
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    /// Backoff before the first retry when the server sends no `Retry-After`; doubles each time (default 0.5 s).
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = Some(user_agent.to_string());
        self
    }

    /// What waits between retries and reconnections (default `std::thread::sleep`); tests record instead.
    pub fn sleeper(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = Arc::new(sleep);
        self
    }

    /// Called once per deprecated operation (default: a warning on stderr).
    pub fn on_deprecation(mut self, handler: impl Fn(&Deprecation) + Send + Sync + 'static) -> Self {
        self.on_deprecation = Arc::new(handler);
        self
    }

    pub fn build(self) -> Client {
        let raw = self.base_url.trim();
        let mut root = raw.trim_end_matches('/').to_string();
        if root.ends_with(API_PREFIX) {
            root.truncate(root.len() - API_PREFIX.len());
        }
        let config_error = match split_url(&root) {
            Some((scheme, host, _)) if (scheme == "http" || scheme == "https") && !host.is_empty() => None,
            _ => Some(format!("base_url must be an http(s) URL such as 'https://kizuna.example.com', got {:?}", raw)),
        };
        let api_url = format!("{}{}", root, API_PREFIX);
        let api_path = split_url(&api_url).map(|(_, _, p)| p.to_string()).unwrap_or_else(|| API_PREFIX.to_string());
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(self.connect_timeout)
            .timeout(self.timeout)
            .redirects(0)
            .build();
        Client {
            inner: Arc::new(Inner {
                base_url: root,
                api_url,
                api_path,
                token: self.token,
                user_agent: self.user_agent.unwrap_or_else(|| format!("kizuna-sdk-rust/{}", env!("CARGO_PKG_VERSION"))),
                config_error,
                agent,
                connect_timeout: self.connect_timeout,
                max_retries: self.max_retries,
                max_retry_wait: self.max_retry_wait,
                backoff: self.backoff,
                sleep: self.sleep,
                rate_limit: Mutex::new(None),
                warned: Mutex::new(HashSet::new()),
                deprecations: Mutex::new(Vec::new()),
                on_deprecation: self.on_deprecation,
            }),
        }
    }
}

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

fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
}

/// `scheme://host[:port]/path?query` → (scheme, host, path-and-query), for absolute http(s) URLs.
fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let cut = rest.find(|c| c == '/' || c == '?' || c == '#').unwrap_or(rest.len());
    Some((scheme, &rest[..cut], &rest[cut..]))
}

/// `Link: <url>; rel="next", …` → the URL of `rel`.
pub(crate) fn link_rel(header: &str, rel: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let url = &after[..end];
        let params_end = after[end..].find('<').map(|i| end + i).unwrap_or(after.len());
        let params = &after[end + 1..params_end];
        for param in params.split(';') {
            if let Some((key, value)) = param.split_once('=') {
                if key.trim().eq_ignore_ascii_case("rel") && value.trim().trim_end_matches(',').trim().trim_matches('"').split_whitespace().any(|r| r == rel) {
                    return Some(url.to_string());
                }
            }
        }
        rest = &after[params_end..];
    }
    None
}

/// Percent-encodes one path segment (every byte but `A-Z a-z 0-9 - . _ ~`).
pub(crate) fn seg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}

/// A path that may hold `/` (branch names, file paths): each part percent-encoded.
pub(crate) fn subpath(value: &str) -> String {
    value.trim_matches('/').split('/').map(seg).collect::<Vec<_>>().join("/")
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
    /// A client for the server at `base_url` (its root, `https://kizuna.example.com`; a trailing
    /// `/api/v1` is accepted too) with `token` (empty = anonymous) and the default settings.
    pub fn new(base_url: &str, token: &str) -> Client {
        Client::builder(base_url).token(token).build()
    }

    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_string(),
            token: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_retries: 3,
            max_retry_wait: Duration::from_secs(60),
            backoff: Duration::from_millis(500),
            user_agent: None,
            sleep: Arc::new(std::thread::sleep),
            on_deprecation: Arc::new(|d: &Deprecation| {
                eprintln!(
                    "kizuna-sdk: warning: {} is deprecated (Deprecation: {}{}{})",
                    d.operation,
                    d.deprecation,
                    d.sunset.as_deref().map(|s| format!(", Sunset: {}", s)).unwrap_or_default(),
                    d.link.as_deref().map(|l| format!(", notes: {}", l)).unwrap_or_default(),
                )
            }),
        }
    }

    /// The server's root URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The `X-RateLimit-*` values of the last response that carried them.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.rate_limit.lock().map(|r| r.clone()).unwrap_or(None)
    }

    /// Deprecated operations this client called, each once (docs/api.md §18).
    pub fn deprecations(&self) -> Vec<Deprecation> {
        self.inner.deprecations.lock().map(|d| d.clone()).unwrap_or_default()
    }

    /// Calls any endpoint: `path` is relative to `/api/v1` (`"/user"`), `query` its parameters,
    /// `body` a JSON body. Returns the decoded JSON (`null` for 204, a string for a text body).
    ///
    /// Idempotent methods are retried on 429 and 5xx like every other call.
    pub fn request(&self, method: &str, path: &str, query: &[(&str, &str)], body: Option<&Value>) -> Result<Value, Error> {
        let method: &'static str = match method.to_ascii_uppercase().as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "PATCH" => "PATCH",
            "DELETE" => "DELETE",
            "HEAD" => "HEAD",
            "OPTIONS" => "OPTIONS",
            other => {
                return Err(Error::Connection { message: format!("unsupported HTTP method {:?}", other) });
            }
        };
        let path = if path.starts_with('/') { path.to_string() } else { format!("/{}", path) };
        let mut req = Req::new(&format!("{} {}", method, path.split('?').next().unwrap_or("")), method, path);
        req.query = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        req.body = body.cloned();
        self.send(req)?.json_value()
    }

    /// A lazy iterator over every item of the list endpoint at `path` (relative to `/api/v1`).
    pub fn paginate<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Pages<T> {
        let q = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Pages::new(self.clone(), &format!("GET {}", path), path.to_string(), q)
    }

    pub(crate) fn full_url(&self, path: &str) -> String {
        format!("{}{}", self.inner.api_url, path)
    }

    /// A next-page link, made relative to our own API root: the token never goes to another host.
    pub(crate) fn relative(&self, url: &str) -> String {
        let path = match split_url(url) {
            Some((_, _, p)) => p,
            None => url,
        };
        let api = self.inner.api_path.as_str();
        if let Some(rest) = path.strip_prefix(api) {
            return rest.to_string();
        }
        match path.find(API_PREFIX) {
            Some(i) => path[i + API_PREFIX.len()..].to_string(),
            None => path.to_string(),
        }
    }

    pub(crate) fn check_config(&self) -> Result<(), Error> {
        match &self.inner.config_error {
            Some(message) => Err(Error::Connection { message: message.clone() }),
            None => Ok(()),
        }
    }

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

    fn wait_for(&self, retry_after: Option<&str>, attempt: u32) -> Option<Duration> {
        match error::parse_retry_after(retry_after) {
            Some(after) if after <= self.inner.max_retry_wait => Some(after),
            Some(_) => None,
            None => Some(self.inner.backoff.saturating_mul(1u32 << attempt.min(16)).min(self.inner.max_retry_wait)),
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
            let retryable = status == 429 || status >= 500;
            if retryable && is_idempotent(req.method) && attempt < self.inner.max_retries {
                if let Some(wait) = self.wait_for(resp.header("Retry-After"), attempt) {
                    (self.inner.sleep)(wait);
                    attempt += 1;
                    continue;
                }
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

    pub(crate) fn get<T: DeserializeOwned>(&self, op: &str, path: String) -> Result<T, Error> {
        self.send(Req::new(op, "GET", path))?.decode()
    }

    pub(crate) fn call<T: DeserializeOwned, B: Serialize + ?Sized>(&self, op: &str, method: &'static str, path: String, body: Option<&B>) -> Result<T, Error> {
        let mut req = Req::new(op, method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        self.send(req)?.decode()
    }

    pub(crate) fn delete(&self, op: &str, path: String) -> Result<(), Error> {
        self.send(Req::new(op, "DELETE", path)).map(|_| ())
    }

    pub(crate) fn pages<T: DeserializeOwned>(&self, op: &str, path: String, query: Vec<(String, String)>) -> Pages<T> {
        Pages::new(self.clone(), op, path, query)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base_url", &self.inner.base_url).finish_non_exhaustive()
    }
}

/// A lazy iterator over every item of a list endpoint, page after page (following `Link: rel="next"`).
///
/// Nothing is fetched until the first `next()`; each page is fetched when the previous one is used
/// up. An error is yielded once and ends the iteration. Collect with
/// `.collect::<Result<Vec<_>, _>>()`.
pub struct Pages<T> {
    client: Client,
    op: String,
    next: Option<String>,
    query: Vec<(String, String)>,
    buf: std::vec::IntoIter<T>,
    total_count: Option<u64>,
    started: bool,
    done: bool,
}

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(client: Client, op: &str, path: String, query: Vec<(String, String)>) -> Pages<T> {
        let mut pages = Pages {
            client,
            op: op.to_string(),
            next: Some(path),
            query,
            buf: Vec::new().into_iter(),
            total_count: None,
            started: false,
            done: false,
        };
        if !pages.query.iter().any(|(k, _)| k == "per_page") {
            pages.query.push(("per_page".into(), "100".into()));
        }
        pages
    }

    /// Items per page (1–100; the SDK asks for 100 by default). Only before iterating.
    pub fn per_page(mut self, n: u32) -> Self {
        if !self.started {
            self.query.retain(|(k, _)| k != "per_page");
            self.query.push(("per_page".into(), n.to_string()));
        }
        self
    }

    /// `X-Total-Count`, once a page has been fetched.
    pub fn total_count(&self) -> Option<u64> {
        self.total_count
    }

    /// Fetches the next page; `None` when there is none.
    pub fn next_page(&mut self) -> Option<Result<Vec<T>, Error>> {
        if self.done {
            return None;
        }
        let path = match self.next.take() {
            Some(p) => p,
            None => {
                self.done = true;
                return None;
            }
        };
        self.started = true;
        let query = std::mem::take(&mut self.query);
        let result = self.client.send(Req::new(&self.op, "GET", path).query(query));
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        if let Some(total) = resp.header("X-Total-Count").and_then(|t| t.trim().parse().ok()) {
            self.total_count = Some(total);
        }
        match resp.json_value() {
            Ok(Value::Array(_)) => {}
            Ok(other) => {
                self.done = true;
                let kind = match other {
                    Value::Object(_) => "an object",
                    Value::Null => "nothing",
                    _ => "a scalar",
                };
                return Some(Err(Error::InvalidResponse { status: resp.status, message: format!("expected a JSON array from {}, got {}", resp.what, kind) }));
            }
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        }
        let items: Vec<T> = match resp.decode() {
            Ok(items) => items,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        self.next = resp.header("Link").and_then(|l| link_rel(l, "next")).map(|url| self.client.relative(&url));
        Some(Ok(items))
    }
}

impl<T: DeserializeOwned> Iterator for Pages<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buf.next() {
                return Some(Ok(item));
            }
            match self.next_page()? {
                Ok(items) => self.buf = items.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_is_parsed_like_github() {
        let h = r#"<http://h/api/v1/repos/o?page=2&labels=a,b>; rel="next", <http://h/api/v1/repos/o?page=5>; rel="last""#;
        assert_eq!(link_rel(h, "next").as_deref(), Some("http://h/api/v1/repos/o?page=2&labels=a,b"));
        assert_eq!(link_rel(h, "last").as_deref(), Some("http://h/api/v1/repos/o?page=5"));
        assert_eq!(link_rel(h, "prev"), None);
        assert_eq!(link_rel("", "next"), None);
        assert_eq!(link_rel("<https://x/notes>; rel=deprecation", "deprecation").as_deref(), Some("https://x/notes"));
    }

    #[test]
    fn next_links_stay_on_our_own_host() {
        let c = Client::new("http://127.0.0.1:9/", "");
        assert_eq!(c.relative("http://evil.example/api/v1/repos/o?page=2"), "/repos/o?page=2");
        let prefixed = Client::new("https://h.example/kizuna/api/v1", "t");
        assert_eq!(prefixed.base_url(), "https://h.example/kizuna");
        assert_eq!(prefixed.relative("https://h.example/kizuna/api/v1/x?page=3"), "/x?page=3");
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(seg("good first issue"), "good%20first%20issue");
        assert_eq!(seg("a/b?c#d%"), "a%2Fb%3Fc%23d%25");
        assert_eq!(seg("ok-._~9"), "ok-._~9");
        assert_eq!(subpath("/feature/x y/"), "feature/x%20y");
    }

    #[test]
    fn a_bad_base_url_fails_every_call_with_a_clear_error() {
        let c = Client::new("kizuna.example.com", "t");
        let err = c.request("GET", "/user", &[], None).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Connection);
        assert!(err.message().contains("base_url"), "{}", err);
    }
}
