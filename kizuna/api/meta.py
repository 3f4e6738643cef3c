"""The API's own endpoints (docs/api.md §1, §5, §19): the root's links, the caller's rate
limit, and the health check for load balancers."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import health
from .errors import RETRY_AFTER_DB_SECONDS, ServiceUnavailable
from .fields import api_url
from .schema import ErrorSerializer
from .views import MethodCheckMixin

# The resources a client starts from, as GitHub's API root lists them: `{name}` parts are RFC 6570
# templates the client fills in.
ROOT_LINKS = {
    "current_user_url": "/user",
    "current_user_repositories_url": "/user/repos",
    "current_user_tokens_url": "/user/tokens",
    "current_user_events_stream_url": "/user/events/stream",
    "user_url": "/users/{login}",
    "organization_url": "/orgs/{org}",
    "organization_repositories_url": "/repos/{org}",
    "repository_url": "/repos/{org}/{repo}",
    "issues_url": "/repos/{org}/{repo}/issues",
    "pulls_url": "/repos/{org}/{repo}/pulls",
    "pipelines_url": "/repos/{org}/{repo}/pipelines",
    "events_url": "/repos/{org}/{repo}/events",
    "webhooks_url": "/repos/{org}/{repo}/webhooks",
    "agents_url": "/agents",
    "agent_jobs_claim_url": "/agent/jobs/claim",
    "rate_limit_url": "/rate_limit",
    "health_url": "/health",
    "schema_url": "/schema",
    "docs_url": "/docs",
    "redoc_url": "/redoc",
}

NO_CACHE = {"Cache-Control": "no-cache"}  # revalidate every time

RootSerializer = inline_serializer("ApiRoot", {name: serializers.CharField() for name in ROOT_LINKS})

RateSerializer = inline_serializer("Rate", {
    "limit": serializers.IntegerField(help_text="Requests allowed in the current window"),
    "used": serializers.IntegerField(help_text="Requests made in the current window"),
    "remaining": serializers.IntegerField(help_text="Requests left in the current window"),
    "reset": serializers.IntegerField(help_text="Epoch seconds when the window resets"),
    "resource": serializers.CharField(help_text="Always `core`"),
})
RateLimitSerializer = inline_serializer("RateLimit", {
    "resources": inline_serializer("RateLimitResources", {"core": RateSerializer}),
    "rate": RateSerializer,
})
HealthSerializer = inline_serializer("Health", {
    "status": serializers.ChoiceField(choices=["ok"]),
    "checks": inline_serializer("HealthChecks", {
        name: serializers.CharField(help_text="`ok`, `not configured` (Redis without KIZUNA_REDIS_URL) or why not")
        for name in health.CHECKS
    }),
})


class ApiRootView(MethodCheckMixin, APIView):
    """`GET /api/v1`: where to go from here."""

    @extend_schema(operation_id="api_root", responses=RootSerializer, summary="Links to the API's resources")
    def get(self, request):
        root = api_url(request, "")  # templates appended as they are (build_absolute_uri would quote `{}`)
        return Response({name: root + path for name, path in ROOT_LINKS.items()})


class RateLimitView(MethodCheckMixin, APIView):
    """`GET /rate_limit`: the caller's tier and count; asking does not count (RateLimitMiddleware peeks)."""

    @extend_schema(operation_id="rate_limit_get", responses=RateLimitSerializer,
                   summary="The caller's rate limit (this request does not count against it)")
    def get(self, request):
        state = getattr(request._request, "rate_limit", None)
        rate = {"limit": state.limit, "used": min(state.used, state.limit), "remaining": state.remaining,
                "reset": state.reset, "resource": "core"}
        # Revalidated every time (a 304 gives nothing back: nothing was counted).
        return Response({"resources": {"core": rate}, "rate": rate}, headers=NO_CACHE)


class HealthView(MethodCheckMixin, APIView):
    """`GET /health`: 200 when every dependency answers, 503 naming the one that does not.

    No credentials are read (a load balancer sends none) and nothing is counted."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="health_get", auth=[],
        responses={200: HealthSerializer,
                   503: OpenApiResponse(ErrorSerializer, description="SERVICE_UNAVAILABLE: `details.checks` "
                                        "names the dependency that is down")},
        summary="Health of the database, Redis and git storage, for load balancers",
    )
    def get(self, request):
        healthy, checks = health.run_checks()
        if not healthy:
            down = ", ".join(f"{name} {status}" for name, status in checks.items()
                             if status not in (health.OK, health.NOT_CONFIGURED))
            raise ServiceUnavailable(f"Unhealthy: {down}", details={"checks": checks},
                                     headers={"Retry-After": str(RETRY_AFTER_DB_SECONDS), **NO_CACHE})
        return Response({"status": "ok", "checks": checks}, headers=NO_CACHE)


__all__ = ["ApiRootView", "HealthView", "RateLimitView"]
