"""The same smart-HTTP view served by kizuna.asgi (uvicorn): async streaming, chunked request bodies."""

import os

import pytest

from kizuna.events.models import Event
from repos import git

pytestmark = pytest.mark.django_db(transaction=True)


def test_clone_push_and_refusal_over_asgi(world, make_repo, asgi_git_client, tmp_path, api):
    client = asgi_git_client
    repo = make_repo(world.org, "big", visibility="private", auto_init=True)
    work = tmp_path / "w"
    client.run("clone", "-q", client.url("w-org/big", world.tokens["reader"]), str(work))
    # 3 MB of incompressible data: above git's 1 MiB http.postBuffer, so the push body is chunked.
    (work / "blob.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    client.run("add", "blob.bin", cwd=work)
    client.run("commit", "-q", "-m", "big file", cwd=work)
    refused = client.run("push", client.url("w-org/big", world.tokens["reader"]), "HEAD:main", cwd=work, check=False)
    assert refused.returncode != 0 and "remote: kizuna:" in refused.stderr
    before = git.resolve_ref(repo.pk, "main")
    pushed = client.run("push", client.url("w-org/big", world.tokens["writer"]), "HEAD:main", cwd=work, check=False)
    assert pushed.returncode == 0, pushed.stderr
    after = git.resolve_ref(repo.pk, "main")
    assert after != before
    event = Event.objects.get(type="push", repository=repo)
    assert event.payload["after"] == after
    again = tmp_path / "again"
    client.run("clone", "-q", client.url("w-org/big", world.tokens["reader"]), str(again))
    assert (again / "blob.bin").read_bytes() == (work / "blob.bin").read_bytes()
    assert api(world.tokens["reader"]).get("/repos/w-org/big/commits").json()[0]["sha"] == after
