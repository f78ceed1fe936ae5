"""Rule checks on generated privileged input: pure functions from a model's reply text to hints or boxes, or a
`CheckFailed` whose `reason` is the code counted in the build manifest and written to `rejects.jsonl`.

Hints (the paper's "step-wise hints without execution", its best privileged input in Table 4):
- `bad_format`: no numbered lines (`1. ...` or `1) ...`), or an empty hint;
- `too_few_hints` / `too_many_hints`: fewer than MIN_HINTS or more than MAX_HINTS;
- `states_answer`: a hint shows the final answer, compared by value (integers, decimals with commas or units,
  fractions `a/b` and `\\frac{a}{b}`, percentages) or as normalised LaTeX, or holds a `\\boxed{}` or an "answer is"
  phrase at all; a value that the question itself shows does not count;
- `executed_result`: an operation followed by `= number` (`48/2 = 24`, `3 \\times 4 = 12`) whose number the question
  does not show: the hint carried out a computation;
- `over_budget`: the hints are longer than the privileged-token budget (estimated as the build loop does).
Boxes (Qwen3-VL grounding JSON `[{"bbox_2d": [x1, y1, x2, y2], "label": ...}]` on the 0-1000 scale):
- `bad_format` (no JSON list of such objects), `no_boxes`, `box_outside_image` (a coordinate outside 0-1000),
  `degenerate_box` (no area, or under one pixel once converted), `empty_label`, `repeated_box` (the same box twice, or
  the same label on boxes that overlap by IoU >= REPEAT_IOU).
Both: `cut_at_limit` when the reply stopped at the generation limit (`finish_reason == "length"`); that check is the
caller's, since it needs the reply's finish reason rather than its text.
Judge replies: the last `Score: N` (1-5) or `judge_unparsed`.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

from dopd_vl.records import Box

MIN_HINTS, MAX_HINTS = 2, 6
REPEAT_IOU = 0.9


class CheckFailed(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


THINKING = re.compile(r"^.*?</think>", re.S)


def strip_thinking(text: str) -> str:
    """The reply after a reasoning model's `<think>...</think>` block (the whole text when there is none)."""
    return THINKING.sub("", text, count=1).strip() if "</think>" in text else text.strip()


# ---------------------------------------------------------------------------------------------------------------
# Hints
# ---------------------------------------------------------------------------------------------------------------

NUMBERED = re.compile(r"^\s*(?:[-*]\s*)?(?:\*\*)?(?:hint|step)?\s*(\d{1,2})\s*[.):](?:\*\*)?\s+(.*)$", re.I)


def parse_hints(text: str) -> list[str]:
    """The numbered hints of a reply; a line that is not numbered continues the hint before it (text before the
    first numbered line, a preamble such as "Here are the hints:", is dropped)."""
    hints: list[str] = []
    for line in strip_thinking(text).splitlines():
        match = NUMBERED.match(line)
        if match:
            hints.append(match.group(2).strip())
        elif hints and line.strip():
            hints[-1] = f"{hints[-1]} {line.strip()}"
    if not hints:
        raise CheckFailed("bad_format", "no numbered hints (expected lines '1. ...', '2. ...')")
    empty = next((i for i, hint in enumerate(hints) if not re.search(r"\w", hint)), None)
    if empty is not None:
        raise CheckFailed("bad_format", f"hint {empty + 1} is empty")
    return hints


_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+(?![\d.]))?(?!\w)")
_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*(-?\d+)\s*\}\s*\{\s*(-?\d+)\s*\}")
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_ANSWER_PHRASE = re.compile(r"\b(?:the\s+)?(?:final\s+)?answer\s+(?:is|=|:)|\banswer\s*:", re.I)


def numeric_value(text: str) -> Fraction | None:
    """The value of a plain number, decimal, fraction or percentage (`1,200`, `-0.50`, `3/4`, `\\frac{3}{4}`,
    `\\$12`, `25%` as 25), or None for anything else."""
    text = text.strip().strip("$").replace("\\$", "").replace("\\!", "").replace("{,}", "").replace(",", "")
    text = re.sub(r"\\(?:text|mathrm)\{[^}]*\}|\\%|%|\\,|\s", "", text)
    frac = _FRAC.fullmatch(text)
    if frac:
        numerator, denominator = int(frac.group(1)), int(frac.group(2))
        return Fraction(numerator, denominator) if denominator else None
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?)(?:/(\d+))?", text)
    if not match:
        return None
    value = Fraction(match.group(1))
    if match.group(2):
        return value / int(match.group(2)) if int(match.group(2)) else None
    return value


def values_in(text: str) -> set[Fraction]:
    """Every number a text shows, by value: plain and comma-grouped numbers, decimals, and the fractions `a/b`,
    `\\frac{a}{b}` with their parts. `a/b` counts as a fraction's value only in lowest terms: `3/4` is the number
    three quarters, `48/2` an operation still to be carried out (which shows 48 and 2, not 24)."""
    values = set()
    for a, b in _FRAC.findall(text):
        values.update({Fraction(int(a)), Fraction(int(b))} | ({Fraction(int(a), int(b))} if int(b) else set()))
    for match in _NUMBER.finditer(_FRAC.sub(" ", text)):
        parts = [numeric_value(part) for part in match.group().split("/")]
        values.update(part for part in parts if part is not None)
        if len(parts) == 2 and None not in parts and parts[1] and parts[0].denominator == 1 and \
                math.gcd(int(parts[0]), int(parts[1])) == 1:
            values.add(parts[0] / parts[1])
    return values


def latex_key(text: str) -> str:
    """LaTeX with the spelling differences that do not change the value removed (spaces, `\\left`, `\\dfrac`, `$`)."""
    text = re.sub(r"\\(?:left|right|displaystyle|!|,|;|quad)|\$|\s", "", text)
    return text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("{,}", ",").rstrip(".")


