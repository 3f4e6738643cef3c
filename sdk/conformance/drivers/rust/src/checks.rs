//! A step's `expect`, judged against its outcome.

use serde_json::{Map, Value};

use crate::json::{matches, shown};
use crate::{step_err, Outcome, StepError};

pub fn judge(expect: &Map<String, Value>, outcome: &Outcome) -> Result<Option<String>, StepError> {
    const KNOWN: [&str; 12] = ["error", "status", "code", "details", "retry_after_min", "result", "length", "length_min", "contains", "excludes", "unique", "increasing"];
    let unknown: Vec<&String> = expect.keys().filter(|k| !KNOWN.contains(&k.as_str())).collect();
    if !unknown.is_empty() {
        return step_err(format!("unknown expect keys {:?}", unknown));
    }
    let (ok, value) = match outcome {
        Ok(v) => (true, v),
        Err(v) => (false, v),
    };
    let show = shown(value, 600);
    if let Some(class) = expect.get("error") {
        if ok {
            return Ok(Some(format!("expected error {}, got result {}", class, show)));
        }
        if value.get("class") != Some(class) {
            return Ok(Some(format!("expected error {}, got {}", class, show)));
        }
        for key in ["status", "code"] {
            if let Some(want) = expect.get(key) {
                if !matches(want, value.get(key).unwrap_or(&Value::Null)) {
                    return Ok(Some(format!("expected {} {}, got {}", key, want, show)));
                }
            }
        }
        if let Some(want) = expect.get("details") {
            if !matches(want, value.get("details").unwrap_or(&Value::Null)) {
                return Ok(Some(format!("details do not match {}: {}", want, show)));
            }
        }
        if let Some(min) = expect.get("retry_after_min").and_then(Value::as_f64) {
            match value.get("retry_after").and_then(Value::as_f64) {
                Some(after) if after >= min => {}
                _ => return Ok(Some(format!("expected retry_after ≥ {}, got {}", min, show))),
            }
        }
    } else if !ok {
        return Ok(Some(format!("expected success, got error {}", show)));
    }
    if !ok {
        return Ok(None);
    }
    if let Some(want) = expect.get("result") {
        if !matches(want, value) {
            return Ok(Some(format!("result does not match {}: {}", shown(want, 400), show)));
        }
    }
    let listy = ["length", "length_min", "contains", "excludes", "unique", "increasing"].iter().any(|k| expect.contains_key(*k));
    if !listy {
        return Ok(None);
    }
    let items = match value {
        Value::Array(items) => items,
        _ => return Ok(Some(format!("expected an array, got {}", show))),
    };
    if let Some(n) = expect.get("length").and_then(Value::as_u64) {
        if items.len() as u64 != n {
            return Ok(Some(format!("expected {} items, got {}: {}", n, items.len(), show)));
        }
    }
    if let Some(n) = expect.get("length_min").and_then(Value::as_u64) {
        if (items.len() as u64) < n {
            return Ok(Some(format!("expected at least {} items, got {}: {}", n, items.len(), show)));
        }
    }
    if let Some(Value::Array(patterns)) = expect.get("contains") {
        for p in patterns {
            if !items.iter().any(|i| matches(p, i)) {
                return Ok(Some(format!("no item matches {}: {}", p, show)));
            }
        }
    }
    if let Some(Value::Array(patterns)) = expect.get("excludes") {
        for p in patterns {
            if items.iter().any(|i| matches(p, i)) {
                return Ok(Some(format!("an item matches {}: {}", p, show)));
            }
        }
    }
    if let Some(Value::String(field)) = expect.get("unique") {
        let mut seen = std::collections::HashSet::new();
        for item in items {
            if !seen.insert(item.get(field).cloned().unwrap_or(Value::Null).to_string()) {
                return Ok(Some(format!("repeated {}: {}", field, show)));
            }
        }
    }
    if let Some(Value::String(field)) = expect.get("increasing") {
        let keys: Vec<Option<f64>> = items.iter().map(|i| i.get(field).and_then(Value::as_f64)).collect();
        for pair in keys.windows(2) {
            match (pair[0], pair[1]) {
                (Some(a), Some(b)) if a < b => {}
                _ => return Ok(Some(format!("{} does not strictly increase: {:?}", field, keys))),
            }
        }
    }
    Ok(None)
}
