"""`/agents`: registration, listing, updates, token rotation and the audit trail (docs/api.md §10)."""

import uuid

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from kizuna.accounts.actors import actor_for_agent
from kizuna import policy
from kizuna.api.errors import NotFound
from kizuna.policy.drf import IsSignedIn, TokenScopePermission, UserCredentialsOnly
from kizuna.api.views import KizunaViewSet, reject_immutable
from kizuna.events.models import Event
from kizuna.events.payloads import event_json, request_base
from kizuna.events.serializers import EventSerializer

from . import services
from .filters import AgentFilter
from .models import Agent
from .serializers import (
    AgentCreateSerializer,
    AgentSerializer,
    AgentTokenSerializer,
    AgentUpdateSerializer,
    NewAgentSerializer,
)

IMMUTABLE_FIELDS = ("name", "model_family", "model_version", "operator")
AGENT_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The agent's id")


@extend_schema_view(
    list=extend_schema(summary="Agents the caller operates (staff: all)"),
    retrieve=extend_schema(summary="An agent", parameters=[AGENT_ID]),
)
class AgentViewSet(KizunaViewSet):
    serializer_class = AgentSerializer
    filterset_class = AgentFilter
    queryset = Agent.objects.none()  # for the schema; get_queryset narrows per caller

    def get_permissions(self):
        # Registering and changing agents needs a user (session or personal token); agent and deploy
        # tokens get 403 — an agent can never change its own record or tokens.
        first = UserCredentialsOnly if self.action in ("create", "partial_update", "rotate_token") else IsSignedIn
        return [first(), TokenScopePermission()]

    def get_queryset(self):
        # The agents the caller operates (staff: all; agents and deploy tokens: none): kizuna.policy.agents_q,
        # applied by KizunaViewSet.filter_queryset.
        return Agent.objects.select_related("operator")

    def get_agent(self, pk) -> Agent:
        try:
            agent_id = uuid.UUID(str(pk))
        except ValueError:
            raise NotFound() from None
        agent = Agent.objects.select_related("operator").filter(pk=agent_id).first()
        if agent is None:
            raise NotFound()
        return agent

    def get_managed_agent(self, pk) -> Agent:
        """The agent, if the caller operates it or is staff. Any authenticated caller can read an agent,
        so others get 403, not 404 (they can see it but may not do this)."""
        agent = self.get_agent(pk)
        policy.check_manage_agent(self.request.user, agent)
        return agent

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AgentSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=AgentCreateSerializer, responses={201: NewAgentSerializer}, summary="Register an agent")
    def create(self, request):
        serializer = AgentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agent, raw = services.agent_register(operator=request.user, actor=self.actor, **serializer.validated_data)
        agent.token = raw
        data = NewAgentSerializer(agent, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    def retrieve(self, request, pk):
        return Response(AgentSerializer(self.get_agent(pk), context={"request": request}).data)

    @extend_schema(
        request=AgentUpdateSerializer, responses=AgentSerializer, parameters=[AGENT_ID],
        summary="Update an agent (operator or staff)",
    )
    def partial_update(self, request, pk):
        agent = self.get_managed_agent(pk)
        reject_immutable(request.data, IMMUTABLE_FIELDS)
        serializer = AgentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        policy.check_agent_change(request.user, agent, changes, token=request.auth)
        agent = services.agent_update(agent=agent, actor=self.actor, by=request.user, **changes)
        return Response(AgentSerializer(agent, context={"request": request}).data)

    @extend_schema(request=None, responses={201: AgentTokenSerializer}, parameters=[AGENT_ID],
                   summary="Rotate the agent's token (the old one stops working at once)")
    def rotate_token(self, request, pk):
        agent = self.get_managed_agent(pk)
        _, raw = services.agent_rotate_token(agent=agent, actor=self.actor, by=request.user)
        return Response({"token": raw}, status=status.HTTP_201_CREATED)

    @extend_schema(responses=EventSerializer(many=True), parameters=[AGENT_ID], filters=False,
                   summary="The agent's audit trail, newest first")
    def events(self, request, pk):
        agent = self.get_agent(pk)
        policy.check_manage_agent(request.user, agent, what="read its audit trail")
        actor = actor_for_agent(agent)
        queryset = (
            Event.objects.filter(Q(actor=actor) | Q(subject=actor))
            .select_related("actor", "on_behalf_of", "repository__namespace")
            .order_by("-id")
        )
        page = self.paginate_queryset(queryset)
        base = request_base(request)
        return self.get_paginated_response([event_json(e, base) for e in page])
