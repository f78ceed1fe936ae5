"""ChartQA and DocVQA on tiny lmms-lab Parquet fixtures: loading, limits, errors, answer extraction and scoring."""

import json

import pyarrow.parquet as pq
import pytest
from fixtures.grounding import (CHARTQA_ROWS, CHARTQA_SCHEMA, DOCVQA_SCHEMA, docvqa_row, png_bytes, write_chartqa,
                                     write_docvqa, write_parquet)

from eval.base import Doc, EvalError
from eval.benchmarks.documents import BENCHMARKS, short_answer

BENCH = {benchmark.name: benchmark for benchmark in BENCHMARKS}
CHARTQA, DOCVQA = BENCH["chartqa"], BENCH["docvqa"]
POST_PROMPT = "\nAnswer the question using a single word or phrase."


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("documents")
    write_chartqa(folder)
    write_docvqa(folder)
    return folder


def text_of(doc: Doc) -> str:
    return doc.messages[0]["content"][1]["text"]


def image_of(doc: Doc) -> dict:
    return doc.messages[0]["content"][0]


# ----------------------------------------------------------------------------------------------------------------
# ChartQA


def test_chartqa_loads_both_test_sets(data_dir):
    docs = CHARTQA.load(data_dir, None)
    assert [d.doc_id for d in docs] == ["human_test-0", "human_test-1", "human_test-2", "augmented_test-0",
                                        "augmented_test-1"]
    assert [d.target for d in docs] == [answer for _, _, answer in CHARTQA_ROWS]
    first = docs[0]
    assert first.messages[0]["role"] == "user"
    assert text_of(first) == "What is the value of the tallest bar?" + POST_PROMPT
    assert first.document == {"type": "human_test", "question": "What is the value of the tallest bar?",
                              "answer": "42", "image": "chartqa/data/test-00000-of-00001.parquet:row 0"}
    # the image stays the encoded PNG of the cell
    table = pq.read_table(data_dir / "chartqa" / "data" / "test-00000-of-00001.parquet")
    assert image_of(first) == {"type": "image", "image": table.column("image")[0].as_py()["bytes"],
                               "ref": "chartqa/data/test-00000-of-00001.parquet:row 0"}
    for doc in docs:  # the answer is nowhere in the prompt
        assert doc.target not in text_of(doc)
        assert doc.target not in json.dumps([p for p in doc.messages[0]["content"] if p["type"] == "text"])


def test_chartqa_limit(data_dir):
    assert [d.doc_id for d in CHARTQA.load(data_dir, 2)] == ["human_test-0", "human_test-1"]
    assert CHARTQA.files(data_dir) == [data_dir / "chartqa" / "data" / "test-00000-of-00001.parquet"]


def test_chartqa_missing_and_malformed(tmp_path):
    with pytest.raises(EvalError, match=r"benchmark 'chartqa': its files are not in .*Expected layout under "
                                        r"--data-dir: chartqa/data/test-00000-of-00001\.parquet .*Public copy: "
                                        r"https://huggingface.co/datasets/lmms-lab/ChartQA"):
        CHARTQA.load(tmp_path, None)
    path = tmp_path / "chartqa" / "data" / "test-00000-of-00001.parquet"
    image = {"bytes": png_bytes((8, 8), (1, 2, 3)), "path": None}
    write_parquet(path, [{"type": "human_test", "question": "Q?", "answer": "1", "image": image},
                         {"type": "val", "question": "Q?", "answer": "1", "image": image}], CHARTQA_SCHEMA)
    with pytest.raises(EvalError, match=r"benchmark 'chartqa': .*test-00000-of-00001\.parquet: record row 1: field "
                                        r"'type': 'val' is neither 'human_test' nor 'augmented_test'"):
        CHARTQA.load(tmp_path, None)
    assert len(CHARTQA.load(tmp_path, 1)) == 1  # the bad row is past the limit
    write_parquet(path, [{"type": "human_test", "question": "Q?", "answer": None, "image": image}], CHARTQA_SCHEMA)
    with pytest.raises(EvalError, match=r"record row 0: field 'answer': None is not a non-empty string"):
        CHARTQA.load(tmp_path, None)
    write_parquet(path, [{"type": "human_test", "question": "Q?", "answer": "1", "image": None}], CHARTQA_SCHEMA)
    with pytest.raises(EvalError, match=r"record row 0: field 'image': no image bytes"):
        CHARTQA.load(tmp_path, None)


