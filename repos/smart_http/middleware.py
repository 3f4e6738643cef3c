"""Git's smart HTTP served from the middleware chain, ahead of what only people's requests need.

A git client authenticates with its token in the Authorization header on every request and never
sends a cookie; nothing it asks for is an HTML page. So sessions, CSRF, Django's authentication, the
messages, the frame and content-security headers and sign-in throttling have nothing to do for it, nor
has the URL resolver. As WhiteNoise serves static files, this middleware answers
`/<org>/<repo>.git/{info/refs,git-upload-pack,git-receive-pack}` itself and the rest of the chain never
runs: a push is three requests, each paying that chain cold between git's own work (about 0.4 ms each on
this machine's benchmark: docs/benchmarks.md "Git hosting"). The request id, the security middleware's
headers (nosniff, Referrer-Policy, the opener policy) and Django's request signals (the database
connection's handling) still apply; a git answer carries no CSP, frame or ETag headers, which are for
pages and API reads. The view (views.py) asks the policy as before.
"""

from kizuna.api.on_loop import OnLoop

from .urls import GIT_PATH
from .views import git_http


def _match(request):
    # The route's pattern as the resolver applies it (fullmatch: `$` alone would let a trailing newline
    # through); the route is the URLconf's first, so no other route could have taken the path.
    return GIT_PATH.fullmatch(request.path_info[1:])


class GitHttpMiddleware(OnLoop):
    def in_thread(self, phase, request, *args):
        # The view reads the database and starts git: under ASGI in the request's thread, as Django
        # would run a synchronous view; any other path goes on down the chain on the event loop.
        return phase == "request" and _match(request) is not None

    def process_request(self, request):
        match = _match(request)
        if match is None:
            return None
        return git_http(request, **match.groupdict())
