//! `pipelines.*`.

use kizuna_sdk::*;

use super::unknown;
use crate::args::Args;
use crate::json::text;
use crate::results::{all, one};
use crate::{Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    match name {
        "pipelines.list" => {
            let (org, repo) = a.repo()?;
            let o = PipelineListOptions { status: a.opt_str("status")?, ref_: a.opt_str("ref")?, sha: a.opt_str("sha")?, trigger: a.opt_str("trigger")? };
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.pipelines().list_with(&org, &repo, &o), pp))
        }
        "pipelines.trigger" => {
            let (org, repo) = a.repo()?;
            let variables = a.opt_object("variables")?.into_iter().map(|(k, v)| (k, text(&v))).collect();
            let r = PipelineRequest { ref_: a.opt_str("ref")?, variables };
            a.then(|| one(c.pipelines().trigger(&org, &repo, &r)))
        }
        "pipelines.get" => {
            let (org, repo, id) = a.in_repo("pipeline_id")?;
            a.then(|| one(c.pipelines().get(&org, &repo, id)))
        }
        "pipelines.cancel" => {
            let (org, repo, id) = a.in_repo("pipeline_id")?;
            a.then(|| one(c.pipelines().cancel(&org, &repo, id)))
        }
        "pipelines.log" => {
            let (org, repo, id) = a.in_repo("pipeline_id")?;
            let job = a.req_u64("job_id")?;
            a.then(|| one(c.pipelines().log(&org, &repo, id, job)))
        }
        other => unknown(other),
    }
}
