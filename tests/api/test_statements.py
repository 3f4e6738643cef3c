"""kizuna.statements: querysets compiled once per shape, run with each request's values."""

import datetime

import pytest
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, In

from issues.models import Issue
from kizuna import statements
from kizuna.statements import Param, Statement, statement
from repos.models import Repository

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _compiled(settings):
    """These tests are about compiled statements, whatever KIZUNA_COMPILED_STATEMENTS the run was given."""
    settings.KIZUNA_COMPILED_STATEMENTS = True


@pytest.fixture
def two_repos(world, make_repo):
    from issues.services import issue_create
    from kizuna.accounts.actors import actor_for_user

    other = make_repo(world.org, "other", visibility="public")
    author = actor_for_user(world.writer)
    for n in range(3):
        issue_create(repo=world.public, actor=author, title=f"pub {n}")
    issue_create(repo=other, actor=author, title="other 0")
    return world.public, other


def issues_of(repo_id, since):
    return (Issue.objects.filter(repository_id=Param("repository", repo_id), updated_at__gte=Param("since", since))
            .order_by("number").values_list("number", "title", "created_at", "is_pull_request", "author__login"))


def test_rows_are_the_querysets_own_and_each_run_takes_its_values(two_repos):
    """Types included: datetimes (strings on SQLite until converted) and booleans come back as the ORM's."""
    public, other = two_repos
    since = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    compiled = Statement(issues_of(public.pk, since))
    assert compiled.rows({"repository": public.pk, "since": since}) == list(issues_of(public.pk, since))
    assert compiled.rows({"repository": other.pk, "since": since}) == list(issues_of(other.pk, since))
    assert compiled.rows({"repository": public.pk, "since": since + datetime.timedelta(days=365 * 100)}) == []
    row = compiled.rows({"repository": other.pk, "since": since})[0]
    assert isinstance(row[2], datetime.datetime) and row[2].tzinfo is not None and row[3] is False


def test_a_cached_statement_is_reused_and_checked_against_a_fresh_compilation(two_repos, settings):
    public, other = two_repos
    since = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    key = ("test.issues_of", "shape")
    first = statement(key, lambda: issues_of(public.pk, since), {"repository": public.pk, "since": since})
    built = []
    values = {"repository": other.pk, "since": since}
    again = statement(key, lambda: built.append(1) or issues_of(other.pk, since), values)
    assert again is first and built == [1]  # verified: built once more, compiled not
    settings.KIZUNA_VERIFY_STATEMENTS = False
    statement(key, lambda: built.append(1) or issues_of(other.pk, since), {"repository": other.pk, "since": since})
    assert built == [1]  # without verification a reuse builds nothing


def test_a_value_left_out_of_both_key_and_params_fails_verification(two_repos):
    """A request value baked into the SQL (not a Param) would serve another request's rows: caught."""
    public, other = two_repos
    key = ("test.baked",)
    statement(key, lambda: Issue.objects.filter(repository_id=public.pk).values_list("pk"), {})
    with pytest.raises(AssertionError, match="misses a value"):
        statement(key, lambda: Issue.objects.filter(repository_id=other.pk).values_list("pk"), {})


def test_instances_attach_select_related_without_more_queries(two_repos, django_assert_num_queries):
    public, _ = two_repos
    values = {"org": "w-org", "name": "pub"}
    compiled = Statement(Repository.objects.select_related("namespace").filter(
        Exact(Lower("namespace__login"), Param("org", "w-org")), Exact(Lower("name"), Param("name", "pub"))))
    with django_assert_num_queries(1):
        (repo,) = compiled.instances(values)
        assert repo.namespace.login == "w-org"
    assert (repo.pk, repo.name, repo.visibility, repo.created_at) == (public.pk, "pub", "public", public.created_at)
    assert compiled.instances({"org": "w-org", "name": "nope"}) == []


def test_repository_lookup_by_path_is_case_insensitive_and_compiled_once(two_repos, django_assert_num_queries):
    public, other = two_repos
    assert Repository.objects.by_path("W-ORG", "PUB").pk == public.pk
    with django_assert_num_queries(1):
        assert Repository.objects.by_path("w-org", "Other").pk == other.pk
    assert Repository.objects.by_path("w-org", "missing") is None
    assert ("default", ("repos.by_path",)) in statements._statements


def test_a_query_that_cannot_match_compiles_to_no_sql(db, django_assert_num_queries):
    compiled = Statement(Issue.objects.filter(In("number", [])).values_list("pk"))
    with django_assert_num_queries(0):
        assert compiled.rows({}) == []


