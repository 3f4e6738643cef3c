"""Branch protection (docs/api.md §16): which rules of a branch a pull request does not meet, and whose
approval counts. The rules bind everyone — repository admins and staff included — so nothing here
asks who wants to merge; it asks who approved.

- A reviewer's verdict is their latest APPROVED or CHANGES_REQUESTED review (a dismissed one is no
  verdict). With `dismiss_stale_reviews` only approvals given on the head being merged count.
- An approval counts when its author may write to the repository: a person with the write role, or an
  agent at or above the rule's `agent_approval_min_trust` (null: agents' approvals never count) whose
  operator has the write role. The PR's author never approves their own PR.
- A counting reviewer's CHANGES_REQUESTED blocks `required_approving_review_count` until it is replaced
  or dismissed.
- `require_code_owner_reviews`: every owner set of the changed files (pulls.codeowners, stored on the PR
  as `code_owners`) needs a counting approval from one of its members.
- `require_pipeline`: the newest pipeline on the head sha succeeded.

`unmet_rules` works on a page of pull requests with a fixed number of queries (the PR list shows
`mergeable_state`); the merge asks `check_mergeable` under its lock, on the head it is about to merge.
"""

from kizuna.accounts.models import Membership, Role
from kizuna.api.errors import NotMergeable

from . import facts
from .repositories import role_at_least
from .subjects import is_superuser

# A review's verdicts (pulls.models.Review.State; tests/policy/test_holes.py holds them equal): the
# latest of a reviewer's counts; DISMISSED is none.
APPROVED, CHANGES_REQUESTED = "APPROVED", "CHANGES_REQUESTED"


def _user_roles(repo, users) -> dict:
    """{user id: role} in the repository's namespace for these users (one query at most)."""
    roles, ask = {}, []
    for user in users:
        if not user.is_active:
            roles[user.pk] = None
        elif is_superuser(user) or repo.namespace.user_id == user.pk:
            roles[user.pk] = Role.ADMIN
        elif repo.namespace.user_id is not None:
            roles[user.pk] = None
        else:
            ask.append(user.pk)
    if ask:
        found = dict(Membership.objects.filter(namespace_id=repo.namespace_id, user_id__in=ask).values_list("user_id", "role"))
        roles.update({pk: found.get(pk) for pk in ask})
    return roles


def _counts(actor, rule, roles) -> bool:
    """Whether `actor`'s verdict counts toward `rule` (see the module's docstring)."""
    if actor.type == "User":
        return actor.user is not None and role_at_least(roles.get(actor.user_id), Role.WRITE)
    if actor.type == "Agent":
        agent = actor.agent
        if agent is None or agent.is_suspended or rule.agent_approval_min_trust is None:
            return False
        if agent.trust_level < rule.agent_approval_min_trust:
            return False
        return role_at_least(roles.get(agent.operator_id), Role.WRITE)
    return False  # deploy tokens never review


def unmet_rules(repo, prs, *, head_shas: dict | None = None) -> dict:
    """{pr.pk: [{rule, required, actual, …}]} for the PRs whose base branch has a rule; PRs of
    unprotected branches are absent. `head_shas` ({pr.pk: sha}) overrides the stored head."""
    prs = list(prs)
    rules = facts.protections(repo, [pr.base_ref for pr in prs])
    prs = [pr for pr in prs if pr.base_ref in rules]
    if not prs:
        return {}
    head_shas = {pr.pk: (head_shas or {}).get(pr.pk) or pr.head_sha for pr in prs}
    needs_reviews = [pr.pk for pr in prs
                     if rules[pr.base_ref].required_approving_review_count or rules[pr.base_ref].require_code_owner_reviews]
    verdicts: dict[int, dict] = {}
    if needs_reviews:
        reviews = sorted(facts.verdict_reviews(needs_reviews), key=lambda r: (r.pull_id, r.user_id, r.pk))
        for review in reviews:
            verdicts.setdefault(review.pull_id, {})[review.user_id] = review  # the latest wins
    users = {}
    for by_user in verdicts.values():
        for review in by_user.values():
            actor = review.user
            if actor.type == "User" and actor.user is not None:
                users[actor.user.pk] = actor.user
            elif actor.type == "Agent" and actor.agent is not None:
                users.setdefault(actor.agent.operator_id, None)
    if any(u is None for u in users.values()):
        from kizuna.accounts.models import User

        for user in User.objects.filter(pk__in=[pk for pk, u in users.items() if u is None]):
            users[user.pk] = user
    roles = _user_roles(repo, [u for u in users.values() if u is not None])
    pipelines = facts.newest_pipeline_statuses(
        repo, [head_shas[pr.pk] for pr in prs if rules[pr.base_ref].require_pipeline])

    result = {}
    for pr in prs:
        rule = rules[pr.base_ref]
        head = head_shas[pr.pk]
        approvers, blocking = set(), []
        for review in verdicts.get(pr.pk, {}).values():
            actor = review.user
            if actor.pk == pr.issue.author_id or not _counts(actor, rule, roles):
                continue
            if review.state == APPROVED:
                if not rule.dismiss_stale_reviews or review.commit_id == head:
                    approvers.add(actor.login.lower())
            elif review.state == CHANGES_REQUESTED:
                blocking.append(actor.login)
        unmet = []
        required = rule.required_approving_review_count
        if required and (len(approvers) < required or blocking):
            entry = {"rule": "required_approving_review_count", "required": required, "actual": len(approvers)}
            if blocking:
                entry["changes_requested_by"] = sorted(blocking)
            unmet.append(entry)
        if rule.require_code_owner_reviews:
            sets = pr.code_owners or []
            missing = [owners for owners in sets if not approvers.intersection(owners)]
            if missing:
                unmet.append({"rule": "require_code_owner_reviews", "required": len(sets),
                              "actual": len(sets) - len(missing), "owners": missing})
        if rule.require_pipeline:
            status = pipelines.get(head)
            if status != "success":
                unmet.append({"rule": "require_pipeline", "required": "success", "actual": status})
        result[pr.pk] = unmet
    return result


def check_mergeable(repo, pr, *, head_sha: str) -> None:
    """405 NOT_MERGEABLE with the unmet rules, for a merge of `pr` at `head_sha` (asked under the merge's lock)."""
    unmet = unmet_rules(repo, [pr], head_shas={pr.pk: head_sha}).get(pr.pk)
    if unmet:
        names = ", ".join(entry["rule"] for entry in unmet)
        raise NotMergeable(f"The base branch's protection rules are not met: {names}", details={"unmet": unmet})


def push_rule_of(repo, branch: str, *, deleting: bool):
    """(mode, reason) a protected branch imposes on a push, or None when it imposes nothing."""
    rule = facts.protection_of(repo, branch)
    if rule is None:
        return None
    if deleting:
        if not rule.allow_deletions:
            return "deny", f"{branch} is a protected branch: it cannot be deleted"
        return None
    if rule.require_pull_request:
        return "deny", f"{branch} is a protected branch: changes must go through a pull request"
    if not rule.allow_force_pushes:
        return "ff", f"{branch} is a protected branch: force pushes are not allowed"
    return None
