"""Reviews, requested reviewers, branch protection and code owners through the REST API (docs/api.md §16)."""

import pytest

from kizuna.accounts.actors import actor_for_user
from kizuna.events.models import Event
from pipelines.models import Pipeline
from pulls.models import Review
from repos import git as repo_git

pytestmark = pytest.mark.django_db

REPO = "/repos/w-org/pub"
PULLS = f"{REPO}/pulls"
PROTECTION = f"{REPO}/branches/main/protection"


@pytest.fixture
def w(pr_world, api):
    pr_world.apis = {k: api(v) for k, v in pr_world.tokens.items()}
    pr_world.api = pr_world.apis["admin"]
    pr_world.api_for = api
    return pr_world


def open_pr(w, token="writer", head="feature"):
    response = w.apis[token].post(PULLS, {"title": "Add feature", "head": head})
    assert response.status_code == 201, response.json()
    return response.json()


def protect(w, **rule):
    response = w.api.put(PROTECTION, rule)
    assert response.status_code == 200, response.json()
    return response.json()


def review(w, token, number, event="APPROVE", body="", status=201, api=None):
    response = (api or w.apis[token]).post(f"{PULLS}/{number}/reviews", {"event": event, "body": body})
    assert response.status_code == status, response.json()
    return response.json()


def merge(w, number, token="admin", status=200, api=None):
    response = (api or w.apis[token]).post(f"{PULLS}/{number}/merge", {})
    assert response.status_code == status, response.json()
    return response.json()


def unmet(response_json):
    return response_json["error"]["details"]["unmet"]


def add_pipeline(w, sha, status):
    number = Pipeline.objects.filter(repository=w.repo).count() + 1
    return Pipeline.objects.create(repository=w.repo, number=number, status=status, ref="feature", sha=sha,
                                   trigger="api", triggered_by=actor_for_user(w.admin))


# --- reviews ----------------------------------------------------------------------------------------------
def test_submit_list_get_and_the_rules_of_a_review(w):
    pr = open_pr(w)
    n = pr["number"]
    head = pr["head"]["sha"]
    review(w, "writer", n, "APPROVE", status=422)  # the author may not approve their own PR
    review(w, "writer", n, "REQUEST_CHANGES", "no", status=422)
    mine = review(w, "writer", n, "COMMENT", "a note on my own PR")
    assert mine["state"] == "COMMENTED"
    for event in ("REQUEST_CHANGES", "COMMENT"):  # need a body
        got = review(w, "reader", n, event, "  ", status=422)
        assert "body" in got["error"]["details"]
    review(w, "reader", n, "MAYBE", status=422)
    approved = review(w, "reader", n, "APPROVE")
    assert approved["state"] == "APPROVED" and approved["commit_id"] == head
    assert approved["user"]["login"] == "w-reader" and approved["submitted_at"].endswith("Z")
    stale = w.apis["reader"].post(f"{PULLS}/{n}/reviews", {"event": "APPROVE", "commit_id": "a" * 40})
    assert stale.status_code == 409
    listed = w.api.get(f"{PULLS}/{n}/reviews").json()
    assert [r["id"] for r in listed] == [mine["id"], approved["id"]]
    assert w.api.get(f"{PULLS}/{n}/reviews/{approved['id']}").json() == approved
    assert w.api.get(f"{PULLS}/{n}/reviews/999999").status_code == 404
    assert w.apis["outsider"].post(f"{PULLS}/{n}/reviews", {"event": "COMMENT", "body": "x"}).status_code == 201
    assert w.api_for().post(f"{PULLS}/{n}/reviews", {"event": "COMMENT", "body": "x"}).status_code == 401
    events = Event.objects.filter(type="pull_request_review.submitted").order_by("id")
    assert events.count() == 3
    assert events.last().payload["review"]["state"] == "COMMENTED"


def test_dismissal_needs_write_and_only_verdicts_are_dismissed(w):
    n = open_pr(w)["number"]
    approval = review(w, "reader", n, "APPROVE")
    comment = review(w, "reader", n, "COMMENT", "hm")
    url = f"{PULLS}/{n}/reviews/{approval['id']}/dismissals"
    assert w.apis["reader"].put(url, {"message": "no"}).status_code == 403
    assert w.apis["maintainer"].put(url, {}).status_code == 422  # message is required
    got = w.apis["maintainer"].put(url, {"message": "outdated"})
    assert got.status_code == 200 and got.json()["state"] == "DISMISSED"
    assert w.apis["maintainer"].put(url, {"message": "again"}).status_code == 422
    assert w.apis["maintainer"].put(f"{PULLS}/{n}/reviews/{comment['id']}/dismissals", {"message": "x"}).status_code == 422
    event = Event.objects.get(type="pull_request_review.dismissed")
    assert event.payload["message"] == "outdated" and event.actor.login == "w-maint"


