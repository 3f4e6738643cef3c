"""Branches, tags and HEAD: resolving what a caller names to a commit, listing branches, moving refs."""

import re

from ..refs import is_valid_branch_name
from .commands import GitError, run_git
from .store import open_repository, repo_path

ZERO_SHA = "0" * 40

# A caller names a branch, a tag, a full ref or a sha (docs/api.md §7, §11), never a revision expression
# (`main~1`, `main^`, `main@{0}`, `:/text` — which searches every commit message — or `main:path`).
# None of these characters can appear in a ref name (git check-ref-format) or a sha.
_REVISION_SYNTAX_RE = re.compile(r"[~^:?*\[\\\s\x00-\x1f\x7f]|\.\.|@\{")
_SHA_PREFIX_RE = re.compile(r"[0-9a-fA-F]{4,40}\Z")


def is_zero(sha: str) -> bool:
    return not sha.strip("0")


def has_commits(repo_id: int) -> bool:
    return any(True for _ in open_repository(repo_id).branches.local)


def branch_exists(repo_id: int, branch: str) -> bool:
    repo = open_repository(repo_id)
    return f"refs/heads/{branch}" in repo.references


def set_head(repo_id: int, branch: str) -> None:
    repo = open_repository(repo_id)
    repo.references.create("HEAD", f"refs/heads/{branch}", force=True)


def resolve_ref(repo_id: int, ref: str) -> str | None:
    """The commit sha a branch name, tag name, full ref or (abbreviated) sha points to; None if unknown,
    and for anything else (revision expressions, options, over-long names): it is not a ref."""
    import pygit2

    if not isinstance(ref, str) or not ref or len(ref) > 255 or ref.startswith("-") or _REVISION_SYNTAX_RE.search(ref):
        return None
    repo = open_repository(repo_id)
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        if candidate.startswith("refs/") and candidate in repo.references:
            try:  # a pushed tag may point at a tree or a blob: no commit, an unknown ref
                return str(repo.references[candidate].peel(pygit2.Commit).id)
            except (ValueError, pygit2.GitError):
                return None
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


def list_branches(repo_id: int) -> list[tuple[str, str]]:
    """[(branch name, commit sha)] sorted by name."""
    import pygit2

    repo = open_repository(repo_id)
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

    if not is_valid_branch_name(branch):
        return None
    repo = open_repository(repo_id)
    ref = f"refs/heads/{branch}"
    if ref not in repo.references:
        return None
    try:
        return str(repo.references[ref].peel(pygit2.Commit).id)
    except (ValueError, pygit2.GitError):
        return None


def update_ref_cas(repo_id: int, ref: str, new: str, old: str) -> bool:
    """Move `ref` from `old` to `new` atomically; False (nothing changed) if it no longer points at `old`.

    A merge moves its base branch this way (`git update-ref <ref> <new> <old>`), so a push in between
    makes it fail instead of being overwritten."""
    try:
        run_git(["update-ref", "-m", "kizuna merge", ref, new, old], cwd=repo_path(repo_id))
    except GitError:
        return False
    return True
