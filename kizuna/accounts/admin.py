"""Operators' admin: users, namespaces, memberships, actors and tokens. Writes go through services;
a token's secret is shown once, in the response that made it (never a message or the session), and its
digest never."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from kizuna.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, staff_actor
from kizuna.api.errors import ValidationFailed

from . import services
from .actors import actor_for_user
from .models import Actor, Membership, Namespace, Token, User


def secrets_shown_once(request, *, title: str, secrets: list[tuple[str, str]], back_url: str):
    """The admin page that shows new secrets: rendered in the response that made them, never cached.
    Django's messages would keep them in a cookie (signed, not encrypted) until the next page."""
    response = TemplateResponse(request, "admin/kizuna_secret_once.html", {
        **admin.site.each_context(request), "title": title, "secrets": secrets, "back_url": back_url,
    })
    add_never_cache_headers(response)
    return response


class KizunaUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if services.login_taken(username):  # users, organisations and agents share one name space
            raise forms.ValidationError("This login is already taken.")
        return username


class KizunaUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = KizunaUserCreationForm
    form = KizunaUserChangeForm
    list_display = ("username", "email", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:  # every user has a personal namespace and an actor row
            services.ensure_personal_namespace(obj)
            actor_for_user(obj)


class MembershipInline(ReadOnlyInline):
    """For reading: memberships change on their own page, through member_set / member_remove."""

    model = Membership
    fields = ("user", "role", "created_at")


@admin.register(Namespace)
class NamespaceAdmin(ReadOnlyAdmin):
    """Personal namespaces come with their users and organisations from the API; a login is part of
    every repository's URL. Members are managed under Memberships."""

    list_display = ("login", "kind", "name", "user", "created_at")
    list_filter = ("kind",)
    search_fields = ("login", "name")
    list_select_related = ("user",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ("namespace", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("namespace__login", "user__username")
    list_select_related = ("namespace", "user")
    raw_id_fields = ("namespace", "user")
    fields = ("namespace", "user", "role", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return ("created_at",) if obj is None else ("namespace", "user", "created_at")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        org = data["namespace"] if not change else obj.namespace
        if not org.is_org:
            raise ValidationFailed({"namespace": ["only organisations have members"]})
        membership = services.member_set(actor=staff_actor(request), org=org, user=data["user"] if not change else obj.user,
                                         role=data["role"])
        obj.pk = membership.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.member_remove(actor=staff_actor(request), org=obj.namespace, membership=obj)


@admin.register(Actor)
class ActorAdmin(ReadOnlyAdmin):
    """Actors come with their users, agents and deploy tokens; the audit trail points at them."""

    list_display = ("login", "type", "user", "agent", "deploy_token")
    list_filter = ("type",)
    search_fields = ("login",)
    list_select_related = ("user", "agent", "deploy_token")


SCOPES_BY_KIND = {Token.Kind.PERSONAL: services.PERSONAL_SCOPES, Token.Kind.DEPLOY: services.DEPLOY_SCOPES}


class TokenAddForm(forms.ModelForm):
    scopes = forms.CharField(
        required=False, initial="read,write",
        help_text="Comma-separated. Personal: read, write, admin. Deploy: read, write. Ignored for agents.",
    )

    class Meta:
        model = Token
        fields = ("kind", "name", "user", "agent", "repository", "scopes", "expires_at", "internal")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        owner_field = {Token.Kind.PERSONAL: "user", Token.Kind.AGENT: "agent", Token.Kind.DEPLOY: "repository"}.get(kind)
        if kind == Token.Kind.JOB:
            raise forms.ValidationError("Job tokens are created by pipelines, not here.")
        if owner_field and not data.get(owner_field):
            self.add_error(owner_field, f"A {kind} token needs a {owner_field}.")
        raw_scopes = [s.strip() for s in (data.get("scopes") or "").split(",") if s.strip()]
        if kind in SCOPES_BY_KIND:
            try:
                data["scopes"] = services._clean_scopes(raw_scopes or None, SCOPES_BY_KIND[kind])
            except ValidationFailed as exc:
                self.add_error("scopes", "; ".join(exc.details["scopes"]))
        return data


@admin.register(Token)
class TokenAdmin(ServiceAdmin):
    list_display = ("name", "kind", "hint", "owner", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("kind", ("revoked_at", admin.EmptyFieldListFilter), "internal")
    search_fields = ("name", "hint", "user__username", "agent__name")
    list_select_related = ("user", "agent", "repository__namespace")
    raw_id_fields = ("user", "agent", "repository", "created_by")
    # The digest is never displayed; `hint` (the first characters) identifies a token for people.
    exclude = ("digest",)
    readonly_fields = ("kind", "hint", "scopes", "user", "agent", "repository", "job_id", "created_by",
                       "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]
    show_full_result_count = False
    date_hierarchy = None

    @admin.display(description="owner")
    def owner(self, obj):
        """The user, agent or repository the token belongs to (a job token: its job)."""
        if obj.job_id:
            return f"job {obj.job_id}"
        return obj.user or obj.agent or (obj.repository.full_name if obj.repository_id else "")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.readonly_fields, "name", "internal", "expires_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(TokenAddForm.Meta.fields)
        return ("kind", "name", "hint", "scopes", "user", "agent", "repository", "job_id", "created_by",
                "internal", "created_at", "expires_at", "last_used_at", "revoked_at")

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field of an existing token is read-only: revoke it and create another
        data = form.cleaned_data
        token, raw = services.token_create(
            kind=data["kind"], name=data["name"], user=data.get("user"), agent=data.get("agent"),
            repository=data.get("repository"), scopes=data.get("scopes") if data["kind"] in SCOPES_BY_KIND else None,
            expires_at=data.get("expires_at"), created_by=request.user, actor=actor_for_user(request.user),
        )
        if data.get("internal"):
            Token.objects.filter(pk=token.pk).update(internal=True)
        obj.pk = obj.id = token.pk
        obj.digest, obj.hint, obj.created_at = token.digest, token.hint, token.created_at
        request._kizuna_new_secret = raw  # for response_add, this response only

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_kizuna_new_secret", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return secrets_shown_once(request, title="New token", secrets=[(obj.name, raw)],
                                  back_url=f"../{obj.pk}/change/")

    def has_delete_permission(self, request, obj=None):
        return False  # tokens are revoked, not deleted (the audit trail points at them)

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        actor = actor_for_user(request.user)
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.token_revoke(token=token, actor=actor)
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)