def chart_doc(answer: str, kind: str = "human_test") -> Doc:
    return Doc("d", [], answer, {"type": kind, "question": "q", "answer": answer, "image": "x"})


@pytest.mark.parametrize("response, answer, official, lenient", [
    ("42", "42", 1.0, 1.0),
    ("43", "42", 1.0, 1.0),  # 2.4% off: inside the 5% tolerance
    ("21", "20", 1.0, 1.0),  # exactly 5%
    ("45", "42", 0.0, 0.0),  # 7.1% off
    ("12%", "12%", 1.0, 1.0),
    ("0.12", "12%", 1.0, 1.0),  # a trailing % divides by 100
    ("12", "12%", 0.0, 0.0),
    ("yes", "Yes", 1.0, 1.0),  # text: case-insensitive exact match
    (" 42\n", "42", 1.0, 1.0),  # surrounding whitespace is stripped (lmms-eval's pre-step)
    # the official relaxed accuracy compares the whole response; the lenient rule reads its short answer
    ("Yes.", "Yes", 0.0, 1.0),
    ("**Canada**", "Canada", 0.0, 1.0),
    ("Answer: 3.5", "3.5", 0.0, 1.0),
    ("Canada and Mexico", "Canada", 0.0, 0.0),
    ("<think>maybe 40</think>\n42\nThe tallest bar shows 42.", "42", 0.0, 1.0),  # thinking removed in both
    ("<think>maybe 40</think>\n42", "42", 1.0, 1.0),
    ("<think>42", "42", 0.0, 0.0),  # an unfinished thought holds no answer
    ("1,000", "1000", 0.0, 0.0),  # thousands separators are text, as in the reference code
])
def test_chartqa_relaxed_accuracy(response, answer, official, lenient):
    assert CHARTQA.score(response, chart_doc(answer))[1] == {"relaxed_accuracy": official, "human": official}
    assert CHARTQA.scorer("lenient")(response, chart_doc(answer))[1] == {"relaxed_accuracy": lenient,
                                                                          "human": lenient}


def test_chartqa_reports_each_split_and_the_overall_mean(data_dir):
    docs = CHARTQA.load(data_dir, None)
    responses = ["42", "No", "12%", "3.5", "Mexico"]  # human 2 of 3, augmented 1 of 2
    scores = [CHARTQA.score(r, d)[1] for r, d in zip(responses, docs)]
    assert scores[3] == {"relaxed_accuracy": 1.0, "augmented": 1.0}
    assert CHARTQA.summarize(docs, scores) == {"relaxed_accuracy": pytest.approx(3 / 5),
                                               "human": pytest.approx(2 / 3), "augmented": pytest.approx(1 / 2)}
    assert CHARTQA.metrics[0] == "relaxed_accuracy"


# ----------------------------------------------------------------------------------------------------------------
# DocVQA


def test_docvqa_loads_every_validation_shard_in_order(data_dir):
    docs = DOCVQA.load(data_dir, None)
    assert [d.doc_id for d in docs] == ["49153", "24580", "57349", "24581", "36864"]  # test shard not read
    second = docs[1]
    assert text_of(second) == "To whom is the document sent?" + POST_PROMPT
    assert second.document["answers"] == ["Paul", "Dr. Paul"] and json.loads(second.target) == ["Paul", "Dr. Paul"]
    assert second.document["page"] == "doc0001_2" and second.document["question_types"] == ["form"]
    assert image_of(docs[3])["ref"] == "docvqa/DocVQA/validation-00001-of-00002.parquet:row 0"
    assert image_of(docs[3])["image"][:8] == b"\x89PNG\r\n\x1a\n"
    for doc in docs:
        assert not any(answer in text_of(doc) for answer in doc.document["answers"])
    assert DOCVQA.files(data_dir) == [data_dir / "docvqa" / "DocVQA" / f"validation-0000{i}-of-00002.parquet"
                                      for i in range(2)]


def test_docvqa_limit_stops_reading(data_dir):
    assert [d.doc_id for d in DOCVQA.load(data_dir, 4)] == ["49153", "24580", "57349", "24581"]
    assert DOCVQA.load(data_dir, 0) == []


