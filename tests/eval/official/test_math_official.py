"""MATH-500 and AIME 2025 against the grader the MATH-500 release ships: a documented departure, measured.

math_official_verdicts.json holds generated responses and the verdicts of OpenAI PRM800K's `grade_answer` (run from
a temporary folder by make_math_verdicts.py; AIME by its integer answer rule). The project scores both benchmarks
with math-verify (symbolic equivalence, as lighteval and open-r1 do) and keeps no copy of PRM800K's grader, so the
verdicts differ where PRM800K is stricter; these tests pin exactly where (README, docs/SCORING.md). They need
neither the reference code nor the network.
"""

import json
from pathlib import Path

import pytest

from eval.base import Doc
from eval.benchmarks import BENCHMARKS

VERDICTS = json.loads(Path(__file__).with_name("math_official_verdicts.json").read_text(encoding="utf-8"))
# cases where PRM800K (or AIME's integer rule) rejects what math-verify accepts: unreduced fractions, sets in another
# order, `0.25` for `25\%`, unit words; for AIME `7.0`, `x=7`, `\frac{14}{2}`, `\text{7}`
MORE_GENEROUS = {"math500": 13, "aime25": 28}


def test_the_verdicts_come_from_the_pinned_reference():
    reference = VERDICTS["math500"]["reference"]
    assert reference["repository"] == "https://github.com/openai/prm800k"
    assert reference["commit"] == "7ecc794703b2877f63226f2477a49b34f9b25163"
    assert set(reference["files"]) == {"prm800k/grading/grader.py", "prm800k/grading/math_normalize.py"}
    for name in ("math500", "aime25"):
        cases = VERDICTS[name]["cases"]
        assert len(cases) >= 100
        assert 0 < sum(case["accuracy"] for case in cases) < len(cases)  # both right and wrong answers


@pytest.mark.parametrize("name", ["math500", "aime25"])
def test_math_verify_departs_from_the_reference_only_by_accepting_more(name):
    benchmark, cases = BENCHMARKS[name], VERDICTS[name]["cases"]
    generous, stricter = [], []
    for case in cases:
        extracted, scores = benchmark.score(case["response"], Doc("case", [], case["target"], {}))
        assert (extracted or None) == case["extracted"], case["response"][-80:]  # the same last \boxed{}
        if scores["accuracy"] > case["accuracy"]:
            generous.append((extracted, case["target"]))
        elif scores["accuracy"] < case["accuracy"]:
            stricter.append((extracted, case["target"]))
    assert stricter == []
    assert len(generous) == MORE_GENEROUS[name], generous
