"""The generated access matrix: every URL pattern × every kind of caller (token kind, role, scope,
trust level), each answer checked against what the policy itself decides (kizuna.policy).

`ENDPOINTS` names, for every URL pattern the server routes, the requests that probe it and the policy
question each one asks. A pattern missing from it fails `test_every_url_pattern_is_in_the_matrix`,
so a new endpoint cannot ship without its row. For each probe and caller the expected status comes
from the policy (404 for what the caller may not see, 401 for anonymous writes, 403 for the rest);
the request must answer it — or, when the policy allows, anything but 401/403 (404 only where an
earlier caller's allowed DELETE removed the object).
"""

import uuid
from dataclasses import dataclass, field
from typing import Callable

import pygit2
import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLResolver, get_resolver
from rest_framework import exceptions

from kizuna import policy
from kizuna.accounts.actors import actor_for_user
from kizuna.api.authentication import lookup_token
from kizuna.api.errors import NotFound
from repos import git as repo_git

from .conftest import commit_files

pytestmark = pytest.mark.django_db

R = "/api/v1/repos/w-org/priv"
MISSING_JOB = 999999


# --- the policy question each probe asks -----------------------------------------------------------
def repo_of(w):
    from repos.models import Repository

    repo = Repository.objects.by_path("w-org", "priv")
    if repo is None:
        raise NotFound()
    return repo


def act(action):
    return lambda w, p, t: policy.check(p, repo_of(w), action, token=t)


def own_or(action, author):
    return lambda w, p, t: policy.check(p, repo_of(w), policy.own_or(
        action, actor=_actor(p), author_id=getattr(w, author).pk), token=t)


def settings_change(body):
    def decide(w, p, t):
        for action in policy.settings_actions(repo_of(w), body):
            policy.check(p, repo_of(w), action, token=t)
    return decide


def scoped(scope, then=None):
    """A REST view whose TokenScopePermission asks `scope` (kizuna.policy.drf), then `then`."""
    def decide(w, p, t):
        if then is not None:
            then(w, p, t)
    decide.scope = scope
    return decide


def rest_default(probe, principal, token):
    """kizuna.policy.drf.TokenScopePermission: unsafe methods need a signed-in caller; tokens need the scope."""
    scope = getattr(probe.decide, "scope", None)
    if scope is None:
        return
    if probe.method != "get":
        policy.require_signed_in(principal)
    if policy.principal_kind(principal) != "anonymous":
        policy.check_scope(token, scope)


def public(w, p, t):
    return None


def signed_in(w, p, t):
    policy.require_signed_in(p)


def user_admin_scope(w, p, t):
    policy.require_user(p)
    policy.check_scope(t, "admin")


def members(manage):
    return scoped("write" if manage else "read", lambda w, p, t: policy.check_members(p, w.org, manage=manage, token=t))


def org_admin(w, p, t):
    policy.check_namespace_admin(p, w.org, token=t)


def manage_agent(w, p, t):
    policy.check_manage_agent(p, w.agent)


def job_runner(w, p, t):
    policy.check_job_runner(p)


def _actor(principal):
    from kizuna.accounts.actors import actor_for

    return actor_for(principal) if policy.principal_kind(principal) != "anonymous" else None


@dataclass
class Probe:
    method: str
    path: str
    decide: Callable
    body: dict | None = None
    ok: tuple = ()  # statuses an allowed request may also answer (e.g. 404 for a job it does not hold)
    stream: bool = False
    git: bool = False
    web: bool = False
    deletes: bool = False
    query: dict = field(default_factory=dict)


def P(method, path, decide, body=None, **kw):
    return Probe(method, path, decide, body, **kw)


