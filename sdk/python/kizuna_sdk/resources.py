"""Resource groups of `KizunaClient` (docs/api.md §15). Paths follow docs/api.md exactly.

Each group calls the transport it is given (kizuna_sdk.transport.BaseClient); kizuna_sdk.client
attaches them to `KizunaClient`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .models import (
    Actor,
    Agent,
    Branch,
    BranchProtection,
    Comment,
    Commit,
    Content,
    Delivery,
    Event,
    Issue,
    Label,
    Member,
    MergeResult,
    Milestone,
    Organization,
    Pipeline,
    PullRequest,
    Repository,
    Review,
    Token,
    Webhook,
)

if TYPE_CHECKING:
    from .transport import BaseClient, Paginator


def seg(value: Any) -> str:
    """One path segment, percent-encoded (label names may hold spaces, never '/')."""
    return quote(str(value), safe="")


def subpath(value: str) -> str:
    """A path that may contain '/' (branch names, file paths)."""
    return quote(str(value).strip("/"), safe="/")


def body(**fields: Any) -> dict[str, Any]:
    """Request body from keyword arguments, leaving out the ones not given (None)."""
    return {k: v for k, v in fields.items() if v is not None}


class _Group:
    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def _repo(self, org: str, repo: str) -> str:
        return f"/repos/{seg(org)}/{seg(repo)}"


class Orgs(_Group):
    def get(self, org: str) -> Organization:
        return self._client.request("GET", f"/orgs/{seg(org)}", cls=Organization)

    def create(self, login: str, *, name: str | None = None, description: str | None = None) -> Organization:
        return self._client.request("POST", "/orgs", json=body(login=login, name=name, description=description), cls=Organization)

    def members(self, org: str, *, per_page: int | None = 100) -> Paginator[Member]:
        return self._client.paginate(f"/orgs/{seg(org)}/members", {"per_page": per_page}, Member)

    def set_member(self, org: str, login: str, role: str) -> Member:
        return self._client.request("PUT", f"/orgs/{seg(org)}/members/{seg(login)}", json={"role": role}, cls=Member)

    def remove_member(self, org: str, login: str) -> None:
        self._client.request("DELETE", f"/orgs/{seg(org)}/members/{seg(login)}")


class Repos(_Group):
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


class Issues(_Group):
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


_body = body  # `Issues.create` has a parameter named `body`


class Comments(_Group):
    def list(self, org: str, repo: str, number: int, *, per_page: int | None = 100) -> Paginator[Comment]:
        return self._client.paginate(f"{self._repo(org, repo)}/issues/{seg(number)}/comments", {"per_page": per_page}, Comment)

    def create(self, org: str, repo: str, number: int, body: str) -> Comment:
        return self._client.request("POST", f"{self._repo(org, repo)}/issues/{seg(number)}/comments", json={"body": body}, cls=Comment)

    def update(self, org: str, repo: str, comment_id: int, body: str) -> Comment:
        return self._client.request("PATCH", f"{self._repo(org, repo)}/issues/comments/{seg(comment_id)}", json={"body": body}, cls=Comment)

    def delete(self, org: str, repo: str, comment_id: int) -> None:
        self._client.request("DELETE", f"{self._repo(org, repo)}/issues/comments/{seg(comment_id)}")


class Labels(_Group):
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


class Milestones(_Group):
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


class Pulls(_Group):
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


class Branches(_Group):
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


class Agents(_Group):
    def list(
        self, *, capability: str | None = None, trust_level: int | None = None, model_family: str | None = None,
        status: str | None = None, per_page: int | None = 100,
    ) -> Paginator[Agent]:
        params = {"capability": capability, "trust_level": trust_level, "model_family": model_family, "status": status, "per_page": per_page}
        return self._client.paginate("/agents", params, Agent)

    def register(
        self, name: str, model_family: str, model_version: str, *, description: str | None = None,
        capabilities: list[str] | None = None, trust_level: int | None = None,
    ) -> Agent:
        """Register an agent; the result carries its `token` (shown once)."""
        data = body(
            name=name, model_family=model_family, model_version=model_version, description=description,
            capabilities=capabilities, trust_level=trust_level,
        )
        return self._client.request("POST", "/agents", json=data, cls=Agent)

    def get(self, agent_id: str) -> Agent:
        return self._client.request("GET", f"/agents/{seg(agent_id)}", cls=Agent)

    def update(self, agent_id: str, **fields: Any) -> Agent:
        """PATCH: description, capabilities, trust_level, status."""
        return self._client.request("PATCH", f"/agents/{seg(agent_id)}", json=fields, cls=Agent)

    def rotate_token(self, agent_id: str) -> Token:
        """A new token (the old one stops working at once)."""
        return self._client.request("POST", f"/agents/{seg(agent_id)}/tokens", cls=Token)

    def events(self, agent_id: str, *, per_page: int | None = 100) -> Paginator[Event]:
        return self._client.paginate(f"/agents/{seg(agent_id)}/events", {"per_page": per_page}, Event)


class Pipelines(_Group):
    def list(
        self, org: str, repo: str, *, status: str | None = None, ref: str | None = None, sha: str | None = None,
        trigger: str | None = None, per_page: int | None = 100,
    ) -> Paginator[Pipeline]:
        params = {"status": status, "ref": ref, "sha": sha, "trigger": trigger, "per_page": per_page}
        return self._client.paginate(f"{self._repo(org, repo)}/pipelines", params, Pipeline)

    def trigger(self, org: str, repo: str, *, ref: str | None = None, variables: Mapping[str, str] | None = None) -> Pipeline:
        data = body(ref=ref, variables=dict(variables) if variables is not None else None)
        return self._client.request("POST", f"{self._repo(org, repo)}/pipelines", json=data, cls=Pipeline)

    def get(self, org: str, repo: str, pipeline_id: int) -> Pipeline:
        return self._client.request("GET", f"{self._repo(org, repo)}/pipelines/{seg(pipeline_id)}", cls=Pipeline)

    def cancel(self, org: str, repo: str, pipeline_id: int) -> Pipeline | None:
        return self._client.request("POST", f"{self._repo(org, repo)}/pipelines/{seg(pipeline_id)}/cancel", cls=Pipeline)

    def log(self, org: str, repo: str, pipeline_id: int, job_id: int, *, offset: int | None = None) -> str:
        """A job's log as text; `offset` asks for the bytes from there on (`Range: bytes=N-`)."""
        headers = {"Accept": "text/plain"}  # offsets are bytes of the text, never of a JSON rendering
        if offset:
            headers["Range"] = f"bytes={int(offset)}-"
        url = f"{self._repo(org, repo)}/pipelines/{seg(pipeline_id)}/jobs/{seg(job_id)}/log"
        text = self._client.request("GET", url, headers=headers)
        return text or ""


