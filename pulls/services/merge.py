"""Merging a pull request into its base branch (the git work in repos.git.merge)."""

import logging

from django.db import transaction
from django.utils import timezone

from issues.models import Issue
from kizuna import policy
from kizuna.accounts.models import Actor
from kizuna.api.errors import Conflict, NotMergeable, ValidationFailed
from repos import git
from repos.services import on_push

from ..models import PullRequest
from .common import _close, _emit, _lock

logger = logging.getLogger("kizuna.pulls")

MERGE_METHODS = ("merge", "squash", "rebase")
# How often a merge is recomputed when the base moves between computing it and the ref update.
MERGE_ATTEMPTS = 10


def _identity(actor: Actor) -> tuple[str, str]:
    return actor.login, f"{actor.login}@users.noreply.kizuna"


def _merge_message(pr: PullRequest, method: str, commits: list[dict], title: str | None, message: str | None) -> str:
    issue = pr.issue
    if method == "merge":
        title = title or f"Merge pull request #{issue.number} from {pr.head_ref}"
        body = message if message is not None else issue.title
    else:
        title = title or f"{issue.title} (#{issue.number})"
        body = message if message is not None else "\n".join(f"* {c['message'].strip()}" for c in commits)
    return f"{title}\n\n{body.strip()}\n" if body and body.strip() else f"{title}\n"


def _refuse(pr: PullRequest) -> None:
    if pr.merged:
        raise NotMergeable("Pull request is already merged", details={"reason": "merged"})
    if pr.issue.state != Issue.State.OPEN:
        raise NotMergeable("Pull request is closed", details={"reason": "closed"})
    if pr.draft:
        raise NotMergeable("Pull request is a draft", details={"reason": "draft"})


def pull_merge(*, pull: PullRequest, actor: Actor, principal, token=None, merge_method: str = "merge",
               sha: str | None = None, commit_title: str | None = None, commit_message: str | None = None) -> dict:
    """Merge into the base branch: compute in memory, compare-and-swap the ref, then record it.

    `principal` (with its `token`) is who asks: the policy decides under the lock the merge runs
    under, on the base branch the PR has then, so a PR retargeted in between is judged as it is.

    The ref moves only after the merge is computed; it moves with `update-ref <new> <old>`, so a base that
    moved in between is never overwritten: the merge is recomputed against the new base (up to
    MERGE_ATTEMPTS times, then 409). The PR update and `on_push` (push event, hooks) commit together; if
    that transaction fails, the ref is moved back (again by compare-and-swap).
    """
    if merge_method not in MERGE_METHODS:
        raise ValidationFailed({"merge_method": [f"must be one of {', '.join(MERGE_METHODS)}"]})
    for _attempt in range(MERGE_ATTEMPTS):
        moved = None
        try:
            with transaction.atomic():
                repo, pr = _lock(pull)
                policy.check(principal, repo, policy.merge_action(repo, pr), token=token)
                _refuse(pr)
                head_sha = git.branch_sha(repo.pk, pr.head_ref)
                base_sha = git.branch_sha(repo.pk, pr.base_ref)
                if head_sha is None or base_sha is None:
                    raise NotMergeable("The head or base branch no longer exists", details={"reason": "missing_branch"})
                if sha and sha != head_sha:
                    raise Conflict("Head branch was modified; review and try the merge again",
                                   details={"sha": sha, "head_sha": head_sha})
                # The base's protection rule, on the head being merged, under the lock every review
                # change takes too: a rule unmet at the moment of the ref update never lands.
                policy.check_mergeable(repo, pr, head_sha=head_sha)
                pr_commits = git.push_commits(repo.pk, ref=f"refs/heads/{pr.base_ref}", before=base_sha, after=head_sha)
                message = _merge_message(pr, merge_method, pr_commits, commit_title, commit_message)
                try:
                    new_sha = git.pull_merge_commit(repo.pk, method=merge_method, base_sha=base_sha, head_sha=head_sha,
                                                    message=message, merger=_identity(actor))
                except git.MergeConflict:
                    raise NotMergeable("Pull request has conflicts", details={"reason": "conflict"}) from None
                ref = f"refs/heads/{pr.base_ref}"
                if not git.update_ref_cas(repo.pk, ref, new_sha, base_sha):
                    continue  # the base moved under us: nothing written, recompute against the new base
                moved = (ref, new_sha, base_sha)
                now = timezone.now()
                pr.head_sha, pr.base_sha = head_sha, base_sha
                pr.merged, pr.merged_at, pr.merged_by, pr.merge_commit_sha = True, now, actor, new_sha
                pr.mergeable = True
                _close(pr, actor, now)
                pr.issue.updated_at = now
                pr.issue.save()
                pr.save()
                on_push(repo=repo, ref=ref, before=base_sha, after=new_sha, actor=actor,
                        commits=git.push_commits(repo.pk, ref=ref, before=base_sha, after=new_sha))
                _emit("pull_request.merged", pr, actor, merge_method=merge_method)
                _emit("pull_request.closed", pr, actor)
        except BaseException:
            if moved is not None:
                ref, new_sha, base_sha = moved
                if not git.update_ref_cas(pull.repository_id, ref, base_sha, new_sha):
                    logger.error("merge of PR %s: could not move %s back to %s", pull.pk, ref, base_sha)
            raise
        pull.refresh_from_db()
        return {"merged": True, "sha": new_sha, "message": "Pull Request successfully merged"}
    raise Conflict("The base branch kept moving; try the merge again", details={"reason": "base_moved"})