# --- requested reviewers ----------------------------------------------------------------------------------
def test_requested_reviewers(w, make_agent):
    n = open_pr(w)["number"]
    url = f"{PULLS}/{n}/requested_reviewers"
    got = w.apis["writer"].post(url, {"reviewers": ["W-Reader", "w-maint"]})  # the author asks
    assert got.status_code == 201
    assert [a["login"] for a in got.json()["requested_reviewers"]] == ["w-reader", "w-maint"]
    assert [a["login"] for a in w.api.get(url).json()] == ["w-reader", "w-maint"]
    assert w.apis["reader"].post(url, {"reviewers": ["w-admin"]}).status_code == 403  # not the author: triage
    bad = w.apis["writer"].post(url, {"reviewers": ["nobody-here", "w-writer"]})
    assert bad.status_code == 422 and len(bad.json()["error"]["details"]["reviewers"]) == 2
    assert w.apis["writer"].post(url, {"reviewers": []}).status_code == 422
    assert w.apis["writer"].post(url, {}).status_code == 422
    review(w, "reader", n, "COMMENT", "looked")  # answering the request removes it
    assert [a["login"] for a in w.api.get(url).json()] == ["w-maint"]
    assert w.apis["writer"].delete(url, data={"reviewers": ["w-maint"]}).status_code == 204
    assert w.api.get(url).json() == []
    assert w.api.get(f"{PULLS}/{n}").json()["requested_reviewers"] == []


# --- branch protection: the rule itself --------------------------------------------------------------------
def test_protection_rule_crud_defaults_and_access(w, make_agent):
    assert w.api.get(PROTECTION).status_code == 404  # unprotected
    assert w.api.delete(PROTECTION).status_code == 404
    assert w.api.put(f"{REPO}/branches/nope/protection", {}).status_code == 404
    assert w.apis["writer"].put(PROTECTION, {}).status_code == 403
    _, agent_token = make_agent(w.admin, trust_level=4)
    assert w.api_for(agent_token).put(PROTECTION, {}).status_code == 403  # no agent lowers the gate
    rule = protect(w, required_approving_review_count=2, require_pipeline=True)
    assert rule == {
        "required_approving_review_count": 2, "dismiss_stale_reviews": False, "require_code_owner_reviews": False,
        "require_pipeline": True, "require_pull_request": False, "allow_force_pushes": False,
        "allow_deletions": False, "agent_approval_min_trust": None,
    }
    assert w.apis["writer"].get(PROTECTION).json() == rule  # write may read it
    assert w.apis["reader"].get(PROTECTION).status_code == 403
    # PUT replaces: omitted fields take their defaults
    assert protect(w, agent_approval_min_trust=3)["required_approving_review_count"] == 0
    for bad in ({"required_approving_review_count": 7}, {"required_approving_review_count": -1},
                {"agent_approval_min_trust": 5}, {"require_pipeline": "perhaps"},
                {"required_approving_review_count": "2"}, {"required_approving_review_count": 1.0},
                {"agent_approval_min_trust": "3"}):  # integers are JSON integers, as the schema says
        assert w.api.put(PROTECTION, bad).status_code == 422, bad
    branches = {b["name"]: b["protected"] for b in w.api.get(f"{REPO}/branches").json()}
    assert branches == {"main": True, "feature": False}
    protect_feature = w.api.put(f"{REPO}/branches/feature/protection", {})
    assert protect_feature.status_code == 200
    assert w.api.get(f"{REPO}/branches/feature").json()["protected"] is True
    assert w.api.delete(PROTECTION).status_code == 204
    assert w.api.get(PROTECTION).status_code == 404
    actions = list(Event.objects.filter(type="branch_protection.changed").order_by("id").values_list("payload__action", flat=True))
    assert actions == ["created", "updated", "created", "deleted"]


