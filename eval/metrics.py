"""Rule-based metrics of the evaluation harness, each following its benchmark's reference definition.

Pure Python (standard library only), no model judge:

- :func:`box_iou` / :func:`refcoco_hit`: RefCOCO / RefCOCO+ / RefCOCOg grounding, Acc@IoU>=0.5 on the first box
  (Kazemzadeh et al. 2014, Mao et al. 2016; the Qwen-VL grounding protocol with 0-1000 relative coordinates).
- :func:`relaxed_accuracy`: ChartQA relaxed accuracy (Masry et al. 2022, "ChartQA", section 5; the
  ``relaxed_correctness`` of the pix2struct / lmms-eval reference code).
- :func:`anls`: DocVQA ANLS (Biten et al. 2019, "Scene Text Visual Question Answering", and Mathew et al. 2021,
  "DocVQA"), threshold tau = 0.5.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = [
    "anls",
    "box_iou",
    "levenshtein",
    "parse_first_box",
    "refcoco_hit",
    "relaxed_accuracy",
    "relaxed_correctness",
    "strip_think",
]

# ----------------------------------------------------------------------------------------------------------------
# helpers


_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


def strip_think(text: str | None) -> str:
    """Remove reasoning: every ``<think>...</think>`` block; text up to a stray ``</think>`` (the opening tag was
    in the prompt); text from an unclosed ``<think>`` on (a truncated thought holds no answer)."""
    if not text:
        return ""
    text = _THINK_BLOCK.sub("", text)
    lower = text.lower()
    close = lower.rfind("</think>")
    if close != -1:
        text = text[close + len("</think>") :]
        lower = text.lower()
    start = lower.find("<think>")
    if start != -1:
        text = text[:start]
    return text


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions, each cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _as_list(targets: str | Sequence[str]) -> list[str]:
    if isinstance(targets, str):
        return [targets]
    return [str(t) for t in targets]


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"


def _finite_float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# ----------------------------------------------------------------------------------------------------------------
# grounding (RefCOCO, RefCOCO+, RefCOCOg)


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``[x1, y1, x2, y2]`` boxes in continuous coordinates (COCO convention, no +1).

    A box with x2 < x1 (or y2 < y1) has zero area. Two boxes with zero union (both degenerate) score 0.0.
    """
    ax1, ay1, ax2, ay2 = (float(v) for v in a)
    bx1, by1, bx2, by2 = (float(v) for v in b)
    inter_w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    inter_h = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = inter_w * inter_h
    area_a = max(0.0, ax2 - ax1) * max(0.0, ay2 - ay1)
    area_b = max(0.0, bx2 - bx1) * max(0.0, by2 - by1)
    union = area_a + area_b - inter
    if union <= 0.0:
        return 0.0
    return inter / union


_BOX_LIST = re.compile(r"\[\s*(" + _NUMBER + r")\s*,\s*(" + _NUMBER + r")\s*,\s*(" + _NUMBER + r")\s*,\s*("
                       + _NUMBER + r")\s*\]")
# Qwen2-VL's older form: <|box_start|>(x1,y1),(x2,y2)<|box_end|>
_BOX_PAIRS = re.compile(r"\(\s*(" + _NUMBER + r")\s*,\s*(" + _NUMBER + r")\s*\)\s*,\s*\(\s*(" + _NUMBER
                        + r")\s*,\s*(" + _NUMBER + r")\s*\)")


def parse_first_box(text: str | None) -> list[float] | None:
    """The first box in a response, as ``[x1, y1, x2, y2]`` in the model's own (0-1000) coordinates, or None.

    Recognised, whichever occurs first in the text after :func:`strip_think`: a four-number list ``[x1, y1, x2, y2]``
    (this covers Qwen3-VL's ``{"bbox_2d": [x1, y1, x2, y2], "label": ...}`` JSON, a list of such objects, and a bare
    list) and Qwen2-VL's ``(x1,y1),(x2,y2)`` pair form. Only the first box counts: later boxes are ignored.
    """
    text = strip_think(text)
    matches = [m for m in (_BOX_LIST.search(text), _BOX_PAIRS.search(text)) if m is not None]
    if not matches:
        return None
    first = min(matches, key=lambda m: m.start())
    return [float(first.group(i)) for i in range(1, 5)]


