from django.contrib import admin
from django.http import HttpResponseRedirect
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path
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
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    # Swagger UI, Redoc and the admin's assets come from this server itself (API.md §14), also without
    # DEBUG and without collectstatic; a reverse proxy may serve `collectstatic` output here instead.
    re_path(r"^static/(?P<path>.+)$", serve_static, {"insecure": True}),
    path("", include("repos.git_urls")),
    path("", lambda request: HttpResponseRedirect("/api/v1/docs")),
]
