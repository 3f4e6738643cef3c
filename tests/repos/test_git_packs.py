"""repos.git.proven_fast_forwards: which pushed ref updates the pack's leading commits prove to be
fast-forwards (so the pre-receive hook need not run `git merge-base` for them), and nothing from
anything else."""

import os
import random
import subprocess
import zlib

import pytest

from repos.git import packs, proven_fast_forwards

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
       "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com",
       "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@example.com"}


def git(work, *args, input=None) -> bytes:
    return subprocess.run(["git", *args], cwd=work, env=ENV, input=input, capture_output=True, check=True).stdout


@pytest.fixture
def history(tmp_path):
    """main: c1 - c2 - c3 - merge(c3, s); side: c2 - s. Commit messages alike, so commits deltify."""
    work = tmp_path / "w"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    text = "a long and repetitive commit message line that pack-objects will deltify\n" * 20

    def commit(name):
        (work / name).write_text(name)
        git(work, "add", name)
        git(work, "commit", "-q", "-m", f"{name}\n\n{text}")
        return git(work, "rev-parse", "HEAD").decode().strip()

    ids = {name: commit(name) for name in ("c1", "c2", "c3")}
    git(work, "checkout", "-q", "-b", "side", ids["c2"])
    ids["s"] = commit("s")
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--no-edit", "side")
    ids["merge"] = git(work, "rev-parse", "HEAD").decode().strip()
    return work, ids


def pack(work, new, old, *options):
    """What `git push` sends for new ^old."""
    return git(work, "pack-objects", "--all-progress-implied", "--revs", "--stdout", "--thin", "-q", *options,
               input=f"{new}\n^{old}\n".encode())


def kinds(data):
    """The pack's object types in order (1 commit, 6 ofs-delta, 7 ref-delta, ...)."""
    out, pos = [], 12
    for _ in range(int.from_bytes(data[8:12], "big")):
        byte = data[pos]
        out.append((byte >> 4) & 7)
        pos += 1
        while byte & 0x80:
            byte = data[pos]
            pos += 1
        if out[-1] == 6:
            while data[pos] & 0x80:
                pos += 1
            pos += 1
        elif out[-1] == 7:
            pos += 20
        inflate = zlib.decompressobj()
        inflate.decompress(data[pos:])
        pos = len(data) - len(inflate.unused_data)
    return out


@pytest.mark.parametrize("delta_base", [["--delta-base-offset"], []])
@pytest.mark.parametrize("old", ["c1", "c2", "c3", "s"])
def test_a_push_of_commits_on_top_of_the_old_tip_is_proven(history, old, delta_base):
    work, ids = history
    data = pack(work, ids["merge"], ids[old], *delta_base)
    update = (ids[old], ids["merge"])
    assert proven_fast_forwards(data, [update]) == {update}
    assert proven_fast_forwards(data, [(ids[old].upper(), ids["merge"].upper())]) == {
        (ids[old].upper(), ids["merge"].upper())}


def test_deltified_commits_are_read_through_their_bases(history):
    work, ids = history
    for delta_base, delta in ((["--delta-base-offset"], 6), ([], 7)):
        data = pack(work, ids["merge"], ids["c1"], *delta_base)
        assert delta in kinds(data)[:4]  # the fixture's commits do deltify
        assert len(packs._commits_at_front(data)) == 4


def test_nothing_else_is_proven(history):
    work, ids = history
    data = pack(work, ids["merge"], ids["c2"])
    assert proven_fast_forwards(data, [(ids["c3"], ids["s"])]) == set()  # s does not descend from c3
    assert proven_fast_forwards(data, [(ids["merge"], ids["c3"])]) == set()  # backwards
    assert proven_fast_forwards(data, [(ids["c1"], ids["c2"])]) == set()  # c2 is not in this pack
    # A fast-forward through history the repository already has: not seen here, left to the hook.
    assert proven_fast_forwards(data, [(ids["c1"], ids["merge"])]) == set()
    assert proven_fast_forwards(b"", [(ids["c2"], ids["merge"])]) == set()
    assert proven_fast_forwards(data, []) == set()


def test_a_damaged_or_cut_pack_proves_nothing_and_never_raises(history):
    work, ids = history
    data = pack(work, ids["merge"], ids["c1"])
    update = (ids["c1"], ids["merge"])
    front = len(data) - 1
    while proven_fast_forwards(data[:front], [update]):
        front -= 1
    assert front > 12  # the proof needs the commits only, not the trees and blobs after them
    rnd = random.Random(22)
    for _ in range(3000):
        damaged = bytearray(data[:front + 1])
        for _ in range(rnd.randint(1, 4)):
            damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        proven_fast_forwards(bytes(damaged), [update])  # a changed commit byte changes its id: no proof
    for junk in (b"PACK", b"PACK\x00\x00\x00\x02\xff\xff\xff\xff" + b"\xff" * 64, os.urandom(4096),
                 b"PACK\x00\x00\x00\x02\x00\x00\x00\x01\x9f" + b"\xff" * 20):
        assert proven_fast_forwards(junk, [update]) == set()


def test_a_commit_larger_than_the_bound_is_not_read(history, monkeypatch):
    work, ids = history
    data = pack(work, ids["merge"], ids["c3"])
    monkeypatch.setattr(packs, "PACK_MAX_COMMIT_BYTES", 100)
    assert proven_fast_forwards(data, [(ids["c3"], ids["merge"])]) == set()
