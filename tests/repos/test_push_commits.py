"""The commits a push event lists (`repos.git.push_commits`, docs/api.md §7 "After a push"): which, in
what order, how many, and how their text and dates read."""

import os
import subprocess

import pytest

from repos import git

pytestmark = pytest.mark.django_db

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1",
       "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
       "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}


class Bare:
    """Commits written straight into the repository's bare directory with git plumbing."""

    def __init__(self, repo):
        self.repo = repo
        self.path = git.repo_path(repo.pk)
        self.tree = self.run("mktree", input=b"")
        self.clock = 1_700_000_000

    def run(self, *args, input=None, env=None):
        return subprocess.run(["git", *args], cwd=self.path, env={**ENV, **(env or {})}, input=input,
                              check=True, capture_output=True).stdout.decode().strip()

    def commit(self, message: str, *parents: str, date: str | None = None) -> str:
        self.clock += 60
        stamp = date or f"{self.clock} +0000"
        args = ["commit-tree", self.tree, *[a for p in parents for a in ("-p", p)], "-m", message]
        return self.run(*args, env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})

    def raw_commit(self, body: bytes) -> str:
        """A commit object from its exact bytes (headers and message), as a client could push it."""
        return self.run("hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=body)

    def chain(self, parent: str, count: int, label: str) -> list[str]:
        shas = []
        for i in range(count):
            parent = self.commit(f"{label} {i}", parent)
            shas.append(parent)
        return shas

    def set(self, ref: str, sha: str):
        self.run("update-ref", ref, sha)


@pytest.fixture
def bare(world, make_repo):
    b = Bare(make_repo(world.org, "pushed", visibility="private"))
    b.root = b.commit("root")
    b.set("refs/heads/main", b.root)
    return b


def ids(commits):
    return [c["id"] for c in commits]


def test_fast_forward_lists_the_new_commits_oldest_first_with_their_fields(bare):
    new = bare.chain(bare.root, 3, "work")
    bare.set("refs/heads/main", new[-1])
    commits = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=new[-1])
    assert ids(commits) == new
    assert commits[0] == {"id": new[0], "message": "work 0\n",
                          "author": {"name": "Ada", "email": "ada@example.com", "date": "2023-11-14T22:15:20Z"}}


def test_dates_are_the_author_time_in_utc(bare):
    sha = bare.commit("zoned", bare.root, date="1700000000 +0200")
    [commit] = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=sha)
    assert commit["author"]["date"] == "2023-11-14T22:13:20Z"


def test_at_most_limit_the_newest_kept(bare):
    new = bare.chain(bare.root, 5, "c")
    commits = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=new[-1], limit=3)
    assert ids(commits) == new[2:]
    assert git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=new[-1], limit=0) == []


def test_a_new_branch_lists_what_no_other_branch_has(bare):
    shared = bare.chain(bare.root, 2, "shared")
    bare.set("refs/heads/other", shared[0])
    own = bare.chain(shared[-1], 2, "own")
    bare.set("refs/heads/topic", own[-1])
    bare.set("refs/tags/v1", own[0])  # tags hide nothing: only branches do
    commits = git.push_commits(bare.repo.pk, ref="refs/heads/topic", before=git.ZERO_SHA, after=own[-1])
    assert ids(commits) == [shared[1], *own]
    # (topic's own ref, already at `after` when the event is built, hides nothing.) A branch made at a
    # commit another branch has brings none.
    bare.set("refs/heads/fresh", shared[0])
    assert git.push_commits(bare.repo.pk, ref="refs/heads/fresh", before=git.ZERO_SHA, after=shared[0]) == []


def test_deletions_and_non_commits_list_nothing(bare):
    assert git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=git.ZERO_SHA) == []
    assert git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=bare.tree) == []


def test_merges_list_parents_before_children(bare):
    left = bare.chain(bare.root, 2, "left")
    right = bare.chain(bare.root, 2, "right")
    merge = bare.commit("merge", left[-1], right[-1])
    commits = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=merge)
    order = ids(commits)
    assert sorted(order) == sorted([*left, *right, merge]) and order[-1] == merge
    assert order.index(left[0]) < order.index(left[1]) and order.index(right[0]) < order.index(right[1])


def _raw(bare, parent, author: bytes, headers: bytes, message: bytes) -> str:
    return bare.raw_commit(b"tree %s\nparent %s\nauthor %s 1700000000 +0000\ncommitter C <c@x> 1700000000 +0000\n%s\n%s"
                           % (bare.tree.encode(), parent.encode(), author, headers, message))


def test_text_is_decoded_by_the_commit_encoding_header(bare):
    latin = _raw(bare, bare.root, b"J\xf6rg <j\xf6@x>", b"encoding ISO-8859-1\n", b"M\xe4rz\n")
    [commit] = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=latin)
    assert (commit["message"], commit["author"]["name"], commit["author"]["email"]) == ("M\u00e4rz\n", "J\u00f6rg", "j\u00f6@x")


def test_bytes_that_are_not_utf8_become_replacement_characters(bare):
    bad = _raw(bare, bare.root, b"Bad \xff <b@x>", b"", b"\n\nbad \xff\xfe end\n")
    [commit] = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=bad)
    # Leading blank lines go, as pygit2 (libgit2) reads a message.
    assert commit["message"] == "bad \ufffd\ufffd end\n"
    assert commit["author"]["name"] == "Bad \ufffd"


@pytest.mark.parametrize("encoding", [b"x-no-such-encoding", b"idna", b"base64"])
def test_an_encoding_python_cannot_decode_with_reads_as_utf8(bare, encoding):
    """pygit2 raises for these (LookupError, UnicodeError): the event, and a merge, must not fail on them."""
    odd = _raw(bare, bare.root, b"Z\xc3\xbc <z@x>", b"encoding %s\n" % encoding, b"\ncaf\xc3\xa9 \xff\n")
    nxt = bare.commit("after it", odd)
    commits = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=nxt)
    assert ids(commits) == [odd, nxt]
    assert commits[0]["message"] == "caf\u00e9 \ufffd\n"
    assert commits[0]["author"] == {"name": "Z\u00fc", "email": "z@x", "date": "2023-11-14T22:13:20Z"}


@pytest.mark.parametrize("stamp, shown", [
    (b"253402300799", "9999-12-31T23:59:59Z"),
    (b"253402300800", "1970-01-01T00:00:00Z"),
    (b"100000000000000000", "1970-01-01T00:00:00Z"),
])
def test_a_date_with_no_iso_form_reads_as_the_epoch(bare, stamp, shown):
    sha = bare.raw_commit(b"tree %s\nparent %s\nauthor A <a@x> %s +0000\ncommitter C <c@x> 1700000000 +0000\n\nfar\n"
                          % (bare.tree.encode(), bare.root.encode(), stamp))
    [commit] = git.push_commits(bare.repo.pk, ref="refs/heads/main", before=bare.root, after=sha)
    assert commit["author"]["date"] == shown
