"""Stock `git clone/fetch/push` against a live Kizuna server (docs/api.md §7, §3, §10)."""

import base64
import gzip
import subprocess
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kizuna.accounts import services as account_services
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.models import Token
from kizuna.events.models import Event
from repos import git
from repos.models import Repository
from repos.smart_http.push import needs_pre_receive

pytestmark = pytest.mark.django_db(transaction=True)


def ref_sha(repo, ref):
    return git.resolve_ref(repo.pk, ref)


def push(client, workdir, url, refspec, *extra):
    return client.run("push", "--porcelain", *extra, url, refspec, cwd=workdir, check=False)


def output(proc):
    return proc.stdout + proc.stderr


@pytest.fixture
def seeded(world, make_repo, git_client, tmp_path):
    """A public and a private auto-initialised repository and a working copy with one new commit."""
    world.pub2 = make_repo(world.org, "Pub2", visibility="public", auto_init=True)
    world.priv2 = make_repo(world.org, "Priv2", visibility="private", auto_init=True)
    work = tmp_path / "work"
    git_client.run("clone", "-q", git_client.url("w-org/priv2", world.tokens["reader"]), str(work))
    git_client.commit(work, "src/app.py", "print('hi')\n", message="Add app")
    return world, work


def test_anonymous_clone_public_and_401_for_private(seeded, git_client, tmp_path):
    world, _ = seeded
    dest = tmp_path / "anon"
    git_client.run("clone", "-q", git_client.url("W-ORG/PUB2"), str(dest))  # names are case-insensitive
    assert (dest / "README.md").read_text().startswith("# Pub2")
    proc = git_client.run("clone", "-q", git_client.url("w-org/priv2"), str(tmp_path / "p"), check=False)
    assert proc.returncode != 0
    assert "could not read Username" in proc.stderr or "Authentication failed" in proc.stderr
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(git_client.base_url + "/w-org/priv2.git/info/refs?service=git-upload-pack")
    assert err.value.code == 401
    assert err.value.headers["WWW-Authenticate"] == 'Basic realm="kizuna"'
    # A missing repository looks exactly like a private one to anonymous callers.
    with pytest.raises(urllib.error.HTTPError) as err2:
        urllib.request.urlopen(git_client.base_url + "/w-org/nope.git/info/refs?service=git-upload-pack")
    assert err2.value.code == 401


def test_writer_pushes_and_rest_shows_history(seeded, git_client, api):
    world, work = seeded
    before = ref_sha(world.priv2, "main")
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), "HEAD:main")
    assert proc.returncode == 0, output(proc)
    after = ref_sha(world.priv2, "main")
    assert after != before
    world.priv2.refresh_from_db()
    assert world.priv2.pushed_at is not None
    event = Event.objects.filter(type="push", repository=world.priv2).get()
    assert event.payload["ref"] == "refs/heads/main"
    assert (event.payload["before"], event.payload["after"]) == (before, after)
    assert [c["message"].strip() for c in event.payload["commits"]] == ["Add app"]
    assert event.payload["commits"][0]["author"]["email"] == "tester@example.com"
    assert event.actor.login == "w-writer"

    reader = api(world.tokens["reader"])
    commits = reader.get("/repos/w-org/priv2/commits").json()
    assert [c["sha"] for c in commits][:1] == [after] and len(commits) == 2
    detail = reader.get(f"/repos/w-org/priv2/commits/{after}").json()
    assert detail["files"] == [{"filename": "src/app.py", "status": "added", "additions": 1, "deletions": 0}]
    content = reader.get("/repos/w-org/priv2/contents/src/app.py").json()
    assert base64.b64decode(content["content"]) == b"print('hi')\n"
    assert [b["name"] for b in reader.get("/repos/w-org/priv2/branches").json()] == ["main"]

    # A fetch from another clone sees it.
    other = work.parent / "other"
    git_client.run("clone", "-q", git_client.url("w-org/priv2", world.tokens["reader"]), str(other))
    git_client.commit(work, "b.txt", message="second")
    assert push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), "HEAD:main").returncode == 0
    git_client.run("fetch", "-q", "origin", cwd=other)
    assert git_client.run("rev-parse", "origin/main", cwd=other).stdout.strip() == ref_sha(world.priv2, "main")


