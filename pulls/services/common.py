"""What several modules of pulls.services share: the events' payload, the PR row lock, closing a PR."""

from django.db.models import F

from issues import services as issue_services
from issues.models import Issue
from kizuna.accounts.models import Actor
from kizuna.api.fields import api_path
from kizuna.events.log import emit_event
from repos.models import Repository

from ..models import PullRequest


def pull_payload(pr: PullRequest) -> dict:
    issue = pr.issue
    return {
        "number": issue.number, "title": issue.title, "state": issue.state, "draft": pr.draft,
        "merged": pr.merged, "mergeable": pr.mergeable,
        "head": {"ref": pr.head_ref, "sha": pr.head_sha}, "base": {"ref": pr.base_ref, "sha": pr.base_sha},
        "merge_commit_sha": pr.merge_commit_sha, "url": api_path(pr.api_path()),
    }


def _emit(type_: str, pr: PullRequest, actor: Actor, **extra) -> None:
    emit_event(type=type_, actor=actor, repository=pr.repository, payload={"pull_request": pull_payload(pr), **extra})


def _lock(pr: PullRequest) -> tuple[Repository, PullRequest]:
    """Lock the repository, the pull request and its issue row, in that order. The issue row too: the
    issue services lock it before they write its label links, and a close that wrote the links before
    locking the issue deadlocked with a concurrent labelling (tests/pulls/test_concurrency.py)."""
    repo = Repository.objects.locked(pr.repository_id)
    locked = PullRequest.objects.select_for_update(no_key=True, of=("self", "issue")).select_related("issue").get(pk=pr.pk)
    locked.repository = repo
    locked.issue.repository = repo
    return repo, locked


def _close(pr: PullRequest, actor: Actor, now) -> None:
    issue = pr.issue
    issue.state = Issue.State.CLOSED
    issue.closed_at = now
    issue.closed_by = actor
    issue_services.copy_state_to_label_links(issue)
    Repository.objects.filter(pk=pr.repository_id, open_pulls_count__gt=0).update(open_pulls_count=F("open_pulls_count") - 1)
