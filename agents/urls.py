from django.urls import path

from .views import AgentViewSet

urlpatterns = [
    path("agents", AgentViewSet.as_view({"get": "list", "post": "create"}), name="agent-list"),
    path("agents/<str:pk>", AgentViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="agent-detail"),
    path("agents/<str:pk>/tokens", AgentViewSet.as_view({"post": "rotate_token"}), name="agent-tokens"),
    path("agents/<str:pk>/events", AgentViewSet.as_view({"get": "events"}), name="agent-events"),
]
