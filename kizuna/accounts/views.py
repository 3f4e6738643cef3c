from django.db.models.functions import Lower
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.serializers import AgentIdentitySerializer

from kizuna import policy
from kizuna.api.errors import NotFound, ValidationFailed
from kizuna.api.fields import is_digits
from kizuna.api.views import KizunaViewSet, MethodCheckMixin, RepoScopedMixin
from kizuna.policy.drf import IsSignedIn, TokenScopePermission, UserCredentialsOnly

from . import services
from .models import Membership, Namespace, Role, Token, User
from .principals import principal_kind
from .serializers import (
    DeployIdentitySerializer,
    DeployTokenSerializer,
    MemberSerializer,
    NewDeployTokenSerializer,
    NewTokenSerializer,
    OrganizationSerializer,
    ProfileSerializer,
    TokenSerializer,
    UserSerializer,
    profile,
)


def agent_identity(request) -> dict:
    """An agent's `/user`: the agent plus the actor fields `login` and `type`."""
    return AgentIdentitySerializer(request.user, context={"request": request}).data


class CurrentUserView(MethodCheckMixin, APIView):
    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="user_get",
        responses=PolymorphicProxySerializer(
            component_name="Caller", resource_type_field_name=None,
            serializers=[UserSerializer, DeployIdentitySerializer, AgentIdentitySerializer],
        ),
        summary="The caller: a user, an agent or a deploy token's identity",
    )
    def get(self, request):
        kind = principal_kind(request.user)
        if kind == "agent":
            return Response(agent_identity(request))
        if kind == "deploy":
            return Response(DeployIdentitySerializer(request.user).data)
        return Response(UserSerializer(request.user).data)


class PersonalTokenViewSet(mixins.ListModelMixin, KizunaViewSet):
    """The caller's personal tokens. Managing them needs a session or a personal token with `admin`."""

    serializer_class = TokenSerializer
    permission_classes = [UserCredentialsOnly]
    required_scope = "admin"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Token.objects.none()
        return Token.objects.filter(user=self.request.user, kind=Token.Kind.PERSONAL).order_by("-created_at", "-id")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        policy.check_scope(request.auth, "admin")

    @extend_schema(request=TokenSerializer, responses={201: NewTokenSerializer})
    def create(self, request):
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = services.token_create(
            kind=Token.Kind.PERSONAL, user=request.user, created_by=request.user, actor=self.actor,
            **serializer.validated_data,
        )
        token.token = raw
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        token = self.get_queryset().filter(pk=pk).first() if is_digits(str(pk)) else None
        if token is None:
            raise NotFound()
        services.token_revoke(token=token, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeployTokenViewSet(RepoScopedMixin, mixins.ListModelMixin, KizunaViewSet):
    serializer_class = DeployTokenSerializer
    required_scope = "admin"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Token.objects.none()
        return Token.objects.filter(repository=self.repository, kind=Token.Kind.DEPLOY).order_by("-created_at", "-id")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.require(policy.Action.ADMIN)

    @extend_schema(request=DeployTokenSerializer, responses={201: NewDeployTokenSerializer})
    def create(self, request, org, repo):
        serializer = DeployTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        creator = request.user if principal_kind(request.user) == "user" else None
        token, raw = services.token_create(
            kind=Token.Kind.DEPLOY, repository=self.repository, created_by=creator, actor=self.actor,
            **serializer.validated_data,
        )
        token.token = raw
        return Response(NewDeployTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, org, repo, pk=None):
        token = self.get_queryset().filter(pk=pk).first() if is_digits(str(pk)) else None
        if token is None:
            raise NotFound()
        services.token_revoke(token=token, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


def get_org(login: str) -> Namespace:
    org = (
        Namespace.objects.annotate(l=Lower("login"))
        .filter(l=login.lower(), kind=Namespace.Kind.ORGANIZATION)
        .first()
    )
    if org is None:
        raise NotFound()
    return org


class OrganizationViewSet(KizunaViewSet):
    serializer_class = OrganizationSerializer
    lookup_field = "login"
    lookup_url_kwarg = "org"

    def get_permissions(self):
        if self.action == "create":  # a user (session or personal token with `write`) creates orgs
            return [UserCredentialsOnly(), TokenScopePermission()]
        return super().get_permissions()

    def create(self, request):
        serializer = OrganizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = services.org_create(creator=request.user, **serializer.validated_data)
        return Response(OrganizationSerializer(org, context={"request": request}).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, org):
        return Response(OrganizationSerializer(get_org(org), context={"request": request}).data)


class OrganizationMemberViewSet(KizunaViewSet):
    serializer_class = MemberSerializer

    def get_org_for_member_action(self) -> Namespace:
        org = get_org(self.kwargs["org"])
        policy.check_members(self.request.user, org, manage=self.request.method not in SAFE_METHODS,
                             token=self.request.auth)
        return org

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return Membership.objects.filter(namespace=self.org).select_related("user").order_by(Lower("user__username"), "pk")

    def list(self, request, org):
        self.org = self.get_org_for_member_action()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(request=MemberSerializer, responses=MemberSerializer)
    def update(self, request, org, login):
        self.org = self.get_org_for_member_action()
        role = request.data.get("role")
        if role not in Role.values:
            raise ValidationFailed({"role": [f"must be one of {', '.join(Role.values)}"]})
        user = User.objects.annotate(l=Lower("username")).filter(l=login.lower(), is_active=True).first()
        if user is None:
            raise NotFound("No such user")
        membership = services.member_set(actor=self.actor, org=self.org, user=user, role=role)
        return Response(MemberSerializer(membership).data)

    def destroy(self, request, org, login):
        self.org = self.get_org_for_member_action()
        membership = (
            Membership.objects.select_related("user").annotate(l=Lower("user__username"))
            .filter(namespace=self.org, l=login.lower()).first()
        )
        if membership is None:
            raise NotFound()
        services.member_remove(actor=self.actor, org=self.org, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


def find_login(login: str):
    """The active user, organisation or agent whose login (agents: name) is `login`, ignoring case;
    NotFound otherwise. One name space holds all three (`services.login_taken`)."""
    lowered = login.lower()
    namespace = Namespace.objects.select_related("user").annotate(l=Lower("login")).filter(l=lowered).first()
    if namespace is not None:
        if namespace.user_id is None:
            return namespace
        if namespace.user.is_active:
            return namespace.user
        raise NotFound()
    from agents.models import Agent

    agent = Agent.objects.select_related("operator").annotate(l=Lower("name")).filter(l=lowered).first()
    if agent is None:
        raise NotFound()
    return agent


class UserProfileView(MethodCheckMixin, APIView):
    """`GET /users/:login`: public, like a public repository (a bad token is still 401)."""

    @extend_schema(operation_id="users_get", responses=ProfileSerializer,
                   summary="A user's, an organisation's or an agent's public profile")
    def get(self, request, login):
        return Response(ProfileSerializer(profile(find_login(login), request)).data)

