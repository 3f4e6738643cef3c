"""Flash messages are set up for the web pages, not for API requests (kizuna.web.middleware)."""

from django.http import HttpResponse
from django.test import RequestFactory

from kizuna.web.middleware import MessageMiddleware


def handled(path):
    request = RequestFactory().get(path)
    request.session = {}  # the session storage needs one (SessionMiddleware runs before)
    MessageMiddleware(lambda req: HttpResponse())(request)
    return request


def test_web_pages_get_messages_the_api_does_not():
    assert hasattr(handled("/settings/tokens"), "_messages")
    assert hasattr(handled("/api-docs-like-but-not-api"), "_messages")
    assert not hasattr(handled("/api/v1/user"), "_messages")
    assert not hasattr(handled("/api"), "_messages")
