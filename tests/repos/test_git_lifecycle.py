"""The git directory and the repository row live and die together (docs/api.md §7)."""

import pytest

from kizuna.accounts.actors import actor_for_user
from repos import git, services
from repos.models import Repository

pytestmark = pytest.mark.django_db


def git_dirs(settings):
    root = settings.KIZUNA_GIT_ROOT
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_create_makes_a_bare_repository_and_auto_init_commits_a_readme(world, make_repo):
    empty = make_repo(world.org, "empty")
    assert (git.repo_path(empty.pk) / "HEAD").exists()
    assert not git.has_commits(empty.pk)
    init = make_repo(world.org, "init", auto_init=True, description="hello")
    sha = git.resolve_ref(init.pk, "main")
    assert git.read_blob_at(init.pk, sha, "README.md", max_bytes=100) == b"# init\n\nhello\n"
    assert init.pushed_at is not None


@pytest.mark.parametrize("failing", ["init_bare", "commit_initial_readme", "hook", "event"])
def test_a_failure_at_any_step_leaves_no_row_and_no_directory(world, settings, monkeypatch, request, failing):
    before_rows = Repository.objects.count()
    before_dirs = git_dirs(settings)

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    if failing == "init_bare":
        monkeypatch.setattr(git, "init_bare", boom)
    elif failing == "commit_initial_readme":
        monkeypatch.setattr(git, "commit_initial_readme", boom)
    elif failing == "hook":
        from repos.signals import repository_created

        repository_created.connect(boom, dispatch_uid="test-boom")
        request.addfinalizer(lambda: repository_created.disconnect(dispatch_uid="test-boom"))
    else:
        monkeypatch.setattr(services, "emit_event", boom)
    with pytest.raises(RuntimeError):
        services.repo_create(actor=actor_for_user(world.admin), namespace=world.org, name="doomed", auto_init=True)
    assert Repository.objects.count() == before_rows
    assert not Repository.objects.filter(name="doomed").exists()
    assert git_dirs(settings) == before_dirs


def test_a_leftover_directory_of_a_recycled_id_is_replaced(world, make_repo, settings):
    repo = make_repo(world.org, "one", auto_init=True)
    path = git.repo_path(repo.pk)
    git.delete(repo.pk)
    (path / "junk").mkdir(parents=True)
    git.init_bare(repo.pk, "main")
    assert not (path / "junk").exists() and (path / "HEAD").exists()


def test_rename_keeps_the_directory_and_delete_removes_it(world, make_repo, api, django_capture_on_commit_callbacks):
    repo = make_repo(world.org, "old-name", auto_init=True)
    path = git.repo_path(repo.pk)
    client = api(world.tokens["admin"])
    assert client.patch("/repos/w-org/old-name", {"name": "new-name"}).status_code == 200
    assert path.exists()
    assert client.get("/repos/w-org/new-name/branches").json()[0]["name"] == "main"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete("/repos/w-org/new-name").status_code == 204
    assert not path.exists()
    assert not Repository.objects.filter(pk=repo.pk).exists()


def test_default_branch_change_moves_head(world, make_repo, api):
    repo = make_repo(world.org, "heads", auto_init=True)
    git.run_git(["branch", "dev", "main"], cwd=git.repo_path(repo.pk))
    client = api(world.tokens["admin"])
    assert client.patch("/repos/w-org/heads", {"default_branch": "dev"}).status_code == 200
    assert git.run_git(["symbolic-ref", "HEAD"], cwd=git.repo_path(repo.pk)).strip() == b"refs/heads/dev"
    assert client.patch("/repos/w-org/heads", {"default_branch": "nope"}).status_code == 422
    branches = {b["name"]: b["protected"] for b in client.get("/repos/w-org/heads/branches").json()}
    assert branches == {"dev": True, "main": False}
