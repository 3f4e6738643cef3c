"""A pushed blob may be as large as the push. Reading one (pygit2's `repo.get`) holds all of it in memory,
so what only needs a size reads the object's header, and content is read only within the reader's
limit: the contents API (a listing's sizes, a file over KIZUNA_CONTENTS_MAX_BYTES), the pipeline
definition (256 KiB) and CODEOWNERS (128 KiB) never load a large file (docs/api.md §7, §11, §16)."""

import resource
import subprocess

import pytest

from .test_push_commits import Bare

pytestmark = pytest.mark.django_db

BIG = 300 * 1024 * 1024  # zeros: a few hundred KiB in the object store, 300 MiB once read


def peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux


@pytest.fixture
def big(world, make_repo, api):
    bare = Bare(make_repo(world.org, "big", visibility="public"))
    blob = subprocess.run(f"head -c {BIG} /dev/zero | git hash-object -w --stdin", shell=True, cwd=bare.path,
                          capture_output=True, check=True).stdout.decode().strip()
    small = bare.run("hash-object", "-w", "--stdin", input=b"ok\n")
    kizuna = bare.run("mktree", input=f"100644 blob {blob}\tpipeline.yml\n100644 blob {blob}\tCODEOWNERS\n".encode())
    bare.tree = bare.run("mktree", input=(f"100644 blob {blob}\tbig.bin\n100644 blob {small}\tsmall.txt\n"
                                          f"120000 blob {blob}\tlink\n040000 tree {kizuna}\t.kizuna\n").encode())
    bare.set("refs/heads/main", bare.commit("big files"))
    bare.client, bare.base = api(world.tokens["admin"]), f"/repos/{world.org.login}/big"
    return bare


def test_large_files_are_sized_not_read(big):
    before = peak_mib()
    listing = big.client.get(f"{big.base}/contents")
    assert listing.status_code == 200
    assert {e["name"]: (e["type"], e["size"]) for e in listing.json()} == {
        "big.bin": ("file", BIG), "small.txt": ("file", 3), "link": ("symlink", BIG), ".kizuna": ("dir", 0)}
    for path in ("big.bin", "link"):
        response = big.client.get(f"{big.base}/contents/{path}")
        assert response.status_code == 422 and f"is {BIG} bytes" in response.json()["error"]["details"]["path"][0]
    assert big.client.get(f"{big.base}/contents/small.txt").json()["content"] == "b2sK"

    trigger = big.client.post(f"{big.base}/pipelines", {"ref": "main"})
    assert trigger.status_code == 422
    assert trigger.json()["error"]["details"]["definition"] == [".kizuna/pipeline.yml: larger than 262144 bytes"]

    from pulls import codeowners

    owners = codeowners.read(big.repo.pk, big.run("rev-parse", "main"))
    assert owners.rules == [] and "larger than" in owners.errors[0]["message"]
    assert peak_mib() - before < 100, f"peak memory grew by {peak_mib() - before} MiB"


TEXT = 40 * 1024 * 1024  # "a\n" lines: a line diff of it held ~2.6 GB


def test_a_large_text_file_counts_no_lines_and_is_not_read(world, make_repo, api):
    bare = Bare(make_repo(world.org, "lines", visibility="public"))
    root = bare.commit("root")
    lines = {}
    for name, letter in (("old", "a"), ("new", "b")):
        lines[name] = subprocess.run(f"yes {letter} | head -c {TEXT} | git hash-object -w --stdin", shell=True,
                                     cwd=bare.path, capture_output=True, check=True).stdout.decode().strip()
    small = bare.run("hash-object", "-w", "--stdin", input=b"one\ntwo\n")
    bare.tree = bare.run("mktree", input=f"100644 blob {lines['old']}\tbig.txt\n".encode())
    base = bare.commit("big text", root)
    bare.set("refs/heads/main", base)
    # big.txt replaced by another large file under a new name, and a small file added
    bare.tree = bare.run("mktree", input=f"100644 blob {lines['new']}\tmoved.txt\n100644 blob {small}\tsmall.txt\n".encode())
    head = bare.commit("replace it", base)
    bare.set("refs/heads/feature", head)
    client, repo = api(world.tokens["admin"]), f"/repos/{world.org.login}/lines"

    before = peak_mib()
    detail = client.get(f"{repo}/commits/{base}")
    assert detail.status_code == 200
    assert detail.json()["files"] == [{"filename": "big.txt", "status": "added", "additions": 0, "deletions": 0}]
    detail = client.get(f"{repo}/commits/{head}")
    assert detail.status_code == 200
    assert sorted((f["filename"], f["status"], f["additions"], f["deletions"]) for f in detail.json()["files"]) == [
        ("big.txt", "removed", 0, 0), ("moved.txt", "added", 0, 0), ("small.txt", "added", 2, 0)]
    assert detail.json()["stats"] == {"additions": 2, "deletions": 0, "total": 2}
    pr = client.post(f"{repo}/pulls", {"title": "big", "head": "feature", "base": "main"})
    assert pr.status_code == 201, pr.content[:300]
    assert (pr.json()["additions"], pr.json()["deletions"], pr.json()["changed_files"]) == (2, 0, 3)
    assert peak_mib() - before < 100, f"peak memory grew by {peak_mib() - before} MiB"


def test_a_directory_listing_stops_at_1000_entries(world, make_repo, api):
    bare = Bare(make_repo(world.org, "wide", visibility="public"))
    blob = bare.run("hash-object", "-w", "--stdin", input=b"x\n")
    entries = b"".join(b"100644 blob %s\tf%05d\x00" % (blob.encode(), i) for i in range(1500))
    tree = subprocess.run(["git", "mktree", "-z"], cwd=bare.path, input=entries,
                          capture_output=True, check=True).stdout.decode().strip()
    bare.tree = tree
    bare.set("refs/heads/main", bare.commit("wide"))
    listing = api(world.tokens["reader"]).get(f"/repos/{world.org.login}/wide/contents")
    assert listing.status_code == 200
    assert [e["name"] for e in listing.json()] == [f"f{i:05d}" for i in range(1000)]
