"""The processing core stays pure: no web, queue, database or HTTP imports, only the stdlib,
the columnar and matching libraries (pyarrow with its numpy, rapidfuzz, a charset detector,
a JSON encoder)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PROCESSING = Path(__file__).resolve().parents[2] / "app" / "processing"
ALLOWED_THIRD_PARTY = {
    "pyarrow",
    "numpy",
    "rapidfuzz",
    "charset_normalizer",
    "orjson",
    # the data libraries made for the values leads are made of
    "anyascii",  # transliteration
    "cleanco",  # company legal forms
    "nameparser",  # honorifics and name suffixes
    "nicknames",  # given-name variants
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module)
    return roots


def test_processing_imports_only_the_stdlib_columnar_and_matching_libraries() -> None:
    offenders = {}
    for path in PROCESSING.rglob("*.py"):
        bad = set()
        for name in imported_roots(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names and top != "asyncio":
                continue
            if top in ALLOWED_THIRD_PARTY or name.startswith("app.processing"):
                continue
            bad.add(name)
        if bad:
            offenders[path.name] = sorted(bad)
    assert not offenders
