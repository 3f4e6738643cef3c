"""The git library: the only code that runs `git` or touches pygit2 (docs/architecture.md; a test,
tests/repos/test_git_boundary.py, keeps it so).

Callers use this package's names (`from repos import git`; `git.branch_sha(...)`); the modules split
it by concern:

  commands.py      running the `git` executable (timeouts, GitError)
  store.py         where a repository lives on disk, creating, initialising and deleting it
  refs.py          branches, tags, HEAD: resolving, listing, moving (compare-and-swap)
  trees.py         files and directories at a commit
  commits.py       history pages, commit metadata, the commits a push brought
  diff.py          a commit's changed files, a pull request's stats and changed paths
  merge.py         pull request merges written into the object store
  http_backend.py  git's side of the smart HTTP view (repos/smart_http/): upload-pack / receive-pack
  packs.py         the fast-forwards a pushed pack's leading commits prove before git receives it
"""

from .commands import GIT_TIMEOUT_SECONDS, GitError, run_git
from .commits import commit_dict, commits_info, count_commits, push_commits, rev_list
from .diff import COMMIT_FILES_LIMIT, commit_detail, pull_changed_paths, pull_compare
from .http_backend import (
    NO_CACHE_HEADERS,
    HttpBackend,
    ReceiveReport,
    advertisement_preamble,
    content_type,
    pkt_length,
)
from .merge import MergeConflict, pull_merge_commit, pull_mergeable
from .packs import proven_fast_forwards
from .refs import (
    ZERO_SHA,
    branch_exists,
    branch_sha,
    has_commits,
    is_zero,
    list_branches,
    resolve_ref,
    set_head,
    update_ref_cas,
)
from .store import commit_initial_readme, committer_signature, delete, init_bare, open_repository, repo_path
from .trees import DIR_ENTRIES_LIMIT, BlobTooLarge, PathNotFound, read_blob_at, read_path, safe_path

__all__ = [
    "BlobTooLarge", "COMMIT_FILES_LIMIT", "DIR_ENTRIES_LIMIT", "GIT_TIMEOUT_SECONDS", "NO_CACHE_HEADERS", "ZERO_SHA", "advertisement_preamble",
    "branch_exists", "branch_sha", "commit_detail", "commit_dict", "commit_initial_readme", "commits_info",
    "committer_signature", "content_type", "count_commits", "delete", "GitError", "has_commits", "HttpBackend",
    "init_bare", "is_zero", "list_branches", "MergeConflict", "open_repository", "PathNotFound", "pull_changed_paths",
    "proven_fast_forwards", "pull_compare", "pull_merge_commit", "pull_mergeable", "pkt_length", "push_commits", "read_blob_at", "read_path", "ReceiveReport",
    "repo_path", "resolve_ref", "rev_list", "run_git", "safe_path", "set_head", "update_ref_cas",
]
