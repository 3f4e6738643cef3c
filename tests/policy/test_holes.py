"""Each hole an attacker found in the trust model, closed; each test failed on the code before the
policy package (kizuna.policy)."""

import base64
from unittest import mock

import pytest
from django.core.management import call_command

from kizuna.accounts.models import Membership, Role, Token, User
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.services import member_remove
from repos import git as repo_git

from .conftest import commit_files

pytestmark = pytest.mark.django_db

PIPELINE = "jobs:\n  deploy:\n    steps:\n      - run: ./deploy.sh\n"


def trigger(api, world, **body):
    response = api(world.tokens["writer"]).post("/repos/w-org/priv/pipelines", body)
    assert response.status_code == 201, response.content
    return response.json()


# --- who may claim jobs ------------------------------------------------------------------------------
def test_agent_of_a_read_member_claims_no_private_job_and_sees_no_secret(api, world, make_agent):
    commit_files(world.private, {".kizuna/pipeline.yml": PIPELINE})
    trigger(api, world, variables={"DEPLOY_KEY": "prod-secret-123"})
    _, token = make_agent(world.reader, trust_level=2, capabilities=["ci"])
    response = api(token).post("/agent/jobs/claim", {})
    assert response.status_code == 204
    assert b"prod-secret-123" not in response.content
    _, writers = make_agent(world.writer, trust_level=2, capabilities=["ci"])
    claimed = api(writers).post("/agent/jobs/claim", {})
    assert claimed.status_code == 201 and claimed.json()["variables"] == {"DEPLOY_KEY": "prod-secret-123"}


# --- when a job token dies -----------------------------------------------------------------------------
@pytest.fixture
def running_job(api, world, make_agent):
    commit_files(world.private, {".kizuna/pipeline.yml": PIPELINE})
    trigger(api, world)
    agent, token = make_agent(world.writer, trust_level=2, capabilities=["ci"])
    job = api(token).post("/agent/jobs/claim", {}).json()
    return agent, token, job


