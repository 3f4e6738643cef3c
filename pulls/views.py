from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from issues import services as issue_services
from issues.filters import RepoFilterBackend
from issues.models import Comment
from issues.serializers import CommentBodySerializer, CommentSerializer
from kizuna.accounts.principals import principal_kind
from kizuna.api.errors import NotFound, ValidationFailed
from kizuna import policy
from kizuna.policy import Action
from kizuna.api.fields import ActorSerializer
from kizuna.api.views import KizunaViewSet, RepoScopedMixin, body_sends
from repos import git
from repos.refs import is_valid_branch_name

from . import reads, services
from .filters import PullRequestFilter
from .models import BranchProtection, PullRequest, Review, ReviewRequest
from .serializers import (
    DismissSerializer,
    ProtectionSerializer,
    ReviewCreateSerializer,
    ReviewersSerializer,
    ReviewSerializer,
    MergeResultSerializer,
    MergeSerializer,
    PullCreateSerializer,
    PullRequestSerializer,
    PullUpdateSerializer,
)

NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH)
TRIAGE_FIELDS = ("labels", "assignees")


def pulls_queryset(repo):
    """The repository's pull requests with everything their representation shows (no N+1)."""
    return (
        PullRequest.objects.filter(issue__repository_id=repo.pk, issue__is_pull_request=True)
        .select_related("issue", "issue__author", "merged_by", "repository__namespace")
        .prefetch_related("issue__labels", "issue__assignees", Prefetch(
            "review_requests", queryset=ReviewRequest.objects.select_related("reviewer").order_by("pk")))
    )


