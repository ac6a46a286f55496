"""Request bodies: only the file-upload routes may send a large one.

Quart buffers a body the handler awaits (JSON, forms) until it is complete, and checks its
MAX_CONTENT_LENGTH only against that buffer, so a chunked body with no Content-Length could
fill memory up to the upload limit on any route. Every other route gets a small cap here, from
the first byte; the upload routes stream their body and count every byte themselves
(app/services/uploads.py).
"""

from __future__ import annotations

from typing import Any

from quart import Request

# Routes whose bodies are multipart file uploads, streamed to disk.
STREAMED_UPLOAD_PATHS = frozenset({"/api/upload", "/uploads"})
# JSON documents and forms: a mappings document (1 MB) with its framing fits.
SMALL_BODY_BYTES = 2 * 1024 * 1024


class AppRequest(Request):
    """A request whose body may be large only on the upload routes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.path not in STREAMED_UPLOAD_PATHS:
            # Nothing has been received yet: the ASGI layer feeds the body after this.
            self.body = self.body_class(self.content_length, SMALL_BODY_BYTES)
