"""Thin views for docs/api.md §8: resolve the repository (404 if invisible), check the action, call services."""

from django.db.models import Count, Q
from django.db.models.functions import Lower
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from kizuna.api.errors import NotFound
from kizuna import policy
from kizuna.policy import Action
from kizuna.api.views import KizunaViewSet, RepoScopedMixin, body_sends

from . import reads, services
from .filters import IssueFilter, MilestoneFilter, RepoFilterBackend
from .models import Comment, Issue, Label, Milestone
from .serializers import (
    ISSUE_ROW,
    CommentBodySerializer,
    CommentSerializer,
    IssueCreateSerializer,
    IssueSerializer,
    IssueWriteSerializer,
    LabelNamesSerializer,
    LabelSerializer,
    MilestoneSerializer,
    attach_relations,
    render_issue_rows,
)

TRIAGE_FIELDS = ("labels", "assignees", "assignee", "milestone")
ISSUE_TAG = ["issues"]


class IssuesBase(RepoScopedMixin, KizunaViewSet):
    queryset = Issue.objects.none()  # for the schema generator; requests use get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.real_queryset()

    def real_queryset(self):
        return self.issues()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "repository": self.repository}

    def issues(self):
        return reads.issues_of(self.repository)

    def get_issue(self, number, relations: bool = True) -> Issue:
        """An issue by number; a pull request's number answers 404 here. `relations`: with its labels and
        assignees rendered (what IssueSerializer shows; the comment endpoints do not)."""
        issue = reads.issue_by_number(self.repository, number)
        if issue is None:
            raise NotFound()
        issue.repository = self.repository
        if relations:
            attach_relations([issue])
        return issue

    def issue_response(self, issue: Issue, status_code=status.HTTP_200_OK, headers=None) -> Response:
        issue = self.get_issue(issue.number)  # fresh, with its relations prefetched
        data = IssueSerializer(issue, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers=headers)

    def labels_response(self, labels) -> Response:
        return Response(LabelSerializer(labels, many=True).data)


