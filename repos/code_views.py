"""Read endpoints over a repository's git data (docs/api.md §7): branches, commits, contents.

All go through RepoScopedMixin (404 for repositories the caller cannot see) and read git through
the git library (repos/git/) only.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from kizuna import policy
from kizuna.api.errors import Conflict, NotFound, ValidationFailed
from kizuna.api.views import KizunaViewSet, RepoScopedMixin

from . import git
from .code_serializers import (
    BranchSerializer,
    CommitDetailSerializer,
    CommitSerializer,
    ContentEntrySerializer,
    ContentFileSerializer,
)
from .models import Repository
from .refs import is_valid_branch_name


def contents_max_bytes() -> int:
    return int(settings.KIZUNA_CONTENTS_MAX_BYTES)


class _GitReadMixin(RepoScopedMixin):
    queryset = Repository.objects.none()  # for the schema; these views read git, not rows

    def resolve(self, ref: str, param: str = "ref") -> str:
        """The commit sha for a branch, tag or sha given by the caller; 404 when unknown."""
        sha = git.resolve_ref(self.repository.pk, ref)  # None for revision expressions too
        if sha is None:
            raise NotFound(f"No commit found for {param} '{ref}'")
        return sha

    def default_sha(self) -> str | None:
        return git.branch_sha(self.repository.pk, self.repository.default_branch)


class CommitLog:
    """A lazy, sliceable view of `git rev-list` for the shared paginator: a page runs `--skip/--max-count`;
    len() counts at most KIZUNA_PAGINATION_COUNT_LIMIT + 1 commits (the paginator then omits the total)."""

    def __init__(self, repo_id: int, sha: str, path: str):
        self.repo_id, self.sha, self.path = repo_id, sha, path

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError("CommitLog supports slices only")
        start = item.start or 0
        shas = git.rev_list(self.repo_id, self.sha, path=self.path, skip=start, limit=max(0, item.stop - start))
        return git.commits_info(self.repo_id, shas)

    def __len__(self):
        return git.count_commits(self.repo_id, self.sha, path=self.path, limit=settings.KIZUNA_PAGINATION_COUNT_LIMIT + 1)


def _clean_path(path: str, field: str = "path") -> str:
    try:
        return git.safe_path(path)
    except ValueError as exc:
        raise ValidationFailed({field: [str(exc)]}) from None


BRANCH_PARAM = OpenApiParameter("branch", OpenApiTypes.STR, OpenApiParameter.PATH, description="Branch name (may contain `/`).")


class BranchViewSet(_GitReadMixin, KizunaViewSet):
    serializer_class = BranchSerializer

    def _branch(self, name: str, sha: str, rules) -> dict:
        """`protected`: the default branch (its built-in push rules) or a branch with a protection rule."""
        return {"name": name, "commit": {"sha": sha}, "protected": name == self.repository.default_branch or name in rules}

    @extend_schema(responses=BranchSerializer(many=True))
    def list(self, request, org, repo):
        branches = git.list_branches(self.repository.pk)
        page = self.paginate_queryset(branches)
        rules = policy.protections(self.repository, [n for n, _ in page])
        return self.get_paginated_response(BranchSerializer([self._branch(n, s, rules) for n, s in page], many=True).data)

    @extend_schema(parameters=[BRANCH_PARAM], responses=BranchSerializer)
    def retrieve(self, request, org, repo, branch):
        sha = git.branch_sha(self.repository.pk, branch) if is_valid_branch_name(branch) else None
        if sha is None:
            raise NotFound("Branch not found")
        return Response(BranchSerializer(self._branch(branch, sha, policy.protections(self.repository, [branch]))).data)


class CommitViewSet(_GitReadMixin, KizunaViewSet):
    serializer_class = CommitSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("sha", OpenApiTypes.STR, description="Branch, tag or sha to list from (default: the default branch)."),
            OpenApiParameter("path", OpenApiTypes.STR, description="Only commits touching this file or directory, "
                             "named literally: `*`, `?`, `[` and `:(…)` are characters of the name, not patterns."),
        ],
        responses=CommitSerializer(many=True),
    )
    def list(self, request, org, repo):
        ref = request.query_params.get("sha")
        path = _clean_path(request.query_params.get("path", ""))
        if ref:
            sha = self.resolve(ref, "sha")
        else:
            sha = self.default_sha()
            if sha is None:
                if git.has_commits(self.repository.pk):
                    raise NotFound(f"No commit found for the default branch '{self.repository.default_branch}'")
                raise Conflict("Git Repository is empty.")
        page = self.paginate_queryset(CommitLog(self.repository.pk, sha, path))
        return self.get_paginated_response(CommitSerializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("sha", OpenApiTypes.STR, OpenApiParameter.PATH, description="A commit sha (or branch/tag name).")],
        responses=CommitDetailSerializer,
    )
    def retrieve(self, request, org, repo, sha):
        detail = git.commit_detail(self.repository.pk, self.resolve(sha, "sha"))
        if detail is None:
            raise NotFound(f"No commit found for sha '{sha}'")
        return Response(CommitDetailSerializer(detail).data)


class ContentsViewSet(_GitReadMixin, KizunaViewSet):
    serializer_class = ContentFileSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("path", OpenApiTypes.STR, OpenApiParameter.PATH, description="A path in the repository."),
            OpenApiParameter("ref", OpenApiTypes.STR, description="Branch, tag or sha (default: the default branch)."),
        ],
        responses={
            200: OpenApiResponse(
                response=inline_serializer(
                    "ContentsResponse",
                    {"type": serializers.CharField(), "name": serializers.CharField(), "path": serializers.CharField(),
                     "sha": serializers.CharField(), "size": serializers.IntegerField(),
                     "encoding": serializers.CharField(required=False), "content": serializers.CharField(required=False)},
                ),
                description="A file (`type: file`, base64 `content`) or, for a directory, an array of its first "
                            f"{git.DIR_ENTRIES_LIMIT:,} entries in git's order.",
            )
        },
    )
    def retrieve(self, request, org, repo, path=""):
        return self._contents(request, path)

    @extend_schema(
        operation_id="repos_contents_root_retrieve",
        parameters=[OpenApiParameter("ref", OpenApiTypes.STR, description="Branch, tag or sha (default: the default branch).")],
        responses={200: OpenApiResponse(response=ContentEntrySerializer(many=True), description=f"The root directory listing: its first {git.DIR_ENTRIES_LIMIT:,} entries in git's order.")},
    )
    def root(self, request, org, repo):
        return self._contents(request, "")

    def _contents(self, request, path):
        path = _clean_path(path)
        ref = request.query_params.get("ref")
        sha = self.resolve(ref, "ref") if ref else self.default_sha()
        if sha is None:
            raise NotFound("This repository is empty")
        limit = contents_max_bytes()
        try:
            found = git.read_path(self.repository.pk, sha, path, max_bytes=limit)
        except git.PathNotFound:
            raise NotFound(f"No such path '{path}' at {ref or self.repository.default_branch}") from None
        if found["type"] == "dir":
            return Response(ContentEntrySerializer(found["entries"], many=True).data)
        if found["data"] is None:
            raise ValidationFailed(
                {"path": [f"is {found['size']} bytes, over the {limit}-byte contents limit; fetch it with git clone instead"]},
                message="File too large for the contents API",
            )
        return Response(ContentFileSerializer(found).data)
