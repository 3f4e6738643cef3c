"""Pipelines and jobs in the admin: read-only records of work (they are created by triggers and moved by
the agent job protocol, never edited here), a job's log readable on its page, and the operators'
actions — cancel, rerun — through pipelines.services."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from kizuna.admin import ReadOnlyAdmin, ReadOnlyInline, staff_actor

from . import services
from .models import Job, Pipeline, Trigger

# The job page shows the end of the log; the whole log is one click away.
LOG_TAIL_BYTES = 256 * 1024


def _cancel_each(modeladmin, request, pipelines):
    actor = staff_actor(request)
    modeladmin.run_each(request, pipelines.select_related("repository__namespace", "triggered_by"), "Canceled",
                        lambda pipeline: services.pipeline_cancel(pipeline=pipeline, actor=actor))


class JobInline(ReadOnlyInline):
    model = Job
    fields = ["name", "status", "agent", "attempt", "exit_code", "started_at", "finished_at"]


@admin.register(Pipeline)
class PipelineAdmin(ReadOnlyAdmin):
    list_display = ["id", "repository", "number", "status", "ref", "short_sha", "trigger", "created_at"]
    list_filter = ["status", "trigger"]
    search_fields = ["repository__name", "ref", "sha"]
    list_select_related = ["repository__namespace"]
    fields = ["repository", "number", "status", "ref", "sha", "trigger", "triggered_by", "variable_names",
              "created_at", "started_at", "finished_at"]
    readonly_fields = fields
    actions = ["cancel_pipelines", "rerun_pipelines"]
    inlines = [JobInline]

    @admin.display(description="variables")
    def variable_names(self, obj):
        return ", ".join(sorted(obj.variables or {}))  # values may be secrets; only the names are shown

    @admin.display(description="sha", ordering="sha")
    def short_sha(self, obj):
        return obj.sha[:12]

    @admin.action(description="Cancel the selected pipelines")
    def cancel_pipelines(self, request, queryset):
        _cancel_each(self, request, queryset)

    @admin.action(description="Rerun the selected pipelines (a new pipeline at the same commit and variables)")
    def rerun_pipelines(self, request, queryset):
        actor = staff_actor(request)
        self.run_each(
            request, queryset.select_related("repository__namespace"), "Started again",
            lambda pipeline: services.pipeline_trigger(
                repo=pipeline.repository, actor=actor, ref=pipeline.ref, sha=pipeline.sha,
                variables=pipeline.variables, trigger=Trigger.API,
            ),
        )


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["id", "pipeline", "name", "status", "agent", "attempt", "exit_code", "started_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    list_select_related = ["pipeline", "agent"]
    fields = ["pipeline", "repository", "name", "status", "agent", "attempt", "exit_code", "needs", "condition",
              "steps", "timeout", "lease_expires_at", "created_at", "started_at", "finished_at", "log"]
    readonly_fields = fields
    actions = ["cancel_job_pipelines"]

    @admin.action(description="Cancel the pipelines of the selected jobs")
    def cancel_job_pipelines(self, request, queryset):
        _cancel_each(self, request, Pipeline.objects.filter(pk__in=queryset.values("pipeline_id")))

    @admin.display(description="log")
    def log(self, obj):
        size = obj.log_size
        if not size:
            return "(empty)"
        start = max(0, size - LOG_TAIL_BYTES)
        text = services.job_log_read(obj, start).decode("utf-8", errors="replace")
        whole = reverse("admin:pipelines_job_log", args=[obj.pk])
        note = (format_html("The last {} of {} bytes — <a href=\"{}\">the whole log</a>", size - start, size, whole)
                if start else format_html("{} bytes — <a href=\"{}\">as plain text</a>", size, whole))
        return format_html('<div>{}</div><pre style="white-space: pre-wrap; max-height: 40em; overflow: auto; '
                           'margin: 0.5em 0 0;">{}</pre>', note, text)

    def get_urls(self):
        return [path("<int:job_id>/log/", self.admin_site.admin_view(self.log_view), name="pipelines_job_log"),
                *super().get_urls()]

    def log_view(self, request, job_id):
        job = get_object_or_404(Job, pk=job_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        # As the API's GET …/log answers it: at most KIZUNA_JOB_LOG_MAX_BYTES.
        return HttpResponse(services.job_log_read(job), content_type="text/plain; charset=utf-8")
