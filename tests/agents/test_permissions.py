"""kizuna.policy.check for every Action × trust level, against the table of docs/api.md §10."""

import pytest
from rest_framework import exceptions

from kizuna.accounts.models import Role
from kizuna import policy as permissions
from kizuna.api.errors import Forbidden, NotFound
from kizuna.policy import Action

pytestmark = pytest.mark.django_db

# Written from docs/api.md §10 by hand (not derived from Action.RULES, or the test could not fail).
EXPECTED_TRUST = {
    Action.READ: 0,  # read and clone
    Action.COMMENT: 1,  # comment, open issues
    Action.OPEN_DRAFT_PULL: 1,
    Action.PUSH_AGENT_BRANCH: 1,  # agent/<agent-name>/…
    Action.PUSH: 2,  # any non-default branch
    Action.OPEN_PULL: 2,  # ready PRs, mark ready
    Action.MARK_READY: 2,  # mark (someone else's) draft ready
    Action.PIPELINE: 2,  # trigger and cancel
    Action.RUN_JOB: 2,  # with capability `ci`
    Action.MERGE: 3,  # into non-default branches
    Action.TRIAGE: 3,  # edit/close/label others' issues
    Action.MODERATE: 3,  # delete others' comments (as editing others' text)
    Action.MERGE_DEFAULT: 4,
    Action.PUSH_DEFAULT: 4,
    Action.FORCE_PUSH_DEFAULT: 4,
    Action.SETTINGS: 4,
    Action.UNARCHIVE: 4,
    Action.ADMIN: 4,
    Action.REVIEW: 1,  # review a pull request (docs/api.md §16): recorded like a comment
    Action.DISMISS_REVIEW: 3,  # as triage: acting on others' work
    Action.SEE_PROTECTION: 0,  # reading a branch's rule (the write role is what gates it)
    Action.PROTECT: 5,  # changing the human gate: no agent, at any trust level (docs/api.md §16)
}


def test_every_action_is_in_the_expected_table():
    assert set(Action.RULES) == set(EXPECTED_TRUST)


@pytest.fixture
def setup(make_user, make_org, make_repo):
    operator = make_user("perm-op")
    org = make_org("perm-org", owner=operator)
    repo = make_repo(org, "r", visibility="private")
    return operator, org, repo


