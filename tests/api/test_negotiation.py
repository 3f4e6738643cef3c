"""One format, whatever Accept or ?format say (LenientContentNegotiation); Accept's parameters still
reach the renderer."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html", "application/xml, text/*",
                                    "application/json; indent=2", "text/html;q=0.9"])
@pytest.mark.parametrize("query", ["", "?format=json", "?format=xml"])
def test_always_json(accept, query):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = Client().get(f"/api/v1/health{query}", **extra)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()


def test_an_indent_parameter_still_indents():
    plain = Client().get("/api/v1/health").content.decode()
    indented = Client().get("/api/v1/health", HTTP_ACCEPT="application/json; indent=2").content.decode()
    assert "\n" not in plain and "\n  " in indented
