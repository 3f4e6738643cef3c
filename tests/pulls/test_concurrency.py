"""Ten pull requests merged at once into one base: every one lands, no commit is lost."""

import threading

import pytest
from django.db import close_old_connections, connection

from kizuna.accounts.actors import actor_for_user
from kizuna.api.errors import NotMergeable
from pulls import services
from pulls.models import PullRequest
from repos import git as repo_git

from .conftest import bare

N = 10


@pytest.mark.postgres  # SQLite's in-memory test database answers "table is locked" to concurrent writers
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
def test_ten_concurrent_merges_all_land(pr_world, method):
    w = pr_world
    actor = actor_for_user(w.admin)
    pulls = []
    for i in range(N):
        w.clone.branch(f"c{i}", "main")
        w.clone.commit({f"file{i}.txt": f"{i}\n"}, f"change {i}")
        w.clone.push(f"c{i}")
        pulls.append(services.pull_create(repo=w.repo, actor=actor, title=f"PR {i}", head=f"c{i}"))
    heads = [pr.head_sha for pr in pulls]
    barrier = threading.Barrier(N)
    results, errors = [], []

    def merge(pr):
        try:
            barrier.wait()
            results.append(services.pull_merge(pull=pr, actor=actor, principal=w.admin, merge_method=method, sha=pr.head_sha))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=(pr,)) for pr in pulls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    assert errors == [] and len(results) == N
    tip = repo_git.branch_sha(w.repo.pk, "main")
    reachable = set(bare(w.repo, "rev-list", tip).split())
    assert {r["sha"] for r in results} <= reachable  # every merge's commit is on the base
    if method == "merge":
        assert set(heads) <= reachable
    files = set(bare(w.repo, "ls-tree", "--name-only", tip).split())
    assert {f"file{i}.txt" for i in range(N)} <= files
    assert PullRequest.objects.filter(merged=True).count() == N
    first_parents = bare(w.repo, "rev-list", "--first-parent", "--count", tip)
    assert int(first_parents) == 1 + N  # the initial commit + one per PR (each adds one commit)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["merge", "rebase"])
def test_git_level_concurrent_cas_never_loses_a_commit(pr_world, method):
    """The git half alone, with real threads on any database: compute, compare-and-swap, retry on a lost race."""
    w = pr_world
    heads = []
    for i in range(N):
        w.clone.branch(f"g{i}", "main")
        w.clone.commit({f"g{i}.txt": f"{i}\n"}, f"git change {i}")
        heads.append(w.clone.push(f"g{i}"))
    barrier = threading.Barrier(N)
    landed, errors, lost_races = [], [], []

    def merge(head):
        try:
            barrier.wait()
            while True:
                base = repo_git.branch_sha(w.repo.pk, "main")
                new = repo_git.pull_merge_commit(w.repo.pk, method=method, base_sha=base, head_sha=head,
                                                 message="m\n", merger=("t", "t@example.com"))
                if repo_git.update_ref_cas(w.repo.pk, "refs/heads/main", new, base):
                    landed.append(new)
                    return
                lost_races.append(head)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=merge, args=(h,)) for h in heads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(landed) == N
    tip = repo_git.branch_sha(w.repo.pk, "main")
    reachable = set(bare(w.repo, "rev-list", tip).split())
    assert set(landed) <= reachable
    assert {f"g{i}.txt" for i in range(N)} <= set(bare(w.repo, "ls-tree", "--name-only", tip).split())
    assert int(bare(w.repo, "rev-list", "--first-parent", "--count", tip)) == 1 + N


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(4))
def test_merges_racing_a_review_dismissal_never_land_an_unmet_rule(pr_world, round_):
    """Two merges of one PR and the dismissal of its only approval, at once: the merge decides under the
    lock the dismissal takes, so either the merge lands first (its event precedes the dismissal's) or
    it is refused — a PR whose rule is unmet at the moment of the ref update never lands."""
    from kizuna.events.models import Event

    w = pr_world
    admin = actor_for_user(w.admin)
    services.protection_set(repo=w.repo, branch="main", actor=admin, required_approving_review_count=1)
    pr = services.pull_create(repo=w.repo, actor=actor_for_user(w.writer), title="guarded", head="feature")
    approval = services.review_submit(pull=pr, actor=actor_for_user(w.maintainer), event="APPROVE")
    barrier = threading.Barrier(3)
    merged, refused, errors = [], [], []

    def do_merge():
        try:
            barrier.wait()
            merged.append(services.pull_merge(pull=pr, actor=admin, principal=w.admin, sha=pr.head_sha))
        except NotMergeable as exc:
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    def do_dismiss():
        try:
            barrier.wait()
            services.review_dismiss(review=approval, actor=admin, message="withdrawn")
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=do_merge), threading.Thread(target=do_merge), threading.Thread(target=do_dismiss)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    assert errors == []
    assert len(merged) <= 1 and len(merged) + len(refused) == 2
    dismissed = Event.objects.get(type="pull_request_review.dismissed")
    if merged:
        landed = Event.objects.get(type="pull_request.merged")
        assert landed.pk < dismissed.pk  # the approval still stood when the ref moved
        assert repo_git.branch_sha(w.repo.pk, "main") == merged[0]["sha"]
    else:
        assert all(exc.details.get("unmet") or exc.details.get("reason") == "merged" for exc in refused)
        assert PullRequest.objects.get(pk=pr.pk).merged is False


@pytest.mark.postgres  # SQLite serialises writers; the lock order matters where rows are locked one by one
@pytest.mark.django_db(transaction=True)
def test_closing_and_labelling_one_pull_request_at_once_never_deadlocks(pr_world):
    """Closing a pull request rewrites its label links' copy of the state (then saves the issue); labelling
    it locks the issue, then writes the links. The close path locks the issue row with the pull request
    (repository → pull request → issue → links), so the two queue instead of each holding what the
    other waits for (PostgreSQL's deadlock detector aborted one of them)."""
    from issues import services as issue_services

    w = pr_world
    actor = actor_for_user(w.admin)
    w.clone.branch("busy", "main")
    w.clone.commit({"busy.txt": "1\n"}, "busy")
    w.clone.push("busy")
    pr = services.pull_create(repo=w.repo, actor=actor, title="Busy", head="busy")
    issue_services.issue_set_labels(issue=pr.issue, actor=actor, names=["bug"])
    rounds = 15

    def toggle():
        for i in range(rounds):
            services.pull_update(pull=pr, actor=actor, state="closed" if i % 2 == 0 else "open")

    def relabel():
        for i in range(rounds):
            issue_services.issue_set_labels(issue=pr.issue, actor=actor, names=["bug"] if i % 2 else ["feature"])

    assert run_together(toggle, relabel) == []


def run_together(*work) -> list[str]:
    """Run each callable in its own thread, started together; the errors they raised (none: [])."""
    barrier, errors = threading.Barrier(len(work)), []

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    return errors
