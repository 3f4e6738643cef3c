"""Commits: history pages (`git rev-list`), commit metadata, and the commits a push brought."""

import itertools
from time import gmtime, strftime

from .commands import run_git
from .refs import is_zero
from .store import open_repository, repo_path
from .trees import safe_path


def decoded(obj, attr: str) -> str:
    """A commit's `message`, or a signature's `name` or `email`, as pygit2 decodes it (the commit's
    `encoding` header, else UTF-8; bytes that do not decode become U+FFFD) — and as UTF-8 when Python has
    no text codec of the header's name (pygit2 raises LookupError, or UnicodeError for e.g. `idna`), as
    git shows a message it cannot re-encode. A pushed commit may name any encoding."""
    try:
        return getattr(obj, attr)
    except (LookupError, ValueError):
        return getattr(obj, f"raw_{attr}").decode("utf-8", "replace")


# Dates: UTC. A timestamp with no `YYYY-MM-DDTHH:MM:SSZ` form (a commit may say any 64-bit number) is
# shown as the epoch, as git shows a date it cannot represent; git reads none before it.
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ISO_RANGE = range(0, 253402300800)  # up to 9999-12-31T23:59:59Z


def _representable(timestamp: int) -> int:
    return timestamp if timestamp in _ISO_RANGE else 0


def commit_dict(commit) -> dict:
    """`{sha, message, author, committer, parents}`, each person's date in UTC."""
    from datetime import datetime, timezone as dt_timezone

    def person(sig):
        return {"name": decoded(sig, "name"), "email": decoded(sig, "email"),
                "date": datetime.fromtimestamp(_representable(sig.time), tz=dt_timezone.utc)}

    return {
        "sha": str(commit.id),
        "message": decoded(commit, "message"),
        "author": person(commit.author),
        "committer": person(commit.committer),
        "parents": [str(p) for p in commit.parent_ids],
    }


def literal_path(path: str) -> str:
    """`path` as a pathspec that means that file or directory only: `:(literal)`, so that `*`, `?`, `[`
    and git's own `:(…)` magic in a request's `path` are characters of the name, not patterns."""
    return f":(literal){safe_path(path)}"


def rev_list(repo_id: int, sha: str, *, path: str = "", skip: int = 0, limit: int = 30) -> list[str]:
    """Commit shas reachable from `sha` (a full 40-hex sha), newest first, with an optional path filter.

    `git rev-list --skip --max-count` stops after `skip + limit` commits: page 1 never walks the history.
    """
    args = ["rev-list", f"--skip={int(skip)}", f"--max-count={int(limit)}", "--end-of-options", sha]
    if path:
        args += ["--", literal_path(path)]
    out = run_git(args, cwd=repo_path(repo_id))
    return out.decode().split()


def count_commits(repo_id: int, sha: str, *, path: str = "", limit: int = 10001) -> int:
    args = ["rev-list", "--count", f"--max-count={int(limit)}", "--end-of-options", sha]
    if path:
        args += ["--", literal_path(path)]
    return int(run_git(args, cwd=repo_path(repo_id)).strip() or 0)


def commits_info(repo_id: int, shas: list[str]) -> list[dict]:
    repo = open_repository(repo_id)
    return [commit_dict(repo.get(sha)) for sha in shas]


def push_commits(repo_id: int, *, ref: str, before: str, after: str, limit: int = 2048) -> list[dict]:
    """The commits a ref update brought to `ref`, oldest first: `[{id, message, author{name,email,date}}]`.

    A new branch lists the commits not reachable from any other branch; a deletion lists none. At most
    `limit`, the newest. Text is decoded as pygit2 does (the commit's `encoding` header, else UTF-8; bytes
    that do not decode become U+FFFD), and as UTF-8 when Python has no text codec of the header's name.

    Walked with pygit2 (libgit2) in this process: measured on a 1,000-commit fast-forward, one `git
    rev-list --format` subprocess with its output parsed here took 1.5x as long (docs/benchmarks.md, "The
    1,000-commit push's commit list").
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
    # Only what the event carries: a push may bring thousands (commit_dict costs 3x). One loop, no call
    # per commit: at 1,000 commits this Python is as long as libgit2's walk.
    out = []
    for commit in itertools.islice(walker, max(limit, 0)):
        author = commit.author
        try:
            message, name, email = commit.message, author.name, author.email
        except (LookupError, ValueError):  # an encoding Python has no codec of: see decoded()
            message, name, email = decoded(commit, "message"), decoded(author, "name"), decoded(author, "email")
        out.append({"id": str(commit.id), "message": message,
                    "author": {"name": name, "email": email,
                               "date": strftime(_ISO_FORMAT, gmtime(_representable(author.time)))}})
    out.reverse()
    return out

