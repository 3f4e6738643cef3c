"""Commits git accepts but Python cannot take at face value — an `encoding` header naming no text codec
Python has, a date past year 9999, a file name that is not UTF-8 — read through the commits and contents
APIs without a 500 (docs/api.md §7: text as UTF-8 with U+FFFD, such a date as the epoch). A client can
push any of them."""

import subprocess

import pytest

from .test_push_commits import Bare

pytestmark = pytest.mark.django_db

EPOCH = "1970-01-01T00:00:00Z"
PERSONS = b"author A\xff <a@x> %d %s\ncommitter C <c@x> %d %s\n"


@pytest.fixture
def odd(world, make_repo, api):
    bare = Bare(make_repo(world.org, "odd", visibility="public"))
    bare.root = bare.commit("root")
    bare.client, bare.base = api(world.tokens["reader"]), f"/repos/{world.org.login}/odd/commits"

    def commit(headers: bytes, message: bytes) -> tuple[dict, dict]:
        sha = bare.raw_commit(f"tree {bare.tree}\nparent {bare.root}\n".encode() + headers + b"\n" + message)
        bare.set("refs/heads/main", sha)
        listed = bare.client.get(bare.base)
        one = bare.client.get(f"{bare.base}/{sha}")
        assert listed.status_code == 200 and one.status_code == 200, (listed.content, one.content)
        assert listed.json()[0]["sha"] == sha
        return listed.json()[0], one.json()

    bare.read = commit
    return bare


@pytest.mark.parametrize("encoding", [b"x-no-such-enc", b"base64", b"idna"])
def test_an_encoding_python_lacks_reads_as_utf8(odd, encoding):
    listed, one = odd.read(PERSONS % (1_700_000_000, b"+0000", 1_700_000_000, b"+0000") + b"encoding " + encoding + b"\n",
                           b"caf\xc3\xa9 \xff\n")
    for body in (listed, one):
        assert body["message"] == "caf\u00e9 \ufffd\n"
        assert body["author"]["name"] == "A\ufffd" and body["author"]["email"] == "a@x"
        assert body["committer"]["name"] == "C"


def test_a_known_encoding_is_still_honoured(odd):
    listed, _ = odd.read(PERSONS % (1_700_000_000, b"+0000", 1_700_000_000, b"+0000") + b"encoding ISO-8859-1\n",
                         b"caf\xe9\n")
    assert listed["message"] == "caf\u00e9\n" and listed["author"]["name"] == "A\u00ff"


@pytest.mark.parametrize("stamp,offset,expected", [
    (10**17, b"+0000", EPOCH),                           # past year 9999
    (253402300800, b"+1400", EPOCH),                     # 10000-01-01 UTC
    (253402300799, b"+1400", "9999-12-31T23:59:59Z"),    # the last representable second, ahead of UTC locally
    (1_700_000_000, b"-1200", "2023-11-14T22:13:20Z"),   # shown in UTC whatever the offset
])
def test_dates_read_in_utc_and_the_unrepresentable_as_the_epoch(odd, stamp, offset, expected):
    listed, one = odd.read(PERSONS % (stamp, offset, 1_700_000_000, b"+0000"), b"when\n")
    assert listed["author"]["date"] == one["author"]["date"] == expected
    assert listed["committer"]["date"] == "2023-11-14T22:13:20Z"


def test_a_file_name_that_is_not_utf8_shows_with_replacement_characters(odd):
    blob = odd.run("hash-object", "-w", "--stdin", input=b"x\n")
    entries = b"".join(b"100644 blob %s\t%s\x00" % (blob.encode(), name) for name in (b"\xff\xfe.txt", b"ok.txt"))
    tree = subprocess.run(["git", "mktree", "-z"], cwd=odd.path, input=entries, capture_output=True,
                          check=True).stdout.decode().strip()
    sha = odd.run("commit-tree", tree, "-p", odd.root, "-m", "odd names")
    odd.set("refs/heads/main", sha)
    repo = odd.base.rsplit("/", 1)[0]
    detail = odd.client.get(f"{repo}/commits/{sha}")
    assert detail.status_code == 200
    assert sorted(f["filename"] for f in detail.json()["files"]) == ["ok.txt", "\ufffd\ufffd.txt"]
    listing = odd.client.get(f"{repo}/contents")
    assert listing.status_code == 200
    assert sorted((e["name"], e["path"]) for e in listing.json()) == [("ok.txt", "ok.txt"),
                                                                      ("\ufffd\ufffd.txt", "\ufffd\ufffd.txt")]
    assert odd.client.get(f"{repo}/contents/\ufffd\ufffd.txt").status_code == 404  # shown, not addressable