def test_push_needing_no_check_runs_without_pre_receive_and_is_recorded(seeded, git_client):
    """A new branch under `allow`: git runs only the post-receive hook, and the push is recorded."""
    world, work = seeded
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), "HEAD:refs/heads/topic")
    assert proc.returncode == 0, output(proc)
    new = ref_sha(world.priv2, "refs/heads/topic")
    event = Event.objects.filter(type="push", repository=world.priv2).get()
    assert (event.payload["ref"], event.payload["before"], event.payload["after"]) == ("refs/heads/topic", git.ZERO_SHA, new)


@pytest.mark.parametrize("mode, old, new, needed", [
    ("allow", "a" * 40, "b" * 40, False),
    ("ff", "a" * 40, "b" * 40, True),
    ("ff", git.ZERO_SHA, "b" * 40, False),  # a creation: nothing to be an ancestor of
    ("ff", "a" * 40, git.ZERO_SHA, False),  # a deletion the rules let through
    ("deny", git.ZERO_SHA, "b" * 40, True),
    ("", "a" * 40, "b" * 40, True),
])
def test_pre_receive_runs_when_a_ref_needs_it(mode, old, new, needed):
    assert needs_pre_receive(mode, old, new) is needed


def test_anonymous_push_challenge_costs_no_query(seeded, client, django_assert_num_queries):
    """git sends its token only after a 401: that first round trip of every push touches no database,
    for a public, a private or a missing repository alike."""
    for path in ("w-org/pub2", "w-org/priv2", "w-org/nope"):
        with django_assert_num_queries(0):
            response = client.get(f"/{path}.git/info/refs?service=git-receive-pack")
        assert response.status_code == 401 and response["WWW-Authenticate"] == 'Basic realm="kizuna"'


def test_refused_pushes_say_why_and_write_nothing(seeded, git_client, make_user, make_token):
    world, work = seeded
    main = ref_sha(world.priv2, "main")
    objects_before = git.run_git(["count-objects", "-v"], cwd=git.repo_path(world.priv2.pk))

    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["reader"]), "HEAD:feature")
    assert proc.returncode != 0
    assert "remote: kizuna: This needs the 'write' role on w-org/Priv2" in output(proc)
    assert "[remote rejected]" in output(proc) or "remote rejected" in output(proc)
    assert ref_sha(world.priv2, "feature") is None

    # An outsider and a missing repository: git reports "not found".
    for name in ("w-org/priv2", "w-org/missing"):
        proc = push(git_client, work, git_client.url(name, world.tokens["outsider"]), "HEAD:main")
        assert proc.returncode != 0 and "not found" in proc.stderr.lower(), output(proc)
    # Anonymous push: 401, and git (unable to prompt) gives up.
    proc = push(git_client, work, git_client.url("w-org/pub2"), "HEAD:main")
    assert proc.returncode != 0

    # A revoked token is refused for clone and push alike.
    raw = make_token(world.writer)
    token = Token.objects.get(hint=raw[:8])
    account_services.token_revoke(token=token, actor=actor_for_user(world.writer))
    proc = push(git_client, work, git_client.url("w-org/priv2", raw), "HEAD:main")
    assert proc.returncode != 0 and "Authentication failed" in proc.stderr, output(proc)

    # Refs outside refs/heads and refs/tags are refused.
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), "HEAD:refs/pull/1/head")
    assert proc.returncode != 0 and "only branches" in output(proc)
    # Names git's client lets through but that are not valid branch names here.
    for bad in ("refs/heads/HEAD", "refs/tags/@"):
        proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), f"HEAD:{bad}")
        assert proc.returncode != 0 and "invalid ref name" in output(proc), output(proc)

    assert ref_sha(world.priv2, "main") == main
    assert git.run_git(["count-objects", "-v"], cwd=git.repo_path(world.priv2.pk)) == objects_before
    assert not Event.objects.filter(type="push").exists()


def test_default_branch_is_protected_from_force_push_and_deletion(seeded, git_client):
    world, work = seeded
    url = git_client.url("w-org/priv2", world.tokens["writer"])
    assert push(git_client, work, url, "HEAD:main").returncode == 0
    pushed = ref_sha(world.priv2, "main")
    git_client.run("reset", "-q", "--hard", "HEAD~1", cwd=work)
    git_client.commit(work, "other.txt", message="diverge")
    proc = push(git_client, work, url, "+HEAD:main")
    assert proc.returncode != 0
    assert "non-fast-forward pushes need the admin role" in output(proc)
    proc = push(git_client, work, url, ":main")
    assert proc.returncode != 0
    assert ref_sha(world.priv2, "main") == pushed
    # Other branches take force pushes and deletions from writers.
    assert push(git_client, work, url, "HEAD:topic").returncode == 0
    git_client.run("reset", "-q", "--hard", "HEAD~1", cwd=work)
    assert push(git_client, work, url, "+HEAD:topic").returncode == 0
    assert push(git_client, work, url, ":topic").returncode == 0
    assert ref_sha(world.priv2, "topic") is None
    # The repository admin may force-push the default branch.
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["admin"]), "+HEAD:main")
    assert proc.returncode == 0, output(proc)
    assert Event.objects.filter(type="push", payload__ref="refs/heads/topic").count() == 3


