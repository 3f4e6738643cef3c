"""Every write to pull requests (docs/api.md §9, §16). Git work goes through repos.git; each function runs in
one transaction and appends its events there. Lock order everywhere: the repository row, then PR rows.

Callers use this package's names (`from pulls import services`; `services.pull_create(...)`); the modules
split it by concern:

  common.py         the events' payload, the PR row lock and closing a PR, shared by the modules below
  pull_requests.py  opening, editing, readying; on_ref_updated keeps open PRs in step with their branches
  merge.py          merging into the base branch (compare-and-swap of the ref, retried when the base moves)
  reviews.py        reviews, their dismissal (by hand or stale on a push), requested reviewers, code owners
  protection.py     branch protection rules (set, delete)
"""

from .common import pull_payload
from .merge import MERGE_ATTEMPTS, MERGE_METHODS, pull_merge
from .protection import protection_delete, protection_set
from .pull_requests import on_ref_updated, pull_create, pull_ready, pull_update
from .reviews import (
    MAX_REQUESTED_REVIEWERS,
    REVIEW_EVENTS,
    review_dismiss,
    review_payload,
    review_submit,
    reviewers_request,
    reviewers_unrequest,
)

__all__ = [
    "MAX_REQUESTED_REVIEWERS", "MERGE_ATTEMPTS", "MERGE_METHODS", "REVIEW_EVENTS", "on_ref_updated", "protection_delete",
    "protection_set", "pull_create", "pull_merge", "pull_payload", "pull_ready", "pull_update", "review_dismiss",
    "review_payload", "review_submit", "reviewers_request", "reviewers_unrequest",
]
