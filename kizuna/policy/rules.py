"""The tables the policy decides from: actions, the role, scope and trust each needs (docs/api.md).

Every number and role that gates access is written here once. `Action.RULES` is the trust table of
the API's agents section; tests/policy/test_matrix.py checks every door against it.
"""

from dataclasses import dataclass

from kizuna.accounts.models import Role

ROLE_RANK = {None: 0, Role.READ: 1, Role.WRITE: 2, Role.MAINTAIN: 3, Role.ADMIN: 4}


@dataclass(frozen=True)
class Rule:
    role: str | None  # the namespace role needed; None: anyone who can read the repo
    trust: int  # the agent trust level needed
    scope: str  # the personal-token scope needed
    deploy: bool = False  # deploy tokens (with this scope) may do it on their own repository
    capability: str | None = None  # an agent must also declare this capability (`ci`)
    archived: bool = False  # allowed on an archived (read-only) repository


class Action:
    """Named actions on a repository and the rule each needs. Views, git, streams, the job protocol
    and MCP name an action; none of them compares roles, scopes or trust levels itself."""

    READ = "read"  # see the repository, its issues, PRs, pipelines…; clone
    COMMENT = "comment"  # comment, open issues, edit one's own issues and comments
    OPEN_DRAFT_PULL = "open_draft_pull"
    OPEN_PULL = "open_pull"  # a ready (non-draft) pull request; mark one's own ready
    MARK_READY = "mark_ready"  # mark someone else's draft pull request ready for review
    PUSH_AGENT_BRANCH = "push_agent_branch"  # refs/heads/agent/<agent-name>/…
    PUSH = "push"  # any non-default branch
    PUSH_DEFAULT = "push_default"  # the protected default branch
    FORCE_PUSH_DEFAULT = "force_push_default"  # rewrite the default branch's history
    PIPELINE = "pipeline"  # trigger and cancel pipelines
    TRIAGE = "triage"  # labels, assignees, milestones; close/edit others' issues
    MODERATE = "moderate"  # delete others' comments
    MERGE = "merge"  # into a non-default branch
    MERGE_DEFAULT = "merge_default"
    SETTINGS = "settings"  # repo settings (rename, description, default branch, archive)
    UNARCHIVE = "unarchive"  # the one settings change an archived repository accepts
    ADMIN = "admin"  # visibility, delete, webhooks, deploy tokens, the token events
    RUN_JOB = "run_job"  # claim and run pipeline jobs (agents with capability `ci`)
    REVIEW = "review"  # submit a review of a pull request (it counts toward a rule only as protection.py says)
    DISMISS_REVIEW = "dismiss_review"  # dismiss someone's review
    SEE_PROTECTION = "see_protection"  # read a branch's protection rule
    PROTECT = "protect"  # set or remove a branch's protection rule: people only, never agents

    RULES = {
        READ: Rule(role=None, trust=0, scope="read", deploy=True, archived=True),
        COMMENT: Rule(role=None, trust=1, scope="write"),
        OPEN_DRAFT_PULL: Rule(role=None, trust=1, scope="write"),
        OPEN_PULL: Rule(role=None, trust=2, scope="write"),
        MARK_READY: Rule(role=Role.WRITE, trust=2, scope="write"),
        PUSH_AGENT_BRANCH: Rule(role=Role.WRITE, trust=1, scope="write", deploy=True),
        PUSH: Rule(role=Role.WRITE, trust=2, scope="write", deploy=True),
        PUSH_DEFAULT: Rule(role=Role.WRITE, trust=4, scope="write", deploy=True),
        FORCE_PUSH_DEFAULT: Rule(role=Role.ADMIN, trust=4, scope="admin"),
        PIPELINE: Rule(role=Role.WRITE, trust=2, scope="write", deploy=True),
        TRIAGE: Rule(role=Role.WRITE, trust=3, scope="write"),
        MODERATE: Rule(role=Role.MAINTAIN, trust=3, scope="write"),
        MERGE: Rule(role=Role.WRITE, trust=3, scope="write"),
        MERGE_DEFAULT: Rule(role=Role.WRITE, trust=4, scope="write"),
        SETTINGS: Rule(role=Role.ADMIN, trust=4, scope="write"),
        UNARCHIVE: Rule(role=Role.ADMIN, trust=4, scope="write", archived=True),
        ADMIN: Rule(role=Role.ADMIN, trust=4, scope="admin", archived=True),
        # Variable values are secrets: only whoever may trigger a pipeline (write) may run its jobs.
        RUN_JOB: Rule(role=Role.WRITE, trust=2, scope="write", capability="ci"),
        REVIEW: Rule(role=None, trust=1, scope="write"),
        DISMISS_REVIEW: Rule(role=Role.WRITE, trust=3, scope="write"),
        SEE_PROTECTION: Rule(role=Role.WRITE, trust=0, scope="read"),
        # The human gate for agent work (docs/api.md §16): no agent lowers it (trust 5 is above every agent).
        PROTECT: Rule(role=Role.ADMIN, trust=5, scope="admin"),
    }


# Namespace-level rules (not tied to one repository).
CREATE_REPO = Rule(role=Role.WRITE, trust=2, scope="write")  # create a repository in a namespace
NAMESPACE_ADMIN = Rule(role=Role.ADMIN, trust=4, scope="admin")  # org webhooks
MANAGE_MEMBERS = Rule(role=Role.ADMIN, trust=5, scope="admin")  # people only: no agent manages members
SEE_MEMBERS = Rule(role=Role.READ, trust=0, scope="read")

# Agents: operators may grant trust 0–3; only staff grant 4 (Autonomous).
MAX_TRUST_WITHOUT_STAFF = 3
MAX_TRUST = 4

# Events that change who may see what: an open stream re-checks its caller's access when one passes.
ACCESS_EVENT_TYPES = frozenset({
    "repository.updated", "repository.deleted",
    "member.added", "member.changed", "member.removed",
    "agent.suspended", "agent.updated", "agent.trust_changed", "agent.token_rotated",
    "token.revoked",
})
# Events only a repository's admins may read (deploy-token names and scopes): whoever may list them.
ADMIN_EVENT_PREFIXES = ("token.",)
