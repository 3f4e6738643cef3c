//! Names in scenario values (`${name.path}`), and patterns matched against results.

use serde_json::{Map, Value};

use crate::{step_err, StepError};

pub fn lookup(names: &Map<String, Value>, reference: &str) -> Result<Value, StepError> {
    let mut parts = reference.split('.');
    let head = parts.next().unwrap_or("");
    let mut value = match names.get(head) {
        Some(v) => v,
        None => return step_err(format!("unknown name ${{{}}}", reference)),
    };
    for part in parts {
        let next = match value {
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(part),
            _ => None,
        };
        value = match next {
            Some(v) => v,
            None => {
                let shown: String = value.to_string().chars().take(200).collect();
                return step_err(format!("${{{}}}: no {:?} in {}", reference, part, shown));
            }
        };
    }
    Ok(value.clone())
}

pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

pub fn substitute(value: &Value, names: &Map<String, Value>) -> Result<Value, StepError> {
    Ok(match value {
        Value::String(s) => {
            if s.starts_with("${") && s.ends_with('}') && s[2..s.len() - 1].find(|c| c == '}' || c == '$').is_none() && s.len() > 3 {
                return lookup(names, &s[2..s.len() - 1]);
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let after = &rest[start + 2..];
                match after.find('}') {
                    Some(end) => {
                        out.push_str(&rest[..start]);
                        out.push_str(&text(&lookup(names, &after[..end])?));
                        rest = &after[end + 1..];
                    }
                    None => break,
                }
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, names)).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), substitute(v, names)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

pub fn matches(pattern: &Value, actual: &Value) -> bool {
    match pattern {
        Value::String(s) if s == "$any" => true,
        Value::String(s) if s == "$nonnull" => !actual.is_null(),
        Value::Object(p) => match actual {
            Value::Object(a) => p.iter().all(|(k, v)| a.get(k).map_or(false, |x| matches(v, x))),
            _ => false,
        },
        Value::Array(p) => match actual {
            Value::Array(a) => p.len() == a.len() && p.iter().zip(a).all(|(x, y)| matches(x, y)),
            _ => false,
        },
        Value::Number(p) => match actual {
            Value::Number(a) => p.as_f64() == a.as_f64(),
            _ => false,
        },
        other => other == actual,
    }
}

pub fn shown(value: &Value, limit: usize) -> String {
    value.to_string().chars().take(limit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitution_keeps_types_and_formats_text() {
        let names = json!({"issue": {"number": 7, "labels": [{"name": "bug"}]}, "unique": "go-1"}).as_object().cloned().unwrap();
        assert_eq!(substitute(&json!("${issue.number}"), &names).unwrap(), json!(7));
        assert_eq!(substitute(&json!("Bug ${unique} #${issue.number}"), &names).unwrap(), json!("Bug go-1 #7"));
        assert_eq!(substitute(&json!({"a": ["${issue.labels.0.name}"]}), &names).unwrap(), json!({"a": ["bug"]}));
        assert!(substitute(&json!("${nope}"), &names).is_err());
    }

    #[test]
    fn patterns_match_like_the_readme_says() {
        assert!(matches(&json!({"a": 1}), &json!({"a": 1.0, "b": 2})));
        assert!(!matches(&json!({"a": "$any"}), &json!({"b": 2})));
        assert!(matches(&json!({"a": "$any"}), &json!({"a": null})));
        assert!(!matches(&json!({"a": "$nonnull"}), &json!({"a": null})));
        assert!(!matches(&json!([1]), &json!([1, 2])));
        assert!(!matches(&json!(true), &json!(1)));
    }
}
