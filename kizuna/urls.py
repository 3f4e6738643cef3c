from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import include, path
from django.views.decorators.gzip import gzip_page
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

api_v1 = [
    path("", include("kizuna.accounts.urls")),
    path("", include("kizuna.events.urls")),
    path("", include("agents.urls")),
    path("", include("issues.urls")),
    path("", include("pulls.urls")),
    path("", include("pipelines.urls")),
    # repos last: its `repos/<org>/<repo>` would otherwise shadow nothing, but keep specific paths first.
    path("", include("repos.urls")),
    # Compressed: the schema is large and the same for everyone. API answers are not (docs/api.md,
    # "Compression": they can carry secrets next to caller-chosen text, the BREACH setting).
    path("schema", gzip_page(SpectacularAPIView.as_view()), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("", include("kizuna.web.urls")),
    path("", include("repos.git_urls")),
    path("", lambda request: HttpResponseRedirect("/api/v1/docs")),
]
