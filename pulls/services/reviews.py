"""Reviews of a pull request (docs/api.md §16): submitting, dismissing (by hand, or stale ones on a
push), and the requested reviewers (the code owners are requested when a PR opens)."""

from django.db import transaction
from django.utils import timezone

from issues.models import Issue
from kizuna import policy
from kizuna.accounts.models import Actor
from kizuna.api.errors import Conflict, ValidationFailed
from kizuna.api.fields import timestamp
from repos import git
from repos.models import Repository

from ..models import PullRequest, Review, ReviewRequest
from .common import _emit, _lock

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


def dismiss_stale_reviews(repo: Repository, pr: PullRequest, actor: Actor, now) -> None:
    """The rule's `dismiss_stale_reviews`: a push to the head dismisses the approvals given on older shas."""
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


def request_code_owners(repo: Repository, pr: PullRequest, actor: Actor) -> None:
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

