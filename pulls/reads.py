"""The pull request list's and detail's reads, compiled once per shape (kizuna.statements, as the issue
list's in issues/reads.py): the pull requests with their issue, author, merger and repository joined,
then a page's labels, assignees and requested reviewers in one flat query each, whatever the page size.
Also the branch protection rules and reviews the authorization policy reads (kizuna.policy.facts).

With KIZUNA_COMPILED_STATEMENTS off each runs as its plain queryset.
"""

from django.db.models import F
from django.db.models.lookups import In

from issues.reads import MAX_NUMBER, param
from issues.serializers import relations_of
from kizuna.statements import Param, statement

from .models import BranchProtection, PullRequest, Review, ReviewRequest

RELATED = ("issue", "issue__author", "merged_by", "repository__namespace")


def pulls_of(repository):
    """The repository's pull requests (the repository as a `param`) with what their representation joins."""
    return PullRequest.objects.filter(issue__repository_id=param("repository", repository.pk),
                                      issue__is_pull_request=True).select_related(*RELATED)


def pull_by_number(repository, number: int):
    """Pull request `number` of the repository with its relations attached (`attach`), or None."""
    if not 0 < number <= MAX_NUMBER:
        return None
    values = {"repository": repository.pk, "number": number}

    def build():  # (repository, number) is unique: no ORDER BY
        return pulls_of(repository).filter(issue__number=param("number", number))[:1]

    found = statement(("pulls.by_number",), build, values).instances(values)
    return attach(found, repository)[0] if found else None


def pull_list(repository, filterset):
    """The filtered list as (page, count, values) for `LinkHeaderPagination.paginate_statements`: `page`
    builds instances (ordered, sliced by the paginator), `count` the same filter as `SELECT pk`.
    The statements' key is the filterset's shape (IssueFieldsFilterSet.statement_shape)."""
    shape, values = filterset.statement_shape()
    values["repository"] = repository.pk

    def build():
        return filterset.filter_queryset(pulls_of(repository))

    page = statement(("pulls.page", shape), build, values)
    count = statement(("pulls.count", shape), lambda: build().order_by().values("pk"), values)
    return page, count, values


def _reviewer_rows(pull_ids: list[int]) -> list:
    values = {f"pull.{i}": pk for i, pk in enumerate(pull_ids)}

    def build():
        of_ids = In(F("pull_id"), [param(k, pk) for k, pk in values.items()])
        return ReviewRequest.objects.filter(of_ids).select_related("reviewer").order_by("pk")

    return statement(("pulls.review_requests_of", len(pull_ids)), build, values).instances(values)


def attach(pulls, repository):
    """The page's labels, assignees (issues.serializers.relations_of: sorted as the issue API shows them)
    and requested reviewers (in the order requested) rendered onto each pull request, where
    PullRequestSerializer reads them: three queries for the page. Returns `pulls`."""
    if not pulls:
        return pulls
    labels, assignees = relations_of([pr.issue_id for pr in pulls])
    reviewers = {pr.pk: [] for pr in pulls}
    for request in _reviewer_rows(list(reviewers)):
        reviewers[request.pull_id].append(request.reviewer.as_json())
    for pr in pulls:
        pr.issue.repository = repository
        pr.issue._label_json, pr.issue._assignee_json = labels[pr.issue_id], assignees[pr.issue_id]
        pr._reviewer_json = reviewers[pr.pk]
    return pulls


# --- the facts the authorization policy asks (kizuna.policy.facts, answered in apps.py) -------------------
def protection_of(repo, branch: str):
    """The branch's rule or None: asked for every pushed branch, compiled once (kizuna.statements)."""
    values = {"repo": repo.pk, "branch": branch}

    def build():
        return BranchProtection.objects.filter(repository_id=Param("repo", repo.pk), branch=Param("branch", branch))

    found = statement(("pulls.protection_of",), build, values).instances(values)
    return found[0] if found else None


def protections(repo, branches) -> dict:
    """{branch: BranchProtection} for those of `branches` that have a rule."""
    return {p.branch: p for p in BranchProtection.objects.filter(repository_id=repo.pk, branch__in=branches)}


def verdict_reviews(pull_ids):
    """The verdicts of these pull requests' reviewers (the policy keeps each reviewer's latest)."""
    return (Review.objects.filter(pull_id__in=pull_ids, state__in=Review.VERDICTS)
            .select_related("user__user", "user__agent"))