def test_the_cache_is_bounded_and_keeps_what_is_used(db, monkeypatch):
    from collections import OrderedDict

    monkeypatch.setattr(statements, "MAX_STATEMENTS", 3)
    monkeypatch.setattr(statements, "_statements", OrderedDict())
    for n in range(3):
        statement(("test.bounded", n), lambda: Issue.objects.values_list("pk"), {})
    statement(("test.bounded", 0), lambda: Issue.objects.values_list("pk"), {})  # used again: kept
    statement(("test.bounded", 3), lambda: Issue.objects.values_list("pk"), {})
    assert [key for _, key in statements._statements] == [("test.bounded", n) for n in (2, 0, 3)]


def test_a_kept_statement_holds_no_request_values(two_repos):
    public, _ = two_repos
    compiled = Statement(Issue.objects.filter(repository_id=Param("repository", public.pk), title="secret words")
                         .values_list("pk"))
    assert compiled.compiler.query is None and compiled.compiler.connection is None
    assert public.pk not in compiled.params  # a slot, bound per run


def test_a_param_of_none_is_refused():
    """Value(None) compiles to NULL with no parameter: a kept statement would bind the wrong number of values."""
    with pytest.raises(ValueError, match="'since' is None"):
        Param("since", None)


def test_a_first_compilation_is_verified_before_it_is_kept(db, monkeypatch):
    """A Param that compiles to no placeholder would fail its first run and stay cached: refused at once."""
    from collections import OrderedDict

    monkeypatch.setattr(statements, "_statements", OrderedDict())

    class Inlined(Param):  # a value the compiler writes into the SQL
        def as_sql(self, compiler, connection):
            return str(self.value), [statements._Slot(self.key, self.output_field)] if statements._compiling.get() else []

    key = ("test.inlined",)
    with pytest.raises(AssertionError, match="differs from a fresh compilation"):
        statement(key, lambda: Issue.objects.filter(number=Inlined("number", 1)).values_list("pk"), {"number": 1})
    assert ("default", key) not in statements._statements


def test_with_compiled_statements_off_the_querysets_run_as_they_are(two_repos, settings, django_assert_num_queries):
    public, other = two_repos
    settings.KIZUNA_COMPILED_STATEMENTS = False
    since = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    values = {"repository": other.pk, "since": since}
    plain = statement(("test.plain",), lambda: issues_of(other.pk, since), values)
    assert isinstance(plain, statements.PlainStatement)
    assert ("default", ("test.plain",)) not in statements._statements
    assert plain.rows(values) == list(issues_of(other.pk, since))
    assert statement(("test.plain",), lambda: issues_of(public.pk, since), values).rows(values, 2, 1) == \
        list(issues_of(public.pk, since))[1:3]
    assert Repository.objects.by_path("W-ORG", "Other").pk == other.pk
    nothing = statement(("test.none",), lambda: Issue.objects.filter(In("number", [])).values_list("pk"), {})
    with django_assert_num_queries(0):
        assert nothing.sql_with_params({}) is None


def test_the_issue_list_answers_the_same_with_compiled_statements_off(world, api, settings):
    from issues.services import issue_create
    from kizuna.accounts.actors import actor_for_user

    for n in range(3):
        issue_create(repo=world.public, actor=actor_for_user(world.writer), title=f"t{n}",
                     labels=["bug"] if n else [], assignees=["w-reader"] if n == 2 else [])
    reader = api(world.tokens["reader"])
    queries = ["", "?labels=bug", "?assignee=w-reader&per_page=1&page=2", "?state=all&sort=updated&direction=asc"]
    compiled = [(r.status_code, r.json(), r.headers.get("X-Total-Count"), r.headers.get("Link"))
                for r in (reader.get(f"/repos/w-org/pub/issues{q}") for q in queries)]
    settings.KIZUNA_COMPILED_STATEMENTS = False
    plain = [(r.status_code, r.json(), r.headers.get("X-Total-Count"), r.headers.get("Link"))
             for r in (reader.get(f"/repos/w-org/pub/issues{q}") for q in queries)]
    assert plain == compiled and compiled[1][0] == 200 and len(compiled[1][1]) == 2


def test_the_system_check_pins_compiled_statements_to_verified_django_releases(settings, monkeypatch):
    import django

    from kizuna.api.checks import compiled_statements_are_verified

    assert django.VERSION[:2] in statements.VERIFIED_DJANGO  # the installed release is the verified one
    assert compiled_statements_are_verified(None) == []
    monkeypatch.setattr(statements, "VERIFIED_DJANGO", ((4, 2),))
    (warning,) = compiled_statements_are_verified(None)
    assert warning.id == "kizuna.W002" and "4.2" in warning.msg
    settings.KIZUNA_COMPILED_STATEMENTS = False
    assert compiled_statements_are_verified(None) == []


