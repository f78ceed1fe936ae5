"""ZebraLogic, AutoLogi and LiveBench: loaders on fixtures in the published layouts, missing and malformed data, and
the scoring rules with right and wrong answers taken from each reference definition."""

import json
import os
import re
import sys
import time
import types
from pathlib import Path

import pytest
from fixtures.logic import (AUTOLOGI_CN, AUTOLOGI_EN, GAP_PARTIAL, GAP_REMAINDER, LIVEBENCH_QUESTIONS,
                                 SUM_QUESTION, SUMMARY_REQUEST, WRITERS, ZEBRA_PUZZLES, write_livebench_category,
                                 write_zebra_parquet)

from eval import ifeval
from eval.base import Doc, EvalError
from eval.benchmarks import livebench as lb
from eval.benchmarks.livebench import benchmark as lb_benchmark
from eval.benchmarks.logic import AUTOLOGI, ZEBRALOGIC, parse_arrangement, run_verifier, zebra_prediction


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logic-data")
    for write in WRITERS.values():
        write(folder)
    return folder


def _text(doc: Doc) -> str:
    return json.dumps(doc.messages, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------------------------
# ZebraLogic
# ---------------------------------------------------------------------------------------------------------------------


def _zebra_answer(table: dict, reasoning: str = "by the clues") -> str:
    return json.dumps({"reasoning": reasoning, "solution": table}, indent=2)


def test_zebralogic_loader_prompt_and_no_leak(data_dir):
    docs = ZEBRALOGIC.load(data_dir, None)
    assert [d.doc_id for d in docs] == [p["id"] for p in ZEBRA_PUZZLES]
    assert len(ZEBRALOGIC.load(data_dir, 2)) == 2
    doc = docs[1]
    prompt = doc.messages[0]["content"]
    assert doc.messages[0]["role"] == "user" and ZEBRA_PUZZLES[1]["puzzle"] in prompt
    template = json.loads(prompt[prompt.rindex('{\n    "reasoning"'):])
    assert template == {"reasoning": "___", "solution": {f"House {i}": {"Name": "___", "CarModel": "___",
                                                                         "Drink": "___"} for i in (1, 2, 3)}}
    for puzzle, doc in zip(ZEBRA_PUZZLES, docs):  # no solved cell of the puzzle appears as a JSON pair
        for row in puzzle["rows"]:
            for column, value in zip(puzzle["header"][1:], row[1:]):
                assert f'"{column}": "{value}"' not in _text(doc)
    assert json.loads(docs[0].target) == {"House 1": {"Name": "Eric", "Color": "red"},
                                          "House 2": {"Name": "Arnold", "Color": "green"}}
    assert ZEBRALOGIC.files(data_dir)[0].name == "test-00000-of-00001.parquet"


def test_zebralogic_missing_and_malformed(tmp_path):
    with pytest.raises(EvalError, match=r"benchmark 'zebralogic': its files are not in .*zebralogic/grid_mode/"
                                        r"test-\*\.parquet.*WildEval/ZebraLogic"):
        ZEBRALOGIC.load(tmp_path, None)
    path = tmp_path / "zebralogic" / "grid_mode" / "test-00000-of-00001.parquet"
    hidden = [{**ZEBRA_PUZZLES[0], "rows": [["1", "___", "___"], ["2", "___", "___"]]}]
    write_zebra_parquet(path, hidden)
    with pytest.raises(EvalError, match=r"record lgp-test-2x2-11: field 'solution.rows': the answers are hidden"
                                        r".*WildEval/ZebraLogic"):
        ZEBRALOGIC.load(tmp_path, None)
    write_zebra_parquet(path, [{**ZEBRA_PUZZLES[0], "header": ["Name", "Color"]}])
    with pytest.raises(EvalError, match=r"test-00000-of-00001.parquet: record lgp-test-2x2-11: "
                                        r"field 'solution.header'"):
        ZEBRALOGIC.load(tmp_path, None)
    write_zebra_parquet(path, [{**ZEBRA_PUZZLES[0], "rows": [["1", "Eric"], ["2", "Arnold", "green"]]}])
    with pytest.raises(EvalError, match=r"field 'solution.rows': expected one list of 3 cells per house"):
        ZEBRALOGIC.load(tmp_path, None)


def test_zebralogic_scoring_follows_zeroeval(data_dir):
    docs = ZEBRALOGIC.load(data_dir, None)
    small, large = docs[0], docs[1]
    right = {"House 1": {"Name": "Eric", "Color": "red"}, "House 2": {"Name": "Arnold", "Color": "green"}}
    extracted, score = ZEBRALOGIC.score(_zebra_answer(right), small)
    assert score == {"puzzle_accuracy": 1.0, "cell_accuracy": 1.0} and json.loads(extracted) == right
    # case and outer spaces do not matter; a list counts by its first element; the last JSON object is the answer
    loose = {"House 1": {"Name": "  ERIC ", "Color": ["Red", "green"]}, "House 2": {"Name": "arnold", "Color": "Green"}}
    answer = "Draft: " + _zebra_answer({"House 1": {"Name": "x"}}) + "\nFinal:\n" + _zebra_answer(loose)
    assert ZEBRALOGIC.score(answer, small)[1] == {"puzzle_accuracy": 1.0, "cell_accuracy": 1.0}
    half = {"House 1": {"Name": "Eric", "Color": "red"}}
    assert ZEBRALOGIC.score(_zebra_answer(half), small)[1] == {"puzzle_accuracy": 0.0, "cell_accuracy": 0.5}
    # unparsable or no "solution" key: 0; an answer only inside the thinking block counts (ZeroEval reads the whole
    # response), except with --scoring lenient, which removes the thinking first
    zero = {"puzzle_accuracy": 0.0, "cell_accuracy": 0.0}
    assert ZEBRALOGIC.score("House 1 is Eric with red.", small) == ("", zero)
    assert ZEBRALOGIC.score('{"reasoning": "x", "solution": {"House 1": ', small)[1] == zero
    assert ZEBRALOGIC.score(json.dumps({"answer": right}), small)[1] == zero
    thought = "<think>" + _zebra_answer(right) + "</think>no idea"
    assert ZEBRALOGIC.score(thought, small)[1] == {"puzzle_accuracy": 1.0, "cell_accuracy": 1.0}
    assert ZEBRALOGIC.scorer("lenient")(thought, small)[1] == zero
    # the last object does not parse: no fall back to an earlier one (ZeroEval)
    assert zebra_prediction(_zebra_answer(right) + ' then {"solution": {oops}}') is None
    # aggregate: puzzle accuracy over puzzles, cell accuracy over all cells (4 + 9 cells here)
    scores = [ZEBRALOGIC.score(_zebra_answer(right), small)[1], ZEBRALOGIC.score("nothing", large)[1]]
    assert ZEBRALOGIC.summarize([small, large], scores) == {"puzzle_accuracy": 0.5, "cell_accuracy": 4 / 13,
                                                            "puzzle_accuracy/easy": 0.5, "puzzle_accuracy/small": 0.5}


def test_zebralogic_partial_cells():
    """A wrong cell and an empty one are both wrong; a house given as text instead of an object has no cells."""
    header, rows = ["House", "Name", "Color"], [["1", "Eric", "red"], ["2", "Arnold", "green"]]
    doc = Doc("z", [], "", {"header": header, "rows": rows})
    partial = {"House 1": {"Name": "Eric", "Color": "green"}, "House 2": {"Name": "Arnold", "Color": ""}}
    assert ZEBRALOGIC.score(_zebra_answer(partial), doc)[1] == {"puzzle_accuracy": 0.0, "cell_accuracy": 0.5}
    assert ZEBRALOGIC.score(_zebra_answer({"House 1": "Eric, red"}), doc)[1]["cell_accuracy"] == 0.0


# ---------------------------------------------------------------------------------------------------------------------
# AutoLogi
# ---------------------------------------------------------------------------------------------------------------------


def test_autologi_loader(data_dir):
    docs = AUTOLOGI.load(data_dir, None)
    assert [d.doc_id for d in docs] == ["en-1", "en-2", "en-3", "cn-1"]
    assert docs[0].messages == [{"role": "user", "content": AUTOLOGI_EN[0]["prompt"]}]
    assert docs[3].messages[0]["content"] == AUTOLOGI_CN[0]["prompt"] and docs[3].document["language"] == "cn"
    for doc in docs:  # the verifier code is the scorer's, never the prompt's
        assert "inputs_check" not in _text(doc) and "constraint_list" not in _text(doc)
        assert "def inputs_check" in doc.document["inputs_check_code"]
    assert [d.doc_id for d in AUTOLOGI.load(data_dir, 2)] == ["en-1", "en-2"]
    assert [p.name for p in AUTOLOGI.files(data_dir)] == ["AutoLogi_en.jsonl", "AutoLogi_cn.jsonl"]


def test_autologi_missing_and_malformed(tmp_path):
    with pytest.raises(EvalError, match=r"benchmark 'autologi': its files are not in .*autologi/testing-data/"
                                        r"AutoLogi_en.jsonl.*github.com/8188zq/AutoLogi"):
        AUTOLOGI.load(tmp_path, None)
    folder = tmp_path / "autologi" / "testing-data"
    folder.mkdir(parents=True)
    (folder / "AutoLogi_cn.jsonl").write_text("", encoding="utf-8")
    broken = {**AUTOLOGI_EN[0], "code": {"Inputs_Check_code": "def inputs_check(x):\n    return True"}}
    (folder / "AutoLogi_en.jsonl").write_text(json.dumps(broken) + "\n", encoding="utf-8")
    with pytest.raises(EvalError, match=r"AutoLogi_en.jsonl: record idx 1: field 'code.Constraint_List_code'"):
        AUTOLOGI.load(tmp_path, None)
    (folder / "AutoLogi_en.jsonl").write_text('{"idx": 1, "prompt": \n', encoding="utf-8")
    with pytest.raises(EvalError, match=r"AutoLogi_en.jsonl: record on line 1: not valid JSON"):
        AUTOLOGI.load(tmp_path, None)


def test_autologi_arrangement_extraction():
    assert parse_arrangement('Here:\n```python\n{"a": {1, 2}, "b": (3,)}\n```') == {"a": {1, 2}, "b": (3,)}
    assert parse_arrangement("```python\nanswer = ['tea', 'coffee']\n```") == ["tea", "coffee"]
    assert parse_arrangement('So {"open": true, "floor": 3} // final\n') == {"open": True, "floor": 3}
    commented = '```json\n{"open": false, // closed\n "note": "construe"}\n```'
    assert parse_arrangement(commented) == {"open": False, "note": "consTrue"}  # the release rewrites inside strings
    assert parse_arrangement(commented, whole_words=True) == {"open": False, "note": "construe"}  # lenient
    assert parse_arrangement("first [1, 2] then [3, 4]") == [3, 4]
    assert parse_arrangement("```\n[1]\n```\n```\n[2]\n```") == [2]  # the last code block
    assert parse_arrangement("<think>```python\n[1]\n```</think>I cannot tell.") is None
    assert parse_arrangement("```python\nprint(open('x'))\n```") is None  # code is never evaluated
    assert parse_arrangement("no arrangement here") is None


def test_autologi_scores_by_the_puzzles_own_verifier(data_dir):
    docs = {d.doc_id: d for d in AUTOLOGI.load(data_dir, None)}
    team = '```python\n{"female": {"Emily", "Olivia"}, "male": {"James", "Michael", "William"}}\n```'
    extracted, score = AUTOLOGI.score(team, docs["en-1"])
    assert score == {"accuracy": 1.0, "accuracy_en": 1.0}
    assert extracted == "{'female': {'Emily', 'Olivia'}, 'male': {'James', 'Michael', 'William'}}"
    clash = '```python\n{"female": {"Sophia", "Olivia"}, "male": {"James", "Robert", "William"}}\n```'
    assert AUTOLOGI.score(clash, docs["en-1"])[1] == {"accuracy": 0.0, "accuracy_en": 0.0}
    as_lists = '```python\n{"female": ["Emily", "Olivia"], "male": ["James", "Michael", "William"]}\n```'
    assert AUTOLOGI.score(as_lists, docs["en-1"])[1]["accuracy"] == 0.0  # inputs_check wants sets
    assert AUTOLOGI.score("```python\n['tea', 'juice', 'coffee']\n```", docs["en-2"])[1]["accuracy"] == 1.0
    assert AUTOLOGI.score("```python\n['juice', 'tea', 'coffee']\n```", docs["en-2"])[1]["accuracy"] == 0.0
    assert AUTOLOGI.score('{"open": true, "floor": 5}', docs["en-3"])[1]["accuracy"] == 1.0
    assert AUTOLOGI.score('{"open": true, "floor": 1}', docs["en-3"])[1]["accuracy"] == 0.0
    seats = '```python\n{1: "乙", 2: "甲", 3: "丙"}\n```'
    assert AUTOLOGI.score(seats, docs["cn-1"])[1] == {"accuracy": 1.0, "accuracy_cn": 1.0}
    assert AUTOLOGI.score('```python\n{1: "甲", 2: "乙", 3: "丙"}\n```', docs["cn-1"])[1]["accuracy"] == 0.0
    assert AUTOLOGI.score("I give up.", docs["cn-1"]) == ("", {"accuracy": 0.0, "accuracy_cn": 0.0})


def test_autologi_verifier_sees_exact_types_and_no_environment(monkeypatch):
    check = ("import os\ndef inputs_check(x):\n    return isinstance(x[0], tuple) and isinstance(x[1], set) and "
             "x[2] == {(1, 2): 'a', 3: None} and 'LOGIC_TEST_SECRET' not in os.environ and "
             "'pyproject.toml' not in os.listdir('.')")
    monkeypatch.setenv("LOGIC_TEST_SECRET", "1")
    assert run_verifier(check, "constraint_list = []", [(1, 2), {3}, {(1, 2): "a", 3: None}])
    assert not run_verifier(check, "constraint_list = []", [[1, 2], {3}, {(1, 2): "a", 3: None}])
    assert not run_verifier("def inputs_check(x):\n    return True", "constraint_list = [lambda x: 0]", [1])
    assert run_verifier("def inputs_check(x):\n    return x == b'b'", "constraint_list = []", b"b")  # any literal
    assert not run_verifier("def inputs_check(x):\n    return True", "constraint_list = []", float("inf"))  # `inf`
    talkative = "def inputs_check(x):\n    print('checking')\n    return True"
    assert not run_verifier(talkative, "constraint_list = []", [1])  # the release accepts only a bare `True`
    assert run_verifier(talkative, "constraint_list = []", [1], quiet=False)


@pytest.mark.parametrize("verifier", [
    "def inputs_check(x):\n    while True:\n        pass",                      # loops on the CPU
    "import time\ndef inputs_check(x):\n    time.sleep(60)",                  # hangs without CPU
    "def inputs_check(x):\n    raise RuntimeError('boom')",                   # crashes
    "import os\ndef inputs_check(x):\n    os._exit(0)",                       # exits before any verdict
    "def inputs_check(x):\n    return len(bytearray(8 << 30)) > 0",           # exceeds the memory limit
    "print('AUTOLOGI-VERDICT: accepted')\ndef inputs_check(x)\n    return True",  # does not compile
])
def test_autologi_bad_verifier_scores_zero_without_stalling(verifier):
    started = time.perf_counter()
    assert run_verifier(verifier, "constraint_list = []", {"a": 1}, timeout_s=2) is False
    assert time.perf_counter() - started < 6


def test_autologi_verifier_leaves_no_process_behind():
    marker = "autologi-test-lingering-child"
    verifier = ("import subprocess, sys\n"
                f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)  # {marker}'])\n"
                "def inputs_check(x):\n    return True")
    started = time.perf_counter()
    run_verifier(verifier, "constraint_list = []", [1], timeout_s=3)  # accepted or refused by the sandbox's guards
    assert time.perf_counter() - started < 6

    def lingering():
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if marker.encode() in cmdline.read_bytes():
                    return True
            except OSError:
                pass
        return False
    assert not lingering()


