from django.urls import path

from .views import (
    CurrentUserView,
    DeployTokenViewSet,
    OrganizationMemberViewSet,
    OrganizationViewSet,
    PersonalTokenViewSet,
    UserProfileView,
)

urlpatterns = [
    path("user", CurrentUserView.as_view(), name="user"),
    path("user/tokens", PersonalTokenViewSet.as_view({"get": "list", "post": "create"}), name="user-token-list"),
    path("user/tokens/<str:pk>", PersonalTokenViewSet.as_view({"delete": "destroy"}), name="user-token-detail"),
    path("users/<str:login>", UserProfileView.as_view(), name="user-profile"),
    path("orgs", OrganizationViewSet.as_view({"post": "create"}), name="org-list"),
    path("orgs/<str:org>", OrganizationViewSet.as_view({"get": "retrieve"}), name="org-detail"),
    path("orgs/<str:org>/members", OrganizationMemberViewSet.as_view({"get": "list"}), name="org-member-list"),
    path(
        "orgs/<str:org>/members/<str:login>",
        OrganizationMemberViewSet.as_view({"put": "update", "delete": "destroy"}),
        name="org-member-detail",
    ),
    path("repos/<str:org>/<str:repo>/deploy-tokens", DeployTokenViewSet.as_view({"get": "list", "post": "create"}), name="deploy-token-list"),
    path("repos/<str:org>/<str:repo>/deploy-tokens/<str:pk>", DeployTokenViewSet.as_view({"delete": "destroy"}), name="deploy-token-detail"),
]
