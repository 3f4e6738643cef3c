"""The request body of a smart HTTP call: read as a stream (never into memory), gzip undone, and the
receive-pack command list read off its front and then replayed to git with the rest."""

import re
import zlib

from ..git import pkt_length

BODY_CHUNK = 64 * 1024


class UnsupportedEncoding(Exception):
    """A Content-Encoding other than gzip or identity (the view answers 415)."""


def _raw_stream(request):
    """The request body as a file-like object, never read into memory here.

    Under WSGI a chunked body (no Content-Length) is read from wsgi.input directly: Django's own
    stream would see an empty body. Under ASGI Django has already spooled the body to a temp file.
    """
    environ = getattr(request, "environ", {})
    if (
        not request.META.get("CONTENT_LENGTH")
        and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        and "wsgi.input" in environ
    ):
        return environ["wsgi.input"]
    return request


def body_chunks(request):
    """Decoded body chunks (gzip Content-Encoding undone incrementally); UnsupportedEncoding for others."""
    stream = _raw_stream(request)
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    inflate = None
    if encoding in ("gzip", "x-gzip"):
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding not in ("", "identity"):
        raise UnsupportedEncoding(f"Unsupported Content-Encoding: {encoding}")

    def chunks():
        while True:
            chunk = stream.read(BODY_CHUNK)
            if not chunk:
                break
            if inflate is None:
                yield chunk
                continue
            while chunk:
                out = inflate.decompress(chunk, BODY_CHUNK * 16)
                yield out
                chunk = inflate.unconsumed_tail
        if inflate is not None:
            yield inflate.flush()

    return chunks()


class PktReader:
    """Reads pkt-lines off a chunk iterator, remembering every byte so they can be replayed to git."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.buffer = b""
        self.pos = 0

    def _fill(self, n: int) -> bool:
        while len(self.buffer) - self.pos < n:
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                return False
        return True

    def read_pkt(self) -> bytes | None:
        """A pkt-line payload, None for a flush-pkt; raises ValueError at a malformed or missing one."""
        if not self._fill(4):
            raise ValueError("truncated command list")
        length = pkt_length(self.buffer[self.pos:self.pos + 4])
        if length == 0:
            self.pos += 4
            return None
        if not self._fill(length):
            raise ValueError("malformed pkt-line")
        payload = self.buffer[self.pos + 4:self.pos + length]
        self.pos += length
        return payload

    def peek(self, limit: int) -> bytes:
        """Up to `limit` bytes past what was read (fewer at the body's end or at a broken stream, which
        git then sees as it is), kept for replay()."""
        try:
            self._fill(limit)
        except (OSError, ValueError, zlib.error):
            pass
        return self.buffer[self.pos:self.pos + limit]

    def replay(self):
        yield self.buffer
        yield from self.chunks


# The capabilities the view acts on. receive-pack reads features from every command line that has a NUL
# (names split on git's isspace, a name ends at "="), so the same rules, never a subset of the names.
WATCHED_CAPABILITIES = frozenset({"report-status", "report-status-v2", "side-band-64k"})
_GIT_SPACE = re.compile(rb"[ \t\n\r]+")


def read_commands(reader: PktReader) -> tuple[list[tuple[str, str, str]], frozenset[str]]:
    """The receive-pack command list, [(old, new, ref)], and which of WATCHED_CAPABILITIES the client
    asked for, as receive-pack itself reads them."""
    commands, named, capabilities = [], set(), set()
    while True:
        line = reader.read_pkt()
        if line is None:
            break
        if line.startswith(b"shallow "):
            continue
        line, nul, features = line.partition(b"\x00")
        if nul:
            for name in _GIT_SPACE.split(features.partition(b"\x00")[0]):
                name = name.partition(b"=")[0].decode("ascii", errors="replace")
                if name in WATCHED_CAPABILITIES:
                    capabilities.add(name)
        # surrogateescape: a ref name that is not UTF-8 keeps its bytes (and is refused: repos.refs)
        parts = line.rstrip(b"\n").decode("utf-8", errors="surrogateescape").split(" ", 2)
        if len(parts) != 3:
            raise ValueError("malformed command")
        if parts[2] in named:  # a set: a scan of the list per command was quadratic in a hostile push
            # git would run both commands, one after the other, and the pre-receive hook finds a ref's
            # rule by its name: a second command could pass under the first's (a deletion under a
            # fast-forward's). git's own clients never name a ref twice.
            raise ValueError(f"{parts[2]} is named more than once")
        named.add(parts[2])
        commands.append((parts[0], parts[1], parts[2]))
    return commands, frozenset(capabilities)
