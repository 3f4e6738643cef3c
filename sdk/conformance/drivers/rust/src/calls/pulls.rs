//! `pulls.*`.

use kizuna_sdk::*;

use super::unknown;
use crate::args::Args;
use crate::results::{all, one};
use crate::{Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    match name {
        "pulls.list" => {
            let (org, repo) = a.repo()?;
            let o = PullListOptions {
                state: a.opt_str("state")?,
                head: a.opt_str("head")?,
                base: a.opt_str("base")?,
                author: a.opt_str("author")?,
                draft: a.opt_bool("draft")?,
                labels: a.opt_strs("labels")?.unwrap_or_default(),
                sort: a.opt_str("sort")?,
                direction: a.opt_str("direction")?,
            };
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.pulls().list_with(&org, &repo, &o), pp))
        }
        "pulls.get" => {
            let (org, repo, n) = a.in_repo("number")?;
            a.then(|| one(c.pulls().get(&org, &repo, n)))
        }
        "pulls.create" => {
            let (org, repo) = a.repo()?;
            let r = PullRequestRequest { title: a.req_str("title")?, head: a.req_str("head")?, base: a.opt_str("base")?, body: a.opt_str("body")?, draft: a.opt_bool("draft")? };
            a.then(|| one(c.pulls().create(&org, &repo, &r)))
        }
        "pulls.update" => {
            let (org, repo, n) = a.in_repo("number")?;
            let u = PullRequestUpdate {
                title: a.opt_str("title")?,
                body: a.opt_str("body")?,
                state: a.opt_str("state")?,
                base: a.opt_str("base")?,
                labels: a.opt_strs("labels")?,
                assignees: a.opt_strs("assignees")?,
            };
            a.then(|| one(c.pulls().update(&org, &repo, n, &u)))
        }
        "pulls.ready" => {
            let (org, repo, n) = a.in_repo("number")?;
            a.then(|| one(c.pulls().ready(&org, &repo, n)))
        }
        "pulls.merge" => {
            let (org, repo, n) = a.in_repo("number")?;
            let r = MergeRequest { merge_method: a.opt_str("merge_method")?, sha: a.opt_str("sha")?, commit_title: a.opt_str("commit_title")?, commit_message: a.opt_str("commit_message")? };
            a.then(|| one(c.pulls().merge(&org, &repo, n, &r)))
        }
        "pulls.comments" => {
            let (org, repo, n) = a.in_repo("number")?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.pulls().comments(&org, &repo, n), pp))
        }
        "pulls.create_comment" => {
            let (org, repo, n) = a.in_repo("number")?;
            let body = a.req_str("body")?;
            a.then(|| one(c.pulls().create_comment(&org, &repo, n, &body)))
        }
        other => unknown(other),
    }
}
