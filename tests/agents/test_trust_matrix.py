"""The trust matrix of docs/api.md §10, end to end: every write endpoint × agent trust levels 0–4.

The agent's operator is an `admin` of the organisation, so the operator's role never stands in the
way: what decides is the agent's trust level alone. Each row names the minimum trust level §10 gives
the endpoint (or None: agents may never call it, whatever their trust — user credentials only).

Later issues ADD ROWS to `ENDPOINTS` (issues, comments, pull requests, merges, pipelines, job claims,
git push…) instead of writing their own trust checks. A row is:

    Endpoint(id, trust, success_status, request(ctx) -> (method, path, body), setup(ctx) optional)

`ctx` carries `org`, `repo` (private, auto-initialised, default branch `main`), `operator`,
`operator_token`, `agent`, and `make_user` / `make_token` / `make_repo`; a `setup` may add
attributes (an issue to edit, a PR to merge…). The request is sent once with the agent's token
(allowed iff trust >= row.trust; a denial is 403 with `details: {required_trust_level, trust_level}`
and leaves no event behind) and once with the operator's personal token (always allowed), which
proves that a denial came from the trust level and not from a broken row.
"""

from dataclasses import dataclass
from typing import Callable

import pytest

from kizuna.accounts.models import Role, Token
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db

TRUST_LEVELS = [0, 1, 2, 3, 4]


@dataclass(frozen=True)
class Endpoint:
    id: str
    trust: int | None  # minimum trust level (docs/api.md §10); None: never an agent
    success: int
    request: Callable  # ctx -> (method, path, body)
    setup: Callable | None = None


def _deploy_token(ctx):
    ctx.deploy_token = Token.objects.get(pk=_make_deploy_token(ctx))


def _make_deploy_token(ctx):
    from kizuna.accounts import services

    token, _ = services.token_create(kind=Token.Kind.DEPLOY, name="d", repository=ctx.repo, actor=None, scopes=["read"])
    return token.pk


def _member(ctx):
    ctx.member = ctx.make_user("mx-member")
    from kizuna.accounts import services
    from kizuna.accounts.actors import actor_for_user

    services.member_set(actor=actor_for_user(ctx.operator), org=ctx.org, user=ctx.member, role=Role.READ)


def _newbie(ctx):
    ctx.newbie = ctx.make_user("mx-newbie")


ENDPOINTS = [
    # repositories (docs/api.md §7): creating one needs Standard; settings and deletion need Autonomous.
    Endpoint("repo-create", 2, 201, lambda c: ("post", f"/repos/{c.org.login}", {"name": "fresh"})),
    Endpoint("repo-edit-description", 4, 200, lambda c: ("patch", f"/repos/{c.repo.full_name}", {"description": "x"})),
    Endpoint("repo-rename", 4, 200, lambda c: ("patch", f"/repos/{c.repo.full_name}", {"name": "renamed"})),
    Endpoint("repo-visibility", 4, 200, lambda c: ("patch", f"/repos/{c.repo.full_name}", {"visibility": "public"})),
    Endpoint("repo-archive", 4, 200, lambda c: ("patch", f"/repos/{c.repo.full_name}", {"archived": True})),
    Endpoint("repo-delete", 4, 204, lambda c: ("delete", f"/repos/{c.repo.full_name}", None)),
    # deploy tokens (docs/api.md §3): repo admin matters, so Autonomous.
    Endpoint("deploy-token-list", 4, 200, lambda c: ("get", f"/repos/{c.repo.full_name}/deploy-tokens", None)),
    Endpoint("deploy-token-create", 4, 201, lambda c: ("post", f"/repos/{c.repo.full_name}/deploy-tokens", {"name": "d"})),
    Endpoint(
        "deploy-token-revoke", 4, 204,
        lambda c: ("delete", f"/repos/{c.repo.full_name}/deploy-tokens/{c.deploy_token.pk}", None), _deploy_token,
    ),
    # organisations, members, personal tokens and agents: user credentials only.
    Endpoint("org-create", None, 201, lambda c: ("post", "/orgs", {"login": "mx-neworg"})),
    Endpoint("org-member-add", None, 200, lambda c: ("put", f"/orgs/{c.org.login}/members/{c.newbie.username}", {"role": "write"}), _newbie),
    Endpoint("org-member-remove", None, 204, lambda c: ("delete", f"/orgs/{c.org.login}/members/{c.member.username}", None), _member),
    Endpoint("user-token-create", None, 201, lambda c: ("post", "/user/tokens", {"name": "t"})),
    Endpoint("agent-register", None, 201, lambda c: ("post", "/agents", {"name": "mx-other", "model_family": "m", "model_version": "1"})),
    Endpoint("agent-update-self", None, 200, lambda c: ("patch", f"/agents/{c.agent.pk}", {"description": "x"})),
    Endpoint("agent-rotate-own-token", None, 201, lambda c: ("post", f"/agents/{c.agent.pk}/tokens", None)),
]


