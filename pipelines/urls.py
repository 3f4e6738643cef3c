from django.urls import path

from .views import AgentJobLogViewSet, AgentJobViewSet, JobLogView, PipelineViewSet

base = "repos/<str:org>/<str:repo>/pipelines"

urlpatterns = [
    path(base, PipelineViewSet.as_view({"get": "list", "post": "create"}), name="pipeline-list"),
    path(f"{base}/<int:pipeline_id>", PipelineViewSet.as_view({"get": "retrieve"}), name="pipeline-detail"),
    path(f"{base}/<int:pipeline_id>/cancel", PipelineViewSet.as_view({"post": "cancel"}), name="pipeline-cancel"),
    path(f"{base}/<int:pipeline_id>/jobs/<int:job_id>/log", JobLogView.as_view({"get": "retrieve"}), name="job-log"),
    path("agent/jobs/claim", AgentJobViewSet.as_view({"post": "claim"}), name="agent-job-claim"),
    path("agent/jobs/<int:job_id>/heartbeat", AgentJobViewSet.as_view({"post": "heartbeat"}), name="agent-job-heartbeat"),
    path("agent/jobs/<int:job_id>/log", AgentJobLogViewSet.as_view({"post": "log"}), name="agent-job-log"),
    path("agent/jobs/<int:job_id>/finish", AgentJobViewSet.as_view({"post": "finish"}), name="agent-job-finish"),
]
