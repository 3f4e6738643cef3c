"""The MCP server: the tools of kizuna.mcp.tools over Streamable HTTP, behind a bearer-token gate.

Stateless (every POST stands alone, JSON answers): any ASGI process can serve any call, as the REST
API can. The gate answers a missing or bad token with the API's 401 (`WWW-Authenticate`) and an
oversize body with 413 before the protocol layer sees it.
"""

import asyncio
import contextlib
import json
import logging
import uuid
import weakref
from functools import partial

import jsonschema
from asgiref.sync import sync_to_async
from django.conf import settings
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from kizuna import bounded
from kizuna.api.errors import WWW_AUTHENTICATE, envelope
from kizuna.api.middleware import SANE_REQUEST_ID
from kizuna.api.parsers import MAX_DEPTH, MAX_NODES

from . import dispatch
from .tools import BY_NAME, TOOLS, input_schemas, path_params

logger = logging.getLogger("kizuna.mcp")
server = Server("kizuna", instructions="Kizuna, a code forge: repositories, issues, pull requests and pipelines.")


def tool_error(document: dict) -> types.CallToolResult:
    """A refused call: the tool error carries the REST API's error envelope."""
    return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(document))],
                                structuredContent=document, isError=True)


@server.list_tools()
async def list_tools() -> list[types.Tool]:
    schemas = await sync_to_async(input_schemas, thread_sensitive=False)()
    return [types.Tool(name=tool.name, description=tool.description, inputSchema=schemas[tool.name]) for tool in TOOLS]


def _bounded_validation_error(error: jsonschema.ValidationError) -> dict:
    """Name the argument and the rule it breaks, never the value (which may be huge)."""
    where = ".".join(str(part) for part in error.absolute_path) or "arguments"
    return {where[:100]: [f"does not satisfy '{error.validator}'"]}


@server.call_tool(validate_input=False)
async def call_tool(name: str, arguments: dict):
    tool = BY_NAME.get(name)
    if tool is None:
        return tool_error(envelope(404, message="Unknown tool", details={"tool": name[:100]}))
    schema = (await sync_to_async(input_schemas, thread_sensitive=False)())[name]
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(arguments), key=lambda e: list(e.path))
    if errors:
        return tool_error(envelope(422, message="Invalid tool arguments",
                                   details=_bounded_validation_error(errors[0])))
    request = server.request_context.request
    path = tool.path
    for param in path_params(tool):
        value = str(arguments[param])
        path = path.replace("{" + param + "}", value if param == "path" else value.replace("/", "%2F"))
    query = {key: arguments[key] for key in arguments if key not in path_params(tool) and key not in tool.body}
    body = {key: arguments[key] for key in tool.body if key in arguments} if tool.method != "get" else None
    if tool.method != "get" and body is None:
        body = {}
    answer = await sync_to_async(dispatch.call, thread_sensitive=False)(
        method=tool.method, path=path, query=query, body=body,
        authorization=request.headers.get("authorization", ""),
        client=request.client.host if request.client else "", host=request.headers.get("host", "localhost"),
        scheme=request.url.scheme, request_id=request.headers.get("x-request-id", ""),
        forwarded_for=request.headers.get("x-forwarded-for", ""),
    )
    if answer.status >= 400:
        try:
            document = answer.json()
        except ValueError:
            document = envelope(500)
        return tool_error(document)
    if answer.content_type.startswith("text/plain"):
        return {"text": answer.body.decode("utf-8", errors="replace")}
    data = answer.json() if answer.body else {}
    if tool.listing:
        return {"items": data, "next_page": dispatch.next_page(answer.link)}
    return data


# --- ASGI: one session manager per event loop, behind the token gate --------------------------------------
_managers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple]" = weakref.WeakKeyDictionary()


async def _manager() -> StreamableHTTPSessionManager:
    """The session manager must run inside a task group for as long as it serves: one per loop."""
    loop = asyncio.get_running_loop()
    entry = _managers.get(loop)
    if entry is None:
        manager = StreamableHTTPSessionManager(app=server, json_response=True, stateless=True)
        ready = asyncio.Event()

        async def keep_running():
            async with manager.run():
                ready.set()
                await asyncio.Event().wait()

        task = loop.create_task(keep_running())
        entry = (manager, ready, task)
        _managers[loop] = entry
    manager, ready, _task = entry
    await ready.wait()
    return manager


async def _answer(send, status: int, document: dict, headers: list | None = None, *, request_id: str) -> None:
    body = json.dumps(document).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _authenticate(raw: str):
    from kizuna.api.authentication import lookup_token

    return lookup_token(raw)


async def application(scope, receive, send):
    """ASGI app for `/mcp`: the bearer gate and the body limit, then the MCP transport."""
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
    sent_id = headers.get("x-request-id", "")
    request_id = sent_id if SANE_REQUEST_ID.match(sent_id) else str(uuid.uuid4())  # as RequestIdMiddleware does
    answer = partial(_answer, send, request_id=request_id)
    challenge = [(b"www-authenticate", WWW_AUTHENTICATE.encode())]
    scheme, _, raw = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        await answer(401, envelope(401, message="Authentication credentials were not provided.",
                                   request_id=request_id), challenge)
        return
    from rest_framework import exceptions

    try:
        await sync_to_async(_authenticate, thread_sensitive=False)(raw.strip())
    except exceptions.AuthenticationFailed:
        await answer(401, envelope(401, message="Bad credentials", request_id=request_id), challenge)
        return
    except exceptions.APIException as exc:  # a suspended agent
        await answer(exc.status_code, envelope(exc.status_code, message=str(exc.detail), request_id=request_id))
        return
    too_large = envelope(413, message=f"Request body over {settings.KIZUNA_MAX_BODY_BYTES} bytes",
                         details={"limit_bytes": settings.KIZUNA_MAX_BODY_BYTES}, request_id=request_id)
    limit = settings.KIZUNA_MAX_BODY_BYTES
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        await answer(413, too_large)
        return
    chunks, size = [], 0
    while True:  # read the body (bounded) so an oversize chunked body is refused too
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            await answer(413, too_large)
            return
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    if scope.get("method") == "POST" and body.strip():
        # The same bounds as every JSON Kizuna reads (kizuna.bounded), before the protocol layer parses it.
        try:
            bounded.load_json(body, bounded.Limits(max_bytes=limit, max_depth=MAX_DEPTH, max_nodes=MAX_NODES))
        except bounded.DocumentError as exc:
            await answer(400, {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": f"Parse error: {exc}"}})
            return
    replayed = False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    manager = await _manager()
    with contextlib.suppress(asyncio.CancelledError):
        await manager.handle_request(scope, replay, send)
