"""The URL patterns of API v1, served under /api/v1/ (kizuna.versions routes them)."""

from django.urls import include, path
from django.views.decorators.gzip import gzip_page
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from kizuna.api.meta import HealthView, RateLimitView
from kizuna.api.versioning import ChangelogView, VersionSchemaView

urlpatterns = [
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
    path("changelog", ChangelogView.as_view(), name="changelog"),
    # Compressed: the schema is large and the same for everyone. API answers are not (docs/api.md,
    # "Compression": they can carry secrets next to caller-chosen text, the BREACH setting).
    path("schema", gzip_page(VersionSchemaView.as_view(version="v1")), name="schema"),
    # The split view serves Swagger UI's initialiser as a script of its own (?script): no inline script (CSP).
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
