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
