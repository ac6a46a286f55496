"""The switches of one merge, built by the caller from its settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MergeOptions:
    """What to merge and how: table type, fuzzy threshold and the cleaning switches."""

    table_type: str  # "company" | "people"
    threshold: int = 85
    smart_merge: bool = True
    clean_domains: bool = True
    normalize: bool = True
