"""IFEval (`ifeval`, eval/benchmarks/instructions.py): the loader on the published layout, lm-eval 0.4.13's four
metrics on known responses (strict and loose, prompt and instruction level), and malformed records."""

import json
import re
from pathlib import Path

import pytest
from fixtures.instructions import IFEVAL_RECORDS, RESIGNATION, write_ifeval

from eval import ifeval
from eval.base import Doc, EvalError
from eval.benchmarks import BENCHMARKS
from eval.benchmarks.instructions import IFEVAL_FILE

IFEVAL = BENCHMARKS["ifeval"]
RECORDS = {record["key"]: record for record in IFEVAL_RECORDS}
OFFICIAL = json.loads((Path(__file__).parent / "official" / "gsm8k_ifeval_official_verdicts.json")
                      .read_text(encoding="utf-8"))["ifeval"]

needs_punkt = pytest.mark.skipif(ifeval.punkt_missing() is not None,
                                 reason=f"IFEval's nltk checks: {ifeval.punkt_missing()}")


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ifeval")
    write_ifeval(folder)
    return {doc.document["key"]: doc for doc in IFEVAL.load(folder, None)}


def test_registry_entry():
    assert IFEVAL.name == "ifeval" and IFEVAL.metrics == ifeval.IFEVAL_METRICS
    assert IFEVAL.metrics[0] == "prompt_level_strict_acc"  # the headline
    assert IFEVAL.max_new_tokens == 1280  # lm_eval/tasks/ifeval/ifeval.yaml max_gen_toks
    assert IFEVAL.lenient is None and IFEVAL.version == 1
    assert IFEVAL.files(Path("D")) == [Path("D") / "ifeval" / "ifeval_input_data.jsonl"]


# ---------------------------------------------------------------------------------------------------------------------
# Loading the published layout
# ---------------------------------------------------------------------------------------------------------------------


def test_loads_every_record_with_the_prompt_alone(docs, tmp_path):
    assert list(docs) == [record["key"] for record in IFEVAL_RECORDS]
    for key, doc in docs.items():
        record = RECORDS[key]
        assert doc.doc_id == f"ifeval-{key}"
        assert doc.messages == [{"role": "user", "content": record["prompt"]}]  # no system prompt, nothing added
        assert doc.document["instruction_id_list"] == record["instruction_id_list"]
        assert doc.target == "follows: " + ", ".join(record["instruction_id_list"])
    # null arguments dropped, given ones kept (null-filled and sparse records alike)
    assert docs[1000].document["kwargs"] == [{}, {"num_highlights": 3}, {"relation": "at least", "num_words": 300}]
    assert docs[1012].document["kwargs"] == [{}, {"prompt_to_repeat": RESIGNATION}]
    assert docs[1019].document["kwargs"][1] == {"end_phrase": "Is there anything else I can help with?"}
    write_ifeval(tmp_path)
    assert [doc.doc_id for doc in IFEVAL.load(tmp_path, 2)] == ["ifeval-1000", "ifeval-1001"]


def test_missing_file_names_the_layout(tmp_path):
    with pytest.raises(EvalError, match=r"benchmark 'ifeval': its files are not in .*ifeval/ifeval_input_data\.jsonl"
                                        r".*google/IFEval"):
        IFEVAL.load(tmp_path, None)


# ---------------------------------------------------------------------------------------------------------------------
# Scoring: lm-eval's process_results on known responses
# ---------------------------------------------------------------------------------------------------------------------

SECTIONS = "\n\n".join(f"*{title}*\n" + "Raymond ruled Tripoli and Galilee for many years. " * 15
                       for title in ("Early life", "Regency", "Hattin"))


def metrics(prompt_strict, inst_strict, prompt_loose, inst_loose):
    return {"prompt_level_strict_acc": prompt_strict, "inst_level_strict_acc": inst_strict,
            "prompt_level_loose_acc": prompt_loose, "inst_level_loose_acc": inst_loose}


