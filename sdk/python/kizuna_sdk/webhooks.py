"""Webhook signature verification for both schemes Kizuna sends (docs/api.md §12)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

__all__ = ["verify_signature", "sign_kizuna", "sign_standard"]

DEFAULT_TOLERANCE = 300  # seconds of clock skew allowed for `webhook-timestamp`


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def sign_kizuna(secret: str | bytes, body: str | bytes) -> str:
    """`X-Kizuna-Signature` value: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(_bytes(secret), _bytes(body), hashlib.sha256).hexdigest()


def sign_standard(secret: str | bytes, msg_id: str, timestamp: int | str, body: str | bytes) -> str:
    """One Standard Webhooks `webhook-signature` entry: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""
    signed = f"{msg_id}.{timestamp}.".encode() + _bytes(body)
    return "v1," + base64.b64encode(hmac.new(_bytes(secret), signed, hashlib.sha256).digest()).decode()


def verify_signature(
    secret: str | bytes,
    body: str | bytes,
    headers: Mapping[str, str],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """True when the delivery's signatures match `secret`.

    `body` must be the raw request body, byte for byte. Every scheme present in `headers` is checked
    and must match: `X-Kizuna-Signature` and the Standard Webhooks trio (`webhook-id`,
    `webhook-timestamp` within ±`tolerance` seconds, `webhook-signature` with one or more
    space-separated `v1,` entries, any of which may match). No signature at all → False.
    """
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    raw = _bytes(body)
    checked = False

    kizuna = lower.get("x-kizuna-signature")
    if kizuna is not None:
        if not hmac.compare_digest(_bytes(sign_kizuna(secret, raw)), _bytes(kizuna.strip())):
            return False
        checked = True

    standard = lower.get("webhook-signature")
    if standard is not None:
        msg_id = lower.get("webhook-id")
        timestamp = lower.get("webhook-timestamp", "").strip()
        if not msg_id or not timestamp.isdigit():
            return False
        current = time.time() if now is None else now
        if abs(current - int(timestamp)) > tolerance:
            return False
        expected = _bytes(sign_standard(secret, msg_id, timestamp, raw))
        if not any(hmac.compare_digest(expected, _bytes(entry)) for entry in standard.split() if entry.startswith("v1,")):
            return False
        checked = True

    return checked