# --- branch protection through the merge endpoint ------------------------------------------------------------
def test_required_approvals_count_latest_verdicts_of_writers(w):
    protect(w, required_approving_review_count=2)
    pr = open_pr(w)
    n = pr["number"]
    assert w.api.get(f"{PULLS}/{n}").json()["mergeable_state"] == "blocked"
    refused = merge(w, n, status=405)  # rules bind admins too
    assert refused["error"]["code"] == "NOT_MERGEABLE"
    assert unmet(refused) == [{"rule": "required_approving_review_count", "required": 2, "actual": 0}]
    review(w, "reader", n)  # a reader's approval is recorded but does not count
    review(w, "maintainer", n)
    assert unmet(merge(w, n, status=405))[0]["actual"] == 1
    review(w, "admin", n, "REQUEST_CHANGES", "not yet")
    review(w, "admin", n, "COMMENT", "a comment is no verdict")
    blocked = unmet(merge(w, n, status=405))[0]
    assert blocked["actual"] == 1 and blocked["changes_requested_by"] == ["w-admin"]
    review(w, "admin", n, "APPROVE")  # the latest verdict replaces the change request
    detail = w.api.get(f"{PULLS}/{n}").json()
    assert detail["mergeable_state"] == "clean"
    assert detail["mergeable_state_details"] == {"unmet": [], "codeowners_errors": []}
    assert merge(w, n)["merged"] is True


def test_a_dismissed_approval_stops_counting(w):
    protect(w, required_approving_review_count=1)
    n = open_pr(w)["number"]
    approval = review(w, "maintainer", n)
    assert w.api.get(f"{PULLS}/{n}").json()["mergeable_state"] == "clean"
    w.api.put(f"{PULLS}/{n}/reviews/{approval['id']}/dismissals", {"message": "no"})
    assert unmet(merge(w, n, status=405))[0]["actual"] == 0


@pytest.mark.parametrize("min_trust, agent_trust, counts", [
    (None, 4, False),  # null: agents' approvals never count
    (3, 2, False),
    (3, 3, True),
    (3, 4, True),
])
def test_agent_approvals_count_from_the_threshold(w, make_agent, min_trust, agent_trust, counts):
    protect(w, required_approving_review_count=1, agent_approval_min_trust=min_trust)
    n = open_pr(w)["number"]
    _, token = make_agent(w.writer, trust_level=agent_trust)
    review(w, None, n, api=w.api_for(token))  # recorded like anyone's
    assert Review.objects.filter(user__type="Agent", state="APPROVED").count() == 1
    state = w.api.get(f"{PULLS}/{n}").json()["mergeable_state"]
    assert state == ("clean" if counts else "blocked")


def test_an_agent_of_a_reader_never_counts(w, make_agent):
    protect(w, required_approving_review_count=1, agent_approval_min_trust=0)
    n = open_pr(w)["number"]
    _, token = make_agent(w.reader, trust_level=4)
    review(w, None, n, api=w.api_for(token))
    assert w.api.get(f"{PULLS}/{n}").json()["mergeable_state"] == "blocked"


def test_require_pipeline_on_the_head_and_a_push_makes_it_pending_again(w):
    protect(w, require_pipeline=True)
    pr = open_pr(w)
    n, head = pr["number"], pr["head"]["sha"]
    assert unmet(merge(w, n, status=405)) == [{"rule": "require_pipeline", "required": "success", "actual": None}]
    add_pipeline(w, head, "success")
    add_pipeline(w, head, "failed")  # the newest decides
    assert unmet(merge(w, n, status=405))[0]["actual"] == "failed"
    add_pipeline(w, head, "success")
    assert w.api.get(f"{PULLS}/{n}").json()["mergeable_state"] == "clean"
    w.clone.branch("feature")
    w.clone.commit({"more.txt": "more\n"}, "more")
    w.clone.push("feature", notify=True)
    assert unmet(merge(w, n, status=405)) == [{"rule": "require_pipeline", "required": "success", "actual": None}]
    add_pipeline(w, repo_git.branch_sha(w.repo.pk, "feature"), "success")
    assert merge(w, n)["merged"] is True


def test_a_push_not_yet_recorded_is_judged_by_the_real_head(w):
    """The merge reads the head from git under its lock: approvals of an older sha are stale at once."""
    protect(w, required_approving_review_count=1, dismiss_stale_reviews=True)
    n = open_pr(w)["number"]
    review(w, "maintainer", n)
    w.clone.branch("feature")
    w.clone.commit({"late.txt": "late\n"}, "late")
    w.clone.push("feature")  # the push hook has not run yet
    assert unmet(merge(w, n, status=405))[0]["actual"] == 0


