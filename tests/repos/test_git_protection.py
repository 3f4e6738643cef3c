"""Protected branches through `git push` (docs/api.md §16): force pushes, deletions and direct pushes are
refused by git with the reason, for everyone — repository admins included."""

import pytest

from kizuna.accounts.actors import actor_for_user
from pulls import services as pull_services
from repos import git

pytestmark = pytest.mark.django_db(transaction=True)


def push(client, workdir, url, refspec):
    return client.run("push", "--porcelain", url, refspec, cwd=workdir, check=False)


def output(proc):
    return proc.stdout + proc.stderr


@pytest.fixture
def setup(world, make_repo, git_client, tmp_path):
    """A private repository with `main` and `release`, a working copy one commit ahead of both."""
    repo = make_repo(world.org, "Guarded", visibility="private", auto_init=True)
    work = tmp_path / "work"
    admin_url = git_client.url("w-org/guarded", world.tokens["admin"])
    git_client.run("clone", "-q", admin_url, str(work))
    assert push(git_client, work, admin_url, "HEAD:release").returncode == 0
    git_client.commit(work, "src/app.py", "print('hi')\n", message="Add app")
    return world, repo, work, admin_url, git_client.url("w-org/guarded", world.tokens["writer"])


def protect(world, repo, branch, **rule):
    pull_services.protection_set(repo=repo, branch=branch, actor=actor_for_user(world.admin), **rule)


def test_force_push_refused_for_everyone_unless_allowed(setup, git_client):
    world, repo, work, admin_url, writer_url = setup
    assert push(git_client, work, writer_url, "HEAD:release").returncode == 0  # fast-forward: fine
    protect(world, repo, "release")
    git_client.run("reset", "-q", "--hard", "HEAD~1", cwd=work)
    git_client.commit(work, "other.txt", message="diverge")
    before = git.branch_sha(repo.pk, "release")
    for url in (writer_url, admin_url):  # admins are bound too
        proc = push(git_client, work, url, "+HEAD:release")
        assert proc.returncode != 0
        assert "release is a protected branch: force pushes are not allowed" in output(proc)
    assert git.branch_sha(repo.pk, "release") == before
    protect(world, repo, "release", allow_force_pushes=True)
    assert push(git_client, work, writer_url, "+HEAD:release").returncode == 0


def test_deletion_refused_unless_allowed(setup, git_client):
    world, repo, work, admin_url, writer_url = setup
    protect(world, repo, "release")
    proc = push(git_client, work, admin_url, ":release")
    assert proc.returncode != 0 and "release is a protected branch: it cannot be deleted" in output(proc)
    assert git.branch_sha(repo.pk, "release") is not None
    protect(world, repo, "release", allow_deletions=True)
    assert push(git_client, work, writer_url, ":release").returncode == 0
    assert git.branch_sha(repo.pk, "release") is None


def test_require_pull_request_refuses_direct_pushes(setup, git_client):
    world, repo, work, admin_url, writer_url = setup
    protect(world, repo, "main", require_pull_request=True)
    before = git.branch_sha(repo.pk, "main")
    proc = push(git_client, work, admin_url, "HEAD:main")
    assert proc.returncode != 0
    assert "main is a protected branch: changes must go through a pull request" in output(proc)
    assert git.branch_sha(repo.pk, "main") == before
    # Other branches are untouched by main's rule, and a push to one of them lands as usual.
    assert push(git_client, work, writer_url, "HEAD:topic").returncode == 0
    pull_services.protection_delete(repo=repo, branch="main", actor=actor_for_user(world.admin))
    assert push(git_client, work, admin_url, "HEAD:main").returncode == 0


def test_one_refused_ref_refuses_the_whole_push(setup, git_client):
    world, repo, work, admin_url, _ = setup
    protect(world, repo, "release", require_pull_request=True)
    proc = git_client.run("push", "--porcelain", "--atomic", admin_url, "HEAD:release", "HEAD:other", cwd=work,
                          check=False)
    assert proc.returncode != 0
    assert git.branch_sha(repo.pk, "other") is None


def test_a_ref_named_twice_cannot_borrow_the_first_commands_rule(setup, git_client):
    """git runs every command of a push, a ref named twice included, one after the other; each command is
    checked with its own rule: a fast-forward of a protected branch (allowed) followed by its deletion
    from the new tip (refused) is refused, not let through under the fast-forward's rule."""
    import subprocess
    import urllib.error
    import urllib.request

    from kizuna.events.models import Event
    from tests.repos.test_git_http import _basic, _pkt

    world, repo, work, _admin_url, _writer_url = setup
    protect(world, repo, "release")
    old = git.branch_sha(repo.pk, "release")
    pushes = Event.objects.filter(type="push").count()
    new = git_client.run("rev-parse", "HEAD", cwd=work).stdout.strip()
    pack = subprocess.run(["git", "pack-objects", "--stdout", "--revs"], input=f"{new}\n^{old}\n".encode(),
                          cwd=work, capture_output=True, check=True).stdout
    commands = (_pkt(f"{old} {new} refs/heads/release\x00 report-status delete-refs\n".encode())
                + _pkt(f"{new} {'0' * 40} refs/heads/release\n".encode()) + b"0000")
    request = urllib.request.Request(
        git_client.base_url + "/w-org/guarded.git/git-receive-pack", data=commands + pack, method="POST",
        headers={"Authorization": _basic(world.tokens["writer"]), "Content-Type": "application/x-git-receive-pack-request"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    except urllib.error.HTTPError:
        pass
    assert git.branch_sha(repo.pk, "release") == old
    assert Event.objects.filter(type="push").count() == pushes
