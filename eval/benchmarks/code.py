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

Scoring (the default, ``official``) is LiveCodeBench's own (lcb_runner @28fef95: utils/extraction_utils.py
``extract_code`` for a chat model, evaluation/testing_util.py ``run_test`` under compute_code_generation_metrics.py
``check_correctness``), reproduced step by step in a runner that runs inside the sandbox (`eval/sandbox.py`):

- Extraction: reasoning removed (`strip_think`, the project's rule for every official scorer), then the lines between
  the **last two lines that contain** three backticks, whatever their tag (```python, ```py, ```cpp, none) or place
  on the line; fewer than two such lines, or nothing but blank lines between them, is no program (``no_code``).
- One process per problem runs the tests in order, public then private, and stops at the first failure; the program
  gets LiveCodeBench's imports (``from collections import *``, ``from typing import *``, ``from builtins import *``
  ... and a recursion limit of 50000), its ``reliability_guard`` (``quit``, ``os.getcwd``, ``os.remove``,
  ``subprocess.Popen`` ... set to None; ``resource`` cannot be imported) and integers of up to 50000 digits.
- stdin/stdout problems: a final ``if __name__ == '__main__':`` is unwrapped, the top-level imports are hoisted and
  every other statement becomes the body of one function (so a ``global`` statement names a variable that is not
  global); each test calls it with ``sys.stdin`` replaced by LiveCodeBench's mock (``read``, ``readline``,
  ``readlines`` without line ends, ``buffer.read``; ``buffer.readline`` always gives the first line; not iterable)
  and ``sys.stdout`` by a StringIO (``sys.stdout.buffer`` does not exist; a ``stdout`` bound by the star import
  writes past the capture). ``SystemExit`` ends the test normally. The printed output and the expected output are
  stripped, split into lines and each line stripped; the line counts must agree and each pair of lines must be equal,
  or else both parse as whitespace-separated decimals that are equal (``Decimal``: no tolerance).
- functional (LeetCode) problems: ``Solution().<func_name>(*args)`` (the module's function where the program has
  no ``class Solution``) with each argument JSON-parsed from its line of the test input; a returned tuple counts as a
  list (nested ones do not); the result must equal the JSON-parsed expected output (Python ``==``).
- Time: each test (and loading the program) gets ``DOPD_VL_CODE_TEST_TIMEOUT`` seconds (default 6, LiveCodeBench's)
  of wall clock, raised in the program as LiveCodeBench's ``TimeoutException`` (an ``Exception``: a program's own
  ``except Exception`` can catch it, and the handler's message is printed into the captured output); the problem
  gets at most ``DOPD_VL_CODE_PROBLEM_TIMEOUT`` seconds of wall clock in all (default LiveCodeBench's global bound,
  ``(timeout + 1) * tests + 5``) and as many CPU seconds as its tests' time limits together. Both are read when
  scoring, from the environment. Each passed stdin test's output is sent back and compared again outside the sandbox.

``--scoring lenient`` keeps the project's earlier, more forgiving rules: the **last** fenced block tagged
``python``/``py``/``python3`` (else the last untagged one; a fence must start its line), and each stdin test run as a
script of its own (``__main__``, real stdin and stdout: ``for line in sys.stdin``, ``sys.stdout.buffer``, ``quit()``,
``global`` and ``from __future__`` work; a non-zero ``sys.exit`` fails), functional tests as above without the guard
and with a time limit the program cannot catch.

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
    """LiveCodeBench's `extract_code` (a chat model): after the reasoning, the lines between the last two lines that
    contain three backticks; None where there are fewer than two, or only blank lines between them (LiveCodeBench
    runs that empty program, and it always fails)."""
    lines = strip_think(response).split("\n")
    fences = [index for index, line in enumerate(lines) if "```" in line]
    if len(fences) < 2:
        return None
    code = "\n".join(lines[fences[-2] + 1:fences[-1]])
    return code if code.strip() else None


def extract_code_lenient(response: str) -> str | None:
    """The project's earlier rule: the last ```python block (else the last untagged block) after the reasoning, a
    fence starting its line; None if there is none."""
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


# LiveCodeBench's grader (testing_util.run_test as check_correctness runs it), as trusted code that runs inside the
# sandbox: one process per problem, tests in order, the first failure ends it. It reports one JSON line per test on
# its own copy of stdout (with a passed stdin test's output, stripped line by line, for the judge to compare again);
# whatever the program writes to the real stdout goes to /dev/null.
OFFICIAL_RUNNER = r"""
import ast, faulthandler, json, os, signal, sys
from decimal import Decimal
from io import StringIO
from types import ModuleType

with open("tests.json") as handle:
    spec = json.load(handle)
os.remove("tests.json")
with open("solution.py") as handle:
    source = handle.read()
channel = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
sys.stdout = open(os.devnull, "w")
sys.stdin = open(os.devnull)  # what a multiprocessing child holds, and what the prelude's `from sys import *` binds
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(50000)  # compute_code_generation_metrics sets it when imported
IMPORTS, TIMEOUT = spec["imports"], spec["timeout"]


def report(test, verdict, detail="", output=None):
    line = {"test": test, "verdict": verdict, "detail": str(detail)[:300]}
    if output is not None:
        line["output"] = output
    channel.write(json.dumps(line) + "\n")
    channel.flush()


class TimeoutException(Exception):
    pass


def timeout_handler(signum, frame):
    print("timeout occured: alarm went off")
    raise TimeoutException


def alarm(seconds):
    signal.setitimer(signal.ITIMER_REAL, seconds)


def failure(error):
    if "timeoutexception" in repr(error).lower():
        return "timeout"
    return "memory" if isinstance(error, MemoryError) else "runtime_error"


def reliability_guard():
    import builtins, shutil, subprocess
    faulthandler.disable()
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
                 "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
                 "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir"):
        setattr(os, name, None)
    shutil.rmtree = shutil.move = shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for name in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[name] = None


def clean_if_name(code):
    try:
        tree = ast.parse(code)
        last = tree.body[-1]
        if isinstance(last, ast.If) and ast.unparse(last.test).strip() == "__name__ == '__main__'":
            code = ast.unparse(tree.body[:-1]) + "\n" + ast.unparse(last.body)
    except Exception:
        pass
    return code


def make_function(code):
    try:
        tree = ast.parse(code)
        imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        others = [node for node in tree.body if not isinstance(node, (ast.Import, ast.ImportFrom))]
        function = ast.FunctionDef(name="wrapped_function", args=ast.arguments(posonlyargs=[], args=[],
                                   kwonlyargs=[], kw_defaults=[], defaults=[]), body=others, decorator_list=[],
                                   lineno=-1)
        return IMPORTS + "\n" + ast.unparse(imports) + "\n" + ast.unparse(function)
    except Exception:
        return code


def compile_code(code):
    alarm(TIMEOUT)
    try:
        module = ModuleType("tmp_sol", "")
        exec(code, module.__dict__)
        return module.Solution() if "class Solution" in code else module
    finally:
        alarm(0)


class Capturing(list):
    def __enter__(self):
        self._stdout = sys.stdout
        sys.stdout = self._stringio = StringIO()
        self._stringio.close = lambda x: 1
        return self

    def __exit__(self, *args):
        self.append(self._stringio.getvalue())
        del self._stringio
        sys.stdout = self._stdout


class MockBuffer:
    def __init__(self, inputs):
        self.inputs = inputs.encode("utf-8")

    def read(self, *args):
        return self.inputs

    def readline(self, *args):
        return self.inputs.split(b"\n")[0] + b"\n"


class MockStdin:
    def __init__(self, inputs):
        self.inputs = inputs
        self._stringio = StringIO(inputs)
        self.buffer = MockBuffer(inputs)

    def read(self, *args):
        return self.inputs

    def readline(self, *args):
        return self._stringio.readline(*args)

    def readlines(self, *args):
        return self.inputs.split("\n")

    def __getattr__(self, name):
        return getattr(self._stringio, name)


class Patch:
    # `unittest.mock.patch(target, new)` for one attribute: set while entered, then restored (or removed where the
    # object held no value of its own), as mock.patch does; the object is looked up when entered

    def __init__(self, owner, name, new):
        self.owner, self.name, self.new = owner, name, new

    def __enter__(self):
        self.target = self.owner()
        self.own = self.name in getattr(self.target, "__dict__", {})
        self.original = getattr(self.target, self.name)
        setattr(self.target, self.name, self.new)

    def __exit__(self, *args):
        if self.own or not hasattr(type(self.target), self.name):
            setattr(self.target, self.name, self.original)
        else:
            delattr(self.target, self.name)


class LazyMockOpen:
    # `mock_open(read_data=inputs)` as builtins.open, built on its first call (unittest.mock takes a tenth of a second
    # to import, and a program rarely reaches builtins.open: the prelude's `from builtins import *` binds the real one)

    def __init__(self, inputs):
        self.inputs, self.mock = inputs, None

    def __call__(self, *args, **kwargs):
        if self.mock is None:
            from unittest.mock import mock_open
            self.mock = mock_open(read_data=self.inputs)
        return self.mock(*args, **kwargs)


def call_with_input(function, inputs):
    # LiveCodeBench's patches, entered in its decorators' order (the innermost first): read, readlines and readline
    # of the sys.stdin of the moment, then sys.stdin itself, then builtins.open
    import builtins
    lines = iter(inputs.split("\n"))
    stdin = lambda: sys.stdin
    patches = [Patch(stdin, "read", lambda *args: inputs),
               Patch(stdin, "readlines", lambda *args: inputs.split("\n")),
               Patch(stdin, "readline", lambda *args: next(lines)),
               Patch(lambda: sys, "stdin", MockStdin(inputs)),
               Patch(lambda: builtins, "open", LazyMockOpen(inputs))]
    entered = []
    try:
        for one in patches:
            one.__enter__()
            entered.append(one)
        try:
            return function()
        except SystemExit:
            pass
    finally:
        for one in reversed(entered):
            one.__exit__(None, None, None)


def stripped_lines(text):
    return [line.strip() for line in text.strip().split("\n")]


def decimals(line):
    try:
        return True, [Decimal(item) for item in line.split()]
    except Exception:
        return False, []


def same_output(printed, expected):
    got, want = stripped_lines(printed), stripped_lines(expected)
    if len(got) != len(want):
        return False
    for mine, theirs in zip(got, want):
        if mine == theirs:
            continue
        ok, mine_numbers = decimals(mine)
        if not ok:
            return False
        ok, their_numbers = decimals(theirs)
        if not ok or mine_numbers != their_numbers:
            return False
    return True


def get_function(owner, name):
    try:
        assert hasattr(owner, name)
        return getattr(owner, name)
    except Exception:
        return None


def grade_stdin():
    compiled = compile_code(make_function(clean_if_name(source)))
    method = get_function(compiled, "wrapped_function")
    if method is None:
        return report(-1, "runtime_error", "no wrapped_function")
    for index, (inputs, expected) in enumerate(zip(spec["inputs"], spec["outputs"])):
        alarm(TIMEOUT)
        faulthandler.enable()
        with Capturing() as captured:
            try:
                call_with_input(method, inputs)
                alarm(0)
            except Exception as error:
                alarm(0)
                return report(index, failure(error), repr(error))
            finally:
                alarm(0)
                faulthandler.disable()
        if not same_output(captured[0], expected):
            return report(index, "wrong_answer", "printed " + repr(captured[0][:200]))
        report(index, "passed", output="\n".join(stripped_lines(captured[0])))


def grade_functional():
    owner = compile_code(IMPORTS + "\n\n" + source)
    method = get_function(owner, spec["func_name"])
    if method is None:
        return report(-1, "runtime_error", "no function " + spec["func_name"])
    inputs = [[json.loads(line) for line in text.split("\n")] for text in spec["inputs"]]
    outputs = [json.loads(text) for text in spec["outputs"]]
    for index, (arguments, expected) in enumerate(zip(inputs, outputs)):
        alarm(TIMEOUT)
        faulthandler.enable()
        try:
            prediction = method(*arguments)
            alarm(0)
            if isinstance(prediction, tuple):
                prediction = list(prediction)
            if not prediction == expected:
                return report(index, "wrong_answer", "returned " + repr(prediction)[:200])
        except Exception as error:
            alarm(0)
            return report(index, failure(error), repr(error))
        finally:
            alarm(0)
            faulthandler.disable()
        report(index, "passed")


signal.signal(signal.SIGALRM, timeout_handler)
reliability_guard()
try:
    grade_functional() if spec["func_name"] is not None else grade_stdin()
except BaseException as error:  # loading the program failed, or something LiveCodeBench lets end its process
    alarm(0)
    report(-1, failure(error), repr(error))
"""


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


def judge_official(code: str, tests: list[dict], testtype: str, func_name: str | None,
                   runner: str | None = None) -> sandbox.Verdict:
    """Run `code` on `tests` ({input, output} each, in order) as LiveCodeBench's `run_test` grades it, in one sandboxed
    process; a passed stdin test's output is compared again here, outside the sandbox. `runner`: the program that
    runs the tests in the sandbox (default :data:`OFFICIAL_RUNNER`; LiveBench's variant feeds stdin otherwise)."""
    test_timeout, budget = _timeouts(len(tests))
    spec = {"func_name": func_name if testtype == "functional" else None, "timeout": test_timeout,
            "imports": PRELUDE, "inputs": [t["input"] for t in tests], "outputs": [t["output"] for t in tests]}
    expected_bytes = sum(len(t["output"]) for t in tests)
    limits = sandbox.Limits(cpu_seconds=math.ceil(test_timeout * (len(tests) + 1)) + 5, wall_seconds=budget,
                            output_bytes=max(16 << 20, 4 * expected_bytes + (1 << 20)))
    run = sandbox.run_python(runner or OFFICIAL_RUNNER, "", limits,
                             files={"solution.py": code, "tests.json": json.dumps(spec)})
    reports = []
    for line in run.stdout.splitlines():
        try:
            reports.append(json.loads(line))
        except ValueError:
            break
    for position, report in enumerate(reports):
        verdict, test = report.get("verdict"), report.get("test")
        if verdict != "passed":
            where = "loading the program" if test == -1 else f"test {test}"
            return sandbox.Verdict(False, str(verdict), f"{where}: {report.get('detail', '')}")
        if test != position or (testtype != "functional"
                                and not outputs_match(str(report.get("output")), tests[position]["output"])):
            return sandbox.Verdict(False, "wrong_answer", f"test {position}: the output does not match")
    if len(reports) == len(tests):
        return sandbox.Verdict(True, "passed")
    reason = run.status if run.status != "ok" else "runtime_error"
    return sandbox.Verdict(False, reason, f"test {len(reports)}: {run.stderr.strip()[-300:]}")


def document_tests(document: dict) -> list[dict]:
    return json.loads(document["public_test_cases"]) + decode_private_tests(document["private_test_cases"])


def judge(code: str, document: dict) -> sandbox.Verdict:
    """Run `code` on the problem's public then private tests, as LiveCodeBench grades it."""
    return judge_official(code, document_tests(document), document["testtype"], document["func_name"])


def judge_tests(code: str, tests: list[dict], testtype: str, func_name: str | None) -> sandbox.Verdict:
    """The project's earlier grading (``--scoring lenient``; LiveBench's coding category uses it too): "functional"
    calls `func_name` on each test's arguments in one process, "stdin" runs the program as a script once per test."""
    test_timeout, budget = _timeouts(len(tests))
    program = PRELUDE + "\n" + code
    if testtype == "functional":
        return _judge_functional(program, func_name, tests, test_timeout, budget)
    limits = sandbox.Limits(cpu_seconds=math.ceil(test_timeout), wall_seconds=test_timeout + 1)
    return sandbox.judge_stdio(program, [(t["input"], t["output"]) for t in tests], outputs_match, limits,
                               budget_seconds=budget)


def _score(code: str | None, doc: Doc, judged) -> tuple[str, dict[str, float]]:
    verdict = judged(code, doc.document) if code is not None else sandbox.Verdict(False, "no_code")
    passed = float(verdict.passed)
    extracted = f"# verdict: {verdict.reason}\n{code}" if code is not None else "# verdict: no_code"
    return extracted, {"pass@1": passed, f"pass@1_{doc.document['difficulty']}": passed}


def score_livecodebench(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """LiveCodeBench's verdict: its extraction, its grader."""
    return _score(extract_code(response), doc, judge)


def score_livecodebench_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """The project's earlier rules: the last python block, each stdin test run as a script of its own."""
    return _score(extract_code_lenient(response), doc, lambda code, document: judge_tests(
        code, document_tests(document), document["testtype"], document["func_name"]))


def livecodebench_benchmark(name: str, start: datetime, end: datetime) -> Benchmark:
    """LiveCodeBench release_v5 problems whose contest date lies in [start, end)."""
    benchmark = Benchmark(
        name, ("pass@1", *(f"pass@1_{d}" for d in DIFFICULTIES)),
        layout=f"{LAYOUT}; problems dated {start.date()} <= contest_date < {end.date()}",
        source=SOURCE, load=lambda data_dir, limit: [], score=score_livecodebench,
        files=lambda data_dir: [data_dir / "livecodebench" / n for n in RELEASE_V5_FILES], max_new_tokens=4096,
        lenient=score_livecodebench_lenient, version=2)
    benchmark.load = partial(load_livecodebench, benchmark, start, end)
    return benchmark


LIVECODEBENCH = livecodebench_benchmark("livecodebench", datetime(2024, 8, 1), datetime(2025, 2, 1))
LIVECODEBENCH_QWEN3 = livecodebench_benchmark("livecodebench_qwen3", datetime(2024, 10, 1), datetime(2025, 2, 1))

BENCHMARKS = [LIVECODEBENCH, LIVECODEBENCH_QWEN3]
