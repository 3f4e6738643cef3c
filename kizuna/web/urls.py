from django.urls import path

from . import views

urlpatterns = [
    path("login", views.LoginView.as_view(), name="web-login"),
    path("logout", views.LogoutView.as_view(), name="web-logout"),
    path("settings/tokens", views.tokens, name="web-tokens"),
    path("settings/tokens/<int:token_id>/revoke", views.token_revoke, name="web-token-revoke"),
]
