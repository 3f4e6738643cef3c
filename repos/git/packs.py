"""What the front of a pushed pack shows before git receives it: which ref updates it proves to be
fast-forwards, so that the pre-receive hook (a `sh` and a `git merge-base` inside receive-pack, ~2 ms)
need not run for them.

A pack (gitformat-pack(5)) is a header and a run of objects, each a type-and-size header and a zlib
stream; `git push` writes the commits first, whole. The commits read here are identified by the SHA-1
of their content, the id git itself gives the same bytes when it unpacks them, so "new's parents lead
to old" read here is what `git merge-base --is-ancestor old new` answers once the objects are in.
Commits stored as deltas against commits read here are rebuilt; a pack that shows anything else — a
delta against any other object, a commit reached through history already in the repository, too many
or too large objects, a truncated front — proves nothing, and the hook runs as before.

Client data: at most the bytes the caller read ahead, PACK_MAX_COMMITS commits of at most
PACK_MAX_COMMIT_BYTES each, every zlib stream inflated with a bound.
"""

import hashlib
import zlib

PACK_MAX_COMMITS = 64  # ~12 µs each: past ~150 the proof would cost more than the hook it spares
PACK_MAX_COMMIT_BYTES = 64 * 1024
_COMMIT, _OFS_DELTA, _REF_DELTA = 1, 6, 7
_FEED = 4096  # compressed bytes handed to zlib at a time: never the whole rest of the front per object


class _Stop(Exception):
    """The front shows nothing more that can be read as a commit."""


def _varint(data, pos: int) -> tuple[int, int]:
    """A delta's size field (7 bits a byte, least significant first); (value, next position)."""
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 28:
            raise _Stop
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        shift, pos = shift + 7, pos + 1
        if not byte & 0x80:
            return value, pos


def _apply_delta(base: bytes, delta: bytes) -> bytes:
    """gitformat-pack(5)'s delta: copies from `base` and inserted bytes, at most PACK_MAX_COMMIT_BYTES."""
    base_size, pos = _varint(delta, 0)
    size, pos = _varint(delta, pos)
    if base_size != len(base) or size > PACK_MAX_COMMIT_BYTES:
        raise _Stop
    out = bytearray()
    while pos < len(delta):
        op = delta[pos]
        pos += 1
        if op & 0x80:  # copy: offset and length bytes as the op's bits say
            fields = [delta[pos + i] if pos + i < len(delta) else -1 for i in range(bin(op & 0x7F).count("1"))]
            if -1 in fields:
                raise _Stop
            offset = length = 0
            for i in range(4):  # bits 0-3: offset bytes present, bits 4-6: length bytes present
                if op & (1 << i):
                    offset |= fields.pop(0) << (8 * i)
            for i in range(3):
                if op & (0x10 << i):
                    length |= fields.pop(0) << (8 * i)
            pos += bin(op & 0x7F).count("1")
            length = length or 0x10000
            if offset + length > len(base):
                raise _Stop
            out += base[offset:offset + length]
        elif op:  # insert the next `op` bytes
            out += delta[pos:pos + op]
            pos += op
        else:
            raise _Stop
        if len(out) > size:
            raise _Stop
    if len(out) != size:
        raise _Stop
    return bytes(out)


def _inflate(view, pos: int, size: int) -> tuple[bytes, int]:
    """The zlib stream at `pos`, which must inflate to exactly `size` bytes; (data, next position)."""
    inflate, out = zlib.decompressobj(), b""
    try:
        while not inflate.eof and pos < len(view):
            piece = view[pos:pos + _FEED]
            out += inflate.decompress(piece, size + 1 - len(out))
            if inflate.unconsumed_tail or len(out) > size:
                raise _Stop  # more than the header said
            pos += len(piece) - len(inflate.unused_data)
    except zlib.error:
        raise _Stop from None
    if not inflate.eof or len(out) != size:
        raise _Stop  # the front ends inside this object
    return out, pos


def _commits_at_front(data: bytes) -> dict[str, list[str]]:
    """{commit id: parent ids} for the commits the pack starts with, whole or deltas against one of them."""
    parents: dict[str, list[str]] = {}
    if len(data) < 12 or data[:4] != b"PACK" or int.from_bytes(data[4:8], "big") not in (2, 3):
        return parents
    view, pos = memoryview(data), 12
    by_offset: dict[int, bytes] = {}
    by_id: dict[str, bytes] = {}
    try:
        for _ in range(min(int.from_bytes(data[8:12], "big"), PACK_MAX_COMMITS)):
            start = pos
            if pos >= len(data):
                break
            byte = data[pos]
            kind, size, shift = (byte >> 4) & 7, byte & 15, 4
            pos += 1
            while byte & 0x80:
                if pos >= len(data) or shift > 32:
                    raise _Stop
                byte = data[pos]
                size |= (byte & 0x7F) << shift
                shift, pos = shift + 7, pos + 1
            if size > PACK_MAX_COMMIT_BYTES:
                break
            base = None
            if kind == _OFS_DELTA:  # the base is an earlier object of this pack, `offset` bytes back
                if pos >= len(data):
                    break
                byte = data[pos]
                offset, pos = byte & 0x7F, pos + 1
                while byte & 0x80:
                    if pos >= len(data) or offset > 1 << 32:
                        raise _Stop
                    byte = data[pos]
                    offset, pos = ((offset + 1) << 7) | (byte & 0x7F), pos + 1
                base = by_offset.get(start - offset)
            elif kind == _REF_DELTA:
                base = by_id.get(bytes(view[pos:pos + 20]).hex())
                pos += 20
            elif kind != _COMMIT:
                break
            if kind != _COMMIT and base is None:
                break  # a delta against anything but a commit read here: the commits are over
            body, pos = _inflate(view, pos, size)
            if base is not None:
                body = _apply_delta(base, body)
            commit_id = hashlib.sha1(b"commit %d\x00" % len(body) + body).hexdigest()
            by_offset[start], by_id[commit_id] = body, body
            parents[commit_id] = [line[7:].decode("ascii", errors="replace")
                                  for line in _parent_lines(body)]
    except _Stop:
        pass
    return parents


def _parent_lines(body: bytes):
    for line in body.split(b"\n", PACK_MAX_COMMITS + 2)[1:]:  # after "tree …"
        if not line.startswith(b"parent "):
            return
        yield line


def proven_fast_forwards(front: bytes, updates) -> set[tuple[str, str]]:
    """Those of `updates` [(old, new)] whose `new` is a commit at the pack's front that descends from `old`
    through commits there."""
    commits = _commits_at_front(front) if updates else {}
    proven = set()
    for old, new in updates:
        target, stack, seen = old.lower(), [new.lower()], set()
        if stack[0] not in commits:
            continue
        while stack:
            commit = stack.pop()
            if commit == target:
                proven.add((old, new))
                break
            if commit not in seen:
                seen.add(commit)
                stack.extend(commits.get(commit, ()))
    return proven