class Ctx:
    pass


@pytest.fixture
def ctx(make_user, make_org, make_repo, make_token, make_agent):
    c = Ctx()
    c.make_user, c.make_token, c.make_repo = make_user, make_token, make_repo
    c.operator = make_user("mx-operator")
    c.org = make_org("mx-org", owner=c.operator)
    c.repo = make_repo(c.org, "target", visibility="private", auto_init=True)
    c.operator_token = make_token(c.operator)

    def agent_at(level):
        c.agent, c.agent_token = make_agent(c.operator, name=f"mx-agent-{level}", trust_level=level, capabilities=["ci"])
        return c.agent_token

    c.agent_at = agent_at
    return c


def _send(api, token, method, path, body):
    client = api(token)
    return getattr(client, method)(path, body) if body is not None else getattr(client, method)(path)


@pytest.mark.parametrize("level", TRUST_LEVELS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
def test_agent_trust_matrix(ctx, api, endpoint, level):
    token = ctx.agent_at(level)
    if endpoint.setup:
        endpoint.setup(ctx)
    method, path, body = endpoint.request(ctx)
    events_before = Event.objects.filter(actor=ctx.agent.actor).count()
    response = _send(api, token, method, path, body)
    allowed = endpoint.trust is not None and level >= endpoint.trust
    if allowed:
        assert response.status_code == endpoint.success, (response.status_code, response.content)
        if method != "get":
            event = Event.objects.filter(actor=ctx.agent.actor).latest("id")
            assert event.on_behalf_of is not None and event.on_behalf_of.user_id == ctx.operator.pk
        return
    assert response.status_code == 403, (response.status_code, response.content)
    error = response.json()["error"]
    assert error["code"] == "FORBIDDEN"
    if endpoint.trust is None:
        assert "required_trust_level" not in error["details"]
    else:
        assert error["details"] == {"required_trust_level": endpoint.trust, "trust_level": level}
    assert Event.objects.filter(actor=ctx.agent.actor).count() == events_before  # nothing happened


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
def test_operator_may_do_what_the_row_tests(ctx, api, endpoint):
    """The control: the same request with the operator's own token succeeds, so each row is real."""
    ctx.agent_at(1)
    if endpoint.setup:
        endpoint.setup(ctx)
    method, path, body = endpoint.request(ctx)
    response = _send(api, ctx.operator_token, method, path, body)
    assert response.status_code == endpoint.success, (response.status_code, response.content)


def test_operator_role_still_caps_an_autonomous_agent(make_user, make_org, make_repo, make_agent, api):
    """Trust is a cap on top of the operator's role: a Autonomous agent of a `write` member is no admin."""
    owner, member = make_user("cap-owner"), make_user("cap-member")
    org = make_org("cap-org", owner=owner, members={member: Role.WRITE})
    repo = make_repo(org, "r", visibility="private")
    _, token = make_agent(member, trust_level=4)
    client = api(token)
    response = client.delete(f"/repos/{repo.full_name}")
    assert response.status_code == 403 and response.json()["error"]["details"] == {"required_role": "admin"}
    assert client.post(f"/repos/{org.login}", {"name": "ok"}).status_code == 201  # write role + trust 4
    _, outsider_agent = make_agent(make_user("cap-outsider"), trust_level=4)
    assert api(outsider_agent).patch(f"/repos/{repo.full_name}", {"description": "x"}).status_code == 404
