//! A step's call made with the SDK: one module per group of calls, named by the call's prefix.

mod agents;
mod events;
mod issues;
mod pipelines;
mod pulls;
mod raw;
mod repos;
mod webhooks;

use kizuna_sdk::Client;

use crate::args::Args;
use crate::{step_err, Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    let group = name.split_once('.').map_or("", |(group, _)| group);
    match (group, name) {
        (_, "request") => raw::request(c, a),
        (_, "verify_signature") => raw::verify(a),
        ("orgs", _) | ("repos", _) => repos::call(c, name, a),
        ("issues", _) | ("comments", _) | ("labels", _) | ("milestones", _) => issues::call(c, name, a),
        ("pulls", _) => pulls::call(c, name, a),
        ("agents", _) => agents::call(c, name, a),
        ("pipelines", _) => pipelines::call(c, name, a),
        ("webhooks", _) => webhooks::call(c, name, a),
        ("events", _) => events::call(c, name, a),
        _ => unknown(name),
    }
}

fn unknown(name: &str) -> Result<Outcome, StepError> {
    step_err(format!("unknown call {:?}", name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_unknown_call_is_a_step_error_whatever_its_group() {
        // Nothing listens there: an unknown call must fail before any request.
        let c = Client::new("http://127.0.0.1:9", "");
        for name in ["nope", "orgs.nope", "webhooks.nope", "request.nope", "events"] {
            let mut a = Args::new(json!({"org": "acme"}).as_object().cloned().unwrap());
            match call(&c, name, &mut a) {
                Err(StepError(e)) => assert_eq!(e, format!("unknown call {:?}", name)),
                Ok(out) => panic!("{} gave {:?}", name, out),
            }
        }
    }
}
