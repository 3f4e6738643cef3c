from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import include, path

from kizuna import versions
from kizuna.api.meta import ApiRootView
from kizuna.api.versioning import VersionListView

urlpatterns = [
    # First: repos.smart_http.middleware answers these paths before the resolver runs, so no route
    # above it may take one (`/api/v1/info/refs` is org `api`'s repository `v1`, as the middleware sees it).
    path("", include("repos.smart_http.urls")),
    path("api", VersionListView.as_view(), name="api-versions"),
    # ApiErrorMiddleware strips a trailing slash, so `/api/v1/` arrives here as `/api/v1`: the links to
    # its resources (docs/api.md §1), part of v1's schema (VersionSchemaView).
    path("api/v1", ApiRootView.as_view(), name="api-root"),
    # /api/<version>/ for every version of the registry not past its sunset (kizuna/versions.py).
    *(path(f"api/{v.name}/", include(v.urlconf)) for v in versions.registry().routed(versions.now())),
    path("admin/", admin.site.urls),
    path("", include("kizuna.web.urls")),
    path("", lambda request: HttpResponseRedirect("/api/v1/docs")),
]
