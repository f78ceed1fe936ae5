"""`bfcl` scores equal the official Berkeley Function Calling Leaderboard's, case for case.

bfcl_official_verdicts.json holds generated responses over small BFCL-style function documents and the verdicts of
bfcl-eval's own code for a locally served Qwen3 FC model (`QwenFCHandler`), written by make_bfcl_verdicts.py in a
separate environment; these tests need neither the package nor the network. Each document goes through the project's
loader (the published file layout), each response through the default (official) scorer and the lenient one.
"""

import json
from pathlib import Path

import pytest

from eval.benchmarks import BENCHMARKS
from eval.benchmarks.bfcl import decode_lenient, decode_qwen_fc, qwen_fc_result

BFCL = BENCHMARKS["bfcl"]
VERDICTS = json.loads(Path(__file__).with_name("bfcl_official_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """The verdict file's documents written in BFCL v3's layout and read back by the project's loader."""
    folder = tmp_path_factory.mktemp("bfcl-official") / "bfcl"
    (folder / "possible_answer").mkdir(parents=True)
    for category in ("simple", "multiple", "parallel", "live_simple", "live_multiple", "live_parallel"):
        records = [(doc_id, doc) for doc_id, doc in VERDICTS["docs"].items() if doc["category"] == category]
        (folder / f"BFCL_v3_{category}.json").write_text("".join(
            json.dumps({"id": doc_id, "question": doc["question"], "function": doc["function"]}) + "\n"
            for doc_id, doc in records), encoding="utf-8")
        (folder / "possible_answer" / f"BFCL_v3_{category}.json").write_text("".join(
            json.dumps({"id": doc_id, "ground_truth": doc["ground_truth"]}) + "\n" for doc_id, doc in records),
            encoding="utf-8")
    loaded = {doc.doc_id: doc for doc in BFCL.load(folder.parent, None)}
    assert set(loaded) == set(VERDICTS["docs"])
    return loaded


def test_the_verdicts_come_from_the_official_qwen_fc_handler():
    assert VERDICTS["package"] == "bfcl-eval" and VERDICTS["version"] == "2026.3.23"
    assert VERDICTS["handler"].endswith("qwen_fc.QwenFCHandler") and VERDICTS["underscore_to_dot"] is False
    assert len(CASES) >= 100 and len({case["id"] for case in CASES}) == len(CASES)
    assert 0 < sum(case["official"] for case in CASES) < len(CASES)


@pytest.mark.parametrize("doc_id", list(VERDICTS["docs"]))
def test_the_prompt_is_the_official_qwen_fc_handlers(docs, doc_id):
    """Our messages, rendered as Qwen3's chat template renders system and user messages without `tools=`, are the
    text `QwenFCHandler._format_prompt` sends: the FC handler is the one whose decoding applies."""
    rendered = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in docs[doc_id].messages)
    assert rendered + "<|im_start|>assistant\n" == VERDICTS["docs"][doc_id]["prompt"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_each_verdict_equals_the_official_one(docs, case):
    _, score = BFCL.score(case["response"], docs[case["doc"]])
    assert score["accuracy"] == float(case["official"]), case["error_type"]


def test_the_summary_equals_the_official_one(docs):
    scored = [(docs[case["doc"]], BFCL.score(case["response"], docs[case["doc"]])[1]) for case in CASES]
    summary = BFCL.summarize([doc for doc, _ in scored], [score for _, score in scored])
    assert summary == pytest.approx(VERDICTS["summary"])
    assert sum(score["accuracy"] for _, score in scored) == sum(case["official"] for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_lenient_scoring_keeps_the_forgiving_verdicts(docs, case):
    """`--scoring lenient` keeps the project's earlier decoder: the cases marked ``lenient`` are where it departs."""
    _, score = BFCL.scorer("lenient")(case["response"], docs[case["doc"]])
    assert score["accuracy"] == float(case.get("lenient", case["official"]))


def test_lenient_departs_only_on_decoding_and_more_often_upwards():
    departures = [case for case in CASES if "lenient" in case and case["lenient"] != case["official"]]
    assert len([c for c in departures if c["lenient"]]) > len([c for c in departures if not c["lenient"]]) > 0
    assert BFCL.scoring_used("lenient") == "lenient" and BFCL.scorer("official") is BFCL.score


def test_the_official_decoder_on_the_issue_cases():
    call = '{"name": "f", "arguments": {"a": 1}}'
    assert decode_qwen_fc(f"<tool_call>\n{call}\n</tool_call>") == [{"f": {"a": 1}}]
    assert decode_qwen_fc(f"<tool_call>{call}</tool_call>") == []  # the newlines are part of the tag
    assert decode_qwen_fc("[f(a=1)]") == [] and decode_qwen_fc("```python\n[f(a=1)]\n```") == []
    assert decode_qwen_fc('<tool_call>\n{"name": "f", "arguments": "{\\"a\\": 1}"}\n</tool_call>') is None
    assert decode_qwen_fc(f'<tool_call>\n"text"\n</tool_call>\n<tool_call>\n{call}\n</tool_call>') is None
    assert decode_qwen_fc(f"<tool_call>\nnot json\n</tool_call>\n<tool_call>\n{call}\n</tool_call>") == [
        {"f": {"a": 1}}]
    assert decode_qwen_fc(f"<think>\nstill thinking\n<tool_call>\n{call}\n</tool_call>") == [{"f": {"a": 1}}]
    assert qwen_fc_result("<think>a</think>\n\nb</think>\n\ncall") == "call"
    assert qwen_fc_result("<THINK>a</THINK>\ncall") == "<THINK>a</THINK>\ncall"  # case-sensitive
    assert decode_lenient(f"<tool_call>{call}</tool_call>") == decode_lenient("[f(a=1)]") == [{"f": {"a": 1}}]
