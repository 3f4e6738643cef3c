"""verify_signature(): both schemes (docs/api.md §12), computed here independently of the SDK."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from kizuna_sdk import verify_signature

SECRET = "s3cret-ü"
BODY = b'{"event":"ping","zen":"Keep it logically awesome."}'


def kizuna_header(secret=SECRET, body=BODY):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_headers(secret=SECRET, body=BODY, msg_id="msg_1", ts=None):
    ts = int(time.time()) if ts is None else ts
    signed = f"{msg_id}.{ts}.".encode() + body
    sig = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": f"v1,{sig}"}


def test_kizuna_scheme():
    assert verify_signature(SECRET, BODY, {"X-Kizuna-Signature": kizuna_header()})
    assert verify_signature(SECRET, BODY.decode(), {"x-kizuna-signature": kizuna_header()})
    assert not verify_signature("wrong", BODY, {"X-Kizuna-Signature": kizuna_header()})
    assert not verify_signature(SECRET, BODY + b" ", {"X-Kizuna-Signature": kizuna_header()})
    assert not verify_signature(SECRET, BODY, {"X-Kizuna-Signature": kizuna_header()[7:]})


def test_standard_webhooks_scheme():
    assert verify_signature(SECRET, BODY, standard_headers())
    assert not verify_signature("wrong", BODY, standard_headers())
    headers = standard_headers()
    headers["webhook-id"] = "msg_2"
    assert not verify_signature(SECRET, BODY, headers)


def test_standard_webhooks_rotation_several_entries():
    good = standard_headers()
    other = standard_headers(secret="old-secret")
    headers = {**good, "webhook-signature": f"{other['webhook-signature']} v1a,xxx {good['webhook-signature']}"}
    assert verify_signature(SECRET, BODY, headers)
    assert not verify_signature(SECRET, BODY, {**good, "webhook-signature": other["webhook-signature"]})


@pytest.mark.parametrize(("skew", "valid"), [(0, True), (299, True), (-299, True), (301, False), (-301, False)])
def test_standard_webhooks_tolerance(skew, valid):
    now = 1_800_000_000
    headers = standard_headers(ts=now + skew)
    assert verify_signature(SECRET, BODY, headers, now=now) is valid


def test_both_schemes_must_match_when_both_are_sent():
    headers = {"X-Kizuna-Signature": kizuna_header(), **standard_headers()}
    assert verify_signature(SECRET, BODY, headers)
    assert not verify_signature(SECRET, BODY, {**headers, "X-Kizuna-Signature": kizuna_header(secret="x")})
    assert not verify_signature(SECRET, BODY, {**headers, **standard_headers(secret="x")})


def test_no_signature_or_broken_headers():
    assert not verify_signature(SECRET, BODY, {})
    assert not verify_signature(SECRET, BODY, {"webhook-signature": standard_headers()["webhook-signature"]})
    assert not verify_signature(SECRET, BODY, {**standard_headers(), "webhook-timestamp": "soon"})
