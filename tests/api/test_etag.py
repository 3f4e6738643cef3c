"""docs/api.md §6: strong ETags from the representation, Vary: Authorization, 304 with no body."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/repos/w-org/pub", "/repos/w-org", "/orgs/w-org"])
def test_etag_and_304(world, api, path):
    client = api(world.tokens["reader"])
    first = client.get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "Authorization" in first["Vary"]
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "Authorization" in again["Vary"]
    assert client.get(path, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_etag_depends_on_representation_not_token(world, api, make_token):
    a = api(world.tokens["reader"]).get("/repos/w-org/pub")["ETag"]
    b = api(make_token(world.reader)).get("/repos/w-org/pub")["ETag"]
    assert a == b
    api(world.tokens["admin"]).patch("/repos/w-org/pub", {"description": "changed"})
    after = api(world.tokens["reader"]).get("/repos/w-org/pub", HTTP_IF_NONE_MATCH=a)
    assert after.status_code == 200 and after["ETag"] != a


def test_a_failed_if_match_is_412_precondition_failed(world, api):
    response = api(world.tokens["reader"]).get("/repos/w-org/pub", HTTP_IF_MATCH='"not-the-tag"')
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "PRECONDITION_FAILED"
