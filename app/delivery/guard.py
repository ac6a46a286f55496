"""Webhook target guard: only http(s) URLs whose every address is public (CONTRACT §4)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import SplitResult, urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeTarget(Exception):
    """A webhook URL that must not be sent to; `reason` is a plain message for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def resolve_with_system(host: str, port: int) -> list[str]:
    """Resolve a host name with the event loop's getaddrinfo."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeTarget(f"webhook host {host} could not be resolved ({exc.strerror})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_ip(text: str) -> IPAddress | None:
    """Read an IP address in any spelling a resolver accepts (inet_aton forms, IPv6), or None."""
    text = text.strip("[]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    return _parse_legacy_ipv4(text.rstrip("."))


def _parse_legacy_ipv4(text: str) -> ipaddress.IPv4Address | None:
    # inet_aton accepts 1-4 parts, each decimal, octal (leading 0) or hex (0x); the last part
    # fills the remaining bytes: 127.1, 0x7f.1, 2130706433 and 0177.0.0.1 all mean 127.0.0.1.
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = [_parse_ipv4_part(part) for part in parts]
    if any(value is None for value in values):
        return None
    numbers = [value for value in values if value is not None]
    *head, last = numbers
    if any(value > 255 for value in head) or last >= 256 ** (5 - len(numbers)):
        return None
    packed = 0
    for value in head:
        packed = packed * 256 + value
    packed = packed * 256 ** (5 - len(numbers)) + last
    return ipaddress.IPv4Address(packed)


def _parse_ipv4_part(part: str) -> int | None:
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(lowered) > 1 and lowered.startswith("0"):
            return int(lowered[1:], 8)
        return int(lowered, 10) if lowered.isdigit() else None
    except ValueError:
        return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, NAT64 or 6to4 IPv6 address, if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def refusal(address: IPAddress) -> str | None:
    """Why an address is not a public webhook target ("loopback", ...), or None if it is."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return refusal(inner) or (None if address.is_global else "reserved")
    checks: list[tuple[bool, str]] = [
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv4Address) and address in _SHARED, "shared"),
        (isinstance(address, ipaddress.IPv6Address) and address in _NAT64_LOCAL, "private"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "reserved"),
    ]
    return next((name for is_refused, name in checks if is_refused), None)


def _is_local_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


class TargetGuard:
    """Checks webhook URLs and resolves their hosts to addresses that are safe to connect to."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.allow_private = allow_private
        self._resolver = resolver or resolve_with_system
        # Empty: any public host. Otherwise only these names (WEBHOOK_ALLOWED_HOSTS).
        self.allowed_hosts = frozenset(h.strip().lower().rstrip(".") for h in allowed_hosts if h)

    def _check_allowed(self, host: str) -> None:
        if self.allowed_hosts and host.lower().rstrip(".") not in self.allowed_hosts:
            raise UnsafeTarget(f"webhook host {host} is not one of WEBHOOK_ALLOWED_HOSTS")

    def check_url_syntax(self, url: str) -> None:
        """Refuse anything but a plain http(s) URL with a host (no userinfo, no odd characters)."""
        parts = _split(url)
        host = parts.hostname or ""
        self._check_allowed(host)
        literal = parse_ip(host)
        if literal is not None:
            self._check_address(literal)
        elif not self.allow_private and _is_local_name(host):
            raise UnsafeTarget("webhook URL points at this machine (localhost)")
        try:
            httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise UnsafeTarget(f"webhook URL is not valid ({exc})") from exc

    async def resolve(self, url: str) -> list[str]:
        """Resolve the URL's host and check every address; return them or raise UnsafeTarget."""
        self.check_url_syntax(url)
        parts = _split(url)
        port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
        return await self.resolve_host(parts.hostname or "", port)

    async def resolve_host(self, host: str, port: int) -> list[str]:
        """Addresses for host (name or IP in any spelling), all checked; raises UnsafeTarget."""
        self._check_allowed(host)
        literal = parse_ip(host)
        if literal is not None:
            self._check_address(literal)
            return [str(literal)]
        if not self.allow_private and _is_local_name(host):
            raise UnsafeTarget("webhook URL points at this machine (localhost)")
        answers = await self._resolver(host.rstrip("."), port)
        if not answers:
            raise UnsafeTarget(f"webhook host {host} could not be resolved")
        addresses = []
        for answer in answers:
            address = parse_ip(answer.split("%", 1)[0])
            if address is None:
                raise UnsafeTarget(f"webhook host {host} resolved to a non-address ({answer})")
            self._check_address(address)
            addresses.append(str(address))
        return addresses

    def _check_address(self, address: IPAddress) -> None:
        if self.allow_private:
            return
        reason = refusal(address)
        if reason is not None:
            raise UnsafeTarget(f"webhook URL resolves to a {reason} address ({address})")


def _split(url: str) -> SplitResult:
    if not isinstance(url, str) or not url or len(url) > 2048:
        raise UnsafeTarget("webhook URL is missing or too long")
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise UnsafeTarget("webhook URL contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise UnsafeTarget(f"webhook URL is not valid ({exc})") from exc
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise UnsafeTarget("webhook URL must start with http:// or https://")
    if "@" in parts.netloc:
        raise UnsafeTarget("webhook URL must not contain a user name or password")
    if not parts.hostname:
        raise UnsafeTarget("webhook URL has no host")
    if "%" in parts.hostname:
        raise UnsafeTarget("webhook URL host must not be percent-encoded")
    return parts
