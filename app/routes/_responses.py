"""The app's response class: files stream in large chunks."""

from __future__ import annotations

from quart import Response
from quart.wrappers.response import FileBody


class _LargeFileBody(FileBody):
    # Quart reads files 8 KiB per thread hop; merged results are tens of MB.
    buffer_size = 1024 * 1024


class AppResponse(Response):
    """Responses that stream files in large chunks."""

    file_body_class = _LargeFileBody