def test_deploy_tokens_read_and_write(seeded, git_client, make_token, tmp_path):
    world, work = seeded
    read = make_token(kind=Token.Kind.DEPLOY, repository=world.priv2, scopes=["read"])
    write = make_token(kind=Token.Kind.DEPLOY, repository=world.priv2, scopes=["read", "write"])
    other_repo = make_token(kind=Token.Kind.DEPLOY, repository=world.pub2, scopes=["read", "write"])
    git_client.run("clone", "-q", git_client.url("w-org/priv2", read), str(tmp_path / "d"))
    proc = push(git_client, work, git_client.url("w-org/priv2", read), "HEAD:feature")
    assert proc.returncode != 0 and "lacks the 'write' scope" in output(proc)
    proc = push(git_client, work, git_client.url("w-org/priv2", other_repo), "HEAD:feature")
    assert proc.returncode != 0 and "not found" in proc.stderr.lower()
    proc = push(git_client, work, git_client.url("w-org/priv2", write), "HEAD:main")
    assert proc.returncode == 0, output(proc)
    assert Event.objects.get(type="push").actor.type == "Deploy"


@pytest.mark.parametrize(
    "trust, allowed",
    [
        (0, set()),
        (1, {"agent"}),
        (2, {"agent", "feature"}),
        (4, {"agent", "feature", "main"}),
    ],
)
def test_git_push_trust_levels(seeded, git_client, make_agent, trust, allowed):
    """The git-push rows of the trust table (docs/api.md §10)."""
    world, work = seeded
    agent, raw = make_agent(world.writer, trust_level=trust)
    url = git_client.url("w-org/priv2", raw)
    targets = {"agent": f"agent/{agent.name}/fix", "feature": "feature/x", "main": "main"}
    local = git_client.run("rev-parse", "HEAD", cwd=work).stdout.strip()
    main_before = ref_sha(world.priv2, "main")
    for key, branch in targets.items():
        proc = push(git_client, work, url, f"HEAD:{branch}")
        assert (proc.returncode == 0) == (key in allowed), (key, output(proc))
        if key in allowed:
            assert ref_sha(world.priv2, branch) == local
        else:
            assert "remote: kizuna:" in output(proc)
            assert ref_sha(world.priv2, branch) == (main_before if key == "main" else None)
            if key == "feature" and trust == 1:
                assert f"agent/{agent.name}/" in output(proc)
            if trust == 0:
                assert "needs trust level" in output(proc) and "has 0" in output(proc)
    pushes = Event.objects.filter(type="push")
    assert pushes.count() == len(allowed)
    assert {e.actor.login for e in pushes} <= {agent.name}


def test_agent_operator_role_still_applies(seeded, git_client, make_agent):
    world, work = seeded
    agent, raw = make_agent(world.reader, trust_level=4)
    proc = push(git_client, work, git_client.url("w-org/priv2", raw), f"HEAD:agent/{agent.name}/x")
    assert proc.returncode != 0 and "'write' role" in output(proc)


def running_job_token(world, make_agent) -> str:
    """A job token as a claim makes it: its job running, held by a CI agent of a writer."""
    from kizuna.accounts.actors import actor_for_user
    from kizuna.accounts.services import token_create
    from pipelines.models import Job, Pipeline

    runner, _ = make_agent(world.writer, trust_level=2, capabilities=["ci"])
    pipeline = Pipeline.objects.create(repository=world.priv2, number=1, ref="main", sha="0" * 40, trigger="api",
                                       triggered_by=actor_for_user(world.writer), status="running")
    job = Job.objects.create(pipeline=pipeline, repository=world.priv2, name="t", status="running", agent=runner)
    token, raw = token_create(kind=Token.Kind.JOB, name="job", actor=None, repository=world.priv2, job_id=job.pk,
                              emit=False)
    Job.objects.filter(pk=job.pk).update(job_token=token)
    return raw