# --- insert(): one-row INSERTs compiled once per model ---------------------------------------------------
def test_insert_saves_a_row_as_save_does_signals_included(world):
    from django.db.models.signals import post_save, pre_save

    from kizuna.accounts.actors import actor_for_user
    from kizuna.events.models import Event

    actor = actor_for_user(world.writer)
    seen = []

    def pre(sender, instance, raw, using, update_fields, **kwargs):
        seen.append(("pre", instance.pk, instance._state.adding))

    def post(sender, instance, created, **kwargs):
        seen.append(("post", instance.pk is not None, created, instance._state.adding))

    pre_save.connect(pre, sender=Event)
    post_save.connect(post, sender=Event)
    try:
        event = statements.insert(Event(type="issue.created", actor=actor, repository=world.public,
                                        namespace=world.org, payload={"n": [1, "two", None]}))
    finally:
        pre_save.disconnect(pre, sender=Event)
        post_save.disconnect(post, sender=Event)
    assert seen == [("pre", None, True), ("post", True, True, False)]
    stored = Event.objects.get(pk=event.pk)
    assert (stored.type, stored.actor_id, stored.repository_id, stored.namespace_id, stored.subject_id) == (
        "issue.created", actor.pk, world.public.pk, world.org.pk, None)
    assert stored.payload == {"n": [1, "two", None]} and stored.created_at == event.created_at


def test_insert_compiles_the_orm_sql_once_per_model(world, monkeypatch, django_assert_num_queries):
    from kizuna.accounts.actors import actor_for_user
    from kizuna.events.models import Event

    actor = actor_for_user(world.writer)
    monkeypatch.setattr(statements, "_inserts", {})
    compiled = []
    original = statements._insert_sql
    monkeypatch.setattr(statements, "_insert_sql", lambda *a: compiled.append(1) or original(*a))
    with django_assert_num_queries(3):  # one INSERT each, NULLs and values alike
        pks = [statements.insert(Event(type="t", actor=actor, payload={"i": i},
                                       repository=world.public if i else None)).pk for i in range(3)]
    assert compiled == [1]
    assert [e.repository_id for e in Event.objects.filter(pk__in=pks).order_by("pk")] == [None, world.public.pk, world.public.pk]


def test_insert_refuses_saved_rows_and_leaves_expressions_and_the_off_switch_to_the_orm(world, settings, monkeypatch):
    from django.db.models.functions import Now

    from kizuna.accounts.actors import actor_for_user
    from kizuna.events.models import Event

    actor = actor_for_user(world.writer)
    saved = statements.insert(Event(type="t", actor=actor))
    with pytest.raises(ValueError):
        statements.insert(saved)
    monkeypatch.setattr(statements, "_insert_sql", lambda *a: pytest.fail("compiled"))
    monkeypatch.setattr(statements, "_inserts", {})
    with_expression = statements.insert(Event(type="t", actor=actor, created_at=Now()))
    assert Event.objects.filter(pk=with_expression.pk).exists()
    settings.KIZUNA_COMPILED_STATEMENTS = False
    assert Event.objects.filter(pk=statements.insert(Event(type="t", actor=actor)).pk).exists()


def test_insert_refuses_models_it_would_not_save_as_the_orm_does():
    from django.contrib.auth.models import Permission  # an automatic key: accepted

    from agents.models import Agent  # a UUID key the model generates, not the database

    assert statements._insert_fields(Permission._meta)
    with pytest.raises(TypeError):
        statements._insert_fields(Agent._meta)


# --- Update: QuerySet.update() compiled once per shape ----------------------------------------------------
def test_a_compiled_update_sets_each_runs_values_and_counts_rows(two_repos, settings, django_assert_num_queries):
    from kizuna.statements import Update

    public, other = two_repos

    def build(repo_id, title):
        return Update(Issue.objects.filter(repository_id=Param("repository", repo_id)), title=Param("title", title))

    key = ("test.retitle",)
    with django_assert_num_queries(1):
        assert statement(key, lambda: build(public.pk, "a"), {"repository": public.pk, "title": "a"}).execute(
            {"repository": public.pk, "title": "a"}) == 3
    assert statement(key, lambda: build(other.pk, "b"), {"repository": other.pk, "title": "b"}).execute(
        {"repository": other.pk, "title": "b"}) == 1
    assert set(Issue.objects.filter(repository=public).values_list("title", flat=True)) == {"a"}
    assert list(Issue.objects.filter(repository=other).values_list("title", flat=True)) == ["b"]
    settings.KIZUNA_COMPILED_STATEMENTS = False
    assert statement(key, lambda: build(other.pk, "c"), {}).execute({}) == 1
    assert list(Issue.objects.filter(repository=other).values_list("title", flat=True)) == ["c"]
    with pytest.raises(TypeError):
        Update(Issue.objects.order_by("pk")[:1], title="x")


def test_a_literal_is_a_word_written_into_the_sql():
    from kizuna.statements import Literal
    from pipelines.models import Job

    sql, params = Job.objects.filter(status=Literal("pending")).query.sql_with_params()
    assert "'pending'" in sql and params == ()
    for bad in ("x'; DROP TABLE pipelines_job; --", "Pending", "", "a b"):
        with pytest.raises(ValueError):
            Literal(bad)
