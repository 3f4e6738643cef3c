"""A push's side of the smart HTTP view: each ref's rule, which hooks receive-pack runs, and which refs
it updated.

Each ref gets `allow`, `ff` (fast-forward only) or `deny <reason>` from the policy before git sees the
pack; the pre-receive hook (hooks/pre-receive) enforces them and runs only when a ref has something to
check: a refusal, or an `ff` update the pack's front does not already prove to be a fast-forward
(repos.git.packs). Which refs git updated comes from receive-pack's own report-status as the view
streams it to the client; git's post-receive hook writes them to a log instead when the report cannot
say it exactly: the client did not ask for a report, or the push deletes a ref (git reports `ok` for a
deletion of a ref that did not exist but does not feed it to post-receive).

git is started before the rules are read, with a guess at the hook (`may_need_pre_receive`); when the
rules call for other hooks it is started again, before it has read anything (views._start_push).
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path

from kizuna import policy

from .. import git
from ..refs import is_valid_branch_name

logger = logging.getLogger("kizuna.git")

_HERE = Path(__file__).resolve().parent
# git's core.hooksPath for each combination: a hook costs receive-pack a fork and an exec of `sh`.
HOOKS_DIRS = {
    (True, True): _HERE / "hooks",
    (True, False): _HERE / "hooks-pre-receive-only",
    (False, True): _HERE / "hooks-post-receive-only",
    (False, False): _HERE / "hooks-none",
}


PACK_PEEK = 64 * 1024  # bytes of the pack read ahead of git for the fast-forwards at its front


def hooks_dir(*, check: bool, log: bool) -> Path:
    return HOOKS_DIRS[(check, log)]


def ref_rule(repo, principal, token, old: str, new: str, ref: str) -> tuple[str, str]:
    """('allow'|'ff'|'deny', reason) for one ref update: the ref's shape here, the rest by the policy."""
    if ref.startswith("refs/heads/"):
        short = ref[len("refs/heads/"):]
    elif ref.startswith("refs/tags/"):
        short = ref[len("refs/tags/"):]
    else:
        return "deny", f"{ref}: only branches (refs/heads/...) and tags (refs/tags/...) may be pushed"
    if not is_valid_branch_name(short):
        return "deny", f"{ref}: invalid ref name"
    return policy.push_ref_rule(principal, repo, ref, deleting=git.is_zero(new), token=token)


def needs_pre_receive(mode: str, old: str, new: str, *, proven_fast_forward: bool = False) -> bool:
    """Whether the pre-receive hook has anything to enforce for this ref: a refusal, or a fast-forward
    check of an update the pack has not proven already (the hook lets a creation or a deletion under
    `ff` pass, and `allow` always)."""
    if mode == "allow":
        return False
    if mode == "ff":
        return not git.is_zero(old) and not git.is_zero(new) and not proven_fast_forward
    return True


def _updates(commands) -> list[tuple[str, str]]:
    return [(old, new) for old, new, _ in commands if not git.is_zero(old) and not git.is_zero(new)]


def shown_fast_forwards(commands, reader) -> set[tuple[str, str]]:
    """The (old, new) updates among `commands` that the pack's front shows to be fast-forwards
    (repos.git.packs); read before the rules, which need no pack to be known."""
    updates = _updates(commands)
    return git.proven_fast_forwards(reader.peek(PACK_PEEK), updates) if updates else set()


def may_need_pre_receive(commands, proven) -> bool:
    """Before the rules are read: whether a ref could need the hook's fast-forward check (an update the
    pack does not show to be one). git is started with this guess; a refusal cannot be foreseen."""
    return any(update not in proven for update in _updates(commands))


def ref_rules(*, repo, principal, token, commands, proven) -> tuple[list, bool]:
    """Each ref's rule, [(old, new, mode, reason, ref)], and whether the pre-receive hook has any to enforce."""
    rules = [(old, new, *ref_rule(repo, principal, token, old, new, ref), ref) for old, new, ref in commands]
    check = any(needs_pre_receive(mode, old, new, proven_fast_forward=(old, new) in proven)
                for old, new, mode, _, _ in rules)
    return rules, check


class PushFiles:
    """A push's temporary directory, when git needs one: `policy` (each ref's rule, for pre-receive) and
    `log` (the refs post-receive was fed, when the report cannot say). `close()` removes it."""

    def __init__(self, *, check: bool, log: bool):
        self.path = tempfile.mkdtemp(prefix="kizuna-push-") if check or log else None
        self.policy_path = os.path.join(self.path, "policy") if check else ""
        self.log_path = ""
        if log:
            try:
                self.log_path = os.path.join(self.path, "log")
                open(self.log_path, "w").close()
            except BaseException:
                self.close()
                raise

    def write_rules(self, rules) -> None:
        """The rules file pre-receive reads: written before git sees the pack, so before it runs the hook.
        The names' exact bytes (read_commands), for the hook to find each ref's rule by."""
        with open(self.policy_path, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write("".join(f"{mode} {ref} {reason}".rstrip() + "\n" for _, _, mode, reason, ref in rules))

    def close(self) -> None:
        if self.path:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


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

    def __init__(self, *, repo, principal, commands, capabilities):
        self.repo = repo
        self.principal = principal
        self.commands = {ref: (old.lower(), new.lower()) for old, new, ref in commands}
        self.log_path = ""  # the post-receive log (PushFiles), when there is no report to read
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
