"""Agents in the Django admin. Every change goes through agents.services, so it leaves its event."""

from django import forms
from django.contrib import admin, messages

from kizuna.accounts.admin import secrets_shown_once
from kizuna.accounts.actors import actor_for_user

from kizuna.admin import ServiceAdmin
from kizuna.api.errors import KizunaAPIError

from . import reputation, services
from .models import Agent

MUTABLE_FIELDS = ("description", "capabilities", "trust_level", "status", "internal")


def _messages(exc: KizunaAPIError) -> list[str]:
    return [m for msgs in exc.details.values() for m in (msgs if isinstance(msgs, list) else [msgs])] or [exc.message]


class AgentAdminForm(forms.ModelForm):
    """Runs the services' validation, so the admin shows form errors instead of failing on save."""

    class Meta:
        model = Agent
        fields = "__all__"

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.instance._state.adding:
            try:
                services.validate_name(name)
            except KizunaAPIError as exc:
                raise forms.ValidationError(_messages(exc)) from None
        return name

    def clean_capabilities(self):
        try:
            return services.clean_capabilities(self.cleaned_data.get("capabilities") or [])
        except KizunaAPIError as exc:
            raise forms.ValidationError(_messages(exc)) from None


@admin.register(Agent)
class AgentAdmin(ServiceAdmin):
    form = AgentAdminForm
    list_display = ("name", "operator", "model_family", "model_version", "trust_level", "status", "reputation_score",
                    "last_seen_at", "created_at")
    list_filter = ("trust_level", "status", "model_family", "internal")
    search_fields = ("name", "operator__username", "model_family", "description")
    list_select_related = ("operator",)
    raw_id_fields = ("operator",)
    ordering = ("-created_at",)
    show_full_result_count = False
    actions = ["rotate_token", "suspend", "recompute_reputation"]
    readonly_fields = ("id", "reputation_score", "created_at", "updated_at", "last_seen_at", "last_audited")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # docs/api.md §10: name, model_family, model_version and operator never change.
        return self.readonly_fields + ("name", "operator", "model_family", "model_version")

    def has_delete_permission(self, request, obj=None):
        return False  # suspend instead: the audit trail must keep pointing at the agent

    def save_model(self, request, obj, form, change):
        actor = actor_for_user(request.user)
        data = form.cleaned_data
        if not change:
            agent, raw = services.agent_register(
                operator=data["operator"], actor=actor, by=request.user, name=data["name"],
                model_family=data["model_family"], model_version=data["model_version"],
                description=data.get("description", ""), capabilities=data.get("capabilities") or [],
                trust_level=data.get("trust_level", 1), internal=data.get("internal", False),
            )
            obj.pk = agent.pk
            obj._state.adding = False
            obj._state.db = agent._state.db
            request._kizuna_new_secret = raw  # for response_add, this response only
            return
        changes = {field: data[field] for field in MUTABLE_FIELDS if field in form.changed_data}
        if changes:
            services.agent_update(agent=obj, actor=actor, by=request.user, **changes)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_kizuna_new_secret", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return secrets_shown_once(request, title="New agent token", secrets=[(f"agent {obj.name}", raw)],
                                  back_url=f"../{obj.pk}/change/")

    @admin.action(description="Rotate token (the old one stops working at once)")
    def rotate_token(self, request, queryset):
        """The new tokens are shown in this action's own response (not carried to the next page)."""
        actor = actor_for_user(request.user)
        shown = []
        for agent in queryset:
            _, raw = services.agent_rotate_token(agent=agent, actor=actor, by=request.user)
            shown.append((f"agent {agent.name}", raw))
        return secrets_shown_once(request, title="Rotated agent tokens", secrets=shown, back_url=request.get_full_path())

    @admin.action(description="Suspend (every request by the agent gets 403)")
    def suspend(self, request, queryset):
        actor = actor_for_user(request.user)
        count = 0
        for agent in queryset:
            if not agent.is_suspended:
                services.agent_suspend(agent=agent, actor=actor, by=request.user)
                count += 1
        messages.success(request, f"Suspended {count} agent(s).")

    @admin.action(description="Recompute reputation from the event log")
    def recompute_reputation(self, request, queryset):
        for agent in queryset:
            reputation.recompute_reputation(agent)
        messages.success(request, f"Recomputed the reputation of {queryset.count()} agent(s).")
