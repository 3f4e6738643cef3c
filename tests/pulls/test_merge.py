"""Merges checked with git itself: history shape, trees, authors; refusals write nothing."""

import subprocess

import pytest

from kizuna.events.models import Event
from repos import git as repo_git

from .conftest import BOB, bare

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/pub/pulls"


@pytest.fixture
def w(pr_world, api):
    pr_world.api = api(pr_world.tokens["admin"])
    return pr_world


def diverge(w):
    """main gets its own commit after feature branched, so merges are real three-way merges."""
    w.clone.branch("main")
    w.clone.commit({"main.txt": "main side\n"}, "main moves on", author=BOB)
    return w.clone.push("main")


def two_commit_feature(w):
    w.clone.branch("feature")
    w.clone.commit({"app.txt": "one\ntwo\nthree\nfour\n"}, "feature part two", author=BOB)
    return w.clone.push("feature")


def open_pr(w, head="feature", **data):
    response = w.api.post(BASE, {"title": "Add feature", "head": head, **data})
    assert response.status_code == 201, response.json()
    return response.json()


def parents(w, sha):
    return bare(w.repo, "rev-list", "--parents", "-n1", sha).split()[1:]


def tree(w, rev):
    return bare(w.repo, "rev-parse", f"{rev}^{{tree}}")


def test_merge_commit_has_two_parents(w):
    old_base = diverge(w)
    head = two_commit_feature(w)
    pr = open_pr(w)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"sha": head, "commit_title": "Ship it", "commit_message": "Body"})
    assert response.status_code == 200, response.json()
    result = response.json()
    assert result["merged"] is True and result["message"]
    new = repo_git.branch_sha(w.repo.pk, "main")
    assert result["sha"] == new
    assert parents(w, new) == [old_base, head]
    assert bare(w.repo, "log", "-1", "--format=%B", new).strip() == "Ship it\n\nBody"
    assert bare(w.repo, "log", "-1", "--format=%cn <%ce>", new) == "Kizuna <kizuna@localhost>"
    assert bare(w.repo, "show", f"{new}:feature.txt") == "new\nfile"
    assert bare(w.repo, "show", f"{new}:main.txt") == "main side"
    bare(w.repo, "fsck", "--no-dangling")
    got = w.api.get(f"{BASE}/{pr['number']}").json()
    assert got["merged"] is True and got["state"] == "closed" and got["merge_commit_sha"] == new
    assert got["merged_by"]["login"] == "w-admin" and got["merged_at"] and got["closed_at"]
    push = Event.objects.get(type="push")
    assert push.payload["before"] == old_base and push.payload["after"] == new and push.payload["ref"] == "refs/heads/main"
    assert {c["id"] for c in push.payload["commits"]} >= {head, new}
    types = list(Event.objects.order_by("id").values_list("type", flat=True))
    assert types[-3:] == ["push", "pull_request.merged", "pull_request.closed"]


def test_merge_without_divergence_is_still_a_merge_commit(w):
    pr = open_pr(w)
    old = repo_git.branch_sha(w.repo.pk, "main")
    assert w.api.post(f"{BASE}/{pr['number']}/merge", {}).status_code == 200
    new = repo_git.branch_sha(w.repo.pk, "main")
    assert parents(w, new) == [old, pr["head"]["sha"]]  # never a fast-forward


def test_squash_is_one_commit_with_the_head_tree_and_kept_authors(w):
    w.clone.branch("feature")
    head = w.clone.commit({"app.txt": "one\ntwo\nthree\nfour\n"}, "feature part two", author=BOB)
    w.clone.push("feature")
    old_base = repo_git.branch_sha(w.repo.pk, "main")
    pr = open_pr(w)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "squash", "sha": head})
    assert response.status_code == 200, response.json()
    new = repo_git.branch_sha(w.repo.pk, "main")
    assert parents(w, new) == [old_base]
    assert tree(w, new) == tree(w, head)  # base had not moved: exactly the head's tree
    assert bare(w.repo, "log", "-1", "--format=%an <%ae>", new) == "Bob Builder <bob@example.com>"
    message = bare(w.repo, "log", "-1", "--format=%B", new)
    assert message.startswith(f"Add feature (#{pr['number']})")
    assert "* add feature" in message and "* feature part two" in message
    assert "Co-authored-by: Alice Author <alice@example.com>" in message
    assert bare(w.repo, "rev-list", "--count", f"{old_base}..{new}") == "1"


