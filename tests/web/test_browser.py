"""A real browser (Debian's Chromium driven by Playwright) signs in, manages tokens and agents.

Screenshots of every page are taken on every run (a page that cannot render fails the test). They
land in a temporary directory, or in docs/screenshots/ with KIZUNA_SCREENSHOTS=docs (to refresh the
committed ones): a test run never rewrites tracked files.
"""

import json
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def screenshots_dir(tmp_path_factory):
    global SCREENSHOTS
    SCREENSHOTS = DOCS_SCREENSHOTS if os.environ.get("KIZUNA_SCREENSHOTS") == "docs" else tmp_path_factory.mktemp("shots")
    return SCREENSHOTS


@pytest.fixture
def browser_page(monkeypatch):
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.on("dialog", lambda dialog: dialog.accept())  # revoke confirmations
        yield page
        browser.close()


def call_api(base: str, path: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(base + "/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def sign_in(page, base: str, login: str, password: str = "pw") -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", password)
    page.screenshot(path=str(SCREENSHOTS / "login.png"))
    page.click("button[type=submit]")
    page.wait_for_url(base + "/settings/tokens")


def test_sign_in_create_use_and_revoke_token(browser_page, live_server, make_user):
    page, base = browser_page, live_server.url
    make_user("octo")
    sign_in(page, base, "octo")

    page.fill("input[name=name]", "browser token")
    page.click("text=Create token")
    secret = page.input_value("#new-token")
    assert secret.startswith("kzp_")
    page.click("[data-copy]")
    page.screenshot(path=str(SCREENSHOTS / "tokens-created.png"), full_page=True)

    status, body = call_api(base, "/user", secret)
    assert (status, body["login"]) == (200, "octo")

    page.click("button.danger")  # revoke (the confirmation dialog is accepted)
    page.wait_for_selector("tr.revoked")
    page.screenshot(path=str(SCREENSHOTS / "tokens-revoked.png"), full_page=True)
    status, body = call_api(base, "/user", secret)
    assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED")


def test_wrong_password_is_refused_in_the_page(browser_page, live_server, make_user):
    page, base = browser_page, live_server.url
    make_user("octo2")
    page.goto(base + "/login")
    page.fill("input[name=username]", "octo2")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "correct" in page.inner_text("[role=alert]")
    assert page.url == base + "/login"


def test_register_an_agent_change_trust_rotate_and_suspend(browser_page, live_server, make_user):
    page, base = browser_page, live_server.url
    make_user("operator1")
    sign_in(page, base, "operator1")
    page.click("text=Agents")
    page.wait_for_url(base + "/settings/agents")
    page.fill("input[name=name]", "review-bot")
    page.fill("input[name=model_family]", "claude")
    page.fill("input[name=model_version]", "4.5")
    page.fill("input[name=capabilities]", "ci, review")
    page.select_option("select[name=trust_level]", "2")
    page.click("text=Register agent")
    secret = page.input_value("#new-token")
    assert secret.startswith("kza_")
    page.screenshot(path=str(SCREENSHOTS / "agents-registered.png"), full_page=True)
    status, body = call_api(base, "/user", secret)
    assert (status, body["login"], body["trust_level"]) == (200, "review-bot", 2)

    row = page.locator("tr[data-agent=review-bot]")
    row.locator("select[name=trust_level]").select_option("3")
    row.locator("text=Set").click()
    page.wait_for_selector("text=now has trust level 3")
    assert call_api(base, "/user", secret)[1]["trust_level"] == 3

    page.locator("tr[data-agent=review-bot]").locator("text=Rotate token").click()
    rotated = page.locator("#new-token").input_value()
    assert rotated.startswith("kza_") and rotated != secret
    assert call_api(base, "/user", secret)[0] == 401

    page.locator("tr[data-agent=review-bot]").locator("text=Suspend").click()
    page.wait_for_selector("tr.suspended")
    page.screenshot(path=str(SCREENSHOTS / "agents-suspended.png"), full_page=True)
    status, body = call_api(base, "/user", rotated)
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def _collect_csp_violations(page) -> list[str]:
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def test_api_browsers_work_under_the_content_security_policy(browser_page, live_server, make_user):
    """Swagger UI (its split view: the initialiser is a script of its own) and Redoc (started from its
    element) render the schema under the CSP, and the browser reports no violation (issue 17)."""
    page, base = browser_page, live_server.url
    violations = _collect_csp_violations(page)
    page.goto(base + "/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30000)  # an operation of the schema is on the page
    assert page.locator(".opblock").count() > 10
    page.screenshot(path=str(SCREENSHOTS / "swagger-ui.png"))
    page.goto(base + "/api/v1/redoc")
    page.wait_for_selector("h1", timeout=30000)
    assert "Kizuna REST API" in page.inner_text("h1")
    page.wait_for_selector("[data-section-id^='tag/'], [data-section-id^='operation/']", timeout=30000)
    page.screenshot(path=str(SCREENSHOTS / "redoc.png"))
    # Redoc's "API docs by Redocly" footer fetches its logo from a CDN; the policy blocks it (nothing is
    # loaded from another host) and Redoc hides the image when it fails to load.
    assert [v for v in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v] == []


@pytest.mark.parametrize("page_path, ready", [("/api/v1/redoc", "text=Kizuna REST API"),
                                              ("/api/v1/docs", "text=Kizuna REST API")])
def test_api_browsers_ask_no_other_host(browser_page, live_server, page_path, ready):
    """Redoc's bundle shows a "by Redocly" logo from cdn.redoc.ly; the page's policy keeps it home."""
    from urllib.parse import urlsplit

    page, base = browser_page, live_server.url
    requested, failed = [], {}
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.setdefault(request.url, request.failure))
    page.goto(base + page_path)
    page.wait_for_selector(ready, timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOTS / f"{page_path.rsplit('/', 1)[1]}.png"))
    home = urlsplit(base).netloc
    elsewhere = [url for url in requested if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != home]
    # Chromium reports a request the page's policy stopped before it left as failed with "csp" (a machine
    # without a route out fails the others too, with another reason: so the reason is what counts).
    assert [(url, failed.get(url)) for url in elsewhere if failed.get(url) != "csp"] == []
