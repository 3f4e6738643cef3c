"""Pull requests in the admin: the git side is read-only (a merge happens only through the merge
service, which merges for real). The title, body and base branch are edited here, and pull requests
closed, reopened or marked ready, through pulls.services (the issue's page shows a pull request's title
and body read-only: the issues app knows nothing of pull requests)."""

from django import forms
from django.contrib import admin

from issues.models import Issue
from kizuna.admin import ReadOnlyAdmin, ServiceAdmin, TextAsWritten, staff_actor

from . import services
from .models import BranchProtection, PullRequest, Review

GIT_FIELDS = ("head_ref", "head_sha", "base_sha", "draft", "merged", "mergeable", "commits", "additions", "deletions",
              "changed_files", "merged_at", "merged_by", "merge_commit_sha")


class PullRequestAdminForm(forms.ModelForm):
    """The title and body are the pull request's issue's: the same form fields as on the issue's page."""

    title = Issue._meta.get_field("title").formfield()
    body = Issue._meta.get_field("body").formfield(form_class=TextAsWritten)

    class Meta:
        model = PullRequest
        fields = ("base_ref",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("title", self.instance.issue.title)
            self.initial.setdefault("body", self.instance.issue.body)


@admin.register(PullRequest)
class PullRequestAdmin(ServiceAdmin):
    list_display = ("number", "title", "repository", "head_ref", "base_ref", "state", "draft", "merged")
    list_filter = ("draft", "merged", "mergeable")
    search_fields = ("issue__title", "head_ref", "base_ref", "head_sha", "merge_commit_sha")
    list_select_related = ("issue", "repository__namespace")
    form = PullRequestAdminForm
    fields = ("issue", "repository", "title", "body", "base_ref", *GIT_FIELDS)
    readonly_fields = ("issue", "repository", *GIT_FIELDS)
    actions = ["close_pulls", "reopen_pulls", "mark_ready"]

    def has_add_permission(self, request):
        return False  # opened through the API, from real branches

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(ordering="issue__number")
    def number(self, obj):
        return obj.issue.number

    @admin.display(ordering="issue__title")
    def title(self, obj):
        return obj.issue.title

    @admin.display(ordering="issue__state")
    def state(self, obj):
        return obj.issue.state

    def save_model(self, request, obj, form, change):
        changes = {field: form.cleaned_data[field] for field in ("title", "body") if field in form.changed_data}
        if "base_ref" in form.changed_data:
            changes["base"] = form.cleaned_data["base_ref"]
        if changes:
            pull = PullRequest.objects.select_related("issue", "repository__namespace").get(pk=obj.pk)
            services.pull_update(pull=pull, actor=staff_actor(request), **changes)

    def _rows(self, queryset):
        return queryset.select_related("issue__author", "repository__namespace")

    @admin.action(description="Close the selected pull requests (without merging)")
    def close_pulls(self, request, queryset):
        actor = staff_actor(request)
        self.run_each(request, self._rows(queryset.filter(issue__state="open")), "Closed",
                      lambda pull: services.pull_update(pull=pull, actor=actor, state="closed"))

    @admin.action(description="Reopen the selected pull requests")
    def reopen_pulls(self, request, queryset):
        actor = staff_actor(request)
        self.run_each(request, self._rows(queryset.filter(issue__state="closed", merged=False)), "Reopened",
                      lambda pull: services.pull_update(pull=pull, actor=actor, state="open"))

    @admin.action(description="Mark the selected drafts ready for review")
    def mark_ready(self, request, queryset):
        actor = staff_actor(request)
        self.run_each(request, self._rows(queryset.filter(draft=True)), "Marked ready",
                      lambda pull: services.pull_ready(pull=pull, actor=actor))


# Branch protection rules and reviews are shown, never edited here: they change through the API's
# services, which lock the pull request, validate and record the events the audit trail needs.
@admin.register(BranchProtection)
class BranchProtectionAdmin(ReadOnlyAdmin):
    list_display = ("branch", "repository", "required_approving_review_count", "require_code_owner_reviews",
                    "require_pipeline", "require_pull_request", "agent_approval_min_trust", "updated_at")
    list_select_related = ("repository__namespace",)
    search_fields = ("branch", "repository__name")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("pk", "pull_request", "user", "state", "commit", "submitted_at")
    list_filter = ("state",)
    list_select_related = ("pull__issue", "pull__repository", "user")
    search_fields = ("user__login", "commit_id")

    @admin.display(description="pull request", ordering="pull__issue__number")
    def pull_request(self, obj):
        return f"{obj.pull.repository.name}#{obj.pull.issue.number}"

    @admin.display(description="commit", ordering="commit_id")
    def commit(self, obj):
        return obj.commit_id[:12]
