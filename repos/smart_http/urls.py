"""Root-level git URLs: `<server>/<org>/<repo>.git/…` (smart HTTP; org and repo case-insensitive).

GitHttpMiddleware (middleware.py) answers these paths before the rest of the middleware chain, with
this pattern; the route stays here as every other door's does (the URLconf is the map that
tests/policy/test_matrix.py holds against the access matrix)."""

import re

from django.urls import re_path

from .views import git_http

GIT_PATH = re.compile(r"^(?P<org>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/(?P<service>info/refs|git-upload-pack|git-receive-pack)$")

urlpatterns = [
    re_path(GIT_PATH.pattern, git_http, name="git-http"),
]
