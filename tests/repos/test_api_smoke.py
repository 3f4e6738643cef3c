import pytest

pytestmark = pytest.mark.django_db


def test_create_get_list_repo(world, api):
    client = api(world.tokens["writer"])
    response = client.post("/repos/w-org", {"name": "Fresh", "description": "d", "visibility": "public"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["full_name"] == "w-org/Fresh"
    assert response["Location"] == body["url"]
    assert api().get("/repos/w-org/fresh").json()["name"] == "Fresh"
    names = [r["name"] for r in api().get("/repos/w-org").json()]
    assert "Fresh" in names and "priv" not in names


def test_private_repo_is_404_for_outsider_like_a_missing_one(world, api):
    outsider = api(world.tokens["outsider"])
    hidden = outsider.get("/repos/w-org/priv")
    missing = outsider.get("/repos/w-org/nope")
    assert hidden.status_code == missing.status_code == 404
    strip = lambda r: {**r.json()["error"], "request_id": None}  # noqa: E731
    assert strip(hidden) == strip(missing)
