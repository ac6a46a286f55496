"""Standard Webhooks signatures, checked by an independent implementation of the spec."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import httpx
import pytest

from app.delivery import DeliveryEngine, DeliveryOptions
from app.delivery.signing import decode_secret
from tests.support.receiver import ReceivedRequest, Receiver
from tests.unit.delivery.conftest import Outcomes


def verify_standard_webhook(secret: str, request: ReceivedRequest, tolerance: int = 300) -> bool:
    """The spec's verification, written from its text: whsec_ base64 key, HMAC-SHA256, v1."""
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id = request.headers["webhook-id"]
    timestamp = request.headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + request.body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for candidate in request.headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


async def test_every_delivery_is_signed_when_a_secret_is_set(
    webhook_client: httpx.AsyncClient, receiver: Receiver, outcomes: Outcomes
) -> None:
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    options = DeliveryOptions(timeout=5, signing_secret=secret)
    await DeliveryEngine(webhook_client, options).run(
        job_id="signed",
        url=receiver.url,
        records=[(row, {"email": f"s{row}@example.com", "note": "naïve"}) for row in (1, 2, 3)],
        rate=lambda: 0,
        on_outcomes=outcomes,
        is_cancelled=lambda: False,
    )
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert request.headers["webhook-id"] == request.headers["idempotency-key"]
        assert verify_standard_webhook(secret, request)
        wrong = "whsec_" + base64.b64encode(b"another key entirely").decode()
        assert not verify_standard_webhook(wrong, request)


@pytest.mark.parametrize("secret", ["whsec_", "whsec_not base64!", "whsec_@@@"])
def test_a_malformed_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        decode_secret(secret)
