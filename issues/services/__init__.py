"""Every write to issues, labels, milestones and comments (docs/api.md §8).

Each function is keyword-only, runs in one transaction and appends its event(s) there. Permission
checks belong to the caller (views ask `kizuna.policy`); these functions validate the data
(unknown label / assignee / milestone → 422) and keep the counters (issue numbers, `comments`,
`open_issues_count`) right under concurrency.

The label, assignee and comment functions take any Issue row, a pull request's included; pulls pass
`event_prefix="pull_request"` so their events read `pull_request.labeled` etc.

Callers use this package's names (`from issues import services`; `services.issue_create(...)`); the
modules split it by concern:

  common.py      the events' payloads, the issue row lock and the label links' copy of the issue's state
                 (copy_state_to_label_links: pulls.services calls it when a pull request closes or reopens)
  metadata.py    an issue's labels, assignees and milestone: the lookups (422s) and the writes
  issues.py      opening, editing, closing and reopening an issue
  comments.py    comments on an issue or a pull request
  labels.py      a repository's labels, and the defaults of a new repository (create_default_labels)
  milestones.py  a repository's milestones
"""

from .comments import comment_create, comment_delete, comment_update
from .common import comment_payload, copy_state_to_label_links, issue_payload, label_payload, milestone_payload
from .issues import STATE_REASONS_CLOSED, issue_close, issue_create, issue_reopen, issue_update
from .labels import LABEL_NAME_MAX, create_default_labels, label_create, label_delete, label_update
from .metadata import (
    MAX_ASSIGNEES,
    issue_add_labels,
    issue_remove_label,
    issue_set_assignees,
    issue_set_labels,
    issue_set_milestone,
    resolve_actors,
    resolve_assignees,
    resolve_labels,
    resolve_milestone,
)
from .milestones import milestone_create, milestone_delete, milestone_update

__all__ = [
    "LABEL_NAME_MAX", "MAX_ASSIGNEES", "STATE_REASONS_CLOSED", "comment_create", "comment_delete", "comment_payload",
    "comment_update", "copy_state_to_label_links", "create_default_labels", "issue_add_labels", "issue_close", "issue_create", "issue_payload",
    "issue_remove_label", "issue_reopen", "issue_set_assignees", "issue_set_labels", "issue_set_milestone",
    "issue_update", "label_create", "label_delete", "label_payload", "label_update", "milestone_create",
    "milestone_delete", "milestone_payload", "milestone_update", "resolve_actors", "resolve_assignees",
    "resolve_labels", "resolve_milestone",
]
