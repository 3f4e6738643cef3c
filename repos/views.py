from django.db.models.functions import Lower
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from kizuna.accounts.models import Namespace
from kizuna import policy
from kizuna.api.errors import NotFound
from kizuna.api.views import KizunaViewSet, RepoScopedMixin
from kizuna.policy.drf import IsSignedIn, TokenScopePermission

from . import services
from .filters import RepositoryFilter
from .models import Repository
from .serializers import RepositoryCreateSerializer, RepositorySerializer


def get_namespace(login: str) -> Namespace:
    namespace = Namespace.objects.annotate(l=Lower("login")).filter(l=login.lower()).first()
    if namespace is None:
        raise NotFound()
    return namespace


class RepositoryViewSet(RepoScopedMixin, KizunaViewSet):
    serializer_class = RepositorySerializer
    filterset_class = RepositoryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Repository.objects.none()
        # Narrowed to what the caller may read by KizunaViewSet (kizuna.policy.restrict).
        return Repository.objects.select_related("namespace")

    def list(self, request, org):
        namespace = get_namespace(org)
        queryset = self.filter_queryset(self.get_queryset().filter(namespace=namespace))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RepositorySerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=RepositoryCreateSerializer, responses={201: RepositorySerializer})
    def create(self, request, org):
        namespace = get_namespace(org)
        policy.check_create_repo(request.user, namespace, token=request.auth)
        serializer = RepositoryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = ("name", "description", "visibility", "default_branch", "auto_init")
        data = {k: v for k, v in serializer.validated_data.items() if k in fields}  # `archived` is not for create
        repo = services.repo_create(actor=self.actor, namespace=namespace, **data)
        data = RepositorySerializer(repo, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    def retrieve(self, request, org, repo):
        return Response(RepositorySerializer(self.repository, context={"request": request}).data)

    def partial_update(self, request, org, repo):
        for action in policy.settings_actions(self.repository, request.data):
            self.require(action)
        serializer = RepositorySerializer(self.repository, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        updated = services.repo_update(actor=self.actor, repo=self.repository, **changes)
        return Response(RepositorySerializer(updated, context={"request": request}).data)

    def destroy(self, request, org, repo):
        self.require(policy.Action.ADMIN)
        services.repo_delete(actor=self.actor, repo=self.repository)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserRepositoryViewSet(KizunaViewSet):
    """`GET /user/repos`: every repository the caller holds a role in (GitHub's /user/repos), with the
    filters and sorts of `GET /repos/:org`. Which ones is the policy's (`member_repos_q`); the base
    viewset's `restrict` bounds it by what the caller may read, as for every list."""

    serializer_class = RepositorySerializer
    filterset_class = RepositoryFilter
    permission_classes = [IsSignedIn, TokenScopePermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Repository.objects.none()
        return Repository.objects.filter(policy.member_repos_q(self.request.user)).select_related("namespace")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(RepositorySerializer(page, many=True, context={"request": request}).data)
