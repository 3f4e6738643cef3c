from django.urls import path

from .code_views import BranchViewSet, CommitViewSet, ContentsViewSet
from .views import RepositoryViewSet, UserRepositoryViewSet

urlpatterns = [
    path("user/repos", UserRepositoryViewSet.as_view({"get": "list"}), name="user-repo-list"),
    path("repos/<str:org>", RepositoryViewSet.as_view({"get": "list", "post": "create"}), name="repo-list"),
    path(
        "repos/<str:org>/<str:repo>",
        RepositoryViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="repo-detail",
    ),
    # git read endpoints (docs/api.md §7)
    path("repos/<str:org>/<str:repo>/branches", BranchViewSet.as_view({"get": "list"}), name="repo-branch-list"),
    path("repos/<str:org>/<str:repo>/branches/<path:branch>", BranchViewSet.as_view({"get": "retrieve"}), name="repo-branch-detail"),
    path("repos/<str:org>/<str:repo>/commits", CommitViewSet.as_view({"get": "list"}), name="repo-commit-list"),
    path("repos/<str:org>/<str:repo>/commits/<str:sha>", CommitViewSet.as_view({"get": "retrieve"}), name="repo-commit-detail"),
    path("repos/<str:org>/<str:repo>/contents", ContentsViewSet.as_view({"get": "root"}), name="repo-contents-root"),
    path("repos/<str:org>/<str:repo>/contents/<path:path>", ContentsViewSet.as_view({"get": "retrieve"}), name="repo-contents"),
]
