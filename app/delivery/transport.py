"""An httpx transport whose every new connection goes to an address the target guard checked."""

from __future__ import annotations

import select
import socket
import ssl
import typing

import httpcore
import httpx

from app.delivery.guard import TargetGuard

SocketOption = typing.Any


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host through the guard at connect time and dials only the checked address.

    httpcore still does TLS with the URL's host name (SNI and certificate check) and the
    request keeps its Host header, because only the TCP dial is redirected to the address.
    """

    def __init__(self, guard: TargetGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Dial the first reachable checked address of host; raises UnsafeTarget if refused."""
        addresses = await self._guard.resolve_host(host, port)
        options = list(socket_options or ())
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout, local_address, options
                )
                return _SocketCachingStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None  # resolve_host never returns an empty list
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refuse unix sockets: webhooks only go over TCP."""
        raise httpcore.ConnectError("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        """Sleep as the inner backend does."""
        await self._inner.sleep(seconds)


class _SocketCachingStream(httpcore.AsyncNetworkStream):
    """A dialled stream that looks its socket up once.

    Before every request, httpcore asks each idle pooled connection whether its socket is
    readable (a server-side close); anyio answers by rebuilding its table of socket attributes,
    a getpeername() call included: the largest single cost of a request at full speed (about a
    quarter of the client's time in a profile). The socket never changes (TLS wraps the same
    one), so it is kept here.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")
        self._poller: select.poll | None = None
        if self._socket is not None and self._socket.fileno() != -1:
            self._poller = select.poll()
            self._poller.register(self._socket.fileno(), select.POLLIN)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        """Read as the inner stream does."""
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Write as the inner stream does."""
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        """Close the inner stream."""
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's stream interface
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade to TLS; the upgraded stream keeps the same socket."""
        upgraded = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _SocketCachingStream(upgraded)

    def get_extra_info(self, info: str) -> typing.Any:
        """The cached socket for "socket" and "is_readable"; the inner stream for the rest."""
        if info == "is_readable":  # data or an end of stream waiting, or already closed
            if self._socket is None or self._poller is None or self._socket.fileno() == -1:
                return True  # as httpcore answers: a connection it cannot check is not reused
            return bool(self._poller.poll(0))
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's pooled HTTP/1.1 transport with the guarded backend, never using a proxy."""

    def __init__(
        self,
        guard: TargetGuard,
        *,
        limits: httpx.Limits = httpx.Limits(),  # noqa: B008 - immutable value object
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits)
        # httpx has no public way to pass a network backend, so the pool it built is
        # replaced by an identical one using ours (httpx is pinned below 0.29).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedNetworkBackend(guard),
        )
