"""Building multipart uploads by hand, as a browser or curl would send them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable


def multipart(
    files: Iterable[tuple[str, bytes]], fields: dict[str, str] | None = None
) -> tuple[bytes, str]:
    """(body, content type) with one `files` part per (filename, content)."""
    boundary = "----csvmerger" + secrets.token_hex(8)
    chunks: list[bytes] = []
    for name, value in (fields or {}).items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for filename, content in files:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