def test_autologi_score_uses_the_timeout(monkeypatch):
    import eval.benchmarks.logic as logic

    monkeypatch.setattr(logic, "VERIFIER_TIMEOUT_S", 1)
    doc = Doc("en-9", [], "", {"language": "en", "inputs_check_code": "def inputs_check(x):\n    while 1: pass",
                               "constraint_list_code": "constraint_list = []"})
    started = time.perf_counter()
    assert AUTOLOGI.score("```python\n[1]\n```", doc)[1] == {"accuracy": 0.0, "accuracy_en": 0.0}
    assert time.perf_counter() - started < 5


# ---------------------------------------------------------------------------------------------------------------------
# LiveBench: loading
# ---------------------------------------------------------------------------------------------------------------------


def test_livebench_loader_selects_the_release(data_dir):
    docs = lb.LIVEBENCH.load(data_dir, None)
    ids = [d.doc_id for d in docs]
    assert "m-removed-1" not in ids and "r-zebra-old" not in ids  # removed by 2024-11-25
    assert "m-future-1" not in ids  # released after 2024-11-25 (its task has no scorer: filtered first)
    assert "c-removed-1" not in ids and "i-old-1" not in ids  # removed by 2024-11-25
    assert "c-future-1" not in ids and "i-future-1" not in ids  # released later (their tasks have no scorer here)
    assert len(ids) == 22 and ids[:4] == ["m-amps-1", "m-amc-1", "m-aime-1", "m-imo-1"]
    assert ids[-8:] == ["c-lcb-1", "c-comp-1", "i-para-1", "i-story-1", "i-summ-1", "i-summ-2", "i-simp-1",
                        "i-simp-2"]
    by_id = {d.doc_id: d for d in docs}
    for category, questions in LIVEBENCH_QUESTIONS.items():
        for question in questions:
            if question["question_id"] in by_id:
                doc = by_id[question["question_id"]]
                assert doc.messages == [{"role": "user", "content": question["turns"][0]}]  # the question only
                assert doc.document["category"] == category
                assert "ground_truth" not in question or doc.target == question["ground_truth"]
    assert by_id["m-amc-1"].document["rule"] == "math_contest" and by_id["m-aime-1"].document["rule"] == "aime"
    assert by_id["r-zebra-1"].document["rule"] == "zebra_puzzle"
    assert by_id["d-reformat-1"].document["rule"] == "tablereformat_v1"
    assert [d.doc_id for d in lb.LIVEBENCH.load(data_dir, 3)] == ["m-amps-1", "m-amc-1", "m-aime-1"]
    assert [p.parent.parent.name for p in lb.LIVEBENCH.files(data_dir)] == list(lb.CATEGORIES)


