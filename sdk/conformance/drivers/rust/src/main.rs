//! Conformance driver for the Rust SDK (sdk/conformance/README.md).
//!
//!     cargo run --offline --quiet --manifest-path sdk/conformance/drivers/rust/Cargo.toml -- CONFIG.json SCENARIO.json [...]
//!
//! One JSON line per step on stdout; diagnostics on stderr. Exit 0 when every step passed.
//!
//! Layout: `runner` runs scenarios step by step; `calls` maps a step's call to the SDK, one module
//! per group of calls; `args` takes the call's arguments; `results` turns what the SDK returns into
//! JSON; `json` substitutes names and matches patterns; `checks` judges the step's `expect`.

mod args;
mod calls;
mod checks;
mod json;
mod results;
mod runner;

use serde_json::Value;

use runner::Driver;

/// The step cannot be expressed or judged (unknown call, argument or name).
#[derive(Debug)]
pub struct StepError(String);

fn step_err<T>(message: impl Into<String>) -> Result<T, StepError> {
    Err(StepError(message.into()))
}

/// What a call gave: its result, or the error as JSON (`results::error_json`).
type Outcome = Result<Value, Value>;

/// A JSON file (the config, a scenario), or why it cannot be read.
fn read_json(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.len() < 2 {
        eprintln!("usage: kizuna-conformance-rust CONFIG.json SCENARIO.json [...]");
        std::process::exit(2);
    }
    let config = match read_json(&argv[0]) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("rust driver: cannot read the config {}: {}", argv[0], e);
            std::process::exit(2);
        }
    };
    let mut driver = Driver::new(config);
    let mut ok = true;
    for path in &argv[1..] {
        ok &= driver.run(path);
    }
    std::process::exit(if ok { 0 } else { 1 });
}
