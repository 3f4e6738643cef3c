from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from issues import services as issue_services
from issues.filters import RepoFilterBackend
from issues.models import Comment
from issues.serializers import CommentSerializer
from kizuna.accounts.principals import principal_kind
from kizuna.api.errors import NotFound, ValidationFailed
from kizuna import policy
from kizuna.policy import Action
from kizuna.api.views import KizunaViewSet, RepoScopedMixin, body_sends

from . import services
from .filters import PullRequestFilter
from .models import PullRequest
from .serializers import (
    CommentBodySerializer,
    MergeResultSerializer,
    MergeSerializer,
    PullCreateSerializer,
    PullRequestSerializer,
    PullUpdateSerializer,
)

NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH)
TRIAGE_FIELDS = ("labels", "assignees")


class PullRequestViewSet(RepoScopedMixin, KizunaViewSet):
    """Pull requests of a repository (API.md §9)."""

    serializer_class = PullRequestSerializer
    filterset_class = PullRequestFilter
    filter_backends = [RepoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PullRequest.objects.none()
        repo = self.repository
        return (
            PullRequest.objects.filter(issue__repository_id=repo.pk, issue__is_pull_request=True)
            .select_related("issue", "issue__author", "merged_by", "repository__namespace")
            .prefetch_related("issue__labels", "issue__assignees")
        )

    def get_object(self):
        pr = self.get_queryset().filter(issue__number=self.kwargs["number"]).first()
        if pr is None:
            raise NotFound()
        return pr

    def _render(self, pr, code=status.HTTP_200_OK, headers=None):
        pr = self.get_queryset().get(pk=pr.pk)  # fresh, with labels and assignees
        return Response(PullRequestSerializer(pr, context={"request": self.request}).data, status=code, headers=headers)

    def list(self, request, org, repo):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PullRequestSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=PullCreateSerializer, responses={201: PullRequestSerializer})
    def create(self, request, org, repo):
        # Visibility (404) and the lowest bar (open a draft) before the body: a private repo must not
        # answer 422 to outsiders (API.md §2).
        self.require(Action.OPEN_DRAFT_PULL)
        serializer = PullCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.require(Action.OPEN_DRAFT_PULL if data.get("draft") else Action.OPEN_PULL)
        pr = services.pull_create(repo=self.repository, actor=self.actor, **data)
        response = self._render(pr, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    @extend_schema(parameters=[NUMBER])
    def retrieve(self, request, org, repo, number):
        return Response(PullRequestSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(parameters=[NUMBER], request=PullUpdateSerializer, responses={200: PullRequestSerializer})
    def partial_update(self, request, org, repo, number):
        pr = self.get_object()
        # As for issues (API.md §3): labels, assignees, and anything on someone else's PR need triage.
        # Checked before the body is validated: a caller who may not act gets 403, never a 422.
        triage = body_sends(request, TRIAGE_FIELDS)
        self.require(Action.TRIAGE if triage else policy.own_or(Action.TRIAGE, actor=self.actor, author_id=pr.issue.author_id))
        serializer = PullUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        labels, assignees = data.pop("labels", None), data.pop("assignees", None)
        with transaction.atomic():
            if data:
                pr = services.pull_update(pull=pr, actor=self.actor, **data)
            if labels is not None:
                issue_services.issue_set_labels(issue=pr.issue, actor=self.actor, names=labels)
            if assignees is not None:
                issue_services.issue_set_assignees(issue=pr.issue, actor=self.actor, logins=assignees)
        return self._render(pr)

    @extend_schema(parameters=[NUMBER], request=None, responses={200: PullRequestSerializer})
    def ready(self, request, org, repo, number):
        pr = self.get_object()
        self.require(policy.own_or(Action.MARK_READY, actor=self.actor, author_id=pr.issue.author_id, own=Action.OPEN_PULL))
        return self._render(services.pull_ready(pull=pr, actor=self.actor))

    @extend_schema(parameters=[NUMBER], request=MergeSerializer, responses={200: MergeResultSerializer})
    def merge(self, request, org, repo, number):
        pr = self.get_object()
        # A first answer before the body is validated (403 before 422); the merge asks again under its lock.
        self.require(policy.merge_action(self.repository, pr))
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if principal_kind(request.user) == "agent" and not data.get("sha"):
            raise ValidationFailed({"sha": ["is required for agents"]})
        result = services.pull_merge(pull=pr, actor=self.actor, principal=request.user, token=request.auth, **data)
        return Response(MergeResultSerializer(result).data)


class PullCommentViewSet(RepoScopedMixin, KizunaViewSet):
    """Comments on a pull request (shared with its issue)."""

    serializer_class = CommentSerializer
    filterset_class = None

    def _pull(self):
        pr = (
            PullRequest.objects.filter(issue__repository_id=self.repository.pk, issue__number=self.kwargs["number"])
            .select_related("issue")
            .first()
        )
        if pr is None:
            raise NotFound()
        pr.issue.repository = self.repository
        return pr

    def get_queryset(self):
        return Comment.objects.none()

    @extend_schema(parameters=[NUMBER])
    def list(self, request, org, repo, number):
        pr = self._pull()
        queryset = (
            Comment.objects.filter(issue_id=pr.issue_id)
            .select_related("author", "issue__repository__namespace")
            .order_by("created_at", "pk")
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CommentSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(parameters=[NUMBER], request=CommentBodySerializer, responses={201: CommentSerializer})
    def create(self, request, org, repo, number):
        pr = self._pull()
        self.require(Action.COMMENT)
        serializer = CommentBodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = issue_services.comment_create(issue=pr.issue, actor=self.actor, body=serializer.validated_data["body"])
        return Response(CommentSerializer(comment, context={"request": request}).data, status=status.HTTP_201_CREATED)