@pytest.mark.parametrize("level", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("action", sorted(EXPECTED_TRUST))
def test_check_action_by_trust_level(setup, make_agent, action, level):
    operator, _, repo = setup
    agent, _ = make_agent(operator, trust_level=level, capabilities=["ci"])
    required = EXPECTED_TRUST[action]
    if level >= required:
        permissions.check(agent, repo, action)
        assert permissions.allowed(agent, repo, action)
        return
    with pytest.raises(Forbidden) as info:
        permissions.check(agent, repo, action)
    assert info.value.details == {"required_trust_level": required, "trust_level": level}
    assert not permissions.allowed(agent, repo, action)


@pytest.mark.parametrize("action", sorted(EXPECTED_TRUST))
def test_the_operator_itself_may_do_everything(setup, action):
    """Users are not capped by trust (only RUN_JOB is for agents alone)."""
    operator, _, repo = setup
    if action == Action.RUN_JOB:
        with pytest.raises(Forbidden):
            permissions.check(operator, repo, action)
    else:
        permissions.check(operator, repo, action)


def test_run_job_needs_the_ci_capability(setup, make_agent):
    operator, _, repo = setup
    agent, _ = make_agent(operator, trust_level=4, capabilities=["review"])
    with pytest.raises(Forbidden) as info:
        permissions.check(agent, repo, Action.RUN_JOB)
    assert info.value.details == {"required_capability": "ci", "capabilities": ["review"]}
    with pytest.raises(Forbidden):
        permissions.check_job_runner(agent)
    ci_agent, _ = make_agent(operator, trust_level=2, capabilities=["ci"])
    permissions.check_job_runner(ci_agent)
    low, _ = make_agent(operator, trust_level=1, capabilities=["ci"])
    with pytest.raises(Forbidden) as info:
        permissions.check_job_runner(low)
    assert info.value.details == {"required_trust_level": 2, "trust_level": 1}
    with pytest.raises(Forbidden):
        permissions.check_job_runner(operator)


def test_suspended_agent_is_refused_even_if_it_reaches_check(setup, make_agent):
    operator, _, repo = setup
    agent, _ = make_agent(operator, trust_level=4)
    agent.status = "suspended"
    with pytest.raises(Forbidden):
        permissions.check(agent, repo, Action.COMMENT)


@pytest.mark.parametrize(
    "role,allowed_actions",
    [
        # RUN_JOB needs `write`, the role that may trigger a pipeline: job variables are secrets
        (Role.READ, {Action.READ, Action.COMMENT, Action.OPEN_DRAFT_PULL, Action.OPEN_PULL, Action.REVIEW}),
        (Role.WRITE, set(EXPECTED_TRUST) - {Action.MODERATE, Action.SETTINGS, Action.UNARCHIVE, Action.ADMIN,
                                             Action.FORCE_PUSH_DEFAULT, Action.PROTECT}),
        # PROTECT is for people only: no agent reaches it, whatever its operator's role
        (Role.MAINTAIN, set(EXPECTED_TRUST) - {Action.SETTINGS, Action.UNARCHIVE, Action.ADMIN, Action.FORCE_PUSH_DEFAULT,
                                               Action.PROTECT}),
    ],
)
def test_operator_role_caps_an_autonomous_agent(make_user, make_org, make_repo, make_agent, role, allowed_actions):
    owner, member = make_user(), make_user()
    org = make_org(owner=owner, members={member: role})
    repo = make_repo(org, "r", visibility="private")
    agent, _ = make_agent(member, trust_level=4, capabilities=["ci"])
    for action in EXPECTED_TRUST:
        assert permissions.allowed(agent, repo, action) == (action in allowed_actions), action


def test_agent_of_an_outsider_sees_404_on_private_and_may_comment_on_public(make_user, make_org, make_repo, make_agent):
    org = make_org()
    private, public = make_repo(org, "priv", visibility="private"), make_repo(org, "pub", visibility="public")
    agent, _ = make_agent(make_user(), trust_level=4)
    with pytest.raises(NotFound):
        permissions.check(agent, private, Action.READ)
    permissions.check(agent, public, Action.COMMENT)
    with pytest.raises(Forbidden) as info:
        permissions.check(agent, public, Action.PUSH)
    assert info.value.details == {"required_role": "write"}


def test_archived_repository_refuses_writes_to_agents(setup, make_agent):
    from repos.models import Repository

    operator, _, repo = setup
    Repository.objects.filter(pk=repo.pk).update(archived=True)
    repo.refresh_from_db()
    agent, _ = make_agent(operator, trust_level=4)
    with pytest.raises(Forbidden) as info:
        permissions.check(agent, repo, Action.COMMENT)
    assert info.value.details == {"archived": True}
    with pytest.raises(Forbidden):  # only unarchiving passes
        permissions.check(agent, repo, Action.SETTINGS)
    permissions.check(agent, repo, Action.UNARCHIVE)


def test_anonymous_may_only_read_public(make_org, make_repo):
    from django.contrib.auth.models import AnonymousUser

    repo = make_repo(make_org(), "pub", visibility="public")
    permissions.check(AnonymousUser(), repo, Action.READ)
    with pytest.raises(exceptions.NotAuthenticated):
        permissions.check(AnonymousUser(), repo, Action.COMMENT)


def test_push_action_for_agent_branches(setup, make_agent):
    operator, _, repo = setup
    agent, _ = make_agent(operator, name="pusher")
    assert permissions.push_action(repo, "refs/heads/agent/pusher/fix", agent) == Action.PUSH_AGENT_BRANCH
    assert permissions.push_action(repo, "refs/heads/agent/other/fix", agent) == Action.PUSH
    assert permissions.push_action(repo, "refs/heads/agent/pusher", agent) == Action.PUSH
    assert permissions.push_action(repo, f"refs/heads/{repo.default_branch}", agent) == Action.PUSH_DEFAULT
    assert permissions.push_action(repo, "refs/heads/agent/perm-op/x", operator) == Action.PUSH


def test_trust_denied_shape(make_agent):
    agent, _ = make_agent(trust_level=1)
    error = permissions.trust_denied(agent, 3)
    assert error.status_code == 403 and error.code == "FORBIDDEN"
    assert error.details == {"required_trust_level": 3, "trust_level": 1}
