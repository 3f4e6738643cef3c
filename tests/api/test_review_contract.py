"""Cross-app contract checks found in review (docs/api.md §1–§14)."""

import pytest

pytestmark = pytest.mark.django_db


def test_pull_create_on_private_repo_is_404_before_body_validation(world, api):
    """§2: a private repo answers exactly as a missing one — even to a body that would not validate."""
    client = api(world.tokens["outsider"])
    for body in ({}, {"title": 5, "body": ["x"], "head": 3}):
        hidden = client.post("/repos/w-org/priv/pulls", body)
        missing = client.post("/repos/w-org/nope/pulls", body)
        assert hidden.status_code == missing.status_code == 404, hidden.content
        assert hidden.json()["error"]["code"] == "NOT_FOUND"


def test_pull_create_anonymous_on_public_repo_is_401_before_body_validation(world, api):
    response = api().post("/repos/w-org/pub/pulls", {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="kizuna"'


def test_schema_generates_without_warnings(tmp_path):
    """§14 / CONVENTIONS: `spectacular --validate --fail-on-warn` stays clean across apps (component and
    enum names must not collide between issues, pulls and webhooks)."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
