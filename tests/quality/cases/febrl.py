"""FEBRL people registers (no company, no e-mail, no phone): data sets 2, 3 and 4, written as
a register's exports would look. The truth is the number in rec_id (see febrl/README.md)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.quality.cases.base import Built, Case, Truth

DATA = Path(__file__).resolve().parents[1] / "febrl"
Columns = Sequence[tuple[str, Callable[[dict[str, str]], str]]]


def _title(text: str) -> str:
    return " ".join(w.capitalize() for w in text.split(" "))


def _street(r: dict[str, str]) -> str:
    return _title(f"{r['street_number']} {r['address_1']}".strip())


def _dob(style: str) -> Callable[[dict[str, str]], str]:
    def dob(r: dict[str, str]) -> str:
        raw = r["date_of_birth"]
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", raw)
        if not m or not ("01" <= m[2] <= "12" and "01" <= m[3] <= "31"):
            return raw  # the generator's corrupted dates stay as they are
        y, mo, d = m.groups()
        return f"{d}/{mo}/{y}" if style == "au" else f"{y}-{mo}-{d}"

    return dob


def _col(key: str) -> Callable[[dict[str, str]], str]:
    return lambda r: _title(r[key])


REGISTER: Columns = [
    ("First Name", _col("given_name")),
    ("Last Name", _col("surname")),
    ("Street Address", _street),
    ("Address Line 2", _col("address_2")),
    ("City", _col("suburb")),
    ("Postal Code", lambda r: r["postcode"]),
    ("State", lambda r: r["state"].upper()),
    ("Date of Birth", _dob("au")),
]
MEMBERS: Columns = [
    ("Given Name", _col("given_name")),
    ("Surname", _col("surname")),
    ("Address", _street),
    ("Address 2", _col("address_2")),
    ("Suburb", _col("suburb")),
    ("Postcode", lambda r: r["postcode"]),
    ("State", lambda r: r["state"].upper()),
    ("DOB", _dob("iso")),
]
PATIENTS: Columns = [
    ("first_name", lambda r: r["given_name"]),
    ("last_name", lambda r: r["surname"]),
    ("street_address", lambda r: f"{r['street_number']} {r['address_1']}".strip()),
    ("address_line_2", lambda r: r["address_2"]),
    ("city", lambda r: r["suburb"]),
    ("postal_code", lambda r: r["postcode"]),
    ("state", lambda r: r["state"]),
    ("date_of_birth", _dob("iso")),
]


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, skipinitialspace=True))


def entity(rec_id: str) -> str:
    m = re.match(r"rec-(\d+)-", rec_id)
    assert m, rec_id
    return f"febrl-{m[1]}"


def write(out: Path, parts: Sequence[tuple[str, Columns, list[dict[str, str]]]]) -> Built:
    out.mkdir(parents=True, exist_ok=True)
    truth: Truth = {}
    values: dict[tuple[str, int], dict[str, str]] = {}
    paths = []
    for name, columns, records in parts:
        path = out / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([h for h, _ in columns])
            for k, record in enumerate(records, start=1):
                row = [make(record) for _, make in columns]
                writer.writerow(row)
                truth[(name, k)] = entity(record["rec_id"])
                values[(name, k)] = dict(zip((h for h, _ in columns), row, strict=True))
        paths.append(path)
    return Built(paths, truth, values)


def split(records: list[dict[str, str]], n: int) -> list[list[dict[str, str]]]:
    return [records[k::n] for k in range(n)]


def febrl2(out: Path) -> Built:
    a, b = split(read("dataset2.csv"), 2)
    return write(out, [("register_2019.csv", REGISTER, a), ("members.csv", MEMBERS, b)])


def febrl3(out: Path) -> Built:
    a, b, c = split(read("dataset3.csv"), 3)
    return write(
        out,
        [("register.csv", REGISTER, a), ("members.csv", MEMBERS, b), ("patients.csv", PATIENTS, c)],
    )


def febrl4(out: Path) -> Built:
    return write(
        out,
        [
            ("register_a.csv", REGISTER, read("dataset4a.csv")),
            ("register_b.csv", MEMBERS, read("dataset4b.csv")),
        ],
    )


CASES = [
    Case("febrl2", "people", "FEBRL 2: register without company or e-mail, 2 files", febrl2),
    Case("febrl3", "people", "FEBRL 3: many duplicates per person, 3 files", febrl3),
    Case("febrl4", "people", "FEBRL 4: originals and their duplicates, 2 files", febrl4),
]
