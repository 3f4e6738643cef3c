from datetime import timedelta

import pytest
from django.utils import timezone

from kizuna.accounts.models import Token
from kizuna.events.models import Event
from pipelines import services
from pipelines.models import Job, Pipeline

from .conftest import commit_files

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/priv/pipelines"
DAG = """
jobs:
  build:
    steps: [{run: make}]
  test:
    needs: [build]
    steps: [{run: make test}]
  lint:
    steps: [{run: make lint}]
  deploy:
    needs: [test, lint]
    if: "ref == 'main' && variables.DEPLOY == 'yes'"
    steps: [{run: ./deploy}]
"""


def trigger(api, world, **body):
    return api(world.tokens["writer"]).post(BASE, body)


def claim(api, token, wait=0):
    return api(token).post("/agent/jobs/claim", {"wait": wait})


def finish(api, token, job_id, status="success", exit_code=0):
    return api(token).post(f"/agent/jobs/{job_id}/finish", {"status": status, "exit_code": exit_code})


def post_log(api, token, job_id, data: bytes, offset: int):
    return api(token).client.post(f"/api/v1/agent/jobs/{job_id}/log", data, content_type="text/plain",
                                  HTTP_X_LOG_OFFSET=str(offset))


def test_trigger_get_and_variables_hidden(api, world, ci_repo):
    response = trigger(api, world, variables={"SECRET": "s3cret"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == 1 and body["status"] == "pending" and body["trigger"] == "api"
    assert body["ref"] == "main" and len(body["sha"]) == 40
    assert body["variables"] == ["SECRET"] and "s3cret" not in response.content.decode()
    assert body["triggered_by"] == {"id": world.writer.pk, "login": "w-writer", "type": "User"}
    assert [j["name"] for j in body["jobs"]] == ["test"]
    assert body["jobs"][0]["agent"] is None and body["jobs"][0]["attempt"] == 1
    got = api(world.tokens["reader"]).get(f"{BASE}/{body['id']}")
    assert got.status_code == 200 and got.json()["id"] == body["id"]
    assert Event.objects.filter(type="pipeline.created", repository=ci_repo).count() == 1


@pytest.mark.parametrize("body, field", [
    ({"ref": "nope"}, "ref"),
    ({"variables": {"N": 1}}, "variables"),
    ({"variables": ["x"]}, "variables"),
])
def test_trigger_bad_input(api, world, ci_repo, body, field):
    response = trigger(api, world, **body)
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
    assert not Pipeline.objects.exists()


def test_trigger_missing_or_invalid_definition(api, world):
    commit_files(world.private, {"README.md": "x"})
    response = trigger(api, world)
    assert response.status_code == 422 and "not found" in response.json()["error"]["details"]["definition"][0]
    commit_files(world.private, {".kizuna/pipeline.yml": "jobs:\n  a: {needs: [b], steps: [{run: x}]}\n  b: {needs: [a], steps: [{run: x}]}\n"})
    response = trigger(api, world)
    assert response.status_code == 422 and "cycle" in response.json()["error"]["details"]["definition"][0]
    commit_files(world.private, {".kizuna/pipeline.yml": "jobs: [\n"})
    assert "invalid YAML" in trigger(api, world).json()["error"]["details"]["definition"][0]
    assert not Pipeline.objects.exists()


def test_trigger_by_tag_and_sha(api, world, ci_repo):
    sha = commit_files(ci_repo, {"x": "1"})
    response = trigger(api, world, ref=sha[:10])
    assert response.status_code == 201 and response.json()["sha"] == sha and response.json()["ref"] == sha[:10]


def test_permissions(api, world, ci_repo, make_token, make_agent):
    assert api(world.tokens["reader"]).post(BASE, {}).status_code == 403
    assert api(world.tokens["outsider"]).post(BASE, {}).status_code == 404
    assert api().post(BASE, {}).status_code == 401
    deploy_rw = make_token(kind=Token.Kind.DEPLOY, repository=ci_repo, scopes=["read", "write"])
    deploy_ro = make_token(kind=Token.Kind.DEPLOY, repository=ci_repo, scopes=["read"])
    assert api(deploy_rw).post(BASE, {}).status_code == 201
    assert api(deploy_ro).post(BASE, {}).status_code == 403
    _, low = make_agent(world.writer, trust=1)
    _, std = make_agent(world.writer, trust=2)
    denied = api(low).post(BASE, {})
    assert denied.status_code == 403 and denied.json()["error"]["details"]["required_trust_level"] == 2
    assert api(std).post(BASE, {}).status_code == 201


def test_list_filters_and_query_count(api, world, runner_agent, django_assert_max_num_queries):
    commit_files(world.private, {".kizuna/pipeline.yml": DAG})
    for _ in range(3):
        assert trigger(api, world).status_code == 201
    for _ in range(3):
        assert claim(api, runner_agent[1]).status_code == 201  # jobs with agents in the page
    p = Pipeline.objects.order_by("id").first()
    services.pipeline_cancel(pipeline=p, actor=p.triggered_by)
    client = api(world.tokens["reader"])
    numbers = [x["number"] for x in client.get(BASE).json()]
    assert numbers == [3, 2, 1]
    assert [x["number"] for x in client.get(BASE, {"status": "canceled"}).json()] == [1]
    assert len(client.get(BASE, {"ref": "main", "trigger": "api", "sha": p.sha}).json()) == 3
    assert client.get(BASE, {"trigger": "cron"}).status_code == 422
    with django_assert_max_num_queries(12) as one:
        assert len(client.get(BASE, {"per_page": 1}).json()) == 1
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(BASE, {"per_page": 100}).json()
    assert len(page) == 3 and sum(len(p["jobs"]) for p in page) == 12
    assert any(j["agent"] for p in page for j in p["jobs"])


def test_claim_requires_ci_trust_and_agent(api, world, ci_repo, make_agent):
    trigger(api, world)
    _, no_ci = make_agent(world.writer, capabilities=["review"])
    _, low = make_agent(world.writer, trust=1)
    _, suspended = make_agent(world.writer, status="suspended")
    for token in (no_ci, low, suspended, world.tokens["writer"]):
        assert claim(api, token).status_code == 403
    assert claim(api, no_ci).json()["error"]["details"] == {"required_capability": "ci", "capabilities": ["review"]}
    assert claim(api, low).json()["error"]["details"]["required_trust_level"] == 2
    assert api().post("/agent/jobs/claim", {}).status_code == 401


def test_claim_wait_validation(api, runner_agent):
    for wait in (31, -1, "5", True, 1.5):
        assert claim(api, runner_agent[1], wait=wait).status_code == 422


def test_claim_only_repos_the_operator_belongs_to(api, world, ci_repo, make_agent, make_user):
    trigger(api, world)
    _, stranger = make_agent(make_user(), name="stranger")
    assert claim(api, stranger).status_code == 204


def test_job_protocol_happy_path(api, world, ci_repo, runner_agent):
    pipeline_id = trigger(api, world, variables={"V": "1"}).json()["id"]
    agent, token = runner_agent
    response = claim(api, token)
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["repository"]["full_name"] == "w-org/priv" and job["clone_url"].endswith("/w-org/priv.git")
    assert job["steps"] == [{"run": "echo hello"}] and job["variables"] == {"V": "1"} and job["timeout"] == 3600
    assert job["job_token"].startswith("kzj_")
    assert claim(api, token).status_code == 204  # exactly once
    # the job token reads that one repository and nothing else
    assert api(job["job_token"]).get("/repos/w-org/priv").status_code == 200
    assert api(job["job_token"]).post(BASE, {}).status_code == 403
    detail = api(world.tokens["reader"]).get(f"{BASE}/{pipeline_id}").json()
    assert detail["status"] == "running" and detail["jobs"][0]["agent"]["login"] == "ci-bot"

    assert api(token).post(f"/agent/jobs/{job['id']}/heartbeat").json() == {"status": "running"}
    assert post_log(api, token, job["id"], b"hello ", 0).status_code == 202
    wrong = post_log(api, token, job["id"], b"again", 0)
    assert wrong.status_code == 416 and wrong.json()["error"]["details"] == {"offset": 6}
    assert post_log(api, token, job["id"], b"world\n", 6)["X-Log-Offset"] == "12"

    log_url = f"{BASE}/{pipeline_id}/jobs/{job['id']}/log"
    full = api(world.tokens["reader"]).get(log_url)
    assert full.status_code == 200 and full.content == b"hello world\n" and full["Content-Type"].startswith("text/plain")
    part = api(world.tokens["reader"]).get(log_url, HTTP_RANGE="bytes=6-")
    assert part.status_code == 206 and part.content == b"world\n" and part["Content-Range"] == "bytes 6-11/12"
    assert api(world.tokens["reader"]).get(log_url, HTTP_RANGE="bytes=12-").status_code == 416
    # text whatever Accept says (the SDKs send Accept: application/json on every call)
    as_json = api(world.tokens["reader"]).get(log_url, HTTP_ACCEPT="application/json", HTTP_RANGE="bytes=6-")
    assert as_json.status_code == 206 and as_json.content == b"world\n" and as_json["Content-Type"].startswith("text/plain")
    whole = api(world.tokens["reader"]).get(log_url, HTTP_ACCEPT="application/json")
    assert whole.content == b"hello world\n" and whole["Content-Type"].startswith("text/plain")
    missing = api(world.tokens["reader"]).get(f"{BASE}/{pipeline_id}/jobs/0/log", HTTP_ACCEPT="text/plain")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"

    done = finish(api, token, job["id"], exit_code=0)
    assert done.status_code == 200 and done.json()["status"] == "success"
    assert finish(api, token, job["id"]).status_code == 409
    assert api(job["job_token"]).get("/repos/w-org/priv").status_code == 401  # revoked with the job
    detail = api(world.tokens["reader"]).get(f"{BASE}/{pipeline_id}").json()
    assert detail["status"] == "success" and detail["duration_seconds"] is not None
    types = list(Event.objects.filter(repository=ci_repo, type__startswith=("pipeline")).values_list("type", flat=True))
    assert types.count("pipeline.status_changed") == 2
    last = Event.objects.filter(type="pipeline.status_changed").order_by("-id").first()
    assert last.payload["pipeline"]["status"] == "success" and last.payload["pipeline"]["triggered_by"]["login"] == "w-writer"


def test_other_agent_gets_404(api, world, ci_repo, runner_agent, make_agent):
    trigger(api, world)
    job = claim(api, runner_agent[1]).json()
    _, other = make_agent(world.writer)
    assert api(other).post(f"/agent/jobs/{job['id']}/heartbeat").status_code == 404
    assert finish(api, other, job["id"]).status_code == 404
    assert post_log(api, other, job["id"], b"x", 0).status_code == 404
    assert finish(api, runner_agent[1], job["id"], status="skipped").status_code == 422


def test_needs_and_skip_logic(api, world, runner_agent):
    commit_files(world.private, {".kizuna/pipeline.yml": DAG})
    token = runner_agent[1]
    pipeline_id = trigger(api, world, variables={"DEPLOY": "yes"}).json()["id"]
    first = claim(api, token).json()
    second = claim(api, token).json()
    assert {first["name"], second["name"]} == {"build", "lint"}
    assert claim(api, token).status_code == 204  # test waits for build
    finish(api, token, first["id"] if first["name"] == "build" else second["id"])
    test_job = claim(api, token).json()
    assert test_job["name"] == "test"
    finish(api, token, test_job["id"], status="failed", exit_code=2)
    finish(api, token, first["id"] if first["name"] == "lint" else second["id"])
    jobs = {j["name"]: j for j in api(world.tokens["reader"]).get(f"{BASE}/{pipeline_id}").json()["jobs"]}
    assert jobs["deploy"]["status"] == "skipped" and jobs["test"]["exit_code"] == 2
    assert Pipeline.objects.get(pk=pipeline_id).status == "failed"


def test_if_false_skips_and_all_skipped(api, world, runner_agent):
    commit_files(world.private, {".kizuna/pipeline.yml": "jobs:\n  d:\n    if: \"ref == 'prod'\"\n    steps: [{run: x}]\n"})
    body = trigger(api, world).json()
    assert body["jobs"][0]["status"] == "skipped" and body["status"] == "skipped"
    assert claim(api, runner_agent[1]).status_code == 204


def test_cancel(api, world, ci_repo, runner_agent):
    pipeline_id = trigger(api, world).json()["id"]
    job = claim(api, runner_agent[1]).json()
    assert api(world.tokens["reader"]).post(f"{BASE}/{pipeline_id}/cancel").status_code == 403
    response = api(world.tokens["writer"]).post(f"{BASE}/{pipeline_id}/cancel")
    assert response.status_code == 202 and response.json()["status"] == "canceled"
    assert api(runner_agent[1]).post(f"/agent/jobs/{job['id']}/heartbeat").json() == {"status": "canceled"}
    assert finish(api, runner_agent[1], job["id"]).status_code == 409
    assert api(world.tokens["writer"]).post(f"{BASE}/{pipeline_id}/cancel").status_code == 409


def test_lease_expiry_requeues_then_fails(api, world, ci_repo, runner_agent, make_agent):
    pipeline_id = trigger(api, world).json()["id"]
    _, other = make_agent(world.writer)
    token = runner_agent[1]
    for attempt in (1, 2, 3):
        job = claim(api, token if attempt % 2 else other).json()
        assert job["attempt"] == attempt
        Job.objects.filter(pk=job["id"]).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert claim(api, token).status_code == 204  # the sweep failed it after the third attempt
    j = Job.objects.get(pk=job["id"])
    assert j.status == "failed" and j.attempt == 3
    assert Pipeline.objects.get(pk=pipeline_id).status == "failed"
    # the agent that held the last attempt is told to stop
    assert api(token).post(f"/agent/jobs/{job['id']}/heartbeat").json() == {"status": "failed"}


def test_requeued_job_is_not_the_old_agents(api, world, ci_repo, runner_agent, make_agent):
    trigger(api, world)
    job = claim(api, runner_agent[1]).json()
    Job.objects.filter(pk=job["id"]).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    _, other = make_agent(world.writer)
    again = claim(api, other).json()
    assert again["id"] == job["id"] and again["attempt"] == 2
    assert api(runner_agent[1]).post(f"/agent/jobs/{job['id']}/heartbeat").status_code == 404
    assert api(job["job_token"]).get("/repos/w-org/priv").status_code == 401


def test_push_hook_triggers_when_on_push(world):
    from kizuna.accounts.actors import actor_for_user
    from repos.services import on_push

    actor = actor_for_user(world.writer)
    sha = commit_files(world.private, {".kizuna/pipeline.yml": "on: [push]\n" + DAG})
    on_push(repo=world.private, ref="refs/heads/main", before="0" * 40, after=sha, actor=actor)
    pipeline = Pipeline.objects.get()
    assert pipeline.trigger == "push" and pipeline.ref == "main" and pipeline.sha == sha
    sha2 = commit_files(world.private, {".kizuna/pipeline.yml": DAG})  # no `on`: nothing
    on_push(repo=world.private, ref="refs/heads/main", before=sha, after=sha2, actor=actor)
    assert Pipeline.objects.count() == 1


def test_trigger_for_pull_request(world):
    from kizuna.accounts.actors import actor_for_user

    sha = commit_files(world.private, {".kizuna/pipeline.yml": "on: pull_request\n" + DAG}, branch="feature")

    class FakePR:
        repository = world.private

    from django.db import transaction

    with transaction.atomic():
        pipeline = services.trigger_for_pull_request(FakePR(), actor=actor_for_user(world.writer), head_sha=sha,
                                                     head_ref="refs/heads/feature")
    assert pipeline.trigger == "pull_request" and pipeline.ref == "feature"
    # `deploy`'s condition is false for this ref: it is skipped once its needs succeed
    assert pipeline.jobs.count() == 4


def test_requeued_single_job_keeps_pipeline_running_and_sweep_command(api, world, ci_repo, runner_agent):
    from io import StringIO

    from django.core.management import call_command

    pipeline_id = trigger(api, world).json()["id"]
    job = claim(api, runner_agent[1]).json()
    Job.objects.filter(pk=job["id"]).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("sweep_job_leases", stdout=out)
    assert out.getvalue().strip() == "1"
    assert Job.objects.get(pk=job["id"]).status == "pending"
    assert Pipeline.objects.get(pk=pipeline_id).status == "running"


def test_the_unfiltered_list_reads_its_total_from_the_pipeline_counter(api, world, settings):
    """No count statement (nor the planner's estimate) when no filter is sent: a count would grow with the
    repository's pipelines; exact past the count limit too. A filter is counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    commit_files(world.private, {".kizuna/pipeline.yml": DAG})
    for _ in range(3):
        assert trigger(api, world).status_code == 201
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 2
    client = api(world.tokens["reader"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(BASE, {"per_page": 1})
    assert response["X-Total-Count"] == "3" and 'rel="last"' in response["Link"]
    assert not [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] or q["sql"].startswith("EXPLAIN")]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(BASE, {"per_page": 1, "ref": "main"})
    assert "X-Total-Count" not in response  # 3 matches > the limit 2: counted and bounded
    assert [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    settings.KIZUNA_PAGINATION_COUNT_LIMIT = 100
    assert client.get(BASE, {"per_page": 1, "status": "pending"})["X-Total-Count"] == "3"