class Webhooks(_Group):
    """Repository hooks (`org, repo`) or organisation hooks (`org, None`)."""

    def _base(self, org: str, repo: str | None) -> str:
        return f"{self._repo(org, repo)}/webhooks" if repo else f"/orgs/{seg(org)}/webhooks"

    def list(self, org: str, repo: str | None = None, *, per_page: int | None = 100) -> Paginator[Webhook]:
        return self._client.paginate(self._base(org, repo), {"per_page": per_page}, Webhook)

    def create(
        self, org: str, repo: str | None = None, *, url: str, events: list[str], secret: str | None = None,
        content_type: str = "json", active: bool | None = None,
    ) -> Webhook:
        data = body(url=url, events=list(events), secret=secret, content_type=content_type, active=active)
        return self._client.request("POST", self._base(org, repo), json=data, cls=Webhook)

    def get(self, org: str, repo: str | None, hook_id: int) -> Webhook:
        return self._client.request("GET", f"{self._base(org, repo)}/{seg(hook_id)}", cls=Webhook)

    def update(self, org: str, repo: str | None, hook_id: int, **fields: Any) -> Webhook:
        """PATCH: url, secret, events, active, content_type."""
        return self._client.request("PATCH", f"{self._base(org, repo)}/{seg(hook_id)}", json=fields, cls=Webhook)

    def delete(self, org: str, repo: str | None, hook_id: int) -> None:
        self._client.request("DELETE", f"{self._base(org, repo)}/{seg(hook_id)}")

    def ping(self, org: str, repo: str | None, hook_id: int) -> None:
        self._client.request("POST", f"{self._base(org, repo)}/{seg(hook_id)}/ping")

    def deliveries(self, org: str, repo: str | None, hook_id: int, *, per_page: int | None = 100) -> Paginator[Delivery]:
        return self._client.paginate(f"{self._base(org, repo)}/{seg(hook_id)}/deliveries", {"per_page": per_page}, Delivery)

    def delivery(self, org: str, repo: str | None, hook_id: int, delivery_id: int) -> Delivery:
        return self._client.request("GET", f"{self._base(org, repo)}/{seg(hook_id)}/deliveries/{seg(delivery_id)}", cls=Delivery)

    def redeliver(self, org: str, repo: str | None, hook_id: int, delivery_id: int) -> None:
        self._client.request("POST", f"{self._base(org, repo)}/{seg(hook_id)}/deliveries/{seg(delivery_id)}/redeliver")


class Events(_Group):
    def list(
        self, org: str, repo: str, *, type: str | None = None, actor: str | None = None,
        after_id: int | None = None, per_page: int | None = 100,
    ) -> Paginator[Event]:
        params = {"type": type, "actor": actor, "after_id": after_id, "per_page": per_page}
        return self._client.paginate(f"{self._repo(org, repo)}/events", params, Event)

    def stream(
        self, org: str | None = None, repo: str | None = None, last_event_id: int | str | None = None, *,
        max_reconnects: int | None = None, read_timeout: float = 45.0,
    ) -> Iterator[Event]:
        """Server-Sent Events of one repository (org and repo) or of every repo the caller can read.

        An endless iterator: on a dropped connection it reconnects (waiting the server's `retry:`)
        and resumes after the last event it yielded, sending `Last-Event-ID`. Errors that a retry
        cannot fix (401, 403, 404, 422) are raised. Close it with `.close()` or by leaving the loop.
        """
        from .sse import stream_events

        if (org is None) != (repo is None):
            raise ValueError("pass both org and repo for a repository stream, or neither for /user/events/stream")
        path = f"{self._repo(org, repo)}/events/stream" if org is not None and repo is not None else "/user/events/stream"
        return stream_events(self._client, path, last_event_id=last_event_id, max_reconnects=max_reconnects, read_timeout=read_timeout)
