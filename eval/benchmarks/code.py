"""LiveCodeBench v5 code generation (Jain et al. 2024, "LiveCodeBench: Holistic and Contamination Free Evaluation of
Large Language Models for Code"), scored by running the model's program in the sandbox (`eval/sandbox.py`).

Data: the Hugging Face dataset `livecodebench/code_generation_lite` as downloaded, release_v5 = its files
``test.jsonl`` ... ``test5.jsonl`` (the LiveCodeBench loader's ``release_v5`` list; later files belong to later
releases). Each line is a problem: question_title, question_content, platform, question_id, contest_id,
contest_date (ISO), starter_code, difficulty (easy/medium/hard), public_test_cases (a JSON string: a list of
{input, output, testtype}), private_test_cases (base64 of zlib-compressed pickled JSON text of the same list; read
here with an unpickler that refuses every global, so only plain data such as the one string it holds can come out,
and it must be a string), metadata (a JSON string; ``func_name`` for LeetCode problems).

"v5" is a contest-date window, half-open ``[start, end)``:

- ``livecodebench``: 2024-08-01 to 2025-02-01, the window usually reported as "LiveCodeBench v5" (279 problems of
  release_v5; e.g. DeepSeek-R1's 2024-08 to 2025-01).
- ``livecodebench_qwen3``: 2024-10-01 to 2025-02-01, the window of the Qwen3 technical report ("LiveCodeBench (v5,
  2024.10-2025.02)"), to compare with Qwen3's published numbers.

Prompt: LiveCodeBench's chat prompt structure (a system line, then ``### Question``, ``### Format`` with the starter
code or the stdin/stdout instruction, ``### Answer``), in our words, without the "return nothing but the program"
sentence, which the Qwen3 report drops for thinking mode.

Extraction (documented rule): reasoning removed (`strip_think`), then the **last** fenced code block tagged
``python``/``py``/``python3``; if there is none, the last untagged fenced block; else no program (scored as a
failure, reason ``no_code``). LiveCodeBench's own extractor takes the first fenced block; a thinking model's answer
often shows a draft or example usage first and its final program last, hence the last.

Scoring, as LiveCodeBench's ``testing_util`` grades (lcb_runner/evaluation/testing_util.py): every test, public then
private, in order, stopping at the first failure; the program gets the same standard imports prepended
(``from collections import *``, ``from typing import *`` ... and a recursion limit of 50000).

- stdin/stdout problems: the program runs once per test with the input on stdin; its output and the expected output
  are stripped, split into lines and each line stripped; the line counts must agree and each pair of lines must be
  equal, or else both parse as whitespace-separated decimals that are equal (``Decimal``).
- functional (LeetCode) problems: ``Solution().<func_name>(*args)`` with each argument JSON-parsed from its line of
  the test input; a returned tuple counts as a list; the result must equal the JSON-parsed expected output (Python
  ``==``). One process runs all of a problem's tests, as LiveCodeBench does.

Time limits: each test gets ``DOPD_VL_CODE_TEST_TIMEOUT`` seconds (default 6, LiveCodeBench's default) of CPU and of
wall clock (plus one second for interpreter start-up); a problem gets at most ``DOPD_VL_CODE_PROBLEM_TIMEOUT`` seconds
of wall clock in all (default LiveCodeBench's global bound, ``(timeout + 1) * tests + 5``). Both are read when
scoring, from the environment.

Metric ``pass@1`` (greedy, one sample): 1 if the program passes every public and private test, else 0, averaged
over problems; ``pass@1_easy`` / ``_medium`` / ``_hard`` over the problems of each difficulty.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import pickle
import re
import zlib
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from eval import sandbox
from eval.base import Benchmark, Doc, EvalError, record_error, require
from eval.metrics import strip_think

RELEASE_V5_FILES = ("test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl", "test5.jsonl")
SOURCE = "https://huggingface.co/datasets/livecodebench/code_generation_lite"
LAYOUT = ("livecodebench/ (huggingface-cli download --repo-type dataset livecodebench/code_generation_lite "
          "--local-dir DATA_DIR/livecodebench): " + ", ".join(RELEASE_V5_FILES) + " (release_v5)")
DIFFICULTIES = ("easy", "medium", "hard")
MAX_PRIVATE_BYTES = 1 << 30  # decompressed private tests of one problem (the largest are tens of MB)
DEFAULT_TEST_TIMEOUT = 6.0

SYSTEM_PROMPT = ("You are an expert Python programmer. You will be given a programming problem and will write a "
                 "correct Python program that meets its specification and passes all of its tests.")
STARTER_FORMAT = "Complete the following starter code to solve the problem, and put your code in a code block."
STDIN_FORMAT = ("Read the input from standard input, solve the problem and write the answer to standard output (do "
                "not just test the sample inputs). Put your code in a code block like this one.")

# The imports LiveCodeBench's grader puts before every program (its `import_string`): star imports, then the
# modules themselves, so names such as `List`, `deque`, `gcd` or `accumulate` work without an import.
_STAR_IMPORTS = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
                 "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing")
_MODULE_IMPORTS = ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                   "statistics", "itertools", "functools", "operator", "io", "sys", "json")
PRELUDE = "".join(f"from {m} import *\n" for m in _STAR_IMPORTS) + "".join(f"import {m}\n" for m in _MODULE_IMPORTS) \
    + "sys.setrecursionlimit(50000)\n"

_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+.-]*)[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
_PYTHON_TAGS = {"python", "py", "python3"}
_CONTEST_DATE = re.compile(r'"contest_date":\s*"([^"]*)"')


# ---------------------------------------------------------------------------------------------------------------------
# Reading the release files.
# ---------------------------------------------------------------------------------------------------------------------


class _PlainDataOnly(pickle.Unpickler):
    """Refuses every global: objects, functions and classes need one, so only plain data can be built."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: only plain data is allowed here")


