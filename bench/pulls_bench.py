"""Pull request git work on a 10,000-commit repository vs the equivalent stock git commands.

    .venv/bin/python bench/pulls_bench.py [--commits 10000] [--files 2000] [--repeat 5]

Builds a bare repository with `git fast-import` (main: N commits over a tree of F files in 40
directories; `feature` branches off 50 commits before the tip and adds 20 commits of its own), then times,
taking the median of --repeat runs:

- mergeability: `repos.git.pull_mergeable` (libgit2 three-way merge in memory) vs
  `git merge-tree --write-tree main feature` in the bare repository;
- compare stats: `repos.git.pull_compare` vs `git rev-list --count` + `git diff --shortstat` on the merge base;
- merge: `repos.git.pull_merge_commit(method="merge")` + `update_ref_cas` (object store only) vs
  `git merge --no-ff` in a working clone (checkout of main reset before each run, not timed);
- squash and rebase merges for reference vs `git merge --squash` + commit and `git rebase` in the clone.

Prints a Markdown table; ratios are Kizuna time / git time (below 1: Kizuna is faster).
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Outside KIZUNA_DEBUG the published default SECRET_KEY refuses to start (kizuna.E001).
os.environ.setdefault("KIZUNA_SECRET_KEY", secrets.token_urlsafe(50))

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sh(args, cwd, env=None, input=None):
    proc = subprocess.run(args, cwd=cwd, capture_output=True, env=env, input=input)
    if proc.returncode:
        raise SystemExit(f"{' '.join(map(str, args))}: {proc.stderr.decode()}")
    return proc.stdout.decode().strip()


def fast_import_stream(commits: int, files: int, fork_back: int, feature_commits: int) -> bytes:
    out = []
    when = 1_700_000_000

    def blob_commit(ref, mark, parent_mark, path, content, msg, who):
        nonlocal when
        when += 60
        data = content.encode()
        out.append(f"commit {ref}\nmark :{mark}\n")
        out.append(f"author {who} <{who.lower()}@example.com> {when} +0000\n")
        out.append(f"committer {who} <{who.lower()}@example.com> {when} +0000\n")
        m = msg.encode()
        out.append(f"data {len(m)}\n{msg}\n")
        if parent_mark:
            out.append(f"from :{parent_mark}\n")
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n{content}\n")

    fork_at = commits - fork_back
    for i in range(1, commits + 1):
        n = i % files
        path = f"dir{n % 40:02d}/file{n:05d}.txt"
        content = "".join(f"line {j} of {path} rev {i}\n" for j in range(20))
        blob_commit("refs/heads/main", i, i - 1 if i > 1 else None, path, content, f"main commit {i}", "Main")
    prev = fork_at
    for k in range(feature_commits):
        mark = commits + 1 + k
        path = f"feature/new{k:03d}.txt"
        blob_commit("refs/heads/feature", mark, prev, path, f"feature work {k}\n" * 10, f"feature commit {k}", "Feat")
        prev = mark
    return "".join(out).encode()


def median_time(fn, repeat, setup=None):
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kizuna-pulls-bench-"))
    os.environ["KIZUNA_GIT_ROOT"] = str(tmp / "git")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from repos import git

    repo_id = 1
    git.init_bare(repo_id, "main")
    bare = git.repo_path(repo_id)
    t0 = time.perf_counter()
    sh(["git", "fast-import", "--quiet"], cwd=bare,
       input=fast_import_stream(opts.commits, opts.files, fork_back=50, feature_commits=20))
    sh(["git", "repack", "-adq"], cwd=bare)
    build = time.perf_counter() - t0
    base = git.branch_sha(repo_id, "main")
    head = git.branch_sha(repo_id, "feature")
    count = sh(["git", "rev-list", "--count", "--all"], cwd=bare)

    clone = tmp / "clone"
    sh(["git", "clone", "-q", str(bare), str(clone)], cwd=tmp)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}
    sh(["git", "branch", "-q", "feature", "origin/feature"], cwd=clone)

    def reset_clone():
        sh(["git", "checkout", "-q", "-f", "main"], cwd=clone)
        sh(["git", "reset", "-q", "--hard", base], cwd=clone)

    def reset_feature():
        reset_clone()
        sh(["git", "checkout", "-q", "-f", "-B", "feature", head], cwd=clone)

    def kizuna_merge(method):
        def run():
            new = git.pull_merge_commit(repo_id, method=method, base_sha=base, head_sha=head, message="bench\n",
                                        merger=("bench", "bench@example.com"))
            assert git.update_ref_cas(repo_id, "refs/heads/bench", new, git.branch_sha(repo_id, "bench") or git.ZERO_SHA)
        return run

    rows = []
    k = median_time(lambda: git.pull_mergeable(repo_id, base, head), opts.repeat)
    g = median_time(lambda: sh(["git", "merge-tree", "--write-tree", "main", "feature"], cwd=bare), opts.repeat)
    rows.append(("mergeability", k, "git merge-tree --write-tree (bare)", g))

    def git_compare():
        mb = sh(["git", "merge-base", "main", "feature"], cwd=bare)
        sh(["git", "rev-list", "--count", "main..feature"], cwd=bare)
        sh(["git", "diff", "--shortstat", mb, "feature"], cwd=bare)

    k = median_time(lambda: git.pull_compare(repo_id, base, head), opts.repeat)
    g = median_time(git_compare, opts.repeat)
    rows.append(("compare stats", k, "git merge-base + rev-list --count + diff --shortstat", g))

    k = median_time(kizuna_merge("merge"), opts.repeat)
    g = median_time(lambda: sh(["git", "merge", "-q", "--no-ff", "--no-edit", "feature"], cwd=clone, env=env),
                    opts.repeat, setup=reset_clone)
    rows.append(("merge (merge commit)", k, "git merge --no-ff (working clone)", g))

    k = median_time(kizuna_merge("squash"), opts.repeat)

    def git_squash():
        sh(["git", "merge", "-q", "--squash", "feature"], cwd=clone, env=env)
        sh(["git", "commit", "-q", "-m", "squash"], cwd=clone, env=env)

    g = median_time(git_squash, opts.repeat, setup=reset_clone)
    rows.append(("squash", k, "git merge --squash + commit (working clone)", g))

    k = median_time(kizuna_merge("rebase"), opts.repeat)
    g = median_time(lambda: sh(["git", "rebase", "-q", "main"], cwd=clone, env=env), opts.repeat, setup=reset_feature)
    rows.append(("rebase (20 commits)", k, "git rebase (working clone)", g))

    print(f"Repository: {count} commits, {opts.files} files; built in {build:.1f}s; median of {opts.repeat} runs\n")
    print("| operation | Kizuna (ms) | equivalent git | git (ms) | ratio |")
    print("|---|---:|---|---:|---:|")
    for name, k, what, g in rows:
        print(f"| {name} | {k * 1000:.1f} | {what} | {g * 1000:.1f} | {k / g:.2f} |")
    subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
