"""LiveBench's reasoning category: web of lies (v2, v3), house traversal, zebra puzzles and spatial.

Each rule scores as LiveBench's own (`livebench/process_results/reasoning/`, commit b0fb577), case for case on
tests/eval/official/livebench_math_reasoning_verdicts.json; where LiveBench's scorer raises (a last `\\boxed` that
its `remove_boxed` refuses, :func:`~eval.benchmarks.livebench.extraction.box_raises`) the response scores 0, as
LiveBench records an eval_error. No deliberate changes.
"""

from __future__ import annotations

import itertools
import re

from eval.benchmarks.livebench.extraction import _solutions, box_raises, boxed_inside


_TRUTH_VALUES = ("yes", "no", "unknown")


def _last_truth_triple(text: str) -> str | None:
    """The last "a, b, c" of yes/no/unknown words in the text."""
    lower, best, best_at = text.lower(), None, -1
    for triple in itertools.product(_TRUTH_VALUES, repeat=3):
        at = lower.find(", ".join(triple))
        if at > best_at:
            best, best_at = ", ".join(triple), at
    return best


def _truth_box_text(answer: str) -> str:
    """The response as web of lies reads its last box: `\\textbf{` counts as `\\boxed{`."""
    return (answer.replace("\\\\boxed{\\\\textbf{", "\\\\boxed{").replace("\\\\fbox{", "\\\\boxed{")
            .replace("\\textbf{", "\\boxed{"))


def web_of_lies_v2(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Web of lies v2 (`web_of_lies_process_results`): the last <solution>; else the last three yes/no/unknown words
    in **bold**; else (also for an empty <solution>) the last `\\boxed{}`/`\\textbf{}`, even an empty one; else the
    last "yes, no, unknown"-style triple. Right when it equals the lower-cased ground truth, or names three truth
    values and contains the ground truth."""
    solutions = _solutions(answer)
    parsed = solutions[-1] if solutions else None
    bold = re.findall(r"\*\*(.*?)\*\*", answer)
    if parsed is None and bold:
        words = [w.lower().strip().replace(",", "").replace(".", "") for match in bold for w in match.split()]
        picked = [w for w in words if w in _TRUTH_VALUES][-3:]
        parsed = ", ".join(picked) if picked else None
    if parsed is None or parsed.strip() == "":
        text = _truth_box_text(answer)
        if box_raises(text):
            return "", 0.0
        inside = boxed_inside(text)
        parsed = parsed if inside is None else inside
    if parsed is None:
        parsed = _last_truth_triple(answer)
    if not parsed:
        return "", 0.0
    if parsed == ground_truth.lower():
        return parsed, 1.0
    named = parsed.count("yes") + parsed.count("no") + parsed.count("unknown")
    return parsed, float(named == 3 and ground_truth.lower() in parsed)


def web_of_lies_v3(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Web of lies v3 (`web_of_lies_v3_process_results`): the last <solution>; else (also for an empty one) the last
    `\\boxed{}`/`\\textbf{}`, even an empty one, without `\\text{` and `}`; else the last truth-value triple; each
    comma-separated item compared in order, exactly; score (all right + share right) / 2."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer)
    parsed = solutions[-1] if solutions else None
    if parsed is None or parsed.strip() == "":
        text = _truth_box_text(answer)
        if box_raises(text):
            return "", 0.0
        inside = boxed_inside(text)
        parsed = parsed if inside is None else inside.replace("\\text{", "").replace("}", "")
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
    several tags, the last ones), else of the last `\\boxed{}` (0 for one LiveBench cannot read), else of a last line
    with the right number of commas; an item is right when the (lower-cased, hyphens as spaces) truth equals or
    appears in it ("position" removed); score (all right + share right) / 2."""
    truth = ground_truth.split(",")
    solutions = _solutions(answer)
    if not solutions:
        answer = answer.replace("\\\\fbox{", "\\\\boxed{")
        if box_raises(answer):
            return "", 0.0
        inside = boxed_inside(answer)
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
    """Spatial (`spatial_process_results`): the whole response is the truth; or one of the last three **bold** spans
    equals the truth or its number word (both stripped, any case); for a truth of tetrahedra/tetrahedron/triangle/
    square, a short span containing it also counts; or the last `\\boxed{}`, without `\\textbf{`, `\\mathbf{`,
    `\\text{` and `}`, is exactly the truth."""
    if answer == ground_truth:
        return answer, 1.0
    truth = ground_truth.strip().lower()
    checked = [span.strip().lower() for span in re.findall(r"\*\*([^\*]+)\*\*", answer)[-3:][::-1]]
    for span in checked:
        if span == truth or _SPATIAL_NUMBERS.get(span) == truth:
            return span, 1.0
        if truth in ("tetrahedra", "tetrahedron", "triangle", "square") and truth in span \
                and len(span) < 2 * len(truth) + 5:
            return span, 1.0
    text = answer.replace("\\\\fbox{", "\\\\boxed{")
    inside = None if box_raises(text) else boxed_inside(text)  # LiveBench raises on that box: 0 either way
    if inside is not None:
        for command in ("\\textbf{", "\\mathbf{", "\\text{", "}"):
            inside = inside.replace(command, "")
        if inside == ground_truth:
            return inside, 1.0
    return (checked[0] if checked else ""), 0.0


# `--scoring lenient`: rule name -> the project's departure from LiveBench's rule (none kept here)
LENIENT: dict = {}
