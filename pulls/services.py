"""Every write to pull requests (docs/api.md §9). Git work goes through repos.git; each function runs in one
transaction and appends its events there. Lock order everywhere: the repository row, then PR rows."""

import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from issues.models import Issue
from kizuna import policy
from kizuna.accounts.models import Actor
from kizuna.api.errors import Conflict, NotMergeable, ValidationFailed
from kizuna.api.fields import api_path, timestamp
from kizuna.events.log import emit_event
from repos import git
from repos.models import Repository
from repos.refs import is_valid_branch_name
from repos.services import next_number, on_push

from . import codeowners, signals
from .models import BranchProtection, PullRequest, Review, ReviewRequest

logger = logging.getLogger("kizuna.pulls")

MERGE_METHODS = ("merge", "squash", "rebase")
# How often a merge is recomputed when the base moves between computing it and the ref update.
MERGE_ATTEMPTS = 10


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


def _lock(pr: PullRequest) -> tuple[Repository, PullRequest]:
    repo = Repository.objects.select_for_update().select_related("namespace").get(pk=pr.repository_id)
    locked = PullRequest.objects.select_for_update(of=("self",)).select_related("issue").get(pk=pr.pk)
    locked.repository = repo
    locked.issue.repository = repo
    return repo, locked


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
        repo = Repository.objects.select_for_update().select_related("namespace").get(pk=repo.pk)
        _check_no_duplicate(repo, head, base)
        now = timezone.now()
        issue = Issue.objects.create(repository=repo, number=next_number(repo), is_pull_request=True, title=title,
                                     body=body or "", author=actor, created_at=now, updated_at=now)
        pr = PullRequest.objects.create(issue=issue, repository=repo, head_ref=head, head_sha=head_sha,
                                        base_ref=base, base_sha=base_sha, draft=draft, **fields)
        Repository.objects.filter(pk=repo.pk).update(open_pulls_count=F("open_pulls_count") + 1)
        _emit("pull_request.opened", pr, actor)
        _request_code_owners(repo, pr, actor)
        signals.pull_request_changed.send(sender=PullRequest, pr=pr, actor=actor, action="opened")
    return pr


def _close(pr: PullRequest, actor: Actor, now) -> None:
    issue = pr.issue
    issue.state = Issue.State.CLOSED
    issue.closed_at = now
    issue.closed_by = actor
    Repository.objects.filter(pk=pr.repository_id, open_pulls_count__gt=0).update(open_pulls_count=F("open_pulls_count") - 1)


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


def on_ref_updated(*, repo: Repository, ref: str, before: str, after: str, actor: Actor, event=None, **_kw) -> None:
    """repos.signals.ref_updated receiver: keep head/base shas, stats and mergeability of open PRs on the moved branch."""
    if not ref.startswith("refs/heads/"):
        return
    branch = ref[len("refs/heads/"):]
    prs = (
        PullRequest.objects.select_for_update()
        .select_related("issue")
        .filter(repository_id=repo.pk, issue__state=Issue.State.OPEN)
        .filter(Q(head_ref=branch) | Q(base_ref=branch))
        .order_by("pk")
    )
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
            _dismiss_stale(repo, pr, actor, now)
            signals.pull_request_changed.send(sender=PullRequest, pr=pr, actor=actor, action="synchronize")


# --- reviews (docs/api.md §16) -------------------------------------------------------------------------------
REVIEW_EVENTS = {"APPROVE": Review.State.APPROVED, "REQUEST_CHANGES": Review.State.CHANGES_REQUESTED,
                 "COMMENT": Review.State.COMMENTED}
MAX_REQUESTED_REVIEWERS = 50


def review_payload(review: Review) -> dict:
    return {
        "id": review.pk, "user": review.user.as_json(), "state": review.state, "body": review.body,
        "commit_id": review.commit_id, "submitted_at": timestamp(review.submitted_at),
    }


def _emit_review(type_: str, pr: PullRequest, review: Review, actor: Actor, **extra) -> None:
    _emit(type_, pr, actor, review=review_payload(review), **extra)