def test_squash_onto_a_moved_base_keeps_both_sides(w):
    old_base = diverge(w)
    pr = open_pr(w)
    assert w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "squash", "commit_title": "T"}).status_code == 200
    new = repo_git.branch_sha(w.repo.pk, "main")
    assert parents(w, new) == [old_base]
    assert bare(w.repo, "log", "-1", "--format=%s", new) == "T"
    assert set(bare(w.repo, "ls-tree", "--name-only", new).split()) == {"README.md", "app.txt", "feature.txt", "main.txt"}


def test_rebase_replays_each_commit_linearly_with_original_authors(w):
    old_base = diverge(w)
    head = two_commit_feature(w)
    pr = open_pr(w)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "rebase", "sha": head})
    assert response.status_code == 200, response.json()
    new = repo_git.branch_sha(w.repo.pk, "main")
    replayed = bare(w.repo, "rev-list", "--reverse", f"{old_base}..{new}").split()
    assert len(replayed) == 2 and head not in replayed  # new commits, not the head's own
    assert parents(w, replayed[0]) == [old_base] and parents(w, replayed[1]) == [replayed[0]]
    log = bare(w.repo, "log", "--reverse", "--format=%an|%s|%cn", f"{old_base}..{new}").splitlines()
    assert log == ["Alice Author|add feature|Kizuna", "Bob Builder|feature part two|Kizuna"]
    assert bare(w.repo, "show", f"{new}:app.txt") == "one\ntwo\nthree\nfour"
    assert bare(w.repo, "show", f"{new}:main.txt") == "main side"
    assert w.api.get(f"{BASE}/{pr['number']}").json()["merge_commit_sha"] == new


def make_conflict(w):
    w.clone.branch("main")
    w.clone.commit({"feature.txt": "main wrote this first\n"}, "conflicting file on main")
    return w.clone.push("main")


def assert_nothing_written(w, base_sha, number):
    assert repo_git.branch_sha(w.repo.pk, "main") == base_sha
    pr = w.api.get(f"{BASE}/{number}").json()
    assert pr["merged"] is False and pr["state"] == "open" and pr["merge_commit_sha"] is None
    assert not Event.objects.filter(type__in=["push", "pull_request.merged", "pull_request.closed"]).exists()


@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
def test_conflict_is_405_and_writes_nothing(w, method):
    pr = open_pr(w)
    base = make_conflict(w)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": method})
    assert response.status_code == 405, response.json()
    assert response.json()["error"]["code"] == "NOT_MERGEABLE"
    assert response.json()["error"]["details"] == {"reason": "conflict"}
    assert_nothing_written(w, base, pr["number"])


def test_rebase_conflicting_half_way_writes_nothing(w):
    # feature: commit 1 (feature.txt, clean) then commit 2 touching app.txt line 1, which main also changed.
    w.clone.branch("feature")
    w.clone.commit({"app.txt": "ONE\ntwo\nthree\n"}, "feature edits line one", author=BOB)
    head = w.clone.push("feature")
    w.clone.branch("main")
    w.clone.commit({"app.txt": "uno\ntwo\nthree\n"}, "main edits line one")
    base = w.clone.push("main")
    pr = open_pr(w)
    assert pr["mergeable"] is False
    refs_before = bare(w.repo, "for-each-ref")
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "rebase", "sha": head})
    assert response.status_code == 405
    assert_nothing_written(w, base, pr["number"])
    assert bare(w.repo, "for-each-ref") == refs_before


def test_stale_sha_is_409(w):
    pr = open_pr(w)
    base = repo_git.branch_sha(w.repo.pk, "main")
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"sha": base})
    assert response.status_code == 409 and response.json()["error"]["code"] == "CONFLICT"
    assert response.json()["error"]["details"]["head_sha"] == pr["head"]["sha"]
    assert_nothing_written(w, base, pr["number"])


