"""LiveCodeBench v5 and BFCL v3: loaders on fixtures in the published layouts, missing and malformed data, and the
scorers on known right and wrong answers from each reference definition."""

import base64
import json
import os
import pickle
import time
import zlib

import pytest
from fixtures.code import BFCL_RECORDS, LCB_PROBLEMS, encode_private, write_bfcl, write_livecodebench

from eval.base import Doc, EvalError
from eval.benchmarks import BENCHMARKS
from eval.benchmarks.bfcl import decode_lenient, decode_qwen_fc, standardize
from eval.benchmarks.code import decode_private_tests, extract_code, extract_code_lenient, outputs_match

LCB, LCB_QWEN3, BFCL = BENCHMARKS["livecodebench"], BENCHMARKS["livecodebench_qwen3"], BENCHMARKS["bfcl"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("code-data")
    write_livecodebench(folder)
    write_bfcl(folder)
    return folder


@pytest.fixture(scope="module")
def lcb_docs(data_dir):
    return {doc.doc_id: doc for doc in LCB.load(data_dir, None)}


@pytest.fixture(scope="module")
def bfcl_docs(data_dir):
    return {doc.doc_id: doc for doc in BFCL.load(data_dir, None)}


def prompt_text(doc: Doc) -> str:
    return "\n".join(m["content"] for m in doc.messages)


# ---------------------------------------------------------------------------------------------------------------------
# LiveCodeBench: loading.
# ---------------------------------------------------------------------------------------------------------------------


def test_lcb_loads_the_window_of_release_v5(data_dir, lcb_docs):
    assert list(lcb_docs) == ["abc_sum", "lc_add", "cf_half", "abc_max"]  # 2024-08-01 <= date < 2025-02-01
    assert [d.doc_id for d in LCB_QWEN3.load(data_dir, None)] == ["lc_add", "cf_half", "abc_max"]
    assert [d.doc_id for d in LCB.load(data_dir, 2)] == ["abc_sum", "lc_add"]
    assert "2024-08-01 <= contest_date < 2025-02-01" in LCB.layout and "2024-10-01" in LCB_QWEN3.layout
    assert [p.name for p in LCB.files(data_dir)] == ["test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl",
                                                     "test5.jsonl"]


def test_lcb_prompts_hold_the_question_and_never_the_tests(lcb_docs):
    stdin, functional = lcb_docs["abc_sum"], lcb_docs["lc_add"]
    assert [m["role"] for m in stdin.messages] == ["system", "user"]
    assert "Read two integers A and B" in prompt_text(stdin) and "standard input" in prompt_text(stdin)
    assert "class Solution:\n    def addAll(self, nums: List[int], k: int)" in prompt_text(functional)
    assert "standard input" not in prompt_text(functional)
    for doc in lcb_docs.values():
        text = prompt_text(doc)
        assert doc.document["private_test_cases"] not in text and "2000000000" not in text and "[3, 4, 5]" not in text
    assert stdin.target == "passes all 4 tests (stdin)" and functional.target == "passes all 3 tests (functional)"
    assert functional.document["func_name"] == "addAll" and stdin.document["func_name"] is None
    json.dumps(stdin.document)  # the document hash needs JSON


def test_lcb_private_tests_decode_without_unpickling_objects(tmp_path):
    tests = [{"input": "1\n", "output": "2\n", "testtype": "stdin"}]
    assert decode_private_tests(encode_private(tests)) == tests
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    with pytest.raises(pickle.UnpicklingError, match="refused"):
        decode_private_tests(base64.b64encode(zlib.compress(pickle.dumps(Evil()))).decode())
    assert not marker.exists()
    with pytest.raises(ValueError, match="not the JSON text"):
        decode_private_tests(base64.b64encode(zlib.compress(pickle.dumps([1, 2]))).decode())


def test_lcb_missing_files_name_the_layout(data_dir, tmp_path):
    (tmp_path / "livecodebench").mkdir()
    for name in ("test.jsonl", "test2.jsonl", "test4.jsonl", "test5.jsonl"):
        (tmp_path / "livecodebench" / name).write_bytes((data_dir / "livecodebench" / name).read_bytes())
    with pytest.raises(EvalError, match=r"benchmark 'livecodebench': its files are not in .*test3\.jsonl.*"
                                        r"huggingface\.co/datasets/livecodebench/code_generation_lite"):
        LCB.load(tmp_path, None)


def rewrite_problem(folder, question_id, **changes):
    name, problem = LCB_PROBLEMS[question_id]
    path = folder / "livecodebench" / name
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    lines = [{**p, **changes} if p["question_id"] == question_id else p for p in lines]
    path.write_text("".join(json.dumps(p) + "\n" for p in lines))


@pytest.mark.parametrize("changes, message", [
    ({"private_test_cases": base64.b64encode(zlib.compress(pickle.dumps(os.getcwd))).decode()},
     r"record lc_add \(line \d+\): field 'private_test_cases': cannot be decoded \(refused to load"),
    ({"metadata": "{}"}, r"field 'metadata': a functional \(LeetCode\) problem needs its 'func_name'"),
    ({"public_test_cases": json.dumps([{"input": "1", "output": 2, "testtype": "functional"}])},
     r"field 'public_test_cases': the list\[0\] is not"),
    ({"difficulty": "extreme"}, r"field 'difficulty': 'extreme' is not one of"),
    ({"contest_date": "last week"}, r"field 'contest_date': 'last week' is not an ISO date"),
])
def test_lcb_malformed_records_are_named(tmp_path, changes, message):
    write_livecodebench(tmp_path)
    rewrite_problem(tmp_path, "lc_add", **changes)
    with pytest.raises(EvalError, match=r"benchmark 'livecodebench': .*test4\.jsonl: .*" + message):
        LCB.load(tmp_path, None)


def test_lcb_broken_json_line_is_named(tmp_path):
    write_livecodebench(tmp_path)
    with open(tmp_path / "livecodebench" / "test5.jsonl", "a") as handle:
        handle.write('{"question_id": "x", "contest_date": "2024-09-01T00:00:00", "oops"\n')
    with pytest.raises(EvalError, match=r"test5\.jsonl: record line 4: not valid JSON"):
        LCB.load(tmp_path, None)


# ---------------------------------------------------------------------------------------------------------------------
# LiveCodeBench: extraction, comparison, judging.
# ---------------------------------------------------------------------------------------------------------------------


def test_extract_code_takes_the_lines_between_the_last_two_fences_after_reasoning():
    assert extract_code("<think>```python\nprint(0)\n```</think>\nNo code here.") is None
    draft_then_final = "Draft:\n```python\nprint(1)\n```\nFinal:\n```python\nprint(2)\n```\nExample:\n```\n5\n```"
    assert extract_code(draft_then_final) == "5"  # LiveCodeBench: the last two fence lines, whatever the tag
    assert extract_code("```\nprint(3)\n```") == "print(3)"
    assert extract_code("```cpp\nint main(){}\n```") == "int main(){}"
    assert extract_code("```python\nprint(4)\n") is None  # one fence line: no program
    # --scoring lenient keeps the earlier rule: the last python block, else the last untagged one
    assert extract_code_lenient(draft_then_final) == "print(2)\n"
    assert extract_code_lenient("```\nprint(3)\n```") == "print(3)\n"
    assert extract_code_lenient("```cpp\nint main(){}\n```") is None
    assert extract_code_lenient("```python\nprint(4)\n") is None


@pytest.mark.parametrize("printed, expected, same", [
    ("3\n", "3", True), ("  3  \n\n", "3\n", True), ("1 2 3\n", "1 2 3", True),
    ("1.50\n", "1.5\n", True), ("1e3", "1000", True), ("2.0", "2", True),
    ("1.5000001", "1.5", False), ("3\n\n4", "3\n4", False), ("3\n4", "3", False),
    ("Yes", "YES", False), ("1 2", "1  2", True), ("1 2", "12", False),
])
def test_outputs_match_as_livecodebench_compares(printed, expected, same):
    assert outputs_match(printed, expected) is same


def respond(code: str) -> str:
    return f"<think>Let me think.</think>\nHere is my solution.\n```python\n{code}\n```"


@pytest.mark.parametrize("question_id, code, passed", [
    ("abc_sum", "a, b = map(int, input().split())\nprint(a + b)", 1.0),
    ("abc_sum", "a, b = map(int, input().split())\nprint(a - b)", 0.0),  # wrong from the first test
    ("abc_sum", "import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b if a < 10 else 0)", 0.0),
    ("abc_max", "input()\nprint(max(map(int, input().split())))", 1.0),
    ("abc_max", "n = int(input())\nprint(max(map(int, input().split())) + (n == 1))", 0.0),  # fails a private test
    ("cf_half", "print(int(input()) / 2)", 1.0),  # 2.0 == 2.0, 0.5, 1.5
    ("cf_half", "print(int(input()) // 2)", 0.0),
    ("cf_half", "print(gcd(4, 2) * int(input()) / 4)", 1.0),  # LiveCodeBench's imports: gcd without an import
    ("lc_add", "class Solution:\n    def addAll(self, nums: List[int], k: int) -> List[int]:\n"
               "        return tuple(x + k for x in nums)", 1.0),  # List needs no import; a tuple counts as a list
    ("lc_add", "class Solution:\n    def addAll(self, nums, k):\n        print('debug')\n"
               "        return [x + k for x in nums]", 1.0),  # prints are not the answer
    ("lc_add", "class Solution:\n    def addAll(self, nums, k):\n        return [x + k for x in nums if x > 0]", 0.0),
    ("lc_add", "class Solution:\n    def addAll(self, nums, k):\n        return nums[0] + k", 0.0),  # IndexError
    ("lc_add", "class Solution:\n    def addEverything(self, nums, k):\n        return nums", 0.0),
    ("lc_add", "class Solution:\n    def addAll(self, nums, k)\n        return nums", 0.0),  # syntax error
])
def test_lcb_scores_known_programs(lcb_docs, question_id, code, passed):
    doc = lcb_docs[question_id]
    extracted, score = LCB.score(respond(code), doc)
    assert score == {"pass@1": passed, f"pass@1_{doc.document['difficulty']}": passed}
    assert extracted.endswith(code) and extracted.startswith("# verdict: ")


def test_lcb_failure_reasons(lcb_docs, monkeypatch):
    assert LCB.score("I don't know.", lcb_docs["abc_sum"]) == ("# verdict: no_code", {"pass@1": 0.0,
                                                                                    "pass@1_easy": 0.0})
    monkeypatch.setenv("DOPD_VL_CODE_TEST_TIMEOUT", "1")
    started = time.perf_counter()
    extracted, score = LCB.score(respond("while True:\n    pass"), lcb_docs["abc_sum"])
    assert score["pass@1"] == 0.0 and extracted.startswith("# verdict: timeout")
    extracted, score = LCB.score(respond("class Solution:\n    def addAll(self, nums, k):\n        while True:\n"
                                         "            pass"), lcb_docs["lc_add"])
    assert score["pass@1"] == 0.0 and extracted.startswith("# verdict: timeout")
    assert time.perf_counter() - started < 6
    extracted, _ = LCB.score(respond("x = bytearray(8 << 30)"), lcb_docs["abc_sum"])
    assert extracted.startswith("# verdict: memory")
    # the problem's budget: four tests of over 0.25 s each do not fit in 0.6 s
    monkeypatch.setenv("DOPD_VL_CODE_PROBLEM_TIMEOUT", "0.6")
    slow_but_right = "import time\ntime.sleep(0.25)\na, b = map(int, input().split())\nprint(a + b)"
    extracted, score = LCB.score(respond(slow_but_right), lcb_docs["abc_sum"])
    assert score["pass@1"] == 0.0 and extracted.startswith("# verdict: timeout")
    monkeypatch.delenv("DOPD_VL_CODE_PROBLEM_TIMEOUT")
    assert LCB.score(respond(slow_but_right), lcb_docs["abc_sum"])[1]["pass@1"] == 1.0


def test_lcb_summary_is_the_mean_per_difficulty(lcb_docs):
    docs = list(lcb_docs.values())
    scores = [{"pass@1": 1.0, "pass@1_easy": 1.0}, {"pass@1": 0.0, "pass@1_medium": 0.0},
              {"pass@1": 1.0, "pass@1_hard": 1.0}, {"pass@1": 1.0, "pass@1_medium": 1.0}]
    assert LCB.summarize(docs, scores) == {"pass@1": 0.75, "pass@1_easy": 1.0, "pass@1_medium": 0.5,
                                           "pass@1_hard": 1.0}


# ---------------------------------------------------------------------------------------------------------------------
# BFCL: loading.
# ---------------------------------------------------------------------------------------------------------------------


def test_bfcl_loads_every_category(data_dir, bfcl_docs):
    assert len(bfcl_docs) == sum(len(records) for records in BFCL_RECORDS.values()) == 11
    assert [d.document["category"] for d in BFCL.load(data_dir, 5)] == ["simple"] * 3 + ["multiple"] * 2
    assert len(BFCL.files(data_dir)) == 12


def test_bfcl_prompt_is_qwen3_fc_format_without_the_answer(bfcl_docs):
    doc = bfcl_docs["multiple_1"]
    system, question = doc.messages
    assert system["role"] == "system" and system["content"].startswith("# Tools\n\nYou may call one or more functions")
    tools = system["content"].split("<tools>\n")[1].split("\n</tools>")[0].splitlines()
    assert [json.loads(t)["name"] for t in tools] == ["spotify.play", "calculate_triangle_area"]
    assert json.loads(tools[1])["description"] == ("Calculate the area of a triangle. Note that the provided function "
                                                   "is in Python 3 syntax.")
    assert '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>' in system["content"]
    assert question == {"role": "user", "content": "Triangle with base 3 and height 4, in cm."}
    assert "centimeters" not in prompt_text(doc)  # the allowed answers stay out of the prompt
    live = bfcl_docs["live_simple_0-0-0"]
    assert live.messages[0]["content"].startswith("You are a helpdesk assistant.\n\n# Tools")
    assert [m["role"] for m in live.messages] == ["system", "user"]
    assert json.loads(doc.target) == doc.document["ground_truth"]


def test_bfcl_missing_files_name_the_layout(data_dir, tmp_path):
    write_bfcl(tmp_path)
    (tmp_path / "bfcl" / "possible_answer" / "BFCL_v3_live_parallel.json").unlink()
    with pytest.raises(EvalError, match=r"benchmark 'bfcl': its files are not in .*possible_answer/ .*"
                                        r"huggingface\.co/datasets/gorilla-llm/Berkeley-Function-Calling-Leaderboard"):
        BFCL.load(tmp_path, None)


def rewrite_bfcl(folder, file, record_id, **changes):
    path = folder / "bfcl" / file
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps({**r, **changes} if r["id"] == record_id else r) + "\n" for r in lines))


