"""LiveBench (White et al. 2025, "LiveBench: A Challenging, Contamination-Limited LLM Benchmark"), all six categories
of the leaderboard, each with LiveBench's own rule-based scorer: math, reasoning, data_analysis, language, coding and
instruction_following.

Data: the Hugging Face datasets `livebench/<category>` as downloaded (`data/test-*.parquet`). Every category has
question_id, category, turns (the one question turn), task, livebench_release_date and livebench_removal_date; then
- math, reasoning, data_analysis, language: ground_truth [, subtask];
- coding: public_test_cases (JSON text), private_test_cases (JSON text, or LiveCodeBench's base64 of zlib-compressed
  pickled JSON text), original_json (the LiveCodeBench record: ..., metadata with `func_name` for LeetCode problems),
  partial_solution (the given start of the program, coding_completion), solution and remainder (never read);
- instruction_following: instruction_id_list and kwargs (IFEval's format: one argument struct per instruction, null
  fields dropped as LiveBench's reader does), task_prompt.
The questions of release `RELEASE` are evaluated, selected as LiveBench's `--livebench-release-option` does: released
on or before it and not removed by then (a removal date empty or later). `RELEASE` is 2024-11-25, the release the
Qwen3 technical report evaluates. The prompt is the question's own first turn, which states the answer format.

Scoring follows LiveBench's `gen_ground_truth_judgment.py` dispatch and its `process_results/` rules, each ported
below (rule per question in :data:`RULES` and :func:`task_rule`):
- coding, tasks LCB_generation and coding_completion (`LCB_generation_process_results`): the program is the text
  between the last two lines that contain ``` (LiveBench's `extract_code`); for a question with a partial_solution
  that the program does not already start with, the partial solution and a newline are put before it. The score is 1
  when the program passes every public then private test (pass@1 of one sample), else 0, graded in the sandbox
  (`eval/sandbox.py`) by LiveCodeBench's rules through :func:`eval.benchmarks.code.judge_tests`: a problem whose
  metadata names a `func_name` calls `Solution().<func_name>` on each test, any other runs the program on each test's
  stdin; 6 s per test by default (`DOPD_VL_CODE_TEST_TIMEOUT`, LiveBench's timeout).
- instruction_following, any task (paraphrase, simplify, story_generation, summarize;
  `instruction_following_process_results` on the "strict" results): every instruction of the question is checked
  with IFEval's checkers (`eval/ifeval.py`); the score is (1 if all are followed else 0 + the fraction followed) / 2,
  LiveBench's `score_results`.

Deliberate changes:
- AMPS_Hard's equivalence check uses `math-verify` (`verify(parse(gold), parse(answer))`) instead of LiveBench's
  sympy `parse_latex` + `simplify` with its 0.001 numeric tolerance.
- Where LiveBench's code would raise on an odd response (an unclosed or unbraced `\boxed`, a digit `int()` refuses, a
  table whose column names are not text), the response scores 0 here instead of stopping the run; `<think>` blocks
  are removed with `eval.metrics.strip_think` (LiveBench removes closed ones by regex).
- coding compares outputs as LiveCodeBench's current `testing_util` does (eval/benchmarks/code.py: stripped lines,
  equal as text or as decimals; a returned tuple counts as a list), not as the older APPS-derived `testing_util`
  LiveBench vendors, whose stdin check falls back to looser comparisons (the whole stripped output, numbers close by
  `numpy.allclose`, and finally equal sets of whitespace-separated tokens) and whose call-based check also accepts a
  result equal to the first element of a list answer: a program LiveBench accepts only through such a fallback fails
  here. The recursion limit is 50000 (LiveBench 600000). A response with no code block scores 0 without running
  (LiveBench runs the empty program, or the partial solution alone, which in practice fails).
- instruction_following counts sentences with IFEval's regex splitter instead of nltk's punkt model and tokenizes
  capital words with a regex (details in eval/ifeval.py). Three instructions need `langdetect` (as in IFEval):
  language:response_language, change_case:english_capital and change_case:english_lowercase; where it is not
  installed, a question of the release that uses one raises an EvalError at load time (pip install langdetect).

A question of the selected release whose task has no rule here raises an EvalError naming the task and the supported
ones.

Aggregation is LiveBench's `show_livebench_result.py`: a task's score is the mean over its questions, a category's the
mean over its tasks, and `average` the mean over the six categories, the leaderboard's global average.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import itertools
import json
import re
import warnings
from collections import defaultdict
from io import StringIO
from pathlib import Path
from typing import Callable

from eval import ifeval, sandbox
from eval.base import Benchmark, Doc, EvalError, missing_message, parquet_rows, record_error
from eval.benchmarks.code import checked_tests, decode_private_tests, judge_tests
from eval.benchmarks.maths import math_equal
from eval.metrics import levenshtein, strip_think

RELEASE = "2024-11-25"
CATEGORIES = ("math", "reasoning", "data_analysis", "language", "coding", "instruction_following")
CODING_TASKS = ("LCB_generation", "coding_completion")
SUPPORTED_TASKS = ("math_comp (AMC, SMC, AIME subtasks)", "olympiad (IMO, USAMO subtasks)", "AMPS_Hard", "cta",
                   "tablejoin", "tablereformat", "web_of_lies_v2", "web_of_lies_v3", "house_traversal",
                   "zebra_puzzle", "spatial", "connections", "typos", "plot_unscrambling", *CODING_TASKS,
                   "any instruction_following task (paraphrase, simplify, story_generation, summarize)")
TABLE_FORMATS = ("json", "jsonl", "html", "csv", "markdown", "tsv")


# ---------------------------------------------------------------------------------------------------------------------
# Shared extraction helpers (LiveBench's process_results/util.py).
# ---------------------------------------------------------------------------------------------------------------------


def last_boxed(text: str) -> str | None:
    """The last `\\boxed{...}` (or `\\fbox{...}`, renamed) with balanced braces, `$` removed; a `\\boxed ` with a space
    runs to the next `$`. None when there is none or its braces never close."""
    if "\\boxed " in text:
        return "\\boxed " + text.split("\\boxed ")[-1].split("$")[0]
    start = text.rfind("\\boxed")
    if start < 0:
        start = text.rfind("\\fbox")
        if start < 0:
            return None
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index + 1].replace("$", "").replace("fbox", "boxed")
    return None


def remove_boxed(boxed: str | None) -> str | None:
    """The inside of a `\\boxed{...}` / `\\boxed ...` from :func:`last_boxed`; None for anything else."""
    if boxed is None:
        return None
    if boxed.startswith("\\boxed "):
        return boxed[len("\\boxed "):]
    if boxed.startswith("\\boxed{") and boxed.endswith("}"):
        return boxed[len("\\boxed{"):-1]
    return None


def _solutions(text: str, flags: int = 0) -> list[str]:
    """Contents of `<solution>...</solution>`, else of a mistyped `</solution>...</solution>`."""
    return (re.findall(r"<solution>(.*?)</solution>", text, flags)
            or re.findall(r"</solution>(.*?)</solution>", text, flags))


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None


# ---------------------------------------------------------------------------------------------------------------------
# Math.
# ---------------------------------------------------------------------------------------------------------------------


def _amc_option_value(question: str, letter: str) -> str:
    """The text of option `letter` in an AMC statement (`\\textbf{(B) }42\\qquad`); "FAILURE" when absent."""
    options = dict(re.findall(r"\\textbf{\(([A-E])\)\s?}(.*?)(?:\\qquad|\$)", question))
    value = (options.get(letter) or "").strip() or "FAILURE"
    return value.strip().strip("$").strip("~")


def math_contest(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """AMC/SMC (`mathcontest_process_results`): right when the last <solution> holds only the letter (any case, any
    repetition), or the letter appears four times in a row (the prompt asks for it five times), or the last
    `\\boxed{}` holds it, or the option's value appears in the last 20 + len(value) characters."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer)
    if solutions and len(set(solutions[-1])) == 1 and solutions[-1][0].lower() == ground_truth.lower():
        return solutions[-1], 1.0
    if ground_truth * 4 in answer:
        return ground_truth * 4, 1.0
    inside = remove_boxed(last_boxed(answer.replace("\\\\fbox{", "\\\\boxed{")))
    parsed = "" if inside is None else inside.replace("\\text{", "").replace("}", "").replace("\\", "").lower()
    if parsed and parsed == ground_truth.lower():
        return parsed, 1.0
    value = _amc_option_value(question, ground_truth)
    if value in answer[-(20 + len(value)):]:
        return value, 1.0
    return parsed, 0.0