def test_head_moved_after_open_uses_live_head(w):
    pr = open_pr(w)
    w.clone.branch("feature")
    w.clone.commit({"late.txt": "late\n"}, "late commit")
    new_head = w.clone.push("feature")  # no notification: the stored head is stale
    assert w.api.post(f"{BASE}/{pr['number']}/merge", {"sha": pr["head"]["sha"]}).status_code == 409
    assert w.api.post(f"{BASE}/{pr['number']}/merge", {"sha": new_head}).status_code == 200
    assert bare(w.repo, "show", "main:late.txt") == "late"


def test_closed_merged_and_octopus(w):
    pr = open_pr(w)
    n = pr["number"]
    assert w.api.post(f"{BASE}/{n}/merge", {"merge_method": "octopus"}).status_code == 422
    details = w.api.post(f"{BASE}/{n}/merge", {"merge_method": "octopus"}).json()["error"]["details"]
    assert "merge_method" in details
    w.api.patch(f"{BASE}/{n}", {"state": "closed"})
    closed = w.api.post(f"{BASE}/{n}/merge", {})
    assert closed.status_code == 405 and closed.json()["error"]["details"] == {"reason": "closed"}
    w.api.patch(f"{BASE}/{n}", {"state": "open"})
    assert w.api.post(f"{BASE}/{n}/merge", {}).status_code == 200
    again = w.api.post(f"{BASE}/{n}/merge", {})
    assert again.status_code == 405 and again.json()["error"]["details"] == {"reason": "merged"}
    reopen = w.api.patch(f"{BASE}/{n}", {"state": "open"})
    assert reopen.status_code == 422
    assert w.api.patch(f"{BASE}/{n}", {"merged": False}).json()["merged"] is True  # read-only, ignored


def test_base_moving_between_compute_and_update_is_retried(w, monkeypatch):
    """A push to the base lands after the merge is computed: the CAS fails, the merge is recomputed."""
    pr = open_pr(w)
    real = repo_git.pull_merge_commit
    raced = {}

    def racing(repo_id, **kwargs):
        result = real(repo_id, **kwargs)
        if not raced:
            w.clone.branch("main")
            raced["sha"] = w.clone.commit({"racer.txt": "won the race\n"}, "racing push")
            w.clone.push("main")
        return result

    monkeypatch.setattr(repo_git, "pull_merge_commit", racing)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {})
    assert response.status_code == 200, response.json()
    new = repo_git.branch_sha(w.repo.pk, "main")
    assert parents(w, new) == [raced["sha"], pr["head"]["sha"]]
    assert bare(w.repo, "show", f"{new}:racer.txt") == "won the race"


def test_base_that_keeps_moving_gives_409_and_never_overwrites(w, monkeypatch):
    pr = open_pr(w)
    real = repo_git.pull_merge_commit
    pushed = []

    def always_racing(repo_id, **kwargs):
        result = real(repo_id, **kwargs)
        w.clone.branch("main")
        pushed.append(w.clone.commit({"racer.txt": f"{len(pushed)}\n"}, f"race {len(pushed)}"))
        w.clone.push("main")
        return result

    monkeypatch.setattr(repo_git, "pull_merge_commit", always_racing)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {})
    assert response.status_code == 409, response.json()
    assert repo_git.branch_sha(w.repo.pk, "main") == pushed[-1]
    assert w.api.get(f"{BASE}/{pr['number']}").json()["merged"] is False


def test_failure_after_the_ref_moved_puts_it_back(w, monkeypatch):
    from pulls.services import merge

    pr = open_pr(w)
    base = repo_git.branch_sha(w.repo.pk, "main")

    def boom(**kwargs):
        raise RuntimeError("hook failed")

    monkeypatch.setattr(merge, "on_push", boom)
    w.api.client.raise_request_exception = False
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {})
    assert response.status_code == 500 and response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert_nothing_written(w, base, pr["number"])


def test_merge_refreshes_other_open_prs_on_the_base(w):
    first = open_pr(w)
    w.clone.branch("second", "main")
    w.clone.commit({"feature.txt": "other content\n"}, "same file, other content")
    w.clone.push("second")
    second = open_pr(w, head="second")
    assert second["mergeable"] is True
    assert w.api.post(f"{BASE}/{first['number']}/merge", {}).status_code == 200
    refreshed = w.api.get(f"{BASE}/{second['number']}").json()
    assert refreshed["base"]["sha"] == repo_git.branch_sha(w.repo.pk, "main")
    assert refreshed["mergeable"] is False


