"""REST read endpoints over git data (docs/api.md §7): branches, commits, contents."""

import base64
import os
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from repos import git

pytestmark = pytest.mark.django_db

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1",
       "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
       "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}


def sh(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout.strip()


class History:
    """A working copy pushed straight into the repository's bare directory (no server involved)."""

    def __init__(self, repo, tmp_path):
        self.repo = repo
        self.dir = tmp_path / f"wc{repo.pk}"
        sh("clone", "-q", str(git.repo_path(repo.pk)), str(self.dir), cwd=tmp_path)

    def commit(self, files: dict, message: str, remove=()):
        for name, content in files.items():
            path = self.dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
            sh("add", "--", name, cwd=self.dir)
        for name in remove:
            sh("rm", "-q", "--", name, cwd=self.dir)
        sh("commit", "-q", "-m", message, cwd=self.dir)
        return sh("rev-parse", "HEAD", cwd=self.dir)

    def push(self, refspec="HEAD:main"):
        sh("push", "-q", "origin", refspec, cwd=self.dir)


@pytest.fixture
def history(world, make_repo, tmp_path):
    repo = make_repo(world.org, "hist", visibility="private", auto_init=True)
    h = History(repo, tmp_path)
    h.shas = [git.resolve_ref(repo.pk, "main")]
    h.shas.append(h.commit({"src/a.py": "a = 1\n", "docs/readme.txt": "x\n"}, "add a"))
    h.shas.append(h.commit({"src/a.py": "a = 2\nb = 3\n"}, "change a"))
    h.shas.append(h.commit({"other.txt": "o\n"}, "other", remove=["docs/readme.txt"]))
    sh("mv", "other.txt", "moved.txt", cwd=h.dir)
    h.shas.append(h.commit({}, "rename other"))
    h.push()
    sh("checkout", "-q", "-b", "feature/deep/x", cwd=h.dir)
    h.feature = h.commit({"src/a.py": "a = 3\n"}, "feature work")
    h.push("HEAD:feature/deep/x")
    return h


def test_branches_list_and_detail(world, history, api):
    client = api(world.tokens["reader"])
    response = client.get("/repos/w-org/hist/branches")
    assert response.status_code == 200
    assert response.json() == [
        {"name": "feature/deep/x", "commit": {"sha": history.feature}, "protected": False},
        {"name": "main", "commit": {"sha": history.shas[-1]}, "protected": True},
    ]
    page = client.get("/repos/w-org/hist/branches", {"per_page": 1})
    assert [b["name"] for b in page.json()] == ["feature/deep/x"]
    assert 'rel="next"' in page["Link"] and page["X-Total-Count"] == "2"
    one = client.get("/repos/w-org/hist/branches/feature/deep/x")
    assert one.status_code == 200 and one.json()["commit"]["sha"] == history.feature
    assert client.get("/repos/w-org/hist/branches/nope").status_code == 404
    assert client.get("/repos/w-org/hist/branches/bad..name").status_code == 404


def test_commits_list_filters_and_pagination(world, history, api):
    client = api(world.tokens["reader"])
    body = client.get("/repos/w-org/hist/commits").json()
    assert [c["sha"] for c in body] == history.shas[::-1]
    first = body[0]
    assert set(first) == {"sha", "message", "author", "committer", "parents"}
    assert first["author"]["email"] == "ada@example.com" and first["author"]["date"].endswith("Z")
    assert first["parents"] == [history.shas[-2]]

    page = client.get("/repos/w-org/hist/commits", {"per_page": 2, "page": 2})
    assert [c["sha"] for c in page.json()] == history.shas[::-1][2:4]
    assert page["X-Total-Count"] == "5"
    assert all(rel in page["Link"] for rel in ('rel="first"', 'rel="prev"', 'rel="next"', 'rel="last"'))
    assert client.get("/repos/w-org/hist/commits", {"page": 9}).json() == []

    by_branch = client.get("/repos/w-org/hist/commits", {"sha": "feature/deep/x"}).json()
    assert by_branch[0]["sha"] == history.feature and len(by_branch) == 6
    by_sha = client.get("/repos/w-org/hist/commits", {"sha": history.shas[2]}).json()
    assert [c["sha"] for c in by_sha] == history.shas[2::-1]
    by_path = client.get("/repos/w-org/hist/commits", {"path": "src/a.py"}).json()
    assert [c["message"].strip() for c in by_path] == ["change a", "add a"]
    assert client.get("/repos/w-org/hist/commits", {"path": "src"}).json()[0]["message"].strip() == "change a"

    # Revision expressions are not refs (docs/api.md: a branch or sha): `:/text` would search every message.
    for bad in ("0" * 40, "deadbeef", "nope", "--all", "-n1", "main~1", "main^", "main@{0}", ":/change",
                "main:README.md", "HEAD", "main..feature/deep/x"):
        response = client.get("/repos/w-org/hist/commits", {"sha": bad})
        assert response.status_code == 404, bad
        assert response.json()["error"]["code"] == "NOT_FOUND"
    for bad in ("../etc", "/etc/passwd", "a/../../b"):
        assert client.get("/repos/w-org/hist/commits", {"path": bad}).status_code == 422
    # `path` names a file or directory, never a pattern: wildcards and git's `:(…)` magic match nothing here.
    for pattern in ("src/*.py", "src/a.p?", "src/[a]*", "*", ":(exclude)src", ":(glob)**/a.py", ":(icase)SRC"):
        response = client.get("/repos/w-org/hist/commits", {"path": pattern})
        assert response.status_code == 200 and response.json() == [], pattern


def test_commit_detail_with_file_stats(world, history, api):
    client = api(world.tokens["reader"])
    change = client.get(f"/repos/w-org/hist/commits/{history.shas[2]}").json()
    assert change["files"] == [{"filename": "src/a.py", "status": "modified", "additions": 2, "deletions": 1}]
    assert change["stats"] == {"additions": 2, "deletions": 1, "total": 3}
    removed = client.get(f"/repos/w-org/hist/commits/{history.shas[3]}").json()["files"]
    assert {(f["filename"], f["status"]) for f in removed} == {("docs/readme.txt", "removed"), ("other.txt", "added")}
    renamed = client.get(f"/repos/w-org/hist/commits/{history.shas[4]}").json()["files"]
    assert renamed == [{"filename": "moved.txt", "status": "renamed", "additions": 0, "deletions": 0,
                        "previous_filename": "other.txt"}]
    root = client.get(f"/repos/w-org/hist/commits/{history.shas[0]}").json()
    assert root["parents"] == [] and root["files"][0]["filename"] == "README.md"
    assert client.get(f"/repos/w-org/hist/commits/{history.shas[2][:10]}").json()["sha"] == history.shas[2]
    assert client.get("/repos/w-org/hist/commits/main").json()["sha"] == history.shas[-1]
    assert client.get("/repos/w-org/hist/commits/" + "1" * 40).status_code == 404
    assert client.get("/repos/w-org/hist/commits/main~1").status_code == 404


def test_contents_file_directory_and_bad_paths(world, history, api, settings):
    client = api(world.tokens["reader"])
    file = client.get("/repos/w-org/hist/contents/src/a.py").json()
    assert file["type"] == "file" and file["encoding"] == "base64" and file["path"] == "src/a.py"
    assert base64.b64decode(file["content"]) == b"a = 2\nb = 3\n" and file["size"] == 12
    old = client.get("/repos/w-org/hist/contents/src/a.py", {"ref": history.shas[1]}).json()
    assert base64.b64decode(old["content"]) == b"a = 1\n"
    feature = client.get("/repos/w-org/hist/contents/src/a.py", {"ref": "feature/deep/x"}).json()
    assert base64.b64decode(feature["content"]) == b"a = 3\n"
    root = client.get("/repos/w-org/hist/contents").json()
    assert {(e["name"], e["type"]) for e in root} == {("README.md", "file"), ("moved.txt", "file"), ("src", "dir")}
    sub = client.get("/repos/w-org/hist/contents/src").json()
    assert sub == [{"type": "file", "name": "a.py", "path": "src/a.py", "sha": file["sha"], "size": 12}]

    assert client.get("/repos/w-org/hist/contents/nope.txt").status_code == 404
    assert client.get("/repos/w-org/hist/contents/src/a.py", {"ref": "nope"}).status_code == 404
    for bad in ("../etc/passwd", "src/../../x", "/etc/passwd", "src/./a.py"):
        response = client.get("/repos/w-org/hist/contents/" + bad)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"

    settings.KIZUNA_CONTENTS_MAX_BYTES = 8
    big = client.get("/repos/w-org/hist/contents/src/a.py")
    assert big.status_code == 422
    assert "over the 8-byte contents limit" in big.json()["error"]["details"]["path"][0]


def test_git_endpoints_are_permission_checked(world, history, api):
    for path in ("branches", "branches/main", "commits", f"commits/{history.shas[1]}", "contents/src/a.py"):
        assert api(world.tokens["outsider"]).get(f"/repos/w-org/hist/{path}").status_code == 404
        assert api().get(f"/repos/w-org/hist/{path}").status_code == 404
        assert api(world.tokens["reader"]).get(f"/repos/W-ORG/HIST/{path}").status_code == 200


def test_empty_repository(world, api):
    client = api(world.tokens["reader"])
    assert client.get("/repos/w-org/priv/branches").json() == []
    response = client.get("/repos/w-org/priv/commits")
    assert response.status_code == 409
    assert client.get("/repos/w-org/priv/contents/README.md").status_code == 404


@pytest.mark.parametrize("path", ["branches", "commits"])
def test_list_query_count_does_not_grow(world, history, api, path):
    client = api(world.tokens["reader"])
    for n in range(3):
        sh("branch", f"extra/{n}", cwd=history.dir)
    sh("push", "-q", "origin", "--all", cwd=history.dir)
    client.get(f"/repos/w-org/hist/{path}")  # warm-up: token last_used_at, cached roles
    counts = []
    for per_page in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/repos/w-org/hist/{path}", {"per_page": per_page})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
