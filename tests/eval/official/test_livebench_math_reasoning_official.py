"""`livebench` scores its math and reasoning questions exactly as LiveBench's own rules (`livebench/process_results/`,
dispatched as `gen_ground_truth_judgment.py` does), case for case and in aggregate; `--scoring lenient` departs only
where pinned.

livebench_math_reasoning_verdicts.json holds generated responses and the reference's scores, written by
make_livebench_math_reasoning_verdicts.py with LiveBench's code in a temporary folder; these tests need neither it nor
the network. Each response goes through the benchmark's scorer as a model's would (thinking removed by
`strip_think`, then the question's rule), the same text the generator gave the reference. Where the reference raised
(`error`: a last `\\boxed` its `remove_boxed` refuses, an `int()` of a superscript digit, or AMPS_Hard's gpt-5-mini
fallback without a key) the project must score 0, the score LiveBench's eval_error gives.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.base import Doc
from eval.benchmarks import BENCHMARKS

LIVEBENCH = BENCHMARKS["livebench"]
VERDICTS = json.loads(Path(__file__).with_name("livebench_math_reasoning_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]
MATH_RULES = {"math_contest", "aime", "olympiad", "amps_hard"}
REASONING_RULES = {"web_of_lies_v2", "web_of_lies_v3", "house_traversal", "zebra_puzzle", "zebra_puzzle_bold",
                   "spatial"}
# lenient against the reference: (scores higher, scores lower). The math and reasoning modules keep no departure
# (their LENIENT is empty); AMPS_Hard's math-verify check is in the default too (see eval/benchmarks/livebench/maths.py)
LENIENT_DEPARTURES = (0, 0)


def doc(case: dict) -> Doc:
    category = "math" if case["rule"] in MATH_RULES else "reasoning"
    return Doc("case", [], case["ground_truth"],
               {"category": category, "task": case["rule"], "rule": case["rule"], "ground_truth": case["ground_truth"],
                "question": VERDICTS["questions"].get(case.get("question"), "")})


def reference(case: dict) -> float:
    return case.get("score", 0.0)  # an error: LiveBench's eval_error, score 0


@pytest.fixture(scope="module")
def scores():
    return {scoring: [LIVEBENCH.scorer(scoring)(case["response"], doc(case))[1]["score"] for case in CASES]
            for scoring in ("official", "lenient")}


def test_the_verdicts_come_from_the_pinned_reference():
    pinned = VERDICTS["reference"]
    assert pinned["repository"] == "https://github.com/LiveBench/LiveBench"
    assert pinned["commit"] == "b0fb577be60ea5ba6e3e677a84af127c893af0ef"
    assert all(path.startswith("livebench/process_results/") and len(digest) == 64
               for path, digest in pinned["files"].items())
    per_rule = Counter(case["rule"] for case in CASES)
    assert set(per_rule) == MATH_RULES | REASONING_RULES and min(per_rule.values()) >= 20
    assert sum(per_rule[rule] for rule in MATH_RULES) >= 100
    assert sum(per_rule[rule] for rule in REASONING_RULES) >= 100
    assert all(("score" in case) != ("error" in case) for case in CASES)
    assert {case["rule"] for case in CASES if "error" in case} >= {"math_contest", "olympiad", "amps_hard",
                                                                   "web_of_lies_v2", "zebra_puzzle"}
    assert any("livebench_raw" in case for case in CASES)  # the thinking rule is exercised
    for rule in per_rule:  # every rule has right and wrong answers
        values = {reference(case) for case in CASES if case["rule"] == rule}
        assert 0.0 in values and 1.0 in values, rule


def test_official_scoring_equals_the_reference_case_for_case(scores):
    for case, ours in zip(CASES, scores["official"]):
        assert ours == pytest.approx(reference(case), abs=1e-12), (case["rule"], case["response"], case.get("error"))
    assert sum(scores["official"]) / len(CASES) == pytest.approx(VERDICTS["mean"], abs=1e-12)
    for rule in MATH_RULES | REASONING_RULES:
        ours = [value for value, case in zip(scores["official"], CASES) if case["rule"] == rule]
        theirs = [reference(case) for case in CASES if case["rule"] == rule]
        assert sum(ours) == pytest.approx(sum(theirs), abs=1e-9), rule


def test_lenient_scoring_departs_only_where_pinned(scores):
    pairs = [(ours, reference(case)) for ours, case in zip(scores["lenient"], CASES)]
    assert (sum(ours > theirs + 1e-12 for ours, theirs in pairs),
            sum(ours < theirs - 1e-12 for ours, theirs in pairs)) == LENIENT_DEPARTURES