def test_suspended_agent_and_job_tokens(seeded, git_client, make_agent, make_token, tmp_path):
    world, work = seeded
    agent, raw = make_agent(world.writer, trust_level=4)
    agent.status = "suspended"
    agent.save(update_fields=["status"])
    proc = git_client.run("clone", "-q", git_client.url("w-org/priv2", raw), str(tmp_path / "s"), check=False)
    assert proc.returncode != 0 and "403" in proc.stderr
    job = running_job_token(world, make_agent)
    git_client.run("clone", "-q", git_client.url("w-org/priv2", job), str(tmp_path / "j"))
    proc = push(git_client, work, git_client.url("w-org/priv2", job), "HEAD:feature")
    assert proc.returncode != 0 and "remote: kizuna:" in output(proc)


def test_archived_repository_refuses_pushes(seeded, git_client):
    world, work = seeded
    Repository.objects.filter(pk=world.priv2.pk).update(archived=True)
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["admin"]), "HEAD:feature")
    assert proc.returncode != 0 and "archived" in output(proc)


def test_rename_keeps_repository_reachable(seeded, git_client, api, tmp_path):
    world, _ = seeded
    response = api(world.tokens["admin"]).patch("/repos/w-org/priv2", {"name": "renamed"})
    assert response.status_code == 200, response.json()
    git_client.run("clone", "-q", git_client.url("w-org/renamed", world.tokens["reader"]), str(tmp_path / "r"))
    assert (tmp_path / "r" / "README.md").exists()


def _pkt(data: bytes) -> bytes:
    return b"%04x" % (len(data) + 4) + data


def _post(url, body, headers):
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read()


def _basic(token):
    return "Basic " + base64.b64encode(f"x:{token}".encode()).decode()