@pytest.mark.parametrize("key, response, strict, loose", [
    (1000, SECTIONS, [True, True, True], [True, True, True]),
    (1000, SECTIONS.replace("Tripoli and", "Tripoli, and"), [False, True, True], [False, True, True]),
    (1000, "*Early life*\n*Regency*\n*Hattin*", [True, True, False], [True, True, False]),  # too few words
    # a comma in the first line only: strict fails, loose (first line removed) passes
    (1001, "Sure, here is thy itinerary.\nOn the first day we sail to Tokyo and feast upon sushi.", [False], [True]),
    (1001, "On the first day we sail to Tokyo and feast upon sushi.", [True], [True]),
    (1001, "   \n", [False], [False]),  # a blank response follows nothing
    (1005, "[name]\n[address]\n[email]\nObjective: a first job in retail.", [True], [True]),
    (1005, "[name]\n[address]\nObjective: a first job in retail.", [False], [False]),
    (1012, RESIGNATION + "\n<<Resignation>>\nDear boss, I quit.", [True, True], [True, True]),
    (1012, "<<Resignation>>\nDear boss, I quit.", [True, False], [True, False]),  # the request not repeated
    (1019, "What sleeps all day and purrs at night? A cat. Is there anything else I can help with?", [True, True],
     [True, True]),
    (1019, "What sleeps all day? A cat. It purrs. It naps. Is there anything else I can help with?", [False, True],
     [False, True]),  # five sentences
    (1021, '```json\n{"facts": ["The moon raises the tide.", "Each crater is old."]}\n```', [True, True],
     [True, True]),
    (1021, 'Here is the JSON:\n{"facts": ["The moon raises the tide.", "Each crater is old."]}', [False, True],
     [True, True]),  # loose: without the first line the rest is JSON
    (1032, "* water the plants early in the morning before the sun is hot.\n* pull the weeds out every single "
           "week so they do not spread.", [True, True], [True, True]),
    (1032, "Tips:\n* water the plants early in the morning before the sun is hot.\n* pull the weeds out every "
           "single week so they do not spread.", [True, False], [True, True]),  # loose: without the capital T
    (1032, "* Water the plants early in the morning before the sun is hot.", [False, False], [False, False]),
])
def test_scores_known_responses(docs, key, response, strict, loose):
    if any(ifeval.INSTRUCTIONS[i].needs_punkt for i in RECORDS[key]["instruction_id_list"]) and ifeval.punkt_missing():
        pytest.skip(ifeval.punkt_missing())
    extracted, scores = IFEVAL.score(response, docs[key])
    assert json.loads(extracted) == [[instruction, {"strict": s, "loose": l}] for instruction, s, l
                                     in zip(RECORDS[key]["instruction_id_list"], strict, loose)]
    assert scores == metrics(float(all(strict)), sum(strict) / len(strict), float(all(loose)),
                             sum(loose) / len(loose))
    assert tuple(scores) == IFEVAL.metrics


def test_strict_and_loose_differ_on_a_first_line_that_breaks_the_instruction(docs):
    _, scores = IFEVAL.score("Sure, here is thy itinerary.\nWe sail to Tokyo.", docs[1001])
    assert scores == metrics(0.0, 0.0, 1.0, 1.0)
    _, scores = IFEVAL.score("We sail to Tokyo.\nFarewell, good traveller.", docs[1001])  # the last line: loose too
    assert scores == metrics(0.0, 0.0, 1.0, 1.0)
    _, scores = IFEVAL.score("Hark, a plan.\nWe sail, then dine.\nFarewell, traveller.", docs[1001])
    assert scores == metrics(0.0, 0.0, 0.0, 0.0)  # a comma in the middle too: no variant passes


# ---------------------------------------------------------------------------------------------------------------------
# Aggregation: prompt level over prompts, instruction level over instructions
# ---------------------------------------------------------------------------------------------------------------------


def test_aggregate_counts_prompts_and_instructions(docs):
    responses = {1000: SECTIONS.replace("Tripoli and", "Tripoli, and"),  # strict 2/3, loose 2/3
                 1001: "Sure, here is thy itinerary.\nWe sail to Tokyo.",  # strict 0/1, loose 1/1
                 1005: "[name]\n[address]\n[email]"}  # 1/1
    chosen = [docs[key] for key in responses]
    scores = [IFEVAL.score(responses[doc.document["key"]], doc)[1] for doc in chosen]
    summary = IFEVAL.summarize(chosen, scores)
    assert summary == pytest.approx(metrics(1 / 3, 3 / 5, 2 / 3, 4 / 5), abs=1e-15)
    assert tuple(summary) == IFEVAL.metrics
    # instruction level is not the mean of the samples' fractions (that would be (2/3 + 0 + 1) / 3 strict)
    assert summary["inst_level_strict_acc"] != pytest.approx(sum(s["inst_level_strict_acc"] for s in scores) / 3)
    assert summary == ifeval.ifeval_aggregate([ifeval.ifeval_verdicts(responses[doc.document["key"]],
                                                                      doc.document["instruction_id_list"],
                                                                      doc.document["kwargs"]) for doc in chosen])
    assert IFEVAL.summarize([], []) == {}


