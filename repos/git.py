"""The only module that runs `git` or touches pygit2 (DESIGN.md).

Repositories are bare git directories under KIZUNA_GIT_ROOT named by the row's id, so a rename is a
database change only. Every subprocess call has a timeout and passes user input only after `--` or
as validated refs.
"""

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
def resolve_ref(repo_id: int, ref: str) -> str | None:
    """The commit sha a branch name, tag name, full ref or (abbreviated) sha points to; None if unknown."""
    import pygit2

    repo = _open(repo_id)
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        if candidate.startswith("refs/") and candidate in repo.references:
            return str(repo.references[candidate].peel(pygit2.Commit).id)
    try:
        obj = repo.revparse_single(ref) if ref and not ref.startswith("-") else None
    except (KeyError, ValueError, pygit2.GitError):
        return None
    if obj is None:
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


# --- pull requests: diff stats, mergeability, merges ---------------------------------------------------
# Everything below is written for pulls/services.py. Merges are computed in memory with libgit2 and
# written into the object store (no working tree); the branch then moves with a compare-and-swap
# `git update-ref <ref> <new> <old>`, which fails if anyone moved it in between.
ZERO_SHA = "0" * 40


class MergeConflict(GitError):
    """The merge (or one step of a rebase) conflicts; the branch is not touched."""


def pull_branch_sha(repo_id: int, branch: str) -> str | None:
    """The commit a branch points to, or None if there is no such branch."""
    import pygit2

    repo = _open(repo_id)
    ref = f"refs/heads/{branch}"
    if ref not in repo.references:
        return None
    return str(repo.references[ref].peel(pygit2.Commit).id)


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


def pull_push_commits(repo_id: int, old: str, new: str) -> list[dict]:
    """The commits reachable from `new` but not from `old`, oldest first, as on_push wants them."""
    import pygit2
    from datetime import UTC, datetime

    repo = _open(repo_id)
    walker = repo.walk(new, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    if old and old != ZERO_SHA:
        walker.hide(old)
    out = []
    for commit in walker:
        date = datetime.fromtimestamp(commit.author.time, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append({"id": str(commit.id), "message": commit.message,
                    "author": {"name": commit.author.name, "email": commit.author.email, "date": date}})
    return out


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