def test_truncated_or_corrupt_pack_changes_nothing(seeded, git_client):
    world, work = seeded
    repo_dir = git.repo_path(world.priv2.pk)
    main = ref_sha(world.priv2, "main")
    new = git_client.run("rev-parse", "HEAD", cwd=work).stdout.strip()
    pack = subprocess.run(["git", "pack-objects", "--stdout", "--revs"], input=f"{new}\n^{main}\n".encode(),
                          cwd=work, capture_output=True, check=True).stdout
    objects_before = git.run_git(["count-objects", "-v"], cwd=repo_dir)
    url = git_client.base_url + "/w-org/priv2.git/git-receive-pack"
    headers = {"Authorization": _basic(world.tokens["writer"]),
               "Content-Type": "application/x-git-receive-pack-request"}
    commands = _pkt(f"{main} {new} refs/heads/main\x00 report-status\n".encode()) + b"0000"
    corrupt = bytearray(pack)
    corrupt[len(corrupt) // 2] ^= 0xFF
    for body in (commands + pack[: len(pack) // 2], commands + bytes(corrupt), commands[:10]):
        try:
            status, answer = _post(url, body, headers)
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, exc.read()
        assert status in (200, 400)
        if status == 200:
            assert b"unpack ok" not in answer
        assert ref_sha(world.priv2, "main") == main
        assert git.run_git(["count-objects", "-v"], cwd=repo_dir) == objects_before
    assert not Event.objects.filter(type="push").exists()
    # The same push, whole and gzip-encoded, goes through.
    status, answer = _post(url, gzip.compress(commands + pack), {**headers, "Content-Encoding": "gzip"})
    assert status == 200 and b"unpack ok" in answer and b"ok refs/heads/main" in answer
    assert ref_sha(world.priv2, "main") == new
    assert Event.objects.filter(type="push").count() == 1


def test_gzip_encoded_upload_pack_request(seeded, git_client):
    world, _ = seeded
    main = ref_sha(world.pub2, "main")
    body = _pkt(f"want {main}\n".encode()) + b"0000" + _pkt(b"done\n")
    status, answer = _post(git_client.base_url + "/w-org/pub2.git/git-upload-pack", gzip.compress(body),
                           {"Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "gzip"})
    assert status == 200
    assert answer.startswith(b"0008NAK\n") and b"PACK" in answer


def test_dumb_protocol_and_bad_methods_are_refused(seeded, git_client):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(git_client.base_url + "/w-org/pub2.git/info/refs")
    assert err.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(git_client.base_url + "/w-org/pub2.git/git-upload-pack")
    assert err.value.code == 405


@pytest.mark.parametrize("protocol", ["", "version=2"])
def test_ref_advertisement_is_framed_as_git_http_backend_frames_it(seeded, git_client, protocol):
    """Kizuna runs upload-pack itself (no `git http-backend`): the service line and flush-pkt precede
    the refs except under protocol v2, with http-backend's content type and no-cache headers."""
    world, _ = seeded
    request = urllib.request.Request(git_client.base_url + "/w-org/pub2.git/info/refs?service=git-upload-pack",
                                     headers={"Git-Protocol": protocol} if protocol else {})
    with urllib.request.urlopen(request) as response:
        body = response.read()
        assert response.headers["Content-Type"] == "application/x-git-upload-pack-advertisement"
        assert response.headers["Cache-Control"] == "no-cache, max-age=0, must-revalidate"
        assert response.headers["Pragma"] == "no-cache"
    if protocol:
        assert body.startswith(b"000eversion 2\n")
    else:
        assert body.startswith(b"001e# service=git-upload-pack\n0000")
        assert ref_sha(world.pub2, "main").encode() + b" HEAD\x00" in body


def test_rpc_with_another_content_type_is_415_as_git_http_backend(seeded, git_client):
    """git http-backend answered 415 to a POST whose Content-Type is not the service's request type;
    Kizuna keeps that: a browser form (text/plain, no preflight) cannot drive receive-pack with cached
    Basic credentials (a deletion needs no pack)."""
    world, _ = seeded
    main = ref_sha(world.priv2, "main")
    url = git_client.base_url + "/w-org/priv2.git/git-receive-pack"
    body = _pkt(f"{main} {'0' * 40} refs/heads/main\x00 report-status delete-refs\n".encode()) + b"0000"
    for content_type in ("text/plain", "application/x-git-upload-pack-request"):
        with pytest.raises(urllib.error.HTTPError) as err:
            _post(url, body, {"Authorization": _basic(world.tokens["writer"]), "Content-Type": content_type})
        assert err.value.code == 415
    assert ref_sha(world.priv2, "main") == main


@pytest.mark.parametrize("header, version", [("version=2", 2), ("version=1:version=2", 2), ("version=3", 0),
                                             ("version=2:version=3", 2), ("version=02", 0), ("", 0)])
def test_protocol_version_as_git_determines_it(header, version):
    """Only the versions git knows count (git ignores others): the advertisement's framing follows git's."""
    from repos.git.http_backend import protocol_version

    assert protocol_version(header) == version


def _pack_for(work, new, base):
    return subprocess.run(["git", "pack-objects", "--stdout", "--revs"], input=f"{new}\n^{base}\n".encode(),
                          cwd=work, capture_output=True, check=True).stdout


@pytest.fixture
def git_runs(monkeypatch):
    """Every git run the view starts, in order: `.run` (the HttpBackend), `.kwargs` (what it was started
    with), `.hooks` (the hooks its hooks directory holds) and `.push` (a receive-pack POST's run)."""
    runs = []
    real = git.HttpBackend

    def backend(**kwargs):
        hooks = sorted(p.name for p in kwargs["hooks_dir"].iterdir() if p.name != "README")
        run = real(**kwargs)
        runs.append(SimpleNamespace(run=run, kwargs=kwargs, hooks=hooks,
                                    push=kwargs["service"] == "receive-pack" and not kwargs["advertise"]))
        return run

    monkeypatch.setattr(git, "HttpBackend", backend)
    return runs


def test_push_updates_come_from_git_report_without_post_receive(seeded, git_client, git_runs):
    """git's client asks for a report: receive-pack runs no post-receive hook, the view reads the updated
    refs off the report; a push that deletes keeps the hook (git reports a deletion of a missing ref `ok`
    without feeding it to post-receive). The default branch's fast-forward needs no pre-receive either:
    its pack shows the new commit's parent is the old tip."""
    world, work = seeded
    url = git_client.url("w-org/priv2", world.tokens["writer"])
    assert push(git_client, work, url, "HEAD:main").returncode == 0  # a fast-forward of the default branch
    assert push(git_client, work, url, "HEAD:topic").returncode == 0  # a new branch: nothing to check
    assert push(git_client, work, url, ":topic").returncode == 0
    assert [r.hooks for r in git_runs if r.push] == [[], [], ["post-receive"]]
    pushes = Event.objects.filter(type="push").order_by("pk")
    assert [(e.payload["ref"], e.payload["after"]) for e in pushes] == [
        ("refs/heads/main", ref_sha(world.priv2, "main")), ("refs/heads/topic", ref_sha(world.priv2, "main")),
        ("refs/heads/topic", git.ZERO_SHA)]


def test_push_without_report_is_recorded_from_post_receive(seeded, git_client):
    world, work = seeded
    main = ref_sha(world.priv2, "main")
    new = git_client.run("rev-parse", "HEAD", cwd=work).stdout.strip()
    body = _pkt(f"{main} {new} refs/heads/main\n".encode()) + b"0000" + _pack_for(work, new, main)
    status, answer = _post(git_client.base_url + "/w-org/priv2.git/git-receive-pack", body,
                           {"Authorization": _basic(world.tokens["writer"]),
                            "Content-Type": "application/x-git-receive-pack-request"})
    assert status == 200 and answer == b""  # git sends no report to a client that asked for none
    assert ref_sha(world.priv2, "main") == new
    event = Event.objects.get(type="push")
    assert (event.payload["before"], event.payload["after"]) == (main, new)


def _post_main_push(seeded, git_client, client, capabilities):
    """(response, new tip): the working copy's commit pushed onto `main` with the Django test client, as
    the writer, asking for `capabilities`; the response's body not read."""
    world, work = seeded
    main = ref_sha(world.priv2, "main")
    new = git_client.run("rev-parse", "HEAD", cwd=work).stdout.strip()
    body = (_pkt(f"{main} {new} refs/heads/main\x00 {capabilities}\n".encode()) + b"0000"
            + _pack_for(work, new, main))
    response = client.generic("POST", "/w-org/priv2.git/git-receive-pack", body,
                              content_type="application/x-git-receive-pack-request",
                              HTTP_AUTHORIZATION=_basic(world.tokens["writer"]))
    return response, new


@pytest.mark.parametrize("capabilities", ["report-status side-band-64k", "report-status-v2"])
def test_push_event_exists_before_the_response_ends(seeded, git_client, client, capabilities):
    """The view records the push as soon as git's report passes, while git finishes (gc --auto): a
    client whose `git push` has returned finds the event, its webhooks and pipelines already there."""
    world, _ = seeded
    response, new = _post_main_push(seeded, git_client, client, capabilities)
    assert response.status_code == 200
    seen = b""
    chunks = iter(response.streaming_content)
    while b"ok refs/heads/main" not in seen:
        seen += next(chunks)
    assert Event.objects.filter(type="push", payload__after=new).count() == 1
    seen += b"".join(chunks)
    response.close()
    assert ref_sha(world.priv2, "main") == new
    assert Event.objects.filter(type="push").count() == 1


def test_a_push_whose_answer_is_never_read_is_still_finished_and_recorded(seeded, git_client, client, git_runs):
    """The response is closed without a byte of its body read (a middleware answering instead, a client
    gone before the first byte): git is waited for, the push it made is recorded, nothing is left."""
    world, _ = seeded
    response, new = _post_main_push(seeded, git_client, client, "report-status side-band-64k")
    assert response.status_code == 200
    response.close()
    assert ref_sha(world.priv2, "main") == new
    assert Event.objects.filter(type="push", payload__after=new).count() == 1
    assert len(git_runs) == 1 and git_runs[0].run.proc.returncode == 0 and git_runs[0].run.proc.stdout.closed


def test_bad_token_shapes_cost_no_query_and_start_no_git(seeded, client, django_assert_num_queries, git_runs):
    """A token's shape and checksum are checked before any query (docs/api.md §3), also where git would
    start early (a public repository's advertisement)."""
    for service in ("git-upload-pack", "git-receive-pack"):
        for raw in ("x", "kzp_" + "A" * 36, "Bearer-ish"):
            with django_assert_num_queries(0):
                response = client.get(f"/w-org/pub2.git/info/refs?service={service}", HTTP_AUTHORIZATION=_basic(raw))
            assert response.status_code == 401
    assert git_runs == []


@pytest.mark.parametrize("path", [
    "/w-org/pub2.git/info/refs", "/w-org/pub2/git-upload-pack", "/w-org/pub2.git/git-receive-pack",
    "/admin/auth/info/refs", "/api/v1/info/refs", "/api/v1/repos/w-org/pub2", "/w-org/pub2.git/info/refs\n",
    "/w-org/pub2.git/info/refs/", "/w-org/x/pub2.git/info/refs", "/admin/", "/login",
])
def test_the_git_middleware_takes_exactly_the_paths_the_resolver_routes_to_git(path):
    from django.urls import Resolver404, resolve

    from repos.smart_http.middleware import _match

    class Request:
        path_info = path

    try:
        routed = resolve(path).url_name == "git-http"
    except Resolver404:
        routed = False
    assert (_match(Request()) is not None) is routed


def test_fast_forward_rule_runs_pre_receive_unless_the_pack_proves_it(seeded, git_client, git_runs):
    """`ff` (the default branch for writers): a pack whose commits lead from the old tip to the new one
    needs no hook; a fast-forward to a commit the repository already has (an empty pack) runs the hook,
    which lets it through; a force push runs it and is refused, nothing written."""
    world, work = seeded
    url = git_client.url("w-org/priv2", world.tokens["writer"])
    base = ref_sha(world.priv2, "main")
    git_client.commit(work, "two.txt", message="two")
    assert push(git_client, work, url, "HEAD:topic").returncode == 0  # `allow`: no hook
    assert push(git_client, work, url, "HEAD:main").returncode == 0  # objects already there: the hook checks
    assert ref_sha(world.priv2, "main") == ref_sha(world.priv2, "topic")
    git_client.commit(work, "three.txt", message="three")
    assert push(git_client, work, url, "HEAD:main").returncode == 0  # proven by its pack
    tip = ref_sha(world.priv2, "main")
    git_client.run("reset", "-q", "--hard", base, cwd=work)
    git_client.commit(work, "other.txt", message="diverge")
    objects = git.run_git(["count-objects", "-v"], cwd=git.repo_path(world.priv2.pk))
    proc = push(git_client, work, url, "+HEAD:main")
    assert proc.returncode != 0 and "non-fast-forward pushes need the admin role" in output(proc)
    assert ref_sha(world.priv2, "main") == tip
    assert git.run_git(["count-objects", "-v"], cwd=git.repo_path(world.priv2.pk)) == objects
    assert ["pre-receive" in r.hooks for r in git_runs if r.push] == [False, True, False, True]


def test_git_starts_before_the_rules_and_again_with_the_hook_for_a_refusal(seeded, git_client, git_runs):
    """receive-pack is started while the push's rules are read, and fed only after them: a refusal the
    pack could not foretell (a new branch the reader may not create) starts it again with the hook;
    the first run was fed nothing, wrote nothing and is gone. An allowed push starts it once."""
    world, work = seeded
    objects = git.run_git(["count-objects", "-v"], cwd=git.repo_path(world.priv2.pk))
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["reader"]), "HEAD:feature")
    assert proc.returncode != 0 and "needs the 'write' role" in output(proc)
    started = [r for r in git_runs if r.push]
    assert [("pre-receive" in r.hooks, r.kwargs["body_chunks"]) for r in started] == [(False, None), (True, None)]
    first, second = started[0].run, started[1].run
    assert first.proc.returncode is not None and first.proc.stdin.closed  # killed before it read a byte
    assert second.proc.returncode is not None
    assert git.run_git(["count-objects", "-v"], cwd=git.repo_path(world.priv2.pk)) == objects
    git_runs.clear()
    assert push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), "HEAD:feature").returncode == 0
    assert ["pre-receive" in r.hooks for r in git_runs if r.push] == [False]
    # A forced update the rules allow (a writer's feature branch): the pack cannot show a fast-forward,
    # so git is first started with the hook; the rules need none, so it runs again without.
    git_client.run("commit", "-q", "--amend", "-m", "amended", cwd=work)
    git_runs.clear()
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), "+HEAD:feature")
    assert proc.returncode == 0, output(proc)
    started = [r for r in git_runs if r.push]
    assert ["pre-receive" in r.hooks for r in started] == [True, False]
    assert started[0].run.proc.returncode is not None


