"""The text benchmarks (MATH-500, AIME 2025, GSM8K, arith, C-Eval): loaders on fixtures in the published layouts,
missing and malformed data, and scorers on known right and wrong answers."""

import threading

import pytest
from fixtures.text import (AIME25_ROWS, GSM8K_ROWS, MATH500_ROWS, WRITERS, write_ceval, write_ceval_csv,
                                write_jsonl)

from eval.base import Doc, EvalError
from eval.benchmarks import BENCHMARKS
from eval.benchmarks.maths import arith_answer, gsm8k_extract, math_equal, strip_plain_units
from eval.extract import last_boxed
from eval.benchmarks.text_choice import ceval_choice


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text-benchmarks")
    for write in WRITERS.values():
        write(folder)
    return folder


def prompt_text(doc: Doc) -> str:
    return "\n".join(m["content"] for m in doc.messages)


def score(name: str, response: str, target: str, **document) -> tuple[str, dict[str, float]]:
    return BENCHMARKS[name].score(response, Doc("d", [], target, document))


def test_registry_names():
    assert {"math500", "aime25", "gsm8k", "arith", "ceval"} <= set(BENCHMARKS)
    assert BENCHMARKS["gsm8k"].metrics == ("strict_match", "flexible_extract")
    assert BENCHMARKS["ceval"].metrics[0] == "accuracy"


# ---------------------------------------------------------------------------------------------------------------------
# \boxed{} extraction and symbolic equivalence (MATH-500, AIME 2025)


def test_last_boxed_balances_braces_and_takes_the_last_box():
    assert last_boxed(r"so $\boxed{\frac{1}{2}}$.") == r"\frac{1}{2}"
    assert last_boxed(r"\boxed{1} then \boxed{ \sqrt{\frac{a}{b}} }") == r"\sqrt{\frac{a}{b}}"
    assert last_boxed(r"\boxed{\boxed{5}}") == "5"  # the inner box is the last one
    assert last_boxed(r"\boxed{\{1, 2\}}") == r"\{1, 2\}"  # escaped braces are literal
    assert last_boxed(r"\fbox{7}") == "7"
    assert last_boxed(r"\boxed{3} and then \boxed{\frac{1}{2") == "3"  # a box cut off does not count
    assert last_boxed("the answer is 3") is None


@pytest.mark.parametrize("reference, answer", [
    (r"\frac{1}{2}", "0.5"),
    (r"\frac{1}{2}", r"\dfrac12"),
    (r"\frac{\sqrt2}{2}", r"\sqrt{2}/2"),
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}"),
    (r"3\sqrt{2}", r"\sqrt{18}"),
    ("[2,3]", "[2, 3]"),
    (r"(-\infty, -2) \cup (3, \infty)", r"(-\infty,-2)\cup(3,\infty)"),
    ("10", "10 dollars"),
    ("10", r"10 \text{ dollars}"),
    ("10", r"\$10"),
    (r"\left( 3, \frac{\pi}{2} \right)", r"(3, \pi/2)"),
    (r"\text{(C)}", "C"),
    ("1, -2", "-2, 1"),
    (r"336^\circ", "336"),
    ("5", "x = 5"),
])
def test_math_equal_accepts_equivalent_forms(reference, answer):
    assert math_equal(answer, reference)


@pytest.mark.parametrize("reference, answer", [
    ("[2,3]", "(2,3)"),  # open and closed ends differ
    (r"\frac{1}{2}", r"\frac{1}{3}"),
    ("10", "100"),
    (r"\sqrt{2}", "1.41"),  # a rounded value is not the number
    (r"\text{(C)}", "D"),
    ("5", ""),
    ("5", None),
])
def test_math_equal_rejects_different_answers(reference, answer):
    assert not math_equal(answer, reference)


