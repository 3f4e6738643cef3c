from django.urls import path

from . import views

R = "repos/<str:org>/<str:repo>"

urlpatterns = [
    path(f"{R}/issues", views.IssueViewSet.as_view({"get": "list", "post": "create"}), name="issue-list"),
    path(
        f"{R}/issues/comments/<int:comment_id>",
        views.CommentViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="issue-comment-detail",
    ),
    path(f"{R}/issues/<int:number>", views.IssueViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
         name="issue-detail"),
    path(
        f"{R}/issues/<int:number>/labels",
        views.IssueLabelsViewSet.as_view({"get": "list", "post": "add", "put": "replace"}),
        name="issue-labels",
    ),
    # Label names may contain spaces and slashes (URL-encoded): `path`, not `str`.
    path(f"{R}/issues/<int:number>/labels/<path:name>", views.IssueLabelsViewSet.as_view({"delete": "remove"}),
         name="issue-label-detail"),
    path(f"{R}/issues/<int:number>/comments", views.IssueCommentsViewSet.as_view({"get": "list", "post": "create"}),
         name="issue-comments"),
    path(f"{R}/labels", views.LabelViewSet.as_view({"get": "list", "post": "create"}), name="label-list"),
    path(
        f"{R}/labels/<path:name>",
        views.LabelViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="label-detail",
    ),
    path(f"{R}/milestones", views.MilestoneViewSet.as_view({"get": "list", "post": "create"}), name="milestone-list"),
    path(
        f"{R}/milestones/<int:number>",
        views.MilestoneViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="milestone-detail",
    ),
]