def aime(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """AIME (`aime_process_results`): right when the answer appears in the response's last 50 characters."""
    tail = answer[-50:]
    return tail.strip(), float(ground_truth in tail)


def _digits_run(text: str) -> tuple[str, int]:
    """The first run of digits and how many characters were dropped around it (`remove_nonnumeric_chars_at_ends`)."""
    start = 0
    while start < len(text) and not text[start].isdigit():
        start += 1
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[start:end], len(text) - (end - start)


def _integers(pieces, clean: Callable[[str], str]) -> list | None:
    numbers = []
    for piece in pieces:
        piece = clean(piece)
        if piece is None:
            continue
        try:
            numbers.append(int(piece))
        except ValueError:
            numbers.append("NO ANSWER")
    return None if not numbers or set(numbers) == {"NO ANSWER"} else numbers


def olympiad_completions(generation: str) -> list:
    """The expression numbers an olympiad answer lists (`extract_expression_completions_from_generation`): the line
    of the last `answer:` (or the next line when it is empty); else the last `\\boxed{}`; else the last line; else the
    numbers after the last `answer:` up to the first one with trailing text."""
    lower = generation.lower()
    numbers = None
    if "answer:" in lower:
        lines = lower.strip().split("\n")
        index = max(i for i, line in enumerate(lines) if "answer:" in line)
        listed = lines[index].split("answer:")[1].replace("answer:", "").replace("**", "").replace(".", "").strip()
        if listed == "" and index < len(lines) - 1:
            listed = lines[index + 1].replace("answer:", "").replace("**", "").replace(".", "").strip()

        def clean_answer(piece):
            piece = piece.strip().split(" ")[-1]
            for mark in ("$", "{", "}", "\\", "boxed", "<", ">"):
                piece = piece.replace(mark, "")
            return piece
        numbers = _integers(listed.split(","), clean_answer)
    if numbers is None and "\\boxed" in generation:
        inside = remove_boxed(last_boxed(generation))
        text = (generation if inside is None else inside).replace("\\text{", "").replace("}", "").replace("\\", "")
        numbers = _integers(text.strip().split(","), str.strip)
    if numbers is None:
        last_line = generation.strip().lower().split("\n")[-1]
        numbers = _integers(last_line.strip().split(","), lambda p: _digits_run(p)[0].strip() or None)
    if numbers is None:
        numbers = []
        for i, piece in enumerate(k.strip() for k in lower.split("answer:")[-1].split(",")):
            digits, dropped = _digits_run(piece)
            if digits:
                try:
                    numbers.append(int(digits))
                except ValueError:  # a digit Python's int() refuses (a superscript); LiveBench raises here
                    pass
            if i > 0 and dropped > 0:
                break
    return numbers


def olympiad(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """IMO/USAMO proof completion (`proof_rearrangement_process_results` with `edit_distance=True`): 1 minus the edit
    distance between the listed expression numbers and the true order, over the longer of the two lengths."""
    truth = [int(n) for n in ground_truth.split(",")]
    completions = olympiad_completions(answer)
    distance = levenshtein(completions, truth)  # element-wise edit distance; works on lists as on strings
    return ",".join(map(str, completions)), 1 - distance / max(len(completions), len(truth))


def normalize_final_answer(final_answer: str) -> str:
    """Minerva's answer normalisation (Lewkowycz et al. 2022, appendix D), as LiveBench's AMPS_Hard uses it."""
    final_answer = final_answer.split("=")[-1]
    final_answer = re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$", final_answer)
    final_answer = re.sub(r"(\\text\{)(.*?)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(\\textbf\{)(.*?)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(\\overline\{)(.*?)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(\\boxed\{)(.*)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", final_answer)
    final_answer = re.sub(r"(sqrt)([^{\[])", "sqrt{\\2}", final_answer)
    final_answer = final_answer.replace("$", "")
    if final_answer.replace(",", "").isdigit():
        final_answer = final_answer.replace(",", "")
    return final_answer


# LiveBench's replacements of the response, in its order (removing "+ c" also cuts "+ cos": as LiveBench does)
_AMPS_REPLACEMENTS = (("+C", ""), ("+ C", ""), ("+ c", ""), ("+c", ""), ("\\\\fbox{", "\\\\boxed{"),
                      ("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\left", ""), ("\\right", ""),
                      ("\\bigl", ""), ("\\bigr", ""), ("\\Bigl", ""), ("\\Bigr", ""), ("\\,", ""),
                      ("\\;", ""), ("\n", ""), ("\\cdot", "*"))


def amps_hard(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """AMPS_Hard (`amps_hard_process_results`): the response loses `+C`, `\\left`/`\\right`, spacing commands and
    newlines (`\\dfrac`/`\\tfrac` become `\\frac`, `\\cdot` becomes `*`); its answer is the last `\\boxed{}`, else the
    last `$...$` of the text (the part after its last `=`), Minerva-normalised, and is right when `math-verify`
    finds it equal to the ground truth. With neither, right when the response ends with the ground truth."""
    for old, new in _AMPS_REPLACEMENTS:
        answer = answer.replace(old, new)
    gold = ground_truth.replace("\\left", "").replace("\\right", "").replace(" ^", "^").replace("\\ ", "*")
    parsed = None
    inside = remove_boxed(last_boxed(answer))
    if inside is not None:
        parsed = normalize_final_answer(inside)
    else:
        last_line = answer.split("\n")[-1]
        if last_line.count("$") >= 2:
            close = last_line.rfind("$")
            if last_line[close - 1] == "$":
                close -= 1
            maths = last_line[last_line.rfind("$", 0, close) + 1:close]
            if "=" in maths:
                maths = maths.split("=")[-1].strip()
            elif "\\quad \\text{or} \\quad" in maths:
                maths = maths.split("\\quad \\text{or} \\quad")[-1].strip()
            parsed = normalize_final_answer(maths)
    if parsed is not None:
        return parsed, float(math_equal(parsed, gold))
    answer = answer[:-1] if answer.endswith(".") else answer
    return (gold, 1.0) if answer.endswith(gold) else ("", 0.0)


# ---------------------------------------------------------------------------------------------------------------------
# Reasoning.
# ---------------------------------------------------------------------------------------------------------------------

_TRUTH_VALUES = ("yes", "no", "unknown")


def _last_truth_triple(text: str) -> str | None:
    """The last "a, b, c" of yes/no/unknown words in the text."""
    lower, best, best_at = text.lower(), None, -1
    for triple in itertools.product(_TRUTH_VALUES, repeat=3):
        at = lower.find(", ".join(triple))
        if at > best_at:
            best, best_at = ", ".join(triple), at
    return best


def _boxed_truth(answer: str) -> str | None:
    answer = (answer.replace("\\\\boxed{\\\\textbf{", "\\\\boxed{").replace("\\\\fbox{", "\\\\boxed{")
              .replace("\\textbf{", "\\boxed{"))
    return remove_boxed(last_boxed(answer))


def web_of_lies_v2(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Web of lies v2 (`web_of_lies_process_results`): the last <solution>; else the last three yes/no/unknown words
    in **bold**; else the last `\\boxed{}`/`\\textbf{}`; else the last "yes, no, unknown"-style triple. Right when it
    equals the lower-cased ground truth, or names three truth values and contains the ground truth."""
    solutions = _solutions(answer)
    parsed = solutions[-1] if solutions else None
    bold = re.findall(r"\*\*(.*?)\*\*", answer)
    if parsed is None and bold:
        words = [w.lower().strip().replace(",", "").replace(".", "") for match in bold for w in match.split()]
        picked = [w for w in words if w in _TRUTH_VALUES][-3:]
        parsed = ", ".join(picked) if picked else None
    if parsed is None or parsed.strip() == "":
        parsed = _boxed_truth(answer) or parsed
    if parsed is None:
        parsed = _last_truth_triple(answer)
    if not parsed:
        return "", 0.0
    if parsed == ground_truth.lower():
        return parsed, 1.0
    named = parsed.count("yes") + parsed.count("no") + parsed.count("unknown")
    return parsed, float(named == 3 and ground_truth.lower() in parsed)


def web_of_lies_v3(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Web of lies v3 (`web_of_lies_v3_process_results`): the last <solution>, else the last `\\boxed{}`, else the
    last truth-value triple; each comma-separated item compared in order; score (all right + share right) / 2."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer)
    parsed = solutions[-1] if solutions else None
    if parsed is None or parsed.strip() == "":
        parsed = _boxed_truth(answer) or parsed
    if parsed is None:
        parsed = _last_truth_triple(answer)
    if parsed is None:
        return "", 0.0
    items, truth = parsed.split(","), ground_truth.split(",")
    correct = sum(i < len(items) and items[i] == truth[i] for i in range(len(truth)))
    return parsed, ((correct == len(truth)) + correct / len(truth)) / 2


def house_traversal(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """House traversal (`house_traversal_process_results`): the names, in order, are the last bold spans (one name
    per span, whole span) or appear in order inside the last bold span."""
    bold = [text for _, text in re.findall(r"(\*{2,})(.*?)\1", answer.lower())]
    if not bold:
        return "", 0.0
    names = ground_truth.lower().split(" ")
    if len(bold) >= len(names) and all(name == bold[-1 - i] for i, name in enumerate(names[::-1])):
        return " ".join(bold[-len(names):]), 1.0
    last_at = -1
    for name in names:
        at = bold[-1].find(name)
        if at == -1 or at <= last_at:
            return bold[-1], 0.0
        last_at = at
    return bold[-1], 1.0


_NUMBER_WORDS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
                 "8": "eight", "9": "nine"}


def zebra_puzzle(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Zebra puzzle, release 2024-11-25 on (`zebra_puzzle_process_results`): the answers of the <solution> tags (from
    several tags, the last ones), else of the last `\\boxed{}`, else of a last line with the right number of commas;
    an item is right when the (lower-cased, hyphens as spaces) truth equals or appears in it ("position" removed);
    score (all right + share right) / 2."""
    truth = ground_truth.split(",")
    solutions = _solutions(answer)
    if not solutions:
        inside = remove_boxed(last_boxed(answer.replace("\\\\fbox{", "\\\\boxed{")))
        if inside is not None:
            solutions = [inside.replace("\\text{", "").replace("}", "").replace("\\", "")]
    if not solutions:
        last_line = answer.strip().split("\n")[-1]
        if last_line.count(",") == len(truth) - 1:
            solutions = [last_line]
    if not solutions:
        return "", 0.0
    items = [item for match in solutions for item in match.split(",")][-len(truth):] if len(solutions) > 1 \
        else solutions[-1].split(",")
    correct = 0
    for i, expected in enumerate(truth):
        if i < len(items):
            expected = expected.strip().lower().replace("-", " ")
            given = items[i].strip().lower().replace("-", " ").replace("position", "")
            correct += expected == given or expected in given
    return ",".join(items), ((correct == len(truth)) + correct / len(truth)) / 2


def zebra_puzzle_bold(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Zebra puzzle, releases before 2024-11-25 (`zebra_puzzle_process_results_old`): the last ***word*** (else the
    last word) equals the truth, is a digit whose word is the truth, or plus " movies" is the truth."""
    bold = re.findall(r"\*\*\*(\w+)\*\*\*", answer)
    words = re.findall(r"\b\w+\b", answer)
    word = bold[-1] if bold else (words[-1] if words else "")
    truth = ground_truth.lower()
    right = (word.lower() == truth or _NUMBER_WORDS.get(word) == truth
             or word.lower() + " movies" == truth)
    return word, float(right)


_SPATIAL_NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
                    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
                    "eighteen": "18", "nineteen": "19", "twenty": "20"}


def spatial(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Spatial (`spatial_process_results`): one of the last three **bold** spans equals the truth or its number word;
    for a truth of tetrahedra/tetrahedron/triangle/square, a short span containing it also counts."""
    truth = ground_truth.strip().lower()
    checked = [span.strip().lower() for span in re.findall(r"\*\*([^\*]+)\*\*", answer)[-3:][::-1]]
    for span in checked:
        if span == truth or _SPATIAL_NUMBERS.get(span) == truth:
            return span, 1.0
        if truth in ("tetrahedra", "tetrahedron", "triangle", "square") and truth in span \
                and len(span) < 2 * len(truth) + 5:
            return span, 1.0
    return (checked[0] if checked else ""), 0.0


# ---------------------------------------------------------------------------------------------------------------------
# Data analysis.
# ---------------------------------------------------------------------------------------------------------------------


def cta(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Column type annotation (`cta_process_results`): the last `\\boxed{}` if any, else the whole response, equals
    the truth once both are lower-cased and stripped of everything but word characters."""
    parsed = answer
    if "\\boxed{" in parsed:
        inside = remove_boxed(last_boxed(parsed))
        if inside is not None:
            parsed = inside.replace("\\text{", "").replace("}", "").replace("\\", "")

    def clean(text):
        return re.sub(r"[^\w]", "", text.lower().strip())
    return parsed.strip(), float(clean(ground_truth) == clean(parsed))


def _join_mapping(answer: str) -> dict:
    """The column mapping of a tablejoin answer (`clean_llm_output`): the last ```python block, else the last ```
    block, else the last `\\boxed{}` (newlines removed), else the whole text, read as a Python dict literal."""
    flat = answer.replace("\n", "")
    matches = re.findall(r"```python(.*?)```", flat) or re.findall(r"```(.*?)```", flat)
    if not matches and "\\boxed" in answer:
        inside = remove_boxed(last_boxed(flat))
        if inside is not None:
            matches = [re.sub(r"\\text{['|\"](.*?)['|\"]}", r"'\1'", inside).replace("\\", "")]
    value = _literal((matches or [answer])[-1])
    return value if isinstance(value, dict) else {}


def tablejoin(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Table join (`joinmap_process_results`): F1 of the predicted column mapping against the true one, rounded to two
    decimals (a wrong value counts as a false positive and a false negative)."""
    truth = ast.literal_eval(ground_truth)
    mapping = _join_mapping(answer)
    if not mapping:
        return "", 0.0
    tp = fp = fn = 0
    for key, value in mapping.items():
        expected = truth.get(key)
        if not expected:
            fp += 1
        elif expected == value:
            tp += 1
        else:
            fp += 1
            fn += 1
    fn += sum(1 for key in truth if not mapping.get(key))
    return repr(mapping), round(2 * tp / (2 * tp + fp + fn), 2)


def table_formats(question: str, version: str) -> tuple[str, str]:
    """(source format, target format) named by a tablereformat question (v1: "convert the Input Table from X format to
    Y format"; v2: "Source Format: X" / "Target Format: Y" lines)."""
    if version == "v1":
        request = question.split("Please convert the Input Table from ")[1]
        return request.split(" format")[0].lower(), request.split("format to ")[1].split(" format")[0].lower()
    lines = question.split("\n")
    source = [line for line in lines if "Source Format" in line][-1].split("Source Format: ")[1]
    target = [line for line in lines if "Target Format" in line][-1].split("Target Format: ")[1]
    return source.strip().lower(), target.strip().lower()


def read_table(kind: str, text: str, version: str):
    """A table in one of LiveBench's formats as a DataFrame (`read_df_func` for v1, `read_df_func_v2` for v2)."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "json":
            orients = ("index", "records", "records-lines", "table", "values") if version == "v1" \
                else ("table", "index", "records")
            for i, orient in enumerate(orients):
                try:
                    if orient == "records-lines":
                        return pd.read_json(StringIO(text), orient="records", lines=True)
                    return pd.read_json(StringIO(text), orient=orient)
                except Exception:
                    if i == len(orients) - 1:
                        if version == "v1":
                            raise
                        return None
        if kind == "jsonl":
            return pd.read_json(StringIO(text), orient="records", lines=True)
        if kind == "html":
            return pd.concat(pd.read_html(StringIO(text)), axis=0)
        if kind == "csv":
            return pd.read_csv(StringIO(text))
        if kind == "tsv":
            return pd.read_csv(StringIO(text), sep="\t")
        if kind == "markdown" and version == "v1":
            return pd.read_table(StringIO(text), sep="|", header=0, index_col=1, skipinitialspace=True)
        if kind == "markdown":
            lines = text.strip().split("\n")
            frame = pd.read_table(StringIO("\n".join(lines[:1] + lines[2:])), sep="|", header=0,
                                  skipinitialspace=True).iloc[:, 1:-1]
            for column in frame.columns:
                if not pd.api.types.is_numeric_dtype(frame[column]):
                    frame[column] = frame[column].astype(str).str.strip()
            return frame
    raise ValueError(f"unsupported table format {kind!r}")


def _table_text(answer: str) -> str:
    """The table a tablereformat answer gives (`clean_llm_output` and `remove_initial_phrase`)."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer, re.DOTALL)
    if solutions:
        return _table_text(solutions[-1].strip())
    for fence in ("json", "html"):
        blocks = re.findall(rf"```{fence}\n(.*?)```", answer, re.DOTALL)
        if blocks:
            return blocks[-1].strip()
    text = re.sub(r"^```.*\n", "", answer).replace("&amp;", "&").replace("```", "").strip()
    return re.sub(r"^\s*(Here|Input)\b.*?\b(format|table)\s*[:)]\s*", "", text, flags=re.IGNORECASE).strip()


def _table_after_header(text: str, header: str, sep: str):
    """A csv/tsv table starting at the line equal to its header, trailing lines dropped until it parses."""
    import pandas as pd

    lines = text.strip().split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() == header.strip()), None)
    if start is None:
        return None
    table = lines[start:]
    while table:
        try:
            return pd.read_csv(StringIO("\n".join(table)), sep=sep)
        except Exception:
            table = table[:-1]
    return None


def _table_from_json_lines(text: str, columns):
    import pandas as pd

    rows = []
    for line in text.strip().split("\n"):
        if len(line) < 2 or line[0] != "{" or line[-1] != "}" or not all(str(c) in line for c in columns):
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return pd.DataFrame(rows) if rows else None


def same_table(predicted, truth) -> bool:
    """LiveBench's `check_table_reformat`: same row count and column set (stripped names, an `index` column
    dropped), and every cell equal in order: numbers within 1e-6 (both NaN counts as equal), anything else by `==`
    after stripping strings. Any failure to compare is a mismatch."""
    import math

    import numpy as np

    def is_number(value):  # LiveBench: isinstance(value, float) or pandas' is_numeric_dtype(value)
        return isinstance(value, (float, np.number, np.bool_))

    try:
        truth.columns = [c.strip() for c in truth.columns]
        predicted.columns = [c.strip() for c in predicted.columns]
        truth = truth.drop(columns=["index"]) if "index" in truth.columns else truth
        predicted = predicted.drop(columns=["index"]) if "index" in predicted.columns else predicted
        if len(predicted) != len(truth) or sorted(predicted.columns) != sorted(truth.columns):
            return False
        for i in range(len(predicted)):
            for key in predicted.columns:
                given, expected = predicted.iloc[i][key], truth.iloc[i][key]
                given = given.strip() if isinstance(given, str) else given
                expected = expected.strip() if isinstance(expected, str) else expected
                if is_number(given) and is_number(expected):
                    given, expected = float(given), float(expected)
                    if math.isnan(given) and math.isnan(expected):
                        continue
                    if not abs(given - expected) < 1e-6:
                        return False
                elif not bool(given == expected):
                    return False
    except Exception:
        return False
    return True


def tablereformat(ground_truth: str, answer: str, question: str, version: str) -> tuple[str, float]:
    """Table reformatting (`table_process_results`): the answer's table (last <solution>, else last ```json/```html
    block, else the text less fences and an opening "Here is the table:" phrase) read in the target format must equal
    the ground truth's table (:func:`same_table`); csv/tsv/jsonl answers with text around the table are retried from
    the header line / the JSON lines."""
    target = table_formats(question, version)[1]
    truth = read_table(target, ground_truth, version)
    text = _table_text(answer)

    def from_text(sep: str):  # the table inside surrounding text: csv/tsv from its header line, jsonl by lines
        if target == "jsonl":
            return _table_from_json_lines(text, truth.columns)
        try:
            return _table_after_header(text, sep.join(truth.columns), sep)
        except TypeError:  # non-text column names have no header line
            return None

    try:
        predicted = read_table(target, text, version)
    except Exception:
        predicted = from_text("\t" if target == "tsv" else ",") if target in ("csv", "tsv", "jsonl") else None
        if predicted is None:
            return text, 0.0
    if predicted is not None and same_table(predicted, truth.copy()):
        return text, 1.0
    retried = from_text(",") if target in ("csv", "jsonl") else None
    return text, float(retried is not None and same_table(retried, truth.copy()))


# ---------------------------------------------------------------------------------------------------------------------
# Language.
# ---------------------------------------------------------------------------------------------------------------------


def _groups_of_four(words: list[str]) -> list[set[str]]:
    groups = [set()]
    for word in (w.strip().lower() for w in words):
        if len(groups[-1]) == 4:
            groups.append(set())
        groups[-1].add(word)
    return groups


def connections(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Connections, release 2024-11-25 on (`connections_process_results`): the words of the <solution> (several tags:
    the last ones; else the last `\\boxed{}`), grouped by four in order; the share of true groups found exactly."""
    truth_words = ground_truth.split(",")
    flat = answer.replace("\n", "")
    solutions = (re.findall(r"<solution>(.*?)</solution>", answer) or re.findall(r"<solution>(.*?)</solution>", flat)
                 or re.findall(r"</solution>(.*?)</solution>", answer)
                 or re.findall(r"</solution>(.*?)</solution>", flat))
    if not solutions and "\\boxed" in answer:
        inside = remove_boxed(last_boxed(answer))
        if inside is not None:
            solutions = [inside.replace("\\text{", "").replace("}", "").replace("\\", "")]
    solutions = [s.replace("\n", "") for s in solutions]
    if not solutions:
        return "", 0.0
    words = [w for s in solutions for w in s.split(",")][-len(truth_words):] if len(solutions) > 1 \
        else solutions[-1].split(",")
    truth_groups = _groups_of_four(truth_words)
    found = sum(group in truth_groups for group in _groups_of_four(words))
    return ",".join(words), found / len(truth_groups)


def connections_bold(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Connections, releases before 2024-11-25 (`connections_process_results_old`): over every **bold** span read as
    groups of four words, the best share of true groups contained in some group."""
    bold = re.findall(r"\*\*(.*?)\*\*", answer.replace("\n", ""))
    truth_groups = _groups_of_four(ground_truth.split(","))
    shares = [(sum(any(t <= g for g in _groups_of_four(span.split(","))) for t in truth_groups) / len(truth_groups),
               span) for span in bold]
    best = max(shares, key=lambda pair: pair[0], default=(0.0, ""))
    return best[1], best[0]


def typos(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Typos (`typos_process_results`): the last <solution> (else the text between ` --- ` markers, else all of it),
    its non-empty lines joined by spaces, contains the corrected text exactly."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer)
    if solutions:
        parsed = solutions[-1]
    else:
        parsed = answer.replace("<solution>", "").replace("</solution>", "")
        marked = re.search(r".* --- (.*?) --- .*", parsed)
        parsed = marked.group(1) if marked else parsed
    parsed = " ".join(filter(None, parsed.strip().split("\n")))
    return parsed, float(ground_truth in parsed)


def plot_unscrambling(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Plot unscrambling (`plot_unscrambling_process_results`): the text in <PLOT_SUMMARY> (or all of it) is split
    at full stops; each true sentence is matched to its closest answer sentence (`difflib.get_close_matches`); the
    score is 1 minus the edit distance between the true order and that order, over the number of true sentences."""
    summary = re.search(r"<PLOT_SUMMARY>(.*)</PLOT_SUMMARY>", answer, re.DOTALL) \
        or re.search(r"<PLOT_SUMMARY>(.*)", answer, re.DOTALL)
    text = summary.group(1) if summary else answer
    truth = [s for s in (s.strip() for s in ground_truth.split(".")) if s]
    given = [s for s in (s.strip() for s in text.split("."))
             if s and s not in ("</PLOT_SUMMARY>", "**End of Plot Summary**")]
    order = []
    for sentence in truth:
        closest = difflib.get_close_matches(sentence, given, n=1, cutoff=0.0)
        if closest:
            order.append(given.index(closest[0]))
    return text.strip(), 1 - levenshtein(list(range(len(truth))), order) / len(truth)


# ---------------------------------------------------------------------------------------------------------------------
# Coding (process_results/coding: LCB_generation_process_results).
# ---------------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------------
# Instruction following (process_results/instruction_following: strict IFEval results, score_results).
# ---------------------------------------------------------------------------------------------------------------------


def instruction_following_score(followed: list[bool]) -> float:
    """LiveBench's `score_results`: the mean of "all instructions followed" (0 or 1) and the fraction followed."""
    return (float(all(followed)) + sum(followed) / len(followed)) / 2


def score_instruction_following(answer: str, document: dict) -> tuple[str, float]:
    followed = ifeval.followed(answer, document["instruction_id_list"], document["kwargs"])
    verdicts = json.dumps([[instruction, verdict] for instruction, verdict in zip(document["instruction_id_list"],
                                                                                  followed)])
    return verdicts, instruction_following_score(followed)


def _instruction_following_question(row: dict, path: Path, record: str) -> tuple[dict, str]:
    """The instructions of a question with their checked arguments, and its target."""
    ids, kwargs = row.get("instruction_id_list"), row.get("kwargs")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise record_error("livebench", path, record, "field 'instruction_id_list': missing, empty or not strings")
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise record_error("livebench", path, record,
                           f"field 'kwargs': expected a list of {len(ids)} argument entries, one per instruction")
    arguments = []
    for index, (instruction, given) in enumerate(zip(ids, kwargs)):
        if instruction not in ifeval.INSTRUCTIONS:
            raise EvalError(f"benchmark 'livebench': {path}: record {record}: instruction {instruction!r} has no "
                            f"checker here; supported: {', '.join(ifeval.INSTRUCTIONS)}")
        if ifeval.INSTRUCTIONS[instruction].needs_langdetect and not ifeval.langdetect_available():
            raise EvalError(f"benchmark 'livebench': {path}: record {record}: instruction {instruction!r} detects "
                            "the response language with langdetect, as IFEval does, and langdetect is not "
                            "installed: pip install langdetect")
        try:
            arguments.append(ifeval.instruction_arguments(instruction, given if isinstance(given, dict) else None))
        except ValueError as error:
            raise record_error("livebench", path, record, f"field 'kwargs'[{index}]: {error}") from None
    return {"instruction_id_list": ids, "kwargs": arguments}, "follows: " + ", ".join(ids)


# ---------------------------------------------------------------------------------------------------------------------
# Dispatch, loading, aggregation.
# ---------------------------------------------------------------------------------------------------------------------

RULES: dict[str, Callable[[str, str, str], tuple[str, float]]] = {
    "math_contest": math_contest, "aime": aime, "olympiad": olympiad, "amps_hard": amps_hard,
    "web_of_lies_v2": web_of_lies_v2, "web_of_lies_v3": web_of_lies_v3, "house_traversal": house_traversal,
    "zebra_puzzle": zebra_puzzle, "zebra_puzzle_bold": zebra_puzzle_bold, "spatial": spatial,
    "cta": cta, "tablejoin": tablejoin,
    "tablereformat_v1": lambda gt, answer, question: tablereformat(gt, answer, question, "v1"),
    "tablereformat_v2": lambda gt, answer, question: tablereformat(gt, answer, question, "v2"),
    "connections": connections, "connections_bold": connections_bold, "typos": typos,
    "plot_unscrambling": plot_unscrambling,
}


def task_rule(task: str, subtask: str | None, release_date: str) -> str | None:
    """The rule that scores a question, as `gen_ground_truth_judgment.py` dispatches on the subtask (else the task)
    and, for zebra_puzzle, connections and tablereformat, on the question's release date; None if none applies."""
    key = subtask or task
    parts = key.split("_")
    if parts[0] in ("amc", "smc") or (len(parts) > 1 and parts[1] == "amc"):
        return "math_contest"
    if parts[0] == "aime":
        return "aime"
    if parts[0] in ("imo", "usamo"):
        return "olympiad"
    if key in ("cta", "tablejoin"):
        return key
    if key == "tablereformat":
        return "tablereformat_v2" if release_date >= "2025-04-25" else "tablereformat_v1"
    if "amps_hard" in key or "amps_hard" in task:
        return "amps_hard"
    if key in ("web_of_lies_v2", "web_of_lies_v3", "house_traversal", "spatial", "typos", "plot_unscrambling"):
        return key
    if "zebra_puzzle" in key:
        return "zebra_puzzle" if release_date >= "2024-11-25" else "zebra_puzzle_bold"
    if key == "connections":
        return "connections" if release_date >= "2024-11-25" else "connections_bold"
    return None


def _date(value) -> str:
    """A release/removal date as YYYY-MM-DD ("" for none): Parquet timestamps and strings alike."""
    if value is None:
        return ""
    return (value.isoformat() if hasattr(value, "isoformat") else str(value)).strip()[:10]


def _html_tables_readable() -> bool:
    return importlib.util.find_spec("lxml") is not None or (
        importlib.util.find_spec("bs4") is not None and importlib.util.find_spec("html5lib") is not None)


def _check_ground_truth(rule: str, ground_truth: str, question: str, path: Path, record: str) -> None:
    """Refuse a record its rule could not score, as LiveBench's scorer would fail on it."""
    def bad(problem):
        return record_error("livebench", path, record, problem)
    if rule == "math_contest" and not (len(ground_truth) == 1 and "A" <= ground_truth <= "E"):
        raise bad(f"field 'ground_truth': {ground_truth!r}; an AMC/SMC answer is one letter A-E")
    if rule == "olympiad" and not re.fullmatch(r"\s*\d+\s*(,\s*\d+\s*)*", ground_truth):
        raise bad(f"field 'ground_truth': {ground_truth[:60]!r}; expected comma-separated expression numbers")
    if rule == "tablejoin" and not isinstance(_literal(ground_truth), dict):
        raise bad("field 'ground_truth': not a Python dict literal of the column mapping")
    if rule.startswith("tablereformat"):
        version = rule.rsplit("_", 1)[1]
        try:
            target = table_formats(question, version)[1]
        except IndexError:
            raise bad("field 'turns': the question names no source/target table format") from None
        if target not in TABLE_FORMATS:
            raise bad(f"field 'turns': unknown target table format {target!r}; expected one of {TABLE_FORMATS}")
        if target == "html" and not _html_tables_readable():
            raise EvalError(f"benchmark 'livebench': {path}: record {record}: the answer is an HTML table, which "
                            "LiveBench reads with pandas.read_html; install lxml (pip install lxml) to score it")


def _question(row: dict, path: Path, category: str) -> tuple[dict, str] | None:
    """One question as (the scorer's document, the target), or None when it is not part of release `RELEASE`."""
    record = str(row.get("question_id") or "?")
    if not isinstance(row.get("question_id"), str) or not row["question_id"]:
        raise record_error("livebench", path, record, "field 'question_id': missing or empty")
    released, removed = _date(row.get("livebench_release_date")), _date(row.get("livebench_removal_date"))
    if not released:
        raise record_error("livebench", path, record, "field 'livebench_release_date': missing")
    if released > RELEASE or (removed and removed <= RELEASE):
        return None
    if row.get("category") != category:
        raise record_error("livebench", path, record,
                           f"field 'category': {row.get('category')!r} in the {category}/ folder")
    turns = row.get("turns")
    if not isinstance(turns, list) or len(turns) != 1 or not isinstance(turns[0], str) or not turns[0].strip():
        raise record_error("livebench", path, record, "field 'turns': expected one non-empty question turn")
    if not isinstance(row.get("task"), str) or not row["task"].strip():
        raise record_error("livebench", path, record, "field 'task': missing or empty")
    common = {"question_id": row["question_id"], "category": category, "task": row["task"],
              "release_date": released, "question": turns[0]}
    if category == "instruction_following":
        fields, target = _instruction_following_question(row, path, record)
        return {**common, "subtask": None, "rule": "instruction_following", **fields}, target
    subtask = row.get("subtask") or None
    if category == "coding":
        rule = "coding" if row["task"] in CODING_TASKS else None
    else:
        rule = task_rule(row["task"], subtask, released)
    if rule is None:
        raise EvalError(f"benchmark 'livebench': {path}: record {record}: task {subtask or row['task']!r} "
                        f"(release {released}) has no rule-based scorer here; supported: {', '.join(SUPPORTED_TASKS)}")
    if rule == "coding":
        fields, target = _coding_question(row, path, record)
        return {**common, "subtask": subtask, "rule": rule, **fields}, target
    if not isinstance(row.get("ground_truth"), str) or not row["ground_truth"].strip():
        raise record_error("livebench", path, record, "field 'ground_truth': missing or empty")
    _check_ground_truth(rule, row["ground_truth"], turns[0], path, record)
    return {**common, "subtask": subtask, "rule": rule, "ground_truth": row["ground_truth"]}, row["ground_truth"]


def _category_files(data_dir: Path, category: str) -> list[Path]:
    return sorted((data_dir / "livebench" / category / "data").glob("test-*.parquet"))


def _livebench_files(data_dir: Path) -> list[Path]:
    return [path for category in CATEGORIES for path in _category_files(data_dir, category)]


def _livebench_docs(data_dir: Path):
    for category in CATEGORIES:
        for path in _category_files(data_dir, category):
            for row in parquet_rows(path):
                question = _question(row, path, category)
                if question is not None:
                    document, target = question
                    yield Doc(document["question_id"], [{"role": "user", "content": document["question"]}], target,
                              document)


def load_livebench(data_dir: Path, limit: int | None) -> list[Doc]:
    if not all(_category_files(data_dir, category) for category in CATEGORIES):
        raise EvalError(missing_message(LIVEBENCH, data_dir))
    docs = list(itertools.islice(_livebench_docs(data_dir), limit))
    if any(doc.document["rule"] == "coding" for doc in docs):
        sandbox.isolation()  # a machine that cannot run untrusted code safely says so now, before any generation
    return docs


def score_livebench(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """The question's LiveBench rule (:func:`task_rule`, :data:`RULES`, or the coding and instruction_following
    scorers) on the response after `<think>` removal, a score in [0, 1] (partial credit for olympiad, zebra_puzzle,
    web_of_lies_v3, tablejoin, connections, plot_unscrambling and instruction_following)."""
    document, answer = doc.document, strip_think(response)
    if document["rule"] == "coding":
        extracted, value = score_coding(answer, document)
    elif document["rule"] == "instruction_following":
        extracted, value = score_instruction_following(answer.strip(), document)  # LiveBench strips the answer
    else:
        extracted, value = RULES[document["rule"]](document["ground_truth"], answer, document["question"])
    return extracted, {"score": float(value)}


def aggregate_livebench(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """LiveBench's summary: task = mean over its questions, category = mean over its tasks, `average` = mean over
    the categories present (all six on a full run); every category and every task (`category/task`) is reported
    too."""
    by_task: dict[tuple[str, str], list[float]] = defaultdict(list)
    for doc, score in zip(docs, scores):
        by_task[(doc.document["category"], doc.document["task"])].append(score["score"])
    tasks = {key: sum(values) / len(values) for key, values in sorted(by_task.items())}
    by_category: dict[str, list[float]] = defaultdict(list)
    for (category, _), value in tasks.items():
        by_category[category].append(value)
    categories = {c: sum(by_category[c]) / len(by_category[c]) for c in CATEGORIES if c in by_category}
    return {"average": sum(categories.values()) / len(categories), **categories,
            **{f"{category}/{task}": value for (category, task), value in tasks.items()}}


LIVEBENCH = Benchmark(
    "livebench", ("average",) + CATEGORIES,
    layout="livebench/{math,reasoning,data_analysis,language,coding,instruction_following}/data/test-*.parquet "
           "(each the Hugging Face dataset livebench/<category> as downloaded)",
    source="https://huggingface.co/datasets/livebench (for each category: huggingface-cli download --repo-type "
           "dataset livebench/<category> --local-dir DATA_DIR/livebench/<category>)",
    load=load_livebench, score=score_livebench, files=_livebench_files, aggregate=aggregate_livebench,
    max_new_tokens=4096)

BENCHMARKS = [LIVEBENCH]
