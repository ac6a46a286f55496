"""Hand-written quality cases, one per matching phenomenon, each with its traps and its truth.

Each case writes 2-6 CSV files as real tools export them (fixed seeds: the same files every
run) and knows which rows are the same entity. `evaluate` merges them with the product's
pipeline and scores the report's clusters pairwise against that truth.
"""

from tests.quality.cases.base import Built, Case
from tests.quality.cases.companies import CASES as COMPANY_CASES
from tests.quality.cases.febrl import CASES as FEBRL_CASES
from tests.quality.cases.people import CASES as PEOPLE_CASES
from tests.quality.cases.score import Score, evaluate, examples

CASES: list[Case] = [*PEOPLE_CASES, *COMPANY_CASES, *FEBRL_CASES]

__all__ = ["CASES", "Built", "Case", "Score", "evaluate", "examples"]