def test_dismiss_stale_reviews_on_push(w):
    protect(w, required_approving_review_count=1, dismiss_stale_reviews=True)
    n = open_pr(w)["number"]
    approval = review(w, "maintainer", n)
    change_request = review(w, "admin", n, "REQUEST_CHANGES", "fix it")
    w.clone.branch("feature")
    w.clone.commit({"fix.txt": "fixed\n"}, "fix")
    w.clone.push("feature", notify=True)
    assert Review.objects.get(pk=approval["id"]).state == "DISMISSED"
    assert Review.objects.get(pk=change_request["id"]).state == "CHANGES_REQUESTED"  # only approvals go stale
    event = Event.objects.get(type="pull_request_review.dismissed")
    assert event.payload["review"]["id"] == approval["id"] and event.actor.login == "w-admin"
    review(w, "admin", n, "APPROVE")
    assert merge(w, n)["merged"] is True


def test_without_dismiss_stale_reviews_approvals_survive_a_push(w):
    protect(w, required_approving_review_count=1)
    n = open_pr(w)["number"]
    approval = review(w, "maintainer", n)
    w.clone.branch("feature")
    w.clone.commit({"fix.txt": "fixed\n"}, "fix")
    w.clone.push("feature", notify=True)
    assert Review.objects.get(pk=approval["id"]).state == "APPROVED"
    assert merge(w, n)["merged"] is True


def test_unprotected_branches_merge_as_before_and_dirty_is_reported(w):
    n = open_pr(w)["number"]
    assert w.api.get(f"{PULLS}/{n}").json()["mergeable_state"] == "clean"
    w.clone.branch("main")
    w.clone.commit({"feature.txt": "conflict\n"}, "conflict")
    w.clone.push("main", notify=True)
    assert w.api.get(f"{PULLS}/{n}").json()["mergeable_state"] == "dirty"


# --- code owners ----------------------------------------------------------------------------------------------
CODEOWNERS = """# owners
*           @w-admin
*.py        @w-maint
docs/*      @w-reader
/build/     @w-maint @w-admin
src/[ab].c  @w-admin
lib/        @org/team
"""


def test_code_owners_are_requested_and_required(w):
    w.clone.branch("main")
    w.clone.commit({".kizuna/CODEOWNERS": CODEOWNERS}, "owners")
    w.clone.push("main", notify=True)
    w.clone.branch("owned", "main")
    w.clone.commit({"app.py": "x\n", "docs/guide.md": "g\n", "docs/deep/x.md": "d\n", "notes.txt": "n\n"}, "owned")
    w.clone.push("owned")
    protect(w, require_code_owner_reviews=True)
    pr = open_pr(w, head="owned")
    n = pr["number"]
    # app.py → w-maint; docs/guide.md → w-reader (docs/* is one level); docs/deep/x.md, notes.txt → w-admin
    assert sorted(a["login"] for a in pr["requested_reviewers"]) == ["w-admin", "w-maint", "w-reader"]
    details = pr["mergeable_state_details"]
    assert [(e["path"], e["line"]) for e in details["codeowners_errors"]] == [(".kizuna/CODEOWNERS", 6),
                                                                            (".kizuna/CODEOWNERS", 7)]
    assert pr["mergeable_state"] == "blocked"
    owners = unmet(merge(w, n, status=405))[0]
    assert owners["rule"] == "require_code_owner_reviews" and owners["required"] == 3 and owners["actual"] == 0
    review(w, "maintainer", n)
    review(w, "admin", n)
    # w-reader owns docs/guide.md but a reader's approval does not count
    review(w, "reader", n)
    left = unmet(merge(w, n, status=405))[0]
    assert left["actual"] == 2 and left["owners"] == [["w-reader"]]
    assert Event.objects.filter(type="pull_request.review_requested").count() == 3


def test_code_owners_last_match_wins_and_follow_the_base(w):
    w.clone.branch("main")
    w.clone.commit({"CODEOWNERS": "*.txt @w-admin\nnotes.txt @w-maint\n"}, "owners")
    w.clone.push("main", notify=True)
    w.clone.branch("notes", "main")
    w.clone.commit({"notes.txt": "n\n"}, "notes")
    w.clone.push("notes")
    protect(w, require_code_owner_reviews=True)
    n = open_pr(w, head="notes")["number"]
    review(w, "admin", n)
    assert unmet(merge(w, n, status=405))[0]["owners"] == [["w-maint"]]
    # The base changes its CODEOWNERS: the PR follows
    w.clone.branch("main")
    w.clone.commit({"CODEOWNERS": "*.txt @w-admin\n"}, "owners again")
    w.clone.push("main", notify=True)
    assert w.api.get(f"{PULLS}/{n}").json()["mergeable_state"] == "clean"