@pytest.mark.parametrize("file, changes, message", [
    ("BFCL_v3_parallel.json", {"question": [[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]]},
     r"BFCL_v3_parallel\.json: record parallel_1: field 'question': not one turn"),
    ("BFCL_v3_simple.json", {"function": []}, r"record simple_1: field 'function': not a non-empty list"),
    ("BFCL_v3_simple.json", {"id": "simple_99"}, r"record simple_99: no possible answer for this question"),
    ("possible_answer/BFCL_v3_multiple.json", {"ground_truth": [{"launch_rocket": {"x": [1]}}]},
     r"record multiple_0: field 'ground_truth': function\(s\) \['launch_rocket'\] are not among"),
    ("possible_answer/BFCL_v3_live_simple.json", {"ground_truth": [{"create_ticket": {"title": "Login fails"}}]},
     r"record live_simple_0-0-0: field 'ground_truth': not a list of"),
])
def test_bfcl_malformed_records_are_named(tmp_path, file, changes, message):
    write_bfcl(tmp_path)
    record_id = {"BFCL_v3_parallel.json": "parallel_1", "BFCL_v3_simple.json": "simple_1",
                 "possible_answer/BFCL_v3_multiple.json": "multiple_0",
                 "possible_answer/BFCL_v3_live_simple.json": "live_simple_0-0-0"}[file]
    rewrite_bfcl(tmp_path, file, record_id, **changes)
    with pytest.raises(EvalError, match=r"benchmark 'bfcl': .*" + message):
        BFCL.load(tmp_path, None)


