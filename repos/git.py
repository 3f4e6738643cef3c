"""The only module that runs `git` or touches pygit2 (docs/architecture.md).

Repositories are bare git directories under KIZUNA_GIT_ROOT named by the row's id, so a rename is a
database change only. Every subprocess call has a timeout and passes user input only after `--` or
as validated refs.
"""

import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

GIT_TIMEOUT_SECONDS = 60


class GitError(Exception):
    pass


def repo_path(repo_id: int) -> Path:
    return Path(settings.KIZUNA_GIT_ROOT) / f"{repo_id}.git"


def run_git(args: list[str], *, cwd: Path | None = None, input: bytes | None = None, timeout: int = GIT_TIMEOUT_SECONDS, env: dict | None = None) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} timed out") from exc
    if proc.returncode != 0:
        raise GitError(proc.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return proc.stdout


def init_bare(repo_id: int, default_branch: str) -> Path:
    path = repo_path(repo_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():  # a leftover of a failed earlier attempt with a recycled id
        shutil.rmtree(path)
    run_git(["init", "--bare", "--quiet", f"--initial-branch={default_branch}", "--", str(path)])
    run_git(["config", "http.receivepack", "true"], cwd=path)
    return path


def delete(repo_id: int) -> None:
    shutil.rmtree(repo_path(repo_id), ignore_errors=True)


def _open(repo_id: int):
    import pygit2

    return pygit2.Repository(str(repo_path(repo_id)))


def _signature(name: str, email: str):
    import pygit2

    return pygit2.Signature(name, email)


def committer_signature():
    return _signature(settings.KIZUNA_GIT_COMMITTER_NAME, settings.KIZUNA_GIT_COMMITTER_EMAIL)


def commit_initial_readme(repo_id: int, *, branch: str, repo_name: str, description: str, actor) -> str:
    """`auto_init`: one commit with a README on `branch`, written straight into the object store."""
    import pygit2

    repo = _open(repo_id)
    text = f"# {repo_name}\n\n{description}\n" if description else f"# {repo_name}\n"
    blob = repo.create_blob(text.encode())
    builder = repo.TreeBuilder()
    builder.insert("README.md", blob, pygit2.enums.FileMode.BLOB)
    tree = builder.write()
    email = f"{actor.login}@users.noreply.kizuna"
    author = _signature(actor.login, email)
    oid = repo.create_commit(f"refs/heads/{branch}", author, committer_signature(), "Initial commit", tree, [])
    return str(oid)


def has_commits(repo_id: int) -> bool:
    return any(True for _ in _open(repo_id).branches.local)


def branch_exists(repo_id: int, branch: str) -> bool:
    repo = _open(repo_id)
    return f"refs/heads/{branch}" in repo.references


def set_head(repo_id: int, branch: str) -> None:
    repo = _open(repo_id)
    repo.references.create("HEAD", f"refs/heads/{branch}", force=True)


# --- reading (used by REST read endpoints, pull requests and pipelines) -------------------------------
# A caller names a branch, a tag, a full ref or a sha (docs/api.md §7, §11), never a revision expression
# (`main~1`, `main^`, `main@{0}`, `:/text` — which searches every commit message — or `main:path`).
# None of these characters can appear in a ref name (git check-ref-format) or a sha.
_REVISION_SYNTAX_RE = re.compile(r"[~^:?*\[\\\s\x00-\x1f\x7f]|\.\.|@\{")
_SHA_PREFIX_RE = re.compile(r"[0-9a-fA-F]{4,40}\Z")


def resolve_ref(repo_id: int, ref: str) -> str | None:
    """The commit sha a branch name, tag name, full ref or (abbreviated) sha points to; None if unknown,
    and for anything else (revision expressions, options, over-long names): it is not a ref."""
    import pygit2

    if not isinstance(ref, str) or not ref or len(ref) > 255 or ref.startswith("-") or _REVISION_SYNTAX_RE.search(ref):
        return None
    repo = _open(repo_id)
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        if candidate.startswith("refs/") and candidate in repo.references:
            return str(repo.references[candidate].peel(pygit2.Commit).id)
    if not _SHA_PREFIX_RE.match(ref):
        return None
    try:
        obj = repo.revparse_single(ref)
    except (KeyError, ValueError, pygit2.GitError):
        return None
    try:
        return str(obj.peel(pygit2.Commit).id)
    except (ValueError, pygit2.GitError):
        return None


def read_blob_at(repo_id: int, sha: str, path: str) -> bytes | None:
    """The content of `path` in commit `sha`, or None if there is no such file."""
    import pygit2

    repo = _open(repo_id)
    try:
        tree = repo.get(sha).peel(pygit2.Tree)
        entry = tree[path]
    except (KeyError, ValueError, AttributeError, pygit2.GitError):
        return None
    obj = repo.get(entry.id)
    return obj.data if isinstance(obj, pygit2.Blob) else None


ZERO_SHA = "0" * 40
COMMIT_FILES_LIMIT = 3000


def is_zero(sha: str) -> bool:
    return not sha.strip("0")


def _commit_dict(commit) -> dict:
    from datetime import datetime, timedelta, timezone as dt_timezone

    def person(sig):
        when = datetime.fromtimestamp(sig.time, tz=dt_timezone(timedelta(minutes=sig.offset)))
        return {"name": sig.name, "email": sig.email, "date": when.astimezone(dt_timezone.utc)}

    return {
        "sha": str(commit.id),
        "message": commit.message,
        "author": person(commit.author),
        "committer": person(commit.committer),
        "parents": [str(p) for p in commit.parent_ids],
    }


def list_branches(repo_id: int) -> list[tuple[str, str]]:
    """[(branch name, commit sha)] sorted by name."""
    import pygit2

    repo = _open(repo_id)
    out = []
    for name in repo.branches.local:
        try:
            sha = str(repo.branches.local[name].peel(pygit2.Commit).id)
        except (ValueError, KeyError, pygit2.GitError):
            continue
        out.append((name, sha))
    out.sort()
    return out


def branch_sha(repo_id: int, branch: str) -> str | None:
    import pygit2

    from .refs import is_valid_branch_name

    if not is_valid_branch_name(branch):
        return None
    repo = _open(repo_id)
    ref = f"refs/heads/{branch}"
    if ref not in repo.references:
        return None
    try:
        return str(repo.references[ref].peel(pygit2.Commit).id)
    except (ValueError, pygit2.GitError):
        return None


def _safe_path(path: str) -> str:
    """A repository-relative path, or ValueError for absolute paths, `..`, and control characters."""
    if path.startswith("/") or "\\" in path or "\x00" in path:
        raise ValueError("must be a relative path")
    parts = [p for p in path.split("/") if p not in ("",)]
    if any(p in (".", "..") for p in parts):
        raise ValueError("must not contain '.' or '..' components")
    return "/".join(parts)


def rev_list(repo_id: int, sha: str, *, path: str = "", skip: int = 0, limit: int = 30) -> list[str]:
    """Commit shas reachable from `sha` (a full 40-hex sha), newest first, with an optional path filter.

    `git rev-list --skip --max-count` stops after `skip + limit` commits: page 1 never walks the history.
    """
    args = ["rev-list", f"--skip={int(skip)}", f"--max-count={int(limit)}", "--end-of-options", sha]
    if path:
        args += ["--", _safe_path(path)]
    out = run_git(args, cwd=repo_path(repo_id))
    return out.decode().split()


def count_commits(repo_id: int, sha: str, *, path: str = "", limit: int = 10001) -> int:
    args = ["rev-list", "--count", f"--max-count={int(limit)}", "--end-of-options", sha]
    if path:
        args += ["--", _safe_path(path)]
    return int(run_git(args, cwd=repo_path(repo_id)).strip() or 0)


def commits_info(repo_id: int, shas: list[str]) -> list[dict]:
    repo = _open(repo_id)
    return [_commit_dict(repo.get(sha)) for sha in shas]


def commit_detail(repo_id: int, sha: str) -> dict | None:
    """One commit with `files: [{filename, status, additions, deletions}]` against its first parent."""
    import pygit2

    repo = _open(repo_id)
    try:
        commit = repo.get(sha)
        commit = commit.peel(pygit2.Commit) if commit is not None else None
    except (ValueError, pygit2.GitError):
        commit = None
    if commit is None:
        return None
    data = _commit_dict(commit)
    if commit.parents:
        diff = repo.diff(commit.parents[0].tree, commit.tree)
    else:
        diff = commit.tree.diff_to_tree(swap=True)
    diff.find_similar()
    status_names = {
        pygit2.enums.DeltaStatus.ADDED: "added",
        pygit2.enums.DeltaStatus.DELETED: "removed",
        pygit2.enums.DeltaStatus.MODIFIED: "modified",
        pygit2.enums.DeltaStatus.RENAMED: "renamed",
        pygit2.enums.DeltaStatus.COPIED: "copied",
        pygit2.enums.DeltaStatus.TYPECHANGE: "changed",
    }
    files = []
    stats_add = stats_del = 0
    for index, patch in enumerate(diff):
        if index >= COMMIT_FILES_LIMIT:
            break
        delta = patch.delta
        _, additions, deletions = patch.line_stats
        stats_add += additions
        stats_del += deletions
        entry = {
            "filename": delta.new_file.path if delta.status != pygit2.enums.DeltaStatus.DELETED else delta.old_file.path,
            "status": status_names.get(delta.status, "changed"),
            "additions": additions,
            "deletions": deletions,
        }
        if delta.status == pygit2.enums.DeltaStatus.RENAMED:
            entry["previous_filename"] = delta.old_file.path
        files.append(entry)
    data["stats"] = {"additions": stats_add, "deletions": stats_del, "total": stats_add + stats_del}
    data["files"] = files
    return data


class PathNotFound(Exception):
    pass


def read_path(repo_id: int, sha: str, path: str, *, max_bytes: int) -> dict:
    """A file `{type: "file", name, path, sha, size, data|None}` (data None when over max_bytes) or a
    directory `{type: "dir", entries: [{type, name, path, sha, size}]}` at `path` in commit `sha`."""
    import pygit2

    path = _safe_path(path)
    repo = _open(repo_id)
    tree = repo.get(sha).peel(pygit2.Tree)
    if path:
        try:
            entry = tree[path]
        except KeyError:
            raise PathNotFound(path) from None
        obj = repo.get(entry.id)
    else:
        entry, obj = None, tree
    if isinstance(obj, pygit2.Tree):
        entries = []
        for child in obj:
            kind = {pygit2.enums.FileMode.TREE: "dir", pygit2.enums.FileMode.LINK: "symlink",
                    pygit2.enums.FileMode.COMMIT: "submodule"}.get(child.filemode, "file")
            size = 0
            if kind in ("file", "symlink"):
                size = repo.get(child.id).size
            entries.append({"type": kind, "name": child.name, "path": f"{path}/{child.name}" if path else child.name,
                            "sha": str(child.id), "size": size})
        return {"type": "dir", "path": path, "sha": str(obj.id), "entries": entries}
    if not isinstance(obj, pygit2.Blob):  # a submodule entry
        raise PathNotFound(path)
    kind = "symlink" if entry.filemode == pygit2.enums.FileMode.LINK else "file"
    return {"type": kind, "name": entry.name, "path": path, "sha": str(obj.id), "size": obj.size,
            "data": obj.data if obj.size <= max_bytes else None}


def push_commits(repo_id: int, *, ref: str, before: str, after: str, limit: int = 2048) -> list[dict]:
    """The commits a ref update brought to `ref`, oldest first: `[{id, message, author{name,email,date}}]`.

    A new branch lists the commits not reachable from any other branch; a deletion lists none.
    """
    import pygit2

    if is_zero(after):
        return []
    repo = _open(repo_id)
    try:
        tip = repo.get(after).peel(pygit2.Commit)
    except (ValueError, AttributeError, pygit2.GitError):
        return []
    walker = repo.walk(tip.id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.TIME)
    if not is_zero(before):
        try:
            walker.hide(repo.get(before).peel(pygit2.Commit).id)
        except (ValueError, AttributeError, KeyError, pygit2.GitError):
            pass
    else:
        for name in repo.references:
            if name != ref and name.startswith("refs/heads/"):
                try:
                    walker.hide(repo.references[name].peel(pygit2.Commit).id)
                except (ValueError, pygit2.GitError):
                    pass
    out = []
    for commit in walker:
        if len(out) >= limit:
            break
        info = _commit_dict(commit)
        date = info["author"]["date"].isoformat().replace("+00:00", "Z")
        out.append({"id": info["sha"], "message": info["message"],
                    "author": {"name": info["author"]["name"], "email": info["author"]["email"], "date": date}})
    out.reverse()
    return out


# --- smart HTTP (git http-backend as a CGI) --------------------------------------------------------------
HOOKS_DIR = Path(__file__).resolve().parent / "git_hooks"
HTTP_BACKEND_TIMEOUT_SECONDS = 3600
CHUNK = 64 * 1024


class HttpBackend:
    """One `git http-backend` run: the request body is copied to its stdin by a thread while the caller
    reads the CGI headers and then streams the body from stdout. A watchdog kills it after `timeout`."""

    def __init__(self, *, repo_id: int, service_path: str, method: str, query: str, content_type: str,
                 body_chunks, remote_user: str = "", remote_addr: str = "", git_protocol: str = "",
                 allow_push: bool = False, push_policy_file: str = "", push_log_file: str = "",
                 timeout: int = HTTP_BACKEND_TIMEOUT_SECONDS):
        import os
        import tempfile
        import threading

        config = [("core.hooksPath", str(HOOKS_DIR)), ("receive.fsckObjects", "true"),
                  ("http.receivepack", "true" if allow_push else "false"), ("http.getanyfile", "false"),
                  ("uploadpack.allowFilter", "true")]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(Path(settings.KIZUNA_GIT_ROOT).resolve()),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "PATH_INFO": f"/{repo_id}.git/{service_path}",
            "REQUEST_METHOD": method,
            "QUERY_STRING": query,
            "CONTENT_TYPE": content_type,
            "REMOTE_USER": remote_user,
            "REMOTE_ADDR": remote_addr,
            "GIT_CONFIG_COUNT": str(len(config)),
            "KIZUNA_PUSH_POLICY": push_policy_file,
            "KIZUNA_PUSH_LOG": push_log_file,
        }
        for i, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        if git_protocol:
            env["GIT_PROTOCOL"] = git_protocol
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(["git", "http-backend"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env, cwd=str(repo_path(repo_id)))
        self.timed_out = False
        self.write_error: BaseException | None = None
        self._watchdog = threading.Timer(timeout, self._kill)
        self._watchdog.daemon = True
        self._watchdog.start()
        self._writer = threading.Thread(target=self._feed, args=(body_chunks,), daemon=True)
        self._writer.start()

    def _kill(self):
        self.timed_out = True
        try:
            self.proc.kill()
        except OSError:
            pass

    def _feed(self, chunks):
        try:
            for chunk in chunks:
                if chunk:
                    self.proc.stdin.write(chunk)
        except BrokenPipeError:
            pass
        except BaseException as exc:  # a broken client stream (e.g. bad gzip): git sees a truncated body
            self.write_error = exc
        finally:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def read_headers(self) -> tuple[int, list[tuple[str, str]]]:
        """Parse the CGI header block: (status, [(name, value)])."""
        raw = b""
        while b"\r\n\r\n" not in raw and b"\n\n" not in raw:
            chunk = self.proc.stdout.readline()
            if not chunk:
                break
            raw += chunk
            if chunk in (b"\r\n", b"\n"):
                break
        status, headers = 200, []
        for line in raw.decode("latin-1").splitlines():
            if not line.strip():
                continue
            name, _, value = line.partition(":")
            if name.lower() == "status":
                try:
                    status = int(value.strip().split()[0])
                except (ValueError, IndexError):
                    status = 500
            else:
                headers.append((name.strip(), value.strip()))
        if not raw:
            status = 500
        return status, headers

    def read(self) -> bytes:
        return self.proc.stdout.read1(CHUNK)

    def finish(self) -> int:
        """Drain stdout, wait for the process; its exit code."""
        try:
            while self.proc.stdout.read1(CHUNK):
                pass
        except (OSError, ValueError):
            pass
        self._writer.join(timeout=HTTP_BACKEND_TIMEOUT_SECONDS)
        try:
            code = self.proc.wait(timeout=HTTP_BACKEND_TIMEOUT_SECONDS)
        finally:
            self._watchdog.cancel()
        return code

    def error_output(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def close(self):
        self._watchdog.cancel()
        if self.proc.poll() is None:
            self._kill()
            self.proc.wait(timeout=10)
        for stream in (self.proc.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass


# --- pull requests: diff stats, mergeability, merges ---------------------------------------------------
# Everything below is written for pulls/services.py. Merges are computed in memory with libgit2 and
# written into the object store (no working tree); the branch then moves with a compare-and-swap
# `git update-ref <ref> <new> <old>`, which fails if anyone moved it in between.


class MergeConflict(GitError):
    """The merge (or one step of a rebase) conflicts; the branch is not touched."""


def pull_compare(repo_id: int, base_sha: str, head_sha: str) -> dict:
    """`commits` ahead of the base and the diff stats of head against the merge base (as GitHub shows)."""
    repo = _open(repo_id)
    base, head = repo.get(base_sha), repo.get(head_sha)
    merge_base = repo.merge_base(base.id, head.id)
    ahead, _behind = repo.ahead_behind(head.id, base.id)
    if merge_base is None:  # unrelated histories: everything in head is new
        diff = head.tree.diff_to_tree(swap=True)
    else:
        diff = repo.diff(repo.get(merge_base).tree, head.tree)
    stats = diff.stats
    return {
        "commits": ahead,
        "additions": stats.insertions,
        "deletions": stats.deletions,
        "changed_files": stats.files_changed,
        "merge_base": str(merge_base) if merge_base is not None else None,
    }


def pull_changed_paths(repo_id: int, base_sha: str, head_sha: str, *, limit: int = COMMIT_FILES_LIMIT) -> list[str]:
    """The paths head changes against its merge base with base (a rename gives both names), at most
    `limit` of them (code owners, docs/api.md §16)."""
    repo = _open(repo_id)
    head = repo.get(head_sha)
    merge_base = repo.merge_base(repo.get(base_sha).id, head.id)
    diff = head.tree.diff_to_tree(swap=True) if merge_base is None else repo.diff(repo.get(merge_base).tree, head.tree)
    paths: list[str] = []
    seen = set()
    for delta in diff.deltas:
        for path in (delta.old_file.path, delta.new_file.path):
            if path and path not in seen:
                seen.add(path)
                paths.append(path)
                if len(paths) >= limit:
                    return paths
    return paths


def pull_mergeable(repo_id: int, base_sha: str, head_sha: str) -> bool:
    """Whether head merges cleanly into base (a three-way merge in memory; no ref changes)."""
    repo = _open(repo_id)
    if repo.merge_base(base_sha, head_sha) is None:
        return False
    index = repo.merge_commits(base_sha, head_sha)
    return index.conflicts is None


def _signature_of(sig):
    import pygit2

    return pygit2.Signature(sig.name, sig.email, sig.time, sig.offset)


def _pull_commits(repo, base_sha: str, head_sha: str) -> list:
    """The head's commits not on the base, oldest first (merge commits dropped, as `git rebase` does)."""
    import pygit2

    walker = repo.walk(head_sha, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    walker.hide(base_sha)
    return list(walker)


def pull_merge_commit(repo_id: int, *, method: str, base_sha: str, head_sha: str, message: str,
                      merger: tuple[str, str]) -> str:
    """Write the result of merging head into base with `method` and return the new tip's sha.

    merge: one commit with parents [base, head], authored by the merger. squash: one commit with the PR's
    changes on top of base, authored by the head commit's author (other authors become Co-authored-by
    trailers). rebase: every head commit replayed on base with an explicit-ancestor three-way merge,
    keeping its author and message. The committer is KIZUNA_GIT_COMMITTER_*. Raises MergeConflict before
    any ref moves; no ref is written here (see update_ref_cas).
    """
    repo = _open(repo_id)
    committer = committer_signature()
    if repo.merge_base(base_sha, head_sha) is None:
        raise MergeConflict("the branches have no common history")
    if method in ("merge", "squash"):
        index = repo.merge_commits(base_sha, head_sha)
        if index.conflicts is not None:
            raise MergeConflict("merge conflict")
        tree = index.write_tree(repo)
        if method == "merge":
            author = _signature(*merger)
            return str(repo.create_commit(None, author, committer, message, tree, [base_sha, head_sha]))
        commits = _pull_commits(repo, base_sha, head_sha)
        head = repo.get(head_sha)
        author = _signature_of(head.author)
        co_authors = []
        for commit in commits:
            pair = (commit.author.name, commit.author.email)
            if pair != (author.name, author.email) and pair not in co_authors:
                co_authors.append(pair)
        if co_authors:
            message = message.rstrip("\n") + "\n\n" + "\n".join(f"Co-authored-by: {n} <{e}>" for n, e in co_authors) + "\n"
        return str(repo.create_commit(None, author, committer, message, tree, [base_sha]))
    if method == "rebase":
        tip = repo.get(base_sha)
        for commit in _pull_commits(repo, base_sha, head_sha):
            if len(commit.parents) > 1:
                continue
            ancestor = commit.parents[0].tree if commit.parents else None
            index = repo.merge_trees(ancestor, tip.tree, commit.tree) if ancestor is not None else None
            if index is None or index.conflicts is not None:
                raise MergeConflict(f"conflict replaying {commit.id}")
            tree = index.write_tree(repo)
            if tree == tip.tree.id:  # the change is already on the base: drop it, as git rebase does
                continue
            oid = repo.create_commit(None, _signature_of(commit.author), committer, commit.message, tree, [tip.id])
            tip = repo.get(oid)
        return str(tip.id)
    raise ValueError(f"unknown merge method {method!r}")


def update_ref_cas(repo_id: int, ref: str, new: str, old: str) -> bool:
    """Move `ref` from `old` to `new` atomically; False (nothing changed) if it no longer points at `old`."""
    try:
        run_git(["update-ref", "-m", "kizuna merge", ref, new, old], cwd=repo_path(repo_id))
    except GitError:
        return False
    return True