def test_an_advertisement_started_before_the_token_is_checked_is_not_sent_for_a_bad_one(seeded, client, git_runs):
    """A public repository's receive-pack advertisement: git starts while the token is looked up; a
    revoked token still gets its 401, with nothing of git's output, and that git run is closed."""
    world, _ = seeded
    raw = world.tokens["writer"]
    response = client.get("/w-org/pub2.git/info/refs?service=git-receive-pack", HTTP_AUTHORIZATION=_basic(raw))
    assert response.status_code == 200 and len(git_runs) == 1
    assert b"refs/heads/main" in b"".join(response.streaming_content)
    response.close()
    Token.objects.filter(hint=raw[:8]).update(revoked_at=timezone.now())
    response = client.get("/w-org/pub2.git/info/refs?service=git-receive-pack", HTTP_AUTHORIZATION=_basic(raw))
    assert response.status_code == 401 and b"refs/heads" not in response.content
    assert len(git_runs) == 2 and git_runs[1].run.proc.returncode is not None and git_runs[1].run.proc.stdout.closed
    # A private repository's advertisement waits for the token: nothing is started for a bad one.
    response = client.get("/w-org/priv2.git/info/refs?service=git-receive-pack", HTTP_AUTHORIZATION=_basic(raw))
    assert response.status_code == 401 and len(git_runs) == 2