def job_token_works(api, client, job) -> tuple[int, int]:
    raw = job["job_token"]
    rest = api(raw).get("/repos/w-org/priv").status_code
    basic = base64.b64encode(f"x:{raw}".encode()).decode()
    git = client.get("/w-org/priv.git/info/refs", {"service": "git-upload-pack"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    return rest, git.status_code


def test_job_token_works_while_its_job_runs(api, client, running_job):
    assert job_token_works(api, client, running_job[2]) == (200, 200)


def test_job_token_dies_when_its_agent_is_suspended(api, client, world, running_job):
    agent, _, job = running_job
    from agents.services import agent_update

    agent_update(agent=agent, actor=actor_for_user(world.writer), by=world.writer, status="suspended")
    assert job_token_works(api, client, job) == (401, 401)


def test_job_token_dies_when_its_operator_leaves_the_org(api, client, world, running_job):
    _, _, job = running_job
    membership = Membership.objects.get(namespace=world.org, user=world.writer)
    member_remove(actor=actor_for_user(world.admin), org=world.org, membership=membership)
    assert job_token_works(api, client, job) == (401, 401)


def test_job_token_dies_when_its_operator_is_demoted_to_read(api, client, world, running_job):
    _, _, job = running_job
    Membership.objects.filter(namespace=world.org, user=world.writer).update(role=Role.READ)
    assert job_token_works(api, client, job) == (401, 401)


def test_job_token_dies_when_the_job_finishes(api, client, running_job):
    _, token, job = running_job
    assert api(token).post(f"/agent/jobs/{job['id']}/finish", {"status": "success", "exit_code": 0}).status_code == 200
    assert job_token_works(api, client, job) == (401, 401)


def test_a_fact_nobody_answers_decides_nothing(api, client, running_job, monkeypatch):
    """The policy reads a job's state, pipelines, protection rules and reviews through kizuna.policy.facts,
    which the pipelines and pulls apps answer at ready(); unanswered, a question raises rather than
    reading as "no job" or "unprotected"."""
    from django.core.exceptions import ImproperlyConfigured

    from kizuna.policy import facts

    assert job_token_works(api, client, running_job[2]) == (200, 200)
    monkeypatch.setattr(facts, "_answers", {name: facts._Unanswered(name) for name in facts.QUESTIONS})
    for ask in (lambda: facts.job_of(None), lambda: facts.protection_of(None, "main"),
                lambda: facts.protections(None, ["main"]), lambda: facts.verdict_reviews([1]),
                lambda: facts.newest_pipeline_statuses(None, ["a" * 40])):
        with pytest.raises(ImproperlyConfigured):
            ask()
    with pytest.raises(TypeError):
        facts.answer(is_admin=lambda *a: True)
    facts.answer(job_of=lambda token: None)
    with pytest.raises(ImproperlyConfigured):  # each question is answered once
        facts.answer(job_of=lambda token: None)


def test_the_policys_names_for_states_are_the_apps():
    from kizuna.policy import jobs, protection
    from pipelines.models import Status
    from pulls.models import Review

    assert jobs.RUNNING == Status.RUNNING
    assert (protection.APPROVED, protection.CHANGES_REQUESTED) == (Review.State.APPROVED, Review.State.CHANGES_REQUESTED)


# --- the merge decides under its lock ------------------------------------------------------------------
def test_merge_judges_the_base_the_pr_has_under_the_lock(pr_world, api, make_agent):
    w = pr_world
    w.clone.branch("release", "main")
    w.clone.push("release")
    agent, token = make_agent(w.writer, trust_level=3)
    created = api(w.tokens["writer"]).post("/repos/w-org/pub/pulls", {"title": "t", "head": "feature", "base": "release"})
    number = created.json()["number"]
    head = created.json()["head"]["sha"]
    main_before = repo_git.branch_sha(w.repo.pk, "main")

    from pulls.models import PullRequest
    from pulls.services import merge

    original = merge._lock

    def retarget_then_lock(pull):  # the agent retargets its PR between the view's answer and the lock
        PullRequest.objects.filter(pk=pull.pk).update(base_ref="main")
        return original(pull)

    with mock.patch.object(merge, "_lock", retarget_then_lock):
        response = api(token).post(f"/repos/w-org/pub/pulls/{number}/merge", {"sha": head})
    assert response.status_code == 403, response.content
    assert response.json()["error"]["details"] == {"required_trust_level": 4, "trust_level": 3}
    assert repo_git.branch_sha(w.repo.pk, "main") == main_before


# --- every user has a personal namespace ---------------------------------------------------------------
def _token_for(user, make_token):
    return make_token(user)


def test_user_made_with_create_user_owns_a_namespace(api, make_token):
    user = User.objects.create_user("plain-bob", password="pw")
    response = api(_token_for(user, make_token)).post("/repos/plain-bob", {"name": "mine"})
    assert response.status_code == 201, response.content


def test_user_made_with_createsuperuser_owns_a_namespace(api, make_token, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "pw-long-enough-123")
    call_command("createsuperuser", "--noinput", username="root-ann", email="ann@example.com", verbosity=0)
    user = User.objects.get(username="root-ann")
    response = api(_token_for(user, make_token)).post("/repos/root-ann", {"name": "mine"})
    assert response.status_code == 201, response.content


# --- an archived repository is read-only but for unarchiving ------------------------------------------
def test_archived_repository_refuses_settings_but_unarchives(api, world):
    admin = api(world.tokens["admin"])
    assert admin.patch("/repos/w-org/pub", {"archived": True}).status_code == 200
    refused = admin.patch("/repos/w-org/pub", {"description": "changed"})
    assert refused.status_code == 403 and refused.json()["error"]["details"] == {"archived": True}
    assert admin.patch("/repos/w-org/pub", {"archived": False, "description": "x"}).status_code == 403
    assert admin.patch("/repos/w-org/pub", {"visibility": "private"}).status_code == 403
    assert admin.patch("/repos/w-org/pub", {"archived": False}).status_code == 200
    assert admin.patch("/repos/w-org/pub", {"description": "changed"}).status_code == 200


# --- events about deploy tokens are read by whoever may list the tokens --------------------------------
def test_token_events_are_for_repository_admins_only(api, world):
    created = api(world.tokens["admin"]).post("/repos/w-org/pub/deploy-tokens", {"name": "ci-deploy", "scopes": ["read"]})
    assert created.status_code == 201
    for who in (None, world.tokens["reader"], world.tokens["writer"]):
        body = api(who).get("/repos/w-org/pub/events").content.decode()
        assert "ci-deploy" not in body and "token.created" not in body
    types = [e["type"] for e in api(world.tokens["admin"]).get("/repos/w-org/pub/events").json()]
    assert "token.created" in types
    # A personal token without the `admin` scope does not read them either.
    assert Token.objects.filter(kind="deploy").count() == 1
