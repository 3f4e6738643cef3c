//! `webhooks.*`: on a repository when `repo` is given, else on the organization.

use kizuna_sdk::*;

use super::unknown;
use crate::args::Args;
use crate::results::{all, one};
use crate::{Outcome, StepError};

pub fn call(c: &Client, name: &str, a: &mut Args) -> Result<Outcome, StepError> {
    let org = a.req_str("org")?;
    let repo = a.opt_str("repo")?;
    let repo = repo.as_deref();
    let w = c.webhooks();
    match name {
        "webhooks.list" => {
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(w.list(&org, repo), pp))
        }
        "webhooks.create" => {
            let mut r = WebhookRequest {
                url: a.req_str("url")?,
                events: a.req_strs("events")?,
                secret: a.opt_str("secret")?,
                active: a.opt_bool("active")?,
                ..Default::default()
            };
            if let Some(ct) = a.opt_str("content_type")? {
                r.content_type = ct;
            }
            a.then(|| one(w.create(&org, repo, &r)))
        }
        "webhooks.get" => {
            let id = a.req_u64("hook_id")?;
            a.then(|| one(w.get(&org, repo, id)))
        }
        "webhooks.update" => {
            let id = a.req_u64("hook_id")?;
            let u = WebhookUpdate {
                url: a.opt_str("url")?,
                events: a.opt_strs("events")?,
                secret: a.opt_str("secret")?,
                content_type: a.opt_str("content_type")?,
                active: a.opt_bool("active")?,
            };
            a.then(|| one(w.update(&org, repo, id, &u)))
        }
        "webhooks.delete" => {
            let id = a.req_u64("hook_id")?;
            a.then(|| one(w.delete(&org, repo, id)))
        }
        "webhooks.ping" => {
            let id = a.req_u64("hook_id")?;
            a.then(|| one(w.ping(&org, repo, id)))
        }
        "webhooks.deliveries" => {
            let id = a.req_u64("hook_id")?;
            let pp = a.opt_u64("per_page")?;
            a.then(|| all(w.deliveries(&org, repo, id), pp))
        }
        "webhooks.delivery" => {
            let (id, delivery) = (a.req_u64("hook_id")?, a.req_u64("delivery_id")?);
            a.then(|| one(w.delivery(&org, repo, id, delivery)))
        }
        "webhooks.redeliver" => {
            let (id, delivery) = (a.req_u64("hook_id")?, a.req_u64("delivery_id")?);
            a.then(|| one(w.redeliver(&org, repo, id, delivery)))
        }
        other => unknown(other),
    }
}
