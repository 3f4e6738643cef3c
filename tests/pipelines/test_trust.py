"""Who may trigger, cancel and claim (docs/api.md §3, §10, §11), table-driven."""

import pytest

from kizuna.accounts.models import Token

from .conftest import commit_files

pytestmark = pytest.mark.django_db

BASE = "/repos/w-org/priv/pipelines"
PUBLIC = "/repos/w-org/pub/pipelines"

# (who, trigger status, cancel status, claim status)
MATRIX = [
    ("anonymous", 401, 401, 401),
    ("outsider", 404, 404, 403),
    ("reader", 403, 403, 403),
    ("writer", 201, 202, 403),
    ("admin", 201, 202, 403),
    ("agent-trust-0", 403, 403, 403),
    ("agent-trust-1", 403, 403, 403),
    ("agent-trust-2", 201, 202, 201),
    ("agent-trust-2-no-ci", 201, 202, 403),
    ("agent-trust-4", 201, 202, 201),
    # Job variables are secrets: an agent runs only jobs of repositories where its operator may trigger one.
    ("agent-of-reader-trust-4", 403, 403, 204),
    ("agent-suspended", 403, 403, 403),
    ("deploy-write", 201, 202, 403),
    ("deploy-read", 403, 403, 403),
    ("deploy-other-repo", 404, 404, 403),
]


@pytest.fixture
def credentials(world, make_agent, make_token):
    commit_files(world.private, {".kizuna/pipeline.yml": "jobs: {t: {steps: [{run: 'true'}]}}\n"})
    creds = {"anonymous": None, **{k: world.tokens[k] for k in ("outsider", "reader", "writer", "admin")}}
    for trust in (0, 1, 2, 4):
        creds[f"agent-trust-{trust}"] = make_agent(world.writer, trust=trust)[1]
    creds["agent-trust-2-no-ci"] = make_agent(world.writer, capabilities=[])[1]
    creds["agent-of-reader-trust-4"] = make_agent(world.reader, trust=4)[1]
    creds["agent-suspended"] = make_agent(world.writer, status="suspended")[1]
    creds["deploy-write"] = make_token(kind=Token.Kind.DEPLOY, repository=world.private, scopes=["read", "write"])
    creds["deploy-read"] = make_token(kind=Token.Kind.DEPLOY, repository=world.private, scopes=["read"])
    creds["deploy-other-repo"] = make_token(kind=Token.Kind.DEPLOY, repository=world.public, scopes=["read", "write"])
    return creds


@pytest.mark.parametrize("who, trigger_status, cancel_status, claim_status", MATRIX, ids=[row[0] for row in MATRIX])
def test_trust_matrix(api, world, credentials, who, trigger_status, cancel_status, claim_status):
    client = api(credentials[who])
    assert client.post(BASE, {}).status_code == trigger_status
    pipeline_id = api(world.tokens["writer"]).post(BASE, {}).json()["id"]
    assert client.post(f"{BASE}/{pipeline_id}/cancel").status_code == cancel_status
    if cancel_status != 202:
        api(world.tokens["writer"]).post(f"{BASE}/{pipeline_id}/cancel")
    from pipelines.models import Job

    Job.objects.filter(status="pending").update(status="canceled")
    api(world.tokens["writer"]).post(BASE, {})  # exactly one job is queued for the claim
    assert client.post("/agent/jobs/claim", {}).status_code == claim_status
