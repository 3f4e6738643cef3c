"""One ASGI process serves everything (`make run`, tests); in production only the SSE paths and
`/mcp` come here (docs/deploy.md). `/mcp` is the MCP SDK's Streamable HTTP transport (kizuna.mcp),
every other path is Django."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
django_application = get_asgi_application()

from kizuna.api.checks import refuse_to_start_on_serious_errors  # noqa: E402  (apps loaded)
from kizuna.mcp.server import application as mcp_application  # noqa: E402 - needs Django set up

refuse_to_start_on_serious_errors()  # kizuna.E001 (the published SECRET_KEY), the version rules (§18)


def freeze_startup_objects() -> None:
    """Leave what loading Django, the apps and the URLconf made (~150,000 objects, there for the
    process's life) out of every later garbage collection. A full collection walks every object it
    tracks, all at once, on the event loop: one in the middle of an event's fan-out stalled 1,000 SSE
    streams by 0.27 s (docs/benchmarks.md, Events); it now walks only what was made since."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # the URLconf and the views it imports: loaded now, not on the first request
    gc.collect()
    gc.freeze()


freeze_startup_objects()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"].rstrip("/") == "/mcp":
        await mcp_application(scope, receive, send)
    elif scope["type"] == "lifespan":  # Django has no lifespan; the MCP manager starts on first use
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    else:
        await django_application(scope, receive, send)