class PullRequestViewSet(RepoScopedMixin, KizunaViewSet):
    """Pull requests of a repository (docs/api.md §9)."""

    serializer_class = PullRequestSerializer
    filterset_class = PullRequestFilter
    filter_backends = [RepoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PullRequest.objects.none()
        return pulls_queryset(self.repository)

    def get_object(self):
        pr = reads.pull_by_number(self.repository, self.kwargs["number"])
        if pr is None:
            raise NotFound()
        return pr

    def _render(self, pr, code=status.HTTP_200_OK, headers=None):
        pr = self.get_queryset().get(pk=pr.pk)  # fresh, with labels and assignees
        return Response(PullRequestSerializer(pr, context={"request": self.request}).data, status=code, headers=headers)

    def list(self, request, org, repo):
        # Compiled once per shape of the query (pulls/reads.py), as the issue list.
        repository = self.repository  # 404 before anything about the query is said
        filterset = self.filter_backends[0]().valid_filterset(request, PullRequest.objects.all(), self)
        page, count, values = reads.pull_list(repository, filterset)
        # `last_number` counts the repository's issues and pull requests: no list here can match more.
        page = reads.attach(self.paginator.paginate_statements(page, count, values, request,
                                                               max_rows=repository.last_number, instances=True),
                            repository)
        # mergeable_state for the whole page: a fixed number of queries, not one set per PR.
        unmet = policy.unmet_rules(self.repository, [pr for pr in page if pr.issue.state == "open" and not pr.merged])
        context = {"request": request, "unmet": unmet}
        return self.get_paginated_response(PullRequestSerializer(page, many=True, context=context).data)

    @extend_schema(request=PullCreateSerializer, responses={201: PullRequestSerializer})
    def create(self, request, org, repo):
        # Visibility (404) and the lowest bar (open a draft) before the body: a private repo must not
        # answer 422 to outsiders (docs/api.md §2).
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
        # As for issues (docs/api.md §3): labels, assignees, and anything on someone else's PR need triage.
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

    @extend_schema(parameters=[NUMBER], request=MergeSerializer, responses={200: MergeResultSerializer}, description=(
        "Merge into the base branch (write role; the default branch needs trust 4 of agents; agents must send "
        "`sha`). `sha` other than the head: 409. Closed, draft, merged or conflicting: 405 NOT_MERGEABLE. A base "
        "branch whose protection rule is unmet — for every caller, admins and staff included — 405 "
        "NOT_MERGEABLE with `details.unmet`: `[{rule, required, actual}]`, decided under the merge's lock."))
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


def pull_of(view) -> PullRequest:
    """The PR `:number` of the view's repository (404 if none), its issue and repository attached."""
    pr = (
        PullRequest.objects.filter(repository_id=view.repository.pk, issue__number=view.kwargs["number"])
        .select_related("issue")
        .first()
    )
    if pr is None:
        raise NotFound()
    pr.repository = view.repository
    pr.issue.repository = view.repository
    return pr


REVIEW_ID = OpenApiParameter("review_id", int, OpenApiParameter.PATH)


class ReviewViewSet(RepoScopedMixin, KizunaViewSet):
    """Reviews of a pull request (docs/api.md §16)."""

    serializer_class = ReviewSerializer
    filterset_class = None

    def get_queryset(self):
        return Review.objects.none()

    def _reviews(self, pr):
        return Review.objects.filter(pull_id=pr.pk).select_related("user").order_by("pk")

    @extend_schema(parameters=[NUMBER])
    def list(self, request, org, repo, number):
        page = self.paginate_queryset(self._reviews(pull_of(self)))
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    @extend_schema(parameters=[NUMBER], request=ReviewCreateSerializer, responses={201: ReviewSerializer}, description=(
        "Submit a review (anyone who may comment; agents trust 1). REQUEST_CHANGES and COMMENT need a `body` (422); "
        "the PR's author may only COMMENT (422); a closed PR takes none (422); `commit_id` other than the head: 409. "
        "A reviewer's latest APPROVE or REQUEST_CHANGES is their verdict; it counts toward a protection rule only "
        "from the write role, or from agents at or above the rule's `agent_approval_min_trust`."))
    def create(self, request, org, repo, number):
        pr = pull_of(self)
        self.require(Action.REVIEW)
        serializer = ReviewCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_submit(pull=pr, actor=self.actor, **serializer.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    def _review(self, pr):
        review = self.restrict(self._reviews(pr)).filter(pk=self.kwargs["review_id"]).first()
        if review is None:
            raise NotFound()
        review.pull = pr
        return review

    @extend_schema(parameters=[NUMBER, REVIEW_ID])
    def retrieve(self, request, org, repo, number, review_id):
        return Response(ReviewSerializer(self._review(pull_of(self))).data)

    @extend_schema(parameters=[NUMBER, REVIEW_ID], request=DismissSerializer, responses={200: ReviewSerializer},
                   description="Dismiss an APPROVED or CHANGES_REQUESTED review (write role; agents trust 3); "
                               "any other state: 422. The review's state becomes DISMISSED.")
    def dismiss(self, request, org, repo, number, review_id):
        review = self._review(pull_of(self))
        self.require(Action.DISMISS_REVIEW)
        serializer = DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_dismiss(review=review, actor=self.actor, message=serializer.validated_data["message"])
        return Response(ReviewSerializer(review).data)


class RequestedReviewersViewSet(RepoScopedMixin, KizunaViewSet):
    """Reviewers requested on a pull request (docs/api.md §16): at most 50, listed whole."""

    serializer_class = ActorSerializer
    filterset_class = None
    pagination_class = None

    def get_queryset(self):
        return ReviewRequest.objects.none()

    def _change(self, pr):
        # The PR's author asks for reviews of their own PR; anyone else needs triage.
        self.require(policy.own_or(Action.TRIAGE, actor=self.actor, author_id=pr.issue.author_id))
        serializer = ReviewersSerializer(data=request_data(self.request))
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["reviewers"]

    @extend_schema(parameters=[NUMBER], responses={200: ActorSerializer(many=True)})
    def list(self, request, org, repo, number):
        pr = pull_of(self)
        requests = ReviewRequest.objects.filter(pull_id=pr.pk).select_related("reviewer").order_by("pk")
        return Response([r.reviewer.as_json() for r in requests])

    @extend_schema(parameters=[NUMBER], request=ReviewersSerializer, responses={201: PullRequestSerializer},
                   description="Request reviews (the PR's author, or the write role with triage). Each login must be "
                               "a person or agent who can read the repository and not the author (422); at most 50.")
    def create(self, request, org, repo, number):
        pr = pull_of(self)
        logins = self._change(pr)
        services.reviewers_request(pull=pr, actor=self.actor, logins=logins)
        pr = pulls_queryset(self.repository).get(pk=pr.pk)
        return Response(PullRequestSerializer(pr, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[NUMBER], request=ReviewersSerializer, responses={204: None},
                   description="Withdraw review requests (the PR's author, or the write role with triage).")
    def destroy(self, request, org, repo, number):
        pr = pull_of(self)
        logins = self._change(pr)
        services.reviewers_unrequest(pull=pr, actor=self.actor, logins=logins)
        return Response(status=status.HTTP_204_NO_CONTENT)


def request_data(request):
    return request.data if isinstance(request.data, dict) else {}


BRANCH = OpenApiParameter("branch", str, OpenApiParameter.PATH, description="Branch name (may contain `/`).")


class BranchProtectionViewSet(RepoScopedMixin, KizunaViewSet):
    """A branch's protection rule (docs/api.md §16): read with the write role, changed by admins (people only)."""

    serializer_class = ProtectionSerializer
    filterset_class = None

    def get_queryset(self):
        return BranchProtection.objects.none()

    def _rule(self):
        rule = self.restrict(BranchProtection.objects.filter(repository_id=self.repository.pk,
                                                             branch=self.kwargs["branch"])).first()
        if rule is None:
            raise NotFound("Branch not protected")
        return rule

    @extend_schema(parameters=[BRANCH], responses={200: ProtectionSerializer},
                   description="The branch's protection rule (write role). An unprotected branch: 404.")
    def retrieve(self, request, org, repo, branch):
        self.require(Action.SEE_PROTECTION)
        return Response(ProtectionSerializer(self._rule().as_json()).data)

    @extend_schema(parameters=[BRANCH], request=ProtectionSerializer, responses={200: ProtectionSerializer},
                   description="Set the rule, replacing any (admin role and the `admin` scope; people only — no "
                               "agent, at any trust level). Omitted fields take their defaults. A missing branch: 404. "
                               "The rule binds everyone: merges (405 with the unmet rules) and git pushes.")
    def update(self, request, org, repo, branch):
        self.require(Action.PROTECT)
        if not is_valid_branch_name(branch) or git.branch_sha(self.repository.pk, branch) is None:
            raise NotFound("Branch not found")
        serializer = ProtectionSerializer(data=request_data(request))
        serializer.is_valid(raise_exception=True)
        rule = services.protection_set(repo=self.repository, branch=branch, actor=self.actor, **serializer.validated_data)
        return Response(ProtectionSerializer(rule.as_json()).data)

    @extend_schema(parameters=[BRANCH], responses={204: None},
                   description="Remove the rule (admin role and the `admin` scope; people only). Unprotected: 404.")
    def destroy(self, request, org, repo, branch):
        self.require(Action.PROTECT)
        services.protection_delete(repo=self.repository, branch=branch, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
