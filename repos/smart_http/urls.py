"""Root-level git URLs: `<server>/<org>/<repo>.git/…` (smart HTTP; org and repo case-insensitive)."""

from django.urls import re_path

from .views import git_http

urlpatterns = [
    re_path(
        r"^(?P<org>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/(?P<service>info/refs|git-upload-pack|git-receive-pack)$",
        git_http,
        name="git-http",
    ),
]
