//! When a failed call is tried again: idempotent methods only, on 429 and 5xx, after the
//! server's `Retry-After` or an exponential backoff.

use std::time::Duration;

use super::Client;
use crate::error;

fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
}

impl Client {
    /// How long to wait before trying `method` again after an answer `status` (failed `attempt`
    /// times already), or `None` if it is not retried: the error stands.
    pub(super) fn retry_wait(&self, method: &str, status: u16, retry_after: Option<&str>, attempt: u32) -> Option<Duration> {
        let retryable = status == 429 || status >= 500;
        if !(retryable && is_idempotent(method) && attempt < self.inner.max_retries) {
            return None;
        }
        self.wait_for(retry_after, attempt)
    }

    /// `Retry-After` if the server sent one we are willing to wait for, else the doubling backoff.
    fn wait_for(&self, retry_after: Option<&str>, attempt: u32) -> Option<Duration> {
        match error::parse_retry_after(retry_after) {
            Some(after) if after <= self.inner.max_retry_wait => Some(after),
            Some(_) => None,
            None => Some(self.inner.backoff.saturating_mul(1u32 << attempt.min(16)).min(self.inner.max_retry_wait)),
        }
    }
}
