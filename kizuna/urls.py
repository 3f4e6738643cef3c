from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("kizuna.accounts.urls")),
    path("", include("kizuna.events.urls")),
    path("", include("agents.urls")),
    path("", include("issues.urls")),
    path("", include("pulls.urls")),
    path("", include("pipelines.urls")),
    # repos last: its `repos/<org>/<repo>` would otherwise shadow nothing, but keep specific paths first.
    path("", include("repos.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's initialiser as a script of its own (?script): no inline script (CSP).
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("", include("kizuna.web.urls")),
    path("", include("repos.git_urls")),
    path("", lambda request: HttpResponseRedirect("/api/v1/docs")),
]