def test_push_of_a_commit_in_an_encoding_python_lacks_is_recorded(seeded, git_client):
    """A commit whose `encoding` header names no codec Python has (pygit2 raises reading its text): the push
    is still recorded, with its message read as UTF-8 (repos.git.push_commits)."""
    world, work = seeded
    tree = git_client.run("rev-parse", "HEAD^{tree}", cwd=work).stdout.strip()
    parent = git_client.run("rev-parse", "HEAD", cwd=work).stdout.strip()
    body = (f"tree {tree}\nparent {parent}\nauthor Odd <odd@example.com> 1700000000 +0000\n"
            f"committer Odd <odd@example.com> 1700000000 +0000\nencoding x-unheard-of\n\nodd caf\u00e9\n").encode()
    odd = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], input=body, cwd=work,
                         env=git_client.env, capture_output=True, check=True).stdout.decode().strip()
    before = ref_sha(world.priv2, "main")
    proc = push(git_client, work, git_client.url("w-org/priv2", world.tokens["writer"]), f"{odd}:refs/heads/main")
    assert proc.returncode == 0, output(proc)
    event = Event.objects.get(type="push", repository=world.priv2)
    assert (event.payload["before"], event.payload["after"]) == (before, odd)
    assert [(c["id"], c["message"]) for c in event.payload["commits"]] == [(parent, "Add app\n"), (odd, "odd caf\u00e9\n")]


