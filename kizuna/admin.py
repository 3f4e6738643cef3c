"""What every Kizuna ModelAdmin shares: the site's titles and the rule that the admin writes only
through the services.

The admin is the operators' tool, not a second way around the API: a change made here runs the same
service function an API call runs (keyword-only, transactional, `emit_event`), so it is validated the
same way and leaves its event in the audit trail with the staff user as actor. Fields that only the
services may move (states, counters, merge fields, digests) are read-only. A service that refuses a
change (`KizunaAPIError`) rolls the admin's transaction back and the page says why, instead of a 500.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.http import HttpResponseRedirect

from kizuna.accounts.models import Actor
from kizuna.api.errors import KizunaAPIError

# The site itself (titles, and who may enter: kizuna.policy.is_staff) is kizuna/admin_site.py.


def refusal(exc: KizunaAPIError) -> str:
    """The service's message with its field details, as one line for the admin's message bar."""
    parts = []
    for field, msgs in (exc.details or {}).items():
        for msg in msgs if isinstance(msgs, list) else [msgs]:
            parts.append(f"{field}: {msg}")
    return f"{exc.message} ({'; '.join(parts)})" if parts else str(exc.message)


def staff_actor(request) -> Actor:
    """The audit trail's actor for a change made in the admin: the signed-in staff user."""
    from kizuna.accounts.actors import actor_for_user

    return actor_for_user(request.user)


class TextAsWritten(forms.CharField):
    """A text kept as the API keeps it (kizuna.api.fields.StrictString: not stripped), with a browser's
    CRLF line ends read as LF: a multi-line text posted back unchanged is no change, so saving another
    field of the page neither rewrites it nor records a false edit (Field.has_changed compares through
    to_python). Every TextField of a ServiceAdmin's form is one."""

    def __init__(self, **kwargs):
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose save_model / delete_model call services (subclasses implement them).

    `changeform_view` and `delete_view` already run in one transaction, and `delete_queryset` (the
    "Delete selected" action) runs in one; a refusal from a service leaves it (rolling back) and comes
    back as an error message on the same page.
    """

    show_full_result_count = False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.TextField) and not db_field.choices:
            kwargs.setdefault("form_class", TextAsWritten)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__}.save_model must call the service (never obj.save())")

    def delete_model(self, request, obj):
        raise NotImplementedError(f"{type(self).__name__}.delete_model must call the service (never obj.delete())")

    def _refused(self, request, exc: KizunaAPIError):
        self.message_user(request, f"Not saved: {refusal(exc)}", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except KizunaAPIError as exc:
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except KizunaAPIError as exc:
            return self._refused(request, exc)

    def changelist_view(self, request, extra_context=None):
        try:  # "Delete selected" runs delete_queryset from here
            return super().changelist_view(request, extra_context)
        except KizunaAPIError as exc:
            return self._refused(request, exc)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """Each row through delete_model (its service, its event); one refusal deletes none."""
        for obj in queryset:
            self.delete_model(request, obj)

    def run_each(self, request, queryset, verb: str, apply) -> None:
        """An action: `apply(obj)` for each selected row; refusals are reported, the others done."""
        done, refused = 0, []
        for obj in queryset:
            try:
                apply(obj)
                done += 1
            except KizunaAPIError as exc:
                refused.append(f"{obj}: {refusal(exc)}")
        if done:
            self.message_user(request, f"{verb} {done} {self._noun(done)}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, f"Not done: {line}", messages.ERROR)

    def _noun(self, count: int) -> str:
        meta = self.model._meta
        return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)


class ReadOnlyAdmin(ServiceAdmin):
    """Rows that only the API and the workers write (finished work, logs, deliveries): browse them,
    act on them through actions, never edit, add or delete them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Related rows shown for reading on their parent's page; each is changed on its own page (through
    the services). Subclasses name `model` and `fields`."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
