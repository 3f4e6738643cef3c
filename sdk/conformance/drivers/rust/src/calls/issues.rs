//! Issues and what hangs off them: `issues.*`, `comments.*`, `labels.*`, `milestones.*`.

use kizuna_sdk::*;

use super::unknown;
use crate::args::Args;
use crate::results::{all, one};
use crate::{Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    match name {
        "issues.list" => {
            let (org, repo) = a.repo()?;
            let o = IssueListOptions {
                state: a.opt_str("state")?,
                labels: a.opt_strs("labels")?.unwrap_or_default(),
                assignee: a.opt_str("assignee")?,
                creator: a.opt_str("creator")?,
                milestone: a.opt_str("milestone")?,
                since: a.opt_str("since")?,
                sort: a.opt_str("sort")?,
                direction: a.opt_str("direction")?,
            };
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.issues().list_with(&org, &repo, &o), pp))
        }
        "issues.get" => {
            let (org, repo, n) = a.in_repo("number")?;
            a.then(|| one(c.issues().get(&org, &repo, n)))
        }
        "issues.create" => {
            let (org, repo) = a.repo()?;
            let r = IssueRequest {
                title: a.req_str("title")?,
                body: a.opt_str("body")?,
                labels: a.opt_strs("labels")?.unwrap_or_default(),
                assignees: a.opt_strs("assignees")?.unwrap_or_default(),
                assignee: a.opt_str("assignee")?,
                milestone: a.opt_u64("milestone")?,
            };
            a.then(|| one(c.issues().create(&org, &repo, &r)))
        }
        "issues.update" => {
            let (org, repo, n) = a.in_repo("number")?;
            let u = IssueUpdate {
                title: a.opt_str("title")?,
                body: a.opt_str("body")?,
                state: a.opt_str("state")?,
                state_reason: a.opt_str("state_reason")?,
                labels: a.opt_strs("labels")?,
                assignees: a.opt_strs("assignees")?,
                assignee: a.opt_str("assignee")?,
                milestone: a.nullable_u64("milestone")?,
            };
            a.then(|| one(c.issues().update(&org, &repo, n, &u)))
        }
        "issues.add_labels" | "issues.set_labels" => {
            let (org, repo, n) = a.in_repo("number")?;
            let labels = a.req_strs("labels")?;
            let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
            a.then(|| if name == "issues.add_labels" { one(c.issues().add_labels(&org, &repo, n, &refs)) } else { one(c.issues().set_labels(&org, &repo, n, &refs)) })
        }
        "issues.remove_label" => {
            let (org, repo, n) = a.in_repo("number")?;
            let label = a.req_str("label")?;
            a.then(|| one(c.issues().remove_label(&org, &repo, n, &label)))
        }
        "comments.list" => {
            let (org, repo, n) = a.in_repo("number")?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.comments().list(&org, &repo, n), pp))
        }
        "comments.create" => {
            let (org, repo, n) = a.in_repo("number")?;
            let body = a.req_str("body")?;
            a.then(|| one(c.comments().create(&org, &repo, n, &body)))
        }
        "comments.update" => {
            let (org, repo, id) = a.in_repo("comment_id")?;
            let body = a.req_str("body")?;
            a.then(|| one(c.comments().update(&org, &repo, id, &body)))
        }
        "comments.delete" => {
            let (org, repo, id) = a.in_repo("comment_id")?;
            a.then(|| one(c.comments().delete(&org, &repo, id)))
        }
        "labels.list" => {
            let (org, repo) = a.repo()?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.labels().list(&org, &repo), pp))
        }
        "labels.get" => {
            let (org, repo) = a.repo()?;
            let label = a.req_str("label")?;
            a.then(|| one(c.labels().get(&org, &repo, &label)))
        }
        "labels.create" => {
            let (org, repo) = a.repo()?;
            let r = LabelRequest { name: a.req_str("name")?, color: a.req_str("color")?, description: a.opt_str("description")? };
            a.then(|| one(c.labels().create(&org, &repo, &r)))
        }
        "labels.update" => {
            let (org, repo) = a.repo()?;
            let label = a.req_str("label")?;
            let u = LabelUpdate { name: a.opt_str("name")?, color: a.opt_str("color")?, description: a.nullable_str("description")? };
            a.then(|| one(c.labels().update(&org, &repo, &label, &u)))
        }
        "labels.delete" => {
            let (org, repo) = a.repo()?;
            let label = a.req_str("label")?;
            a.then(|| one(c.labels().delete(&org, &repo, &label)))
        }
        "milestones.list" => {
            let (org, repo) = a.repo()?;
            let state = a.opt_str("state")?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(c.milestones().list_state(&org, &repo, state.as_deref()), pp))
        }
        "milestones.get" => {
            let (org, repo, n) = a.in_repo("number")?;
            a.then(|| one(c.milestones().get(&org, &repo, n)))
        }
        "milestones.create" => {
            let (org, repo) = a.repo()?;
            let r = MilestoneRequest { title: a.req_str("title")?, description: a.opt_str("description")?, due_on: a.opt_str("due_on")?, state: a.opt_str("state")? };
            a.then(|| one(c.milestones().create(&org, &repo, &r)))
        }
        "milestones.update" => {
            let (org, repo, n) = a.in_repo("number")?;
            let u = MilestoneUpdate { title: a.opt_str("title")?, description: a.opt_str("description")?, due_on: a.nullable_str("due_on")?, state: a.opt_str("state")? };
            a.then(|| one(c.milestones().update(&org, &repo, n, &u)))
        }
        "milestones.delete" => {
            let (org, repo, n) = a.in_repo("number")?;
            a.then(|| one(c.milestones().delete(&org, &repo, n)))
        }
        other => unknown(other),
    }
}
