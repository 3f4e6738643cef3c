"""The tracker: issues, their comments, labels and milestones. Paths follow docs/api.md exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import Comment, Issue, Label, Milestone
from .base import ResourceGroup, body, seg

_body = body  # `Issues.create` has a parameter named `body`

if TYPE_CHECKING:
    from ..transport import Paginator


class Issues(ResourceGroup):
    def list(
        self, org: str, repo: str, *, state: str | None = None, labels: str | list[str] | None = None,
        assignee: str | None = None, creator: str | None = None, milestone: int | str | None = None,
        since: str | None = None, sort: str | None = None, direction: str | None = None, per_page: int | None = 100,
    ) -> Paginator[Issue]:
        params = {
            "state": state, "labels": labels, "assignee": assignee, "creator": creator, "milestone": milestone,
            "since": since, "sort": sort, "direction": direction, "per_page": per_page,
        }
        return self._client.paginate(f"{self._repo(org, repo)}/issues", params, Issue)

    def get(self, org: str, repo: str, number: int) -> Issue:
        return self._client.request("GET", f"{self._repo(org, repo)}/issues/{seg(number)}", cls=Issue)

    def create(
        self, org: str, repo: str, title: str, *, body: str | None = None, labels: list[str] | None = None,
        assignees: list[str] | None = None, assignee: str | None = None, milestone: int | None = None,
    ) -> Issue:
        data = _body(title=title, body=body, labels=labels, assignees=assignees, assignee=assignee, milestone=milestone)
        return self._client.request("POST", f"{self._repo(org, repo)}/issues", json=data, cls=Issue)

    def update(self, org: str, repo: str, number: int, **fields: Any) -> Issue:
        """PATCH: title, body, state, state_reason, labels, assignees, assignee, milestone (None clears)."""
        return self._client.request("PATCH", f"{self._repo(org, repo)}/issues/{seg(number)}", json=fields, cls=Issue)

    def add_labels(self, org: str, repo: str, number: int, labels: list[str]) -> tuple[Label, ...]:
        return self._labels("POST", org, repo, number, labels)

    def set_labels(self, org: str, repo: str, number: int, labels: list[str]) -> tuple[Label, ...]:
        return self._labels("PUT", org, repo, number, labels)

    def remove_label(self, org: str, repo: str, number: int, name: str) -> tuple[Label, ...]:
        url = f"{self._repo(org, repo)}/issues/{seg(number)}/labels/{seg(name)}"
        return self._client.request("DELETE", url, cls=Label) or ()

    def _labels(self, method: str, org: str, repo: str, number: int, labels: list[str]) -> tuple[Label, ...]:
        url = f"{self._repo(org, repo)}/issues/{seg(number)}/labels"
        return self._client.request(method, url, json={"labels": list(labels)}, cls=Label)


class Comments(ResourceGroup):
    def list(self, org: str, repo: str, number: int, *, per_page: int | None = 100) -> Paginator[Comment]:
        return self._client.paginate(f"{self._repo(org, repo)}/issues/{seg(number)}/comments", {"per_page": per_page}, Comment)

    def create(self, org: str, repo: str, number: int, body: str) -> Comment:
        return self._client.request("POST", f"{self._repo(org, repo)}/issues/{seg(number)}/comments", json={"body": body}, cls=Comment)

    def update(self, org: str, repo: str, comment_id: int, body: str) -> Comment:
        return self._client.request("PATCH", f"{self._repo(org, repo)}/issues/comments/{seg(comment_id)}", json={"body": body}, cls=Comment)

    def delete(self, org: str, repo: str, comment_id: int) -> None:
        self._client.request("DELETE", f"{self._repo(org, repo)}/issues/comments/{seg(comment_id)}")


class Labels(ResourceGroup):
    def list(self, org: str, repo: str, *, per_page: int | None = 100) -> Paginator[Label]:
        return self._client.paginate(f"{self._repo(org, repo)}/labels", {"per_page": per_page}, Label)

    def get(self, org: str, repo: str, name: str) -> Label:
        return self._client.request("GET", f"{self._repo(org, repo)}/labels/{seg(name)}", cls=Label)

    def create(self, org: str, repo: str, name: str, color: str, *, description: str | None = None) -> Label:
        data = body(name=name, color=color, description=description)
        return self._client.request("POST", f"{self._repo(org, repo)}/labels", json=data, cls=Label)

    def update(self, org: str, repo: str, name: str, /, **fields: Any) -> Label:
        """PATCH: name (renames), color, description."""
        return self._client.request("PATCH", f"{self._repo(org, repo)}/labels/{seg(name)}", json=fields, cls=Label)

    def delete(self, org: str, repo: str, name: str) -> None:
        self._client.request("DELETE", f"{self._repo(org, repo)}/labels/{seg(name)}")


class Milestones(ResourceGroup):
    def list(self, org: str, repo: str, *, state: str | None = None, per_page: int | None = 100) -> Paginator[Milestone]:
        return self._client.paginate(f"{self._repo(org, repo)}/milestones", {"state": state, "per_page": per_page}, Milestone)

    def get(self, org: str, repo: str, number: int) -> Milestone:
        return self._client.request("GET", f"{self._repo(org, repo)}/milestones/{seg(number)}", cls=Milestone)

    def create(
        self, org: str, repo: str, title: str, *, description: str | None = None,
        due_on: str | None = None, state: str | None = None,
    ) -> Milestone:
        data = body(title=title, description=description, due_on=due_on, state=state)
        return self._client.request("POST", f"{self._repo(org, repo)}/milestones", json=data, cls=Milestone)

    def update(self, org: str, repo: str, number: int, **fields: Any) -> Milestone:
        """PATCH: title, description, due_on, state."""
        return self._client.request("PATCH", f"{self._repo(org, repo)}/milestones/{seg(number)}", json=fields, cls=Milestone)

    def delete(self, org: str, repo: str, number: int) -> None:
        self._client.request("DELETE", f"{self._repo(org, repo)}/milestones/{seg(number)}")
