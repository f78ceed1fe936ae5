"""`ceval` scores exactly as C-Eval's own evaluator (the zero-shot answer-only path of `ChatGPT_Evaluator`), case
for case and in aggregate; `--scoring lenient` departs only where pinned.

ceval_official_verdicts.json holds generated responses and the evaluator's verdicts, written by
make_ceval_verdicts.py with the reference code in a temporary folder; these tests need neither it nor the network.
"""

import json
from pathlib import Path

import pytest

from eval.base import Doc
from eval.benchmarks import BENCHMARKS

CEVAL = BENCHMARKS["ceval"]
VERDICTS = json.loads(Path(__file__).with_name("ceval_official_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]
# lenient (the shared multiple-choice rule with Chinese cues) against the evaluator: (accepts more, accepts less).
# More: lower-case and full-width letters, option text, "The answer is B", **B**, (B), 我选B / 故选C; less: a first
# cue overruled by a later one ("答案是B...答案为C"), "A或B", a reply that starts with a capital letter ("Dog")
LENIENT_DEPARTURES = (20, 3)


def doc(case: dict) -> Doc:
    return Doc("case", [], case["answer"], {"options": VERDICTS["options"], "category": "Humanities"})


def test_the_verdicts_come_from_the_pinned_evaluator():
    reference = VERDICTS["reference"]
    assert reference["repository"] == "https://github.com/hkust-nlp/ceval" and len(reference["commit"]) == 40
    assert all(len(digest) == 64 for digest in reference["files"].values())
    assert len(CASES) >= 100
    assert 0 < sum(case["correct"] for case in CASES) < len(CASES)
    assert any("raw" in case for case in CASES)  # the thinking rule is exercised


def test_official_scoring_equals_the_evaluator_case_for_case():
    results = [CEVAL.score(case["response"], doc(case)) for case in CASES]
    for case, (chosen, scores) in zip(CASES, results):
        assert scores["accuracy"] == case["correct"], (case["response"], chosen)
        assert scores["accuracy_humanities"] == case["correct"]
    summary = CEVAL.summarize([], [scores for _, scores in results])
    assert 100 * summary["accuracy"] == pytest.approx(VERDICTS["accuracy_percent"], abs=1e-9)


def test_lenient_scoring_departs_only_where_pinned():
    lenient = [CEVAL.scorer("lenient")(case["response"], doc(case))[1]["accuracy"] for case in CASES]
    more = sum(ours > case["correct"] for ours, case in zip(lenient, CASES))
    less = sum(ours < case["correct"] for ours, case in zip(lenient, CASES))
    assert (more, less) == LENIENT_DEPARTURES
    assert CEVAL.scoring_used("lenient") == "lenient"
