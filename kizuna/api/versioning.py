"""`GET /api` (the versions) and `GET /api/v1/changelog` (dated changes), both read from kizuna.versions."""

from django.urls import get_resolver
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kizuna import versions

from .fields import StrictCharField, StrictURLField, TimestampField, absolute_url
from .views import MethodCheckMixin


class VersionSerializer(serializers.Serializer):
    version = StrictCharField(help_text="`v1`, `v2`, …: the path segment after `/api/`")
    status = serializers.ChoiceField(choices=["stable", "deprecated", "sunset"])
    deprecated_at = TimestampField(allow_null=True)
    sunset_at = TimestampField(allow_null=True, help_text="From this instant the version answers 410 GONE")
    url = StrictURLField(help_text="The version's root, absolute")


class VersionListSerializer(serializers.Serializer):
    versions = VersionSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=list(versions.KINDS))
    what = StrictCharField()
    notes = StrictCharField(allow_null=True, help_text="A URL with the details, when there is one")


class VersionListView(MethodCheckMixin, APIView):
    """Every API version with its status and dates. No token needed (a bad one is still 401)."""

    @extend_schema(operation_id="api_versions", responses=VersionListSerializer, tags=["versions"],
                   summary="The API versions, their status and dates")
    def get(self, request):
        now = versions.now()
        rows = [
            {"version": v.name, "status": v.status(now), "deprecated_at": v.deprecated, "sunset_at": v.sunset,
             "url": absolute_url(request, f"/api/{v.name}")}
            for v in versions.registry().versions
        ]
        return Response(VersionListSerializer({"versions": rows}).data)


class ChangelogView(MethodCheckMixin, generics.GenericAPIView):
    """Dated changes to the API, newest first: additions, deprecations, removals and other changes."""

    serializer_class = ChangeSerializer
    filter_backends = []  # a list from the registry, not a queryset

    @extend_schema(operation_id="changelog_list", responses=ChangeSerializer(many=True), tags=["versions"],
                   summary="Dated API changes, newest first")
    def get(self, request):
        page = self.paginate_queryset(versions.registry().changelog(versions.now()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class VersionSchemaView(SpectacularAPIView):
    """One version's schema: `GET /api` and the paths under `/api/<version>/`, nothing of other versions."""

    version = "v1"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        keep = {"api", f"api/{self.version}", f"api/{self.version}/"}  # `api/v1`: the root's links
        self.urlconf = [entry for entry in get_resolver().url_patterns if str(entry.pattern) in keep]
        self.custom_settings = {"SCHEMA_PATH_PREFIX": f"/api/{self.version}", "SERVERS": [{"url": f"/api/{self.version}"}]}
        return super().get(request, *args, **kwargs)
