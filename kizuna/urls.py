from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from kizuna.api.meta import ApiRootView, HealthView, RateLimitView

api_v1 = [
    path("rate_limit", RateLimitView.as_view(), name="rate-limit"),
    path("health", HealthView.as_view(), name="health"),
    path("", include("kizuna.accounts.urls")),
    path("", include("kizuna.events.urls")),
    path("", include("agents.urls")),
    path("", include("issues.urls")),
    path("", include("pulls.urls")),
    path("", include("pipelines.urls")),
    # repos last: its `repos/<org>/<repo>` would otherwise shadow nothing, but keep specific paths first.
    path("", include("repos.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    # ApiErrorMiddleware strips a trailing slash, so `/api/v1/` arrives here as `/api/v1`.
    path("api/v1", ApiRootView.as_view(), name="api-root"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("", include("kizuna.web.urls")),
    path("", include("repos.git_urls")),
    path("", lambda request: HttpResponseRedirect("/api/v1/docs")),
]
