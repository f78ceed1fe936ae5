"""`livebench` scores its data_analysis rules (cta, tablejoin, tablereformat v1 and v2) and language rules
(connections, connections_bold, typos, plot_unscrambling) exactly as LiveBench's own `process_results` code, case for
case and on average; `--scoring lenient` departs only where pinned.

livebench_data_language_verdicts.json holds generated responses and the reference's scores, written by
make_livebench_data_language_verdicts.py with LiveBench's code in a temporary folder; these tests need neither it nor
the network. Each response is scored as a run scores it (`<think>` removal, then the question's rule). Where the
reference raises (`error` in a case: an unreadable box, a question naming no table formats, an unreadable truth, a
plot with no true sentence), LiveBench's dispatch records 0, and so must the project.

HTML-target cases need lxml (the `dev` extra), as LiveBench reads them with `pandas.read_html`; without it (or bs4
with html5lib) they are skipped and the rest are still checked.
"""

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from eval.base import Doc
from eval.benchmarks.livebench import LIVEBENCH
from eval.benchmarks.livebench.benchmark import LENIENT_RULES
from eval.benchmarks.livebench.data_analysis import table_formats

VERDICTS = json.loads(Path(__file__).with_name("livebench_data_language_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]
DATA_ANALYSIS = ("cta", "tablejoin", "tablereformat_v1", "tablereformat_v2")
LANGUAGE = ("connections", "connections_bold", "typos", "plot_unscrambling")
# lenient against the reference: (scores higher, scores lower); no departure is kept for these rules
LENIENT_DEPARTURES = (0, 0)
HTML_READABLE = importlib.util.find_spec("lxml") is not None or (
    importlib.util.find_spec("bs4") is not None and importlib.util.find_spec("html5lib") is not None)
NO_HTML = "HTML-target cases need lxml (pip install lxml, in the dev extra) for pandas.read_html"


def html_target(case: dict) -> bool:
    if not case["rule"].startswith("tablereformat_"):
        return False
    try:
        return table_formats(case["question"], case["rule"][-2:])[1] == "html"
    except Exception:  # a question naming no formats
        return False


HTML_CASES = [i for i, case in enumerate(CASES) if html_target(case)]
OTHER_CASES = [i for i, case in enumerate(CASES) if not html_target(case)]


def doc(case: dict) -> Doc:
    category = "data_analysis" if case["rule"] in DATA_ANALYSIS else "language"
    return Doc("case", [], case["ground_truth"],
               {"rule": case["rule"], "category": category, "task": case["rule"],
                "ground_truth": case["ground_truth"], "question": case.get("question", "")})


@pytest.fixture(scope="module")
def scores():
    """Each case under both scorings; a rule with no departure in LENIENT_RULES runs the same function under both
    (benchmark._score), so only the rules with one are scored twice (pandas makes a table case slow). HTML-target
    cases are scored only where html tables can be read (None otherwise)."""
    scored = [case if HTML_READABLE or not html_target(case) else None for case in CASES]
    official = [None if case is None else LIVEBENCH.score(case["response"], doc(case))[1]["score"] for case in scored]
    lenient = [LIVEBENCH.scorer("lenient")(case["response"], doc(case))[1]["score"]
               if case is not None and case["rule"] in LENIENT_RULES else value
               for case, value in zip(scored, official)]
    return {"official": official, "lenient": lenient}


def test_the_verdicts_come_from_the_pinned_reference():
    reference = VERDICTS["reference"]
    assert reference["repository"] == "https://github.com/LiveBench/LiveBench" and len(reference["commit"]) == 40
    assert all(path.startswith("livebench/process_results/") and len(digest) == 64
               for path, digest in reference["files"].items())
    per_rule = Counter(case["rule"] for case in CASES)
    assert set(per_rule) == set(DATA_ANALYSIS + LANGUAGE) and min(per_rule.values()) >= 20
    assert sum(per_rule[rule] for rule in DATA_ANALYSIS) >= 100 and sum(per_rule[rule] for rule in LANGUAGE) >= 100
    for rule in per_rule:  # each rule has right and wrong answers
        values = [case["score"] for case in CASES if case["rule"] == rule]
        assert min(values) == 0 and max(values) == 1, rule
    assert any(0 < case["score"] < 1 for case in CASES)  # partial credit
    assert all(case["score"] == 0 for case in CASES if "error" in case) and any("error" in case for case in CASES)
    assert any("raw" in case for case in CASES)  # the thinking rule is exercised
    assert VERDICTS["html_tables"] == "scored" and 20 <= len(HTML_CASES) <= 40  # the html target is covered
    html_scores = [CASES[i]["score"] for i in HTML_CASES]
    assert min(html_scores) == 0 and max(html_scores) == 1


def test_official_scoring_equals_the_reference_case_for_case(scores):
    for i in OTHER_CASES:
        case = CASES[i]
        assert scores["official"][i] == case["score"], (case["rule"], case["response"], case.get("error"))
    assert sum(scores["official"][i] for i in OTHER_CASES) == pytest.approx(
        sum(CASES[i]["score"] for i in OTHER_CASES), abs=1e-9)


@pytest.mark.skipif(not HTML_READABLE, reason=NO_HTML)
def test_official_scoring_equals_the_reference_on_html_tables(scores):
    for i in HTML_CASES:
        case = CASES[i]
        assert scores["official"][i] == case["score"], (case["rule"], case["response"], case.get("error"))
    assert sum(scores["official"]) / len(CASES) == pytest.approx(VERDICTS["mean"], abs=1e-12)


def test_lenient_scoring_departs_only_where_pinned(scores):
    pairs = [(ours, case) for ours, case in zip(scores["lenient"], CASES) if ours is not None]
    assert (sum(ours > case["score"] for ours, case in pairs),
            sum(ours < case["score"] for ours, case in pairs)) == LENIENT_DEPARTURES
