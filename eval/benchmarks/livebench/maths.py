"""LiveBench's math category: AMC/SMC, AIME, olympiad proof rearrangement (IMO, USAMO) and AMPS_Hard.

Each rule scores as LiveBench's own (`livebench/process_results/math/`, commit b0fb577), case for case on
tests/eval/official/livebench_math_reasoning_verdicts.json; where LiveBench's scorer raises (a last `\\boxed` that
its `remove_boxed` refuses, an `int()` of a digit Python refuses) the response scores 0, as LiveBench records an
eval_error. Deliberate change: AMPS_Hard decides equivalence with `math-verify` plus LiveBench's 0.001 tolerance,
where LiveBench parses with sympy's lark `parse_latex` (`latex2sympy2` as fallback), compares by `simplify` with that
tolerance and, where sympy finds no equality, asks gpt-5-mini whether the two are "equivalent or negatives of each
other" (and raises without an OpenAI key).
"""

from __future__ import annotations

import re
import threading
from typing import Callable

from eval.benchmarks.livebench.extraction import box_raises, boxed_inside
from eval.benchmarks.maths import math_equal
from eval.metrics import levenshtein


def _amc_option_value(question: str, letter: str) -> str:
    """The text of option `letter` in an AMC statement (`\\textbf{(B) }42\\qquad`); "FAILURE" when absent."""
    options = dict(re.findall(r"\\textbf{\(([A-E])\)\s?}(.*?)(?:\\qquad|\$)", question))
    value = (options.get(letter) or "").strip() or "FAILURE"
    return value.strip().strip("$").strip("~")


