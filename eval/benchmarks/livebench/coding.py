"""LiveBench's coding category (process_results/coding/utils.py: `LCB_generation_process_results`), graded in the
sandbox (`eval/sandbox.py`).

The default rule is LiveBench's own at commit b0fb577, case for case on the cross-check cases
(tests/eval/official/test_livebench_coding_official.py):
- Extraction is LiveBench's vendored `extract_code` (lmstyle None) on the response after `<think>` removal: the
  lines between the last two lines that contain ```; with fewer than two such lines, the response without its first
  and last character where both are backticks, else the lines before a single ``` on the last line, else the whole
  response (right-stripped). So a response with no code block is run as the program (and usually fails); an empty
  program is run too. For a question with a partial_solution that the program does not start with, the partial
  solution and a newline are put before it.
- Grading is LiveBench's vendored `testing_util.run_test` under `codegen_metrics` (timeout 6), which is LiveCodeBench's
  current one (the grader of :func:`eval.benchmarks.code.judge_official`: one process per problem, public then
  private tests, stripped lines equal as text or as `Decimal`s, a returned tuple counts as a list) with one
  difference: during a stdin test `sys.stdin` is a plain `StringIO` of the input (iterable, `readlines` keeps the line
  ends, no `sys.stdin.buffer`), where LiveCodeBench's has its mock with a `buffer`. The score is 1 when every test
  passes.

``--scoring lenient`` keeps the project's earlier rule: only the text between the last two ``` lines is the program
(none: score 0 without running), and the tests are judged by :func:`eval.benchmarks.code.judge_tests` (each stdin
test run as a script of its own, with real stdin and stdout; functional tests called in one process).
"""

from __future__ import annotations

import json
from pathlib import Path

from eval import sandbox
from eval.base import EvalError, record_error
from eval.benchmarks import code
from eval.benchmarks.code import checked_tests, decode_private_tests, judge_tests

# LiveBench's vendored testing_util patches `sys.stdin` with `StringIO(inputs)` where LiveCodeBench's current one
# patches its `MockStdinWithBuffer`: the only difference between the two graders
_LCB_STDIN = 'Patch(lambda: sys, "stdin", MockStdin(inputs))'
if code.OFFICIAL_RUNNER.count(_LCB_STDIN) != 1:
    raise RuntimeError("eval.benchmarks.code.OFFICIAL_RUNNER changed: update LiveBench's stdin patch in "
                       "eval/benchmarks/livebench/coding.py")
LIVEBENCH_RUNNER = code.OFFICIAL_RUNNER.replace(_LCB_STDIN, 'Patch(lambda: sys, "stdin", StringIO(inputs))')


def livebench_extract_code(answer: str) -> str:
    """LiveBench's `extract_code(model_output, lmstyle=None)`."""
    lines = answer.rstrip().split("\n")
    fences = [index for index, line in enumerate(lines) if "```" in line]
    if len(fences) >= 2:
        return "\n".join(lines[fences[-2] + 1:fences[-1]])
    if len(answer) > 1 and answer[0] == "`" and answer[-1] == "`":
        return answer[1:-1]
    if len(fences) == 1 and fences[0] == len(lines) - 1:
        return "\n".join(lines[:-1])
    return answer.rstrip()


def livebench_code(answer: str) -> str:
    """The lenient rule's extraction: the lines between the last two lines that contain ``` ("" with fewer than
    two)."""
    lines = answer.split("\n")
    fences = [index for index, line in enumerate(lines) if "```" in line]
    return "\n".join(lines[fences[-2] + 1:fences[-1]]) if len(fences) >= 2 else ""


def private_tests(value: str) -> list:
    """LiveBench's private tests: JSON text, else LiveCodeBench's encoded form (decoded without unpickling objects)."""
    try:
        tests = json.loads(value)
    except ValueError:
        tests = None
    return tests if isinstance(tests, list) else decode_private_tests(value)


