"""Dedupe quality per phenomenon: every hand-written case (tests/quality/cases/) merged and
scored pairwise against its truth, as one table.

    python bench/quality_report.py                 # all cases
    python bench/quality_report.py people_accents  # some cases
    python bench/quality_report.py --examples 3    # and rows side by side: missed, merged
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.quality.cases import CASES, evaluate, examples  # noqa: E402

MIN_PRECISION = 0.98
MIN_RECALL = 0.90


def _row(values: dict[str, str]) -> str:
    return " | ".join(v for v in values.values() if v)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--examples", type=int, default=0, help="missed and false pairs to show")
    args = parser.parse_args()
    known = {c.name for c in CASES}
    unknown = [name for name in args.cases if name not in known]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    chosen = [c for c in CASES if not args.cases or c.name in args.cases]
    header = (
        f"{'case':<26} {'rows':>6} {'true pairs':>10} {'predicted':>9} "
        f"{'P':>6} {'R':>6} {'F1':>6} {'seconds':>8}"
    )
    print(header)
    print("-" * len(header))
    below = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in chosen:
            score, built = evaluate(case, Path(tmp) / case.name)
            low = score.precision < MIN_PRECISION or score.recall < MIN_RECALL
            below += low
            print(
                f"{case.name:<26} {score.rows:>6} {score.true_pairs:>10} "
                f"{score.predicted_pairs:>9} {score.precision:>6.3f} {score.recall:>6.3f} "
                f"{score.f1:>6.3f} {score.seconds:>8.2f}" + ("  *" if low else ""),
                flush=True,
            )
            if args.examples:
                missed, false = examples(score, built, limit=args.examples)
                for a, b in missed:
                    print(f"    missed  {_row(a)}\n        and {_row(b)}")
                for a, b in false:
                    print(f"    merged  {_row(a)}\n       with {_row(b)}")
    print(f"\n* below precision {MIN_PRECISION} or recall {MIN_RECALL}: {below} of {len(chosen)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