def decode_private_tests(blob: str) -> list:
    """base64 -> zlib -> pickle (a str only) -> JSON: the private test list."""
    decompressor = zlib.decompressobj()
    raw = decompressor.decompress(base64.b64decode(blob, validate=True), MAX_PRIVATE_BYTES)
    if decompressor.unconsumed_tail:
        raise ValueError(f"decompresses to more than {MAX_PRIVATE_BYTES} bytes")
    text = _PlainDataOnly(io.BytesIO(raw)).load()
    if not isinstance(text, str):
        raise ValueError(f"the pickle holds a {type(text).__name__}, not the JSON text of the tests")
    return json.loads(text)


def checked_tests(tests, what: str) -> list[dict]:
    if not isinstance(tests, list):
        raise ValueError(f"{what} is a {type(tests).__name__}, not a list of tests")
    for index, test in enumerate(tests):
        if not (isinstance(test, dict) and isinstance(test.get("input"), str) and isinstance(test.get("output"), str)
                and test.get("testtype") in ("stdin", "functional")):
            raise ValueError(f"{what}[{index}] is not {{input: str, output: str, testtype: stdin|functional}}")
    return tests


def _problem(record: dict, file: Path, line_number: int, benchmark: str) -> tuple[dict, int]:
    """The scorer's document for one problem (its tests still encoded) and its number of tests."""
    record_id = f"{record.get('question_id', '?')} (line {line_number})"

    def bad(field: str, problem: str) -> EvalError:
        return record_error(benchmark, file, record_id, f"field '{field}': {problem}; re-download the release file")

    for field in ("question_title", "question_content", "platform", "question_id", "starter_code", "difficulty",
                  "public_test_cases", "private_test_cases", "metadata"):
        if not isinstance(record.get(field), str):
            raise bad(field, "missing or not a string")
    if record["difficulty"] not in DIFFICULTIES:
        raise bad("difficulty", f"{record['difficulty']!r} is not one of {DIFFICULTIES}")
    try:
        public = checked_tests(json.loads(record["public_test_cases"]), "the list")
    except ValueError as error:
        raise bad("public_test_cases", str(error)) from None
    try:
        private = checked_tests(decode_private_tests(record["private_test_cases"]), "the list")
    except Exception as error:  # corrupt data fails in many ways (base64, zlib, pickle, JSON): all mean the same
        raise bad("private_test_cases", f"cannot be decoded ({error})") from None
    try:
        metadata = json.loads(record["metadata"])
    except ValueError as error:
        raise bad("metadata", f"not JSON ({error})") from None
    kinds = {test["testtype"] for test in public + private}
    if len(kinds) != 1:
        raise bad("public_test_cases", f"the tests mix kinds {sorted(kinds)}")
    kind = kinds.pop()
    func_name = metadata.get("func_name") if isinstance(metadata, dict) else None
    if kind == "functional" and not (isinstance(func_name, str) and func_name):
        raise bad("metadata", "a functional (LeetCode) problem needs its 'func_name'")
    document = {key: record[key] for key in ("question_id", "question_title", "question_content", "platform",
                                              "difficulty", "starter_code", "public_test_cases",
                                              "private_test_cases")}
    document.update(contest_date=record["contest_date"], testtype=kind,
                    func_name=func_name if kind == "functional" else None)
    return document, len(public) + len(private)


