//! `request` (any path, through the SDK's own request) and `verify_signature` (no server).

use kizuna_sdk::*;
use serde_json::Value;

use crate::args::Args;
use crate::json::text;
use crate::results::one;
use crate::{Outcome, StepError};

pub fn verify(a: &mut Args) -> Result<Outcome, StepError> {
    let secret = a.req_str("secret")?;
    let body = a.req_str("body")?;
    let headers: Vec<(String, String)> = a.req_object("headers")?.into_iter().map(|(k, v)| (k, text(&v))).collect();
    a.then(|| Ok(Value::Bool(verify_signature(&secret, body.as_bytes(), &headers))))
}

pub fn request(c: &Client, a: &mut Args) -> Result<Outcome, StepError> {
    let method = a.req_str("method")?;
    let path = a.req_str("path")?;
    // A null parameter is left out of the query.
    let params: Vec<(String, String)> = a.opt_object("params")?.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, text(&v))).collect();
    let body = a.take("json");
    let query: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    a.then(|| one(c.request(&method, &path, &query, body.as_ref())))
}