class IssueViewSet(IssuesBase):
    serializer_class = IssueSerializer
    filterset_class = IssueFilter
    filter_backends = [RepoFilterBackend]

    @extend_schema(tags=ISSUE_TAG, summary="List issues (pull requests excluded)")
    def list(self, request, org, repo):
        # The tracker's hottest read (docs/benchmarks.md "Issues"): compiled once per shape of the query
        # (issues/reads.py) and the rows read as flat tuples, not models.
        repository = self.repository  # 404 before anything about the query is said
        filterset = self.filter_backends[0]().valid_filterset(request, Issue.objects.all(), self)
        page, count, values = reads.issue_list(repository, filterset, ISSUE_ROW)
        # Filtered by state alone, the repository's counters hold the total: no rows counted, at any size
        # (a count grows with the repository). `last_number` bounds any other list: issues and PRs.
        rows = self.paginator.paginate_statements(page, count, values, request, max_rows=repository.last_number,
                                                  total=reads.issue_list_total(repository, filterset))
        return self.get_paginated_response(render_issue_rows(rows, self.get_serializer_context()))

    @extend_schema(tags=ISSUE_TAG, request=IssueCreateSerializer, responses={201: IssueSerializer}, summary="Open an issue")
    def create(self, request, org, repo):
        self.require(Action.TRIAGE if body_sends(request, TRIAGE_FIELDS) else Action.COMMENT)
        serializer = IssueCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        issue = services.issue_create(
            repo=self.repository, actor=self.actor, title=data["title"], body=data.get("body") or "",
            labels=data.get("labels"), assignees=data.get("assignees"), assignee=data.get("assignee"),
            milestone=data.get("milestone"),
        )
        response = self.issue_response(issue, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    @extend_schema(tags=ISSUE_TAG, summary="Get an issue")
    def retrieve(self, request, org, repo, number):
        issue = self.get_issue(number)
        return Response(IssueSerializer(issue, context=self.get_serializer_context()).data)

    @extend_schema(tags=ISSUE_TAG, request=IssueWriteSerializer, responses={200: IssueSerializer}, summary="Update an issue")
    def partial_update(self, request, org, repo, number):
        issue = self.get_issue(number)
        # Labels, assignees, milestones, and anything on someone else's issue need triage (docs/api.md §3).
        triage = body_sends(request, TRIAGE_FIELDS)
        self.require(Action.TRIAGE if triage else policy.own_or(Action.TRIAGE, actor=self.actor, author_id=issue.author_id))
        serializer = IssueWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "assignees" in changes:
            changes.pop("assignee", None)
        elif changes.get("assignee") == "":
            changes["assignee"] = None
        services.issue_update(issue=issue, actor=self.actor, **changes)
        return self.issue_response(issue)


class IssueLabelsViewSet(IssuesBase):
    queryset = Label.objects.none()
    serializer_class = LabelSerializer
    pagination_class = None

    @extend_schema(tags=ISSUE_TAG, responses={200: LabelSerializer(many=True)}, summary="An issue's labels")
    def list(self, request, org, repo, number):
        issue = self.get_issue(number)
        return self.labels_response(sorted(issue.labels.all(), key=lambda label: (label.name.lower(), label.pk)))

    @extend_schema(tags=ISSUE_TAG, request=LabelNamesSerializer, responses={200: LabelSerializer(many=True)},
                   summary="Add labels to an issue")
    def add(self, request, org, repo, number):
        issue, names = self._prepare(request, number)
        return self.labels_response(services.issue_add_labels(issue=issue, actor=self.actor, names=names))

    @extend_schema(tags=ISSUE_TAG, request=LabelNamesSerializer, responses={200: LabelSerializer(many=True)},
                   summary="Replace an issue's labels")
    def replace(self, request, org, repo, number):
        issue, names = self._prepare(request, number)
        return self.labels_response(services.issue_set_labels(issue=issue, actor=self.actor, names=names))

    @extend_schema(tags=ISSUE_TAG, responses={200: LabelSerializer(many=True)},
                   summary="Remove a label from an issue (answers the remaining labels)")
    def remove(self, request, org, repo, number, name):
        issue = self.get_issue(number)
        self.require(Action.TRIAGE)
        return self.labels_response(services.issue_remove_label(issue=issue, actor=self.actor, name=name))

    def _prepare(self, request, number):
        issue = self.get_issue(number)
        self.require(Action.TRIAGE)
        serializer = LabelNamesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return issue, serializer.validated_data["labels"]


class IssueCommentsViewSet(IssuesBase):
    queryset = Comment.objects.none()
    serializer_class = CommentSerializer

    @extend_schema(tags=ISSUE_TAG, summary="An issue's comments, oldest first")
    def list(self, request, org, repo, number):
        issue = self.get_issue(number, relations=False)
        page, count, values = reads.comment_list(issue)  # compiled once (issues/reads.py)
        # `comments_count` (kept with every comment written) only spares a short list the planner's estimate.
        page = self.paginator.paginate_statements(page, count, values, request, max_rows=issue.comments_count,
                                                  instances=True)
        return self.get_paginated_response(CommentSerializer(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(tags=ISSUE_TAG, request=CommentBodySerializer, responses={201: CommentSerializer}, summary="Comment on an issue")
    def create(self, request, org, repo, number):
        issue = self.get_issue(number, relations=False)
        self.require(Action.COMMENT)
        serializer = CommentBodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_create(issue=issue, actor=self.actor, body=serializer.validated_data["body"])
        data = CommentSerializer(comment, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class CommentViewSet(IssuesBase):
    """`/issues/comments/:id`: comments on issues and on pull requests alike."""

    queryset = Comment.objects.none()
    serializer_class = CommentSerializer

    def get_comment(self, comment_id) -> Comment:
        comment = (
            Comment.objects.filter(pk=comment_id, issue__repository=self.repository)
            .select_related("author", "issue", "issue__author").first()
        )
        if comment is None:
            raise NotFound()
        comment.issue.repository = self.repository
        return comment

    def _require_own_or(self, comment: Comment, action: str) -> None:
        self.require(policy.own_or(action, actor=self.actor, author_id=comment.author_id))

    @extend_schema(tags=ISSUE_TAG, summary="Get a comment")
    def retrieve(self, request, org, repo, comment_id):
        return Response(CommentSerializer(self.get_comment(comment_id), context=self.get_serializer_context()).data)

    @extend_schema(tags=ISSUE_TAG, request=CommentBodySerializer, responses={200: CommentSerializer},
                   summary="Edit a comment (its author, or write+)")
    def partial_update(self, request, org, repo, comment_id):
        comment = self.get_comment(comment_id)
        self._require_own_or(comment, Action.TRIAGE)
        serializer = CommentBodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_update(comment=comment, actor=self.actor, body=serializer.validated_data["body"])
        return Response(CommentSerializer(comment, context=self.get_serializer_context()).data)

    @extend_schema(tags=ISSUE_TAG, responses={204: None}, summary="Delete a comment (its author, or maintain+)")
    def destroy(self, request, org, repo, comment_id):
        comment = self.get_comment(comment_id)
        self._require_own_or(comment, Action.MODERATE)
        services.comment_delete(comment=comment, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LabelViewSet(IssuesBase):
    queryset = Label.objects.none()
    serializer_class = LabelSerializer

    def get_label(self, name) -> Label:
        label = Label.objects.annotate(lname=Lower("name")).filter(repository=self.repository, lname=name.strip().lower()).first()
        if label is None:
            raise NotFound()
        label.repository = self.repository
        return label

    @extend_schema(tags=["labels"], summary="A repository's labels, by name")
    def list(self, request, org, repo):
        queryset = Label.objects.filter(repository=self.repository).order_by(Lower("name"), "pk")
        return self.get_paginated_response(LabelSerializer(self.paginate_queryset(queryset), many=True).data)

    @extend_schema(tags=["labels"], responses={201: LabelSerializer}, summary="Create a label")
    def create(self, request, org, repo):
        self.require(Action.TRIAGE)
        serializer = LabelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        label = services.label_create(repo=self.repository, actor=self.actor, **serializer.validated_data)
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED,
                        headers={"Location": self.label_url(label)})

    def label_url(self, label) -> str:
        from urllib.parse import quote

        from kizuna.api.fields import api_url

        return api_url(self.request, f"/repos/{self.repository.full_name}/labels/{quote(label.name, safe='')}")

    @extend_schema(tags=["labels"], summary="Get a label (the name is URL-encoded, case-insensitive)")
    def retrieve(self, request, org, repo, name):
        return Response(LabelSerializer(self.get_label(name)).data)

    @extend_schema(tags=["labels"], summary="Update or rename a label (it stays on its issues)")
    def partial_update(self, request, org, repo, name):
        label = self.get_label(name)
        self.require(Action.TRIAGE)
        serializer = LabelSerializer(label, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        label = services.label_update(label=label, actor=self.actor, **serializer.validated_data)
        return Response(LabelSerializer(label).data)

    @extend_schema(tags=["labels"], responses={204: None}, summary="Delete a label (it leaves every issue)")
    def destroy(self, request, org, repo, name):
        label = self.get_label(name)
        self.require(Action.TRIAGE)
        services.label_delete(label=label, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MilestoneViewSet(IssuesBase):
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    filter_backends = [RepoFilterBackend]
    queryset = Milestone.objects.none()

    def real_queryset(self):
        return Milestone.objects.filter(repository=self.repository).annotate(
            open_issues=Count("issues", filter=Q(issues__state=Issue.State.OPEN)),
            closed_issues=Count("issues", filter=Q(issues__state=Issue.State.CLOSED)),
        )

    def get_milestone(self, number) -> Milestone:
        milestone = self.get_queryset().filter(number=number).first()
        if milestone is None:
            raise NotFound()
        milestone.repository = self.repository
        return milestone

    def respond(self, milestone, status_code=status.HTTP_200_OK, headers=None):
        milestone = self.get_milestone(milestone.number)  # with fresh counts
        return Response(MilestoneSerializer(milestone, context=self.get_serializer_context()).data,
                        status=status_code, headers=headers)

    @extend_schema(tags=["milestones"], summary="A repository's milestones")
    def list(self, request, org, repo):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MilestoneSerializer(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(tags=["milestones"], responses={201: MilestoneSerializer}, summary="Create a milestone")
    def create(self, request, org, repo):
        self.require(Action.TRIAGE)
        serializer = MilestoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = services.milestone_create(repo=self.repository, actor=self.actor, **serializer.validated_data)
        response = self.respond(milestone, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    @extend_schema(tags=["milestones"], summary="Get a milestone")
    def retrieve(self, request, org, repo, number):
        return Response(MilestoneSerializer(self.get_milestone(number), context=self.get_serializer_context()).data)

    @extend_schema(tags=["milestones"], summary="Update a milestone")
    def partial_update(self, request, org, repo, number):
        milestone = self.get_milestone(number)
        self.require(Action.TRIAGE)
        serializer = MilestoneSerializer(milestone, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.milestone_update(milestone=milestone, actor=self.actor, **serializer.validated_data)
        return self.respond(milestone)

    @extend_schema(tags=["milestones"], responses={204: None}, summary="Delete a milestone (its issues keep existing)")
    def destroy(self, request, org, repo, number):
        milestone = self.get_milestone(number)
        self.require(Action.TRIAGE)
        services.milestone_delete(milestone=milestone, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