def _contest_date(value, file: Path, line_number: int, benchmark: str) -> datetime:
    """The contest date, naive (an aware one is taken in UTC) so that it compares with the window's bounds."""
    try:
        date = datetime.fromisoformat(value)
        return date.astimezone(timezone.utc).replace(tzinfo=None) if date.tzinfo else date
    except (TypeError, ValueError):
        raise record_error(benchmark, file, f"line {line_number}",
                           f"field 'contest_date': {value!r} is not an ISO date; re-download the release file") \
            from None


def user_prompt(document: dict) -> str:
    text = f"### Question:\n{document['question_content']}\n\n"
    if document["starter_code"]:
        text += f"### Format: {STARTER_FORMAT}\n```python\n{document['starter_code']}\n```\n\n"
    else:
        text += f"### Format: {STDIN_FORMAT}\n```python\n# YOUR CODE HERE\n```\n\n"
    return text + "### Answer: (use the provided format with backticks)\n\n"


def load_livecodebench(benchmark: Benchmark, start: datetime, end: datetime, data_dir: Path,
                       limit: int | None) -> list[Doc]:
    folder = data_dir / "livecodebench"
    paths = [folder / name for name in RELEASE_V5_FILES]
    require(benchmark, data_dir, *paths)
    sandbox.isolation()  # a machine that cannot run untrusted code safely says so now, before any generation
    docs = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line_number, line in enumerate(handle, 1):
                if limit is not None and len(docs) >= limit:
                    return docs
                if not line.strip():
                    continue
                quick = _CONTEST_DATE.search(line)  # skip problems outside the window without parsing their tests
                if quick and not start <= _contest_date(quick.group(1), path, line_number, benchmark.name) < end:
                    continue
                try:
                    record = json.loads(line)
                except ValueError as error:
                    raise record_error(benchmark.name, path, f"line {line_number}",
                                       f"not valid JSON ({error}); re-download the release file") from None
                if not isinstance(record, dict):
                    raise record_error(benchmark.name, path, f"line {line_number}", "not a JSON object")
                if not start <= _contest_date(record.get("contest_date"), path, line_number, benchmark.name) < end:
                    continue
                document, tests = _problem(record, path, line_number, benchmark.name)
                messages = [{"role": "system", "content": SYSTEM_PROMPT},
                            {"role": "user", "content": user_prompt(document)}]
                docs.append(Doc(document["question_id"], messages, f"passes all {tests} tests ({document['testtype']})",
                                document))
    return docs


