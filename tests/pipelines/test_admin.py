import pytest
from django.test import Client

from pipelines.models import Job, Pipeline

pytestmark = pytest.mark.django_db


def test_admin_lists_and_cancels(client, world, ci_repo, api, make_user):
    pipeline_id = api(world.tokens["writer"]).post("/repos/w-org/priv/pipelines", {"variables": {"TOKEN": "s3cret"}}).json()["id"]
    staff = make_user("staffer", is_staff=True, is_superuser=True)
    client.force_login(staff)
    listing = client.get("/admin/pipelines/pipeline/")
    assert listing.status_code == 200
    change = client.get(f"/admin/pipelines/pipeline/{pipeline_id}/change/")
    assert change.status_code == 200 and b"TOKEN" in change.content and b"s3cret" not in change.content
    assert client.get("/admin/pipelines/job/").status_code == 200
    response = client.post("/admin/pipelines/pipeline/", {"action": "cancel_pipelines", "_selected_action": [pipeline_id]})
    assert response.status_code == 302
    assert Pipeline.objects.get(pk=pipeline_id).status == "canceled"


@pytest.fixture
def staff(client, make_user):
    client.force_login(make_user("root-op", is_staff=True, is_superuser=True))
    return client


def run_one_job(api, world, runner_agent, log: bytes):
    _, token = runner_agent
    pipeline_id = api(world.tokens["writer"]).post("/repos/w-org/priv/pipelines", {"variables": {"V": "1"}}).json()["id"]
    job = api(token).post("/agent/jobs/claim", {"wait": 0}).json()
    response = api(token).client.post(f"/api/v1/agent/jobs/{job['id']}/log", log, content_type="text/plain",
                                      HTTP_X_LOG_OFFSET="0")
    assert response.status_code == 202
    assert api(token).post(f"/agent/jobs/{job['id']}/finish", {"status": "success", "exit_code": 0}).status_code == 200
    return pipeline_id, job["id"]


def test_job_log_is_readable_and_finished_work_read_only(staff, world, ci_repo, api, runner_agent):
    pipeline_id, job_id = run_one_job(api, world, runner_agent, b"step one\n<b>two</b>\n")
    page = staff.get(f"/admin/pipelines/job/{job_id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "step one" in html and "&lt;b&gt;two&lt;/b&gt;" in html  # the log's text, escaped
    assert 'name="status"' not in html and 'name="steps"' not in html and 'name="_save"' not in html
    raw = staff.get(f"/admin/pipelines/job/{job_id}/log/")
    assert raw.status_code == 200 and raw.content == b"step one\n<b>two</b>\n"
    assert raw["Content-Type"].startswith("text/plain")
    # Nothing is edited, added or deleted past the API.
    assert staff.post(f"/admin/pipelines/job/{job_id}/change/", {"status": "failed"}).status_code == 403
    assert Job.objects.get(pk=job_id).status == "success"
    for model in ("job", "pipeline"):
        assert staff.get(f"/admin/pipelines/{model}/add/").status_code == 403
    assert staff.post(f"/admin/pipelines/pipeline/{pipeline_id}/delete/", {"post": "yes"}).status_code == 403
    assert Client().get(f"/admin/pipelines/job/{job_id}/log/").status_code == 302  # sign-in first


def test_rerun_action_starts_a_new_pipeline_at_the_same_commit(staff, world, ci_repo, api, runner_agent):
    from kizuna.events.models import Event

    pipeline_id, _ = run_one_job(api, world, runner_agent, b"ok\n")
    first = Pipeline.objects.get(pk=pipeline_id)
    response = staff.post("/admin/pipelines/pipeline/", {"action": "rerun_pipelines", "_selected_action": [pipeline_id]})
    assert response.status_code == 302
    again = Pipeline.objects.exclude(pk=pipeline_id).get()
    assert (again.sha, again.ref, again.variables, again.number) == (first.sha, first.ref, first.variables, 2)
    assert again.jobs.get().status == "pending"
    created = Event.objects.get(type="pipeline.created", payload__pipeline__id=again.pk)
    assert created.actor.login == "root-op"
