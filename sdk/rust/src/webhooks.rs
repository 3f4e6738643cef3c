//! Webhook signature verification for both schemes Kizuna sends (docs/api.md §12).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::crypto::{base64, constant_time_eq, hex, hmac_sha256, hmac_sha256_parts};

/// Seconds of clock skew allowed for `webhook-timestamp`.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// A header as a `(name, value)` pair: `verify_signature` takes any iterable of them
/// (`&HashMap<String, String>`, `&[(&str, &str)]`, `Vec<(String, String)>`, …).
pub trait HeaderPair {
    fn name(&self) -> &str;
    fn value(&self) -> &str;
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderPair for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderPair for &(K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

/// `X-Kizuna-Signature` value: `sha256=<hex HMAC-SHA256 of the body>`.
pub fn sign_kizuna(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex(&hmac_sha256(secret.as_bytes(), body)))
}

/// One Standard Webhooks `webhook-signature` entry: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
pub fn sign_standard(secret: &str, msg_id: &str, timestamp: u64, body: &[u8]) -> String {
    let prefix = format!("{}.{}.", msg_id, timestamp);
    format!("v1,{}", base64(&hmac_sha256_parts(secret.as_bytes(), &[prefix.as_bytes(), body])))
}

/// True when the delivery's signatures match `secret`.
///
/// `body` must be the raw request body, byte for byte. Every scheme present in `headers` is
/// checked and must match: `X-Kizuna-Signature`, and the Standard Webhooks trio (`webhook-id`,
/// `webhook-timestamp` within ±5 minutes, `webhook-signature` with one or more space-separated
/// `v1,` entries, any of which may match — several during a secret rotation). Header names are
/// matched case-insensitively. No signature at all → false.
///
/// ```
/// let body = br#"{"event": "ping"}"#;
/// let headers = [("X-Kizuna-Signature", kizuna_sdk::sign_kizuna("s3cret", body))];
/// assert!(kizuna_sdk::verify_signature("s3cret", body, &headers));
/// assert!(!kizuna_sdk::verify_signature("wrong", body, &headers));
/// ```
pub fn verify_signature<H>(secret: &str, body: &[u8], headers: H) -> bool
where
    H: IntoIterator,
    H::Item: HeaderPair,
{
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    verify_signature_at(secret, body, headers, now, DEFAULT_TOLERANCE_SECS)
}

/// [`verify_signature`] at the given time (epoch seconds) with the given clock-skew tolerance.
pub fn verify_signature_at<H>(secret: &str, body: &[u8], headers: H, now: u64, tolerance_secs: u64) -> bool
where
    H: IntoIterator,
    H::Item: HeaderPair,
{
    let mut kizuna: Option<String> = None;
    let mut standard: Option<String> = None;
    let mut msg_id: Option<String> = None;
    let mut timestamp: Option<String> = None;
    for header in headers {
        let name = header.name().to_ascii_lowercase();
        let value = header.value().to_string();
        match name.as_str() {
            "x-kizuna-signature" => kizuna = Some(value),
            "webhook-signature" => standard = Some(value),
            "webhook-id" => msg_id = Some(value),
            "webhook-timestamp" => timestamp = Some(value),
            _ => {}
        }
    }
    let mut checked = false;
    if let Some(sig) = kizuna {
        if !constant_time_eq(sign_kizuna(secret, body).as_bytes(), sig.trim().as_bytes()) {
            return false;
        }
        checked = true;
    }
    if let Some(sigs) = standard {
        let msg_id = match msg_id {
            Some(id) if !id.is_empty() => id,
            _ => return false,
        };
        let ts = timestamp.unwrap_or_default();
        let ts = ts.trim();
        if ts.is_empty() || !ts.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let ts: u64 = match ts.parse() {
            Ok(t) => t,
            Err(_) => return false,
        };
        if now.abs_diff(ts) > tolerance_secs {
            return false;
        }
        let expected = sign_standard(secret, &msg_id, ts, body);
        if !sigs.split_whitespace().filter(|e| e.starts_with("v1,")).any(|e| constant_time_eq(expected.as_bytes(), e.as_bytes())) {
            return false;
        }
        checked = true;
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const BODY: &[u8] = br#"{"event":"ping","action":null}"#;

    #[test]
    fn kizuna_scheme() {
        let sig = sign_kizuna("s3cret", BODY);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify_signature("s3cret", BODY, &[("X-Kizuna-Signature", sig.as_str())]));
        assert!(verify_signature("s3cret", BODY, vec![("x-kizuna-signature".to_string(), sig.clone())]));
        assert!(!verify_signature("other", BODY, &[("X-Kizuna-Signature", sig.as_str())]));
        assert!(!verify_signature("s3cret", b"{}", &[("X-Kizuna-Signature", sig.as_str())]));
    }

    #[test]
    fn standard_webhooks_scheme_with_rotation_and_skew() {
        let ts = 1_700_000_000u64;
        let sig = sign_standard("s3cret", "msg_1", ts, BODY);
        let mut headers = HashMap::new();
        headers.insert("webhook-id".to_string(), "msg_1".to_string());
        headers.insert("webhook-timestamp".to_string(), ts.to_string());
        headers.insert("webhook-signature".to_string(), format!("v1,bm90LWl0 {}", sig));
        assert!(verify_signature_at("s3cret", BODY, &headers, ts + 299, 300));
        assert!(!verify_signature_at("s3cret", BODY, &headers, ts + 301, 300), "outside the skew window");
        assert!(!verify_signature_at("s3cret", BODY, &headers, ts - 301, 300));
        assert!(!verify_signature_at("nope", BODY, &headers, ts, 300));
        headers.remove("webhook-id");
        assert!(!verify_signature_at("s3cret", BODY, &headers, ts, 300));
    }

    #[test]
    fn standard_signature_equals_an_independent_computation() {
        // python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b"s3cret",
        //   b"msg_1.1700000000." + b"{\"event\":\"ping\",\"action\":null}", hashlib.sha256).digest()).decode())'
        assert_eq!(sign_standard("s3cret", "msg_1", 1_700_000_000, BODY), "v1,He4BolK9aTvCwtZDijfd5+OAunWw/xhHACHYWucSQ+Q=");
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"s3cret", b"{\"event\":\"ping\",\"action\":null}", hashlib.sha256).hexdigest())'
        assert_eq!(sign_kizuna("s3cret", BODY), "sha256=d7b1944e74a33fe8c1dc75b4cb743afe9d1cfd07f40db2a4668efc0efbbca4de");
    }

    #[test]
    fn both_schemes_must_match_when_both_are_sent() {
        let ts = 1_700_000_000u64;
        let good_std = sign_standard("s3cret", "m", ts, BODY);
        let t = ts.to_string();
        let both_good = [("X-Kizuna-Signature", sign_kizuna("s3cret", BODY)), ("webhook-id", "m".into()), ("webhook-timestamp", t.clone()), ("webhook-signature", good_std.clone())];
        assert!(verify_signature_at("s3cret", BODY, &both_good, ts, 300));
        let bad_kizuna = [("X-Kizuna-Signature", "sha256=00".to_string()), ("webhook-id", "m".into()), ("webhook-timestamp", t), ("webhook-signature", good_std)];
        assert!(!verify_signature_at("s3cret", BODY, &bad_kizuna, ts, 300));
    }

    #[test]
    fn no_signature_is_not_verified() {
        let none: [(&str, &str); 1] = [("Content-Type", "application/json")];
        assert!(!verify_signature("s3cret", BODY, &none));
    }
}