# ---------------------------------------------------------------------------------------------------------------------
# BFCL: decoding and the AST checker, category by category.
# ---------------------------------------------------------------------------------------------------------------------


def tool_calls(*calls) -> str:
    return "".join(f'<tool_call>\n{json.dumps({"name": n, "arguments": a})}\n</tool_call>\n' for n, a in calls)


def test_lenient_decoding_reads_both_forms_and_never_evaluates(tmp_path):
    assert decode_lenient('<think><tool_call>\n{"name": "f", "arguments": {}}\n</tool_call></think>\n[g(a=1)]') == [
        {"g": {"a": 1}}]
    assert decode_lenient('<tool_call>\n{"name": "f", "arguments": "{\\"x\\": 2}"}\n</tool_call>') == [{"f": {"x": 2}}]
    assert decode_lenient("<tool_call>\nnot json\n</tool_call>") == []
    assert decode_lenient("```python\n[mod.sub.f(a=-3, b=[1, 'x'], c={'k': (1, 2)}, d=2 ** 10, e=x, g=h(1))]\n```") \
        == [{"mod.sub.f": {"a": -3, "b": [1, "x"], "c": {"k": (1, 2)}, "d": 1024, "e": "x", "g": "h(1)"}}]
    assert decode_lenient("f(a=1), g(b=2)") == [{"f": {"a": 1}}, {"g": {"b": 2}}]
    assert decode_lenient("I cannot call any function.") is None
    marker = tmp_path / "pwned"
    decoded = decode_lenient(f"[f(a=__import__('os').system('touch {marker}'), b=9 ** 9 ** 9)]")
    assert decoded is None and not marker.exists()  # a huge power is refused, nothing is ever run
    assert decode_lenient(f"[f(a=__import__('os').system('touch {marker}'))]") == [
        {"f": {"a": f"__import__('os').system('touch {marker}')"}}] and not marker.exists()
    assert standardize("New York, NY") == standardize("new york ny") == "newyorkny"
    assert standardize("it's") == 'it"s'


