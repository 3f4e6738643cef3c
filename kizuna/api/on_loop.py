"""Middleware whose phases run on the event loop under ASGI (the event streams' server, `make run`).

Django's MiddlewareMixin is async-capable, but its asynchronous path runs every process_request and
process_response in a thread (`sync_to_async`), and Django wraps every synchronous process_view the
same way. A stream's connect crossed between the loop and a thread about 25 times for work that is
mostly reading and writing headers, and each crossing under load waits for the GIL
(docs/benchmarks.md "Events"). `OnLoop` runs a phase on the loop instead, unless `in_thread` says the
phase may block (a database query, a cache round trip, a session to save): that phase still runs in
the request's thread, as before. Under WSGI (gunicorn) nothing changes: the chain is synchronous.

MIDDLEWARE names the subclasses below (and kizuna.web's MessageMiddleware and CSPMiddleware) in place of
Django's and the third-party classes they extend;
each one's `in_thread` is what that class may do that blocks.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _Authentication
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions
from django.middleware.clickjacking import XFrameOptionsMiddleware as _XFrameOptions
from django.middleware.common import CommonMiddleware as _Common
from django.middleware.csrf import CsrfViewMiddleware as _Csrf
from django.middleware.http import ConditionalGetMiddleware as _ConditionalGet
from django.middleware.security import SecurityMiddleware as _Security
from django.utils.deprecation import MiddlewareMixin

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class OnLoop(MiddlewareMixin):
    """MiddlewareMixin whose phases run on the event loop in async mode unless `in_thread` says no."""

    def __init__(self, get_response):
        super().__init__(get_response)
        if self.async_mode and hasattr(self, "process_view"):
            # Django adapts process_view to the handler's mode when it loads the chain: a coroutine
            # function is awaited as it is, a plain one would cross into a thread.
            sync_view = self.process_view

            async def process_view(request, view_func, view_args, view_kwargs):
                return await self._run("view", sync_view, request, view_func, view_args, view_kwargs)

            self.process_view = process_view

    def in_thread(self, phase: str, request, *args) -> bool:
        """Whether `phase` ("request", "view" or "response") may block for this request."""
        return False

    def in_thread_runner(self, phase: str, method):
        """How a phase that may block runs: in the request's thread, as MiddlewareMixin does."""
        return sync_to_async(method, thread_sensitive=True)

    async def _run(self, phase: str, method, request, *args):
        if self.in_thread(phase, request, *args):
            return await self.in_thread_runner(phase, method)(request, *args)
        return method(request, *args)

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = await self._run("request", self.process_request, request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = await self._run("response", self.process_response, request, response)
        return response


class SecurityMiddleware(OnLoop, _Security):
    pass


class CommonMiddleware(OnLoop, _Common):
    pass


class AuthenticationMiddleware(OnLoop, _Authentication):
    """Sets a lazy `request.user`: the session is read when something first asks."""


class ConditionalGetMiddleware(OnLoop, _ConditionalGet):
    pass


class XFrameOptionsMiddleware(OnLoop, _XFrameOptions):
    pass


class SessionMiddleware(OnLoop, _Sessions):
    """Opening the session store reads nothing; saving it at the end writes, if anything read it."""

    def in_thread(self, phase, request, *args):
        return phase == "response" and request.session.accessed


class CsrfViewMiddleware(OnLoop, _Csrf):
    """The secret is in a cookie unless CSRF_USE_SESSIONS (then every phase may read the session); an
    unsafe method's check reads the request body (a form field), which may be spooled to disk."""

    def in_thread(self, phase, request, *args):
        return settings.CSRF_USE_SESSIONS or (phase == "view" and request.method not in SAFE_METHODS)

