"""GSM8K and IFEval verdicts equal lm-evaluation-harness 0.4.13's, case for case.

gsm8k_ifeval_official_verdicts.json holds generated responses and the verdicts of lm-evaluation-harness's own `gsm8k`
and `ifeval` tasks (filters, process_results, aggregation), written by make_gsm8k_ifeval_verdicts.py in a separate
environment; these tests need neither the package nor the network. GSM8K's reference solutions go through the
project's loader (the published Parquet layout), each response through the default (official) scorer; IFEval's
instructions through `instruction_arguments` and the strict and loose checkers of eval/ifeval.py.
"""

import json
from pathlib import Path

import pytest

from eval import ifeval
from eval.base import Doc
from eval.benchmarks import BENCHMARKS
from eval.benchmarks.maths import GSM8K_FILE, gsm8k_extract, gsm8k_target

GSM8K = BENCHMARKS["gsm8k"]
VERDICTS = json.loads(Path(__file__).with_name("gsm8k_ifeval_official_verdicts.json").read_text(encoding="utf-8"))
GSM8K_CASES = VERDICTS["gsm8k"]["cases"]
IFEVAL_CASES = VERDICTS["ifeval"]["cases"]
FILTERS = {"strict-match": "strict_match", "flexible-extract": "flexible_extract"}

needs_punkt = pytest.mark.skipif(ifeval.punkt_missing() is not None,
                                 reason=f"IFEval's nltk checks: {ifeval.punkt_missing()}")


def test_the_verdicts_come_from_lm_evaluation_harness():
    assert VERDICTS["packages"]["lm_eval"] == "0.4.13"
    assert VERDICTS["gsm8k"]["task_version"] == 3.0 and VERDICTS["ifeval"]["task_version"] == 4.0
    assert len(GSM8K_CASES) >= 100 and len(IFEVAL_CASES) >= 100
    for scores in ([c["verdicts"][f]["exact_match"] for c in GSM8K_CASES] for f in FILTERS):
        assert 0 < sum(scores) < len(scores)  # both right and wrong answers
    assert 0 < sum(case["prompt_level_strict"] for case in IFEVAL_CASES) < len(IFEVAL_CASES)
    loose, strict = (sum(case[f"prompt_level_{kind}"] for case in IFEVAL_CASES) for kind in ("loose", "strict"))
    assert loose > strict  # the loose variants pass more
    assert set(ifeval.INSTRUCTIONS) <= {i for case in IFEVAL_CASES for i in case["instruction_id_list"]}


