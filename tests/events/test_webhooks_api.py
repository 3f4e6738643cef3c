import socket

import pytest

from kizuna.events import ssrf
from kizuna.events.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_dns(monkeypatch):
    """Names under .example resolve to what the test says; everything else as the system does."""
    table = {"hooks.example": ["93.184.216.34"], "mixed.example": ["93.184.216.34", "10.1.2.3"],
             "internal.example": ["10.0.0.5"], "v6local.example": ["::1"], "meta.example": ["169.254.169.254"]}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in table[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", fake)
    return table


def create(api, token, path="/repos/w-org/pub/webhooks", **data):
    body = {"url": "https://hooks.example/in", "events": ["push", "issue"], "secret": "s3cret", **data}
    return api(token).post(path, body)


def test_create_get_update_delete_repo_hook(world, api, public_dns, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = False
    r = create(api, world.tokens["admin"])
    assert r.status_code == 201, r.content
    hook = r.json()
    assert hook["has_secret"] is True and "secret" not in hook
    assert hook["events"] == ["push", "issue"] and hook["active"] is True and hook["content_type"] == "json"
    assert hook["repository"] == "w-org/pub" and hook["type"] == "Repository"
    url = f"/repos/w-org/pub/webhooks/{hook['id']}"
    assert api(world.tokens["admin"]).get(url).json()["url"] == "https://hooks.example/in"
    listed = api(world.tokens["admin"]).get("/repos/w-org/pub/webhooks")
    assert [h["id"] for h in listed.json()] == [hook["id"]]
    r = api(world.tokens["admin"]).patch(url, {"events": ["*"], "active": False, "secret": "new"})
    assert r.status_code == 200, r.content
    assert r.json()["events"] == ["*"] and r.json()["active"] is False and "secret" not in r.json()
    stored = Webhook.objects.get(pk=hook["id"])
    assert stored.secret == "new" and stored.previous_secret == "s3cret"
    assert stored.signing_secrets() == ["new", "s3cret"]  # both sign during the rotation window
    assert api(world.tokens["admin"]).delete(url).status_code == 204
    assert api(world.tokens["admin"]).get(url).status_code == 404


def test_org_hooks_need_org_admin(world, api, public_dns, make_user, make_token):
    r = create(api, world.tokens["admin"], "/orgs/w-org/webhooks", events=["*"])
    assert r.status_code == 201, r.content
    assert r.json()["organization"] == "w-org" and r.json()["type"] == "Organization"
    assert create(api, world.tokens["maintainer"], "/orgs/w-org/webhooks").status_code == 403
    assert create(api, world.tokens["outsider"], "/orgs/w-org/webhooks").status_code == 403
    assert api(world.tokens["writer"]).get("/orgs/w-org/webhooks").status_code == 403
    assert create(api, None, "/orgs/w-org/webhooks").status_code == 401
    assert create(api, world.tokens["admin"], "/orgs/nope/webhooks").status_code == 404
    # A personal token without the admin scope is refused even for an admin.
    weak = make_token(world.admin, scopes=["read", "write"])
    assert create(api, weak, "/orgs/w-org/webhooks").status_code == 403


@pytest.mark.parametrize("who,status", [("maintainer", 403), ("writer", 403), ("reader", 403), ("outsider", 403)])
def test_non_admin_cannot_create_repo_hook(world, api, public_dns, who, status):
    assert create(api, world.tokens[who]).status_code == status
    assert not Webhook.objects.exists()


def test_private_repo_hooks_are_404_for_outsiders(world, api, public_dns):
    assert create(api, world.tokens["outsider"], "/repos/w-org/priv/webhooks").status_code == 404
    assert api(world.tokens["outsider"]).get("/repos/w-org/priv/webhooks").status_code == 404
    assert create(api, world.tokens["admin"], "/repos/w-org/priv/webhooks").status_code == 201


def test_admin_scope_needed_for_repo_hooks(world, api, public_dns, make_token):
    weak = make_token(world.admin, scopes=["read", "write"])
    assert create(api, weak).status_code == 403
    assert api(weak).get("/repos/w-org/pub/webhooks").status_code == 403


@pytest.mark.parametrize("events", [["nope"], ["push", "issues"], ["issue.opened"], []])
def test_unknown_event_names_are_422(world, api, public_dns, events):
    r = create(api, world.tokens["admin"], events=events)
    assert r.status_code == 422, r.content
    assert "events" in r.json()["error"]["details"]


@pytest.mark.parametrize("url", [
    "ftp://hooks.example/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://hooks.example/",
    "hooks.example/in", "http://", "https:///path", "http://hooks.example:99999/", "",
])
def test_non_http_urls_are_422(world, api, public_dns, url):
    r = create(api, world.tokens["admin"], url=url)
    assert r.status_code == 422, r.content
    assert "url" in r.json()["error"]["details"]


BAD_TARGETS = [
    "http://127.0.0.1/", "http://localhost:8080/", "http://2130706433/", "http://0x7f000001/",
    "http://0177.0.0.1/", "http://127.1/", "http://0/", "http://0.0.0.0/", "http://10.0.0.1/",
    "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/", "http://255.255.255.255/",
    "http://[::1]/", "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/",
    "http://[fe80::1]/", "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[ff02::1]/",
    "http://[64:ff9b::a00:1]/", "http://[2002:c0a8:101::1]/", "http://internal.example/",
    "http://mixed.example/", "http://v6local.example/", "http://meta.example/", "https://192.0.2.10/",
]


@pytest.mark.parametrize("url", BAD_TARGETS)
def test_private_targets_are_refused_at_create(world, api, public_dns, settings, url):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = False
    r = create(api, world.tokens["admin"], url=url)
    assert r.status_code == 422, (url, r.content)
    assert "url" in r.json()["error"]["details"]
    assert not Webhook.objects.exists()


def test_refusal_names_the_setting_that_lifts_it(world, api, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = False
    r = create(api, world.tokens["admin"], url="http://127.0.0.1:9/x")
    assert r.status_code == 422
    (message,) = r.json()["error"]["details"]["url"]
    assert "loopback" in message and "KIZUNA_WEBHOOK_ALLOW_PRIVATE=true" in message


def test_allow_private_lifts_the_check(world, api, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = True
    assert create(api, world.tokens["admin"], url="http://127.0.0.1:9/x").status_code == 201


def test_update_rechecks_the_url(world, api, public_dns, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = False
    hook = create(api, world.tokens["admin"]).json()
    r = api(world.tokens["admin"]).patch(f"/repos/w-org/pub/webhooks/{hook['id']}", {"url": "http://10.0.0.1/"})
    assert r.status_code == 422
    assert Webhook.objects.get(pk=hook["id"]).url == "https://hooks.example/in"


def test_unresolvable_host_is_422(world, api, settings):
    settings.KIZUNA_WEBHOOK_ALLOW_PRIVATE = False
    assert create(api, world.tokens["admin"], url="http://does-not-exist.invalid/").status_code == 422


def test_ping_and_deliveries_list_and_detail(world, api, public_dns):
    hook = create(api, world.tokens["admin"]).json()
    base = f"/repos/w-org/pub/webhooks/{hook['id']}"
    r = api(world.tokens["admin"]).post(base + "/ping")
    assert r.status_code == 202, r.content
    assert r.json()["event"] == "ping"
    listed = api(world.tokens["admin"]).get(base + "/deliveries").json()
    assert [d["event"] for d in listed] == ["ping"]
    assert set(listed[0]) >= {"id", "event", "action", "attempt", "status_code", "success", "duration_ms",
                              "delivered_at", "next_attempt_at"}
    detail = api(world.tokens["admin"]).get(base + f"/deliveries/{listed[0]['id']}").json()
    assert detail["request"]["payload"]["hook_id"] == hook["id"]
    r = api(world.tokens["admin"]).post(base + f"/deliveries/{listed[0]['id']}/redeliver")
    assert r.status_code == 202
    assert r.json()["guid"] == listed[0]["guid"] and r.json()["redelivery"] is True
    assert api(world.tokens["admin"]).get(base + "/deliveries/999999").status_code == 404
    assert api(world.tokens["admin"]).get(base + "/deliveries/abc").status_code == 404
    assert api(world.tokens["writer"]).post(base + "/ping").status_code == 403


def test_events_create_delivery_rows_in_the_same_transaction(world, api, public_dns):
    from repos import services as repo_services
    from kizuna.accounts.actors import actor_for_user

    repo_hook = create(api, world.tokens["admin"], events=["repository"]).json()
    org_hook = create(api, world.tokens["admin"], "/orgs/w-org/webhooks", events=["*"]).json()
    other = create(api, world.tokens["admin"], events=["push"]).json()
    repo_services.repo_update(actor=actor_for_user(world.admin), repo=world.public, description="changed")
    by_hook = {d.webhook_id: d for d in WebhookDelivery.objects.all()}
    assert set(by_hook) == {repo_hook["id"], org_hook["id"]} and other["id"] not in by_hook
    d = by_hook[repo_hook["id"]]
    assert (d.event_name, d.action, d.state) == ("repository", "updated", "pending")
    # org-level events (member.*) go to org hooks only
    from kizuna.accounts import services as account_services

    account_services.member_set(actor=actor_for_user(world.admin), org=world.org, user=world.outsider, role="read")
    member = WebhookDelivery.objects.filter(event_name="member")
    assert [m.webhook_id for m in member] == [org_hook["id"]]


def test_an_event_asks_for_hooks_in_its_own_insert(world, api, public_dns, django_assert_num_queries, settings):
    """No webhook on the repository or its organisation: the event's INSERT says so, and no SELECT of
    hooks follows. An inactive hook counts as none; an active one (repository's or organisation's) is
    read and gets its delivery row; an organisation's event (no repository) asks for its hooks."""
    from django.db import transaction

    settings.KIZUNA_COMPILED_STATEMENTS = True

    from kizuna.accounts.actors import actor_for_user
    from kizuna.events.log import emit_event
    from kizuna.events.models import Webhook

    actor = actor_for_user(world.admin)
    repo = type(world.public).objects.select_related("namespace").get(pk=world.public.pk)

    def emit():
        with transaction.atomic():
            emit_event(type="repository.updated", actor=actor, repository=repo, payload={})

    with django_assert_num_queries(1 + 2):  # the INSERT (+ the test's SAVEPOINT and RELEASE)
        emit()
    hook = create(api, world.tokens["admin"], events=["*"]).json()
    Webhook.objects.filter(pk=hook["id"]).update(active=False)
    with django_assert_num_queries(1 + 2):
        emit()
    Webhook.objects.filter(pk=hook["id"]).update(active=True)
    with django_assert_num_queries(1 + 2 + 2):  # + the hooks' SELECT and the delivery row's INSERT
        emit()
    Webhook.objects.filter(pk=hook["id"]).delete()
    org_hook = create(api, world.tokens["admin"], "/orgs/w-org/webhooks", events=["*"]).json()
    emit()
    assert WebhookDelivery.objects.filter(webhook_id=org_hook["id"], event_name="repository").count() == 1
    with transaction.atomic():
        emit_event(type="member.added", actor=actor, namespace=repo.namespace, payload={})
    assert WebhookDelivery.objects.filter(webhook_id=org_hook["id"], event_name="member").count() == 1


def test_without_compiled_statements_an_event_still_reaches_its_hooks(world, api, public_dns, settings):
    """The ORM writes the event and nothing asked for hooks: the receiver reads them itself."""
    from django.db import transaction

    from kizuna.accounts.actors import actor_for_user
    from kizuna.events.log import emit_event

    hook = create(api, world.tokens["admin"], events=["*"]).json()
    settings.KIZUNA_COMPILED_STATEMENTS = False
    with transaction.atomic():
        emit_event(type="repository.updated", actor=actor_for_user(world.admin), repository=world.public, payload={})
    assert WebhookDelivery.objects.filter(webhook_id=hook["id"], event_name="repository").count() == 1


def test_rolled_back_change_leaves_no_delivery(world, api, public_dns):
    from django.db import transaction

    from kizuna.accounts.actors import actor_for_user
    from repos import services as repo_services

    create(api, world.tokens["admin"], events=["*"])
    with pytest.raises(RuntimeError), transaction.atomic():
        repo_services.repo_update(actor=actor_for_user(world.admin), repo=world.public, description="x")
        raise RuntimeError("boom")
    assert not WebhookDelivery.objects.exists()


def test_deliveries_list_query_count_is_constant(world, api, public_dns, django_assert_max_num_queries):
    hook = create(api, world.tokens["admin"]).json()
    h = Webhook.objects.get(pk=hook["id"])
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(webhook=h, guid=__import__("uuid").uuid4(), event_name="push", body="{}") for _ in range(120)
    ])
    client = api(world.tokens["admin"])
    client.get("/repos/w-org/pub/webhooks")
    counts = []
    for per_page in (1, 100):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/repos/w-org/pub/webhooks/{hook['id']}/deliveries", {"per_page": per_page})
        assert r.status_code == 200 and len(r.json()) == per_page
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    for per_page in (1, 100):
        with django_assert_max_num_queries(counts[0]):
            client.get("/repos/w-org/pub/webhooks", {"per_page": per_page})


@pytest.mark.parametrize("trust,status", [(4, 201), (3, 403)])
def test_agents_need_admin_trust_for_hooks(world, api, public_dns, make_token, trust, status):
    from agents.models import Agent
    from kizuna.accounts.models import Token

    agent = Agent.objects.create(name=f"bot{trust}", operator=world.admin, model_family="m", model_version="1",
                                 trust_level=trust)
    token = make_token(kind=Token.Kind.AGENT, agent=agent, scopes=[])
    assert create(api, token).status_code == status
    assert create(api, token, "/orgs/w-org/webhooks").status_code == status


@pytest.mark.parametrize("address,ok", [
    ("93.184.216.34", True), ("2606:4700:4700::1111", True), ("8.8.8.8", True),
    ("127.0.0.1", False), ("::ffff:10.0.0.1", False), ("::127.0.0.1", False), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),
])
def test_address_classification(address, ok):
    import ipaddress

    assert (ssrf.address_problem(ipaddress.ip_address(address)) is None) is ok