# ---------------------------------------------------------------------------------------------------------------------
# Extraction and judging.
# ---------------------------------------------------------------------------------------------------------------------


def extract_code(response: str) -> str | None:
    """The last ```python block (else the last untagged block) after the reasoning; None if there is none."""
    blocks = [(tag.lower(), body) for tag, body in _FENCE.findall(strip_think(response))]
    for wanted in (lambda tag: tag in _PYTHON_TAGS, lambda tag: tag == ""):
        chosen = [body for tag, body in blocks if wanted(tag)]
        if chosen:
            return chosen[-1]
    return None


def _stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().split("\n")]


def _decimals(line: str) -> list[Decimal] | None:
    try:
        return [Decimal(item) for item in line.split()]
    except InvalidOperation:
        return None


def outputs_match(printed: str, expected: str) -> bool:
    """LiveCodeBench's stdin/stdout comparison: same number of stripped lines, each equal as text or as decimals."""
    printed_lines, expected_lines = _stripped_lines(printed), _stripped_lines(expected)
    if len(printed_lines) != len(expected_lines):
        return False
    for got, want in zip(printed_lines, expected_lines, strict=True):
        if got == want:
            continue
        got_numbers, want_numbers = _decimals(got), _decimals(want)
        if got_numbers is None or want_numbers is None or got_numbers != want_numbers:
            return False
    return True


# The functional (LeetCode) runner: trusted code that runs inside the sandbox, loads the solution and calls it on
# each test. It reports one JSON line per test on its own copy of stdout; the solution's prints go to /dev/null.
FUNCTIONAL_RUNNER = r'''
import json, os, signal, sys

with open("tests.json") as handle:
    spec = json.load(handle)
os.remove("tests.json")
channel = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
sys.stdout = open(os.devnull, "w")


class TimeLimit(BaseException):
    pass


def expire(signum, frame):
    raise TimeLimit()


signal.signal(signal.SIGALRM, expire)


def report(test, verdict, detail=""):
    channel.write(json.dumps({"test": test, "verdict": verdict, "detail": detail[:300]}) + "\n")
    channel.flush()


def timed(call):
    signal.setitimer(signal.ITIMER_REAL, spec["timeout"])
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def failure(error):
    return "timeout" if isinstance(error, TimeLimit) else "memory" if isinstance(error, MemoryError) \
        else "runtime_error"


source = open("solution.py").read()
module = {"__name__": "solution"}
try:
    timed(lambda: exec(compile(source, "solution.py", "exec"), module))
    owner = module["Solution"]() if "class Solution" in source else None
    method = getattr(owner, spec["func_name"]) if owner is not None else module[spec["func_name"]]
except BaseException as error:
    report(-1, failure(error), repr(error))
    sys.exit(0)
for index, (arguments, expected) in enumerate(zip(spec["inputs"], spec["outputs"])):
    try:
        values = [json.loads(line) for line in arguments.split("\n")]
        result = timed(lambda: method(*values))
        if isinstance(result, tuple):
            result = list(result)
        same = result == json.loads(expected)
    except BaseException as error:
        report(index, failure(error), repr(error))
        break
    if not same:
        report(index, "wrong_answer", repr(result))
        break
    report(index, "passed")
'''


def _timeouts(tests: int) -> tuple[float, float]:
    """(per-test seconds, per-problem wall seconds) from the environment, LiveCodeBench's defaults otherwise."""
    test_timeout = float(os.environ.get("DOPD_VL_CODE_TEST_TIMEOUT", DEFAULT_TEST_TIMEOUT))
    default_budget = (test_timeout + 1) * tests + 5
    return test_timeout, float(os.environ.get("DOPD_VL_CODE_PROBLEM_TIMEOUT", default_budget))


