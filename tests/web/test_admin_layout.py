"""Every admin list fits a 1,400 px wide window: in a real browser (Debian's Chromium), with rows of
every kind (tests/web/conftest.py), no list needs a horizontal scrollbar."""

import shutil

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH = 1400


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
