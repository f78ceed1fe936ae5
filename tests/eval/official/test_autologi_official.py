"""`autologi` scores exactly as the release's `evaluation/eval.py` (`compute_coding_pass1`), case for case and in
aggregate; `--scoring lenient` departs only where pinned.

autologi_official_verdicts.json holds puzzles, generated responses and the release's verdicts, written by
make_autologi_verdicts.py with the reference code in a temporary folder; these tests need neither it nor the network.
Many responses give the same arrangement, so each distinct (puzzle, arrangement, rule) is verified once.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import eval.benchmarks.logic as logic
from eval.base import Doc
from eval.benchmarks import BENCHMARKS

AUTOLOGI = BENCHMARKS["autologi"]
VERDICTS = json.loads(Path(__file__).with_name("autologi_official_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]
# lenient (`true`/`false` as whole words, the verifier's prints ignored) against the release: (accepts more, less)
LENIENT_DEPARTURES = (6, 0)


def doc(key: str) -> Doc:
    puzzle = VERDICTS["puzzles"][key]
    return Doc(key, [], "", {"language": puzzle["lang"], "inputs_check_code": puzzle["code"]["Inputs_Check_code"],
                             "constraint_list_code": puzzle["code"]["Constraint_List_code"]})


@pytest.fixture(scope="module")
def verdicts_by_rule():
    """Each case scored by both rules; the sandboxed verifier runs once per distinct arrangement and rule, four at a
    time (a first pass records which runs the scorers ask for, a second scores with their results)."""
    verify, results = logic.run_verifier, {}

    def recorded(check, constraints, arrangement, timeout_s=None, quiet=True):
        key = (check, constraints, repr(arrangement), quiet)
        results.setdefault(key, (check, constraints, arrangement, timeout_s, quiet))
        return results[key] if isinstance(results[key], bool) else False

    def scores():
        return {scoring: [AUTOLOGI.scorer(scoring)(case["response"], doc(case["puzzle"]))[1]["accuracy"]
                          for case in CASES] for scoring in ("official", "lenient")}

    logic.run_verifier = recorded
    try:
        scores()
        with ThreadPoolExecutor(4) as pool:
            verdicts = list(pool.map(lambda arguments: verify(*arguments), results.values()))
        results.update(zip(results, verdicts))
        return scores()
    finally:
        logic.run_verifier = verify


def test_the_verdicts_come_from_the_pinned_release():
    reference = VERDICTS["reference"]
    assert reference["repository"] == "https://github.com/8188zq/AutoLogi" and len(reference["commit"]) == 40
    assert set(reference["files"]) == {"evaluation/eval.py", "evaluation/run_code.py"}
    assert len(CASES) >= 100 and 0 < sum(case["correct"] for case in CASES) < len(CASES)
    assert {case["puzzle"] for case in CASES} == set(VERDICTS["puzzles"])
    assert any("raw" in case for case in CASES)  # the thinking rule is exercised


def test_official_scoring_equals_the_release_case_for_case(verdicts_by_rule):
    for case, ours in zip(CASES, verdicts_by_rule["official"]):
        assert ours == case["correct"], (case["puzzle"], case["response"])
    assert sum(verdicts_by_rule["official"]) / len(CASES) == pytest.approx(VERDICTS["accuracy"], abs=1e-12)


def test_lenient_scoring_departs_only_where_pinned(verdicts_by_rule):
    pairs = list(zip(verdicts_by_rule["lenient"], CASES))
    assert (sum(ours > case["correct"] for ours, case in pairs),
            sum(ours < case["correct"] for ours, case in pairs)) == LENIENT_DEPARTURES
