"""What the policy asks of the apps above it, without importing them.

Every door and every app asks the policy, so it sits below them all: it imports no resource app but
repos (docs/architecture.md, "Layers"). Some of its rules need facts only an app above can read — the
pipelines app a job token's job (does it still run, on which agent) (docs/api.md §11) and how the newest pipeline on a
commit ended (`require_pipeline`, §16); the pulls app a branch's protection rule and the reviews of pull
requests (§16). Each app answers its questions from its AppConfig.ready(), as apps connect their signal
receivers; the rules themselves stay in the policy.

A question nobody answers raises ImproperlyConfigured: a policy that cannot read a fact decides nothing
(an empty answer would read as "unprotected").
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

QUESTIONS = {
    # pipelines
    "job_of": "the job a job token was issued for, with `status`, `agent` (and its `operator`) and "
              "`pipeline.repository` loaded; else None",
    "newest_pipeline_statuses": "{sha: status of the newest pipeline on it} for those of the shas that have one",
    # pulls
    "protection_of": "the branch's protection rule or None (asked for every pushed branch)",
    "protections": "{branch: rule} for those of the branches that have one",
    "verdict_reviews": "the verdict reviews (approved, changes requested, dismissed) of these pull requests, "
                       "with the reviewer's user and agent loaded (the policy orders them)",
}


class _Unanswered:
    def __init__(self, question: str):
        self.question = question

    def __call__(self, *args, **kwargs):
        raise ImproperlyConfigured(f"no app answers the policy's question {self.question!r} (kizuna.policy.facts)")


_answers: dict[str, Callable] = {name: _Unanswered(name) for name in QUESTIONS}


def answer(**answers: Callable) -> None:
    """Called by an app's ready() with its answers, by the names in QUESTIONS; each question once."""
    unknown = set(answers) - set(QUESTIONS)
    if unknown:
        raise TypeError(f"the policy asks no question {sorted(unknown)}")
    again = [name for name in answers if not isinstance(_answers[name], _Unanswered)]
    if again:
        raise ImproperlyConfigured(f"the policy's questions {again} are answered already")
    _answers.update(answers)


def job_of(token):
    return _answers["job_of"](token)


def newest_pipeline_statuses(repo, shas: Iterable[str]) -> dict:
    shas = {s for s in shas if s}
    return _answers["newest_pipeline_statuses"](repo, shas) if shas else {}


def protection_of(repo, branch: str):
    return _answers["protection_of"](repo, branch) if branch else None


def protections(repo, branches: Iterable[str]) -> dict:
    branches = {b for b in branches if b}
    return _answers["protections"](repo, branches) if branches else {}


def verdict_reviews(pull_ids: list[int]) -> list:
    return list(_answers["verdict_reviews"](pull_ids)) if pull_ids else []