def refcoco_hit(pred_text: str | None, gt_box_xywh: Sequence[float], image_size: Sequence[float]) -> float:
    """RefCOCO/RefCOCO+/RefCOCOg Acc@0.5 for one sample: 1.0 when IoU(first predicted box, ground truth) >= 0.5.

    Reference definition: the standard referring-expression-comprehension accuracy (a prediction is correct when its
    IoU with the ground-truth box is at least 0.5; Mao et al. 2016, Yu et al. 2016), scored on the **first** box of the
    response as in the Qwen-VL grounding evaluation.

    - ``gt_box_xywh``: the COCO annotation ``[x, y, w, h]`` in pixels, converted to ``[x, y, x + w, y + h]``.
    - ``image_size``: ``(width, height)`` in pixels (PIL's ``Image.size`` order).
    - the prediction is on Qwen3-VL's 0-1000 relative scale: ``x_px = x * width / 1000``, ``y_px = y * height / 1000``;
      corners given in the wrong order are sorted; the box is then clipped to ``[0, width] x [0, height]``.
    - no box in the text (empty response included) scores 0.0; a zero-area box scores 0.0.
    """
    box = parse_first_box(pred_text)
    if box is None:
        return 0.0
    width, height = float(image_size[0]), float(image_size[1])
    x1, y1, x2, y2 = box
    x1, x2 = sorted((x1 * width / 1000.0, x2 * width / 1000.0))
    y1, y2 = sorted((y1 * height / 1000.0, y2 * height / 1000.0))
    clipped = [min(max(x1, 0.0), width), min(max(y1, 0.0), height), min(max(x2, 0.0), width),
               min(max(y2, 0.0), height)]
    gx, gy, gw, gh = (float(v) for v in gt_box_xywh)
    return 1.0 if box_iou(clipped, [gx, gy, gx + gw, gy + gh]) >= 0.5 else 0.0


# ----------------------------------------------------------------------------------------------------------------
# ChartQA


def _chartqa_float(text: str) -> float | None:
    """ChartQA's ``_to_float``: ``float(text)``, a trailing ``%`` divides by 100; anything else is not a number."""
    if text.endswith("%"):
        value = _finite_float(text[:-1])
        return None if value is None else value / 100.0
    return _finite_float(text)


def relaxed_correctness(pred: str, target: str, max_relative_change: float = 0.05) -> bool:
    """ChartQA relaxed correctness of one prediction against one reference (see :func:`relaxed_accuracy`)."""
    pred, target = str(pred).strip(), str(target).strip()
    pred_value, target_value = _chartqa_float(pred), _chartqa_float(target)
    if pred_value is not None and target_value:  # a target of 0 (or no number) falls through to exact match
        return abs(pred_value - target_value) / abs(target_value) <= max_relative_change
    return pred.lower() == target.lower()


def relaxed_accuracy(pred: str | None, targets: str | Sequence[str]) -> float:
    """ChartQA relaxed accuracy of one sample, the best over the references (1.0 or 0.0).

    Reference definition: Masry et al. 2022, "ChartQA" (following Methani et al. 2020, PlotQA), as implemented by the
    ``relaxed_correctness`` of pix2struct and lmms-eval: both strings are stripped; when both parse as numbers
    (Python ``float``; a trailing ``%`` divides by 100, so ``"5%"`` equals ``"0.05"`` but not ``"5"``) and the target
    is non-zero, correct when ``|pred - target| / |target| <= 0.05``; otherwise (text, a target of 0, or a prediction
    that is not a number) a case-insensitive exact string match. Thousands separators are not removed (``"1,000"`` is
    text), as in the reference code.
    """
    pred = "" if pred is None else str(pred)
    return 1.0 if any(relaxed_correctness(pred, t) for t in _as_list(targets)) else 0.0


# ----------------------------------------------------------------------------------------------------------------
# DocVQA


def anls(pred: str | None, targets: str | Sequence[str], threshold: float = 0.5) -> float:
    """DocVQA Average Normalized Levenshtein Similarity of one sample (to be averaged over the questions).

    Reference definition: Biten et al. 2019 (ST-VQA) / Mathew et al. 2021 (DocVQA), tau = 0.5: both strings are
    lowercased and stripped; ``NL = levenshtein(pred, ref) / max(len(pred), len(ref))``; the score against one
    reference is ``1 - NL`` when ``NL < tau`` and 0 otherwise (so exactly NL = 0.5 scores 0); the sample scores the
    maximum over its references. Two empty strings match (score 1.0).
    """
    pred = "" if pred is None else str(pred).strip().lower()
    best = 0.0
    for target in _as_list(targets):
        target = target.strip().lower()
        length = max(len(pred), len(target))
        nl = 0.0 if length == 0 else levenshtein(pred, target) / length
        best = max(best, 1.0 - nl if nl < threshold else 0.0)
    return best


# ----------------------------------------------------------------------------------------------------------------
# Numbers (VSI-Bench's lenient scoring)

_FIRST_NUMBER = re.compile(_NUMBER)


def to_number(value) -> float | None:
    """A number as a float, or the first number of a text after any thinking block (commas removed); None if none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    match = _FIRST_NUMBER.search(strip_think(str(value)).replace(",", ""))
    return None if match is None else _finite_float(match.group(0))
