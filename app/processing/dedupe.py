"""Finding duplicate rows: exact keys first, then fuzzy names inside small blocks, by union-find."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from app.processing.arrays import filled_with, row_numbers
from app.processing.blocking import (
    BlockCodes,
    first_index_pairs,
    initials,
    join_keys,
    window_pairs,
)
from app.processing.clusters import Edge, Joins, UnionFind
from app.processing.errors import Cancelled
from app.processing.keys import MatchKeys, build_keys
from app.processing.options import MergeOptions
from app.processing.scoring import scored_pairs

Progress = Callable[[str, int, int], None]
_PERSON_RULE = "name+company"
_COMPANY_RULE = "name"
_ROUNDS = 4


@dataclass(frozen=True)
class DedupeResult:
    """Each row's cluster label (the cluster's first row) and the joins that built the clusters."""

    label_array: pa.Array  # int64, one label per row
    joins: Joins

    @property
    def labels(self) -> list[int]:
        """The labels as a list."""
        return self.label_array.to_pylist()  # type: ignore[no-any-return]

    @property
    def edges(self) -> tuple[Edge, ...]:
        """The joins one by one."""
        return self.joins.edges()


def dedupe(
    table: pa.Table,
    *,
    mappings: Mapping[str, Any],
    options: MergeOptions,
    progress: Progress | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    is_clean: bool = False,
) -> DedupeResult:
    """Cluster rows that are the same person or company: exact keys, or fuzzy names."""

    total = 3 + 3 * _ROUNDS  # keys, one step per exact key kind, three per fuzzy round
    done = 0

    def step() -> None:
        nonlocal done
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("The job was cancelled.")
        done += 1
        if progress is not None:
            progress("dedupe", min(done, total), total)

    keys = build_keys(table, mappings, options.table_type, is_clean=is_clean)
    uf = UnionFind(table.num_rows)
    step()
    with ThreadPoolExecutor(2) as pool:  # Arrow kernels: two keys at a time
        exact_pairs = pool.map(first_index_pairs, keys.exact.values())
        for rule, (owners, rows) in zip(keys.exact, exact_pairs, strict=True):
            uf.union_exact(owners, rows, rule)
            step()
    if keys.name is not None:
        _fuzzy_rounds(uf, keys, _completeness(table), options, step)
    done = total - 1
    step()
    return DedupeResult(uf.label_array(), uf.joins())


def _fuzzy_rounds(
    uf: UnionFind,
    keys: MatchKeys,
    completeness: pa.Array,
    options: MergeOptions,
    step: Callable[[], None],
) -> None:
    """Join fuzzy matches; joining clusters pools their fields, which can reveal new matches
    (and deduping the output must change nothing), so rounds repeat on the grown clusters."""
    labels = uf.label_array()
    focus = None
    filled = keys
    people_passes = _PeoplePasses()
    for _ in range(_ROUNDS):
        filled = _fill_by_cluster(keys, labels, completeness, filled, focus)
        step()
        if options.table_type == "people":
            candidates = people_passes.candidates(filled, labels, focus)
        else:
            candidates = _company_candidates(filled, labels, focus)
        step()
        joined = _join_fuzzy(uf, filled, candidates, options, labels)
        step()
        if not joined:
            return
        grown = uf.label_array()
        focus = pc.is_in(grown, value_set=pc.unique(grown.filter(pc.not_equal(grown, labels))))
        labels = grown


def _completeness(table: pa.Table) -> pa.Array:
    """Filled cells per row: smart merge keeps the most complete row, so fills prefer it."""
    filled = filled_with(0, table.num_rows)
    for name in table.column_names:
        filled = pc.add(filled, pc.cast(pc.is_valid(table.column(name)), pa.int64()))
    return filled


def _fill_by_cluster(
    keys: MatchKeys,
    labels: pa.Array,
    completeness: pa.Array,
    previous: MatchKeys | None = None,
    focus: pa.Array | None = None,
) -> MatchKeys:
    """Keys with each row's gaps filled from its cluster, as smart merge would fill them.

    With `previous` and `focus`, only the focused rows (clusters that grew) are recomputed.
    """
    rows = row_numbers(len(labels))
    joined = pc.unique(labels.filter(pc.not_equal(labels, rows)))
    members = pc.is_in(labels, value_set=joined)
    if focus is not None:
        members = pc.and_(members, focus)
    base = previous if previous is not None else keys
    member_rows, member_labels = rows.filter(members), labels.filter(members)
    order = pc.sort_indices(
        pa.table({"l": member_labels, "c": completeness.filter(members), "r": member_rows}),
        sort_keys=[("l", "ascending"), ("c", "descending"), ("r", "ascending")],
    )
    sorted_labels = member_labels.take(order)

    def fill(key: pa.Array | None, current: pa.Array | None) -> pa.Array | None:
        if key is None or current is None or len(member_rows) == 0:
            return current
        own = key.filter(members)
        values = own.take(order)
        valid = pc.is_valid(values)
        with_value = sorted_labels.filter(valid)
        firsts = pc.unique(with_value)  # sorted: each label's preferred value comes first
        first_value = values.filter(valid).take(pc.index_in(firsts, value_set=with_value))
        filled = pc.coalesce(own, first_value.take(pc.index_in(member_labels, value_set=firsts)))
        return pc.replace_with_mask(current, members, filled)

    with ThreadPoolExecutor(2) as pool:  # independent columns; Arrow releases the GIL
        name, company_domain, company_name = pool.map(
            fill,
            (keys.name, keys.company_domain, keys.company_name),
            (base.name, base.company_domain, base.company_name),
        )
    return MatchKeys(keys.exact, name, company_domain, company_name)


class _PeoplePasses:
    """The blocked passes that find candidate pairs of people, with each pass's block codes
    kept between rounds (a later round's keys change only on its focused rows)."""

    def __init__(self) -> None:
        self._by_company = [BlockCodes(), BlockCodes()]  # (company domain | name, initials)
        self._by_name = BlockCodes()  # (name, company initial)
        self._letters: pa.Array | None = None

    def candidates(
        self, keys: MatchKeys, labels: pa.Array, focus: pa.Array | None
    ) -> dict[tuple[int, int], bool]:
        """Candidate pairs -> whether the block already proves the same company."""
        assert keys.name is not None
        name = keys.name

        def pairs(order: pa.Array, block: BlockCodes, build: _Build, window: int) -> _Pairs:
            block_codes = block.update(build, focus)
            return window_pairs(order, labels, block_codes=block_codes, window=window, focus=focus)

        # mostly Arrow hashing and sorting, which run in parallel; each pass's keys are
        # built while the previous pass runs
        passes: list[tuple[Future[_Pairs], bool]] = []
        with ThreadPoolExecutor(2) as pool:
            other = keys.company_name if keys.company_name is not None else keys.company_domain
            if other is not None:
                # Same name, company unproven: neighbours by company within (name, company
                # initial).
                build = _joined(name, pc.utf8_slice_codeunits(other, 0, 1))
                passes.append((pool.submit(pairs, other, self._by_name, build, 4), False))
            letters = self._initials(name, focus)
            for block, company in zip(
                self._by_company, (keys.company_domain, keys.company_name), strict=True
            ):
                if company is not None:
                    job = pool.submit(pairs, name, block, _joined(company, letters), 8)
                    passes.append((job, True))
            found = [(job.result(), proves_company) for job, proves_company in passes]
        out: dict[tuple[int, int], bool] = {}
        for pass_pairs, proves_company in found:
            if proves_company:
                out.update(dict.fromkeys(pass_pairs, True))
            else:
                for pair in pass_pairs:
                    out.setdefault(pair, False)
        return out

    def _initials(self, name: pa.Array, focus: pa.Array | None) -> pa.Array:
        if self._letters is None or focus is None:
            self._letters = initials(name)
        else:
            self._letters = pc.replace_with_mask(self._letters, focus, initials(name.filter(focus)))
        return self._letters


_Pairs = list[tuple[int, int]]
_Build = Callable[[pa.Array | None], pa.Array]


def _joined(*parts: pa.Array) -> _Build:
    """Block keys joined from parts, for every row or for the rows of a mask."""
    return lambda mask: join_keys(*(p if mask is None else p.filter(mask) for p in parts))


def _company_candidates(
    keys: MatchKeys, labels: pa.Array, focus: pa.Array | None
) -> dict[tuple[int, int], bool]:
    assert keys.name is not None
    out: dict[tuple[int, int], bool] = {}
    for order in (keys.name, pc.utf8_reverse(keys.name)):
        for pair in window_pairs(order, labels, window=6, focus=focus):
            out[pair] = True
    return out


def _join_fuzzy(
    uf: UnionFind,
    keys: MatchKeys,
    candidates: dict[tuple[int, int], bool],
    options: MergeOptions,
    labels: pa.Array,
) -> bool:
    people = options.table_type == "people"
    scored = scored_pairs(keys, candidates, options.threshold, people)
    signatures = _Signatures(keys, labels, [r for _, a, b in scored for r in (a, b)])
    rule = _PERSON_RULE if people else _COMPANY_RULE
    joined = False
    for negative, a, b in scored:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb or signatures.conflict(ra, rb):
            continue
        uf.union(a, b, rule, -negative)
        signatures.merge(ra, rb, uf.find(a))
        joined = True
    return joined


class _Signatures:
    """The exact keys (e-mails, LinkedIn, domains) each cluster holds, to refuse joins that
    would put two different keys of one kind into one record."""

    def __init__(self, keys: MatchKeys, labels: pa.Array, rows: list[int]) -> None:
        roots = sorted(set(labels.take(pa.array(rows, pa.int64())).to_pylist()))
        self.sets: dict[int, dict[str, set[str]]] = {r: {} for r in roots}
        if not roots:
            return
        wanted = pc.is_in(labels, value_set=pa.array(roots, pa.int64()))
        for rule, key in keys.exact.items():
            table = pa.table({"l": labels, "k": key}).filter(wanted)
            table = table.filter(pc.is_valid(table.column("k")))
            for label, value in zip(
                table.column("l").to_pylist(), table.column("k").to_pylist(), strict=True
            ):
                self.sets[label].setdefault(rule, set()).add(value)

    def conflict(self, a: int, b: int) -> bool:
        """True when the two clusters hold different values of the same key kind."""
        sa, sb = self.sets.get(a, {}), self.sets.get(b, {})
        return any(rule in sb and not values & sb[rule] for rule, values in sa.items())

    def merge(self, a: int, b: int, root: int) -> None:
        """Record that clusters a and b are now one, under root."""
        merged: dict[str, set[str]] = {}
        for side in (self.sets.pop(a, {}), self.sets.pop(b, {})):
            for rule, values in side.items():
                merged.setdefault(rule, set()).update(values)
        self.sets[root] = merged
