"""Results: read-only mappings of the JSON with attribute access (`issue.title == issue["title"]`).

The subclasses only add type annotations for editors and type checkers; every field of the JSON is
reachable whether or not it is annotated.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "Resource",
    "Actor",
    "User",
    "Token",
    "Organization",
    "Member",
    "Repository",
    "Branch",
    "Commit",
    "Content",
    "Label",
    "Milestone",
    "Issue",
    "Comment",
    "PullRequest",
    "MergeResult",
    "Review",
    "BranchProtection",
    "Agent",
    "Pipeline",
    "Job",
    "Webhook",
    "Delivery",
    "Event",
    "wrap",
]


def wrap(value: Any, cls: type[Resource] | None = None) -> Any:
    """JSON -> Resource (objects), tuples (arrays), scalars unchanged."""
    if isinstance(value, Mapping) and not isinstance(value, Resource):
        return (cls or Resource)(value)
    if isinstance(value, list):
        return tuple(wrap(v) for v in value)
    return value


class Resource(Mapping[str, Any]):
    """A read-only view of one JSON object."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None, /) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: str) -> Any:
        return wrap(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Resource):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:  # read-only, but holds mutable JSON: not hashable, like dict
        raise TypeError(f"unhashable type: {type(self).__name__!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k for k in self._data if k.isidentifier()})

    def __getstate__(self) -> dict[str, Any]:
        return self._data

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", state)

    def to_dict(self) -> dict[str, Any]:
        """A deep, mutable copy of the JSON."""
        return copy.deepcopy(self._data)


class Actor(Resource):
    id: int | str
    login: str
    type: str


class User(Resource):
    id: int
    login: str
    type: str
    name: str
    email: str
    site_admin: bool
    created_at: str


class Token(Resource):
    id: int
    name: str
    hint: str
    scopes: tuple[str, ...]
    token: str
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None


class Organization(Resource):
    id: int
    login: str
    name: str
    description: str
    type: str
    created_at: str
    url: str


class Member(Resource):
    login: str
    type: str
    role: str


class Repository(Resource):
    id: int
    name: str
    full_name: str
    owner: Resource
    description: str
    visibility: str
    private: bool
    default_branch: str
    archived: bool
    open_issues_count: int
    open_pulls_count: int
    clone_url: str
    url: str
    created_at: str
    updated_at: str
    pushed_at: str | None


class Branch(Resource):
    name: str
    commit: Resource
    protected: bool


class Commit(Resource):
    sha: str
    message: str
    author: Resource
    committer: Resource
    parents: tuple[str, ...]
    stats: Resource  # single commits only
    files: tuple[Resource, ...]  # single commits only


class Content(Resource):
    type: str
    name: str
    path: str
    sha: str
    size: int
    encoding: str
    content: str


class Label(Resource):
    id: int
    name: str
    color: str
    description: str


class Milestone(Resource):
    id: int
    number: int
    title: str
    description: str
    state: str
    due_on: str | None
    open_issues: int
    closed_issues: int
    created_at: str
    updated_at: str
    closed_at: str | None
    url: str


class Issue(Resource):
    id: int
    number: int
    title: str
    body: str
    state: str
    state_reason: str | None
    labels: tuple[Label, ...]
    assignees: tuple[Actor, ...]
    milestone: Milestone | None
    author: Actor
    comments: int
    created_at: str
    updated_at: str
    closed_at: str | None
    closed_by: Actor | None
    url: str


class Comment(Resource):
    id: int
    body: str
    author: Actor
    created_at: str
    updated_at: str
    url: str


class PullRequest(Resource):
    id: int
    number: int
    title: str
    body: str
    state: str
    draft: bool
    merged: bool
    mergeable: bool | None
    head: Resource
    base: Resource
    author: Actor
    labels: tuple[Label, ...]
    assignees: tuple[Actor, ...]
    commits: int
    additions: int
    deletions: int
    changed_files: int
    merged_at: str | None
    merged_by: Actor | None
    merge_commit_sha: str | None
    mergeable_state: str
    mergeable_state_details: Resource
    requested_reviewers: tuple[Actor, ...]
    created_at: str
    updated_at: str
    closed_at: str | None
    url: str


class Review(Resource):
    id: int
    user: Actor
    state: str
    body: str
    commit_id: str
    submitted_at: str


class BranchProtection(Resource):
    required_approving_review_count: int
    dismiss_stale_reviews: bool
    require_code_owner_reviews: bool
    require_pipeline: bool
    require_pull_request: bool
    allow_force_pushes: bool
    allow_deletions: bool
    agent_approval_min_trust: int | None


class MergeResult(Resource):
    merged: bool
    sha: str
    message: str


class Agent(Resource):
    id: str
    name: str
    description: str
    operator: Actor
    model_family: str
    model_version: str
    capabilities: tuple[str, ...]
    trust_level: int
    trust_level_name: str
    reputation_score: float
    status: str
    created_at: str
    updated_at: str
    last_seen_at: str | None
    last_audited: str | None
    url: str
    token: str  # in the answer of register only


class Job(Resource):
    id: int
    name: str
    status: str
    needs: tuple[str, ...]
    agent: Actor | None
    attempt: int
    exit_code: int | None
    started_at: str | None
    finished_at: str | None
    log_url: str


class Pipeline(Resource):
    id: int
    number: int
    status: str
    ref: str
    sha: str
    trigger: str
    triggered_by: Actor
    variables: tuple[str, ...]
    created_at: str
    started_at: str | None
    finished_at: str | None
    duration_seconds: float | None
    jobs: tuple[Job, ...]
    url: str


class Webhook(Resource):
    id: int
    type: str
    url: str
    content_type: str
    events: tuple[str, ...]
    active: bool
    has_secret: bool
    repository: str | None
    organization: str | None
    last_success_at: str | None
    deactivated_at: str | None
    created_at: str
    updated_at: str


class Delivery(Resource):
    id: int
    guid: str
    event: str
    action: str | None
    redelivery: bool
    state: str
    attempt: int
    status_code: int | None
    success: bool | None
    duration_ms: int | None
    delivered_at: str | None
    next_attempt_at: str | None
    created_at: str
    error: str  # a single delivery only, with request and response
    request: Resource
    response: Resource


class Event(Resource):
    id: int
    type: str
    repository: Resource | None
    actor: Actor
    on_behalf_of: Actor | None
    payload: Resource
    created_at: str
