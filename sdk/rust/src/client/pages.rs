//! `Pages`: the lazy iterator over a list endpoint, following `Link: rel="next"`.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::urls::link_rel;
use super::{Client, Req};
use crate::error::Error;

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
        let result = self.fetch(path);
        if result.is_err() {
            self.done = true;
        }
        Some(result)
    }

    /// One page at `path`: its items, its `X-Total-Count`, and the link to the next one.
    fn fetch(&mut self, path: String) -> Result<Vec<T>, Error> {
        let query = std::mem::take(&mut self.query);
        let resp = self.client.send(Req::new(&self.op, "GET", path).query(query))?;
        if let Some(total) = resp.header("X-Total-Count").and_then(|t| t.trim().parse().ok()) {
            self.total_count = Some(total);
        }
        let kind = match resp.json_value()? {
            Value::Array(_) => None,
            Value::Object(_) => Some("an object"),
            Value::Null => Some("nothing"),
            _ => Some("a scalar"),
        };
        if let Some(kind) = kind {
            return Err(Error::InvalidResponse { status: resp.status, message: format!("expected a JSON array from {}, got {}", resp.what, kind) });
        }
        let items: Vec<T> = resp.decode()?;
        self.next = resp.header("Link").and_then(|l| link_rel(l, "next")).map(|url| self.client.relative(&url));
        Ok(items)
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
