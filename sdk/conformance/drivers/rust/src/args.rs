//! A step's arguments, taken one by one so that any left over is an error.

use serde_json::{Map, Value};

use crate::json::text;
use crate::{step_err, Outcome, StepError};

pub struct Args {
    values: Map<String, Value>,
}

impl Args {
    pub fn new(values: Map<String, Value>) -> Args {
        Args { values }
    }
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    pub fn req(&mut self, name: &str) -> Result<Value, StepError> {
        match self.take(name) {
            Some(v) => Ok(v),
            None => step_err(format!("missing argument {:?}", name)),
        }
    }

    pub fn req_str(&mut self, name: &str) -> Result<String, StepError> {
        let v = self.req(name)?;
        as_string(name, &v)
    }

    pub fn req_u64(&mut self, name: &str) -> Result<u64, StepError> {
        let v = self.req(name)?;
        as_u64(name, &v)
    }

    pub fn opt_str(&mut self, name: &str) -> Result<Option<String>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => as_string(name, &v).map(Some),
        }
    }

    pub fn opt_u64(&mut self, name: &str) -> Result<Option<u64>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => as_u64(name, &v).map(Some),
        }
    }

    pub fn opt_bool(&mut self, name: &str) -> Result<Option<bool>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(v) => step_err(format!("argument {:?} must be a boolean, got {}", name, v)),
        }
    }

    pub fn opt_strs(&mut self, name: &str) -> Result<Option<Vec<String>>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items.iter().map(|v| as_string(name, v)).collect::<Result<Vec<_>, _>>().map(Some),
            Some(Value::String(s)) => Ok(Some(s.split(',').map(str::to_string).collect())),
            Some(v) => step_err(format!("argument {:?} must be a list of strings, got {}", name, v)),
        }
    }

    /// A list that must be there (`labels`, `events`).
    pub fn req_strs(&mut self, name: &str) -> Result<Vec<String>, StepError> {
        match self.opt_strs(name)? {
            Some(items) => Ok(items),
            None => step_err(format!("missing argument {:?}", name)),
        }
    }

    /// An object such as `params`; absent or null → empty.
    pub fn opt_object(&mut self, name: &str) -> Result<Map<String, Value>, StepError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(v) => object(name, v),
        }
    }

    pub fn req_object(&mut self, name: &str) -> Result<Map<String, Value>, StepError> {
        let v = self.req(name)?;
        object(name, v)
    }

    /// A small integer such as `trust_level`, capped at 255.
    pub fn opt_u8(&mut self, name: &str) -> Result<Option<u8>, StepError> {
        Ok(self.opt_u64(name)?.map(|n| n.min(255) as u8))
    }

    /// `org` and `repo`, which most calls start with.
    pub fn repo(&mut self) -> Result<(String, String), StepError> {
        Ok((self.req_str("org")?, self.req_str("repo")?))
    }

    /// `org`, `repo` and the integer that names something in the repository (`number`, `comment_id`, …).
    pub fn in_repo(&mut self, id: &str) -> Result<(String, String, u64), StepError> {
        Ok((self.req_str("org")?, self.req_str("repo")?, self.req_u64(id)?))
    }

    /// Absent → None; `null` → Some(None) (the field is sent as null).
    pub fn nullable_u64(&mut self, name: &str) -> Result<Option<Option<u64>>, StepError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => as_u64(name, &v).map(|n| Some(Some(n))),
        }
    }

    pub fn nullable_str(&mut self, name: &str) -> Result<Option<Option<String>>, StepError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => as_string(name, &v).map(|s| Some(Some(s))),
        }
    }

    /// Rejects any argument left over, then makes the call: nothing is sent for a step that
    /// cannot be expressed.
    pub fn then(&self, call: impl FnOnce() -> Outcome) -> Result<Outcome, StepError> {
        self.done()?;
        Ok(call())
    }

    pub fn done(&self) -> Result<(), StepError> {
        if self.values.is_empty() {
            Ok(())
        } else {
            step_err(format!("unknown arguments {:?}", self.values.keys().collect::<Vec<_>>()))
        }
    }
}

fn object(name: &str, v: Value) -> Result<Map<String, Value>, StepError> {
    match v {
        Value::Object(map) => Ok(map),
        other => step_err(format!("{} must be an object, got {}", name, other)),
    }
}

fn as_string(name: &str, v: &Value) -> Result<String, StepError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(text(&Value::Number(n.clone()))),
        _ => step_err(format!("argument {:?} must be a string, got {}", name, v)),
    }
}

fn as_u64(name: &str, v: &Value) -> Result<u64, StepError> {
    match v {
        Value::Number(n) => match n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64)) {
            Some(n) => Ok(n),
            None => step_err(format!("argument {:?} must be a non-negative integer, got {}", name, v)),
        },
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Ok(s.parse().unwrap_or(0)),
        _ => step_err(format!("argument {:?} must be an integer, got {}", name, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Args {
        Args::new(v.as_object().cloned().unwrap())
    }

    #[test]
    fn a_left_over_argument_stops_the_call_before_it_is_made() {
        let mut a = args(json!({"org": "acme", "extra": 1}));
        assert_eq!(a.req_str("org").unwrap(), "acme");
        let mut called = false;
        assert!(a.then(|| {
            called = true;
            Ok(Value::Null)
        })
        .is_err());
        assert!(!called);
    }

    #[test]
    fn repository_arguments_and_lists() {
        let mut a = args(json!({"org": "acme", "repo": "web", "number": "7", "labels": "bug,ui", "trust_level": 900}));
        assert_eq!(a.in_repo("number").unwrap(), ("acme".to_string(), "web".to_string(), 7));
        assert_eq!(a.req_strs("labels").unwrap(), vec!["bug", "ui"]);
        assert_eq!(a.opt_u8("trust_level").unwrap(), Some(255));
        assert!(a.req_strs("events").is_err());
        assert!(a.done().is_ok());
    }
}
