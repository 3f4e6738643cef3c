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


def test_clone_push_and_static_files_print_no_sync_iterator_warning(world, make_repo, asgi_git_client,
                                                                    asgi_git_server, tmp_path):
    """The quiet console of `make run`: Django warns when an ASGI response body is a synchronous
    iterator; neither git smart HTTP nor the static files (admin, API browser) give one."""
    import urllib.request
    import warnings

    client = asgi_git_client
    make_repo(world.org, "quiet", visibility="private", auto_init=True)
    work = tmp_path / "q"
    with warnings.catch_warnings(record=True) as caught:  # the server's threads are in this process
        warnings.simplefilter("always")
        client.run("clone", "-q", client.url("w-org/quiet", world.tokens["writer"]), str(work))
        (work / "f.txt").write_text("hi\n")
        client.run("add", "f.txt", cwd=work)
        client.run("commit", "-q", "-m", "f", cwd=work)
        client.run("push", "-q", client.url("w-org/quiet", world.tokens["writer"]), "HEAD:main", cwd=work)
        with urllib.request.urlopen(asgi_git_server.url + "/static/admin/css/base.css", timeout=30) as response:
            assert response.status == 200 and response.read()
    assert [str(w.message) for w in caught if "synchronous iterators" in str(w.message)] == []
