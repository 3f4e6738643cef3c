"""A push's git side beyond the rules: which hooks receive-pack runs, and which refs it updated.

The pre-receive hook enforces the view's per-ref rules (hooks/pre-receive); it runs only when a ref has
something to check. Which refs git updated comes from receive-pack's own report-status as the view
streams it to the client; git's post-receive hook writes them to a log instead when the report cannot
say it exactly: the client did not ask for a report, or the push deletes a ref (git reports `ok` for a
deletion of a ref that did not exist but does not feed it to post-receive).
"""

import logging
from pathlib import Path

from .. import git

logger = logging.getLogger("kizuna.git")

_HERE = Path(__file__).resolve().parent
# git's core.hooksPath for each combination: a hook costs receive-pack a fork and an exec of `sh`.
HOOKS_DIRS = {
    (True, True): _HERE / "hooks",
    (True, False): _HERE / "hooks-pre-receive-only",
    (False, True): _HERE / "hooks-post-receive-only",
    (False, False): _HERE / "hooks-none",
}


def hooks_dir(*, check: bool, log: bool) -> Path:
    return HOOKS_DIRS[(check, log)]


def report_suffices(commands, capabilities) -> bool:
    """Whether receive-pack's report names exactly the refs post-receive would be fed."""
    if not capabilities & {"report-status", "report-status-v2"}:
        return False
    return not any(git.is_zero(new) for _, new, _ in commands)


class PushRecorder:
    """`on_push` once per ref git updated, taken from the report (`observe` is fed receive-pack's output)
    or, without one, from the post-receive log. `record()` runs at most once: as soon as the report is
    complete (while git finishes — post-receive, `gc --auto` — and before the response ends, so the
    client's `git push` returns after the events exist), or after git exits."""

    def __init__(self, *, repo, principal, commands, capabilities, log_path: str):
        self.repo = repo
        self.principal = principal
        self.commands = {ref: (old.lower(), new.lower()) for old, new, ref in commands}
        self.log_path = log_path
        self.report = None
        if report_suffices(commands, capabilities):
            self.report = git.ReceiveReport(sideband="side-band-64k" in capabilities, expected=self.commands)
        self.done = False

    @property
    def uses_log(self) -> bool:
        return self.report is None

    def observe(self, chunk: bytes) -> None:
        if self.report is not None:
            self.report.feed(chunk)

    def ready(self) -> bool:
        return not self.done and self.report is not None and self.report.complete

    def record(self) -> None:
        if self.done:
            return
        self.done = True
        if self.report is not None:
            if not self.report.complete:
                if self.report.broken:
                    logger.error("unreadable receive-pack report for repo %s", self.repo.pk)
                return  # no report: git stopped before its ref updates were reported
            updates = [(*self.commands[ref], ref) for ref in self.report.updated]
        else:
            updates = self._read_log()
        if updates:
            record_pushes(self.repo, self.principal, updates)

    def _read_log(self) -> list[tuple[str, str, str]]:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                lines = [line.split() for line in fh if line.strip()]
        except OSError:
            return []
        return [tuple(parts) for parts in lines if len(parts) == 3]


def record_pushes(repo, principal, updates) -> None:
    """`on_push` for every (before, after, ref) git updated."""
    from kizuna.accounts.actors import actor_for

    from .. import services

    actor = actor_for(principal)
    for before, after, ref in updates:
        try:
            commits = git.push_commits(repo.pk, ref=ref, before=before, after=after) if ref.startswith("refs/heads/") else []
            services.on_push(repo=repo, ref=ref, before=before, after=after, actor=actor, commits=commits)
        except Exception:  # one ref's hooks failing must not lose the others' events
            logger.exception("on_push failed for %s %s", repo.pk, ref)
