"""kizuna.web.csp.CSPMiddleware: the settings' policy is built once, and whatever varies a response's
policy still takes django-csp's own path."""

import pytest
from csp.constants import NONCE
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

from kizuna.web.csp import CSPMiddleware

pytestmark = pytest.mark.django_db
HEADER, HEADER_RO = "Content-Security-Policy", "Content-Security-Policy-Report-Only"


def directives(response) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in response[HEADER].split(";")) if d}


def run(make_response, path="/login"):
    request = RequestFactory().get(path)
    middleware = CSPMiddleware(lambda req: make_response(req))
    return request, middleware(request)


def test_every_response_carries_the_settings_policy_api_included():
    for path in ("/login", "/api/v1/health", "/api/v1/no-such-thing"):
        response = Client().get(path)
        assert response[HEADER] == build_policy(), path
        assert HEADER_RO not in response


def test_a_settings_change_is_followed():
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        _, response = run(lambda req: HttpResponse())
        assert response[HEADER] == "default-src 'none'" == response[HEADER_RO]
    _, response = run(lambda req: HttpResponse())
    assert response[HEADER] == build_policy() and HEADER_RO not in response


def test_a_used_nonce_is_in_the_header():
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}):
        _, response = run(lambda req: HttpResponse(str(req.csp_nonce)))
        assert directives(response)["script-src"] == ["'self'", f"'nonce-{response.content.decode()}'"]
        _, response = run(lambda req: HttpResponse())
        assert directives(response)["script-src"] == ["'self'"]  # not used: no nonce


def test_the_nonce_cannot_be_asked_for_after_the_header_is_written():
    request, _ = run(lambda req: HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_per_response_update_replace_and_exempt():
    def updated(req):
        response = HttpResponse()
        response._csp_update = {"img-src": ["https://img.example"]}
        return response

    def replaced(req):
        response = HttpResponse()
        response._csp_replace = {"script-src": ["https://js.example"]}
        return response

    def exempt(req):
        response = HttpResponse()
        response._csp_exempt = True
        return response

    assert "https://img.example" in run(updated)[1][HEADER]
    assert directives(run(replaced)[1])["script-src"] == ["https://js.example"]
    assert HEADER not in run(exempt)[1]


def test_a_header_already_set_is_kept():
    def own(req):
        response = HttpResponse()
        response[HEADER] = "default-src 'self'"
        return response

    assert run(own)[1][HEADER] == "default-src 'self'"


def test_excluded_prefixes_are_honoured():
    policy = {"EXCLUDE_URL_PREFIXES": ["/api/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert HEADER not in run(lambda req: HttpResponse(), path="/api/v1/user")[1]
        assert run(lambda req: HttpResponse(), path="/login")[1][HEADER] == "default-src 'self'"
