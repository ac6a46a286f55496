"""Standard Webhooks signatures: webhook-id, webhook-timestamp and webhook-signature headers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

_PREFIX = "whsec_"


def decode_secret(secret: str) -> bytes:
    """The key bytes of a `whsec_<base64>` secret; raises ValueError if it is not one."""
    encoded = secret.removeprefix(_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise ValueError("signing secret must be whsec_ followed by base64") from exc
    if not key:
        raise ValueError("signing secret is empty")
    return key


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64 HMAC-SHA256>` signature of "{id}.{timestamp}.{body}"."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


class Signer:
    """Signs webhook bodies with one secret; built once per delivery run."""

    def __init__(self, secret: str) -> None:
        self._key = decode_secret(secret)

    def headers(self, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The three Standard Webhooks headers for one attempt (fresh timestamp by default)."""
        ts = int(time.time()) if timestamp is None else timestamp
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": sign(self._key, msg_id, ts, body),
        }