def test_a_ref_name_that_is_not_utf8_is_refused(seeded, git_client, api):
    """git takes any bytes in a ref name; Kizuna reads its names as text, so a name that is not UTF-8
    is an invalid ref name: the push is refused and writes nothing (the branch list stays readable)."""
    world, work = seeded
    url = git_client.url("w-org/priv2", world.tokens["writer"])
    for ref in (b"refs/heads/b\xff", b"refs/tags/t\xc3"):
        proc = subprocess.run(["git", "push", "--porcelain", url, b"HEAD:" + ref], cwd=work, env=git_client.env,
                              capture_output=True, timeout=120)
        said = (proc.stdout + proc.stderr).decode(errors="replace")
        assert proc.returncode != 0 and "invalid ref name" in said, said
    assert git.run_git(["for-each-ref"], cwd=git.repo_path(world.priv2.pk)).count(b"\n") == 1  # main only
    branches = api(world.tokens["writer"]).get("/repos/w-org/priv2/branches")
    assert branches.status_code == 200 and [b["name"] for b in branches.json()] == ["main"]
    assert not Event.objects.filter(type="push").exists()


def test_a_tag_on_a_tree_starts_no_pipeline(seeded, git_client):
    """git lets a client push a tag that points at a tree; its `.kizuna/pipeline.yml` is no commit's and
    starts nothing (a tag on a commit does)."""
    from pipelines.models import Pipeline

    world, work = seeded
    git_client.commit(work, ".kizuna/pipeline.yml", "on: push\njobs:\n  t:\n    steps: [{run: 'true'}]\n", message="ci")
    tree = git_client.run("rev-parse", "HEAD^{tree}", cwd=work).stdout.strip()
    head = git_client.run("rev-parse", "HEAD", cwd=work).stdout.strip()
    url = git_client.url("w-org/priv2", world.tokens["writer"])
    proc = push(git_client, work, url, f"{tree}:refs/tags/on-tree")
    assert proc.returncode == 0, output(proc)
    assert not Pipeline.objects.exists()
    proc = push(git_client, work, url, "HEAD:refs/tags/on-commit")
    assert proc.returncode == 0, output(proc)
    assert list(Pipeline.objects.values_list("ref", "sha")) == [("on-commit", head)]