def test_strip_plain_units_keeps_maths():
    assert strip_plain_units("10 dollars") == "10"
    assert strip_plain_units(r"2 \sqrt{3} square units") == r"2 \sqrt{3}"
    assert strip_plain_units("3 pi") == "3 pi"  # a function name is maths
    assert strip_plain_units("6ab") == "6ab"  # variables glued to a number are not a unit
    assert strip_plain_units(r"\text{Evelyn}") == r"\text{Evelyn}"


def test_math_equal_works_outside_the_main_thread():
    results = []
    thread = threading.Thread(target=lambda: results.append(math_equal("0.5", r"\frac{1}{2}")))
    thread.start()
    thread.join()
    assert results == [True]


def test_boxed_scoring_uses_the_last_box_after_thinking():
    assert score("math500", r"First \boxed{3}, no: \boxed{\frac{1}{2}}", "0.5") == (r"\frac{1}{2}", {"accuracy": 1.0})
    assert score("math500", r"<think>\boxed{0.5}</think>The answer is 0.5.", r"\frac{1}{2}") == ("", {"accuracy": 0.0})
    assert score("math500", r"\boxed{\frac{1}{2}}, not \boxed{3}", "0.5") == ("3", {"accuracy": 0.0})
    assert score("aime25", r"So the sum is $\boxed{070}$.", "70") == ("070", {"accuracy": 1.0})
    assert score("aime25", r"\boxed{71}", "70")[1] == {"accuracy": 0.0}


# ---------------------------------------------------------------------------------------------------------------------
# GSM8K: lm-evaluation-harness strict-match and flexible-extract (tests/eval/official checks the harness's
# verdicts case for case)


@pytest.mark.parametrize("response, target, strict, flexible", [
    ("48/2 = 24 in May, 48 + 24 = 72.\n#### 72", "72", 1.0, 1.0),
    ("So she sold 72 clips.", "72", 0.0, 1.0),  # no '#### ': strict misses, the last number is right
    ("#### 72\nCheck: 72 + 8 = 80", "72", 1.0, 0.0),  # strict takes the first ####, flexible the last number
    ("#### 5\nWait, recount. #### 72", "72", 0.0, 1.0),
    ("It costs $1,000 in total.\n#### 1,000", "1000", 1.0, 1.0),  # commas and $ removed
    ("#### 72.00", "72", 0.0, 0.0),  # compared as strings, as lm-evaluation-harness does (lenient: numbers)
    ("The answer is 72 ...", "72", 0.0, 0.0),  # the harness's flexible filter takes the last match, '...'
    ("The answer is 72.", "72", 0.0, 1.0),  # a final '.' is ignored
    ("#### 71", "72", 0.0, 0.0),
    ("I cannot tell.", "72", 0.0, 0.0),
])
def test_gsm8k_strict_and_flexible(response, target, strict, flexible):
    assert score("gsm8k", response, target)[1] == {"strict_match": strict, "flexible_extract": flexible}


def test_gsm8k_extracted_names_both_filters():
    assert gsm8k_extract("#### -3.5 then 4") == ("-3.5", "4")
    assert gsm8k_extract("no number") == ("[invalid]", "[invalid]")
    # the official scorer reads thinking blocks too; --scoring lenient removes them first
    assert score("gsm8k", "<think>#### 72</think>no idea", "72") == ("strict=72 flexible=72",
                                                                    {"strict_match": 1.0, "flexible_extract": 1.0})
    assert BENCHMARKS["gsm8k"].scorer("lenient")("<think>#### 72</think>no idea", Doc("d", [], "72", {})) == (
        "strict=[invalid] flexible=[invalid]", {"strict_match": 0.0, "flexible_extract": 0.0})


# ---------------------------------------------------------------------------------------------------------------------
# arith


@pytest.mark.parametrize("response, answer", [
    ("Ada has 12 + 35 = 47 apples now.", "47"),  # the last number
    ("The answer is 47. That took 3 steps.", "47"),  # the first number after the last answer cue
    ("Answer: 47\nCheck: 47 - 3 = 44", "47"),
    (r"So $\boxed{47}$ apples (2 packs of 20 and 7).", "47"),  # a box wins over later numbers
    ("She has 1,047 stamps.", "1047"),
    ("<think>maybe 40</think>47", "47"),
    ("I do not know.", None),
])
def test_arith_answer_rule(response, answer):
    assert arith_answer(response) == answer


