"""The processing report: files, counts, clusters with their members, validation findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.processing import fields as f
from app.processing.arrays import as_array
from app.processing.clusters import FIRST, Joins, member_rules
from app.processing.domains import is_valid_domain
from app.processing.merge import MergeResult
from app.processing.values import EMAIL_PATTERN

EXAMPLES = 5


@dataclass(frozen=True)
class Provenance:
    """Where the rows of the combined table came from: file names and each file's first row."""

    files: list[str]
    starts: list[int]  # combined-table index of each file's first row


def cluster_entries(
    merged: MergeResult,
    labels: pa.Array,
    joins: Joins,
    provenance: Provenance,
    explanations: Mapping[tuple[int, int], Any] | None = None,
) -> list[dict[str, Any]]:
    """Every output record built from more than one input row, with its members (and the
    evidence that joined each) and conflicts."""
    if len(joins.a) == 0:
        return []
    label_of = labels.to_numpy()
    rows, rules, scores, via = member_rules(joins, label_of)
    order = np.lexsort((rows, label_of[rows]))  # by cluster, then row
    rows, rules, scores, via = rows[order], rules[order], scores[order], via[order]
    member_labels = label_of[rows]
    starts = np.asarray(provenance.starts, dtype=np.int64)
    file_index = np.searchsorted(starts, rows, side="right") - 1
    names = [*joins.rules, "first"]
    codes = np.where(rules == FIRST, len(names) - 1, rules)
    files = provenance.files
    members = [
        {"file": files[k], "row": row, "rule": names[code], "score": score}
        for k, row, code, score in zip(
            file_index.tolist(),
            (rows - starts[file_index] + 1).tolist(),
            codes.tolist(),
            scores.tolist(),
            strict=True,
        )
    ]
    if explanations:
        join_a, join_b = joins.a.tolist(), joins.b.tolist()
        for member, join in zip(members, via.tolist(), strict=True):
            found = explanations.get((join_a[join], join_b[join])) if join >= 0 else None
            if found is not None:
                member["evidence"] = found.to_json()
    bounds = np.flatnonzero(np.diff(member_labels)) + 1
    firsts = np.concatenate([[0], bounds]).astype(np.int64)
    ends = np.concatenate([bounds, [len(rows)]]).astype(np.int64)
    cluster_labels = member_labels[firsts]
    # merged.labels ascend: a cluster's output row is found by binary search
    outputs = np.searchsorted(np.asarray(merged.labels, dtype=np.int64), cluster_labels) + 1
    conflicts = merged.conflicts
    return [
        {"output_row": output, "members": members[first:end], "conflicts": conflicts.get(label, {})}
        for output, first, end, label in zip(
            outputs.tolist(), firsts.tolist(), ends.tolist(), cluster_labels.tolist(), strict=True
        )
    ]


def near_miss_entries(near: list[Any], provenance: Provenance) -> list[dict[str, Any]]:
    """The possible duplicates: pairs of rows just below the threshold (or kept apart by
    evidence against), each row by file and row, with the evidence."""
    starts = np.asarray(provenance.starts, dtype=np.int64)

    def where(row: int) -> dict[str, Any]:
        k = int(np.searchsorted(starts, row, side="right") - 1)
        return {"file": provenance.files[k], "row": int(row - starts[k] + 1)}

    return [{"rows": [where(e.a), where(e.b)], **e.to_json()} for e in near]


def _finding(check: str, field: str | None, mask: pa.Array, values: pa.Array) -> dict[str, Any]:
    mask = pc.fill_null(mask, False)
    count = int(pc.sum(mask).as_py() or 0)
    examples: list[dict[str, Any]] = []
    if count:
        positions = pc.indices_nonzero(mask).slice(0, EXAMPLES)
        taken = values.take(positions).to_pylist()
        for pos, value in zip(positions.to_pylist(), taken, strict=True):
            examples.append({"row": pos + 1, "field": field, "value": value})
    return {"check": check, "field": field, "count": count, "examples": examples}


def _all(masks: list[pa.Array]) -> pa.Array:
    combined = masks[0]
    for mask in masks[1:]:
        combined = pc.and_(combined, mask)
    return combined


def validate(table: pa.Table, mappings: Mapping[str, Any], table_type: str) -> list[dict[str, Any]]:
    """Findings on the output records: missing key fields, invalid e-mails and domains."""

    def present(role: str) -> list[str]:
        fields = f.fields_with_role(mappings, table_type, role)
        return [c for c in fields if c in table.column_names]

    def col(name: str) -> pa.Array:
        return as_array(table.column(name))

    findings = []
    null_text = pa.nulls(table.num_rows, pa.string())
    name_fields = present(f.FULL_NAME) + present(f.FIRST_NAME) + present(f.LAST_NAME)
    if table_type == "company":
        name_fields = present(f.COMPANY_NAME)
    if name_fields:
        missing = _all([pc.is_null(col(c)) for c in name_fields])
        findings.append(_finding("missing_name", name_fields[0], missing, null_text))
    key_roles = (
        (f.EMAIL, f.PERSON_LINKEDIN) if table_type == "people" else (f.DOMAIN, f.COMPANY_LINKEDIN)
    )
    key_fields = [c for role in key_roles for c in present(role)]
    if key_fields:
        missing = _all([pc.is_null(col(c)) for c in key_fields])
        findings.append(_finding("missing_key_fields", " / ".join(key_fields), missing, null_text))
    for name in present(f.EMAIL):
        bad = pc.invert(pc.match_substring_regex(col(name), EMAIL_PATTERN))
        findings.append(_finding("invalid_email", name, bad, col(name)))
    for name in present(f.DOMAIN):
        bad = pc.and_(pc.is_valid(col(name)), pc.invert(is_valid_domain(col(name))))
        findings.append(_finding("invalid_domain", name, bad, col(name)))
    return findings