ISSUE, PR, COMMENT, MILESTONE = 1, 2, "{comment}", 1
ENDPOINTS = {
    "api/v1/user": [P("get", "/api/v1/user", scoped("read", signed_in))],
    "api/v1/user/tokens": [P("get", "/api/v1/user/tokens", user_admin_scope),
                           P("post", "/api/v1/user/tokens", user_admin_scope, {"name": "m"})],
    "api/v1/user/tokens/<str:pk>": [P("delete", "/api/v1/user/tokens/999999", user_admin_scope, ok=(404,))],
    "api/v1/orgs": [P("post", "/api/v1/orgs", lambda w, p, t: (policy.require_user(p), policy.check_scope(t, "write")),
                      {"login": "o-{uniq}"})],
    "api/v1/orgs/<str:org>": [P("get", "/api/v1/orgs/w-org", scoped("read"))],
    "api/v1/orgs/<str:org>/members": [P("get", "/api/v1/orgs/w-org/members", members(False))],
    "api/v1/orgs/<str:org>/members/<str:login>": [
        P("put", "/api/v1/orgs/w-org/members/w-out", members(True), {"role": "read"}),
        P("delete", "/api/v1/orgs/w-org/members/w-out", members(True), ok=(404,))],
    "api/v1/repos/<str:org>/<str:repo>/deploy-tokens": [
        P("get", f"{R}/deploy-tokens", scoped("admin", act(policy.Action.ADMIN))),
        P("post", f"{R}/deploy-tokens", scoped("admin", act(policy.Action.ADMIN)), {"name": "d"})],
    "api/v1/repos/<str:org>/<str:repo>/deploy-tokens/<str:pk>": [
        P("delete", f"{R}/deploy-tokens/999999", scoped("admin", act(policy.Action.ADMIN)), ok=(404,))],
    "api/v1/repos/<str:org>/<str:repo>/events": [P("get", f"{R}/events", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/events/stream": [
        P("get", f"{R}/events/stream", lambda w, p, t: policy.stream_viewer(p, t, repo=repo_of(w)), stream=True)],
    "api/v1/user/events/stream": [P("get", "/api/v1/user/events/stream",
                                    lambda w, p, t: policy.stream_viewer(p, t), stream=True)],
    "api/v1/repos/<str:org>/<str:repo>/webhooks": [
        P("get", f"{R}/webhooks", scoped("admin", act(policy.Action.ADMIN))),
        P("post", f"{R}/webhooks", scoped("admin", act(policy.Action.ADMIN)), {"url": "ftp://x", "events": ["*"]})],
    "api/v1/repos/<str:org>/<str:repo>/webhooks/<str:hook_id>": [
        P("get", f"{R}/webhooks/{{hook}}", scoped("admin", act(policy.Action.ADMIN))),
        P("patch", f"{R}/webhooks/{{hook}}", scoped("admin", act(policy.Action.ADMIN)), {"active": True}),
        P("delete", f"{R}/webhooks/{{hook}}", scoped("admin", act(policy.Action.ADMIN)), deletes=True)],
    "api/v1/repos/<str:org>/<str:repo>/webhooks/<str:hook_id>/ping": [
        P("post", f"{R}/webhooks/{{hook}}/ping", scoped("admin", act(policy.Action.ADMIN)))],
    "api/v1/repos/<str:org>/<str:repo>/webhooks/<str:hook_id>/deliveries": [
        P("get", f"{R}/webhooks/{{hook}}/deliveries", scoped("admin", act(policy.Action.ADMIN)))],
    "api/v1/repos/<str:org>/<str:repo>/webhooks/<str:hook_id>/deliveries/<str:delivery_id>": [
        P("get", f"{R}/webhooks/{{hook}}/deliveries/{{delivery}}", scoped("admin", act(policy.Action.ADMIN)))],
    "api/v1/repos/<str:org>/<str:repo>/webhooks/<str:hook_id>/deliveries/<str:delivery_id>/redeliver": [
        P("post", f"{R}/webhooks/{{hook}}/deliveries/{{delivery}}/redeliver", scoped("admin", act(policy.Action.ADMIN)))],
    "api/v1/orgs/<str:org>/webhooks": [
        P("get", "/api/v1/orgs/w-org/webhooks", scoped("admin", org_admin)),
        P("post", "/api/v1/orgs/w-org/webhooks", scoped("admin", org_admin), {"url": "ftp://x", "events": ["*"]})],
    "api/v1/orgs/<str:org>/webhooks/<str:hook_id>": [
        P("get", "/api/v1/orgs/w-org/webhooks/{org_hook}", scoped("admin", org_admin)),
        P("patch", "/api/v1/orgs/w-org/webhooks/{org_hook}", scoped("admin", org_admin), {"active": True}),
        P("delete", "/api/v1/orgs/w-org/webhooks/{org_hook}", scoped("admin", org_admin), deletes=True)],
    "api/v1/orgs/<str:org>/webhooks/<str:hook_id>/ping": [
        P("post", "/api/v1/orgs/w-org/webhooks/{org_hook}/ping", scoped("admin", org_admin))],
    "api/v1/orgs/<str:org>/webhooks/<str:hook_id>/deliveries": [
        P("get", "/api/v1/orgs/w-org/webhooks/{org_hook}/deliveries", scoped("admin", org_admin))],
    "api/v1/orgs/<str:org>/webhooks/<str:hook_id>/deliveries/<str:delivery_id>": [
        P("get", "/api/v1/orgs/w-org/webhooks/{org_hook}/deliveries/999999", scoped("admin", org_admin), ok=(404,))],
    "api/v1/orgs/<str:org>/webhooks/<str:hook_id>/deliveries/<str:delivery_id>/redeliver": [
        P("post", "/api/v1/orgs/w-org/webhooks/{org_hook}/deliveries/999999/redeliver", scoped("admin", org_admin),
          ok=(404,))],
    "api/v1/agents": [P("get", "/api/v1/agents", scoped("read", signed_in)),
                      P("post", "/api/v1/agents", lambda w, p, t: (policy.require_user(p), policy.check_scope(t, "write")),
                        {"name": "m-{uniq}", "model_family": "f", "model_version": "1"})],
    "api/v1/agents/<str:pk>": [
        P("get", "/api/v1/agents/{agent}", scoped("read", signed_in)),
        P("patch", "/api/v1/agents/{agent}", lambda w, p, t: (policy.require_user(p), policy.check_scope(t, "write"),
                                                                manage_agent(w, p, t)), {"description": "d"})],
    "api/v1/agents/<str:pk>/tokens": [
        P("post", "/api/v1/agents/{agent}/tokens", lambda w, p, t: (policy.require_user(p), policy.check_scope(t, "write"),
                                                                      manage_agent(w, p, t)))],
    "api/v1/agents/<str:pk>/events": [
        P("get", "/api/v1/agents/{agent}/events", scoped("read", lambda w, p, t: (signed_in(w, p, t), manage_agent(w, p, t))))],
    "api/v1/repos/<str:org>/<str:repo>/issues": [
        P("get", f"{R}/issues", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/issues", scoped("write", act(policy.Action.COMMENT)), {"title": "probe"})],
    "api/v1/repos/<str:org>/<str:repo>/issues/comments/<int:comment_id>": [
        P("get", f"{R}/issues/comments/{{comment}}", scoped("read", act(policy.Action.READ))),
        P("patch", f"{R}/issues/comments/{{comment}}", scoped("write", own_or(policy.Action.TRIAGE, "admin")), {"body": "b"}),
        P("delete", f"{R}/issues/comments/{{comment}}", scoped("write", own_or(policy.Action.MODERATE, "admin")),
          deletes=True)],
    "api/v1/repos/<str:org>/<str:repo>/issues/<int:number>": [
        P("get", f"{R}/issues/{ISSUE}", scoped("read", act(policy.Action.READ))),
        P("patch", f"{R}/issues/{ISSUE}", scoped("write", own_or(policy.Action.TRIAGE, "admin")), {"body": "b"})],
    "api/v1/repos/<str:org>/<str:repo>/issues/<int:number>/labels": [
        P("get", f"{R}/issues/{ISSUE}/labels", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/issues/{ISSUE}/labels", scoped("write", act(policy.Action.TRIAGE)), {"labels": ["bug"]}),
        P("put", f"{R}/issues/{ISSUE}/labels", scoped("write", act(policy.Action.TRIAGE)), {"labels": ["bug"]})],
    "api/v1/repos/<str:org>/<str:repo>/issues/<int:number>/labels/<path:name>": [
        P("delete", f"{R}/issues/{ISSUE}/labels/bug", scoped("write", act(policy.Action.TRIAGE)), ok=(404,))],
    "api/v1/repos/<str:org>/<str:repo>/issues/<int:number>/comments": [
        P("get", f"{R}/issues/{ISSUE}/comments", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/issues/{ISSUE}/comments", scoped("write", act(policy.Action.COMMENT)), {"body": "b"})],
    "api/v1/repos/<str:org>/<str:repo>/labels": [
        P("get", f"{R}/labels", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/labels", scoped("write", act(policy.Action.TRIAGE)), {"name": "l-{uniq}", "color": "ffffff"})],
    "api/v1/repos/<str:org>/<str:repo>/labels/<path:name>": [
        P("get", f"{R}/labels/bug", scoped("read", act(policy.Action.READ))),
        P("patch", f"{R}/labels/bug", scoped("write", act(policy.Action.TRIAGE)), {"description": "d"}),
        P("delete", f"{R}/labels/invalid", scoped("write", act(policy.Action.TRIAGE)), deletes=True)],
    "api/v1/repos/<str:org>/<str:repo>/milestones": [
        P("get", f"{R}/milestones", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/milestones", scoped("write", act(policy.Action.TRIAGE)), {"title": "m"})],
    "api/v1/repos/<str:org>/<str:repo>/milestones/<int:number>": [
        P("get", f"{R}/milestones/{MILESTONE}", scoped("read", act(policy.Action.READ))),
        P("patch", f"{R}/milestones/{MILESTONE}", scoped("write", act(policy.Action.TRIAGE)), {"description": "d"}),
        P("delete", f"{R}/milestones/{MILESTONE}", scoped("write", act(policy.Action.TRIAGE)), deletes=True)],
    "api/v1/repos/<str:org>/<str:repo>/pulls": [
        P("get", f"{R}/pulls", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/pulls", scoped("write", act(policy.Action.OPEN_DRAFT_PULL)),
          {"title": "t", "head": "feature", "draft": True})],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>": [
        P("get", f"{R}/pulls/{PR}", scoped("read", act(policy.Action.READ))),
        P("patch", f"{R}/pulls/{PR}", scoped("write", own_or(policy.Action.TRIAGE, "admin")), {"body": "b"})],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>/ready": [
        P("post", f"{R}/pulls/{PR}/ready", scoped("write", lambda w, p, t: policy.check(p, repo_of(w), policy.own_or(
            policy.Action.MARK_READY, actor=_actor(p), author_id=w.admin.pk, own=policy.Action.OPEN_PULL), token=t)))],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>/merge": [
        P("post", f"{R}/pulls/{PR}/merge", scoped("write", act(policy.Action.MERGE_DEFAULT)), {"sha": "0" * 40})],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>/comments": [
        P("get", f"{R}/pulls/{PR}/comments", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/pulls/{PR}/comments", scoped("write", act(policy.Action.COMMENT)), {"body": "b"})],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>/reviews": [
        P("get", f"{R}/pulls/{PR}/reviews", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/pulls/{PR}/reviews", scoped("write", act(policy.Action.REVIEW)), {"event": "COMMENT", "body": "b"})],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>/reviews/<int:review_id>": [
        P("get", f"{R}/pulls/{PR}/reviews/{{review}}", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>/reviews/<int:review_id>/dismissals": [
        P("put", f"{R}/pulls/{PR}/reviews/{{review}}/dismissals", scoped("write", act(policy.Action.DISMISS_REVIEW)),
          {"message": "m"})],
    "api/v1/repos/<str:org>/<str:repo>/pulls/<int:number>/requested_reviewers": [
        P("get", f"{R}/pulls/{PR}/requested_reviewers", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/pulls/{PR}/requested_reviewers", scoped("write", own_or(policy.Action.TRIAGE, "admin")),
          {"reviewers": ["w-writer"]}),
        P("delete", f"{R}/pulls/{PR}/requested_reviewers", scoped("write", own_or(policy.Action.TRIAGE, "admin")),
          {"reviewers": ["w-writer"]})],
    "api/v1/repos/<str:org>/<str:repo>/branches/<path:branch>/protection": [
        P("get", f"{R}/branches/main/protection", scoped("read", act(policy.Action.SEE_PROTECTION)), ok=(404,)),
        P("put", f"{R}/branches/main/protection", scoped("write", act(policy.Action.PROTECT)),
          {"required_approving_review_count": 1}),
        P("delete", f"{R}/branches/main/protection", scoped("write", act(policy.Action.PROTECT)), ok=(404,))],
    "api/v1/repos/<str:org>/<str:repo>/pipelines": [
        P("get", f"{R}/pipelines", scoped("read", act(policy.Action.READ))),
        P("post", f"{R}/pipelines", scoped("write", act(policy.Action.PIPELINE)), {})],
    "api/v1/repos/<str:org>/<str:repo>/pipelines/<int:pipeline_id>": [
        P("get", f"{R}/pipelines/{{pipeline}}", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/pipelines/<int:pipeline_id>/cancel": [
        P("post", f"{R}/pipelines/{{pipeline}}/cancel", scoped("write", act(policy.Action.PIPELINE)))],
    "api/v1/repos/<str:org>/<str:repo>/pipelines/<int:pipeline_id>/jobs/<int:job_id>/log": [
        P("get", f"{R}/pipelines/{{pipeline}}/jobs/{{job}}/log", scoped("read", act(policy.Action.READ)))],
    "api/v1/agent/jobs/claim": [P("post", "/api/v1/agent/jobs/claim", scoped("write", job_runner), {})],
    "api/v1/agent/jobs/<int:job_id>/heartbeat": [
        P("post", f"/api/v1/agent/jobs/{MISSING_JOB}/heartbeat", scoped("write", job_runner), ok=(404,))],
    "api/v1/agent/jobs/<int:job_id>/log": [
        P("post", f"/api/v1/agent/jobs/{MISSING_JOB}/log", scoped("write", job_runner), ok=(404, 422))],
    "api/v1/agent/jobs/<int:job_id>/finish": [
        P("post", f"/api/v1/agent/jobs/{MISSING_JOB}/finish", scoped("write", job_runner),
          {"status": "success", "exit_code": 0}, ok=(404,))],
    "api/v1/repos/<str:org>": [
        P("get", "/api/v1/repos/w-org", scoped("read")),
        P("post", "/api/v1/repos/w-org", scoped("write", lambda w, p, t: policy.check_create_repo(p, w.org, token=t)),
          {"name": "n-{uniq}"})],
    "api/v1/repos/<str:org>/<str:repo>": [
        P("get", R, scoped("read", act(policy.Action.READ))),
        P("patch", R, scoped("write", settings_change({"description": "d"})), {"description": "d"}),
        P("delete", R, scoped("write", act(policy.Action.ADMIN)), deletes=True)],
    "api/v1/repos/<str:org>/<str:repo>/branches": [P("get", f"{R}/branches", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/branches/<path:branch>": [
        P("get", f"{R}/branches/main", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/commits": [P("get", f"{R}/commits", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/commits/<str:sha>": [
        P("get", f"{R}/commits/main", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/contents": [P("get", f"{R}/contents", scoped("read", act(policy.Action.READ)))],
    "api/v1/repos/<str:org>/<str:repo>/contents/<path:path>": [
        P("get", f"{R}/contents/README.md", scoped("read", act(policy.Action.READ)))],
    "api/v1": [P("get", "/api/v1", scoped("read"))],
    "api/v1/user/repos": [P("get", "/api/v1/user/repos", scoped("read", signed_in))],
    "api/v1/users/<str:login>": [P("get", "/api/v1/users/w-admin", scoped("read"))],
    "api/v1/rate_limit": [P("get", "/api/v1/rate_limit", scoped("read"))],
    "api/v1/health": [P("get", "/api/v1/health", public)],  # reads no credentials at all
    "api/v1/schema": [P("get", "/api/v1/schema", public)],
    "api": [P("get", "/api", public)],
    "api/v1/changelog": [P("get", "/api/v1/changelog", scoped("read"))],
    "api/v1/docs": [P("get", "/api/v1/docs", public)],
    "api/v1/redoc": [P("get", "/api/v1/redoc", public)],
    # Git's smart HTTP: anonymous callers are asked for credentials (401) where others see 404.
    "^(?P<org>[^/]+)/(?P<repo>[^/]+?)(?:\\.git)?/(?P<service>info/refs|git-upload-pack|git-receive-pack)$": [
        P("get", "/w-org/priv.git/info/refs", act(policy.Action.READ), query={"service": "git-upload-pack"}, git=True),
        P("get", "/w-org/priv.git/info/refs", lambda w, p, t: (policy.require_signed_in(p), act(policy.Action.READ)(w, p, t)),
          query={"service": "git-receive-pack"}, git=True)],
    # Web pages for people are signed in with a session (tests/web); tokens play no part there.
    "login": [P("get", "/login", public, web=True)],
    "logout": [],
    "settings/tokens": [],
    "settings/tokens/<int:token_id>/revoke": [],
    "settings/agents": [],
    "settings/agents/<uuid:agent_id>/<str:action>": [],
    "": [],  # the site root redirects to the API browser
}


def url_patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the Django admin: staff only, through Django's own admin site (tests/*/test_admin.py)
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def test_every_url_pattern_is_in_the_matrix():
    routed = set(url_patterns())
    assert routed - set(ENDPOINTS) == set(), "URL patterns with no row in the access matrix"
    assert set(ENDPOINTS) - routed == set(), "matrix rows for URL patterns that are not routed"


# --- the callers ---------------------------------------------------------------------------------------
CALLERS = [
    "anonymous", "outsider", "reader", "writer", "maintainer", "admin", "admin-read-scope", "admin-write-scope",
    "agent-0", "agent-1", "agent-2", "agent-3", "agent-4", "agent-no-ci", "agent-of-reader", "agent-of-admin",
    "deploy-read", "deploy-write", "deploy-other",
]


@pytest.fixture
def matrix_world(world, make_token, make_agent, make_deploy_token):
    w = world
    sha = commit_files(w.private, {"README.md": "hi\n", ".kizuna/pipeline.yml": "jobs: {t: {steps: [{run: 'true'}]}}\n"})
    pygit2.Repository(str(repo_git.repo_path(w.private.pk))).references.create("refs/heads/feature", sha)
    commit_files(w.private, {"feature.txt": "f\n"}, branch="feature")
    return w


def _world_objects(w):
    from issues import services as issues
    from kizuna.events.models import Webhook, WebhookDelivery
    from pipelines import services as pipelines
    from pulls import services as pulls

    admin = actor_for_user(w.admin)
    issue = issues.issue_create(repo=w.private, actor=admin, title="one")
    w.comment = issues.comment_create(issue=issue, actor=admin, body="c").pk
    issues.milestone_create(repo=w.private, actor=admin, title="m1")
    pr = pulls.pull_create(repo=w.private, actor=admin, title="pr", head="feature", draft=True)
    w.review = pulls.review_submit(pull=pr, actor=actor_for_user(w.writer), event="APPROVE").pk
    pipeline = pipelines.pipeline_trigger(repo=w.private, actor=admin)
    w.pipeline, w.job = pipeline.pk, pipeline.jobs.first().pk
    hook = Webhook.objects.create(repository=w.private, url="https://hooks.example.com/h", events=["*"])
    w.hook = hook.pk
    w.delivery = WebhookDelivery.objects.create(webhook=hook, guid=uuid.uuid4(), event_name="ping", body="{}").pk
    w.org_hook = Webhook.objects.create(namespace=w.org, url="https://hooks.example.com/o", events=["*"]).pk


@pytest.fixture
def callers(matrix_world, make_token, make_agent, make_deploy_token):
    w = matrix_world
    _world_objects(w)
    w.agent, _ = make_agent(w.writer, trust_level=2)
    raw = {"anonymous": None, **{k: w.tokens[k] for k in ("outsider", "reader", "writer", "maintainer", "admin")}}
    raw["admin-read-scope"] = make_token(w.admin, scopes=["read"])
    raw["admin-write-scope"] = make_token(w.admin, scopes=["read", "write"])
    for trust in range(5):
        raw[f"agent-{trust}"] = make_agent(w.writer, trust_level=trust, capabilities=["ci"])[1]
    raw["agent-no-ci"] = make_agent(w.writer, trust_level=4)[1]
    raw["agent-of-reader"] = make_agent(w.reader, trust_level=4, capabilities=["ci"])[1]
    raw["agent-of-admin"] = make_agent(w.admin, trust_level=4, capabilities=["ci"])[1]
    raw["deploy-read"] = make_deploy_token(w.private, scopes=("read",))
    raw["deploy-write"] = make_deploy_token(w.private, scopes=("read", "write"))
    raw["deploy-other"] = make_deploy_token(w.public, scopes=("read", "write"))
    return w, raw


def principal_of(raw):
    if raw is None:
        return AnonymousUser(), None
    principal, token = lookup_token(raw)
    return principal, token


def expected_status(probe, w, raw) -> int | None:
    """What the policy answers: None when it allows, else the status of its refusal."""
    principal, token = principal_of(raw)
    try:
        rest_default(probe, principal, token)
        probe.decide(w, principal, token)
    except NotFound:
        return 401 if probe.git and raw is None else 404
    except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
        return 401
    except exceptions.PermissionDenied:
        return 403
    except exceptions.APIException as exc:  # the policy's Forbidden carries its own status
        return exc.status_code
    return None


def fill(text: str, w) -> str:
    return text.format(uniq=uuid.uuid4().hex[:8], comment=getattr(w, "comment", 0), hook=getattr(w, "hook", 0),
                       delivery=getattr(w, "delivery", 0), org_hook=getattr(w, "org_hook", 0),
                       agent=getattr(w, "agent", None) and w.agent.pk, pipeline=getattr(w, "pipeline", 0),
                       job=getattr(w, "job", 0), review=getattr(w, "review", 0))


def send(client, probe, w, raw):
    import base64

    path = fill(probe.path, w)
    headers = {}
    if raw is not None:
        headers["HTTP_AUTHORIZATION"] = ("Basic " + base64.b64encode(f"x:{raw}".encode()).decode()) if probe.git \
            else f"Bearer {raw}"
    body = {k: fill(v, w) if isinstance(v, str) else v for k, v in (probe.body or {}).items()}
    if probe.method == "get":
        return client.get(path, probe.query or None, **headers)
    return getattr(client, probe.method)(path, body, content_type="application/json", **headers)


REST_PATTERNS = [p for p, probes in ENDPOINTS.items() if probes and not any(x.stream or x.web for x in probes)]


@pytest.mark.parametrize("pattern", REST_PATTERNS)
def test_every_caller_gets_what_the_policy_decides(pattern, callers, client, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = False
    w, raw_tokens = callers
    wrong = []
    for probe in ENDPOINTS[pattern]:
        removed = False
        wants = {who: expected_status(probe, w, raw_tokens[who]) for who in CALLERS}
        # Refused callers first, so that an allowed DELETE cannot remove what they are refused.
        for who in sorted(CALLERS, key=lambda who: wants[who] is None):
            want = wants[who] if not removed else expected_status(probe, w, raw_tokens[who])
            got = send(client, probe, w, raw_tokens[who]).status_code
            if want is None:
                fine = got not in (401, 403) and (got != 404 or removed or 404 in probe.ok)
                removed = removed or (probe.deletes and got == 204)
            else:
                fine = got == want
            if not fine:
                wrong.append(f"{probe.method.upper()} {probe.path} as {who}: policy says {want or 'allowed'}, got {got}")
    assert wrong == []


STREAM_PATTERNS = [p for p, probes in ENDPOINTS.items() if any(x.stream for x in probes)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pattern", STREAM_PATTERNS)
def test_streams_answer_every_caller_as_the_policy_decides(pattern, callers):
    from tests.events.asgi_client import Stream
    from tests.events.test_streams import run

    from kizuna.asgi import application

    w, raw_tokens = callers
    probe = ENDPOINTS[pattern][0]

    async def statuses():
        out = {}
        for who in CALLERS:
            raw = raw_tokens[who]
            stream = await Stream(application, probe.path, {"Authorization": f"Bearer {raw}"} if raw else {}).open()
            out[who] = stream.status
            await stream.close()
        return out

    wants = {}
    for who in CALLERS:
        wants[who] = expected_status(probe, w, raw_tokens[who]) or 200
    got = run(statuses())
    assert got == wants