@needs_punkt
def test_the_official_cases_through_the_benchmark_equal_lm_eval(tmp_path):
    """The 142 responses of tests/eval/official (lm-eval 0.4.13's own verdicts), loaded from the published layout and
    scored by the benchmark: every verdict, and the four aggregates."""
    cases = OFFICIAL["cases"]
    write_ifeval(tmp_path, [{name: case[name] for name in ("key", "prompt", "instruction_id_list", "kwargs")}
                            for case in cases])
    docs = IFEVAL.load(tmp_path, None)
    assert len(docs) == len(cases) == 142
    scores = []
    for case, doc in zip(cases, docs):
        extracted, score = IFEVAL.score(case["response"], doc)
        assert [[v["strict"], v["loose"]] for _, v in json.loads(extracted)] == \
            [list(pair) for pair in zip(case["strict"], case["loose"])], case["key"]
        assert (score["prompt_level_strict_acc"], score["prompt_level_loose_acc"]) == \
            (float(case["prompt_level_strict"]), float(case["prompt_level_loose"]))
        scores.append(score)
    assert IFEVAL.summarize(docs, scores) == pytest.approx(OFFICIAL["aggregate"], abs=1e-12)


# ---------------------------------------------------------------------------------------------------------------------
# Malformed records and missing checkers' dependencies
# ---------------------------------------------------------------------------------------------------------------------

FILE = re.escape(str(IFEVAL_FILE))


@pytest.mark.parametrize("key, change, message", [
    (1001, {"instruction_id_list": ["punctuation:no_semicolon"]},
     r"record key 1001: field 'instruction_id_list'\[0\]: unknown instruction 'punctuation:no_semicolon'; IFEval's "
     r"are: keywords:existence"),
    (1000, {"kwargs": [{}, {"num_highlights": 3}]},
     r"record key 1000: field 'kwargs': expected a list of 3 argument entries, one per instruction"),
    (1000, {"kwargs": None}, r"record key 1000: field 'kwargs': expected a list of 3"),
    (1005, {"kwargs": [{"num_placeholders": None}]},
     r"record key 1005: field 'kwargs'\[0\]: detectable_content:number_placeholders needs argument "
     r"'num_placeholders'"),
    (1019, {"kwargs": [{"num_sentences": 4, "relation": "fewer than"}, {"end_phrase": "Bye."}]},
     r"record key 1019: field 'kwargs'\[0\]: .*argument 'relation' is 'fewer than'"),
    (1001, {"instruction_id_list": "punctuation:no_comma"},
     r"record key 1001: field 'instruction_id_list': missing, empty or not strings"),
    (1001, {"prompt": "  "}, r"record key 1001: field 'prompt': missing or not a non-empty string"),
    (1001, {"key": "1001"}, r"record on line 2: field 'key': expected an integer, found '1001'"),
    (1001, {"key": 1000}, r"record key 1000: field 'key': line 2 repeats the key of line 1"),
])
def test_malformed_record_names_file_key_and_field(tmp_path, key, change, message):
    records = [RECORDS[1000], {**RECORDS[key], **change}] if key != 1000 else [{**RECORDS[1000], **change}]
    write_ifeval(tmp_path, records)
    with pytest.raises(EvalError, match=rf"benchmark 'ifeval': .*{FILE}: {message}"):
        IFEVAL.load(tmp_path, None)


def test_missing_punkt_or_langdetect_fails_at_load_time(tmp_path, monkeypatch):
    write_ifeval(tmp_path)
    monkeypatch.setattr(ifeval, "punkt_missing", lambda: "nltk is not installed: pip install 'nltk>=3.9.1' x")
    with pytest.raises(EvalError, match=rf"benchmark 'ifeval': .*{FILE}: record key 1019: instruction "
                                        r"'length_constraints:number_sentences' splits the response with nltk's Punkt "
                                        r"tokenizer, as IFEval does; nltk is not installed: pip install"):
        IFEVAL.load(tmp_path, None)
    assert len(IFEVAL.load(tmp_path, 4)) == 4  # records that need no Punkt still load
    monkeypatch.undo()
    monkeypatch.setattr(ifeval, "langdetect_available", lambda: False)
    with pytest.raises(EvalError, match=r"record key 1032: instruction 'change_case:english_lowercase' detects the "
                                        r"response language with langdetect.*pip install langdetect"):
        IFEVAL.load(tmp_path, None)


def test_scorer_reads_only_the_document(docs):
    """The scorer needs nothing but the loaded document (what the document hash covers)."""
    doc = docs[1005]
    copy = Doc("other", [], "", json.loads(json.dumps(doc.document)))
    assert IFEVAL.score("[a] [b] [c]", copy) == IFEVAL.score("[a] [b] [c]", doc)
