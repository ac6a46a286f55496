"""Acceptance 3: connections go to checked addresses only; no redirects, no proxies."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.delivery import DeliveryEngine, DeliveryOptions, TargetGuard, build_client
from tests.support.receiver import Receiver, redirect_to, slow
from tests.unit.delivery.conftest import Outcomes


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def deliver_one(client: httpx.AsyncClient, url: str, options: DeliveryOptions) -> Outcomes:
    outcomes = Outcomes()
    await DeliveryEngine(client, options).run(
        job_id="t",
        url=url,
        records=[(1, {"email": "a@example.com"})],
        rate=lambda: 0,
        on_outcomes=outcomes,
        is_cancelled=lambda: False,
    )
    return outcomes


@pytest.fixture
async def closing() -> AsyncIterator[list[httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []
    yield clients
    for client in clients:
        await client.aclose()


async def test_connection_goes_to_the_resolved_address_keeping_the_host_name(
    receiver: Receiver, closing: list[httpx.AsyncClient]
) -> None:
    async def to_loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    client = build_client(TargetGuard(allow_private=True, resolver=to_loopback), timeout=5)
    closing.append(client)
    port = receiver.url.split(":")[2].split("/")[0]
    outcomes = await deliver_one(client, f"http://hooks.example.test:{port}/in", DeliveryOptions())
    assert outcomes.all[0].status == "delivered"
    assert receiver.requests[0].headers["host"] == f"hooks.example.test:{port}"


async def test_dns_rebinding_is_refused_at_connection_time(
    receiver: Receiver, closing: list[httpx.AsyncClient]
) -> None:
    answers = iter([["93.184.216.34"]] + [["127.0.0.1"]] * 10)

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    guard = TargetGuard(allow_private=False, resolver=rebinding)
    client = build_client(guard, timeout=5)
    closing.append(client)
    port = receiver.url.split(":")[2].split("/")[0]
    url = f"http://rebind.example.test:{port}/hook"
    assert await guard.resolve(url) == ["93.184.216.34"]  # the check at submit time passes
    outcomes = await deliver_one(client, url, DeliveryOptions(retry_backoff=(0.05,)))
    (outcome,) = outcomes.all
    assert outcome.status == "failed" and outcome.attempts == 2
    assert outcome.last_error == "webhook URL resolves to a loopback address (127.0.0.1)"
    assert receiver.requests == []


async def test_a_redirect_to_a_private_target_is_not_followed(
    webhook_client: httpx.AsyncClient,
) -> None:
    with Receiver.start() as internal, Receiver.start(redirect_to("")) as hook:
        hook.behaviour = redirect_to(internal.url)
        outcomes = await deliver_one(webhook_client, hook.url, DeliveryOptions(retry_backoff=()))
    (outcome,) = outcomes.all
    assert outcome.status == "failed" and outcome.last_status == 302
    assert outcome.last_error == f"HTTP 302: redirect to {internal.url} not followed"
    assert internal.requests == [] and len(hook.requests) == 1


async def test_proxy_environment_is_ignored(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, closing: list[httpx.AsyncClient]
) -> None:
    dead_proxy = f"http://127.0.0.1:{unused_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = build_client(TargetGuard(allow_private=True), timeout=5)
    closing.append(client)
    outcomes = await deliver_one(client, receiver.url, DeliveryOptions())
    assert outcomes.all[0].status == "delivered" and len(receiver.requests) == 1


async def test_the_timeout_bounds_the_whole_attempt(webhook_client: httpx.AsyncClient) -> None:
    with Receiver.start(slow(3)) as receiver:
        options = DeliveryOptions(timeout=0.5, retry_backoff=())
        outcomes = await deliver_one(webhook_client, receiver.url, options)
    (outcome,) = outcomes.all
    assert outcome.status == "failed" and outcome.last_error == "timed out after 0.5 s"


async def test_a_refused_connection_is_retried_and_reported(
    webhook_client: httpx.AsyncClient,
) -> None:
    url = f"http://127.0.0.1:{unused_port()}/hook"
    outcomes = await deliver_one(webhook_client, url, DeliveryOptions(retry_backoff=(0.05, 0.05)))
    (outcome,) = outcomes.all
    assert outcome.status == "failed" and outcome.attempts == 3 and outcome.last_status is None
    assert (outcome.last_error or "").startswith("connection failed: ConnectError")


@pytest.fixture
def tls_server_and_trust(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str]]:
    """A certificate for hooks.example.test only, the server context, and a client trusting it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.example.test",
         "-addext", "subjectAltName=DNS:hooks.example.test"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    names: list[str] = []
    server.sni_callback = lambda sock, name, ctx: names.append(name or "")  # type: ignore[assignment,func-returns-value]
    return server, ssl.create_default_context(cafile=str(cert)), names


async def test_tls_checks_the_host_name_while_connecting_to_the_checked_address(
    tls_server_and_trust: tuple[ssl.SSLContext, ssl.SSLContext, list[str]],
    closing: list[httpx.AsyncClient],
) -> None:
    server_tls, trust, names = tls_server_and_trust

    async def to_loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    guard = TargetGuard(allow_private=True, resolver=to_loopback)
    client = build_client(guard, timeout=5, verify=trust)
    closing.append(client)
    with Receiver.start(tls=server_tls) as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        options = DeliveryOptions(retry_backoff=())
        good = await deliver_one(client, f"https://hooks.example.test:{port}/hook", options)
        wrong = await deliver_one(client, f"https://other.example.test:{port}/hook", options)
    assert good.all[0].status == "delivered" and names[0] == "hooks.example.test"
    assert receiver.requests[0].headers["host"] == f"hooks.example.test:{port}"
    assert wrong.all[0].status == "failed" and "CERTIFICATE_VERIFY_FAILED" in str(
        wrong.all[0].last_error
    )
    assert len(receiver.requests) == 1


async def test_a_pooled_connection_the_server_closed_is_not_reused(
    closing: list[httpx.AsyncClient],
) -> None:
    # The server answers once per connection, keep-alive promised, then hangs up: the pool must
    # see the idle connection's end of stream and dial a new one instead of failing the request.
    connections = 0

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = build_client(TargetGuard(allow_private=True), timeout=5)
    closing.append(client)
    try:
        for _ in range(3):
            response = await client.post(f"http://127.0.0.1:{port}/in", content=b"{}")
            assert response.status_code == 200
            await asyncio.sleep(0.1)  # the server's close reaches the idle pooled connection
    finally:
        server.close()
        await server.wait_closed()
    assert connections == 3
