"""The Django admin: pages load, tokens are created (secret shown once, digest never) and revoked."""

import pytest
from django.test import Client

from kizuna.accounts import services
from kizuna.accounts import tokens as token_format
from kizuna.accounts.models import Token, User
from kizuna.events.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world):
    user = User.objects.create_superuser("root-op", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_admin_pages_load(world, staff, make_deploy_token):
    make_deploy_token(world.private)
    Event.objects.create(type="test", actor=world.admin.actor)
    token = Token.objects.filter(user=world.writer).first()
    event = Event.objects.first()
    pages = [
        "/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{world.writer.pk}/change/", "/admin/accounts/user/add/",
        "/admin/accounts/namespace/", f"/admin/accounts/namespace/{world.org.pk}/change/",
        "/admin/accounts/membership/", "/admin/accounts/actor/", "/admin/accounts/token/", "/admin/accounts/token/add/",
        f"/admin/accounts/token/{token.pk}/change/", "/admin/repos/repository/",
        f"/admin/repos/repository/{world.public.pk}/change/", "/admin/events/event/",
        f"/admin/events/event/{event.pk}/change/", "/admin/accounts/token/?q=test&kind__exact=deploy",
        "/admin/repos/repository/?visibility__exact=private", "/admin/events/event/?type=repository.created",
    ]
    for page in pages:
        response = staff.get(page)
        assert response.status_code == 200, page
    for token in Token.objects.all():
        for page in ("/admin/accounts/token/", f"/admin/accounts/token/{token.pk}/change/"):
            assert token.digest not in staff.get(page).content.decode()


def test_admin_creates_token_once_and_revokes(world, staff):
    response = staff.post("/admin/accounts/token/add/", {
        "kind": "personal", "name": "from-admin", "user": world.reader.pk, "scopes": "read", "expires_at_0": "",
        "expires_at_1": "",
    }, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    token = Token.objects.get(name="from-admin")
    import re

    secrets = set(re.findall(r"kzp_[0-9A-Za-z]{36}", page))
    assert len(secrets) == 1
    raw = secrets.pop()
    assert token_format.digest(raw) == token.digest and token.scopes == ["read"] and token.user == world.reader
    assert token.digest not in page
    assert Event.objects.filter(type="token.created", payload__token__id=token.pk).exists()
    assert raw not in staff.get(f"/admin/accounts/token/{token.pk}/change/").content.decode()  # once only

    response = staff.post("/admin/accounts/token/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Event.objects.filter(type="token.revoked", payload__token__id=token.pk).exists()
    assert Client().get("/api/v1/user", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_admin_token_form_validates(world, staff):
    response = staff.post("/admin/accounts/token/add/", {"kind": "personal", "name": "x", "scopes": "root"})
    assert response.status_code == 200 and not Token.objects.filter(name="x").exists()
    response = staff.post("/admin/accounts/token/add/", {"kind": "deploy", "name": "y", "scopes": "read"})
    assert response.status_code == 200 and not Token.objects.filter(name="y").exists()


def test_admin_repository_edit_goes_through_services(world, staff):
    response = staff.post(f"/admin/repos/repository/{world.public.pk}/change/", {
        "description": "from admin", "visibility": "public", "archived": "on"})
    assert response.status_code == 302, response.content[:3000]
    world.public.refresh_from_db()
    assert world.public.archived and world.public.description == "from admin"
    assert Event.objects.filter(type="repository.updated", repository=world.public).exists()


def test_admin_adds_a_user_with_namespace_and_actor(world, staff):
    from kizuna.accounts.models import Actor, Namespace

    response = staff.post("/admin/accounts/user/add/", {
        "username": "newbie", "password1": "a-Long-pass-123", "password2": "a-Long-pass-123", "usable_password": "true"})
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(username="newbie")
    assert Namespace.objects.filter(user=user, login="newbie").exists()
    assert Actor.objects.filter(user=user).exists()
    response = staff.post("/admin/accounts/user/add/", {
        "username": "W-ORG", "password1": "a-Long-pass-123", "password2": "a-Long-pass-123", "usable_password": "true"})
    assert response.status_code == 200 and not User.objects.filter(username="W-ORG").exists()


def test_admin_is_titled_kizuna_with_correct_plurals(staff):
    page = staff.get("/admin/").content.decode()
    assert "Kizuna administration" in page and "Django administration" not in page
    assert "Webhook deliveries" in page and "Repositories" in page
    assert "deliverys" not in page.lower() and "repositorys" not in page.lower()


def test_admin_token_fields_are_read_only(world, staff):
    token = Token.objects.filter(user=world.writer).first()
    response = staff.post(f"/admin/accounts/token/{token.pk}/change/", {
        "name": "renamed", "internal": "on", "expires_at_0": "2000-01-01", "expires_at_1": "00:00:00"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.name == "test" and not token.internal and token.expires_at is None


def test_admin_memberships_change_through_the_services(world, staff):
    from kizuna.accounts.models import Membership

    response = staff.post("/admin/accounts/membership/add/", {
        "namespace": world.org.pk, "user": world.outsider.pk, "role": "read"})
    assert response.status_code == 302, response.content[:3000]
    added = Event.objects.get(type="member.added", subject__login="w-out")
    assert added.actor.login == "root-op" and added.namespace_id == world.org.pk
    membership = Membership.objects.get(namespace=world.org, user=world.outsider)
    response = staff.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "write"})
    assert response.status_code == 302, response.content[:3000]
    assert Event.objects.get(type="member.changed", subject__login="w-out").actor.login == "root-op"
    # The service keeps the last admin: a refusal is a message, not a 500.
    last_admin = Membership.objects.get(namespace=world.org, user=world.admin)
    response = staff.post(f"/admin/accounts/membership/{last_admin.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200 and "last admin" in response.content.decode()
    assert Membership.objects.filter(pk=last_admin.pk).exists()
    staff.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Event.objects.get(type="member.removed").actor.login == "root-op"
    # Personal namespaces have no members; namespaces themselves are not edited here.
    response = staff.post("/admin/accounts/membership/add/", {
        "namespace": world.outsider.namespace.pk, "user": world.reader.pk, "role": "read"}, follow=True)
    assert "only organisations" in response.content.decode()
    assert staff.post(f"/admin/accounts/namespace/{world.org.pk}/change/", {"login": "x"}).status_code == 403


def test_every_kizuna_model_admin_writes_through_the_services():
    """A new ModelAdmin for a Kizuna model starts from kizuna.admin.ServiceAdmin (services, events) or
    ReadOnlyAdmin; users are Django's own accounts (no events are defined for them)."""
    from django.contrib import admin

    from kizuna.admin import ServiceAdmin

    ours = ("accounts", "events", "repos", "issues", "pulls", "agents", "pipelines")
    outside = sorted(
        f"{model._meta.label}: {type(model_admin).__name__}" for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ours and model is not User and not isinstance(model_admin, ServiceAdmin)
    )
    assert outside == []


def test_admin_bulk_delete_is_all_or_nothing_through_the_services(world, staff, make_org):
    from kizuna.accounts.models import Membership

    other = make_org("other-org", owner=world.outsider)
    last_admin = Membership.objects.get(namespace=other, user=world.outsider)
    reader = services.member_set(actor=world.admin.actor, org=world.org, user=world.outsider, role="read")
    # The action deletes newest first (the list's -pk order): the reader goes, then the refusal must undo it.
    assert reader.pk > last_admin.pk
    response = staff.post("/admin/accounts/membership/", {
        "action": "delete_selected", "_selected_action": [reader.pk, last_admin.pk], "post": "yes"}, follow=True)
    assert response.status_code == 200 and "last admin" in response.content.decode()
    assert Membership.objects.filter(pk__in=[reader.pk, last_admin.pk]).count() == 2
    assert not Event.objects.filter(type="member.removed").exists()
    staff.post("/admin/accounts/membership/", {"action": "delete_selected", "_selected_action": [reader.pk], "post": "yes"})
    assert not Membership.objects.filter(pk=reader.pk).exists()
    assert Event.objects.get(type="member.removed").actor.login == "root-op"
