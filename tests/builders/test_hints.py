"""Hint builders: GSM8K, MATH / MATH-500, NuminaMath-CoT, OpenR1-Math; --hints-file; the ablations."""

import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
from conftest import write_jsonl

from data_builders.hints import gsm8k_hints, last_boxed, math_hints
from dopd_vl.cli import main
from dopd_vl.records import load_records, render_messages

GSM8K = [
    {"question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
                 "How many clips did Natalia sell altogether in April and May?",
     "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips "
               "altogether in April and May.\n#### 72"},
    {"question": "Betty is saving money for a new wallet which costs $100. Betty has only half of the money she "
                 "needs. Her parents decided to give her $15 for that purpose, and her grandparents twice as much as "
                 "her parents. How much more money does Betty need to buy the wallet?",
     "answer": "In the beginning, Betty has only 100 / 2 = $<<100/2=50>>50.\nBetty's grandparents gave her 15 * 2 = "
               "$<<15*2=30>>30.\nThis means, Betty needs 100 - 50 - 30 - 15 = $<<100-50-30-15=5>>5 more.\n#### 5"},
    {"question": "James writes a 3-page letter to 2 different friends twice a week. How many pages does he write a "
                 "year?",
     "answer": "He writes each friend 3*2=<<3*2=6>>6 pages a week\nSo he writes 6*2=<<6*2=12>>12 pages every week\n"
               "That means he writes 12*52=<<12*52=624>>624 pages a year\n#### 624"},
]


def build(*args):
    return main(["build-data", "--task", "hints", *map(str, args)])


def test_gsm8k_hints_keep_steps_without_results():
    hints, answer = gsm8k_hints(GSM8K[0]["question"], GSM8K[0]["answer"])
    assert answer == "72"
    assert hints == ["Natalia sold 48/2 clips in May.",
                     "Natalia sold 48+(result of step 1) clips altogether in April and May."]
    hints, answer = gsm8k_hints(GSM8K[1]["question"], GSM8K[1]["answer"])
    assert answer == "5" and hints[2] == "This means, Betty needs 100 - (result of step 1) - (result of step 2) - " \
                                         "15 more."
    hints, answer = gsm8k_hints(GSM8K[2]["question"], GSM8K[2]["answer"])
    assert hints == ["He writes each friend 3*2 pages a week", "So he writes (result of step 1)*2 pages every week",
                     "That means he writes (result of step 2)*52 pages a year"]


def test_gsm8k_build_has_no_result_in_any_hint(tmp_path):
    source = write_jsonl(tmp_path / "test.jsonl", GSM8K)
    assert build("--source", source, "--out", tmp_path / "o") == 0
    records = load_records(tmp_path / "o")
    assert [r.id for r in records] == ["test-0", "test-1", "test-2"]
    assert [r.answer for r in records] == ["72", "5", "624"]
    for record, row in zip(records, GSM8K):
        results = {n.rpartition("=")[2] for n in re.findall(r"<<([^>]*)>>", row["answer"])}
        question_numbers = set(re.findall(r"\d+", record.question))
        for hint in record.privileged.hints:
            shown = set(re.findall(r"\d+", hint)) - question_numbers
            assert not shown & results, (hint, shown & results)
        assert record.task == "gsm8k"
        assert render_messages(record, "student") == [{"role": "user", "content": record.question}]


def test_math_hints_cut_values_and_final_answer():
    solution = "First, $2^3 = 8$. Then add 4 to get $8 + 4 = 12$. So the answer is $\\boxed{12}$."
    assert last_boxed(solution) == "12"
    assert last_boxed("so $\\boxed{\\frac{1}{2}}$ and") == "\\frac{1}{2}"
    assert math_hints("What is $2^3 + 4$?", solution, "12") == [
        "First, $2^3$.", "Then add 4 to get $\\text{(step 1)} + 4$."]


