"""`KizunaClient`: the transport (kizuna_sdk.transport) with a group of methods per resource."""

from __future__ import annotations

from . import resources
from .transport import BaseClient

__all__ = ["KizunaClient"]


class KizunaClient(BaseClient):
    """A client for one Kizuna server.

    `base_url` is the server's root (`https://kizuna.example.com`); a trailing `/api/v1` is accepted
    too. `token` is a personal (`kzp_…`), agent (`kza_…`) or deploy (`kzd_…`) token, or None for
    anonymous reads.

    Idempotent requests (GET, HEAD, PUT, DELETE) that get 429 or a 5xx are retried up to `max_retries`
    times, waiting what `Retry-After` says (else exponential backoff from `backoff_factor`). A wait
    longer than `max_retry_wait` seconds is not slept: the error is raised at once. `retry=False`
    turns retries off.
    """

    orgs: resources.Orgs
    repos: resources.Repos
    issues: resources.Issues
    comments: resources.Comments
    labels: resources.Labels
    milestones: resources.Milestones
    pulls: resources.Pulls
    branches: resources.Branches
    agents: resources.Agents
    pipelines: resources.Pipelines
    webhooks: resources.Webhooks
    events: resources.Events

    def _mount(self) -> None:
        self.orgs = resources.Orgs(self)
        self.repos = resources.Repos(self)
        self.issues = resources.Issues(self)
        self.comments = resources.Comments(self)
        self.labels = resources.Labels(self)
        self.milestones = resources.Milestones(self)
        self.pulls = resources.Pulls(self)
        self.branches = resources.Branches(self)
        self.agents = resources.Agents(self)
        self.pipelines = resources.Pipelines(self)
        self.webhooks = resources.Webhooks(self)
        self.events = resources.Events(self)
