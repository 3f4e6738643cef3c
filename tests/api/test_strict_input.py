"""What the server accepts is what the schema says and what it stores (issue: the server bent input):
strings are measured as sent, secrets are never trimmed, JSON types are not coerced, and timestamps keep
four-digit years on the way out."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world, api):
    return api(world.tokens["admin"])


def repo_url(world, rest=""):
    return f"/repos/{world.org.login}/{world.public.name}{rest}"


def test_a_title_longer_than_its_limit_is_refused_even_if_mostly_spaces(world, admin):
    response = admin.post(repo_url(world, "/issues"), {"title": " " * 400 + "t"})
    assert response.status_code == 422, response.content
    assert "title" in response.json()["error"]["details"]


def test_a_title_is_trimmed_and_may_not_be_blank(world, admin):
    created = admin.post(repo_url(world, "/issues"), {"title": "  tidy  "})
    assert created.status_code == 201 and created.json()["title"] == "tidy"
    assert admin.post(repo_url(world, "/issues"), {"title": "   "}).status_code == 422


def test_a_webhook_secret_is_kept_as_sent(world, admin, settings):
    from kizuna.events.models import Webhook

    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = True
    response = admin.post(repo_url(world, "/webhooks"), {"url": "http://127.0.0.1:9/hook", "events": ["push"],
                                                         "secret": " key with spaces  "})
    assert response.status_code == 201, response.content
    assert Webhook.objects.get(pk=response.json()["id"]).secret == " key with spaces  "


@pytest.mark.parametrize("body", [{"title": 5}, {"title": True}, {"title": "t", "body": 0}])
def test_numbers_and_booleans_are_not_strings(world, admin, body):
    assert admin.post(repo_url(world, "/issues"), body).status_code == 422


def test_booleans_are_json_booleans(world, admin):
    response = admin.post(f"/repos/{world.org.login}", {"name": "typed", "auto_init": 1})
    assert response.status_code == 422, response.content
    assert "auto_init" in response.json()["error"]["details"]


def test_names_with_a_trailing_newline_are_refused(world, admin):
    assert admin.post(f"/repos/{world.org.login}", {"name": "nl\n"}).status_code == 422
    assert admin.post("/orgs", {"login": "nl-org\n"}).status_code == 422
    assert admin.post(repo_url(world, "/labels"), {"name": "bug", "color": "abcdef\n"}).status_code == 422


@pytest.mark.parametrize("name", [" edge", "edge ", "a,b", "tab\there"])
def test_label_names_the_list_filter_could_not_name_are_refused(world, admin, name):
    response = admin.post(repo_url(world, "/labels"), {"name": name, "color": "abcdef"})
    assert response.status_code == 422, response.content


def test_a_year_before_1000_keeps_its_four_digits(world, admin):
    created = admin.post(repo_url(world, "/milestones"), {"title": "old", "due_on": "0931-12-29T08:33:50Z"})
    assert created.status_code == 201, created.content
    assert created.json()["due_on"] == "0931-12-29T08:33:50Z"
    number = created.json()["number"]
    assert admin.get(repo_url(world, f"/milestones/{number}")).json()["due_on"] == "0931-12-29T08:33:50Z"
    issue = admin.post(repo_url(world, "/issues"), {"title": "dated", "milestone": number}).json()
    assert issue["milestone"]["due_on"] == "0931-12-29T08:33:50Z"
    listed = admin.get(repo_url(world, "/issues")).json()
    assert [i["milestone"]["due_on"] for i in listed if i["number"] == issue["number"]] == ["0931-12-29T08:33:50Z"]


@pytest.mark.parametrize("value", ["1", 1.0, "1.0 ", True])
def test_an_integer_is_a_json_integer(world, admin, make_agent, value):
    """`type: integer` in the schema: a string, a float or a boolean is a 422 naming the field, never
    read as the integer DRF would make of it."""
    from issues.models import Milestone

    Milestone.objects.create(repository=world.public, number=1, title="m")
    issue = admin.post(repo_url(world, "/issues"), {"title": "t"}).json()["number"]
    patched = admin.patch(repo_url(world, f"/issues/{issue}"), {"milestone": value})
    assert patched.status_code == 422 and "milestone" in patched.json()["error"]["details"], patched.content
    agent, _ = make_agent(operator=world.admin)
    patched = admin.patch(f"/agents/{agent.pk}", {"trust_level": value})
    assert patched.status_code == 422 and "trust_level" in patched.json()["error"]["details"], patched.content
    assert admin.patch(repo_url(world, f"/issues/{issue}"), {"milestone": 1}).status_code == 200
