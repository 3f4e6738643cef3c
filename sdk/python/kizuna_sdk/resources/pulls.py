"""Pull requests: merges, comments, reviews and requested reviewers. Paths follow docs/api.md exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import Actor, Comment, MergeResult, PullRequest, Review
from .base import ResourceGroup, seg
from .base import body as _body  # methods here have a parameter named `body`

if TYPE_CHECKING:
    from ..transport import Paginator


class Pulls(ResourceGroup):
    def list(
        self, org: str, repo: str, *, state: str | None = None, head: str | None = None, base: str | None = None,
        author: str | None = None, draft: bool | None = None, labels: str | list[str] | None = None,
        sort: str | None = None, direction: str | None = None, per_page: int | None = 100,
    ) -> Paginator[PullRequest]:
        params = {
            "state": state, "head": head, "base": base, "author": author, "draft": draft, "labels": labels,
            "sort": sort, "direction": direction, "per_page": per_page,
        }
        return self._client.paginate(f"{self._repo(org, repo)}/pulls", params, PullRequest)

    def get(self, org: str, repo: str, number: int) -> PullRequest:
        return self._client.request("GET", f"{self._repo(org, repo)}/pulls/{seg(number)}", cls=PullRequest)

    def create(
        self, org: str, repo: str, title: str, head: str, *, base: str | None = None,
        body: str | None = None, draft: bool | None = None,
    ) -> PullRequest:
        data = _body(title=title, head=head, base=base, body=body, draft=draft)
        return self._client.request("POST", f"{self._repo(org, repo)}/pulls", json=data, cls=PullRequest)

    def update(self, org: str, repo: str, number: int, **fields: Any) -> PullRequest:
        """PATCH: title, body, state, base, labels, assignees."""
        return self._client.request("PATCH", f"{self._repo(org, repo)}/pulls/{seg(number)}", json=fields, cls=PullRequest)

    def ready(self, org: str, repo: str, number: int) -> PullRequest:
        return self._client.request("POST", f"{self._repo(org, repo)}/pulls/{seg(number)}/ready", cls=PullRequest)

    def merge(
        self, org: str, repo: str, number: int, *, merge_method: str | None = None, sha: str | None = None,
        commit_title: str | None = None, commit_message: str | None = None,
    ) -> MergeResult:
        data = _body(merge_method=merge_method, sha=sha, commit_title=commit_title, commit_message=commit_message)
        return self._client.request("POST", f"{self._repo(org, repo)}/pulls/{seg(number)}/merge", json=data, cls=MergeResult)

    def comments(self, org: str, repo: str, number: int, *, per_page: int | None = 100) -> Paginator[Comment]:
        return self._client.paginate(f"{self._repo(org, repo)}/pulls/{seg(number)}/comments", {"per_page": per_page}, Comment)

    def create_comment(self, org: str, repo: str, number: int, body: str) -> Comment:
        return self._client.request("POST", f"{self._repo(org, repo)}/pulls/{seg(number)}/comments", json={"body": body}, cls=Comment)

    # -- reviews (docs/api.md §16) --------------------------------------------------------------------
    def reviews(self, org: str, repo: str, number: int, *, per_page: int | None = 100) -> Paginator[Review]:
        return self._client.paginate(f"{self._repo(org, repo)}/pulls/{seg(number)}/reviews", {"per_page": per_page}, Review)

    def review(
        self, org: str, repo: str, number: int, event: str, *, body: str | None = None, commit_id: str | None = None,
    ) -> Review:
        """Submit a review: `event` is APPROVE, REQUEST_CHANGES or COMMENT (the last two need a `body`)."""
        data = _body(event=event, body=body, commit_id=commit_id)
        return self._client.request("POST", f"{self._repo(org, repo)}/pulls/{seg(number)}/reviews", json=data, cls=Review)

    def get_review(self, org: str, repo: str, number: int, review_id: int) -> Review:
        return self._client.request("GET", f"{self._repo(org, repo)}/pulls/{seg(number)}/reviews/{seg(review_id)}", cls=Review)

    def dismiss_review(self, org: str, repo: str, number: int, review_id: int, message: str) -> Review:
        path = f"{self._repo(org, repo)}/pulls/{seg(number)}/reviews/{seg(review_id)}/dismissals"
        return self._client.request("PUT", path, json={"message": message}, cls=Review)

    def request_reviewers(self, org: str, repo: str, number: int, reviewers: list[str]) -> PullRequest:
        path = f"{self._repo(org, repo)}/pulls/{seg(number)}/requested_reviewers"
        return self._client.request("POST", path, json={"reviewers": list(reviewers)}, cls=PullRequest)

    def requested_reviewers(self, org: str, repo: str, number: int) -> tuple[Actor, ...]:
        return self._client.request("GET", f"{self._repo(org, repo)}/pulls/{seg(number)}/requested_reviewers", cls=Actor)

    def remove_requested_reviewers(self, org: str, repo: str, number: int, reviewers: list[str]) -> None:
        path = f"{self._repo(org, repo)}/pulls/{seg(number)}/requested_reviewers"
        self._client.request("DELETE", path, json={"reviewers": list(reviewers)})