CASES = {
    "simple_0": [
        (tool_calls(("calculate_triangle_area", {"base": 10, "height": 5})), 1.0),
        # strings compared normalised; the Python form is for --scoring lenient only: BFCL's Qwen FC handler reads
        # only <tool_call> blocks
        ("[calculate_triangle_area(base=10, height=5, unit='Units')]", 0.0, 1.0),
        (tool_calls(("calculate_triangle_area", {"base": 10})), 0.0),  # required height missing
        (tool_calls(("calculate_triangle_area", {"base": 10, "height": 5, "color": "red"})), 0.0),  # unknown
        (tool_calls(("calculate_triangle_area", {"base": "10", "height": 5})), 0.0),  # a string for an integer
        (tool_calls(("calculate_triangle_area", {"base": 10.0, "height": 5})), 0.0),  # a float for an integer
        (tool_calls(("calculate_triangle_area", {"base": 10, "height": 5, "unit": "cm"})), 0.0),  # not allowed
        ("[calculate_triangle_area(base=b, height=5)]", 0.0),  # a variable where a number is expected
        (tool_calls(("calculate_triangle_area", {"base": 10, "height": 5}),
                    ("calculate_triangle_area", {"base": 10, "height": 5})), 0.0),  # two calls
        (tool_calls(("calculate_area", {"base": 10, "height": 5})), 0.0),  # wrong name
    ],
    "simple_1": [
        (tool_calls(("finance.compound_interest", {"principal": 1000, "rate": 0.05, "years": 3})), 1.0),  # int->float
        (tool_calls(("finance.compound_interest", {"principal": 1000.0, "rate": 5, "years": 3})), 0.0),
        (tool_calls(("finance.compound_interest", {"principal": 1000.0, "rate": 0.05, "years": 3.0})), 0.0),
        (tool_calls(("finance.compound_interest", {"principal": True, "rate": 0.05, "years": 3})), 0.0),
    ],
    "simple_2": [
        (tool_calls(("get_weather", {"city": "new york ny", "days": [2, 1]})), 1.0),
        (tool_calls(("get_weather", {"city": "New York", "days": [1, 2]})), 1.0),
        (tool_calls(("get_weather", {"city": "New York", "days": [1]})), 0.0),
        (tool_calls(("get_weather", {"city": "New York", "days": [1.0, 2.0]})), 0.0),  # items are integers
        (tool_calls(("get_weather", {"city": "Boston", "days": [1, 2]})), 0.0),
    ],
    "multiple_0": [
        (tool_calls(("spotify.play", {"artist": "Taylor Swift", "duration": 20})), 1.0),
        (tool_calls(("calculate_triangle_area", {"base": 20, "height": 20})), 0.0),  # the wrong function
    ],
    "multiple_1": [
        (tool_calls(("calculate_triangle_area", {"base": 3, "height": 4, "unit": "centimeters"})), 1.0),
        (tool_calls(("calculate_triangle_area", {"base": 3, "height": 4})), 0.0),  # unit has no "" here
    ],
    "parallel_0": [
        (tool_calls(("spotify.play", {"artist": "Maroon 5", "duration": 15}),
                    ("spotify.play", {"artist": "Taylor Swift", "duration": 20})), 1.0),  # any order
        ("[spotify.play(artist='Taylor Swift', duration=20), spotify.play(artist='Maroon 5', duration=15)]", 0.0, 1.0),
        (tool_calls(("spotify.play", {"artist": "Taylor Swift", "duration": 20})), 0.0),  # one missing
        (tool_calls(("spotify.play", {"artist": "Taylor Swift", "duration": 20}),
                    ("spotify.play", {"artist": "Taylor Swift", "duration": 20})), 0.0),  # same call twice
    ],
    "parallel_1": [
        (tool_calls(("waste.calculate", {"population": {"adults": 1}, "location": "nyc"}),
                    ("waste.calculate", {"population": {"adults": 2, "children": 2}, "location": "LA"})), 1.0),
        (tool_calls(("waste.calculate", {"population": {"adults": 1, "children": 5}, "location": "NYC"}),
                    ("waste.calculate", {"population": {"adults": 2, "children": 2}, "location": "LA"})), 0.0),
        (tool_calls(("waste.calculate", {"population": {"adults": 1, "pets": 1}, "location": "NYC"}),
                    ("waste.calculate", {"population": {"adults": 2, "children": 2}, "location": "LA"})), 0.0),
        (tool_calls(("waste.calculate", {"population": {"adults": 1}, "location": "NYC"}),
                    ("waste.calculate", {"population": {"adults": 2}, "location": "LA"})), 0.0),  # children needed
    ],
    "live_simple_0-0-0": [
        (tool_calls(("create_ticket", {"title": "login fails", "priority": "High"})), 1.0),
        (tool_calls(("create_ticket", {"title": "Login fails", "priority": "high", "tags": []})), 1.0),
        (tool_calls(("create_ticket", {"title": "Login fails"})), 0.0),  # priority is not optional here
        (tool_calls(("create_ticket", {"title": "Login fails", "priority": "high", "tags": ["urgent"]})), 0.0),
    ],
    "live_multiple_0-0-0": [
        (tool_calls(("get_weather", {"city": "Paris, France"})), 1.0),
        (tool_calls(("create_ticket", {"title": "Paris"})), 0.0),
    ],
    "live_multiple_1-0-1": [
        (tool_calls(("create_ticket", {"title": "VPN down", "tags": ["Network", "VPN"]})), 1.0),
        (tool_calls(("create_ticket", {"title": "VPN down", "tags": ["vpn"]})), 0.0),
    ],
    "live_parallel_0-0-0": [
        ("[get_weather(city='Rome'), get_weather(city='Paris')]", 0.0, 1.0),  # lenient: the Python form
        (tool_calls(("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome", "days": [1]})), 0.0),
    ],
}