def test_livebench_missing_unsupported_and_malformed(tmp_path):
    for category in lb.CATEGORIES[:4]:  # the four categories the module read before: not enough any more
        write_livebench_category(tmp_path, category, LIVEBENCH_QUESTIONS[category])
    with pytest.raises(EvalError, match=r"benchmark 'livebench': its files are not in .*livebench/\{math,reasoning,"
                                        r"data_analysis,language,coding,instruction_following\}/data/test-\*\.parquet"
                                        r".*livebench/<category>"):
        lb.LIVEBENCH.load(tmp_path, None)
    for category, questions in LIVEBENCH_QUESTIONS.items():
        write_livebench_category(tmp_path, category, questions)
    reasoning = LIVEBENCH_QUESTIONS["reasoning"]
    mind = dict(reasoning[0], question_id="r-tom-1", task="theory_of_mind")
    write_livebench_category(tmp_path, "reasoning", reasoning + [mind])
    with pytest.raises(EvalError, match=r"record r-tom-1: task 'theory_of_mind' .*supported: math_comp"):
        lb.LIVEBENCH.load(tmp_path, None)
    write_livebench_category(tmp_path, "reasoning", [dict(reasoning[0], turns=[])])
    with pytest.raises(EvalError, match=r"record r-wol-1: field 'turns'"):
        lb.LIVEBENCH.load(tmp_path, None)
    write_livebench_category(tmp_path, "reasoning", reasoning)
    amc = LIVEBENCH_QUESTIONS["math"][1]
    write_livebench_category(tmp_path, "math", [dict(amc, ground_truth="F")])
    with pytest.raises(EvalError, match=r"math/data/test-00000-of-00001.parquet: record m-amc-1: "
                                        r"field 'ground_truth': 'F'; an AMC/SMC answer is one letter A-E"):
        lb.LIVEBENCH.load(tmp_path, None)
    write_livebench_category(tmp_path, "math", [dict(amc, category="reasoning")])
    with pytest.raises(EvalError, match=r"field 'category': 'reasoning' in the math/ folder"):
        lb.LIVEBENCH.load(tmp_path, None)


