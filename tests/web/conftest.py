"""Rows of every kind the admin lists (the admin tests measure lists and count their queries with them)."""

import pytest

from tests.pipelines.conftest import SIMPLE, commit_files


def add_rows(world, make_agent, make_deploy_token, n: int = 1) -> None:
    """One more row of every admin model (`n` tells the copies apart), with realistic lengths."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from agents.models import Agent
    from issues import services as issue_services
    from kizuna.accounts.actors import actor_for_user
    from kizuna.events import services as event_services
    from pipelines import services as pipeline_services
    from pulls import services as pull_services

    writer = actor_for_user(world.writer)
    make_agent(world.writer, name=f"a-rather-long-agent-name-for-ci-{n}")
    Agent.objects.update(model_family="claude-sonnet", model_version="2026-01-01")
    make_deploy_token(world.public)
    event_services.webhook_create(actor=writer, url=f"https://hooks.example.com/kizuna/incoming/events/{n}",
                                  events=["*"], repository=world.public)
    issue = issue_services.issue_create(repo=world.public, actor=writer, labels=["bug"],
                                        title=f"A fairly long issue title, as people write them, about thing {n}")
    issue_services.comment_create(issue=issue, actor=writer, body="A comment")
    issue_services.milestone_create(repo=world.public, actor=writer, title=f"Version {n}.0 release")
    commit_files(world.public, {".kizuna/pipeline.yml": SIMPLE, "README.md": f"hi {n}\n"})
    branch = f"feature/a-longer-branch-name-{n}"
    commit_files(world.public, {f"feature-{n}.txt": "new\n"}, branch=branch)
    pull = pull_services.pull_create(repo=world.public, actor=writer, title=f"Add feature {n} from a long branch name",
                                     head=branch, base="main")
    admin = actor_for_user(world.admin)
    pull_services.review_submit(pull=pull, actor=admin, event="APPROVE")
    pull_services.protection_set(repo=world.public, branch=branch, actor=admin, required_approving_review_count=1)
    pipeline_services.pipeline_trigger(repo=world.public, actor=writer, ref="main")
    Group.objects.create(name=f"operators-{n}")
    # django-axes' sign-in records: a sign-in (AccessLog), then a wrong password (AccessAttempt, AccessFailureLog).
    for password in ("pw", "wrong"):
        browser = Client(REMOTE_ADDR=f"192.0.2.{n % 250}", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
        browser.post("/login", {"username": world.reader.username, "password": password})


@pytest.fixture
def rows(world, make_agent, make_deploy_token):
    add_rows(world, make_agent, make_deploy_token)
    world.add_rows = lambda n: add_rows(world, make_agent, make_deploy_token, n)
    return world
