from django.urls import path

from . import views

urlpatterns = [
    path("login", views.LoginView.as_view(), name="web-login"),
    path("logout", views.LogoutView.as_view(), name="web-logout"),
    path("settings/tokens", views.tokens, name="web-tokens"),
    path("settings/tokens/<int:token_id>/revoke", views.token_revoke, name="web-token-revoke"),
    path("settings/agents", views.agents, name="web-agents"),
    path("settings/agents/<uuid:agent_id>/<str:action>", views.agent_action, name="web-agent-action"),
]
