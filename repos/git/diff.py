"""What changed: a commit's files against its first parent, and a pull request's head against its
merge base with the base (as GitHub shows them)."""

from .commits import commit_dict
from .store import open_repository
from .trees import header, shown

COMMIT_FILES_LIMIT = 3000
# A file over this many bytes (either side) counts 0 lines, as a binary file does, and is never read: a line
# diff holds ~65 times a file's size (200 MB of "a\n" took 13 GB and 90 s), and a pushed file may be as
# large as the push. The contents API's default limit (KIZUNA_CONTENTS_MAX_BYTES).
DIFF_MAX_BYTES = 1024 * 1024


def too_large(repo, delta) -> bool:
    for side in (delta.old_file, delta.new_file):
        try:
            if header(repo, side.id)[1] > DIFF_MAX_BYTES:
                return True
        except KeyError:  # no object: the missing side of an addition or deletion, or a submodule's commit
            pass
    return False


def _find_renames(repo, diff) -> None:
    """Rename detection compares the contents of added and deleted files: with a file over DIFF_MAX_BYTES
    among them only identical ones (by id, unread) are renames."""
    import pygit2

    flags = pygit2.enums.DiffFind.FIND_RENAMES
    if any(too_large(repo, d) for d in diff.deltas
           if d.status in (pygit2.enums.DeltaStatus.ADDED, pygit2.enums.DeltaStatus.DELETED)):
        flags |= pygit2.enums.DiffFind.FIND_EXACT_MATCH_ONLY
    diff.find_similar(flags)


def _line_stats(repo, diff, limit: int | None = None):
    """(delta, additions, deletions) per file, at most `limit` files; see DIFF_MAX_BYTES."""
    for index, delta in enumerate(diff.deltas):
        if limit is not None and index >= limit:
            return
        if too_large(repo, delta):
            yield delta, 0, 0
        else:
            _, additions, deletions = diff[index].line_stats
            yield delta, additions, deletions


def commit_detail(repo_id: int, sha: str) -> dict | None:
    """One commit with `files: [{filename, status, additions, deletions}]` against its first parent."""
    import pygit2

    repo = open_repository(repo_id)
    try:
        commit = repo.get(sha)
        commit = commit.peel(pygit2.Commit) if commit is not None else None
    except (ValueError, pygit2.GitError):
        commit = None
    if commit is None:
        return None
    data = commit_dict(commit)
    if commit.parents:
        diff = repo.diff(commit.parents[0].tree, commit.tree)
    else:
        diff = commit.tree.diff_to_tree(swap=True)
    _find_renames(repo, diff)
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
    for delta, additions, deletions in _line_stats(repo, diff, COMMIT_FILES_LIMIT):
        stats_add += additions
        stats_del += deletions
        entry = {
            "filename": shown(delta.new_file.path if delta.status != pygit2.enums.DeltaStatus.DELETED else delta.old_file.path),
            "status": status_names.get(delta.status, "changed"),
            "additions": additions,
            "deletions": deletions,
        }
        if delta.status == pygit2.enums.DeltaStatus.RENAMED:
            entry["previous_filename"] = shown(delta.old_file.path)
        files.append(entry)
    data["stats"] = {"additions": stats_add, "deletions": stats_del, "total": stats_add + stats_del}
    data["files"] = files
    return data


def pull_compare(repo_id: int, base_sha: str, head_sha: str) -> dict:
    """`commits` ahead of the base and the diff stats of head against the merge base (as GitHub shows)."""
    repo = open_repository(repo_id)
    base, head = repo.get(base_sha), repo.get(head_sha)
    merge_base = repo.merge_base(base.id, head.id)
    ahead, _behind = repo.ahead_behind(head.id, base.id)
    if merge_base is None:  # unrelated histories: everything in head is new
        diff = head.tree.diff_to_tree(swap=True)
    else:
        diff = repo.diff(repo.get(merge_base).tree, head.tree)
    additions = deletions = 0
    for _, added, deleted in _line_stats(repo, diff):
        additions, deletions = additions + added, deletions + deleted
    return {
        "commits": ahead,
        "additions": additions,
        "deletions": deletions,
        "changed_files": len(diff),
        "merge_base": str(merge_base) if merge_base is not None else None,
    }


def pull_changed_paths(repo_id: int, base_sha: str, head_sha: str, *, limit: int = COMMIT_FILES_LIMIT) -> list[str]:
    """The paths head changes against its merge base with base (a rename gives both names), at most
    `limit` of them (code owners, docs/api.md §16), as `shown` (a name that is not UTF-8 with U+FFFD)."""
    repo = open_repository(repo_id)
    head = repo.get(head_sha)
    merge_base = repo.merge_base(repo.get(base_sha).id, head.id)
    diff = head.tree.diff_to_tree(swap=True) if merge_base is None else repo.diff(repo.get(merge_base).tree, head.tree)
    paths: list[str] = []
    seen = set()
    for delta in diff.deltas:
        for path in (shown(delta.old_file.path), shown(delta.new_file.path)):
            if path and path not in seen:
                seen.add(path)
                paths.append(path)
                if len(paths) >= limit:
                    return paths
    return paths
