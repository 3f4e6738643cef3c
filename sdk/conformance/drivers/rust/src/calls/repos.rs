//! `orgs.*` and `repos.*`.

use kizuna_sdk::*;

use super::unknown;
use crate::args::Args;
use crate::results::{all, one};
use crate::{Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    match name {
        "orgs.get" => {
            let org = a.req_str("org")?;
            a.then(|| one(c.orgs().get(&org)))
        }
        "orgs.create" => {
            let r = OrgRequest { login: a.req_str("login")?, name: a.opt_str("name")?, description: a.opt_str("description")? };
            a.then(|| one(c.orgs().create(&r)))
        }
        "orgs.members" => {
            let org = a.req_str("org")?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.orgs().members(&org), pp))
        }
        "orgs.set_member" => {
            let (org, login, role) = (a.req_str("org")?, a.req_str("login")?, a.req_str("role")?);
            a.then(|| one(c.orgs().set_member(&org, &login, &role)))
        }
        "orgs.remove_member" => {
            let (org, login) = (a.req_str("org")?, a.req_str("login")?);
            a.then(|| one(c.orgs().remove_member(&org, &login)))
        }
        "repos.list" => {
            let org = a.req_str("org")?;
            let o = RepoListOptions { visibility: a.opt_str("visibility")?, sort: a.opt_str("sort")?, direction: a.opt_str("direction")? };
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.repos().list_with(&org, &o), pp))
        }
        "repos.get" => {
            let (org, repo) = a.repo()?;
            a.then(|| one(c.repos().get(&org, &repo)))
        }
        "repos.create" => {
            let org = a.req_str("org")?;
            let r = RepoRequest {
                name: a.req_str("name")?,
                description: a.opt_str("description")?,
                visibility: a.opt_str("visibility")?,
                default_branch: a.opt_str("default_branch")?,
                auto_init: a.opt_bool("auto_init")?,
            };
            a.then(|| one(c.repos().create(&org, &r)))
        }
        "repos.update" => {
            let (org, repo) = a.repo()?;
            let u = RepoUpdate {
                name: a.opt_str("name")?,
                description: a.opt_str("description")?,
                visibility: a.opt_str("visibility")?,
                default_branch: a.opt_str("default_branch")?,
                archived: a.opt_bool("archived")?,
            };
            a.then(|| one(c.repos().update(&org, &repo, &u)))
        }
        "repos.delete" => {
            let (org, repo) = a.repo()?;
            a.then(|| one(c.repos().delete(&org, &repo)))
        }
        "repos.branches" => {
            let (org, repo) = a.repo()?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.repos().branches(&org, &repo), pp))
        }
        "repos.commits" => {
            let (org, repo) = a.repo()?;
            let o = CommitListOptions { sha: a.opt_str("sha")?, path: a.opt_str("path")? };
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.repos().commits_with(&org, &repo, &o), pp))
        }
        "repos.contents" => {
            let (org, repo) = a.repo()?;
            let path = a.opt_str("path")?.unwrap_or_default();
            let git_ref = a.opt_str("ref")?;
            a.then(|| one(c.repos().contents(&org, &repo, &path, git_ref.as_deref())))
        }
        other => unknown(other),
    }
}
