import pytest

from pipelines.models import Pipeline

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
