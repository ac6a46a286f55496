"""The records a run delivers: (1-based row, record) pairs, from a sync or an async source."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

Row = tuple[int, dict[str, Any]]
Records = AsyncIterator[Row] | Iterable[Row]


class _SyncRecords:
    """An async iterator over a plain iterable that, unlike a generator, survives a break."""

    def __init__(self, records: Iterable[Row]) -> None:
        self._it: Iterator[Row] = iter(records)

    def __aiter__(self) -> _SyncRecords:
        return self

    async def __anext__(self) -> Row:
        try:
            return next(self._it)
        except StopIteration:
            raise StopAsyncIteration from None


def aiter_records(records: Records) -> AsyncIterator[Row]:
    """One async iterator over the caller's records, whichever kind they come as."""
    if isinstance(records, AsyncIterator):
        return records
    return _SyncRecords(records)
