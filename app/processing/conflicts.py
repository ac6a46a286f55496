"""Evidence against joining two clusters, whatever chain of pairs links them: A = B and B = C
must not put A and C in one record when A and C are plainly different (two LinkedIn profiles,
two addresses at one company, given names that are no variants, two numbered branches). The
joins are made best first, so a chain is cut at its weakest link.

A cluster is judged by the values its record will hold: for each feature, the value of its
most complete row that has one, as smart merge chooses them. So a merged record is judged the
same way when the output is deduplicated again.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from app.processing.features import Features
from app.processing.variants import DIFFERENT, FREE_MAIL, given_name_level

_PEOPLE = ("linkedin", "email_personal", "given", "generation")
_COMPANY = ("linkedin", "domain", "branch")
_WORDS = {
    "linkedin": "two different LinkedIn profiles",
    "email_personal": "two different e-mail addresses at one company",
    "given": "given names that are not variants of each other",
    "branch": "two different branches",
    "domain": "two different web domains",
    "generation": "two generations (Jr. and Sr.)",
}


def compatible_given(x: str, y: str) -> bool:
    """Given names that can be one person's: variants, an initial, or a typo."""
    return given_name_level(x, y) != DIFFERENT


_Held = dict[str, tuple[tuple[int, int], str]]  # feature -> ((-completeness, row), value)


class Conflicts:
    """The value each cluster's record holds of the features that must not disagree.

    given names are a conflict only where the job's own data says different given names are
    rare among its duplicates (a register whose copies often change the given name, like
    FEBRL's, is judged pair by pair instead).
    """

    def __init__(
        self, features: Features, completeness: np.ndarray, given_names_decide: bool = True
    ) -> None:
        names: tuple[str, ...] = _COMPANY if features.table_type == "company" else _PEOPLE
        if not given_names_decide:
            names = tuple(n for n in names if n != "given")
        self._columns: dict[str, pa.Array] = {}
        for name in names:
            column = features.get(name)
            if column is not None:
                self._columns[name] = column
        self._completeness = completeness
        self._held: dict[int, _Held] = {}
        # every full given name a cluster holds: an initial may link John and Jane
        self._given_names: dict[int, frozenset[str]] = {}

    def _of(self, root: int) -> _Held:
        found = self._held.get(root)
        if found is None:  # a cluster not seen yet is one row: its own values
            rank = (-int(self._completeness[root]), root)
            found = {}
            for name, column in self._columns.items():
                value = column[root].as_py()
                if value is not None:
                    found[name] = (rank, value)
            self._held[root] = found
        return found

    def _names(self, root: int) -> frozenset[str]:
        found = self._given_names.get(root)
        if found is None:
            held = self._of(root).get("given")
            value = held[1] if held is not None else ""
            found = frozenset([value]) if len(value) > 1 else frozenset()
            self._given_names[root] = found
        return found

    def between(self, a: int, b: int) -> str | None:
        """Why the clusters rooted at a and b must stay apart, or None."""
        if "given" in self._columns:
            xs, ys = self._names(a), self._names(b)
            if any(not compatible_given(x, y) for x in xs for y in ys):
                return _WORDS["given"]
        sa, sb = self._of(a), self._of(b)
        for name, (_, x) in sa.items():
            held = sb.get(name)
            if held is None or held[1] == x:
                continue
            y = held[1]
            if name == "given":
                if not compatible_given(x, y):
                    return _WORDS[name]
            elif name == "email_personal":
                domain = x.split("@", 1)[-1]
                if domain == y.split("@", 1)[-1] and domain not in FREE_MAIL:
                    return _WORDS[name]
            else:
                return _WORDS[name]
        return None

    def merge(self, a: int, b: int, root: int) -> None:
        """Record that clusters a and b are now one, under root: each feature keeps the value
        of the more complete row."""
        if "given" in self._columns:
            names = self._names(a) | self._names(b)
            self._given_names.pop(a, None)
            self._given_names.pop(b, None)
            self._given_names[root] = names
        sa, sb = self._of(a), self._of(b)
        self._held.pop(a)
        self._held.pop(b)
        merged = dict(sa)
        for name, held in sb.items():
            if name not in merged or held[0] < merged[name][0]:
                merged[name] = held
        self._held[root] = merged