def test_arith_scoring():
    assert score("arith", "Ada has 47 apples now.", "47") == ("47", {"accuracy": 1.0})
    assert score("arith", "47.0", "47")[1] == {"accuracy": 1.0}
    assert score("arith", "Ada has 46 apples now.", "47") == ("46", {"accuracy": 0.0})
    assert score("arith", "1,047", "47")[1] == {"accuracy": 0.0}
    assert score("arith", "", "47") == ("", {"accuracy": 0.0})


# ---------------------------------------------------------------------------------------------------------------------
# C-Eval choice extraction (the shared rule, with Chinese answer cues)

HISTORY_OPTIONS = {"A": "1898", "B": "1911", "C": "1919", "D": "1949"}


@pytest.mark.parametrize("response, choice", [
    ("B", "B"),
    ("答案是B。", "B"),
    ("答案：B", "B"),
    ("正确答案为（B）", "B"),
    ("故选B", "B"),
    ("Ｂ", "B"),
    ("辛亥革命发生在1911年。", "B"),  # the unique option text
    ("A和B都不对，答案是 C", "C"),  # the letter after the last answer cue
    ("A或B", None),  # two letters and no cue: no answer
    ("不知道", None),
])
def test_ceval_choice(response, choice):
    assert ceval_choice(response, HISTORY_OPTIONS) == choice


def test_ceval_scoring_reports_the_category():
    document = {"options": HISTORY_OPTIONS, "category": "Humanities"}
    assert score("ceval", "答案是B。", "B", **document) == ("B", {"accuracy": 1.0, "accuracy_humanities": 1.0})
    assert score("ceval", "答案是C。", "B", **document) == ("C", {"accuracy": 0.0, "accuracy_humanities": 0.0})


# ---------------------------------------------------------------------------------------------------------------------
# loaders


def test_math500_loader(data_dir):
    docs = BENCHMARKS["math500"].load(data_dir, None)
    assert [d.doc_id for d in docs] == [row["unique_id"] for row in MATH500_ROWS]
    assert [d.target for d in docs] == [row["answer"] for row in MATH500_ROWS]
    for doc, row in zip(docs, MATH500_ROWS):
        text = prompt_text(doc)
        assert row["problem"] in text and r"put your final answer within \boxed{}" in text
        assert row["answer"] not in text and row["solution"] not in text and "boxed{" + row["answer"] not in text
        assert doc.document["answer"] == row["answer"] and "solution" not in doc.document
    assert [d.doc_id for d in BENCHMARKS["math500"].load(data_dir, 2)] == [r["unique_id"] for r in MATH500_ROWS[:2]]
    assert BENCHMARKS["math500"].files(data_dir) == [data_dir / "math500" / "test.jsonl"]


def test_aime25_loader_reads_both_exams(data_dir):
    docs = BENCHMARKS["aime25"].load(data_dir, None)
    assert [d.doc_id for d in docs] == ["aime2025-I-1", "aime2025-I-2", "aime2025-I-3", "aime2025-II-1",
                                        "aime2025-II-2"]
    rows = AIME25_ROWS["aime2025-I.jsonl"] + AIME25_ROWS["aime2025-II.jsonl"]
    assert [d.target for d in docs] == [row["answer"] for row in rows]
    assert all(row["question"] in prompt_text(d) and r"\boxed{}" in prompt_text(d) for d, row in zip(docs, rows))
    assert [d.doc_id for d in BENCHMARKS["aime25"].load(data_dir, 4)][-1] == "aime2025-II-1"