def test_livebench_html_tables_need_a_reader(tmp_path, monkeypatch):
    for category, questions in LIVEBENCH_QUESTIONS.items():
        write_livebench_category(tmp_path, category, questions)
    html = dict(LIVEBENCH_QUESTIONS["data_analysis"][2], question_id="d-html-1",
                turns=[lb_question("JSON", "HTML")], ground_truth="<table><tr><th>a</th></tr><tr><td>1</td></tr></table>")
    write_livebench_category(tmp_path, "data_analysis", [html])
    monkeypatch.setattr(lb_benchmark, "_html_tables_readable", lambda: False)
    with pytest.raises(EvalError, match=r"record d-html-1: the answer is an HTML table.*pip install lxml"):
        lb.LIVEBENCH.load(tmp_path, None)
    monkeypatch.setattr(lb_benchmark, "_html_tables_readable", lambda: True)
    assert [d.doc_id for d in lb.LIVEBENCH.load(tmp_path, None) if d.document["category"] == "data_analysis"] == \
        ["d-html-1"]


def lb_question(source: str, target: str) -> str:
    return f"Please convert the Input Table from {source} format to {target} format. Please respond only with the table."


# ---------------------------------------------------------------------------------------------------------------------
# LiveBench: scoring rules (each from LiveBench's process_results)
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def livebench_docs(data_dir):
    return {d.doc_id: d for d in lb.LIVEBENCH.load(data_dir, None)}


def _score(docs, doc_id, response):
    return lb.LIVEBENCH.score(response, docs[doc_id])[1]["score"]


def test_livebench_math_rules(livebench_docs):
    d = livebench_docs
    assert _score(d, "m-amps-1", "The derivative is \\boxed{5\\cos(5x)}.") == 1.0
    assert _score(d, "m-amps-1", "so $\\frac{d}{dx} = 5 \\cos \\left(5 x\\right)$") == 1.0  # last $...$, after "="
    assert _score(d, "m-amps-1", "<think>\\boxed{5\\cos(5x)}</think>\\boxed{5\\sin(5x)}") == 0.0
    assert _score(d, "m-amps-1", "I do not know") == 0.0
    assert _score(d, "m-amc-1", "It is 15, so BBBBB") == 1.0
    assert _score(d, "m-amc-1", "The answer is \\boxed{B}") == 1.0
    assert _score(d, "m-amc-1", "<solution>bbbbb</solution>") == 1.0
    assert _score(d, "m-amc-1", "Summing gives the value 15") == 1.0  # the option's value at the very end
    assert _score(d, "m-amc-1", "CCCCC") == 0.0
    assert _score(d, "m-aime-1", "Counting carefully, the answer is 204.") == 1.0
    assert _score(d, "m-aime-1", "204 pairs at first, but after correction the final answer is 205.") == 0.0
    assert _score(d, "m-imo-1", "Reasoning...\n\nAnswer: 3, 1, 2") == 1.0
    assert _score(d, "m-imo-1", "Reasoning...\n\nAnswer: 3, 2, 1") == pytest.approx(1 / 3)
    assert _score(d, "m-imo-1", "So the order is \\boxed{3, 1}") == pytest.approx(2 / 3)


def test_livebench_olympiad_extraction_order():
    assert lb.olympiad_completions("x\n**Answer:**\n4, 5, 6") == [4, 5, 6]  # empty answer line: the next one
    assert lb.olympiad_completions("blah\n1, 2, 3") == [1, 2, 3]  # the last line
    assert lb.olympiad_completions("no numbers at all") == []