def review_submit(*, pull: PullRequest, actor: Actor, event: str, body: str = "", commit_id: str | None = None) -> Review:
    """Record a review on the PR's head. Its author may comment but neither approve nor request
    changes; REQUEST_CHANGES and COMMENT need a body; `commit_id` other than the head → 409."""
    state = REVIEW_EVENTS[event]
    body = body or ""
    if state != Review.State.APPROVED and not body.strip():
        raise ValidationFailed({"body": [f"is required for {event}"]})
    with transaction.atomic():
        repo, pr = _lock(pull)
        if pr.issue.state != Issue.State.OPEN:
            raise ValidationFailed({"non_field_errors": ["the pull request is closed"]})
        if state != Review.State.COMMENTED and actor.pk == pr.issue.author_id:
            raise ValidationFailed({"event": ["the author of a pull request cannot approve it or request changes on it"]})
        head = git.branch_sha(repo.pk, pr.head_ref) or pr.head_sha
        if commit_id and commit_id != head:
            raise Conflict("The pull request's head moved; review the new head",
                           details={"commit_id": commit_id, "head_sha": head})
        review = Review.objects.create(pull=pr, user=actor, state=state, body=body, commit_id=head,
                                       submitted_at=timezone.now())
        ReviewRequest.objects.filter(pull=pr, reviewer=actor).delete()
        Issue.objects.filter(pk=pr.issue_id).update(updated_at=review.submitted_at)
        _emit_review("pull_request_review.submitted", pr, review, actor)
    return review


def review_dismiss(*, review: Review, actor: Actor, message: str) -> Review:
    """An approval or a change request stops counting: its state becomes DISMISSED."""
    with transaction.atomic():
        _repo, pr = _lock(review.pull)
        review = Review.objects.select_for_update().select_related("user").get(pk=review.pk)
        if review.state not in (Review.State.APPROVED, Review.State.CHANGES_REQUESTED):
            raise ValidationFailed({"non_field_errors": [f"a {review.state} review cannot be dismissed"]})
        _dismiss(pr, review, actor, message, timezone.now())
    return review


def _dismiss(pr: PullRequest, review: Review, actor: Actor, message: str, now) -> None:
    review.state, review.dismissed_at, review.dismissed_by, review.dismissal_message = Review.State.DISMISSED, now, actor, message
    review.save(update_fields=["state", "dismissed_at", "dismissed_by", "dismissal_message"])
    _emit_review("pull_request_review.dismissed", pr, review, actor, message=message)


def _dismiss_stale(repo: Repository, pr: PullRequest, actor: Actor, now) -> None:
    """`dismiss_stale_reviews`: a push to the head dismisses the approvals given on older shas."""
    rule = policy.protection_of(repo, pr.base_ref)
    if rule is None or not rule.dismiss_stale_reviews:
        return
    stale = (Review.objects.select_for_update().select_related("user")
             .filter(pull=pr, state=Review.State.APPROVED).exclude(commit_id=pr.head_sha).order_by("pk"))
    for review in stale:
        _dismiss(pr, review, actor, f"Stale: new commits were pushed ({pr.head_sha[:12]})", now)


# --- requested reviewers --------------------------------------------------------------------------------
def _reviewer_actors(repo: Repository, pr: PullRequest, logins: list[str], *, strict: bool) -> list[Actor]:
    """Actors (people and agents who can read the repository, not the PR's author) for `logins`;
    with `strict` an unknown or unfit login is a 422, else it is skipped."""
    from django.db.models.functions import Lower

    wanted = list(dict.fromkeys(login.lower() for login in logins))
    found = {
        a.login.lower(): a
        for a in Actor.objects.annotate(lower_login=Lower("login"))
        .filter(lower_login__in=wanted, type__in=(Actor.Type.USER, Actor.Type.AGENT))
        .select_related("user", "agent__operator")
    }
    actors, problems = [], []
    for login in wanted:
        actor = found.get(login)
        principal = actor and (actor.user if actor.type == Actor.Type.USER else actor.agent)
        if actor is None or principal is None or not policy.can_read(principal, repo):
            problems.append(f"{login}: no such user or agent with access to this repository")
        elif actor.pk == pr.issue.author_id:
            problems.append(f"{login}: review cannot be requested from the pull request's author")
        else:
            actors.append(actor)
    if problems and strict:
        raise ValidationFailed({"reviewers": problems})
    return actors


