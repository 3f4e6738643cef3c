"""Pull requests start pipelines when the definition asks for `pull_request` (docs/api.md §11)."""

import pytest

from pipelines.models import Pipeline

pytestmark = pytest.mark.django_db

PIPELINE = "on: [pull_request]\njobs:\n  test:\n    steps:\n      - run: echo hi\n"


def pipelines_of(repo):
    return list(Pipeline.objects.filter(repository=repo).order_by("id").values_list("trigger", "sha", "ref"))


def test_opening_and_synchronizing_a_pull_request_trigger_pipelines(pr_world, api):
    w = pr_world
    w.clone.branch("ci", "main")
    w.clone.commit({".kizuna/pipeline.yml": PIPELINE}, "add pipeline")
    head = w.clone.push("ci")
    response = api(w.tokens["writer"]).post("/repos/w-org/pub/pulls", {"title": "CI", "head": "ci"})
    assert response.status_code == 201, response.json()
    assert pipelines_of(w.repo) == [("pull_request", head, "ci")]

    moved = w.clone.commit({"more.txt": "x\n"}, "more")
    w.clone.push("ci", notify=True)
    assert pipelines_of(w.repo) == [("pull_request", head, "ci"), ("pull_request", moved, "ci")]


def test_no_pipeline_without_pull_request_in_on(pr_world, api):
    w = pr_world
    w.clone.branch("ci", "main")
    w.clone.commit({".kizuna/pipeline.yml": PIPELINE.replace("[pull_request]", "[push]")}, "push only")
    w.clone.push("ci")
    assert api(w.tokens["writer"]).post("/repos/w-org/pub/pulls", {"title": "CI", "head": "ci"}).status_code == 201
    assert pipelines_of(w.repo) == []
