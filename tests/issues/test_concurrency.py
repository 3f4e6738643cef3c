"""On PostgreSQL: concurrent creations get distinct, gapless numbers and exact counters."""

import threading
import time

import pytest
from django.db import OperationalError, connection

from issues import services
from issues.models import Comment, Issue
from kizuna.accounts.actors import actor_for_user
from repos.models import Repository

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_threads(n, target):
    """n threads, each on its own connection, released together by a barrier. Connections are opened
    after the barrier, so on the shared server (100 connections in all, some held by others) a thread
    may meet "too many clients": it waits for a slot that a finished thread gives back."""
    barrier = threading.Barrier(n)
    errors = []

    def worker(i):
        try:
            barrier.wait()
            for attempt in range(300):  # up to a minute
                try:
                    connection.ensure_connection()
                    break
                except OperationalError:  # "too many clients" on a shared server: wait for a slot
                    time.sleep(0.2)
            target(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    connection.close()  # the test's own connection would hold one of the slots the threads need
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


CREATORS = 100  # 100 threads, one creation each, all released at once by the barrier
WORKERS = 20  # the comment and label races below


def test_100_concurrent_creations_get_numbers_1_to_100(world):
    repo, actor = world.public, actor_for_user(world.writer)

    def create_some(i):
        for n in range(100 // CREATORS):  # one each
            services.issue_create(repo=repo, actor=actor, title=f"issue {i}.{n}", labels=["bug"])

    run_threads(CREATORS, create_some)
    numbers = sorted(Issue.objects.filter(repository=repo).values_list("number", flat=True))
    assert numbers == list(range(1, 101))
    repo = Repository.objects.get(pk=repo.pk)
    assert repo.open_issues_count == 100 and repo.last_number == 100


def test_concurrent_comments_keep_the_count_exact(world, make_issue):
    issue = make_issue(world.public, world.writer)
    actor = actor_for_user(world.reader)
    run_threads(WORKERS, lambda i: services.comment_create(issue=issue, actor=actor, body=f"c{i}"))
    issue.refresh_from_db()
    assert issue.comments_count == Comment.objects.filter(issue=issue).count() == WORKERS


def test_concurrent_label_adds_do_not_collide(world, make_issue):
    issue = make_issue(world.public, world.writer)
    actor = actor_for_user(world.writer)
    run_threads(WORKERS, lambda i: services.issue_add_labels(issue=issue, actor=actor, names=["bug", "feature"]))
    assert sorted(issue.labels.values_list("name", flat=True)) == ["bug", "feature"]