def test_livebench_reasoning_rules(livebench_docs):
    d = livebench_docs
    assert _score(d, "r-wol-1", "School: **yes**, park: **no**, zoo: **yes**. So **yes, no, yes**") == 1.0
    assert _score(d, "r-wol-1", "<solution>yes, no, yes</solution>") == 1.0
    assert _score(d, "r-wol-1", "Therefore: yes, no, yes") == 1.0  # the last plain triple
    assert _score(d, "r-wol-1", "**no, no, yes**") == 0.0
    assert _score(d, "r-zebra-1", "<solution>3, purple, 2</solution>") == 1.0
    assert _score(d, "r-zebra-1", "<solution>position 3, Purple, 2</solution>") == 1.0
    assert _score(d, "r-zebra-1", "<solution>3, green, 2</solution>") == pytest.approx((0 + 2 / 3) / 2)
    assert _score(d, "r-zebra-1", "I think 3 and purple") == 0.0
    assert _score(d, "r-spatial-1", "Each cut halves... **four**") == 1.0
    assert _score(d, "r-spatial-1", "**4** triangles, then **more text**, **x**") == 1.0  # within the last three
    assert _score(d, "r-spatial-1", "**2**") == 0.0
    assert lb.spatial("triangle", "It is an **equilateral triangle**", "")[1] == 1.0
    assert lb.spatial("triangle", "**circle square triangle tetrahedra**", "")[1] == 0.0
    assert lb.web_of_lies_v3("yes, no, unknown", "<solution>yes, no, unknown</solution>", "")[1] == 1.0
    assert lb.web_of_lies_v3("yes, no, unknown", "<solution>yes, yes, unknown</solution>", "")[1] == \
        pytest.approx((0 + 2 / 3) / 2)
    assert lb.house_traversal("Alice Bob", "first **alice**, then **bob**", "")[1] == 1.0
    assert lb.house_traversal("Alice Bob", "**Bob then Alice**", "")[1] == 0.0
    assert lb.zebra_puzzle_bold("three", "so ***3***", "")[1] == 1.0
    assert lb.zebra_puzzle_bold("three", "so ***4***", "")[1] == 0.0


def test_livebench_data_analysis_rules(livebench_docs):
    d = livebench_docs
    assert _score(d, "d-cta-1", "BirthDate") == 1.0
    assert _score(d, "d-cta-1", "The class is \\boxed{\\text{birth date}}") == 1.0  # only word characters compared
    assert _score(d, "d-cta-1", "name") == 0.0
    assert _score(d, "d-join-1", "```python\n{'emp_id': 'id', 'dept': 'department_code'}\n```") == 1.0
    assert _score(d, "d-join-1", "{'emp_id': 'id', 'dept': 'name'}") == 0.5  # F1 = 2*1 / (2*1 + 1 + 1)
    assert _score(d, "d-join-1", "{'emp_id': 'id'}") == pytest.approx(0.67)
    assert _score(d, "d-join-1", "no mapping") == 0.0
    assert _score(d, "d-reformat-1", "name,age\nAnn,31\nBob,42") == 1.0
    assert _score(d, "d-reformat-1", "Here is the table in CSV format:\n```\nname,age\nAnn,31\nBob,42\n```") == 1.0
    assert _score(d, "d-reformat-1", "name,age\nAnn,31\nBob,43") == 0.0
    assert _score(d, "d-reformat-1", "age,name\n31,Ann") == 0.0
    jsonl = '{"city":"Oslo","population":709000}\n{"city":"Bergen","population":291000}'
    assert _score(d, "d-reformat-2", jsonl) == 1.0
    assert _score(d, "d-reformat-2", "Sure!\n" + jsonl + "\nDone.") == 1.0  # the JSON lines are kept
    assert _score(d, "d-reformat-2", jsonl.replace("291000", "291001")) == 0.0


def test_livebench_language_rules(livebench_docs):
    d = livebench_docs
    solved = "<solution>apple, banana, cherry, grape, red, blue, green, yellow, four, three, two, one</solution>"
    assert _score(d, "l-conn-1", solved) == 1.0
    swapped = "<solution>apple, banana, cherry, grape, red, blue, green, four, yellow, three, two, one</solution>"
    assert _score(d, "l-conn-1", swapped) == pytest.approx(1 / 3)
    assert _score(d, "l-conn-1", "apple banana cherry grape") == 0.0
    assert lb.connections_bold("a,b,c,d,e,f,g,h", "**e, f, g, h, a, b, c, d**", "")[1] == 1.0
    assert _score(d, "l-typos-1", "<solution>The quick brown fox jumps over the lazy dog.</solution>") == 1.0
    assert _score(d, "l-typos-1", "Fixed text:\nThe quick brown fox jumps over the lazy dog.") == 1.0
    assert _score(d, "l-typos-1", "The quikc brown fox jumps over the lazy dog.") == 0.0
    ordered = "<PLOT_SUMMARY>A meets B. They travel north. A storm hits. They return home.</PLOT_SUMMARY>"
    assert _score(d, "l-plot-1", ordered) == 1.0
    swapped = "<PLOT_SUMMARY>They travel north. A meets B. A storm hits. They return home.</PLOT_SUMMARY>"
    assert _score(d, "l-plot-1", swapped) == 0.5  # order [1, 0, 2, 3]: edit distance 2 of 4 sentences


# ---------------------------------------------------------------------------------------------------------------------
# LiveBench: coding (LCB_generation_process_results, graded in the sandbox)
# ---------------------------------------------------------------------------------------------------------------------


def test_livebench_coding_documents_hold_the_tests_and_the_prompt_holds_none(livebench_docs):
    stdin, completion = livebench_docs["c-lcb-1"], livebench_docs["c-comp-1"]
    assert stdin.messages == [{"role": "user", "content": SUM_QUESTION}]
    assert stdin.target == "passes all 3 tests (stdin)" and stdin.document["func_name"] is None
    assert completion.target == "passes all 3 tests (functional)"
    assert completion.document["func_name"] == "largestGap" and completion.document["partial_solution"] == GAP_PARTIAL
    for doc in (stdin, completion):
        prompt = _text(doc)
        assert "12\\n" not in prompt and "[1, 2, 10, 4]" not in prompt  # private tests
        assert GAP_REMAINDER.strip() not in prompt and "remainder" not in doc.document  # the hidden solution
        assert "solution" not in doc.document


def test_livebench_code_extraction_is_the_last_fenced_block():
    assert lb.livebench_code("draft\n```python\nx = 1\n```\nfinal\n```\ny = 2\n```") == "y = 2"
    assert lb.livebench_code("```python\nprint(1)") == ""  # an unclosed block: LiveBench extracts nothing
    assert lb.livebench_code("print(1)") == ""


