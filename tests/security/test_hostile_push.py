"""git push with hostile content and hostile protocol bodies (issue 17): the lowest-trust agent pushing
the alias-bomb pipeline file to its own branch, and malformed receive-pack requests. Nothing answers
500, no pipeline starts, and the server (in this process) grows by less than 50 MB."""

import gzip
import tracemalloc
import urllib.error

import pytest

from pipelines.models import Pipeline
from repos import git

from ..repos.test_git_http import _basic, _pkt, _post, output, push
from .test_bounded import alias_bomb

pytestmark = pytest.mark.django_db(transaction=True)
MB = 1024 * 1024


@pytest.fixture
def clone(world, make_repo, make_agent, git_client, tmp_path):
    world.repo = make_repo(world.org, "bombed", visibility="public", auto_init=True)
    world.agent, world.agent_token = make_agent(world.writer, trust_level=1)
    work = tmp_path / "work"
    git_client.run("clone", "-q", git_client.url("w-org/bombed", world.agent_token), str(work))
    return world, work


def peak_during(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_lowest_trust_agent_pushes_an_alias_bomb(clone, git_client):
    world, work = clone
    bomb = alias_bomb(7).replace("on: [*a6]", "on: [push, *a6]")
    git_client.commit(work, ".kizuna/pipeline.yml", bomb, message="bomb")
    branch = f"agent/{world.agent.name}/bomb"
    proc, peak = peak_during(lambda: push(git_client, work, git_client.url("w-org/bombed", world.agent_token),
                                          f"HEAD:{branch}"))
    assert proc.returncode == 0, output(proc)  # the push itself is allowed
    assert git.resolve_ref(world.repo.pk, branch)
    assert not Pipeline.objects.exists()
    assert peak < 50 * MB, f"{peak / MB:.0f} MB"


def test_malformed_receive_pack_bodies(clone, git_client):
    world, _ = clone
    url = git_client.base_url + "/w-org/bombed.git/git-receive-pack"
    headers = {"Authorization": _basic(world.tokens["writer"]), "Content-Type": "application/x-git-receive-pack-request"}
    main = git.resolve_ref(world.repo.pk, "main")
    bodies = {
        "bad length": b"zzzz" + b"x" * 100,
        "huge length": b"ffff" + b"x" * 10,
        "nul ref": _pkt(f"{main} {main} refs/heads/a\x00b\x00 report-status\n".encode()) + b"0000",
        "surrogate bytes ref": _pkt(f"{main} {main} refs/heads/".encode() + b"\xed\xa0\x80\n") + b"0000",
        "many commands": b"".join(_pkt(f"{'0' * 40} {main} refs/heads/b{i}\n".encode()) for i in range(2000)) + b"0000",
        "gzip bomb": gzip.compress(b"0000" * (16 * MB // 4)),
    }
    for label, body in bodies.items():
        extra = {"Content-Encoding": "gzip"} if label == "gzip bomb" else {}

        def send(body=body, extra=extra):
            try:
                return _post(url, body, {**headers, **extra})[0]
            except urllib.error.HTTPError as exc:
                return exc.code

        status, peak = peak_during(send)
        assert status < 500, label
        assert peak < 50 * MB, (label, f"{peak / MB:.0f} MB")
    assert git.resolve_ref(world.repo.pk, "main") == main
