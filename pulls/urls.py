from django.urls import path

from .views import (
    BranchProtectionViewSet,
    PullCommentViewSet,
    PullRequestViewSet,
    RequestedReviewersViewSet,
    ReviewViewSet,
)

prefix = "repos/<str:org>/<str:repo>/pulls"

urlpatterns = [
    path(prefix, PullRequestViewSet.as_view({"get": "list", "post": "create"}), name="pull-list"),
    path(f"{prefix}/<int:number>", PullRequestViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
         name="pull-detail"),
    path(f"{prefix}/<int:number>/ready", PullRequestViewSet.as_view({"post": "ready"}), name="pull-ready"),
    path(f"{prefix}/<int:number>/merge", PullRequestViewSet.as_view({"post": "merge"}), name="pull-merge"),
    path(f"{prefix}/<int:number>/comments", PullCommentViewSet.as_view({"get": "list", "post": "create"}),
         name="pull-comments"),
    path(f"{prefix}/<int:number>/reviews", ReviewViewSet.as_view({"get": "list", "post": "create"}), name="pull-reviews"),
    path(f"{prefix}/<int:number>/reviews/<int:review_id>", ReviewViewSet.as_view({"get": "retrieve"}),
         name="pull-review-detail"),
    path(f"{prefix}/<int:number>/reviews/<int:review_id>/dismissals", ReviewViewSet.as_view({"put": "dismiss"}),
         name="pull-review-dismissals"),
    path(f"{prefix}/<int:number>/requested_reviewers",
         RequestedReviewersViewSet.as_view({"get": "list", "post": "create", "delete": "destroy"}),
         name="pull-requested-reviewers"),
    # Before repos' branch detail (`<path:branch>` would swallow `…/protection`).
    path("repos/<str:org>/<str:repo>/branches/<path:branch>/protection",
         BranchProtectionViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
         name="branch-protection"),
]
