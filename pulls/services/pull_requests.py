"""Opening, editing and readying pull requests, and keeping open ones in step with their branches
(on_ref_updated). Lock order everywhere: the repository row, then PR rows."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from issues import services as issue_services
from issues.models import Issue
from kizuna.accounts.models import Actor
from kizuna.api.errors import ValidationFailed
from kizuna.statements import Literal, Param, statement
from repos import git
from repos.models import Repository
from repos.refs import is_valid_branch_name
from repos.services import next_number

from .. import codeowners, signals
from ..models import PullRequest
from .common import _close, _emit, _lock
from .reviews import dismiss_stale_reviews, request_code_owners


def _git_fields(repo_id: int, base_sha: str, head_sha: str) -> dict:
    """commits/additions/deletions/changed_files, mergeable and the code owners for head against base."""
    stats = git.pull_compare(repo_id, base_sha, head_sha)
    stats.pop("merge_base")
    stats["mergeable"] = git.pull_mergeable(repo_id, base_sha, head_sha) if stats["commits"] else False
    owners = codeowners.read(repo_id, base_sha)
    stats["code_owners"] = owners.owner_sets(git.pull_changed_paths(repo_id, base_sha, head_sha)) if owners.rules else []
    stats["codeowners_errors"] = owners.errors
    return stats


def _branch(repo: Repository, name: str, field: str) -> str:
    sha = git.branch_sha(repo.pk, name) if is_valid_branch_name(name or "") else None
    if sha is None:
        raise ValidationFailed({field: ["no such branch"]})
    return sha


def _check_no_duplicate(repo: Repository, head: str, base: str, exclude_pk=None) -> None:
    qs = PullRequest.objects.filter(repository=repo, head_ref=head, base_ref=base, issue__state=Issue.State.OPEN)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed({"head": ["a pull request already exists"]})


def pull_create(*, repo: Repository, actor: Actor, title: str, head: str, base: str | None = None,
                body: str = "", draft: bool = False) -> PullRequest:
    base = base or repo.default_branch
    errors = {}
    head_sha = base_sha = None
    for field, name in (("head", head), ("base", base)):
        try:
            sha = _branch(repo, name, field)
        except ValidationFailed as exc:
            errors.update(exc.details)
            continue
        if field == "head":
            head_sha = sha
        else:
            base_sha = sha
    if errors:
        raise ValidationFailed(errors)
    if head == base:
        raise ValidationFailed({"base": ["must differ from head"]})
    fields = _git_fields(repo.pk, base_sha, head_sha)
    if fields["commits"] == 0:
        raise ValidationFailed({"head": [f"no commits between {base} and {head}"]})
    with transaction.atomic():
        repo = Repository.objects.locked(repo.pk)
        _check_no_duplicate(repo, head, base)
        now = timezone.now()
        issue = Issue.objects.create(repository=repo, number=next_number(repo), is_pull_request=True, title=title,
                                     body=body or "", author=actor, created_at=now, updated_at=now)
        pr = PullRequest.objects.create(issue=issue, repository=repo, head_ref=head, head_sha=head_sha,
                                        base_ref=base, base_sha=base_sha, draft=draft, **fields)
        Repository.objects.filter(pk=repo.pk).update(open_pulls_count=F("open_pulls_count") + 1)
        _emit("pull_request.opened", pr, actor)
        request_code_owners(repo, pr, actor)
        signals.pull_request_changed.send(sender=PullRequest, pr=pr, actor=actor, action="opened")
    return pr


def pull_update(*, pull: PullRequest, actor: Actor, title: str | None = None, body: str | None = None,
                state: str | None = None, base: str | None = None) -> PullRequest:
    with transaction.atomic():
        repo, pr = _lock(pull)
        issue = pr.issue
        now = timezone.now()
        changes = {}
        if title is not None and title != issue.title:
            changes["title"] = {"from": issue.title}
            issue.title = title
        if body is not None and body != issue.body:
            changes["body"] = {"from": issue.body}
            issue.body = body
        refresh = False
        if base is not None and base != pr.base_ref:
            if pr.merged:
                raise ValidationFailed({"base": ["the base of a merged pull request cannot change"]})
            base_sha = _branch(repo, base, "base")
            if base == pr.head_ref:
                raise ValidationFailed({"base": ["must differ from head"]})
            if issue.state == Issue.State.OPEN:
                _check_no_duplicate(repo, pr.head_ref, base, exclude_pk=pr.pk)
            changes["base"] = {"ref": {"from": pr.base_ref}, "sha": {"from": pr.base_sha}}
            pr.base_ref, pr.base_sha = base, base_sha
            refresh = True
        transition = None
        if state is not None and state != issue.state:
            if state == Issue.State.CLOSED:
                _close(pr, actor, now)
                transition = "pull_request.closed"
            else:
                if pr.merged:
                    raise ValidationFailed({"state": ["a merged pull request cannot be reopened"]})
                head_sha = git.branch_sha(repo.pk, pr.head_ref)
                base_sha = git.branch_sha(repo.pk, pr.base_ref)
                if head_sha is None or base_sha is None:
                    raise ValidationFailed({"state": ["the head or base branch no longer exists"]})
                _check_no_duplicate(repo, pr.head_ref, pr.base_ref, exclude_pk=pr.pk)
                pr.head_sha, pr.base_sha = head_sha, base_sha
                issue.state, issue.closed_at, issue.closed_by = Issue.State.OPEN, None, None
                issue_services.copy_state_to_label_links(issue)
                Repository.objects.filter(pk=repo.pk).update(open_pulls_count=F("open_pulls_count") + 1)
                transition = "pull_request.reopened"
                refresh = True
        if refresh:
            for key, value in _git_fields(repo.pk, pr.base_sha, pr.head_sha).items():
                setattr(pr, key, value)
        if changes or transition:
            issue.updated_at = now
            issue.save()
            pr.save()
        if changes:
            _emit("pull_request.edited", pr, actor, changes=changes)
        if transition:
            _emit(transition, pr, actor)
    return pr


def pull_ready(*, pull: PullRequest, actor: Actor) -> PullRequest:
    """Draft → ready for review; a PR that is already ready is returned unchanged."""
    with transaction.atomic():
        _repo, pr = _lock(pull)
        if not pr.draft:
            return pr
        pr.draft = False
        pr.save(update_fields=["draft"])
        Issue.objects.filter(pk=pr.issue_id).update(updated_at=timezone.now())
        _emit("pull_request.ready_for_review", pr, actor)
    return pr


def _tracking(repo_id: int, branch: str):
    """The repository's open pull requests with `branch` as their head or base (`Param`s: the same
    queryset runs as is or compiled)."""
    return PullRequest.objects.filter(
        repository_id=Param("repo", repo_id), issue__state=Literal(Issue.State.OPEN)).filter(
        Q(head_ref=Param("branch", branch)) | Q(base_ref=Param("branch", branch)))


def _tracked(repo_id: int, branch: str) -> bool:
    """Whether any exists: asked on every push, compiled once per process (kizuna.statements)."""
    values = {"repo": repo_id, "branch": branch}

    def build():
        return _tracking(repo_id, branch).values_list("pk")[:1]

    return bool(statement(("pulls.tracked",), build, values).rows(values))


def on_ref_updated(*, repo: Repository, ref: str, before: str, after: str, actor: Actor, event=None, **_kw) -> None:
    """repos.signals.ref_updated receiver: keep head/base shas, stats and mergeability of open PRs on the moved branch."""
    if not ref.startswith("refs/heads/"):
        return
    branch = ref[len("refs/heads/"):]
    if not _tracked(repo.pk, branch):  # most pushes: one compiled query instead of locking and loading rows
        return
    prs = _tracking(repo.pk, branch).select_for_update().select_related("issue").order_by("pk")
    now = timezone.now()
    for pr in prs:
        pr.repository = repo
        pr.issue.repository = repo
        head_moved = pr.head_ref == branch and after != pr.head_sha
        if after == git.ZERO_SHA:  # the branch was deleted: the PR can't be merged until it's back
            pr.mergeable = False
            pr.save(update_fields=["mergeable"])
            continue
        before_head = pr.head_sha
        if pr.head_ref == branch:
            pr.head_sha = after
        if pr.base_ref == branch:
            pr.base_sha = after
        for key, value in _git_fields(repo.pk, pr.base_sha, pr.head_sha).items():
            setattr(pr, key, value)
        pr.save()
        if head_moved:
            Issue.objects.filter(pk=pr.issue_id).update(updated_at=now)
            _emit("pull_request.synchronize", pr, actor, before=before_head, after=after)
            dismiss_stale_reviews(repo, pr, actor, now)
            signals.pull_request_changed.send(sender=PullRequest, pr=pr, actor=actor, action="synchronize")