def test_math500_numina_and_openr1_layouts(tmp_path):
    math500 = write_jsonl(tmp_path / "math500.jsonl", [{
        "problem": "What is $2^3 + 4$?", "answer": "12", "subject": "Algebra", "level": 1,
        "unique_id": "test/algebra/1.json",
        "solution": "First, $2^3 = 8$. Then add 4 to get $8 + 4 = 12$. So the answer is $\\boxed{12}$."}])
    assert build("--source", math500, "--out", tmp_path / "m") == 0
    (record,) = load_records(tmp_path / "m")
    assert record.id == "test/algebra/1.json" and record.answer == "12" and record.task == "math"
    assert record.privileged.hints == ("First, $2^3$.", "Then add 4 to get $\\text{(step 1)} + 4$.")
    assert record.source["subject"] == "Algebra"

    numina = tmp_path / "numina.parquet"  # NuminaMath-CoT: no answer field, the answer is the last \boxed{}
    pq.write_table(pa.Table.from_pylist([{
        "source": "synthetic_math", "problem": "Compute $5 \\cdot 6 - 7$.",
        "solution": "Multiply first: $5 \\cdot 6 = 30$.\n\nThen subtract 7 to get $30 - 7 = 23$, so the result is "
                    "$\\boxed{23}$.",
        "messages": [{"role": "user", "content": "Compute"}, {"role": "assistant", "content": "23"}]}]), numina)
    assert build("--source", numina, "--out", tmp_path / "n") == 0
    (record,) = load_records(tmp_path / "n")
    assert record.id == "numina-0" and record.answer == "23"
    assert record.privileged.hints == ("Multiply first: $5 \\cdot 6$.",)
    assert record.source["source"] == "synthetic_math"

    openr1 = write_jsonl(tmp_path / "openr1.jsonl", [{
        "uuid": "a1b2", "problem": "Find $x$ if $3x + 2 = 11$.", "answer": "3", "problem_type": "Algebra",
        "solution": "Subtract 2 from both sides: $3x = 9$. Divide both sides by 3. Hence $x = \\boxed{3}$."}])
    assert build("--source", openr1, "--out", tmp_path / "r") == 0
    (record,) = load_records(tmp_path / "r")
    assert record.id == "a1b2" and record.answer == "3"
    assert record.privileged.hints == ("Subtract 2 from both sides: $3x$.",)  # "Divide ... by 3" shows the answer


def test_hints_file_replaces_derived_hints_and_is_checked(tmp_path, capsys):
    source = write_jsonl(tmp_path / "test.jsonl", GSM8K[:2])
    hints = write_jsonl(tmp_path / "hints.jsonl", [
        {"id": "test-0", "hints": ["Work out May's sales from April's.", "Add both months."]},
        {"id": "test-1", "hints": ["She still needs 5 dollars."]}])
    assert build("--source", source, "--hints-file", hints, "--out", tmp_path / "o") == 0
    (record,) = load_records(tmp_path / "o")
    assert record.privileged.hints == ("Work out May's sales from April's.", "Add both months.")
    rejects = [json.loads(line) for line in (tmp_path / "o" / "rejects.jsonl").read_text().splitlines()]
    assert [(r["id"], r["field"], r["reason"]) for r in rejects] == [
        ("test-1", "privileged.hints[0]", "hint_has_answer")]
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert [s["path"].rsplit("/", 1)[1] for s in manifest["sources"]] == ["test.jsonl", "hints.jsonl"]


def test_privileged_answer_and_none_ablations(tmp_path):
    source = write_jsonl(tmp_path / "test.jsonl", GSM8K)
    assert build("--source", source, "--out", tmp_path / "a", "--privileged", "answer") == 0
    assert [r.privileged.hints for r in load_records(tmp_path / "a")] == [
        ("The final answer is 72.",), ("The final answer is 5.",), ("The final answer is 624.",)]
    assert build("--source", source, "--out", tmp_path / "n", "--privileged", "none") == 0
    assert all(r.privileged.is_empty() for r in load_records(tmp_path / "n"))


def test_rows_without_final_answer_or_solution_are_rejected(tmp_path):
    source = write_jsonl(tmp_path / "bad.jsonl", [
        GSM8K[0], {"question": "How many?", "answer": "Count them. No marker here."},
        {"question": "How many?"}, {"question": "", "answer": "1+1 = <<1+1=2>>2 apples.\n#### 2"}])
    assert build("--source", source, "--out", tmp_path / "o", "--format", "gsm8k") == 0
    rejects = [json.loads(line) for line in (tmp_path / "o" / "rejects.jsonl").read_text().splitlines()]
    assert [(r["id"], r["where"].rsplit("/", 1)[1], r["field"], r["reason"]) for r in rejects] == [
        ("bad-1", "bad.jsonl:2", "answer", "no_final_answer"),
        ("bad-2", "bad.jsonl:3", "answer", "missing_field"),
        ("bad-3", "bad.jsonl:4", "question", "empty_question")]
