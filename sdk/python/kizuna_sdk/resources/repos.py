"""Repositories and their git data (branches, commits, contents), and branch protection. Paths follow docs/api.md exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import Branch, BranchProtection, Commit, Content, Repository
from .base import ResourceGroup, body, seg, subpath

if TYPE_CHECKING:
    from ..transport import Paginator


class Repos(ResourceGroup):
    def list(
        self, org: str, *, visibility: str | None = None, sort: str | None = None,
        direction: str | None = None, per_page: int | None = 100,
    ) -> Paginator[Repository]:
        params = {"visibility": visibility, "sort": sort, "direction": direction, "per_page": per_page}
        return self._client.paginate(f"/repos/{seg(org)}", params, Repository)

    def get(self, org: str, repo: str) -> Repository:
        return self._client.request("GET", self._repo(org, repo), cls=Repository)

    def create(
        self, org: str, name: str, *, description: str | None = None, visibility: str | None = None,
        default_branch: str | None = None, auto_init: bool | None = None,
    ) -> Repository:
        data = body(name=name, description=description, visibility=visibility, default_branch=default_branch, auto_init=auto_init)
        return self._client.request("POST", f"/repos/{seg(org)}", json=data, cls=Repository)

    def update(self, org: str, repo: str, **fields: Any) -> Repository:
        """PATCH: name, description, visibility, default_branch, archived."""
        return self._client.request("PATCH", self._repo(org, repo), json=fields, cls=Repository)

    def delete(self, org: str, repo: str) -> None:
        self._client.request("DELETE", self._repo(org, repo))

    def branches(self, org: str, repo: str, *, per_page: int | None = 100) -> Paginator[Branch]:
        return self._client.paginate(f"{self._repo(org, repo)}/branches", {"per_page": per_page}, Branch)

    def branch(self, org: str, repo: str, branch: str) -> Branch:
        return self._client.request("GET", f"{self._repo(org, repo)}/branches/{subpath(branch)}", cls=Branch)

    def commits(
        self, org: str, repo: str, *, sha: str | None = None, path: str | None = None, per_page: int | None = 100,
    ) -> Paginator[Commit]:
        return self._client.paginate(f"{self._repo(org, repo)}/commits", {"sha": sha, "path": path, "per_page": per_page}, Commit)

    def commit(self, org: str, repo: str, sha: str) -> Commit:
        return self._client.request("GET", f"{self._repo(org, repo)}/commits/{seg(sha)}", cls=Commit)

    def contents(self, org: str, repo: str, path: str = "", *, ref: str | None = None) -> Any:
        """A file (Content) or a directory listing (a tuple of Content)."""
        url = f"{self._repo(org, repo)}/contents"
        if path.strip("/"):
            url += "/" + subpath(path)
        return self._client.request("GET", url, params={"ref": ref}, cls=Content)


class Branches(ResourceGroup):
    """Branches and their protection rules (docs/api.md §16)."""

    def list(self, org: str, repo: str, *, per_page: int | None = 100) -> Paginator[Branch]:
        return self._client.paginate(f"{self._repo(org, repo)}/branches", {"per_page": per_page}, Branch)

    def get(self, org: str, repo: str, branch: str) -> Branch:
        return self._client.request("GET", f"{self._repo(org, repo)}/branches/{subpath(branch)}", cls=Branch)

    def protection(self, org: str, repo: str, branch: str) -> BranchProtection:
        """The branch's rule; NotFoundError when the branch is not protected."""
        return self._client.request("GET", f"{self._repo(org, repo)}/branches/{subpath(branch)}/protection", cls=BranchProtection)

    def protect(self, org: str, repo: str, branch: str, **rule: Any) -> BranchProtection:
        """PUT the rule (replaces it; omitted fields take their defaults): required_approving_review_count,
        dismiss_stale_reviews, require_code_owner_reviews, require_pipeline, require_pull_request,
        allow_force_pushes, allow_deletions, agent_approval_min_trust."""
        path = f"{self._repo(org, repo)}/branches/{subpath(branch)}/protection"
        return self._client.request("PUT", path, json=rule, cls=BranchProtection)

    def unprotect(self, org: str, repo: str, branch: str) -> None:
        self._client.request("DELETE", f"{self._repo(org, repo)}/branches/{subpath(branch)}/protection")
