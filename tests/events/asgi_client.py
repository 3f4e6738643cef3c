"""A minimal in-memory ASGI client that can hold a streaming response open and drop it at will."""

import asyncio
import json
from urllib.parse import urlsplit


class Stream:
    def __init__(self, app, path: str, headers: dict | None = None):
        self.app, self.path, self.headers = app, path, headers or {}
        self.status = None
        self.response_headers = {}
        self.buffer = ""
        self.frames: list[dict] = []
        self.ended = False
        self._queue: asyncio.Queue = asyncio.Queue()

    async def open(self):
        parts = urlsplit(self.path)
        headers = [(b"host", b"testserver")] + [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": parts.path, "raw_path": parts.path.encode(), "query_string": parts.query.encode(),
            "headers": headers, "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "root_path": "",
        }
        self._disconnect = asyncio.Event()
        sent = False

        async def receive():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._disconnect.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            await self._queue.put(message)

        self.task = asyncio.ensure_future(self.app(scope, receive, send))
        start = await asyncio.wait_for(self._queue.get(), 30)
        assert start["type"] == "http.response.start"
        self.status = start["status"]
        self.response_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        return self

    async def body(self) -> bytes:
        chunks = []
        while True:
            msg = await asyncio.wait_for(self._queue.get(), 30)
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body"):
                return b"".join(chunks)

    async def json(self):
        return json.loads(await self.body())

    async def read(self, timeout: float = 10.0) -> list[dict]:
        """Wait for at least one more message chunk; returns the frames completed so far (and clears)."""
        try:
            msg = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return self._take()
        if msg["type"] == "http.response.body":
            self.buffer += msg.get("body", b"").decode()
            if not msg.get("more_body", False):
                self.ended = True
        while not self._queue.empty():
            msg = self._queue.get_nowait()
            self.buffer += msg.get("body", b"").decode()
            if not msg.get("more_body", False):
                self.ended = True
        return self._take()

    async def read_until_ended(self, attempts: int = 20) -> list[dict]:
        """The event frames received until the server ends the stream (or `attempts` 1 s reads pass)."""
        got = []
        for _ in range(attempts):
            got += [f for f in await self.read(timeout=1) if "id" in f]
            if self.ended:
                break
        return got

    def _take(self) -> list[dict]:
        out = []
        while "\n\n" in self.buffer:
            raw, self.buffer = self.buffer.split("\n\n", 1)
            frame = {}
            for line in raw.split("\n"):
                if line.startswith(":"):
                    frame.setdefault("comment", line[1:].strip())
                    continue
                key, _, value = line.partition(":")
                frame[key] = value[1:] if value.startswith(" ") else value
            out.append(frame)
        return out

    async def close(self):
        self._disconnect.set()
        try:
            await asyncio.wait_for(self.task, 10)
        except (asyncio.CancelledError, TimeoutError):
            pass
