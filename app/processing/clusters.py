"""Union-find over row indices, remembering which rule joined whom, for the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa


@dataclass(frozen=True)
class Edge:
    """Two rows joined by a rule ("email", "domain", "name", ...) with a score 0-100."""

    a: int
    b: int
    rule: str
    score: int


@dataclass
class UnionFind:
    """Disjoint sets of rows; a set's root is its first row (clusters sort by first appearance)."""

    size: int
    parent: list[int] = field(init=False)
    edges: list[Edge] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.parent = list(range(self.size))

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
        """Join the sets of a and b; True (and the edge kept) when they were apart."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if ra < rb:
            self.parent[rb] = ra
        else:
            self.parent[ra] = rb
        self.edges.append(Edge(a, b, rule, score))
        return True

    def union_all(self, pairs: Iterable[tuple[int, int]], rule: str) -> int:
        """Join each pair (exact key matches, score 100); the number of joins made."""
        joined = 0
        for a, b in pairs:
            joined += self.union(a, b, rule, 100)
        return joined

    def labels(self) -> list[int]:
        """Each row's root: equal labels = same cluster; a label is its cluster's first row."""
        return self.label_array().to_pylist()  # type: ignore[no-any-return]

    def label_array(self) -> pa.Array:
        """labels() as an Arrow array, by pointer jumping (a few vectorised takes)."""
        parent = pa.array(self.parent, pa.int64())
        while True:
            grand = parent.take(parent)
            if grand.equals(parent):
                return parent
            parent = grand


def member_rules(edges: Iterable[Edge], labels: list[int]) -> dict[int, tuple[str, int]]:
    """For each row of a multi-row cluster, the rule and score that linked it to the cluster.

    Walks each cluster's joining edges outward from its first row, so every member gets the
    edge that reached it; the first row gets ("first", 100).
    """
    per_cluster: dict[int, list[Edge]] = {}
    for e in edges:
        per_cluster.setdefault(labels[e.a], []).append(e)
    rules: dict[int, tuple[str, int]] = {}
    for root, joins in per_cluster.items():
        rules[root] = ("first", 100)
        if len(joins) == 1:  # most clusters: two rows, one join
            e = joins[0]
            rules[e.b if e.a == root else e.a] = (e.rule, e.score)
            continue
        adjacency: dict[int, list[Edge]] = {}
        for e in joins:
            adjacency.setdefault(e.a, []).append(e)
            adjacency.setdefault(e.b, []).append(e)
        frontier = [root]
        while frontier:
            nxt = []
            for row in frontier:
                for e in adjacency.get(row, ()):
                    other = e.b if e.a == row else e.a
                    if other not in rules:
                        rules[other] = (e.rule, e.score)
                        nxt.append(other)
            frontier = nxt
    return rules