@pytest.mark.parametrize("doc_id, response, score", [
    ("c-lcb-1", "Read both numbers.\n```python\na, b = map(int, input().split())\nprint(a + b)\n```", 1.0),
    ("c-lcb-1", "```python\nprint(0)\n```\nBetter:\n```python\nprint(sum(map(int, input().split())))\n```", 1.0),
    ("c-lcb-1", "```python\na, b = map(int, input().split())\nprint(a - b)\n```", 0.0),
    ("c-lcb-1", "<think>```python\nprint(sum(map(int, input().split())))\n```</think>It is the sum.", 0.0),
    ("c-comp-1", "```python\n" + GAP_REMAINDER + "```", 1.0),  # the partial solution is put first
    ("c-comp-1", "```python\n" + GAP_PARTIAL + GAP_REMAINDER + "```", 1.0),  # already starts with it
    ("c-comp-1", "```python\n        return max(nums) - min(nums)\n```", 0.0),
])
def test_livebench_coding_scores_known_programs(livebench_docs, doc_id, response, score):
    extracted, metrics = lb.LIVEBENCH.score(response, livebench_docs[doc_id])
    assert metrics == {"score": score}
    # after the thinking, no fenced block: LiveBench runs "It is the sum." as the program, which fails to run
    expected = "no_code (LiveBench runs the response as the program): runtime_error" if "<think>" in response else \
        ("passed" if score else "wrong_answer")
    assert extracted.startswith("# verdict: " + expected)


def test_livebench_coding_malformed_and_unsupported(tmp_path):
    for category, questions in LIVEBENCH_QUESTIONS.items():
        write_livebench_category(tmp_path, category, questions)
    stdin, completion = LIVEBENCH_QUESTIONS["coding"][:2]
    cases = [
        (dict(completion, partial_solution=None), r"record c-comp-1: field 'partial_solution': a coding_completion"),
        (dict(stdin, private_test_cases="not base64!"),
         r"record c-lcb-1: field 'private_test_cases': the tests cannot be read"),
        (dict(stdin, original_json=dict(stdin["original_json"], metadata='{"func_name": "f"}')),
         r"record c-lcb-1: field 'public_test_cases': tests of kinds \['stdin'\] .*names func_name 'f'"),
        (dict(stdin, task="agentic_coding"), r"record c-lcb-1: task 'agentic_coding' .*supported: .*LCB_generation"),
    ]
    for question, message in cases:
        write_livebench_category(tmp_path, "coding", [question])
        with pytest.raises(EvalError, match=r"benchmark 'livebench': .*coding/data/.*" + message):
            lb.LIVEBENCH.load(tmp_path, None)


# ---------------------------------------------------------------------------------------------------------------------
# LiveBench: instruction_following (strict IFEval results, score_results)
# ---------------------------------------------------------------------------------------------------------------------


def test_livebench_instruction_following_documents(livebench_docs):
    doc = livebench_docs["i-simp-1"]
    assert doc.messages == [{"role": "user", "content": LIVEBENCH_QUESTIONS["instruction_following"][4]["turns"][0]}]
    assert doc.target == ("follows: detectable_format:number_bullet_lists, keywords:existence, "
                          "detectable_content:postscript")
    # null struct fields of the Parquet kwargs are dropped, as LiveBench's reader does
    assert doc.document["kwargs"] == [{"num_bullets": 2}, {"keywords": ["spring", "lane"]},
                                      {"postscript_marker": "P.S."}]


@pytest.mark.parametrize("doc_id, response, score", [
    ("i-para-1", "<<Lane approved>>\nThe council approved a cycle lane. Work begins in spring.", 1.0),
    ("i-para-1", "<<Lane approved>>\nThe council approved a cycle lane, and work begins in spring.", 1 / 3),
    ("i-para-1", "The council approved a lane, at last. Work begins in spring. People waited.", 0.0),
    ("i-para-1", "   ", 0.0),  # a blank response follows nothing
    ("i-story-1", "The lane was approved and the town cheered.\n\n\"Then spring came and the work began. Is there "
                  "anything else I can help with?\"", 1.0),
    ("i-story-1", "The lane was approved.\n\nSoon spring came. Is there anything else I can help with?", 0.25),
    ("i-summ-1", SUMMARY_REQUEST + "A new cycle lane is approved and work begins in spring.", 1.0),
    ("i-summ-1", "<think>Let me repeat it.</think>" + SUMMARY_REQUEST + "A lane, approved.", 0.25),
    ("i-summ-1", "Sure! " + SUMMARY_REQUEST + "A new cycle lane is approved.", 0.25),
    ("i-summ-2", "Residents finally won their long campaign as a new cycle lane gets approved for spring.", 1.0),
    ("i-summ-2", "The Council said yes.", 0.0),
    ("i-simp-1", "* The town is building a cycle lane.\n* Work starts in spring.\nP.S. It took years.", 1.0),
    ("i-simp-1", "- A lane.\n- In spring.\n- Soon.", 1 / 6),
    ("i-simp-2", "SECTION 1\nThe town gets a lane.\n***\nSECTION 2\nWork starts in spring.", 1.0),
    ("i-simp-2", "Section 1: the town gets a lane. Work starts in spring.", 0.0),
])
def test_livebench_instruction_following_scores(livebench_docs, doc_id, response, score):
    assert _score(livebench_docs, doc_id, response) == pytest.approx(score)


def test_livebench_instruction_following_score_is_livebench_score_results():
    assert lb.instruction_following_score([True, True, True]) == 1.0
    assert lb.instruction_following_score([True, False]) == 0.25  # (0 + 1/2) / 2
    assert lb.instruction_following_score([False]) == 0.0


