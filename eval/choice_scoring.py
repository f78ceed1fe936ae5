"""Scoring of the answers the vision question-answering benchmarks (eval/benchmarks/choice.py) cannot score by a
single option letter (:func:`eval.extract.extract_choice` scores those): the free-form rule
(:func:`open_answer_correct`, MMMU's open-answer rule, with :func:`parse_answer_list` for an answer field that lists
several accepted answers) and the option sets of LogicVista's several-option questions (:func:`choice_labels`)."""

from __future__ import annotations

import ast
import math
import re

from dopd_vl.records import last_boxed
from eval.metrics import strip_think

# ---------------------------------------------------------------------------------------------------------------------
# The free-form rule.
# ---------------------------------------------------------------------------------------------------------------------

_INDICATORS = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ")
_TRIVIAL = {"", ":", ",", ".", "!", "?", ";", "'"}
_NUMBER = re.compile(r"(?<![\d.])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)(?![\d])")
_FRACTION = re.compile(r"\\[dt]?frac\{\s*(-?\d+(?:\.\d+)?)\s*\}\{\s*(-?\d+(?:\.\d+)?)\s*\}")
_LATEX_WRAPPERS = re.compile(r"\\(?:text|mathrm|textbf|mbox)\{([^{}]*)\}")
_LATEX_NOISE = ("$", "\\left", "\\right", "\\,", "\\!", "\\;", "^{\\circ}", "^\\circ", "°")


def _clean_latex(text: str) -> str:
    """Numeric ``\\frac{a}{b}`` as its value, ``\\text{x}`` as x, and math-mode decoration removed."""
    text = _FRACTION.sub(lambda m: repr(float(m.group(1)) / float(m.group(2))) if float(m.group(2)) else m.group(0),
                         text)
    text = _LATEX_WRAPPERS.sub(r"\1", text)
    for noise in _LATEX_NOISE:
        text = text.replace(noise, "")
    return text.replace("\\%", "%")


def _as_number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _normalized(text: str) -> list[float | str]:
    """A number rounded to two decimals, or the lower-cased string (one character padded by a space, either side)."""
    text = text.strip()
    value = _as_number(text)
    if value is not None:
        return [round(value, 2)]
    text = text.lower()
    return [" " + text, text + " "] if len(text) == 1 else [text]


def _key_answers(response: str) -> list[str]:
    """The parts of a response that state its answer: the last ``\\boxed{}``, else MMMU's key sub-responses."""
    boxed = last_boxed(response)
    if boxed is not None:
        return [_clean_latex(boxed).strip().lower()]
    text = _clean_latex(response).strip().strip(".")
    sentences = [s.lower() for s in re.split(r"\.\s+(?=[A-Z])|\n", text)]
    keys = []
    for index, sentence in enumerate(sentences):
        indicators = _INDICATORS + (("=",) if index == len(sentences) - 1 else ())
        tails = [sentence.split(indicator)[-1].strip() for indicator in indicators if indicator in sentence]
        shortest = min(tails, key=len) if tails else None
        if shortest is not None and shortest not in _TRIVIAL:
            keys.append(shortest)
    return keys or [text.lower()]


def parse_answer_list(answer: str) -> list[str]:
    """An answer field as its list of accepted answers: ``"['1.5', '3/2']"`` is two, anything else one."""
    answer = str(answer).strip()
    if answer.startswith("[") and answer.endswith("]"):
        try:
            parsed = ast.literal_eval(answer)
        except (ValueError, SyntaxError):
            return [answer]
        if isinstance(parsed, list) and parsed:
            return [str(a) for a in parsed]
    return [answer]


