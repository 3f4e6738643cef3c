"""Every admin list fits a 1,400 px wide window: in a real browser (Debian's Chromium), with rows of
every kind, no list needs a horizontal scrollbar."""

import shutil

import pytest

from tests.pipelines.conftest import SIMPLE, commit_files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH = 1400


@pytest.fixture
def rows(world, make_agent, make_deploy_token, tmp_path):
    """A row of every admin model, with realistic lengths."""
    from agents.models import Agent
    from issues import services as issue_services
    from kizuna.accounts.services import actor_for_user
    from kizuna.events import services as event_services
    from pipelines import services as pipeline_services
    from pulls import services as pull_services
    from repos import git

    writer = actor_for_user(world.writer)
    make_agent(world.writer, name="a-rather-long-agent-name-for-ci")
    Agent.objects.update(model_family="claude-sonnet", model_version="2026-01-01")
    make_deploy_token(world.public)
    event_services.webhook_create(actor=writer, url="https://hooks.example.com/kizuna/incoming/events", events=["*"],
                                  repository=world.public)
    issue = issue_services.issue_create(repo=world.public, actor=writer, labels=["bug"],
                                        title="A fairly long issue title, as people write them, about something")
    issue_services.comment_create(issue=issue, actor=writer, body="A comment")
    issue_services.milestone_create(repo=world.public, actor=writer, title="Version 1.0 release")
    commit_files(world.public, {".kizuna/pipeline.yml": SIMPLE, "README.md": "hi\n"})
    commit_files(world.public, {"feature.txt": "new\n"}, branch="feature/a-longer-branch-name")
    pull_services.pull_create(repo=world.public, actor=writer, title="Add the feature from a long branch name",
                              head="feature/a-longer-branch-name", base="main")
    pipeline_services.pipeline_trigger(repo=world.public, actor=writer, ref="main")
    assert git.branch_sha(world.public.pk, "main")
    from django.contrib.auth.models import Group

    Group.objects.create(name="operators")
    return world


def test_admin_lists_fit_a_1400_px_window(rows, live_server, make_user):
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    from django.contrib import admin
    from playwright.sync_api import sync_playwright

    make_user("layout-op", is_staff=True, is_superuser=True)
    lists = [f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry]
    too_wide = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        page.goto(live_server.url + "/admin/login/")
        page.fill("input[name=username]", "layout-op")
        page.fill("input[name=password]", "pw")
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        for path in lists:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert page.locator("#result_list tbody tr").count() > 0, f"{path} has no rows to measure"
            widths = page.evaluate("""() => {
                const table = document.querySelector('#result_list');
                const box = document.querySelector('#changelist .results') || table.parentElement;
                return [table.scrollWidth, box.clientWidth, document.documentElement.scrollWidth];
            }""")
            if widths[0] > widths[1] or widths[2] > WIDTH:
                too_wide[path] = widths
        browser.close()
    assert too_wide == {}, f"lists wider than their box at {WIDTH} px (table, box, page): {too_wide}"
