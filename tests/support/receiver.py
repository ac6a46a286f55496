"""A real webhook receiver for tests: HTTP/1.1 keep-alive on 127.0.0.1, run in its own thread.

    receiver = Receiver.start(fail_first(2))      # or Receiver.start() and set .behaviour later
    ... POST to receiver.url ...
    receiver.requests                              # every request: time, headers, body, attempt
    receiver.stop()

Behaviour is a function of the request (which carries its 1-based attempt number per
Idempotency-Key) returning a Reply. Other processes can read the log as JSON at GET /_requests.
Run standalone with `python -m tests.support.receiver [--port N] [--no-record]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it arrived; `at` is time.monotonic() when its head was read."""

    at: float
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    attempt: int  # 1 for the first request with this Idempotency-Key, 2 for the next, ...

    @property
    def key(self) -> str | None:
        """The Idempotency-Key header, if any."""
        return self.headers.get("idempotency-key")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What to answer; status 0 closes the connection without answering."""

    status: int = 200
    body: bytes = b'{"ok":true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Behaviour = Callable[[ReceivedRequest], Reply]


def ok(request: ReceivedRequest) -> Reply:
    """Answer 200 to everything."""
    return Reply()


def always(status: int, body: bytes = b'{"error":"nope"}') -> Behaviour:
    """Answer `status` to everything."""
    return lambda request: Reply(status, body)


def fail_first(n: int, status: int = 500) -> Behaviour:
    """Answer `status` to the first n attempts of each key, then 200."""
    return lambda request: Reply(status, b"failing") if request.attempt <= n else Reply()


def throttle_first(n: int, retry_after: str = "1", status: int = 429) -> Behaviour:
    """Answer `status` with Retry-After to the first n attempts of each key, then 200."""
    throttled = Reply(status, b"slow down", {"Retry-After": retry_after})
    return lambda request: throttled if request.attempt <= n else Reply()


def redirect_to(location: str, status: int = 302) -> Behaviour:
    """Answer every request with a redirect to `location`."""
    return lambda request: Reply(status, b"", {"Location": location})


def slow(delay: float, then: Behaviour = ok) -> Behaviour:
    """Answer as `then` does, after `delay` seconds."""

    def behave(request: ReceivedRequest) -> Reply:
        reply = then(request)
        return Reply(reply.status, reply.body, reply.headers, delay)

    return behave


class Receiver:
    """A thread-run HTTP server that records requests and answers as `behaviour` says."""

    def __init__(
        self,
        behaviour: Behaviour = ok,
        *,
        is_recording: bool = True,
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.behaviour = behaviour
        self._tls = tls
        self.is_recording = is_recording
        self.count = 0
        self._port = port
        self._requests: list[ReceivedRequest] = []
        self._attempts: dict[str | None, int] = {}
        self._changed = threading.Condition()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run_thread, name="receiver", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.url = ""

    @classmethod
    def start(cls, behaviour: Behaviour = ok, **kwargs: Any) -> Receiver:
        """Start a receiver on a free port of 127.0.0.1 and return it once it listens."""
        receiver = cls(behaviour, **kwargs)
        receiver._thread.start()
        receiver._ready.wait(10)
        if receiver._error is not None or not receiver.url:
            raise RuntimeError("receiver did not start") from receiver._error
        return receiver

    def stop(self) -> None:
        """Close every connection and the server, and wait for the thread to end."""
        if self._loop is not None and self._stopping is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A copy of every request recorded so far, in arrival order."""
        with self._changed:
            return list(self._requests)

    def clear(self) -> None:
        """Forget recorded requests and attempt counts."""
        with self._changed:
            self._requests.clear()
            self._attempts.clear()
            self.count = 0

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until at least `count` requests have arrived; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= count, timeout)

    def _record(self, at: float, method: str, path: str, headers: dict[str, str], body: bytes):
        with self._changed:
            key = headers.get("idempotency-key")
            self._attempts[key] = attempt = self._attempts.get(key, 0) + 1
            request = ReceivedRequest(at, method, path, headers, body, attempt)
            if self.is_recording:
                self._requests.append(request)
            self.count += 1
            self._changed.notify_all()
        return request

    def _log_json(self) -> bytes:
        fields = ("at", "path", "headers", "attempt")
        rows = [
            {**{f: getattr(r, f) for f in fields}, "body": r.body.decode()} for r in self.requests
        ]
        return json.dumps(rows).encode()

    def _run_thread(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start() instead of dying silently
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        handlers: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers[task] = writer
            try:
                await self._serve(reader, writer)
            except asyncio.CancelledError:
                pass  # stop() cancels open connections; asyncio would log it as an error
            finally:
                handlers.pop(task, None)

        server = await asyncio.start_server(
            on_connect, "127.0.0.1", self._port, limit=_MAX_HEAD, backlog=1024, ssl=self._tls
        )
        port = server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self._tls else 'http'}://127.0.0.1:{port}/hook"
        self._ready.set()
        await self._stopping.wait()
        server.close()
        for task, writer in list(handlers.items()):
            writer.transport.abort()  # no graceful (TLS) shutdown waiting on the client
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                at = time.monotonic()
                method, path, headers = _parse_head(head)
                body = await _read_body(reader, headers)
                if method == "GET" and path == "/_requests":
                    reply = Reply(200, self._log_json())
                else:
                    request = self._record(at, method, path, headers, body)
                    reply = self._answer(request)
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.status == 0:
                    return
                writer.write(_response(reply))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    def _answer(self, request: ReceivedRequest) -> Reply:
        try:
            return self.behaviour(request)
        except Exception as exc:  # a broken behaviour should show up as a 500, not a hang
            return Reply(500, f"receiver behaviour failed: {exc!r}".encode())


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, path, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])
    return await reader.readexactly(int(headers.get("content-length", "0")))


def _response(reply: Reply) -> bytes:
    try:
        phrase = HTTPStatus(reply.status).phrase
    except ValueError:
        phrase = "Status"
    lines = [f"HTTP/1.1 {reply.status} {phrase}", f"Content-Length: {len(reply.body)}"]
    if not any(name.lower() == "content-type" for name in reply.headers):
        lines.append("Content-Type: application/json")
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body


def main() -> None:
    """Run a receiver until SIGINT/SIGTERM, printing its URL on the first line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-record", action="store_true", help="count requests only")
    args = parser.parse_args()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with Receiver.start(is_recording=not args.no_record, port=args.port) as receiver:
        print(receiver.url, flush=True)  # noqa: T201 - the parent process reads it
        done.wait()


if __name__ == "__main__":
    main()
