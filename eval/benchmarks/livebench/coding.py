"""LiveBench's coding category (process_results/coding: LCB_generation_process_results), graded in the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from eval.base import EvalError, record_error
from eval.benchmarks.code import checked_tests, decode_private_tests, judge_tests


def livebench_code(answer: str) -> str:
    """LiveBench's `extract_code`: the lines between the last two lines that contain ``` ("" with fewer than two)."""
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


def score_coding(answer: str, document: dict) -> tuple[str, float]:
    """1 when the extracted program (after the partial solution, for a completion question) passes every test."""
    program = livebench_code(answer)
    if not program.strip():
        return "# verdict: no_code", 0.0
    partial = document["partial_solution"]
    if partial and not program.startswith(partial):
        program = partial + "\n" + program
    tests = coding_tests(document["public_test_cases"], document["private_test_cases"])
    verdict = judge_tests(program, tests, document["testtype"], document["func_name"])
    return f"# verdict: {verdict.reason}\n{program}", float(verdict.passed)


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