def _solution_repeats(ground_truth: str, answer: str) -> str | None:
    """The last <solution> when it holds only the ground truth's character, any case, any number of times."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer)
    if solutions and len(set(solutions[-1])) == 1 and solutions[-1][0].lower() == ground_truth.lower():
        return solutions[-1]
    return None


def math_contest(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """AMC/SMC (`mathcontest_process_results`): right when the last <solution> holds only the letter (any case, any
    repetition), or the letter appears four times in a row (the prompt asks for it five times), or the last
    `\\boxed{}` holds it, or the option's value appears in the last 20 + len(value) characters, or the last line is
    the letter (bold or not, any case), or the first parentheses of the last line hold it (any case). A last box
    LiveBench cannot read (:func:`box_raises`) scores 0 when no earlier check succeeded."""
    solution = _solution_repeats(ground_truth, answer)
    if solution is not None:
        return solution, 1.0
    if ground_truth * 4 in answer:
        return ground_truth * 4, 1.0
    answer = answer.replace("\\\\fbox{", "\\\\boxed{")
    if box_raises(answer):
        return "", 0.0
    inside = boxed_inside(answer)
    parsed = "" if inside is None else inside.replace("\\text{", "").replace("}", "").replace("\\", "").lower()
    if parsed and parsed == ground_truth.lower():
        return parsed, 1.0
    value = _amc_option_value(question, ground_truth)
    if value in answer[-(20 + len(value)):]:
        return value, 1.0
    last_line = answer.strip().split("\n")[-1]
    if last_line.strip().replace("*", "").lower() == ground_truth.lower():
        return last_line.strip(), 1.0
    if "(" in last_line and ")" in last_line and last_line.split("(")[1].split(")")[0].lower() == ground_truth.lower():
        return last_line.split("(")[1].split(")")[0], 1.0
    return parsed, 0.0


def aime(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """AIME (`aime_process_results`): right when the last <solution> holds only the answer's character (a one-digit
    answer, any number of times), or the answer appears in the response's last 50 characters."""
    solution = _solution_repeats(ground_truth, answer)
    if solution is not None:
        return solution, 1.0
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
    numbers after the last `answer:` up to the first one with trailing text. Raises ValueError where LiveBench's
    extraction raises: a last box it cannot read (:func:`box_raises`), or in that last step a run of digits Python's
    `int()` refuses (a superscript; the subscript ``₂`` alone is skipped)."""
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
        if box_raises(generation):
            raise ValueError("the last \\boxed opens no brace")
        inside = boxed_inside(generation)
        text = (generation if inside is None else inside).replace("\\text{", "").replace("}", "").replace("\\", "")
        numbers = _integers(text.strip().split(","), str.strip)
    if numbers is None:
        last_line = generation.strip().lower().split("\n")[-1]
        numbers = _integers(last_line.strip().split(","), lambda p: _digits_run(p)[0].strip() or None)
    if numbers is None:
        numbers = []
        for i, piece in enumerate(k.strip() for k in lower.split("answer:")[-1].split(",")):
            digits, dropped = _digits_run(piece)
            if digits and digits != "₂":
                numbers.append(int(digits))  # raises on a digit Python's int() refuses (a superscript), as LiveBench
            if i > 0 and dropped > 0:
                break
    return numbers


def olympiad(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """IMO/USAMO proof completion (`proof_rearrangement_process_results` with `edit_distance=True`): 1 minus the edit
    distance between the listed expression numbers and the true order, over the longer of the two lengths; 0 where
    the extraction raises (:func:`olympiad_completions`)."""
    truth = [int(n) for n in ground_truth.split(",")]
    try:
        completions = olympiad_completions(answer)
    except ValueError:
        return "", 0.0
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


def within_tolerance(answer: str, gold: str) -> bool:
    """LiveBench's numeric tolerance for AMPS_Hard: both parse (math-verify's LaTeX parser) and the difference
    simplifies to a number under 0.001 in absolute value (`\\boxed{-11.9999}` for -12, `5\\cos(5x) + 0.0001` for
    `5 \\cos (5 x)`). False on a parse failure or after 5 s of simplification."""
    import sympy
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse
    from math_verify.utils import timeout

    seconds = 5 if threading.current_thread() is threading.main_thread() else None  # SIGALRM: main thread only
    extraction = [LatexExtractionConfig(), ExprExtractionConfig()]

    def expression(text: str):
        parsed = parse(f"${text}$", extraction_config=extraction, parsing_timeout=seconds)
        return parsed[0] if parsed and isinstance(parsed[0], sympy.Expr) else None

    @timeout(seconds)
    def small_difference(first, second) -> bool:
        difference = sympy.simplify(first - second)
        return bool(difference.is_number and sympy.Abs(difference) < 0.001)

    try:
        first, second = expression(gold), expression(answer)
        return first is not None and second is not None and small_difference(first, second)
    except Exception:  # noqa: BLE001 - a comparison sympy cannot make is no match, as in LiveBench's is_equiv
        return False


def amps_hard(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """AMPS_Hard (`amps_hard_process_results`): the response loses `+C`, `\\left`/`\\right`, spacing commands and
    newlines (`\\dfrac`/`\\tfrac` become `\\frac`, `\\cdot` becomes `*`); its answer is the last `\\boxed{}`, else the
    last `$...$` of the text (the part after its last `=`), Minerva-normalised, and is right when `math-verify`
    finds it equal to the ground truth or within LiveBench's 0.001 (:func:`within_tolerance`; the deliberate change
    of the module docstring). With neither, right when the response ends with the ground truth. A last box LiveBench
    cannot read (:func:`box_raises`) scores 0."""
    for old, new in _AMPS_REPLACEMENTS:
        answer = answer.replace(old, new)
    gold = ground_truth.replace("\\left", "").replace("\\right", "").replace(" ^", "^").replace("\\ ", "*")
    if box_raises(answer):
        return "", 0.0
    parsed = None
    inside = boxed_inside(answer)
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
        return parsed, float(math_equal(parsed, gold) or within_tolerance(parsed, gold))
    answer = answer[:-1] if answer.endswith(".") else answer
    return (gold, 1.0) if answer.endswith(gold) else ("", 0.0)


# `--scoring lenient`: rule name -> the project's departure from LiveBench's rule (none kept here)
LENIENT: dict = {}