def test_livebench_instruction_following_malformed_and_unsupported(tmp_path, monkeypatch):
    for category, questions in LIVEBENCH_QUESTIONS.items():
        write_livebench_category(tmp_path, category, questions)
    paraphrase = LIVEBENCH_QUESTIONS["instruction_following"][0]
    cases = [
        (dict(paraphrase, kwargs=[{"num_sentences": None, "relation": "less than"}, {}, {}]),
         r"record i-para-1: field 'kwargs'\[0\]: length_constraints:number_sentences needs argument 'num_sentences'"),
        (dict(paraphrase, kwargs=[{}, {}]), r"record i-para-1: field 'kwargs': expected a list of 3"),
        (dict(paraphrase, instruction_id_list=["detectable_format:rephrase"], kwargs=[{}]),
         r"record i-para-1: instruction 'detectable_format:rephrase' has no checker here; supported: keywords:"),
        (dict(paraphrase, instruction_id_list=["length_constraints:nth_paragraph_first_word"],
              kwargs=[{"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "then"}]),
         r"field 'kwargs'\[0\]: .*nth_paragraph 3 is not within 1..2"),
    ]
    for question, message in cases:
        write_livebench_category(tmp_path, "instruction_following", [question])
        with pytest.raises(EvalError, match=r"benchmark 'livebench': .*instruction_following/data/.*" + message):
            lb.LIVEBENCH.load(tmp_path, None)
    lowercase = dict(paraphrase, instruction_id_list=["change_case:english_lowercase"], kwargs=[{}])
    write_livebench_category(tmp_path, "instruction_following", [lowercase])
    monkeypatch.setattr(ifeval, "langdetect_available", lambda: False)
    with pytest.raises(EvalError, match=r"record i-para-1: instruction 'change_case:english_lowercase' detects the "
                                        r"response language with langdetect.*pip install langdetect"):
        lb.LIVEBENCH.load(tmp_path, None)
    monkeypatch.setattr(ifeval, "langdetect_available", lambda: True)
    assert [d.doc_id for d in lb.LIVEBENCH.load(tmp_path, None) if d.document["category"] == "instruction_following"] \
        == ["i-para-1"]


# ---------------------------------------------------------------------------------------------------------------------
# IFEval checkers (eval/ifeval.py): every instruction of LiveBench's registry, a right and a wrong answer each
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_langdetect(monkeypatch):
    """A stand-in for langdetect (not installed here): German when it sees German function words, English otherwise,
    undetectable without letters."""
    module = types.ModuleType("langdetect")

    class LangDetectException(Exception):
        pass

    class DetectorFactory:
        seed = None

    def detect(text):
        words = set(re.findall(r"[a-zäöüß]+", text.lower()))
        if not words:
            raise LangDetectException("no features in text")
        return "de" if words & {"und", "das", "ist"} else "en"

    module.LangDetectException, module.DetectorFactory, module.detect = LangDetectException, DetectorFactory, detect
    monkeypatch.setitem(sys.modules, "langdetect", module)
    return module


CHECKER_CASES = [
    ("keywords:existence", {"keywords": ["lane", "spring"]}, "A lane opens in Spring.", "A lane opens soon."),
    ("keywords:frequency", {"keyword": "lane", "frequency": 2, "relation": "at least"}, "lane and LANE", "one lane"),
    ("keywords:frequency", {"keyword": "lane", "frequency": 2, "relation": "less than"}, "one lane", "lane, lane"),
    ("keywords:forbidden_words", {"forbidden_words": ["council"]}, "The councillors met.", "The Council met."),
    ("keywords:letter_frequency", {"letter": "z", "let_frequency": 2, "let_relation": "at least"}, "Zoe's zebra",
     "Zoe"),
    ("language:response_language", {"language": "de"}, "Das ist gut und schön.", "This is good."),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "One. Two! Three?",
     "Dr. Smith arrived at 3.5 p.m. sharp. He left."),  # "Dr.", "3.5" and "p.m." do not end sentences
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "***\nFirst.\n***\nSecond.",
     "First.\n***\n\n***\nSecond."),  # a blank paragraph in the middle fails
    ("length_constraints:number_words", {"num_words": 5, "relation": "less than"}, "Four words right here.",
     "one two three four five"),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
     "Start.\n\n\"Then, more.\"", "Start.\n\nAfter that.\n\nThen."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], at [address]", "Dear [name]"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\np.p.s. more", "Hi. PS more"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Text\nP.S. bye", "Text\nPS bye"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n- b\n**bold** line", "* a\n* b\n* c"),
    ("detectable_format:constrained_response", {}, "Well. My answer is maybe.", "Maybe."),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*one* and **two**", "*one* and ** **"),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2},
     "Section 1\nA\nSection 2\nB", "Section 1\nA\nSECTION 2\nB"),
    ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', '{"a": 1} and more'),
    ("detectable_format:title", {}, "<<My Title>>\ntext", "<< >> and <One>"),
    ("combination:two_responses", {}, "Answer A.\n******\nAnswer B.", "Same.\n******\nSame."),
    ("combination:two_responses", {}, "******\nA\n******\nB\n******", "A\n******\n\n******\nB"),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write about lanes. "}, "write about lanes. They are great.",
     "Sure! Write about lanes."),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, '"Done. Any other questions?"',
     "Any other questions? Thanks."),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "DON'T PANIC now", "NASA is cool, OK"),  # DON'T is two tokens (DO, N'T), as Treebank splits it
    ("change_case:english_capital", {}, "THIS IS ENGLISH.", "This is English."),
    ("change_case:english_capital", {}, "THE LANE IS OPEN.", "DAS IST GUT UND SCHÖN."),
    ("change_case:english_lowercase", {}, "this is english.", "This is english."),
    ("punctuation:no_comma", {}, "No commas here.", "Yes, one."),
    ("startend:quotation", {}, '  "Quoted."  ', '"Half quoted.'),
]


def test_checker_cases_cover_the_registry():
    assert {case[0] for case in CHECKER_CASES} == set(ifeval.INSTRUCTIONS)
    assert len(ifeval.INSTRUCTIONS) == 25  # LiveBench's instructions_registry.INSTRUCTION_DICT


@pytest.mark.parametrize("instruction, kwargs, right, wrong", CHECKER_CASES)
def test_ifeval_checkers_on_right_and_wrong_answers(fake_langdetect, instruction, kwargs, right, wrong):
    arguments = ifeval.instruction_arguments(instruction, kwargs)
    assert ifeval.follows(instruction, right, arguments) is True
    assert ifeval.follows(instruction, wrong, arguments) is False
    assert ifeval.follows(instruction, " \n", arguments) is False  # strict: a blank response follows nothing


def test_ifeval_language_checks_are_seeded_and_lenient_on_undetectable_text(fake_langdetect):
    assert ifeval.follows("language:response_language", "1234 !!!", {"language": "fr"})  # undetectable: followed
    assert fake_langdetect.DetectorFactory.seed == 0


