"""Union-find over row indices, remembering which rule joined whom, for the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa

IntArray: TypeAlias = npt.NDArray[np.int64]
FIRST = -1  # the rule code of a cluster's first row (reported as "first", score 100)


@dataclass(frozen=True)
class Edge:
    """Two rows joined by a rule ("email", "domain", "name", ...) with a score 0-100."""

    a: int
    b: int
    rule: str
    score: int


@dataclass(frozen=True, eq=False)
class Joins:
    """The joins that built the clusters, as columns: row pairs, rule codes, scores."""

    a: IntArray
    b: IntArray
    rule: IntArray  # index into `rules`
    score: IntArray
    rules: tuple[str, ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Joins) and self.edges() == other.edges()

    def edges(self) -> tuple[Edge, ...]:
        """The joins one by one."""
        columns = (self.a.tolist(), self.b.tolist(), self.rule.tolist(), self.score.tolist())
        return tuple(Edge(a, b, self.rules[r], s) for a, b, r, s in zip(*columns, strict=True))


@dataclass
class UnionFind:
    """Disjoint sets of rows; a set's root is its first row (clusters sort by first appearance)."""

    size: int
    parent: list[int] = field(init=False)
    joined: tuple[list[int], list[int], list[int], list[int]] = field(init=False)
    rules: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.parent = list(range(self.size))
        self.joined = ([], [], [], [])

    def find(self, x: int) -> int:
        """The root of x's set (compressing the path on the way)."""
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int, rule: str, score: int) -> bool:
        """Join the sets of a and b; True (and the join kept) when they were apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if ra < rb:
            self.parent[rb] = ra
        else:
            self.parent[ra] = rb
        rows_a, rows_b, rules, scores = self.joined
        rows_a.append(a)
        rows_b.append(b)
        rules.append(self.rules.setdefault(rule, len(self.rules)))
        scores.append(score)
        return True

    def joins(self) -> Joins:
        """Every join kept so far."""
        a, b, rule, score = (np.array(c, dtype=np.int64) for c in self.joined)
        return Joins(a, b, rule, score, tuple(self.rules))

    def label_array(self) -> pa.Array:
        """Each row's root (equal labels = same cluster, a label is its cluster's first row), by
        pointer jumping: a few vectorised takes."""
        parent = pa.array(self.parent, pa.int64())
        while True:
            grand = parent.take(parent)
            if grand.equals(parent):
                return parent
            parent = grand


def member_rules(joins: Joins, labels: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """The rows of multi-row clusters (ascending), each with the rule code and score of the join
    that reached it from its cluster's first row (which gets FIRST, 100), and that join's index
    (-1 for the first row).

    The joins of a cluster form a tree, so that join is unique: walk outward level by level.
    """
    rows = np.unique(np.concatenate([joins.a, joins.b]))
    rule = np.full(len(labels), FIRST, np.int64)
    score = np.full(len(labels), 100, np.int64)
    via = np.full(len(labels), -1, np.int64)
    reached = np.zeros(len(labels), np.bool_)
    reached[labels[rows]] = True
    a, b, codes, scores = joins.a, joins.b, joins.rule, joins.score
    index = np.arange(len(a), dtype=np.int64)
    while len(a):
        from_a, from_b = reached[a], reached[b]
        step = from_a != from_b
        if not step.any():
            break
        child = np.where(from_a, b, a)[step]
        rule[child], score[child], reached[child] = codes[step], scores[step], True
        via[child] = index[step]
        rest = ~(from_a | from_b)
        a, b, codes, scores, index = a[rest], b[rest], codes[rest], scores[rest], index[rest]
    return rows, rule[rows], score[rows], via[rows]