def test_gsm8k_loader(data_dir):
    docs = BENCHMARKS["gsm8k"].load(data_dir, None)
    assert [d.target for d in docs] == ["72", "10", "1000", "5"]
    assert [d.doc_id for d in docs] == [f"gsm8k-test-{i}" for i in range(4)]
    for doc, row in zip(docs, GSM8K_ROWS):
        text = prompt_text(doc)
        assert text.startswith(f"Question: {row['question']}") and '"#### "' in text
        assert "<<" not in text and row["answer"].split("\n")[0] not in text  # no reference solution
    assert len(BENCHMARKS["gsm8k"].load(data_dir, 3)) == 3


def test_ceval_loader_parquet_layout(data_dir):
    docs = BENCHMARKS["ceval"].load(data_dir, None)
    assert [d.doc_id for d in docs] == ["computer_network-val-0", "computer_network-val-1",
                                        "high_school_history-val-0", "marxism-val-0"]
    assert [d.target for d in docs] == ["A", "C", "B", "A"]
    assert [d.document["category"] for d in docs] == ["STEM", "STEM", "Humanities", "Social Science"]
    system, user = docs[0].messages
    assert system["role"] == "system" and "计算机网络考试的单项选择题" in system["content"]
    assert user["content"] == ("以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n\n滑动窗口的作用是____。\n"
                               "A. 流量控制\nB. 拥塞控制\nC. 路由控制\nD. 差错控制\n答案：")
    assert all(prompt_text(d).endswith("答案：") for d in docs)  # the answer letter never follows
    assert len(BENCHMARKS["ceval"].load(data_dir, 3)) == 3
    assert len(BENCHMARKS["ceval"].files(data_dir)) == 3


def test_ceval_loader_csv_layout(data_dir, tmp_path):
    write_ceval_csv(tmp_path)
    csv_docs = BENCHMARKS["ceval"].load(tmp_path, None)
    parquet_docs = BENCHMARKS["ceval"].load(data_dir, None)
    assert [(d.doc_id, d.target, d.messages, d.document) for d in csv_docs] == \
           [(d.doc_id, d.target, d.messages, d.document) for d in parquet_docs]
    assert BENCHMARKS["ceval"].files(tmp_path)[0] == tmp_path / "ceval" / "val" / "computer_network_val.csv"


def test_ceval_category_means(data_dir):
    docs = BENCHMARKS["ceval"].load(data_dir, None)
    responses = ["答案：A", "答案：B", "B", "A"]  # right, wrong (STEM); right (Humanities); right (Social Science)
    scores = [BENCHMARKS["ceval"].score(r, d)[1] for r, d in zip(responses, docs)]
    assert BENCHMARKS["ceval"].summarize(docs, scores) == {
        "accuracy": 0.75, "accuracy_stem": 0.5, "accuracy_humanities": 1.0, "accuracy_social_science": 1.0}


def test_arith_loader(data_dir):
    docs = BENCHMARKS["arith"].load(data_dir, None)
    assert len(docs) == 16 and docs[0].doc_id == "arith-s0-000000"
    for doc in docs:
        assert doc.messages == [{"role": "user", "content": doc.document["question"]}]
        assert doc.target.isdigit() and "Privileged" not in prompt_text(doc)
    assert [d.doc_id for d in BENCHMARKS["arith"].load(data_dir, 5)] == [d.doc_id for d in docs[:5]]


# ---------------------------------------------------------------------------------------------------------------------
# missing and malformed data


@pytest.mark.parametrize("name, layout, source", [
    ("math500", "math500/test.jsonl", "https://huggingface.co/datasets/HuggingFaceH4/MATH-500"),
    ("aime25", "aime25/aime2025-I.jsonl and aime25/aime2025-II.jsonl",
     "https://huggingface.co/datasets/opencompass/AIME2025"),
    ("gsm8k", "gsm8k/main/test-00000-of-00001.parquet", "https://huggingface.co/datasets/openai/gsm8k"),
    ("ceval", "ceval/<subject>/val-00000-of-00001.parquet", "https://huggingface.co/datasets/ceval/ceval-exam"),
    ("arith", "arith/", "generated: dopd-vl build-data --task arith"),
])
def test_missing_data_names_the_layout(tmp_path, name, layout, source):
    with pytest.raises(EvalError) as error:
        BENCHMARKS[name].load(tmp_path, None)
    message = str(error.value)
    assert message.startswith(f"benchmark '{name}': its files are not in {tmp_path}")
    assert f"Expected layout under --data-dir: {layout}" in message and f"Public copy: {source}" in message


