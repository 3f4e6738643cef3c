"""Issues, labels, milestones and comments in the admin. Every change runs issues.services, so it is
validated as on the API and leaves its event. Issues and comments are created through the API;
numbers, states and counters are read-only, and so are a pull request's title and body here: they are
edited on the pull request's page (pulls/admin.py), whose service records `pull_request.edited`."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import ManyToManyRawIdWidget

from kizuna.admin import ReadOnlyInline, ServiceAdmin, staff_actor
from kizuna.api.errors import ValidationFailed

from . import services
from .models import Comment, Issue, Label, Milestone


@admin.register(Label)
class LabelAdmin(ServiceAdmin):
    list_display = ("name", "repository", "color", "description")
    list_select_related = ("repository__namespace",)
    search_fields = ("name", "description", "repository__name")
    raw_id_fields = ("repository",)
    fields = ("repository", "name", "color", "description")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("repository",)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            label = services.label_create(repo=data["repository"], actor=staff_actor(request), name=data["name"],
                                          color=data["color"], description=data.get("description", ""))
            obj.pk = label.pk
            obj._state.adding = False
            return
        changes = {field: data[field] for field in ("name", "color", "description") if field in form.changed_data}
        if changes:
            # A fresh row: the form has already written the new values onto `obj`.
            services.label_update(label=Label.objects.select_related("repository__namespace").get(pk=obj.pk),
                                  actor=staff_actor(request), **changes)

    def delete_model(self, request, obj):
        services.label_delete(label=obj, actor=staff_actor(request))


@admin.register(Milestone)
class MilestoneAdmin(ServiceAdmin):
    list_display = ("title", "number", "repository", "state", "due_on", "created_at")
    list_filter = ("state",)
    list_select_related = ("repository__namespace",)
    search_fields = ("title", "description", "repository__name")
    raw_id_fields = ("repository",)
    date_hierarchy = "created_at"
    fields = ("repository", "number", "title", "description", "state", "due_on", "created_at", "updated_at",
              "closed_at")
    EDITABLE = ("title", "description", "state", "due_on")

    def get_readonly_fields(self, request, obj=None):
        readonly = ("number", "created_at", "updated_at", "closed_at")
        return readonly if obj is None else ("repository", *readonly)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            milestone = services.milestone_create(
                repo=data["repository"], actor=staff_actor(request), title=data["title"],
                description=data.get("description", ""), due_on=data.get("due_on"), state=data["state"],
            )
            obj.pk = milestone.pk
            obj._state.adding = False
            return
        changes = {field: data[field] for field in self.EDITABLE if field in form.changed_data}
        if changes:
            milestone = Milestone.objects.select_related("repository__namespace").get(pk=obj.pk)
            services.milestone_update(milestone=milestone, actor=staff_actor(request), **changes)

    def delete_model(self, request, obj):
        services.milestone_delete(milestone=obj, actor=staff_actor(request))


def _same_repository(issue: Issue, field: str, rows) -> None:
    if any(row.repository_id != issue.repository_id for row in rows):
        raise ValidationFailed({field: ["must belong to the issue's repository"]})


class CommentInline(ReadOnlyInline):
    """Shown for reading; a comment is edited or deleted on its own page (through the services)."""

    model = Comment
    fields = ("author", "body", "created_at")


class IssueAdminForm(forms.ModelForm):
    # Issue.labels has its own link model (IssueLabel, carrying the issue's state): the admin builds no
    # field for such a relation, so the form declares it (the same raw-id widget); save_model writes it
    # through issues.services.
    labels = forms.ModelMultipleChoiceField(
        Label.objects.all(), required=False,
        widget=ManyToManyRawIdWidget(Issue._meta.get_field("labels").remote_field, admin.site),
    )

    class Meta:
        model = Issue
        fields = ()


@admin.register(Issue)
class IssueAdmin(ServiceAdmin):
    list_display = ("number", "title", "repository", "state", "is_pull_request", "author", "created_at")
    list_filter = ("state", "is_pull_request", "state_reason")
    list_select_related = ("repository__namespace", "author")
    search_fields = ("title", "=number", "repository__name", "author__login")
    form = IssueAdminForm
    raw_id_fields = ("milestone", "assignees")
    fields = ("repository", "number", "is_pull_request", "title", "body", "assignees", "milestone", "author",
              "state", "state_reason", "closed_at", "closed_by", "comments_count", "created_at", "updated_at")
    # State moves with the actions (issue_close / issue_reopen keep open_issues_count right).
    readonly_fields = ("repository", "number", "is_pull_request", "author", "state", "state_reason", "closed_at",
                       "closed_by", "comments_count", "created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = [CommentInline]
    actions = ["close_issues", "reopen_issues"]

    def get_fields(self, request, obj=None):
        # `labels` is the form's declared field (IssueAdminForm): the admin's checks refuse it in `fields`.
        fields = list(super().get_fields(request, obj))
        fields.insert(fields.index("assignees"), "labels")
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_pull_request:
            return (*self.readonly_fields, "title", "body")
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # issues are opened through the API (numbers, events, webhooks)

    def has_delete_permission(self, request, obj=None):
        return False  # close instead: events, pull requests and comments point at the issue

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        actor = staff_actor(request)
        issue = Issue.objects.select_related("repository__namespace", "author").get(pk=obj.pk)
        prefix = "pull_request" if issue.is_pull_request else "issue"
        text = {field: data[field] for field in ("title", "body") if field in form.changed_data}
        if text:  # never for a pull request: its title and body are read-only here
            services.issue_update(issue=issue, actor=actor, **text)
        if "labels" in form.changed_data:
            _same_repository(issue, "labels", data["labels"])
            services.issue_set_labels(issue=issue, actor=actor, names=[label.name for label in data["labels"]],
                                      event_prefix=prefix)
        if "assignees" in form.changed_data:
            services.issue_set_assignees(issue=issue, actor=actor, logins=[a.login for a in data["assignees"]],
                                         event_prefix=prefix)
        if "milestone" in form.changed_data:
            milestone = data["milestone"]
            _same_repository(issue, "milestone", [milestone] if milestone else [])
            services.issue_set_milestone(issue=issue, actor=actor, number=milestone.number if milestone else None,
                                         event_prefix=prefix)

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m(): labels and assignees were set by the services in save_model.
        for formset in formsets:  # the comments inline is view-only: this saves nothing
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Close the selected issues (completed)")
    def close_issues(self, request, queryset):
        actor = staff_actor(request)
        rows = queryset.filter(state=Issue.State.OPEN, is_pull_request=False).select_related("repository__namespace", "author")
        self.run_each(request, rows, "Closed", lambda issue: services.issue_close(issue=issue, actor=actor))

    @admin.action(description="Reopen the selected issues")
    def reopen_issues(self, request, queryset):
        actor = staff_actor(request)
        rows = queryset.filter(state=Issue.State.CLOSED, is_pull_request=False).select_related("repository__namespace", "author")
        self.run_each(request, rows, "Reopened", lambda issue: services.issue_reopen(issue=issue, actor=actor))


@admin.register(Comment)
class CommentAdmin(ServiceAdmin):
    list_display = ("id", "issue", "author", "created_at", "updated_at")
    list_select_related = ("issue", "author")
    search_fields = ("body", "author__login")
    fields = ("issue", "author", "body", "created_at", "updated_at")
    readonly_fields = ("issue", "author", "created_at", "updated_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # comments are written through the API, by their authors

    def _fresh(self, obj) -> Comment:
        return Comment.objects.select_related("issue__repository__namespace", "issue__author", "author").get(pk=obj.pk)

    def save_model(self, request, obj, form, change):
        if "body" in form.changed_data:
            services.comment_update(comment=self._fresh(obj), actor=staff_actor(request), body=form.cleaned_data["body"])

    def delete_model(self, request, obj):
        services.comment_delete(comment=self._fresh(obj), actor=staff_actor(request))
