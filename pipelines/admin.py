from django.contrib import admin, messages

from kizuna.accounts.services import actor_for_user
from kizuna.api.errors import Conflict

from . import services
from .models import Job, Pipeline


@admin.action(description="Cancel the selected pipelines")
def cancel_pipelines(modeladmin, request, queryset):
    actor = actor_for_user(request.user)
    done = 0
    for pipeline in queryset:
        try:
            services.pipeline_cancel(pipeline=pipeline, actor=actor)
            done += 1
        except Conflict:
            pass
    modeladmin.message_user(request, f"Canceled {done} pipeline(s).", messages.SUCCESS)


@admin.action(description="Cancel the pipelines of the selected jobs")
def cancel_job_pipelines(modeladmin, request, queryset):
    cancel_pipelines(modeladmin, request, Pipeline.objects.filter(pk__in=queryset.values("pipeline_id")))


class JobInline(admin.TabularInline):
    model = Job
    extra = 0
    fields = ["name", "status", "agent", "attempt", "exit_code", "started_at", "finished_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["id", "repository", "number", "status", "ref", "sha", "trigger", "triggered_by", "created_at"]
    list_filter = ["status", "trigger"]
    search_fields = ["repository__name", "ref", "sha"]
    list_select_related = ["repository__namespace", "triggered_by"]
    raw_id_fields = ["repository", "triggered_by"]
    readonly_fields = ["number", "status", "sha", "started_at", "finished_at", "variable_names"]
    exclude = ["variables"]  # values may be secrets; only the names are shown
    show_full_result_count = False
    actions = [cancel_pipelines]
    inlines = [JobInline]

    @admin.display(description="variables")
    def variable_names(self, obj):
        return ", ".join(sorted(obj.variables or {}))


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "pipeline", "name", "status", "agent", "attempt", "exit_code", "lease_expires_at", "started_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    list_select_related = ["pipeline", "agent"]
    raw_id_fields = ["pipeline", "repository", "agent", "job_token"]
    readonly_fields = ["log_size"]
    show_full_result_count = False
    actions = [cancel_job_pipelines]
