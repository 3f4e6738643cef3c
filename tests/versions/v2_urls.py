"""A second API version for the tests (tests/versions): v2 changes one representation, the
organisation's (`name` becomes `display_name`), and serves everything else as v1 does."""

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response

from kizuna.accounts.serializers import OrganizationSerializer
from kizuna.accounts.views import OrganizationViewSet, get_org
from kizuna.api.versioning import VersionSchemaView
from kizuna.urls_v1 import urlpatterns as v1_patterns


class OrganizationV2Serializer(OrganizationSerializer):
    display_name = serializers.CharField(source="name", read_only=True)

    class Meta(OrganizationSerializer.Meta):
        fields = ["id", "login", "display_name", "description", "type", "created_at", "url"]


class OrganizationV2ViewSet(OrganizationViewSet):
    serializer_class = OrganizationV2Serializer

    def retrieve(self, request, org):
        return Response(OrganizationV2Serializer(get_org(org), context={"request": request}).data)


urlpatterns = [
    path("orgs/<str:org>", OrganizationV2ViewSet.as_view({"get": "retrieve"}), name="org-detail-v2"),
    *(p for p in v1_patterns if getattr(p, "name", None) not in ("schema", "docs", "redoc")),
    path("schema", VersionSchemaView.as_view(version="v2"), name="schema-v2"),
]
