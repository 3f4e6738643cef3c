"""Commits: history pages (`git rev-list`), commit metadata, and the commits a push brought."""

from .commands import run_git
from .refs import is_zero
from .store import open_repository, repo_path
from .trees import safe_path


def commit_dict(commit) -> dict:
    """`{sha, message, author, committer, parents}`, each person's date in UTC."""
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


def rev_list(repo_id: int, sha: str, *, path: str = "", skip: int = 0, limit: int = 30) -> list[str]:
    """Commit shas reachable from `sha` (a full 40-hex sha), newest first, with an optional path filter.

    `git rev-list --skip --max-count` stops after `skip + limit` commits: page 1 never walks the history.
    """
    args = ["rev-list", f"--skip={int(skip)}", f"--max-count={int(limit)}", "--end-of-options", sha]
    if path:
        args += ["--", safe_path(path)]
    out = run_git(args, cwd=repo_path(repo_id))
    return out.decode().split()


def count_commits(repo_id: int, sha: str, *, path: str = "", limit: int = 10001) -> int:
    args = ["rev-list", "--count", f"--max-count={int(limit)}", "--end-of-options", sha]
    if path:
        args += ["--", safe_path(path)]
    return int(run_git(args, cwd=repo_path(repo_id)).strip() or 0)


def commits_info(repo_id: int, shas: list[str]) -> list[dict]:
    repo = open_repository(repo_id)
    return [commit_dict(repo.get(sha)) for sha in shas]


def push_commits(repo_id: int, *, ref: str, before: str, after: str, limit: int = 2048) -> list[dict]:
    """The commits a ref update brought to `ref`, oldest first: `[{id, message, author{name,email,date}}]`.

    A new branch lists the commits not reachable from any other branch; a deletion lists none.
    """
    import pygit2

    if is_zero(after):
        return []
    repo = open_repository(repo_id)
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
    for commit in walker:  # only what the event carries: a push may bring thousands (commit_dict costs 3x)
        if len(out) >= limit:
            break
        author = commit.author
        out.append({"id": str(commit.id), "message": commit.message,
                    "author": {"name": author.name, "email": author.email, "date": _utc_iso(author.time)}})
    out.reverse()
    return out


def _utc_iso(timestamp: int) -> str:
    """A git timestamp (seconds since the epoch) as `YYYY-MM-DDTHH:MM:SSZ`."""
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
