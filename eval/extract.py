"""The project's own multiple-choice answer extraction: the ``--scoring lenient`` rule of RealWorldQA, MMStar,
MathVision, DynaMath, LogicVista, MMMU and MMMU-Pro (whose default scorers are the benchmarks' own parsers, in
:mod:`eval.choice_scoring`), and the rule of C-Eval and VSI-Bench multiple choice. One documented, deterministic rule,
never a random guess; more forgiving than the official parsers (a lowercase letter alone, ``**B**``, ``B)``,
``\\boxed{B}``, ``[B]`` and the option's text count here).

The rule, in order (see :func:`extract_choice`):

0. Reasoning is removed first (``<think>...</think>``; see :func:`eval.metrics.strip_think`); where the response
   holds ``<answer>...</answer>`` blocks, the last block's content is the response; ``*`` (Markdown bold) is dropped.
1. **The whole answer is a letter**: ``"B"``, ``"b"``, ``"(B)"``, ``"[B]"``, ``"B."``, ``"B)"``, ``"**B**"`` -> that
   letter (the only place a lowercase letter counts).
2. **Standalone option letters** are collected, uppercase and in the option range only, in these forms:
   - after an *answer cue* (``answer``, or ``correct`` / ``right`` / ``best`` / ``final`` + ``option`` / ``choice``,
     optionally ``is`` / ``would be`` / ``should be`` and ``:`` or ``=``): ``"Answer: B"``, ``"the answer is (B)"``,
     ``"the correct option is B because ..."``; a bare ``option A`` / ``choice A`` is no cue (``"B\nOption A is
     incorrect"`` answers B);
   - in brackets anywhere, not glued to a word: ``"(B)"``, ``"[B]"``, ``"{B}"`` (so ``\\boxed{B}`` counts, ``f(B)`` does
     not);
   - at the start of a line followed by ``.``, ``)`` or ``:``: ``"B. 42"``, ``"B) the dog"``;
   - the first word of the answer: ``"B is correct"``; except ``A`` and ``I`` followed by a lowercase word other than
     ``or`` / ``and``, which read as the English article / pronoun (``"A dog."``, ``"I think ..."``);
   - the last word of the answer: ``"Therefore, B."``.
   A bare capital letter inside a sentence (``"vitamin C"``, ``"from A to B"`` before the end) does not count.
   If exactly one distinct letter was collected -> that letter. If several different letters were collected ->
   the **last** letter stated after an answer cue if there is one (``"A) is wrong; the answer is B"`` -> B,
   ``"Answer: A. Wait, the answer is C"`` -> C), where the last word of the response, after the last cue and not
   after ``not`` / ``than`` / ``or`` / ``and`` / a comma, counts as a correction (``"The answer is A. Wait, no, it is
   B."`` -> B; ``"The answer is B, not A."`` -> B); with no cue -> None: a response that names several options without
   saying which is its answer is wrong (``"A or B"``).
3. **Unique option text**: when no letter was collected, the option whose text appears in the answer
   (case-insensitive, whitespace collapsed, not glued to letters or digits: option ``"2"`` does not appear in
   ``"12"``) -> its letter, if exactly one option appears. An occurrence lying inside an occurrence of a longer option
   is ignored (``"dark red"`` matches option ``"dark red"``, not also ``"red"``). Zero or several options -> None.
4. Otherwise None (scored wrong).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence

from dopd_vl.records import last_boxed  # re-exported: the one box rule, shared with the data builders
from eval.metrics import strip_think

__all__ = ["extract_choice", "last_boxed", "option_letters"]

_CUE = re.compile(
    r"(?:(?<![A-Za-z])answers?|(?<![A-Za-z])(?:correct|right|best|final)\s+(?:option|choice)s?)(?![A-Za-z])"
    r"(?:\s+(?:is|would\s+be|should\s+be|will\s+be))?"
    r"\s*[:=]?\s*[\(\[\{]?\s*([A-Z])\s*[\)\]\}]?(?![A-Za-z0-9'’])",
    re.IGNORECASE,
)
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_NOT_BEFORE = re.compile(r"(?:\b(?:not|nor|than|or|and|vs|versus)\s*|[,;]\s*)$", re.IGNORECASE)
_BRACKETED = re.compile(r"(?<![A-Za-z0-9])(?:\(\s*([A-Z])\s*\)|\[\s*([A-Z])\s*\]|\{\s*([A-Z])\s*\})")
_LINE_START = re.compile(r"^[ \t>#\-]*([A-Z])[.):](?=\s|$)", re.MULTILINE)
_FIRST_WORD = re.compile(r"^\W*?([A-Z])(?![A-Za-z0-9'’])")
_LAST_WORD = re.compile(r"(?<![A-Za-z0-9'’.])([A-Z])[\s.!:)\]}\"']*$")
_WHOLE = re.compile(r"^\s*[\(\[\{]?\s*([A-Za-z])\s*[\)\]\}]?\s*[.:)]?\s*$")


def option_letters(options: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """``{letter: text}``: a list gets letters A, B, C, ... by position; a dict keeps its letters (uppercased)."""
    if isinstance(options, Mapping):
        return {str(k).strip().upper(): str(v) for k, v in options.items()}
    if len(options) > 26:
        raise ValueError(f"at most 26 options, got {len(options)}")
    return {string.ascii_uppercase[i]: str(text) for i, text in enumerate(options)}


def _normalize(text: str) -> str:
    return " ".join(text.lower().split())


def _letter_mentions(text: str, valid: set[str]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(all standalone letters, those after an answer cue), each as (position, letter), valid letters only."""
    found: list[tuple[int, str]] = []
    cued: list[tuple[int, str]] = []
    for match in _CUE.finditer(text):
        letter = match.group(1)
        if letter.isupper() and letter in valid:  # lowercase after a cue reads as a word ("the answer is a dog")
            cued.append((match.start(1), letter))
    found.extend(cued)
    for match in _BRACKETED.finditer(text):
        group = next(i for i in (1, 2, 3) if match.group(i))
        found.append((match.start(group), match.group(group)))
    for match in _LINE_START.finditer(text):
        found.append((match.start(1), match.group(1)))
    match = _FIRST_WORD.match(text)
    if match and not (match.group(1) in "AI" and re.match(r"\s+(?!or\b|and\b)[a-z]", text[match.end(1):])):
        found.append((match.start(1), match.group(1)))
    match = _LAST_WORD.search(text)
    if match:
        found.append((match.start(1), match.group(1)))
        if cued and match.start(1) > max(cued)[0] and not _NOT_BEFORE.search(text[:match.start(1)]):
            cued.append((match.start(1), match.group(1)))  # a correction after the cue: "... Wait, it is B."
    return [(p, l) for p, l in found if l in valid], [(p, l) for p, l in cued if l in valid]