@pytest.mark.parametrize("doc_id, response, correct, lenient",
                         [(d, r, c[0], c[-1]) for d, cases in CASES.items() for r, *c in cases])
def test_bfcl_ast_checker_on_known_answers(bfcl_docs, doc_id, response, correct, lenient):
    doc = bfcl_docs[doc_id]
    extracted, score = BFCL.score(response, doc)
    assert score == {"accuracy": correct, doc.document["category"]: correct}
    assert extracted == json.dumps(decode_qwen_fc(response))
    extracted, score = BFCL.scorer("lenient")(response, doc)
    assert score == {"accuracy": lenient, doc.document["category"]: lenient}
    assert extracted == json.dumps(decode_lenient(response))


def test_bfcl_summary_follows_the_leaderboard_sections(bfcl_docs):
    def sample(category, correct):
        return {"accuracy": correct, category: correct}

    scores = [sample("simple", 1.0), sample("simple", 0.0), sample("multiple", 1.0), sample("parallel", 0.0),
              sample("live_simple", 1.0), sample("live_multiple", 0.0), sample("live_multiple", 0.0),
              sample("live_multiple", 0.0)]
    summary = BFCL.summarize(list(bfcl_docs.values())[:8], scores)
    assert summary == pytest.approx({"accuracy": (0.5 + 0.25) / 2, "non_live": 0.5, "live": 0.25, "simple": 0.5,
                                     "multiple": 1.0, "parallel": 0.0, "live_simple": 1.0, "live_multiple": 0.0})
    assert list(summary)[0] == "accuracy"  # the headline first
