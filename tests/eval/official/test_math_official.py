"""MATH-500 and AIME 2025 against their official rules, case for case; math-verify's departures under lenient.

math_official_verdicts.json holds generated responses and the verdicts of OpenAI PRM800K's `grade_answer` (the grader
the MATH-500 release ships, run from a temporary folder by make_math_verdicts.py: every normaliser branch has a case)
and of AIME's integer answer rule. The project keeps its own implementation of those rules (eval/math_grading.py);
these tests need neither the reference code nor the network.
"""

import json
from pathlib import Path

import pytest

from eval.base import Doc
from eval.benchmarks import BENCHMARKS

VERDICTS = json.loads(Path(__file__).with_name("math_official_verdicts.json").read_text(encoding="utf-8"))
# `--scoring lenient` (math-verify) against the official verdicts: (accepts more, accepts less). More: unreduced
# fractions, sets in another order, `0.25` for `25\%`, unit words, for AIME `7.0`, `x=7`, `\frac{14}{2}`, `\text{7}`;
# less: `2.99999999` for 3, `1e3`, the mixed number `7 3/4`, `5 cm^2`, which PRM800K accepts
LENIENT_DEPARTURES = {"math500": (23, 4), "aime25": (28, 0)}


def test_the_verdicts_come_from_the_pinned_reference():
    reference = VERDICTS["math500"]["reference"]
    assert reference["repository"] == "https://github.com/openai/prm800k"
    assert reference["commit"] == "7ecc794703b2877f63226f2477a49b34f9b25163"
    assert set(reference["files"]) == {"prm800k/grading/grader.py", "prm800k/grading/math_normalize.py"}
    for name in ("math500", "aime25"):
        cases = VERDICTS[name]["cases"]
        assert len(cases) >= 100
        assert 0 < sum(case["accuracy"] for case in cases) < len(cases)  # both right and wrong answers


def scored(name: str, scoring: str) -> list[tuple[str, float]]:
    benchmark = BENCHMARKS[name]
    return [benchmark.scorer(scoring)(case["response"], Doc("case", [], case["target"], {}))
            for case in VERDICTS[name]["cases"]]


@pytest.mark.parametrize("name", ["math500", "aime25"])
def test_official_scoring_equals_the_reference_case_for_case(name):
    cases = VERDICTS[name]["cases"]
    results = scored(name, "official")
    for case, (extracted, scores) in zip(cases, results):
        assert (extracted or None) == case["extracted"], case["response"][-80:]  # the same last \boxed{}
        assert scores["accuracy"] == case["accuracy"], (extracted, case["target"])
    summary = BENCHMARKS[name].summarize([], [scores for _, scores in results])
    assert summary["accuracy"] == pytest.approx(VERDICTS[name]["mean"], abs=1e-12)


@pytest.mark.parametrize("name", ["math500", "aime25"])
def test_lenient_scoring_departs_only_where_pinned(name):
    cases = VERDICTS[name]["cases"]
    lenient = [scores["accuracy"] for _, scores in scored(name, "lenient")]
    more = sum(ours > case["accuracy"] for ours, case in zip(lenient, cases))
    less = sum(ours < case["accuracy"] for ours, case in zip(lenient, cases))
    assert (more, less) == LENIENT_DEPARTURES[name]
    assert BENCHMARKS[name].scoring_used("lenient") == "lenient"
