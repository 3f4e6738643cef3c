from django.urls import path

from .views import PullCommentViewSet, PullRequestViewSet

prefix = "repos/<str:org>/<str:repo>/pulls"

urlpatterns = [
    path(prefix, PullRequestViewSet.as_view({"get": "list", "post": "create"}), name="pull-list"),
    path(f"{prefix}/<int:number>", PullRequestViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
         name="pull-detail"),
    path(f"{prefix}/<int:number>/ready", PullRequestViewSet.as_view({"post": "ready"}), name="pull-ready"),
    path(f"{prefix}/<int:number>/merge", PullRequestViewSet.as_view({"post": "merge"}), name="pull-merge"),
    path(f"{prefix}/<int:number>/comments", PullCommentViewSet.as_view({"get": "list", "post": "create"}),
         name="pull-comments"),
]