def _add_requests(repo: Repository, pr: PullRequest, actors: list[Actor], actor: Actor) -> list[Actor]:
    existing = set(ReviewRequest.objects.filter(pull=pr).values_list("reviewer_id", flat=True))
    new = [a for a in actors if a.pk not in existing]
    if len(existing) + len(new) > MAX_REQUESTED_REVIEWERS:
        raise ValidationFailed({"reviewers": [f"at most {MAX_REQUESTED_REVIEWERS} reviewers may be requested"]})
    now = timezone.now()
    ReviewRequest.objects.bulk_create([ReviewRequest(pull=pr, reviewer=a, created_at=now) for a in new])
    for reviewer in new:
        _emit("pull_request.review_requested", pr, actor, requested_reviewer=reviewer.as_json())
    return new


def _request_code_owners(repo: Repository, pr: PullRequest, actor: Actor) -> None:
    """When a PR opens, its code owners are requested as reviewers (those who can read the repo)."""
    logins = sorted({login for owners in pr.code_owners for login in owners})[:MAX_REQUESTED_REVIEWERS]
    if logins:
        _add_requests(repo, pr, _reviewer_actors(repo, pr, logins, strict=False), actor)


def reviewers_request(*, pull: PullRequest, actor: Actor, logins: list[str]) -> PullRequest:
    with transaction.atomic():
        repo, pr = _lock(pull)
        _add_requests(repo, pr, _reviewer_actors(repo, pr, logins, strict=True), actor)
    return pr


def reviewers_unrequest(*, pull: PullRequest, actor: Actor, logins: list[str]) -> PullRequest:
    from django.db.models.functions import Lower

    with transaction.atomic():
        repo, pr = _lock(pull)
        wanted = {login.lower() for login in logins}
        requests = list(ReviewRequest.objects.select_related("reviewer").annotate(lower_login=Lower("reviewer__login"))
                        .filter(pull=pr, lower_login__in=wanted))
        ReviewRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
        for request in requests:
            _emit("pull_request.review_request_removed", pr, actor, requested_reviewer=request.reviewer.as_json())
    return pr


# --- branch protection ----------------------------------------------------------------------------------
def protection_set(*, repo: Repository, branch: str, actor: Actor, **fields) -> BranchProtection:
    """PUT: the rule is replaced; omitted fields take their defaults."""
    with transaction.atomic():
        repo = Repository.objects.select_for_update().select_related("namespace").get(pk=repo.pk)
        defaults = {name: BranchProtection._meta.get_field(name).get_default() for name in BranchProtection.FIELDS}
        values = {**defaults, **{k: v for k, v in fields.items() if k in BranchProtection.FIELDS}}
        rule, created = BranchProtection.objects.update_or_create(
            repository=repo, branch=branch, defaults={**values, "updated_at": timezone.now()})
        emit_event(type="branch_protection.changed", actor=actor, repository=repo,
                   payload={"branch": branch, "action": "created" if created else "updated", "protection": rule.as_json()})
    return rule


def protection_delete(*, repo: Repository, branch: str, actor: Actor) -> None:
    with transaction.atomic():
        repo = Repository.objects.select_for_update().select_related("namespace").get(pk=repo.pk)
        deleted, _ = BranchProtection.objects.filter(repository=repo, branch=branch).delete()
        if not deleted:
            from kizuna.api.errors import NotFound

            raise NotFound("Branch not protected")
        emit_event(type="branch_protection.changed", actor=actor, repository=repo,
                   payload={"branch": branch, "action": "deleted", "protection": None})