def _judge_functional(program: str, func_name: str, tests: list[dict], test_timeout: float,
                      budget: float) -> sandbox.Verdict:
    spec = {"func_name": func_name, "timeout": test_timeout,
            "inputs": [t["input"] for t in tests], "outputs": [t["output"] for t in tests]}
    limits = sandbox.Limits(cpu_seconds=math.ceil(test_timeout * len(tests)) + 5, wall_seconds=budget)
    run = sandbox.run_python(FUNCTIONAL_RUNNER, "", limits,
                             files={"solution.py": program, "tests.json": json.dumps(spec)})
    reports = []
    for line in run.stdout.splitlines():
        try:
            reports.append(json.loads(line))
        except ValueError:
            break
    failed = next((r for r in reports if r.get("verdict") != "passed"), None)
    if failed is not None:
        where = "loading the program" if failed.get("test") == -1 else f"test {failed.get('test')}"
        return sandbox.Verdict(False, str(failed.get("verdict")), f"{where}: {failed.get('detail', '')}")
    if len(reports) == len(tests) and run.ok:
        return sandbox.Verdict(True, "passed")
    reason = run.status if run.status != "ok" else "runtime_error"
    return sandbox.Verdict(False, reason, f"test {len(reports)}: {run.stderr.strip()[-300:]}")


def judge(code: str, document: dict) -> sandbox.Verdict:
    """Run `code` on the problem's public then private tests, as LiveCodeBench grades it."""
    tests = json.loads(document["public_test_cases"]) + decode_private_tests(document["private_test_cases"])
    return judge_tests(code, tests, document["testtype"], document["func_name"])


def judge_tests(code: str, tests: list[dict], testtype: str, func_name: str | None) -> sandbox.Verdict:
    """Run `code` on `tests` ({input, output} each, in order) as LiveCodeBench grades a program: "functional" calls
    `func_name` on each test's arguments, "stdin" runs the program once per test."""
    test_timeout, budget = _timeouts(len(tests))
    program = PRELUDE + "\n" + code
    if testtype == "functional":
        return _judge_functional(program, func_name, tests, test_timeout, budget)
    limits = sandbox.Limits(cpu_seconds=math.ceil(test_timeout), wall_seconds=test_timeout + 1)
    return sandbox.judge_stdio(program, [(t["input"], t["output"]) for t in tests], outputs_match, limits,
                               budget_seconds=budget)


def score_livecodebench(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    code = extract_code(response)
    verdict = judge(code, doc.document) if code is not None else sandbox.Verdict(False, "no_code")
    passed = float(verdict.passed)
    extracted = f"# verdict: {verdict.reason}\n{code}" if code is not None else "# verdict: no_code"
    return extracted, {"pass@1": passed, f"pass@1_{doc.document['difficulty']}": passed}


def livecodebench_benchmark(name: str, start: datetime, end: datetime) -> Benchmark:
    """LiveCodeBench release_v5 problems whose contest date lies in [start, end)."""
    benchmark = Benchmark(
        name, ("pass@1", *(f"pass@1_{d}" for d in DIFFICULTIES)),
        layout=f"{LAYOUT}; problems dated {start.date()} <= contest_date < {end.date()}",
        source=SOURCE, load=lambda data_dir, limit: [], score=score_livecodebench,
        files=lambda data_dir: [data_dir / "livecodebench" / n for n in RELEASE_V5_FILES], max_new_tokens=4096)
    benchmark.load = partial(load_livecodebench, benchmark, start, end)
    return benchmark


LIVECODEBENCH = livecodebench_benchmark("livecodebench", datetime(2024, 8, 1), datetime(2025, 2, 1))
LIVECODEBENCH_QWEN3 = livecodebench_benchmark("livecodebench_qwen3", datetime(2024, 10, 1), datetime(2025, 2, 1))

BENCHMARKS = [LIVECODEBENCH, LIVECODEBENCH_QWEN3]
