//! `Client`: one Kizuna server's settings and shared state, and the calls the resource groups
//! make. Building it is in `builder`, sending and reading in `transport`, the retry policy in
//! `retry`, pagination in `pages`, URL and `Link` helpers in `urls`.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

mod builder;
mod pages;
mod retry;
mod transport;
mod urls;

pub use builder::ClientBuilder;
pub use pages::Pages;
pub(crate) use transport::Req;
pub(crate) use urls::{seg, subpath};

use urls::split_url;

/// The API's path under the server's root.
pub const API_PREFIX: &str = "/api/v1";

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

impl Client {
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
        req.query = owned_query(query);
        req.body = body.cloned();
        self.send(req)?.json_value()
    }

    /// A lazy iterator over every item of the list endpoint at `path` (relative to `/api/v1`).
    pub fn paginate<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Pages<T> {
        Pages::new(self.clone(), &format!("GET {}", path), path.to_string(), owned_query(query))
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

    /// A POST without a body: an action on a resource (`…/ready`, `…/cancel`, `…/ping`).
    pub(crate) fn post<T: DeserializeOwned>(&self, op: &str, path: String) -> Result<T, Error> {
        self.send(Req::new(op, "POST", path))?.decode()
    }

    pub(crate) fn delete(&self, op: &str, path: String) -> Result<(), Error> {
        self.send(Req::new(op, "DELETE", path)).map(|_| ())
    }

    pub(crate) fn pages<T: DeserializeOwned>(&self, op: &str, path: String, query: Vec<(String, String)>) -> Pages<T> {
        Pages::new(self.clone(), op, path, query)
    }
}

fn owned_query(query: &[(&str, &str)]) -> Vec<(String, String)> {
    query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base_url", &self.inner.base_url).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_stay_on_our_own_host() {
        let c = Client::new("http://127.0.0.1:9/", "");
        assert_eq!(c.relative("http://evil.example/api/v1/repos/o?page=2"), "/repos/o?page=2");
        let prefixed = Client::new("https://h.example/kizuna/api/v1", "t");
        assert_eq!(prefixed.base_url(), "https://h.example/kizuna");
        assert_eq!(prefixed.relative("https://h.example/kizuna/api/v1/x?page=3"), "/x?page=3");
    }

    #[test]
    fn a_bad_base_url_fails_every_call_with_a_clear_error() {
        let c = Client::new("kizuna.example.com", "t");
        let err = c.request("GET", "/user", &[], None).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Connection);
        assert!(err.message().contains("base_url"), "{}", err);
    }
}
