"""Git's smart HTTP protocol at `<server>/<org>/<repo>.git/…` (docs/api.md §7, §3, §10).

git does the protocol (`git upload-pack` / `git receive-pack --stateless-rpc`, run directly as
`git http-backend` would run them: repos/git/http_backend.py); this view authenticates (Basic auth,
token as the password), applies the permission rules, streams the request body into git and git's answer back out, and
after a push calls `repos.services.on_push` once per updated ref.

Push rules are decided here, per ref, before git sees the pack: the receive-pack command list (the
pkt-lines before the pack) is parsed from the body, each ref gets `allow`, `ff` (fast-forward only) or
`deny <reason>`, and git's `pre-receive` hook (hooks/ beside this module) enforces that: if any ref is refused the
whole push is, each ref shows `! [remote rejected]`, the reasons come as `remote:` lines. Packs are
received into git's quarantine, so a refused or corrupt push leaves no objects behind. A push with
nothing to check (every ref `allow`, an `ff` ref being created or deleted, or an `ff` update whose pack
shows it is a fast-forward) runs without the hook. The refs git updated are read off its report as it
streams past, and recorded before the response ends (push.py).

git is started while the database answers, never fed or heard before it has: a public repository's
advertisement starts before the caller's token is looked up (it is anyone's to read; a malformed token
is refused before any of it, an unknown one still gets its 401 and that git run is killed), a push's
receive-pack before its rules are read (it gets the pack after them). Its start (exec, configuration)
took about as long as either.
"""

import base64
import binascii
import functools
import logging
import re
import zlib

from asgiref.sync import sync_to_async
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

from kizuna import policy
from kizuna.accounts import tokens as token_format
from kizuna.api.authentication import lookup_token
from kizuna.api.client_address import client_ip

from .. import git
from ..models import Repository
from .body import PktReader, UnsupportedEncoding, body_chunks, read_commands
from .push import (
    PushFiles,
    PushRecorder,
    hooks_dir,
    may_need_pre_receive,
    ref_rules,
    shown_fast_forwards,
)

logger = logging.getLogger("kizuna.git")

REALM = 'Basic realm="kizuna"'
SERVICES = {"git-upload-pack", "git-receive-pack"}
_GIT_PROTOCOL = re.compile(r"^[A-Za-z0-9=:._ -]{0,200}$")


class GitHttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _text(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = REALM
    return response


# --- credentials ------------------------------------------------------------------------------------------
def presented_token(request) -> str | None:
    """The token from Basic auth (any user name, the token as password) or a Bearer header; None without
    credentials; GitHttpError(401) for a header that holds none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    raw = ""
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise GitHttpError(401, "Bad credentials") from None
        user, _, password = decoded.partition(":")
        raw = password or user  # the token as password; a token given as the user name works too
    elif scheme.lower() == "bearer":
        raw = value.strip()
    if not raw or token_format.parse_kind(raw) is None:  # shape and checksum, before any query
        raise GitHttpError(401, "Bad credentials")
    return raw


def authenticate(raw: str | None):
    """(principal, token) for a presented token, (None, None) for none; GitHttpError(401) for a bad one,
    403 for a suspended agent's."""
    if raw is None:
        return None, None
    try:
        return lookup_token(raw)
    except exceptions.AuthenticationFailed:
        raise GitHttpError(401, "Bad credentials") from None
    except exceptions.APIException as exc:  # a suspended agent
        raise GitHttpError(403, str(exc.detail)) from None


def find_repository(org: str, name: str):
    return Repository.objects.by_path(org, name)


def _service_of(request, path_service: str) -> str:
    if path_service == "info/refs":
        service = request.GET.get("service", "")
        if service not in SERVICES:
            raise GitHttpError(403, "Only the smart HTTP protocol is supported (git ≥ 1.6.6)")
        return service
    return path_service


@csrf_exempt
def git_http(request, org: str, repo: str, service: str):
    try:
        return _git_http(request, org, repo, service)
    except GitHttpError as exc:
        return _text(exc.status, exc.message)


def _git_http(request, org: str, repo_name: str, path_service: str):
    rpc = _service_of(request, path_service)
    is_info = path_service == "info/refs"
    if (is_info and request.method != "GET") or (not is_info and request.method != "POST"):
        return _text(405, "Method not allowed")
    raw = presented_token(request)
    push = rpc == "git-receive-pack"
    if push and raw is None:
        # The answer is 401 whether the repository exists or not, so the challenge every push starts
        # with (git sends its token only after one) costs no query and no database connection.
        raise GitHttpError(401, "Authentication required")
    service = rpc[len("git-"):]
    protocol = request.META.get("HTTP_GIT_PROTOCOL", "")
    protocol = protocol if _GIT_PROTOCOL.match(protocol) else ""
    repo = find_repository(org, repo_name)
    started = None
    if is_info and raw is not None and repo is not None and policy.can_read(None, repo) \
            and git.repo_path(repo.pk).is_dir():
        # An advertisement anyone may read: git starts on it while the caller's token is looked up, and
        # nothing it writes is sent before that lookup has answered (a bad token still gets its 401).
        started = _start(repo, service, advertise=True, protocol=protocol, request=request)
    try:
        principal, token = authenticate(raw)
        anonymous = principal is None
        if repo is None or not policy.can_read(principal, repo):
            if anonymous:
                raise GitHttpError(401, "Authentication required")
            raise GitHttpError(404, "Repository not found")
        if not git.repo_path(repo.pk).is_dir():
            logger.error("repository %s has no git directory", repo.pk)
            raise GitHttpError(404, "Repository not found")
        if not is_info and request.META.get("CONTENT_TYPE", "") != f"application/x-{rpc}-request":
            # As git http-backend: a form (text/plain, sent cross-site without a preflight) is no git client.
            raise GitHttpError(415, "Unsupported Media Type")
        try:
            chunks = body_chunks(request) if not is_info else iter(())
        except UnsupportedEncoding as exc:
            raise GitHttpError(415, str(exc)) from None
        files = recorder = None
        if push and not is_info:
            backend, files, recorder = _start_push(request, repo, principal, token, chunks, protocol)
        elif started is not None:
            backend, started = started, None
        else:
            backend = _start(repo, service, advertise=is_info, protocol=protocol, request=request,
                             principal=principal, body=chunks)
    finally:
        if started is not None:  # the caller may not read it
            started.close()
    preamble = git.advertisement_preamble(service, protocol) if is_info else b""

    finished = False

    def after():  # once, from the body's end or from the response's close(), whichever comes first
        nonlocal finished
        if finished:
            return
        finished = True
        try:
            code = backend.finish()
            if code != 0 or backend.timed_out:
                logger.warning("git %s exited %s for repo %s: %s", service, code, repo.pk, backend.error_output())
            if recorder is not None:
                recorder.record()  # if the report did not come while streaming, or from the log
        finally:
            backend.close()
            _cleanup(files)

    if _is_async(request):
        async def stream():
            import asyncio

            try:
                if preamble:
                    yield preamble
                while True:
                    chunk = await asyncio.to_thread(backend.read)
                    if not chunk:
                        break
                    if recorder is not None and recorder.ready():
                        await sync_to_async(recorder.record, thread_sensitive=True)()
                    yield chunk
            finally:
                try:
                    await sync_to_async(after, thread_sensitive=True)()
                except BaseException:  # cancelled mid-way: never leave git running
                    backend.close()
                    _cleanup(files)
                    raise

        content = stream()
    else:
        def stream():
            try:
                if preamble:
                    yield preamble
                while True:
                    chunk = backend.read()
                    if not chunk:
                        break
                    if recorder is not None and recorder.ready():
                        recorder.record()  # git is done with the refs: record while it finishes
                    yield chunk
            finally:
                after()

        content = stream()
    body = (_AsyncBody if _is_async(request) else _SyncBody)(content, after)
    response = StreamingHttpResponse(body, content_type=git.content_type(service, advertise=is_info))
    for name, value in git.NO_CACHE_HEADERS:
        response[name] = value
    return response


def _start(repo, service: str, *, advertise: bool, protocol: str, request, principal=None, body=None,
           check: bool = False, files=None, recorder=None):
    """`git <service>` for this request; without `body`, waiting for it (HttpBackend.feed)."""
    return git.HttpBackend(
        repo_id=repo.pk,
        service=service,
        advertise=advertise,
        body_chunks=body,
        remote_user=getattr(principal, "login", "") or getattr(principal, "name", "") or "",
        remote_addr=client_ip(request) or "",
        git_protocol=protocol,
        hooks_dir=hooks_dir(check=check, log=recorder is not None and recorder.uses_log),
        push_policy_file=files.policy_path if files is not None else "",
        push_log_file=files.log_path if files is not None else "",
        observer=recorder.observe if recorder is not None else None,
    )


def _start_push(request, repo, principal, token, chunks, protocol: str):
    """(backend, files, recorder) for a push: `git receive-pack` running with the pack fed to it.

    git starts before the rules are read (exec and configuration take it about as long as the rules'
    queries), and is fed the pack only after them. Whether its pre-receive hook is needed is guessed
    first: an update the pack's front does not show to be a fast-forward may need the hook's check. When
    the rules say otherwise (a refusal the guess could not foresee, or a forced update they allow) git
    starts again with the hooks they call for: the first run has read nothing."""
    reader = PktReader(chunks)
    try:
        commands, capabilities = read_commands(reader)
    except (ValueError, zlib.error) as exc:
        raise GitHttpError(400, f"Bad receive-pack request: {exc}") from None
    recorder = PushRecorder(repo=repo, principal=principal, commands=commands, capabilities=capabilities)
    proven = shown_fast_forwards(commands, reader)
    check = may_need_pre_receive(commands, proven)
    backend, files = None, PushFiles(check=check, log=recorder.uses_log)
    try:
        recorder.log_path = files.log_path
        start = functools.partial(_start, repo, "receive-pack", advertise=False, protocol=protocol, request=request,
                                  principal=principal, recorder=recorder)
        backend = start(check=check, files=files)
        rules, needed = ref_rules(repo=repo, principal=principal, token=token, commands=commands, proven=proven)
        if needed != check:  # the guess was wrong either way: git again, with the hooks the rules call for
            backend.close()
            files.close()
            check, files = needed, PushFiles(check=needed, log=recorder.uses_log)
            recorder.log_path = files.log_path
            backend = start(check=needed, files=files)
        if check:
            files.write_rules(rules)
        backend.feed(reader.replay())
    except BaseException:
        if backend is not None:
            backend.close()
        files.close()
        raise
    return backend, files, recorder


class _Body:
    """A response body that finishes its git run when the response is closed, also if it was never
    read (a middleware answering instead, a client gone before the first byte): git is waited for or
    killed, its files removed, and a push git reported is recorded. Django calls `close()` of a
    streaming body that has one when the response closes (WSGI and ASGI alike)."""

    def __init__(self, chunks, finish):
        self.chunks, self.finish = chunks, finish

    def close(self):
        try:
            if hasattr(self.chunks, "close"):  # a started generator runs its own `finally` (finish) here
                self.chunks.close()
        finally:
            self.finish()


class _SyncBody(_Body):
    def __iter__(self):
        return self.chunks


class _AsyncBody(_Body):
    def __aiter__(self):
        return self.chunks


def _is_async(request) -> bool:
    from django.core.handlers.asgi import ASGIRequest

    return isinstance(request, ASGIRequest)


def _cleanup(files):
    if files is not None:
        files.close()


__all__ = ["git_http"]