def open_answer_correct(response: str | None, answers: str | list[str]) -> tuple[str, bool]:
    """(the answer read from the response, whether it matches one of ``answers``): the free-form rule.

    Reference: MMMU's open-question evaluation (Yue et al. 2024, ``eval_utils.parse_open_response`` and
    ``eval_open``), which MathVision's ``is_equal`` also approximates (numbers equal to two decimals).

    1. Reasoning is removed (:func:`eval.metrics.strip_think`).
    2. The answer parts: the content of the last ``\\boxed{...}`` if there is one; otherwise the response is split
       into lines and sentences, and from each the shortest tail after ``could be``, ``so``, ``is``, ``thus``,
       ``therefore``, ``final``, ``answer``, ``result`` (and ``=`` in the last sentence) is kept; with no such tail,
       the whole response. Numeric ``\\frac{a}{b}`` becomes its value; ``$``, ``\\left``, ``\\right``, degree signs
       and ``\\text{}`` wrappers are dropped (from the answers too).
    3. Predictions: each answer part, and every number in it (``1,234``, ``-0.5``, ``3e8``).
    4. Normalisation: a number is rounded to two decimals; a string is lower-cased (a one-character answer is
       padded with a space on one side, so ``"b"`` does not match inside ``"abc"``).
    5. Right when a numeric prediction equals a numeric answer, or a string answer occurs inside a string
       prediction (the prediction padded with a space either side). An empty response is wrong.
    """
    answers = [answers] if isinstance(answers, str) else list(answers)
    text = strip_think(response).strip()
    if not text:
        return "", False
    keys = _key_answers(text)
    predictions: set[float | str] = set()
    for key in keys:
        predictions.update(_normalized(key))
        for number in _NUMBER.findall(key):
            predictions.update(_normalized(number))
    golds = [g for answer in answers for g in _normalized(_clean_latex(answer))]
    correct = any(p in golds if isinstance(p, float) else
                  any(isinstance(g, str) and g.strip() and g in f" {p} " for g in golds)
                  for p in predictions)
    return " | ".join(keys), correct


# ---------------------------------------------------------------------------------------------------------------------
# LogicVista's option sets.
# ---------------------------------------------------------------------------------------------------------------------

_LABEL_CUE = re.compile(r"(?<![A-Za-z])(?:answers?|options?|choices?)(?![A-Za-z])"
                        r"(?:\s+(?:is|are|would\s+be|should\s+be))?\s*[:=]?", re.IGNORECASE)
_LETTER_LABEL = re.compile(r"(?<![A-Za-z0-9'’])([A-J])(?![A-Za-z0-9'’])")
_DIGIT_LABEL = re.compile(r"(?<![\d.])([1-9]\d?)(?!\d|\.\d)")
_SENTENCE_END = re.compile(r"(?<=\S)\.(?:\s|$)|\n")


def choice_labels(response: str | None, numbered: bool = False) -> frozenset[str]:
    """The set of option labels a response gives as its answer (for LogicVista's several-option questions).

    The answer segment: the content of the last ``\\boxed{}``; else the text after the last ``answer`` cue (or, with
    none, the last ``option`` / ``choice`` cue; each optionally followed by ``is`` / ``are`` and ``:``) up to the end
    of its sentence; else the last non-empty line. Labels in it: standalone capitals A-J (``A`` or ``I`` followed
    by a lower-case word other than ``and`` / ``or`` read as English), or with ``numbered`` standalone numbers 1-99.
    Markdown ``*`` is ignored.
    """
    text = strip_think(response).replace("*", "").strip()
    segment = last_boxed(text)
    if segment is None:
        cues = list(_LABEL_CUE.finditer(text))
        cues = [c for c in cues if c.group(0).lower().startswith("answer")] or cues
        if cues:
            segment = _SENTENCE_END.split(text[cues[-1].end():].lstrip(), maxsplit=1)[0]
        else:
            lines = [line for line in text.splitlines() if line.strip()]
            segment = lines[-1] if lines else ""
    if numbered:
        return frozenset(_DIGIT_LABEL.findall(segment))
    return frozenset(m.group(1) for m in _LETTER_LABEL.finditer(segment)
                     if not (m.group(1) in "AI" and re.match(r"\s+(?!and\b|or\b)[a-z]", segment[m.end():])))
