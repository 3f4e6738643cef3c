"""Reviews and branch protection through the SDK (docs/api.md §16) against a live server."""

from __future__ import annotations

import pytest

from kizuna_sdk import ForbiddenError, NotFoundError, NotMergeableError, ValidationError
from kizuna_sdk.models import BranchProtection, PullRequest, Review

from test_sdk_resources import git_push, require_git  # noqa: F401 - require_git is a fixture


@pytest.fixture
def guarded(client, server, unique, require_git, tmp_path):  # noqa: F811
    """alice's org with bob (write), a repository, and a PR by alice from `feature`."""
    org = unique("rev")
    client.orgs.create(org)
    client.orgs.set_member(org, "bob", "write")
    repo = client.repos.create(org, "guarded", visibility="public", auto_init=True)
    require_git(repo.clone_url)
    git_push(tmp_path, repo.clone_url, server["tokens"]["alice"], "feature", {"one.txt": "1\n"})
    pr = client.pulls.create(org, "guarded", "One", "feature")
    return org, pr


def test_protect_review_dismiss_and_merge(client, make_client, guarded):
    org, pr = guarded
    bob = make_client("bob")
    with pytest.raises(NotFoundError):
        client.branches.protection(org, "guarded", "main")
    rule = client.branches.protect(org, "guarded", "main", required_approving_review_count=1)
    assert isinstance(rule, BranchProtection)
    assert rule.required_approving_review_count == 1 and rule.agent_approval_min_trust is None
    assert client.branches.protection(org, "guarded", "main") == rule
    assert client.branches.get(org, "guarded", "main").protected is True
    with pytest.raises(ForbiddenError):
        bob.branches.protect(org, "guarded", "main")

    assert client.pulls.get(org, "guarded", pr.number).mergeable_state == "blocked"
    with pytest.raises(NotMergeableError) as info:
        client.pulls.merge(org, "guarded", pr.number)
    assert info.value.details["unmet"] == [{"rule": "required_approving_review_count", "required": 1, "actual": 0}]
    with pytest.raises(ValidationError):
        client.pulls.review(org, "guarded", pr.number, "APPROVE")  # not on one's own PR

    requested = client.pulls.request_reviewers(org, "guarded", pr.number, ["bob"])
    assert isinstance(requested, PullRequest) and [a.login for a in requested.requested_reviewers] == ["bob"]
    assert [a.login for a in client.pulls.requested_reviewers(org, "guarded", pr.number)] == ["bob"]
    approval = bob.pulls.review(org, "guarded", pr.number, "APPROVE", commit_id=pr.head.sha)
    assert isinstance(approval, Review) and approval.state == "APPROVED"
    assert client.pulls.requested_reviewers(org, "guarded", pr.number) == ()
    assert [r.id for r in client.pulls.reviews(org, "guarded", pr.number)] == [approval.id]
    assert client.pulls.get_review(org, "guarded", pr.number, approval.id).user.login == "bob"

    dismissed = client.pulls.dismiss_review(org, "guarded", pr.number, approval.id, "not this one")
    assert dismissed.state == "DISMISSED"
    with pytest.raises(NotMergeableError):
        client.pulls.merge(org, "guarded", pr.number)
    bob.pulls.review(org, "guarded", pr.number, "APPROVE")
    assert client.pulls.get(org, "guarded", pr.number).mergeable_state == "clean"
    assert client.pulls.merge(org, "guarded", pr.number).merged is True

    client.branches.unprotect(org, "guarded", "main")
    with pytest.raises(NotFoundError):
        client.branches.protection(org, "guarded", "main")


def test_remove_requested_reviewers(client, guarded):
    org, pr = guarded
    client.pulls.request_reviewers(org, "guarded", pr.number, ["bob"])
    assert client.pulls.remove_requested_reviewers(org, "guarded", pr.number, ["bob"]) is None
    assert client.pulls.get(org, "guarded", pr.number).requested_reviewers == ()