@pytest.mark.skipif(ifeval.punkt_missing() is not None, reason=f"IFEval's nltk checks: {ifeval.punkt_missing()}")
def test_ifeval_text_units():
    """nltk's Punkt sentences and Treebank words, as lm-evaluation-harness counts them (tests/eval/official checks
    the harness's verdicts case for case)."""
    assert ifeval.split_sentences("Mr. Smith went to Washington. He met e.g. Dr. Who! Did it work?") == [
        "Mr. Smith went to Washington.", "He met e.g.", "Dr. Who!", "Did it work?"]
    assert ifeval.split_sentences("Meet me at 5 p.m. Tomorrow we leave.") == ["Meet me at 5 p.m.", "Tomorrow we leave."]
    assert ifeval.split_sentences("Wait... what? Really?! Yes.") == ["Wait... what?", "Really?!", "Yes."]
    assert ifeval.count_words("It's a well-known fact: 3.5 apples.") == 9  # \w+ runs: It, s, well, known, 3, 5 ...
    assert ifeval.word_tokens("I DON'T know U.S. well-known, ok.") == [
        "I", "DO", "N'T", "know", "U.S.", "well-known", ",", "ok", "."]
    assert ifeval.word_tokens("I CANNOT. GONNA see O'NEILL") == ["I", "CAN", "NOT", ".", "GON", "NA", "see", "O'NEILL"]


def test_ifeval_arguments_are_checked():
    assert ifeval.instruction_arguments("length_constraints:number_words",
                                        {"num_words": 5, "relation": "at least", "keywords": None}) == \
        {"num_words": 5, "relation": "at least"}
    bad = [
        ("detectable_format:rephrase", {}, "unknown instruction"),
        ("length_constraints:number_words", {"num_words": 5}, "needs argument 'relation'"),
        ("length_constraints:number_words", {"num_words": 5, "relation": "more than"}, "'relation' is 'more than'"),
        ("detectable_format:number_bullet_lists", {"num_bullets": -1}, "an integer >= 0"),
        ("detectable_format:number_bullet_lists", {"num_bullets": 2, "keywords": ["x"]}, r"no argument \['keywords'\]"),
        ("keywords:letter_frequency", {"letter": "ab", "let_frequency": 1, "let_relation": "at least"}, "one letter"),
        ("keywords:existence", {"keywords": []}, "a non-empty list of words"),
    ]
    for instruction, kwargs, message in bad:
        with pytest.raises(ValueError, match=message):
            ifeval.instruction_arguments(instruction, kwargs)


def test_ifeval_keyword_that_is_not_a_pattern_is_literal():
    assert ifeval.follows("keywords:existence", "I write C++ daily.", {"keywords": ["C++"]})
    assert not ifeval.follows("keywords:forbidden_words", "I write C daily.", {"forbidden_words": ["C++"]})


def test_livebench_aggregate_is_task_then_category_then_average():
    def doc(category, task):
        return Doc("q", [], "", {"category": category, "task": task})
    docs = [doc("math", "AMPS_Hard"), doc("math", "AMPS_Hard"), doc("math", "olympiad"), doc("language", "typos")]
    scores = [{"score": 1.0}, {"score": 0.0}, {"score": 1.0}, {"score": 0.0}]
    summary = lb.LIVEBENCH.summarize(docs, scores)
    assert summary["math/AMPS_Hard"] == 0.5 and summary["math/olympiad"] == 1.0
    assert summary["math"] == 0.75  # mean of task means, not of the three questions (2/3)
    assert summary["language"] == 0.0 and summary["average"] == 0.375
    assert "reasoning" not in summary and lb.LIVEBENCH.metrics[0] == "average"


def test_livebench_average_spans_the_six_categories():
    tasks = {"math": ["AMPS_Hard", "olympiad"], "reasoning": ["spatial"], "data_analysis": ["cta"],
             "language": ["typos"], "coding": ["LCB_generation", "coding_completion"],
             "instruction_following": ["paraphrase", "summarize"]}
    values = {("math", "AMPS_Hard"): [1.0, 0.0], ("math", "olympiad"): [1.0], ("reasoning", "spatial"): [0.5],
              ("data_analysis", "cta"): [1.0], ("language", "typos"): [0.0],
              ("coding", "LCB_generation"): [1.0, 1.0, 0.0, 0.0], ("coding", "coding_completion"): [0.0],
              ("instruction_following", "paraphrase"): [0.75], ("instruction_following", "summarize"): [0.25, 1.0]}
    docs, scores = [], []
    for category, names in tasks.items():
        for task in names:
            for value in values[(category, task)]:
                docs.append(Doc("q", [], "", {"category": category, "task": task}))
                scores.append({"score": value})
    summary = lb.LIVEBENCH.summarize(docs, scores)
    expected = {"math": 0.75, "reasoning": 0.5, "data_analysis": 1.0, "language": 0.0, "coding": 0.25,
                "instruction_following": (0.75 + 0.625) / 2}
    assert {c: summary[c] for c in lb.CATEGORIES} == pytest.approx(expected)
    assert summary["average"] == pytest.approx(sum(expected.values()) / 6)
    assert summary["coding/LCB_generation"] == 0.5 and summary["instruction_following/summarize"] == 0.625
    assert lb.LIVEBENCH.metrics == ("average", "math", "reasoning", "data_analysis", "language", "coding",
                                    "instruction_following")


def test_fixture_writers_cover_the_benchmarks(tmp_path):
    assert set(WRITERS) == {"zebralogic", "autologi", "livebench"}
    WRITERS["autologi"](tmp_path)
    assert sorted(os.listdir(tmp_path / "autologi" / "testing-data")) == ["AutoLogi_cn.jsonl", "AutoLogi_en.jsonl"]
    WRITERS["livebench"](tmp_path)
    assert sorted(os.listdir(tmp_path / "livebench")) == sorted(lb.CATEGORIES)


def test_ifeval_language_checks_with_the_real_langdetect():
    """langdetect is a project dependency: the language instructions run on it, not only on the stand-in."""
    english = "The committee met on Tuesday and agreed to publish the report before the end of the month."
    german = "Der Ausschuss hat sich am Dienstag getroffen und beschlossen, den Bericht bald zu veröffentlichen."
    assert ifeval.langdetect_available()
    assert ifeval.response_language(english, language="en") and not ifeval.response_language(german, language="en")
    assert ifeval.response_language(german, language="de")
    assert ifeval.english_lowercase(english.lower()) and not ifeval.english_lowercase(english)
    assert ifeval.english_capital(english.upper()) and not ifeval.english_lowercase(german.lower())
