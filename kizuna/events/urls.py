from django.urls import path

from .streams.views import repo_event_stream, user_event_stream
from .views import OrgWebhookViewSet, RepoEventViewSet, RepoWebhookViewSet


def hook_routes(prefix: str, viewset, name: str) -> list:
    return [
        path(f"{prefix}/webhooks", viewset.as_view({"get": "list", "post": "create"}), name=f"{name}-list"),
        path(f"{prefix}/webhooks/<str:hook_id>",
             viewset.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}), name=f"{name}-detail"),
        path(f"{prefix}/webhooks/<str:hook_id>/ping", viewset.as_view({"post": "ping"}), name=f"{name}-ping"),
        path(f"{prefix}/webhooks/<str:hook_id>/deliveries", viewset.as_view({"get": "deliveries"}), name=f"{name}-deliveries"),
        path(f"{prefix}/webhooks/<str:hook_id>/deliveries/<str:delivery_id>", viewset.as_view({"get": "delivery"}),
             name=f"{name}-delivery"),
        path(f"{prefix}/webhooks/<str:hook_id>/deliveries/<str:delivery_id>/redeliver",
             viewset.as_view({"post": "redeliver"}), name=f"{name}-redeliver"),
    ]


urlpatterns = [
    path("repos/<str:org>/<str:repo>/events", RepoEventViewSet.as_view({"get": "list"}), name="repo-event-list"),
    path("repos/<str:org>/<str:repo>/events/stream", repo_event_stream, name="repo-event-stream"),
    path("user/events/stream", user_event_stream, name="user-event-stream"),
    *hook_routes("repos/<str:org>/<str:repo>", RepoWebhookViewSet, "repo-webhook"),
    *hook_routes("orgs/<str:org>", OrgWebhookViewSet, "org-webhook"),
]