def coding_tests(public_test_cases: str, private_test_cases: str) -> list[dict]:
    """The public then the private tests of a question."""
    return json.loads(public_test_cases) + private_tests(private_test_cases)


def judge_livebench(program: str, tests: list[dict], testtype: str, func_name: str | None) -> sandbox.Verdict:
    """Run `program` on `tests` as LiveBench's `run_test` grades it: LiveCodeBench's (:func:`eval.benchmarks.code.
    judge_official`) with stdin a plain `StringIO` (:data:`LIVEBENCH_RUNNER`)."""
    return code.judge_official(program, tests, testtype, func_name, runner=LIVEBENCH_RUNNER)


def score_coding(answer: str, document: dict, lenient: bool = False) -> tuple[str, float]:
    """1 when the extracted program (after the partial solution, for a completion question) passes every test:
    LiveBench's extraction and grader, or with `lenient` the project's earlier ones."""
    tests = coding_tests(document["public_test_cases"], document["private_test_cases"])
    partial = document["partial_solution"]
    if lenient:
        program = livebench_code(answer)
        if not program.strip():
            return "# verdict: no_code", 0.0
        if partial and not program.startswith(partial):
            program = partial + "\n" + program
        verdict = judge_tests(program, tests, document["testtype"], document["func_name"])
        return f"# verdict: {verdict.reason}\n{program}", float(verdict.passed)
    program = livebench_extract_code(answer)
    if partial and not program.startswith(partial):
        program = partial + "\n" + program
    verdict = judge_livebench(program, tests, document["testtype"], document["func_name"])
    fenced = sum("```" in line for line in answer.rstrip().split("\n")) >= 2
    label = verdict.reason if fenced else f"no_code (LiveBench runs the response as the program): {verdict.reason}"
    return f"# verdict: {label}\n{program}", float(verdict.passed)


def _coding_question(row: dict, path: Path, record: str) -> tuple[dict, str]:
    """The scorer's fields of a coding question (its tests stay encoded) and its target."""
    def bad(field: str, problem: str) -> EvalError:
        return record_error("livebench", path, record, f"field '{field}': {problem}; re-download the category")
    for field in ("public_test_cases", "private_test_cases"):
        if not isinstance(row.get(field), str):
            raise bad(field, "missing or not a string")
    original = row.get("original_json")
    if not isinstance(original, dict) or not isinstance(original.get("metadata"), str):
        raise bad("original_json", "missing, or without its 'metadata' JSON text")
    try:
        public = checked_tests(json.loads(row["public_test_cases"]), "the list")
    except ValueError as error:
        raise bad("public_test_cases", f"the tests cannot be read ({error})") from None
    try:
        private = checked_tests(private_tests(row["private_test_cases"]), "the list")
    except Exception as error:  # corrupt tests fail in many ways (base64, zlib, pickle, JSON): all mean the same
        raise bad("private_test_cases", f"the tests cannot be read ({error})") from None
    tests = public + private
    try:
        metadata = json.loads(original["metadata"])
    except ValueError as error:
        raise bad("original_json", f"its metadata is not JSON ({error})") from None
    func_name = (metadata.get("func_name") if isinstance(metadata, dict) else None) or None
    kinds = {test["testtype"] for test in tests}
    kind = "functional" if func_name else "stdin"
    if kinds != {kind}:
        raise bad("public_test_cases", f"tests of kinds {sorted(kinds)} for a problem whose metadata "
                  + (f"names func_name {func_name!r}" if func_name else "names no func_name"))
    partial = row.get("partial_solution")
    if partial is not None and not isinstance(partial, str):
        raise bad("partial_solution", "not a string")
    if row["task"] == "coding_completion" and not partial:
        raise bad("partial_solution", "a coding_completion question needs the start of its program")
    document = {"public_test_cases": row["public_test_cases"], "private_test_cases": row["private_test_cases"],
                "testtype": kind, "func_name": func_name, "partial_solution": partial or None}
    return document, f"passes all {len(tests)} tests ({kind})"
