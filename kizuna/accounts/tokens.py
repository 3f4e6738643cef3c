"""Token strings: `<prefix><30 base62><6 base62 CRC32 of prefix+random>` (docs/api.md §3).

Shape and checksum are checked without touching the database, so junk never costs a query.
"""

import hashlib
import secrets
import string
import zlib

ALPHABET = string.digits + string.ascii_letters  # base62
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
PERSONAL, AGENT, DEPLOY, JOB = "personal", "agent", "deploy", "job"
PREFIXES = {PERSONAL: "kzp_", AGENT: "kza_", DEPLOY: "kzd_", JOB: "kzj_"}
KIND_BY_PREFIX = {v: k for k, v in PREFIXES.items()}
TOKEN_LENGTH = 4 + RANDOM_LENGTH + CHECKSUM_LENGTH
_ALPHABET_SET = frozenset(ALPHABET)
_RANDOM_SPACE = 62**RANDOM_LENGTH


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(ALPHABET[rem])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(prefix: str, random_part: str) -> str:
    return _base62(zlib.crc32((prefix + random_part).encode()), CHECKSUM_LENGTH)


def generate(kind: str) -> str:
    prefix = PREFIXES[kind]
    # One draw below 62**30 written in base62: the same uniform choice of 30 characters as 30 draws.
    random_part = _base62(secrets.randbelow(_RANDOM_SPACE), RANDOM_LENGTH)
    return prefix + random_part + _checksum(prefix, random_part)


def parse_kind(token: str) -> str | None:
    """The token's kind if its shape and checksum are right, else None."""
    if len(token) != TOKEN_LENGTH:
        return None
    prefix, body = token[:4], token[4:]
    kind = KIND_BY_PREFIX.get(prefix)
    if kind is None or not _ALPHABET_SET.issuperset(body):
        return None
    random_part, checksum = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
    if not secrets.compare_digest(checksum, _checksum(prefix, random_part)):
        return None
    return kind


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