def states_answer(hint: str, answer: str, question: str) -> str | None:
    """Why `hint` states the final answer (a short description), or None."""
    if _BOXED.search(hint):
        return "a \\boxed{} answer"
    if _ANSWER_PHRASE.search(hint):
        return "an 'answer is' phrase"
    value = numeric_value(answer)
    if value is not None:
        if value in values_in(hint) and value not in values_in(question):
            return f"the final answer's value {answer}"
        return None
    key = latex_key(answer)
    if len(key) >= 2 and key in latex_key(hint) and key not in latex_key(question):
        return f"the final answer {answer}"
    return None


_OPERATOR = r"(?:[-+*/×÷^]|\\times|\\cdot|\\div|\\frac|\\sqrt)"
_EXECUTED = re.compile(_OPERATOR + r"[^=<>\n]{0,60}?=\s*\$?\s*(-?\d[\d,]*(?:\.\d+)?)(?!\w|\.\d)")


def executed_result(hint: str, question: str) -> str | None:
    """The `... = number` of an operation whose result the question does not show, or None."""
    shown = values_in(question)
    for match in _EXECUTED.finditer(hint):
        if numeric_value(match.group(1)) not in shown:
            return match.group(0).strip()
    return None


def check_hints(text: str, answer: str | None, question: str, max_tokens: int | None) -> list[str]:
    """The hints of a reply that passes every hint rule, or CheckFailed naming the first rule it breaks."""
    from data_builders.build import estimate_tokens

    hints = parse_hints(text)
    if len(hints) < MIN_HINTS:
        raise CheckFailed("too_few_hints", f"{len(hints)} hint(s); at least {MIN_HINTS} are needed")
    if len(hints) > MAX_HINTS:
        raise CheckFailed("too_many_hints", f"{len(hints)} hints; at most {MAX_HINTS} are allowed")
    for number, hint in enumerate(hints, 1):
        shown = states_answer(hint, answer, question) if answer else None
        if shown:
            raise CheckFailed("states_answer", f"hint {number} shows {shown}: {hint!r:.120}")
        executed = executed_result(hint, question)
        if executed:
            raise CheckFailed("executed_result", f"hint {number} carries out a computation ({executed!r}): "
                                                 f"{hint!r:.120}")
    tokens = estimate_tokens("\n".join(hints))
    if max_tokens is not None and tokens > max_tokens:
        raise CheckFailed("over_budget", f"about {tokens} tokens of hints; the budget is {max_tokens} "
                                         f"(--max-privileged-tokens)")
    return hints


# ---------------------------------------------------------------------------------------------------------------
# Boxes
# ---------------------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def _json_list(text: str):
    """The first JSON list in a reply (inside a ``` fence or bare), or None."""
    text = strip_thinking(text)
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    start = text.find("[")
    while start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start:])
            return value if isinstance(value, list) else None
        except json.JSONDecodeError:
            start = text.find("[", start + 1)
    return None


def _iou(a, b) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    overlap = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    return overlap / union if union > 0 else 0.0


def check_boxes(text: str, size: tuple[int, int]) -> tuple[Box, ...]:
    """The boxes of a Qwen3-VL grounding reply converted to pixels of a `size` (width, height) image, or
    CheckFailed naming the first rule the reply breaks."""
    entries = _json_list(text)
    if entries is None:
        raise CheckFailed("bad_format", 'no JSON list of {"bbox_2d": [x1, y1, x2, y2], "label": ...} objects')
    if not entries:
        raise CheckFailed("no_boxes", "an empty list of boxes")
    width, height = size
    boxes: list[Box] = []
    relative: list[tuple] = []
    for number, entry in enumerate(entries, 1):
        bbox = entry.get("bbox_2d") if isinstance(entry, dict) else None
        if not isinstance(bbox, list) or len(bbox) != 4 or \
                not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox):
            raise CheckFailed("bad_format", f"entry {number} has no bbox_2d of four numbers: {entry!r:.100}")
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            raise CheckFailed("empty_label", f"entry {number} has no label: {entry!r:.100}")
        if any(v < 0 or v > 1000 for v in bbox):
            raise CheckFailed("box_outside_image", f"entry {number} ({label}) has {bbox}: coordinates must lie on "
                                                   f"the 0-1000 scale")
        x1, y1, x2, y2 = bbox[0] * width / 1000, bbox[1] * height / 1000, bbox[2] * width / 1000, \
            bbox[3] * height / 1000
        if x2 - x1 < 1 or y2 - y1 < 1:
            raise CheckFailed("degenerate_box", f"entry {number} ({label}) has {bbox}: under one pixel wide or high "
                                                f"on the {width}x{height} image")
        for earlier, (other_label, other) in enumerate(relative, 1):
            if list(other) == list(bbox) or (other_label == label.strip().casefold() and
                                             _iou(other, bbox) >= REPEAT_IOU):
                raise CheckFailed("repeated_box", f"entry {number} ({label}) repeats entry {earlier}")
        relative.append((label.strip().casefold(), bbox))
        boxes.append(Box(label.strip(), (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))))
    return tuple(boxes)


# ---------------------------------------------------------------------------------------------------------------
# Judge
# ---------------------------------------------------------------------------------------------------------------

_SCORE = re.compile(r"score\s*[:=]?\s*\**\s*([1-5])(?:\s*/\s*5)?\b", re.I)


def judge_score(text: str) -> int:
    """The last `Score: N` (N in 1-5) of a judge's reply."""
    scores = _SCORE.findall(strip_thinking(text))
    if not scores:
        raise CheckFailed("judge_unparsed", "no 'Score: N' line (N from 1 to 5) in the judge's reply")
    return int(scores[-1])