def test_docvqa_missing_and_malformed(tmp_path):
    with pytest.raises(EvalError, match=r"benchmark 'docvqa': its files are not in .*Expected layout under "
                                        r"--data-dir: docvqa/DocVQA/validation-\*\.parquet .*Public copy: "
                                        r"https://huggingface.co/datasets/lmms-lab/DocVQA"):
        DOCVQA.load(tmp_path, None)
    folder = tmp_path / "docvqa" / "DocVQA"
    write_parquet(folder / "test-00000-of-00001.parquet", [docvqa_row("1", "Q?", None, "test", 0)], DOCVQA_SCHEMA)
    with pytest.raises(EvalError, match=r"benchmark 'docvqa': its files are not in"):  # test split alone
        DOCVQA.load(tmp_path, None)
    write_parquet(folder / "validation-00000-of-00001.parquet",
                  [docvqa_row("7", "Q?", ["a"], "val", 0), docvqa_row("8", "Q?", [], "val", 1)], DOCVQA_SCHEMA)
    with pytest.raises(EvalError, match=r"benchmark 'docvqa': .*validation-00000-of-00001\.parquet: record "
                                        r"questionId 8: field 'answers': \[\] is not a non-empty list of strings"):
        DOCVQA.load(tmp_path, None)
    write_parquet(folder / "validation-00000-of-00001.parquet", [docvqa_row(None, "Q?", ["a"], "val", 0)],
                  DOCVQA_SCHEMA)
    with pytest.raises(EvalError, match=r"record row 0: field 'questionId': missing"):
        DOCVQA.load(tmp_path, None)


def doc_doc(answers: list[str]) -> Doc:
    return Doc("d", [], json.dumps(answers), {"answers": answers})


@pytest.mark.parametrize("response, answers, official, lenient", [
    ("0.28", ["0.28"], 1.0, 1.0),
    ("ITC limited", ["ITC Limited"], 1.0, 1.0),  # case-insensitive
    ("ITC Limitd", ["ITC Limited"], 1 - 1 / 11, 1 - 1 / 11),  # one edit in 11 characters
    ("Dr. Paul", ["Paul", "Dr. Paul"], 1.0, 1.0),  # the best reference
    ("Dr Paul", ["Paul", "Dr. Paul"], 1 - 1 / 8, 1 - 1 / 8),
    ("January 22, 1975", ["January 22, 1975"], 1.0, 1.0),
    ("Jan 1976", ["January 22, 1975"], 0.0, 0.0),  # NL >= 0.5 scores 0
    ("abcd", ["abef"], 0.5, 0.5),  # NL exactly 0.5 keeps 0.5 (the RRC script zeroes scores below 0.5)
    ("ITC  Limited", ["ITC Limited"], 1.0, 1.0),  # whitespace runs collapsed before the distance (RRC)
    ("ITC   Limitd", ["ITC Limited"], 1 - 1 / 12, 1 - 1 / 12),  # ... over the raw length, 12
    ("Answer: 14.", ["14"], 0.0, 1.0),  # the official ANLS reads the whole response
    ("<think>page 13?</think>14", ["14"], 1.0, 1.0),
    ("", ["14"], 0.0, 0.0),
])
def test_docvqa_anls(response, answers, official, lenient):
    assert DOCVQA.score(response, doc_doc(answers))[1] == {"anls": pytest.approx(official)}
    assert DOCVQA.scorer("lenient")(response, doc_doc(answers))[1] == {"anls": pytest.approx(lenient)}


def test_docvqa_summary_is_the_mean_anls(data_dir):
    docs = DOCVQA.load(data_dir, None)
    responses = ["0.28", "Paul", "ITC Limitd", "unknown", "14"]
    scores = [DOCVQA.score(r, d)[1] for r, d in zip(responses, docs)]
    assert DOCVQA.summarize(docs, scores) == {"anls": pytest.approx((1 + 1 + (1 - 1 / 11) + 0 + 1) / 5)}


# ----------------------------------------------------------------------------------------------------------------
# the shared short-answer rule


@pytest.mark.parametrize("response, expected", [
    ("42", "42"),
    ("  Yes.  ", "Yes"),
    ("3.5", "3.5"),
    (".5", ".5"),
    ("Wait...", "Wait..."),
    ('"Canada"', "Canada"),
    ("**Answer:** 12%", "12%"),
    ("The answer is: blue", "blue"),
    ("\n\nParis\nbecause ...", "Paris"),
    ("<think>a\nb</think>\n\n 7 ", "7"),
    ("", ""),
])
def test_short_answer(response, expected):
    assert short_answer(response) == expected
