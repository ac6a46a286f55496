"""A raw HTTP/1.1 client for bodies no well-behaved client sends: huge, chunked, generated on
the fly, and stopped as soon as the server answers (which it may do before reading it all)."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


def send_chunked(
    base: str,
    path: str,
    headers: dict[str, str],
    chunks: Iterable[bytes],
    *,
    timeout: float = 120,
) -> tuple[int, bytes]:
    """POST `chunks` with Transfer-Encoding: chunked; (status, head and start of the body).

    Sending stops once the server has answered or closed the connection.
    """
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        head = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Transfer-Encoding: chunked"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        try:
            for chunk in chunks:
                if _has_answer(sock):
                    break
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        answer = _read_answer(sock)
    status_line = answer.split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), answer


def _has_answer(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or len(data) < 4096:
        try:
            piece = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not piece:
            break
        data += piece
        if b"\r\n\r\n" in data and b"}" in data:
            break
    return data