def _unique_option_text(text: str, letters: Mapping[str, str]) -> str | None:
    haystack = _normalize(text)
    spans: dict[str, list[tuple[int, int]]] = {}
    for letter, option in letters.items():
        needle = _normalize(option)
        if not needle:
            continue
        pattern = re.compile(r"(?<![a-z0-9])" + re.escape(needle) + r"(?![a-z0-9])")
        spans[letter] = [m.span() for m in pattern.finditer(haystack)]
    hits = []
    for letter, own in spans.items():
        longer = [s for other, ss in spans.items() if other != letter for s in ss]
        free = [(a, b) for a, b in own if not any(c <= a and b <= d and (d - c) > (b - a) for c, d in longer)]
        if free:
            hits.append(letter)
    return hits[0] if len(hits) == 1 else None


def extract_choice(response: str | None, options: Sequence[str] | Mapping[str, str]) -> str | None:
    """The option letter a response chose, or None (scored wrong); the rule is in this module's docstring.

    ``options``: a list of option texts (letters A, B, C, ... by position) or a dict letter -> text.
    Returns an uppercase letter among the options' letters, or None; never guesses.
    """
    letters = option_letters(options)
    valid = set(letters)
    text = strip_think(response)
    tagged = _ANSWER_TAG.findall(text)
    text = (tagged[-1] if tagged else text).replace("*", "").strip()
    if not text:
        return None

    whole = _WHOLE.match(text)
    if whole and whole.group(1).upper() in valid:
        return whole.group(1).upper()

    found, cued = _letter_mentions(text, valid)
    distinct = {letter for _, letter in found}
    if len(distinct) == 1:
        return distinct.pop()
    if len(distinct) > 1:
        return max(cued)[1] if cued else None
    return _unique_option_text(text, letters)
