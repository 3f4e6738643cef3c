"""Pull request merges (for pulls/services/merge.py): computed in memory with libgit2 and written into the
object store, no working tree. No ref moves here: the branch then moves with `refs.update_ref_cas`,
which fails if anyone moved it in between."""

from .commands import GitError
from .commits import decoded
from .diff import DIFF_MAX_BYTES, too_large
from .store import committer_signature, open_repository, signature


class MergeConflict(GitError):
    """The merge (or one step of a rebase) conflicts; the branch is not touched."""


def _both_change_a_large_file(repo, ancestor, base_sha: str, head_sha: str) -> bool:
    """Whether a file that both sides change is over DIFF_MAX_BYTES on either: merging its lines holds many
    times its size in memory. Such a merge counts as a conflict (merge it with git). Read from the trees'
    deltas and the blobs' headers only."""
    common = repo.get(ancestor).tree
    ours = {d.new_file.path: d for d in repo.diff(common, repo.get(base_sha).tree).deltas}
    return any(d.new_file.path in ours and (too_large(repo, d) or too_large(repo, ours[d.new_file.path]))
               for d in repo.diff(common, repo.get(head_sha).tree).deltas)


def pull_mergeable(repo_id: int, base_sha: str, head_sha: str) -> bool:
    """Whether head merges cleanly into base (a three-way merge in memory; no ref changes)."""
    repo = open_repository(repo_id)
    ancestor = repo.merge_base(base_sha, head_sha)
    if ancestor is None or _both_change_a_large_file(repo, ancestor, base_sha, head_sha):
        return False
    index = repo.merge_commits(base_sha, head_sha)
    return index.conflicts is None


def _signature_of(sig):
    """`sig` as text, written as UTF-8: the squash commit names no encoding, whatever its source did."""
    import pygit2

    return pygit2.Signature(decoded(sig, "name"), decoded(sig, "email"), sig.time, sig.offset)


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
    repo = open_repository(repo_id)
    committer = committer_signature()
    ancestor = repo.merge_base(base_sha, head_sha)
    if ancestor is None:
        raise MergeConflict("the branches have no common history")
    if _both_change_a_large_file(repo, ancestor, base_sha, head_sha):
        raise MergeConflict(f"both sides change a file over {DIFF_MAX_BYTES} bytes")
    if method in ("merge", "squash"):
        index = repo.merge_commits(base_sha, head_sha)
        if index.conflicts is not None:
            raise MergeConflict("merge conflict")
        tree = index.write_tree(repo)
        if method == "merge":
            author = signature(*merger)
            return str(repo.create_commit(None, author, committer, message, tree, [base_sha, head_sha]))
        commits = _pull_commits(repo, base_sha, head_sha)
        author = _signature_of(repo.get(head_sha).author)
        co_authors = []
        for commit in commits:
            pair = (decoded(commit.author, "name"), decoded(commit.author, "email"))
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
            # The author and message byte for byte, with the commit's `encoding` header, as `git rebase` keeps them.
            encoding = [commit.message_encoding] if commit.message_encoding else []
            oid = repo.create_commit(None, commit.author, committer, commit.raw_message, tree, [tip.id], *encoding)
            tip = repo.get(oid)
        return str(tip.id)
    raise ValueError(f"unknown merge method {method!r}")
