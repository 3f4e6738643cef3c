"""The issue tracker's hot reads: the issue list (page and count), label names → ids, and a page's labels
and assignees. Each runs as a statement compiled once per shape (kizuna.statements, docs/architecture.md
"Compiled statements"), or as its plain queryset with KIZUNA_COMPILED_STATEMENTS off.

Views, serializers and filters read through here: no other module of the app imports kizuna.statements.
"""

from django.db.models import F
from django.db.models.functions import Lower
from django.db.models.lookups import In

from kizuna.statements import Param, statement

from .models import Comment, Issue, Label


def param(key: str, value):
    """A request's value in a query these reads compile: a placeholder named `key`, bound per run
    (a plain value where the query is not compiled, e.g. the pull request list)."""
    return Param(key, value)


def actor_columns(prefix: str) -> tuple[str, ...]:
    """The columns `actor_json` renders an actor from, under the relation `prefix`."""
    return (f"{prefix}_id", f"{prefix}__login", f"{prefix}__type", f"{prefix}__user_id", f"{prefix}__agent_id",
            f"{prefix}__deploy_token_id")


def issues_of(repository, *, via_label_links: bool = False):
    """The repository's issues (pull requests excluded) with author, closer and milestone joined; the
    repository as a `param`, so the list compiles its statements from this queryset.

    `via_label_links`: the list reaches its issues through the links of a label of this repository
    (IssueFilter.label_links_state), which only ever join the label's repository's issues (issues.services
    writes them so; tests/issues/test_label_state.py checks it), as the count already relies on. The
    repository filter is then left out: PostgreSQL would multiply its selectivity (issues of this
    repository among all) into the join's and, expecting a handful of rows, hash and sort every issue of
    the repository instead of reading the links' index in order (docs/benchmarks.md "Issues")."""
    issues = Issue.objects.filter(is_pull_request=False)
    if not via_label_links:
        issues = issues.filter(repository_id=param("repository", repository.pk))
    return issues.select_related("author", "closed_by", "milestone")


# Issue.number is a PositiveIntegerField: past this no issue has the number, and binding it would overflow.
MAX_NUMBER = 2**31 - 1


def issue_by_number(repository, number: int):
    """The repository's issue `number` (a pull request's number: None) as `issues_of` reads it — author,
    closer and milestone joined — or None. Every request about one issue starts here: compiled once."""
    if not 0 < number <= MAX_NUMBER:
        return None
    values = {"repository": repository.pk, "number": number}

    def build():  # (repository, number) is unique: no ORDER BY
        return issues_of(repository).filter(number=param("number", number))[:1]

    found = statement(("issues.by_number",), build, values).instances(values)
    return found[0] if found else None


def comment_list(issue):
    """(page, count, values) of an issue's comments, oldest first, with their authors joined, for
    `LinkHeaderPagination.paginate_statements` (instances). The issue was read within its repository
    (issue_by_number), which bounds the comments to that repository as the policy's rule for comments does."""
    values = {"issue": issue.pk}

    def build():
        return Comment.objects.filter(issue_id=param("issue", issue.pk)).select_related("author")

    page = statement(("issues.comments_page",), lambda: build().order_by("created_at", "pk"), values)
    count = statement(("issues.comments_count",), lambda: build().values("pk"), values)
    return page, count, values


def issue_list(repository, filterset, columns: tuple[str, ...]):
    """The filtered list of the repository's issues as (page, count, values): `page` reads `columns`
    (ordered, sliced by the paginator), `count` the same filter as `SELECT pk`, `values` the request's.

    The statements' key is the filterset's shape (IssueFieldsFilterSet.statement_shape)."""
    shape, values = filterset.statement_shape()
    values["repository"] = repository.pk

    def build():
        return filterset.filter_queryset(issues_of(repository, via_label_links=bool(filterset.label_links_state())))

    def build_count():
        # Labels and state alone: counted off the label links' index (IssueLabel), not the issues.
        links = filterset.label_links_matching()
        return links if links is not None else build().order_by().values("pk")

    page = statement(("issues.page", shape, columns), lambda: build().values_list(*columns), values)
    count = statement(("issues.count", shape), build_count, values)
    return page, count, values


def issue_list_total(repository, filterset) -> int | None:
    """The issue list's exact total from the repository's counters, kept in the transactions that open,
    close and reopen issues (issues.services; issues are never deleted), when only the state filters; None
    when other filters apply and the rows must be counted. `repository` is this request's row: the total
    as of the statement that read it, as a count statement's is as of its own."""
    state = filterset.counted_state()
    if state is None:
        return None
    if state == Issue.State.OPEN:
        return repository.open_issues_count
    if state == Issue.State.CLOSED:
        return repository.issues_count - repository.open_issues_count
    return repository.issues_count


def label_ids_by_name(repository, wanted: list[str]) -> dict[str, int]:
    """{lower-cased name: id} of the repository's labels among `wanted` (lower-cased names)."""
    values = {"repository": repository.pk, **{f"name.{i}": n for i, n in enumerate(wanted)}}

    def build():
        return Label.objects.filter(
            In(Lower("name"), [param(f"name.{i}", n) for i, n in enumerate(wanted)]),
            repository_id=param("repository", repository.pk),
        ).values_list(Lower("name"), "pk")

    return dict(statement(("issues.labels_by_name", len(wanted)), build, values).rows(values))


def _of_issues(link_model, issue_ids: list[int], columns: tuple[str, ...], key: str) -> list[tuple]:
    values = {f"issue.{i}": pk for i, pk in enumerate(issue_ids)}

    def build():
        of_ids = In(F("issue_id"), [param(k, pk) for k, pk in values.items()])
        return link_model.objects.filter(of_ids).values_list(*columns)

    return statement((key, len(issue_ids)), build, values).rows(values)


def label_rows_of(issue_ids: list[int]) -> list[tuple]:
    """(issue id, label id, name, color, description) of the issues' labels, unordered."""
    columns = ("issue_id", "label_id", "label__name", "label__color", "label__description")
    return _of_issues(Issue.labels.through, issue_ids, columns, "issues.labels_of")


def assignee_rows_of(issue_ids: list[int]) -> list[tuple]:
    """(issue id, *actor_columns) of the issues' assignees, unordered."""
    return _of_issues(Issue.assignees.through, issue_ids, ("issue_id", *actor_columns("actor")), "issues.assignees_of")