def test_a_broken_codeowners_is_reported_never_a_500(w):
    w.clone.branch("main")
    w.clone.commit({"CODEOWNERS": "\x00\xff garbage [\n!neg @w-admin\n" + "x @w-admin\n" * 1200}, "broken")
    w.clone.push("main", notify=True)
    w.clone.branch("b2", "main")
    w.clone.commit({"x": "y\n"}, "x")
    w.clone.push("b2")
    protect(w, require_code_owner_reviews=True)
    pr = open_pr(w, head="b2")
    errors = pr["mergeable_state_details"]["codeowners_errors"]
    assert errors and any("more than" in e["message"] for e in errors)
    assert pr["mergeable_state"] == "blocked"


# --- no N+1 ---------------------------------------------------------------------------------------------------
def test_pr_list_query_count_does_not_grow_with_reviews_and_rules(w, make_agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    protect(w, required_approving_review_count=1, require_pipeline=True, agent_approval_min_trust=2,
            require_code_owner_reviews=True)
    _, agent_token = make_agent(w.maintainer, trust_level=3)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = w.api.get(PULLS, {"per_page": 100})
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()

    counts = []
    for i in range(4):
        w.clone.branch(f"q{i}", "main")
        head = w.clone.commit({f"q{i}.txt": "x\n"}, f"q{i}")
        w.clone.push(f"q{i}")
        n = open_pr(w, head=f"q{i}")["number"]
        review(w, "maintainer", n)
        review(w, "reader", n)
        review(w, None, n, api=w.api_for(agent_token))
        w.apis["writer"].post(f"{PULLS}/{n}/requested_reviewers", {"reviewers": ["w-admin"]})
        add_pipeline(w, head, "success")
        queries, listed = count()
        counts.append(queries)
    assert len(set(counts)) == 1, counts
    assert {pr["mergeable_state"] for pr in listed} == {"clean"}
    assert all([a["login"] for a in pr["requested_reviewers"]] == ["w-admin"] for pr in listed)


def test_review_and_protection_events_filter_by_family_and_reach_webhooks(w):
    from kizuna.events.models import Webhook, WebhookDelivery
    from kizuna.events.serializers import WebhookSerializer

    names = ["pull_request_review", "branch_protection"]
    assert WebhookSerializer().validate_events(names) == names  # a hook may subscribe to them
    Webhook.objects.create(repository=w.repo, url="https://hooks.example.com/h",
                           events=["pull_request_review", "branch_protection"])
    protect(w, required_approving_review_count=1)
    n = open_pr(w)["number"]
    review(w, "maintainer", n)
    family = w.api.get(f"{REPO}/events", {"type": "pull_request_review"}).json()
    assert [e["type"] for e in family] == ["pull_request_review.submitted"]
    submitted = family[0]["payload"]["review"]["submitted_at"]
    assert submitted == w.api.get(f"{PULLS}/{n}/reviews").json()[0]["submitted_at"]  # to the second, with Z
    assert {d.event_name for d in WebhookDelivery.objects.all()} == {"pull_request_review", "branch_protection"}


def test_a_changed_file_name_that_is_not_utf8_is_owned_by_its_shown_name(w):
    """git names are bytes: a pushed file `\\xff.txt` is matched as `\ufffd.txt` (RE2 takes only text that
    encodes as UTF-8; pygit2 hands such a name over with surrogate escapes)."""
    w.clone.branch("main")
    w.clone.commit({"CODEOWNERS": "* @w-admin\n*.txt @w-maint\n"}, "owners")
    w.clone.push("main", notify=True)
    w.clone.branch("odd", "main")
    with open(bytes(w.clone.path) + b"/\xff.txt", "wb") as fh:
        fh.write(b"odd\n")
    w.clone.commit({}, "a name that is not UTF-8")
    w.clone.push("odd")
    protect(w, require_code_owner_reviews=True)
    pr = open_pr(w, head="odd")
    assert [a["login"] for a in pr["requested_reviewers"]] == ["w-maint"]
    assert w.api.get(f"{PULLS}/{pr['number']}").status_code == 200
    assert unmet(merge(w, pr["number"], status=405))[0]["owners"] == [["w-maint"]]