def odd_commit_on_feature(w) -> str:
    """A feature commit git accepts but Python has no codec for: `encoding x-no-such-enc`, a non-UTF-8
    author name and message. Written with plumbing (a client can push any such bytes)."""
    w.clone.branch("feature")
    w.clone.commit({"odd.txt": "odd\n"}, "placeholder")
    tree, parent = w.clone.git("rev-parse", "HEAD^{tree}"), w.clone.git("rev-parse", "HEAD~1")
    body = (f"tree {tree}\nparent {parent}\n".encode() + b"author Odd \xff <odd@example.com> 1700000000 +0000\n"
            b"committer Odd \xff <odd@example.com> 1700000000 +0000\nencoding x-no-such-enc\n\nodd \xff message\n")
    sha = subprocess.run(["git", "-C", str(w.clone.path), "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
                         input=body, capture_output=True, check=True).stdout.decode().strip()
    w.clone.git("reset", "-q", "--hard", sha)
    w.clone.push("feature", force=True)
    return sha


def test_rebase_keeps_a_commit_with_an_unknown_encoding_byte_for_byte(w):
    odd = odd_commit_on_feature(w)
    pr = open_pr(w)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "rebase"})
    assert response.status_code == 200, response.json()
    new = repo_git.branch_sha(w.repo.pk, "main")
    raw = subprocess_bytes(w, "cat-file", "commit", new)
    assert b"author Odd \xff <odd@example.com> 1700000000 +0000\n" in raw
    assert b"\nencoding x-no-such-enc\n" in raw and raw.endswith(b"\n\nodd \xff message\n") and new != odd
    shown = w.api.get(f"/repos/w-org/pub/commits/{new}")
    assert shown.status_code == 200 and shown.json()["message"] == "odd \ufffd message\n"


def test_squash_names_a_co_author_with_an_unknown_encoding_as_utf8(w):
    odd_commit_on_feature(w)
    pr = open_pr(w)
    response = w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": "squash"})
    assert response.status_code == 200, response.json()
    new = repo_git.branch_sha(w.repo.pk, "main")
    assert bare(w.repo, "log", "-1", "--format=%an <%ae>", new) == "Odd \ufffd <odd@example.com>"
    assert "Co-authored-by: Alice Author <alice@example.com>" in bare(w.repo, "log", "-1", "--format=%B", new)
    assert b"encoding" not in subprocess_bytes(w, "cat-file", "commit", new)  # UTF-8, as git writes by default


def subprocess_bytes(w, *args) -> bytes:
    return subprocess.run(["git", *args], cwd=repo_git.repo_path(w.repo.pk), capture_output=True, check=True).stdout


def test_a_large_file_changed_on_both_sides_is_a_conflict_never_merged_in_memory(w):
    """Merging a file's lines holds many times its size: when both sides change a file over 1 MiB the pull
    request is not mergeable here (docs/api.md §9), whatever the lines, and nothing is read."""
    big = "line\n" * 400_000  # 2 MB
    w.clone.branch("main")
    w.clone.commit({"big.txt": big}, "big file")
    w.clone.push("main")
    w.clone.branch("feature", "main")
    w.clone.commit({"big.txt": "head\n" + big}, "head edits the top")
    w.clone.push("feature", force=True)
    w.clone.branch("main")
    w.clone.commit({"big.txt": big + "base\n"}, "base edits the bottom")
    base_sha = w.clone.push("main")
    pr = open_pr(w)
    assert pr["mergeable"] is False
    for method in ("merge", "squash", "rebase"):
        response = w.api.post(f"{BASE}/{pr['number']}/merge", {"merge_method": method})
        assert response.status_code == 405 and response.json()["error"]["details"]["reason"] == "conflict"
    assert repo_git.branch_sha(w.repo.pk, "main") == base_sha
    # A large file changed on one side only merges as before.
    w.clone.branch("solo", "main")
    w.clone.commit({"big.txt": big + "base\nsolo\n"}, "one side")
    w.clone.push("solo")
    assert open_pr(w, head="solo")["mergeable"] is True
