//! `ClientBuilder`: a client's settings, and the defaults of `Client::new`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::urls::split_url;
use super::{Client, Deprecation, DeprecationHandler, Inner, Sleeper, API_PREFIX};

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
}