# ---------------------------------------------------------------------------------------------------------------------
# GSM8K
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gsm8k_docs(tmp_path_factory):
    """The cases' reference solutions in the published layout, read back by the project's loader."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("gsm8k-official")
    path = folder / GSM8K_FILE
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"question": [f"case {i}" for i in range(len(GSM8K_CASES))],
                             "answer": [case["solution"] for case in GSM8K_CASES]}), path)
    docs = GSM8K.load(folder, None)
    assert [doc.target for doc in docs] == [gsm8k_target(case["solution"]) for case in GSM8K_CASES]
    return docs


@pytest.mark.parametrize("index", range(len(GSM8K_CASES)))
def test_each_gsm8k_verdict_equals_the_official_one(gsm8k_docs, index):
    case = GSM8K_CASES[index]
    extracted, scores = GSM8K.scorer("official")(case["response"], gsm8k_docs[index])
    official = case["verdicts"]
    assert gsm8k_extract(case["response"]) == (official["strict-match"]["extracted"],
                                               official["flexible-extract"]["extracted"])
    assert scores == {FILTERS[name]: official[name]["exact_match"] for name in FILTERS}, case["response"]
    assert extracted == (f"strict={official['strict-match']['extracted']} "
                         f"flexible={official['flexible-extract']['extracted']}")


def test_gsm8k_aggregate_equals_the_official_one(gsm8k_docs):
    scores = [GSM8K.score(case["response"], doc)[1] for case, doc in zip(GSM8K_CASES, gsm8k_docs)]
    assert GSM8K.summarize(gsm8k_docs, scores) == {FILTERS[name]: value
                                                  for name, value in VERDICTS["gsm8k"]["aggregate"].items()}


@pytest.mark.parametrize("response, target, strict, flexible", [
    ("#### 18.00", "18", 1.0, 1.0),  # official: 0, 0 (the strings differ)
    ("The total is $1,200.00", "1200", 0.0, 1.0),  # official: 0, 0
    ("#### 05", "5", 1.0, 1.0),  # official: 0, 0
    ("The answer is 72 ...", "72", 0.0, 1.0),  # official flexible takes '...'
    ("<think>#### 3</think>\n#### 7", "7", 1.0, 1.0),  # thinking removed; official strict takes 3
    ("#### 1,200.", "1200", 1.0, 1.0),  # the same either way
    ("#### 71", "72", 0.0, 0.0),
])
def test_gsm8k_lenient_scoring_compares_numbers(response, target, strict, flexible):
    assert GSM8K.scoring_used("lenient") == "lenient"
    _, scores = GSM8K.scorer("lenient")(response, Doc("d", [], target, {}))
    assert scores == {"strict_match": strict, "flexible_extract": flexible}


def test_gsm8k_lenient_differs_from_official_only_where_documented(gsm8k_docs):
    """Every case where the two scorings disagree is one of the documented departures: a number spelled otherwise,
    a digitless flexible match, or a thinking block."""
    for case, doc in zip(GSM8K_CASES, gsm8k_docs):
        official = GSM8K.scorer("official")(case["response"], doc)[1]
        lenient = GSM8K.scorer("lenient")(case["response"], doc)[1]
        if official != lenient:
            assert "<think>" in case["response"] or any(
                value == 0.0 and lenient[name] == 1.0 for name, value in official.items()), case["response"]


# ---------------------------------------------------------------------------------------------------------------------
# IFEval
# ---------------------------------------------------------------------------------------------------------------------


def case_needs_punkt(case: dict) -> bool:
    return any(ifeval.INSTRUCTIONS[i].needs_punkt for i in case["instruction_id_list"])


def project_verdicts(case: dict) -> ifeval.IFEvalVerdicts:
    arguments = [ifeval.instruction_arguments(i, kwargs) for i, kwargs in zip(case["instruction_id_list"],
                                                                              case["kwargs"])]
    return ifeval.ifeval_verdicts(case["response"], case["instruction_id_list"], arguments)


@pytest.mark.parametrize("case", [pytest.param(case, marks=[needs_punkt] if case_needs_punkt(case) else [])
                                  for case in IFEVAL_CASES], ids=[str(case["key"]) for case in IFEVAL_CASES])
def test_each_ifeval_verdict_equals_the_official_one(case):
    verdicts = project_verdicts(case)
    assert (verdicts.strict, verdicts.loose) == (case["strict"], case["loose"]), case["response"]
    assert (all(verdicts.strict), all(verdicts.loose)) == (case["prompt_level_strict"], case["prompt_level_loose"])


@needs_punkt
def test_ifeval_aggregate_equals_the_official_one():
    aggregate = ifeval.ifeval_aggregate([project_verdicts(case) for case in IFEVAL_CASES])
    assert aggregate == pytest.approx(VERDICTS["ifeval"]["aggregate"], abs=1e-12)
    assert tuple(aggregate) == ifeval.IFEVAL_METRICS


def test_ifeval_aggregate_counts_prompts_and_instructions():
    verdicts = [ifeval.IFEvalVerdicts([True, False], [True, True]), ifeval.IFEvalVerdicts([True], [True])]
    assert ifeval.ifeval_aggregate(verdicts) == {"prompt_level_strict_acc": 0.5, "inst_level_strict_acc": 2 / 3,
                                                 "prompt_level_loose_acc": 1.0, "inst_level_loose_acc": 1.0}
    with pytest.raises(ValueError, match="at least one response"):
        ifeval.ifeval_aggregate([])


def test_punkt_model_module_is_read_as_data():
    source = ("ABBREV_TYPES = frozenset(('e.g', 'p.m'))\nSENT_STARTERS = frozenset()\n"
              "COLLOCATIONS = frozenset((('##number##', 'who'),))\nORTHO_CONTEXT = {'the': 110}\n")
    assert ifeval.punkt_tables_from_module(source, "english.py") == {
        "abbrev_types": {"e.g", "p.m"}, "sent_starters": set(), "collocations": {("##number##", "who")},
        "ortho_context": {"the": 110}}
    with pytest.raises(ValueError, match=r"english.py: ABBREV_TYPES is not a literal table"):
        ifeval.punkt_tables_from_module("ABBREV_TYPES = frozenset(open('x'))\n", "english.py")
    with pytest.raises(ValueError, match=r"english.py: no ORTHO_CONTEXT table"):
        ifeval.punkt_tables_from_module(source.replace("ORTHO_CONTEXT", "OTHER"), "english.py")
