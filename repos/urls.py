from django.urls import path

from .views import RepositoryViewSet

urlpatterns = [
    path("repos/<str:org>", RepositoryViewSet.as_view({"get": "list", "post": "create"}), name="repo-list"),
    path(
        "repos/<str:org>/<str:repo>",
        RepositoryViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="repo-detail",
    ),
]