def test_aime25_needs_both_exams(tmp_path):
    write_jsonl(tmp_path / "aime25" / "aime2025-I.jsonl", AIME25_ROWS["aime2025-I.jsonl"])
    with pytest.raises(EvalError, match="benchmark 'aime25': its files are not in"):
        BENCHMARKS["aime25"].load(tmp_path, None)


def test_math500_malformed_records(tmp_path):
    path = tmp_path / "math500" / "test.jsonl"
    write_jsonl(path, MATH500_ROWS[:1])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    with pytest.raises(EvalError, match=r"benchmark 'math500': .*test.jsonl: record on line 2: not valid JSON"):
        BENCHMARKS["math500"].load(tmp_path, None)
    write_jsonl(path, [{**MATH500_ROWS[0], "answer": ""}])
    with pytest.raises(EvalError, match=r"record test/precalculus/807.json: field 'answer': expected a non-empty"):
        BENCHMARKS["math500"].load(tmp_path, None)


def test_aime25_malformed_record(tmp_path):
    write_jsonl(tmp_path / "aime25" / "aime2025-I.jsonl", AIME25_ROWS["aime2025-I.jsonl"])
    write_jsonl(tmp_path / "aime25" / "aime2025-II.jsonl", [{"question": "Find n.", "answer": None}])
    with pytest.raises(EvalError, match=r"aime2025-II.jsonl: record aime2025-II-1 \(line 1\): field 'answer': "
                                        r"expected a non-empty string, found missing"):
        BENCHMARKS["aime25"].load(tmp_path, None)


def test_gsm8k_malformed_record(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "gsm8k" / "main" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    rows = [GSM8K_ROWS[0], {"question": "How many?", "answer": "There are 4 of them."}]
    pq.write_table(pa.Table.from_pylist(rows), path)
    with pytest.raises(EvalError, match=r"benchmark 'gsm8k': .*: record row 1: field 'answer': the reference "
                                        r"solution does not end with '#### <number>'"):
        BENCHMARKS["gsm8k"].load(tmp_path, None)


def test_ceval_malformed_records(tmp_path):
    write_ceval_csv(tmp_path)
    path = tmp_path / "ceval" / "val" / "logic_val.csv"
    path.write_text("id,question,A,B,C,D,answer\n0,问题,甲,乙,丙,丁,E\n", encoding="utf-8")
    with pytest.raises(EvalError, match=r"benchmark 'ceval': .*logic_val.csv: record logic-val-0: field 'answer': "
                                        r"'E' is not one of A, B, C, D"):
        BENCHMARKS["ceval"].load(tmp_path, None)
    path.write_text("id,question,A,B,C,D,answer\n0,问题,甲,,丙,丁,A\n", encoding="utf-8")
    with pytest.raises(EvalError, match=r"record logic-val-0: field 'B': missing or empty"):
        BENCHMARKS["ceval"].load(tmp_path, None)
    path.rename(path.with_name("astrology_val.csv"))
    with pytest.raises(EvalError, match=r"'astrology' is not one of the 52 C-Eval subjects"):
        BENCHMARKS["ceval"].load(tmp_path, None)


def test_ceval_prefers_the_parquet_layout(tmp_path):
    write_ceval(tmp_path)
    write_ceval_csv(tmp_path)
    assert all(path.suffix == ".parquet" for path in BENCHMARKS["ceval"].files(tmp_path))

