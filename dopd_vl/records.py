"""The one record schema of dopd-vl, its validation, the one renderer of student / privileged prompts, and the
leakage check.

A record is the unit that `dopd-vl build-data`, the trainer and the eval harness share:

    id, task, question, images: [path], answer (optional), source: {...}
    privileged: {boxes: [{label, bbox_xyxy_px}], annotations: {section: line | [lines]}, hints: [str]}

Boxes are pixel boxes `(x1, y1, x2, y2)` on the record's first image. Annotations are compact sections of text
(already rendered by the builder, e.g. `{"relations": ["#1 cup on #2 table"]}`), so the renderer stays one small
function. The same record is a JSON object (`record_to_dict`) or a `datasets` row (`record_to_row`: annotations and
source as JSON strings, because their shape differs between sources and Arrow needs one schema).

`render_messages` turns a record into Qwen chat messages for the `student` view (question and images, nothing from
`privileged`) or the `privileged` view (the same plus the privileged block: boxes as Qwen3-VL grounding JSON on the
0-1000 scale, annotation sections, numbered hints; as the build's options ask, the boxes drawn on the first image,
and each box's region as an extra image). `check_no_leakage` proves a student prompt carries no privileged value.
Nothing here imports the data builders or the CLI.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from dopd_vl.errors import DopdError

SCHEMA_VERSION = 1
VIEWS = ("student", "privileged")
RECORD_FIELDS = ("id", "task", "question", "images", "answer", "privileged", "source")
PRIVILEGED_FIELDS = ("boxes", "annotations", "hints")

# Headers of the privileged block. "Objects in the image:" is also in the tiny tokenizer's corpus.
PRIVILEGED_HEADER = "Privileged information (not visible to the student):"
BOXES_HEADER = "Objects in the image:"
ANNOTATIONS_HEADER = "Annotations:"
HINTS_HEADER = "Hints:"

# Crops (`render_messages(..., crops=True)`): each box's region of the first image as an extra image, padded with a
# mid grey (about 0 after Qwen3-VL's normalisation, mean 0.5 and std 0.5) to what Qwen3-VL's `smart_resize` accepts:
# sides of at least one merged patch (patch 16 x spatial merge 2 = 32 pixels; a thinner side rounds to 0 patches)
# and an aspect ratio of at most 200 (it raises beyond).
CROP_MIN_SIDE = 32
CROP_MAX_ASPECT_RATIO = 200
CROP_PAD_COLOR = (128, 128, 128)

# A hint or annotation line shorter than this many words is not checked for leakage: "red" or "2 cubes" can be in
# a question legitimately; a whole hint sentence or a rendered annotation line cannot.
LEAK_MIN_WORDS = 3


class RecordError(DopdError):
    """A record that breaks the schema. The message names the record id, the input location and the field, and
    says the fix; `reason` is a short code the build manifest counts (e.g. `degenerate_box`)."""

    def __init__(self, message: str, *, record_id: str | None = None, where: str = "", field: str = "",
                 reason: str = "invalid_field"):
        super().__init__(message)
        self.record_id, self.where, self.field, self.reason = record_id, where, field, reason


class LeakageError(DopdError):
    """A student prompt that contains a privileged value."""

    def __init__(self, message: str, *, record_id: str, field: str, where: str = ""):
        super().__init__(message)
        self.record_id, self.field, self.where, self.reason = record_id, field, where, "leakage"


@dataclass(frozen=True)
class Box:
    label: str
    bbox_xyxy_px: tuple[float, float, float, float]


@dataclass(frozen=True)
class Privileged:
    boxes: tuple[Box, ...] = ()
    annotations: dict = field(default_factory=dict, hash=False)
    hints: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.boxes or self.annotations or self.hints)


@dataclass(frozen=True)
class Record:
    id: str
    task: str
    question: str
    images: tuple[str, ...] = ()
    answer: str | None = None
    privileged: Privileged = Privileged()
    source: dict = field(default_factory=dict, hash=False)


# ---------------------------------------------------------------------------------------------------------------
# Validation: dict -> Record
# ---------------------------------------------------------------------------------------------------------------

def _fail(record_id, where: str, field_name: str, problem: str, fix: str, reason: str = "invalid_field"):
    at = f" ({where})" if where else ""
    name = f"record {record_id!r}" if record_id is not None else "record"
    raise RecordError(f"{name}{at}, field '{field_name}': {problem}; {fix}", record_id=record_id, where=where,
                      field=field_name, reason=reason)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_unknown(keys, allowed, record_id, where, prefix=""):
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean '{prefix}{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            _fail(record_id, where, f"{prefix}{key}", "unknown field", f"remove it ({hint})")


def _text(data: dict, key: str, record_id, where: str, reason_if_empty: str = "invalid_field") -> str:
    if key not in data or data[key] is None:
        _fail(record_id, where, key, "missing", f"give a non-empty string for '{key}'", "missing_field")
    value = data[key]
    if not isinstance(value, str):
        _fail(record_id, where, key, f"expected a string, got {type(value).__name__}", f"write '{key}' as text")
    if not value.strip():
        _fail(record_id, where, key, "empty", f"give a non-empty '{key}' or drop the record", reason_if_empty)
    return value


def _box_from_dict(raw, index: int, record_id, where: str) -> Box:
    name = f"privileged.boxes[{index}]"
    if not isinstance(raw, dict):
        _fail(record_id, where, name, f"expected {{label, bbox_xyxy_px}}, got {type(raw).__name__}",
              "write each box as {\"label\": str, \"bbox_xyxy_px\": [x1, y1, x2, y2]}")
    _check_unknown(raw, ("label", "bbox_xyxy_px"), record_id, where, prefix=f"{name}.")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        _fail(record_id, where, f"{name}.label", "missing or empty", "give every box a text label", "missing_field")
    bbox = raw.get("bbox_xyxy_px")
    if bbox is None:
        _fail(record_id, where, f"{name}.bbox_xyxy_px", "missing", "give [x1, y1, x2, y2] in pixels",
              "missing_field")
    if not isinstance(bbox, (list, tuple)) or len(bbox) != 4 or not all(_is_number(v) for v in bbox):
        _fail(record_id, where, f"{name}.bbox_xyxy_px", f"expected 4 numbers, got {bbox!r}",
              "give [x1, y1, x2, y2] in pixels as numbers", "non_numeric_box")
    if not all(math.isfinite(v) for v in bbox):
        _fail(record_id, where, f"{name}.bbox_xyxy_px", f"non-finite coordinate in {list(bbox)}",
              "give finite pixel coordinates", "non_numeric_box")
    x1, y1, x2, y2 = (float(v) for v in bbox)
    if not (x2 > x1 and y2 > y1):
        _fail(record_id, where, f"{name}.bbox_xyxy_px", f"degenerate box {[x1, y1, x2, y2]} (needs x2 > x1 and "
              f"y2 > y1)", "fix the box (is it x, y, width, height? then convert to x1, y1, x2, y2) or drop it",
              "degenerate_box")
    return Box(label=label, bbox_xyxy_px=(x1, y1, x2, y2))


def _annotations_from_dict(raw, record_id, where: str) -> dict:
    if not isinstance(raw, dict):
        _fail(record_id, where, "privileged.annotations", f"expected an object, got {type(raw).__name__}",
              "write annotations as {section: line or [lines]}")
    scalar = (str, int, float, bool)
    for section, value in raw.items():
        name = f"privileged.annotations.{section}"
        if not isinstance(section, str) or not section:
            _fail(record_id, where, "privileged.annotations", f"section name {section!r} is not text",
                  "name every section with a non-empty string")
        ok = isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value))
        if not ok:
            _fail(record_id, where, name, f"expected text, a number or a list of them, got {value!r:.80}",
                  "render nested structures to compact lines in the builder")
        if isinstance(value, float) and not math.isfinite(value):
            _fail(record_id, where, name, "non-finite number", "give a finite number")
    return dict(raw)


def _privileged_from_dict(raw, record_id, where: str) -> Privileged:
    if raw is None:
        return Privileged()
    if not isinstance(raw, dict):
        _fail(record_id, where, "privileged", f"expected an object, got {type(raw).__name__}",
              "write privileged as {\"boxes\": [...], \"annotations\": {...}, \"hints\": [...]}")
    _check_unknown(raw, PRIVILEGED_FIELDS, record_id, where, prefix="privileged.")
    boxes_raw = raw.get("boxes") or []
    if not isinstance(boxes_raw, (list, tuple)):
        _fail(record_id, where, "privileged.boxes", "expected a list", "write boxes as a list of {label, "
              "bbox_xyxy_px}")
    boxes = tuple(_box_from_dict(b, i, record_id, where) for i, b in enumerate(boxes_raw))
    annotations = _annotations_from_dict(raw.get("annotations") or {}, record_id, where)
    hints_raw = raw.get("hints") or []
    if not isinstance(hints_raw, (list, tuple)):
        _fail(record_id, where, "privileged.hints", f"expected a list of strings, got {type(hints_raw).__name__}",
              "write hints as a list of sentences")
    for i, hint in enumerate(hints_raw):
        if not isinstance(hint, str) or not hint.strip():
            _fail(record_id, where, f"privileged.hints[{i}]", f"expected a non-empty string, got {hint!r:.60}",
                  "drop empty hints")
    return Privileged(boxes=boxes, annotations=annotations, hints=tuple(hints_raw))


def record_from_dict(data: dict, where: str = "") -> Record:
    """Validate one record given as a dict (a JSONL line); raise RecordError naming the id, `where` and the field."""
    if not isinstance(data, dict):
        _fail(None, where, "(record)", f"expected an object, got {type(data).__name__}", "write one JSON object "
              "per record")
    record_id = data.get("id")
    if record_id is None or record_id == "":
        _fail(None, where, "id", "missing", "give every record a unique string id", "missing_field")
    if not isinstance(record_id, str):
        _fail(record_id, where, "id", f"expected a string, got {type(record_id).__name__}",
              "write the id as a string")
    _check_unknown(data, RECORD_FIELDS, record_id, where)
    task = _text(data, "task", record_id, where)
    question = _text(data, "question", record_id, where, reason_if_empty="empty_question")
    images = data.get("images") or []
    if isinstance(images, str) or not isinstance(images, (list, tuple)):
        _fail(record_id, where, "images", f"expected a list of paths, got {type(images).__name__}",
              "write images as a list, e.g. [\"train2014/x.jpg\"]")
    for i, image in enumerate(images):
        if not isinstance(image, str) or not image.strip():
            _fail(record_id, where, f"images[{i}]", f"expected a path string, got {image!r:.60}",
                  "give the image's path relative to the image folder")
    answer = data.get("answer")
    if answer is not None and (not isinstance(answer, str) or not answer.strip()):
        _fail(record_id, where, "answer", f"expected a non-empty string or null, got {answer!r:.60}",
              "write the answer as text, or leave it out")
    privileged = _privileged_from_dict(data.get("privileged"), record_id, where)
    if privileged.boxes and not images:
        _fail(record_id, where, "privileged.boxes", "boxes given but the record has no image",
              "add the image the boxes refer to, or drop the boxes")
    source = data.get("source") or {}
    if not isinstance(source, dict):
        _fail(record_id, where, "source", f"expected an object, got {type(source).__name__}",
              "write source as {key: value}")
    return Record(id=record_id, task=task, question=question, images=tuple(images), answer=answer,
                  privileged=privileged, source=dict(source))


def record_to_dict(record: Record) -> dict:
    """The JSON form of a record; `record_from_dict(record_to_dict(r)) == r`."""
    privileged = record.privileged
    return {
        "id": record.id, "task": record.task, "question": record.question, "images": list(record.images),
        "answer": record.answer,
        "privileged": {
            "boxes": [{"label": b.label, "bbox_xyxy_px": list(b.bbox_xyxy_px)} for b in privileged.boxes],
            "annotations": dict(privileged.annotations),
            "hints": list(privileged.hints),
        },
        "source": dict(record.source),
    }


def record_features():
    """The `datasets` features of a record row (annotations and source are JSON strings)."""
    from datasets import Features, List, Value

    return Features({
        "id": Value("string"), "task": Value("string"), "question": Value("string"),
        "images": List(Value("string")), "answer": Value("string"),
        "privileged": {
            "boxes": List({"label": Value("string"), "bbox_xyxy_px": List(Value("float64"), length=4)}),
            "annotations": Value("string"),
            "hints": List(Value("string")),
        },
        "source": Value("string"),
    })


def record_to_row(record: Record) -> dict:
    row = record_to_dict(record)
    row["privileged"]["annotations"] = json.dumps(row["privileged"]["annotations"], ensure_ascii=False)
    row["source"] = json.dumps(row["source"], ensure_ascii=False)
    return row


def record_from_row(row: dict, where: str = "") -> Record:
    data = dict(row)
    try:
        privileged = dict(data.get("privileged") or {})
        if isinstance(privileged.get("annotations"), str):
            privileged["annotations"] = json.loads(privileged["annotations"] or "{}")
        data["privileged"] = privileged
        if isinstance(data.get("source"), str):
            data["source"] = json.loads(data["source"] or "{}")
    except json.JSONDecodeError as error:
        _fail(data.get("id"), where, "privileged.annotations/source", f"not valid JSON ({error})",
              "rebuild the folder with `dopd-vl build-data`")
    return record_from_dict(data, where)


# ---------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1 << 16)
def _image_size_cached(path: str, mtime_ns: int) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:  # reads the header only
        return image.size


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) from the image file's header, cached per path and modification time.
    Raises OSError when the file is missing or not an image."""
    path = os.fspath(path)
    return _image_size_cached(path, os.stat(path).st_mtime_ns)


def resolve_image(path: str, image_root: str | os.PathLike | None = None) -> str:
    """An absolute path for a record's image path (relative paths are taken from `image_root`)."""
    if not os.path.isabs(path) and image_root is not None:
        path = os.path.join(os.fspath(image_root), path)
    return os.path.abspath(path)


def relative_box(bbox_xyxy_px, size: tuple[int, int]) -> list[int]:
    """A pixel box as Qwen3-VL's 0-1000 relative integers: round(coordinate / side * 1000), clamped."""
    width, height = size
    scales = (width, height, width, height)
    return [min(1000, max(0, round(v / s * 1000))) for v, s in zip(bbox_xyxy_px, scales)]


def box_json(label: str, bbox_xyxy_px, size: tuple[int, int]) -> str:
    return json.dumps({"bbox_2d": relative_box(bbox_xyxy_px, size), "label": label}, ensure_ascii=False)


def annotation_lines(annotations: dict) -> list[str]:
    """The annotation sections as compact lines: `section: value`, or `section:` followed by `- item` lines."""
    lines = []
    for section, value in annotations.items():
        if isinstance(value, list):
            lines.append(f"{section}:")
            lines.extend(f"- {v}" for v in value)
        else:
            lines.append(f"{section}: {value}")
    return lines


def _annotation_values(annotations: dict):
    for section, value in annotations.items():
        if isinstance(value, list):
            yield from ((f"privileged.annotations.{section}[{i}]", v) for i, v in enumerate(value))
        else:
            yield f"privileged.annotations.{section}", value


def crop_line(image_number: int, label: str) -> str:
    """The privileged block's line that says which extra image is the crop of which box (images counted from 1)."""
    return f"Image {image_number}: crop of {' '.join(label.split())}"


def privileged_block(record: Record, image_root=None, boxes_as_text: bool = True, crops: bool = False) -> str:
    """The text the privileged view adds after the question ('' when the record has no privileged input). With
    `crops`, one `crop_line` per box follows the boxes: the crops come after the record's own images, in box order."""
    privileged = record.privileged
    parts = []
    if privileged.boxes and (boxes_as_text or crops):
        parts.append(BOXES_HEADER)
    if privileged.boxes and boxes_as_text:
        size = _first_image_size(record, image_root)
        parts.extend(box_json(b.label, b.bbox_xyxy_px, size) for b in privileged.boxes)
    if privileged.boxes and crops:
        parts.extend(crop_line(len(record.images) + i, b.label) for i, b in enumerate(privileged.boxes, 1))
    if privileged.annotations:
        parts.append(ANNOTATIONS_HEADER)
        parts.extend(annotation_lines(privileged.annotations))
    if privileged.hints:
        parts.append(HINTS_HEADER)
        parts.extend(f"{i}. {hint}" for i, hint in enumerate(privileged.hints, 1))
    return "\n".join([PRIVILEGED_HEADER] + parts) if parts else ""


def _first_image_size(record: Record, image_root) -> tuple[int, int]:
    path = resolve_image(record.images[0], image_root)
    try:
        return image_size(path)
    except OSError as error:
        _fail(record.id, path, "images[0]", f"cannot read the image size ({error.__class__.__name__}: {error})",
              "check the file exists and is an image, or pass the right image_root / --images folder",
              "unreadable_image")


def draw_overlay(path: str, boxes: tuple[Box, ...]):
    """A copy of the image with the boxes and their labels drawn on it (a PIL image)."""
    from PIL import Image, ImageDraw

    palette = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45"]
    with Image.open(path) as source:
        image = source.convert("RGB")
    draw = ImageDraw.Draw(image)
    width = max(1, round(min(image.size) / 100))
    for i, box in enumerate(boxes):
        color = palette[i % len(palette)]
        draw.rectangle(box.bbox_xyxy_px, outline=color, width=width)
        draw.text((box.bbox_xyxy_px[0] + width + 1, box.bbox_xyxy_px[1] + width), box.label, fill=color)
    return image


def crop_pixels(bbox_xyxy_px, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A pixel box rounded outward to whole pixels and clipped to an image of `size` (width, height)."""
    width, height = size
    x1, y1, x2, y2 = bbox_xyxy_px
    return (min(width, max(0, math.floor(x1))), min(height, max(0, math.floor(y1))),
            min(width, max(0, math.ceil(x2))), min(height, max(0, math.ceil(y2))))


def pad_for_processor(image):
    """`image` centred on a mid-grey canvas just large enough for Qwen3-VL's `smart_resize`: each side at least
    CROP_MIN_SIDE and at least 1/CROP_MAX_ASPECT_RATIO of the other (padding, never stretching)."""
    from PIL import Image

    width, height = image.size
    padded_width = max(width, CROP_MIN_SIDE, math.ceil(height / CROP_MAX_ASPECT_RATIO))
    padded_height = max(height, CROP_MIN_SIDE, math.ceil(width / CROP_MAX_ASPECT_RATIO))
    if (padded_width, padded_height) == (width, height):
        return image
    canvas = Image.new("RGB", (padded_width, padded_height), CROP_PAD_COLOR)
    if width and height:
        canvas.paste(image, ((padded_width - width) // 2, (padded_height - height) // 2))
    return canvas


def crop_boxes(path: str, boxes: tuple[Box, ...]) -> list:
    """Each box's region of the image, in box order (PIL images, padded by `pad_for_processor` when small)."""
    from PIL import Image

    with Image.open(path) as source:
        image = source.convert("RGB")
    return [pad_for_processor(image.crop(crop_pixels(box.bbox_xyxy_px, image.size))) for box in boxes]


def render_messages(record: Record, view: str, image_root=None, overlay: bool = False,
                    boxes_as_text: bool = True, crops: bool = False) -> list[dict]:
    """Qwen chat messages for one view of a record.

    `student`: the question and the images, nothing from `privileged` (the other keywords change nothing there).
    `privileged`: the same plus the privileged block after the question. With `overlay`, the privileged view's first
    image is a PIL copy with the boxes drawn; `boxes_as_text=False` leaves the boxes' coordinates out of the text
    (overlay or crops only). With `crops`, each box's region of the first image follows the record's own images
    (`crop_boxes`), and the block says which image is which box. Text-only records give the content as a plain
    string; otherwise content is a list of image parts (absolute paths or PIL images) followed by one text part."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    text = record.question
    images: list = [resolve_image(path, image_root) for path in record.images]
    if view == "privileged":
        block = privileged_block(record, image_root, boxes_as_text=boxes_as_text, crops=crops)
        if block:
            text = f"{text}\n\n{block}"
        boxes = record.privileged.boxes
        if crops and boxes:
            images += crop_boxes(images[0], boxes)  # from the file, so an overlay's drawing is not in the crops
        if overlay and boxes:
            images[0] = draw_overlay(images[0], boxes)
    if not images:
        return [{"role": "user", "content": text}]
    content = [{"type": "image", "image": image} for image in images]
    content.append({"type": "text", "text": text})
    return [{"role": "user", "content": content}]


# What a self-teacher's prompt adds after the question, for the baselines whose privileged input is not the record's
# own (`MethodOptions.self_context`): SDFT's demonstration, SDPO's successful sibling. Our wording of their idea.
DEMONSTRATION_CONTEXT = ("An example of a good response to this question:\n\n{demonstration}\n\nNow write your own "
                         "response, with your reasoning.")
FEEDBACK_CONTEXT = "A correct solution to this question:\n\n{solution}\n\nNow solve the question correctly."


def with_context(messages: list[dict], text: str) -> list[dict]:
    """The messages with `text` added after the (last) user turn's text, as the privileged block is."""
    messages = [dict(message) for message in messages]
    last = messages[-1]
    if isinstance(last["content"], str):
        last["content"] = f"{last['content']}\n\n{text}"
    else:
        parts = [dict(part) for part in last["content"]]
        parts[-1]["text"] = f"{parts[-1]['text']}\n\n{text}"
        last["content"] = parts
    return messages


def pixelated(image, share: float):
    """The image without its fine detail, at its own size: each side shrunk to `share` (bilinear) and blown back up
    (nearest), so a vision model gives it the same number of tokens (VA-OPD's coarse view)."""
    from PIL import Image

    picture = Image.open(image) if not isinstance(image, Image.Image) else image
    picture = picture.convert("RGB")
    small = (max(1, round(picture.width * share)), max(1, round(picture.height * share)))
    return picture.resize(small, Image.BILINEAR).resize(picture.size, Image.NEAREST)


def with_pixelated_images(messages: list[dict], share: float) -> list[dict]:
    """The messages with every image part replaced by its `pixelated` copy."""
    out = []
    for message in messages:
        content = message["content"]
        if not isinstance(content, str):
            content = [dict(part, image=pixelated(part["image"], share)) if part.get("type") == "image" else part
                       for part in content]
        out.append(dict(message, content=content))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Leakage check
# ---------------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _normalize(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".!?;: ")


def _message_texts_and_images(messages: list[dict]) -> tuple[list[str], list]:
    texts, images = [], []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
            continue
        for part in content or []:
            if part.get("type") == "text":
                texts.append(part.get("text", ""))
            elif part.get("type") == "image" or "image" in part:
                images.append(part.get("image"))
    return texts, images


def _contains_box(numbers: list[float], box: tuple, tolerance: float) -> bool:
    for start in range(len(numbers) - 3):
        if all(abs(numbers[start + k] - box[k]) <= tolerance for k in range(4)):
            return True
    return False


def check_no_leakage(record: Record, student_messages: list[dict]) -> None:
    """Raise LeakageError if the student messages contain a privileged value of the record: the privileged block,
    an image made from the boxes (an overlay or a crop: any image that is not a path), a box (its pixel or 0-1000
    coordinates as four consecutive numbers), a hint sentence or an annotation line (hints and lines of at least
    LEAK_MIN_WORDS words; shorter values such as a colour name can be in a question legitimately)."""
    texts, images = _message_texts_and_images(student_messages)
    text = "\n".join(texts)

    where = str(record.source.get("where", ""))

    def leak(field_name: str, what: str):
        at = f" ({where})" if where else ""
        raise LeakageError(f"record {record.id!r}{at}: the student prompt contains {what} (field '{field_name}'); "
                           f"the student view must carry only the question and the images: fix the builder that "
                           f"put it in the question, or drop the record", record_id=record.id, field=field_name,
                           where=where)

    if PRIVILEGED_HEADER in text:
        leak("privileged", "the privileged block")
    for i, image in enumerate(images):
        if not isinstance(image, (str, os.PathLike)):
            leak("privileged.boxes", f"an image made from the boxes, an overlay or a crop (image {i} is a "
                 f"{type(image).__name__}, not a path)")
    privileged = record.privileged
    if privileged.boxes:
        numbers = [float(n) for n in _NUMBER.findall(text)]
        size = None
        if record.images:
            candidates = [img for img in images if isinstance(img, (str, os.PathLike))] or [record.images[0]]
            try:
                size = image_size(candidates[0])
            except OSError:
                size = None  # the pixel check below still runs
        for i, box in enumerate(privileged.boxes):
            if _contains_box(numbers, box.bbox_xyxy_px, tolerance=0.5):
                leak(f"privileged.boxes[{i}]", f"the pixel box {list(box.bbox_xyxy_px)}")
            if size and _contains_box(numbers, relative_box(box.bbox_xyxy_px, size), tolerance=0):
                leak(f"privileged.boxes[{i}]", f"the box {relative_box(box.bbox_xyxy_px, size)} (0-1000 scale)")
    normalized = _normalize(text)
    for i, hint in enumerate(privileged.hints):
        value = _normalize(hint)
        if len(value.split()) >= LEAK_MIN_WORDS and value in normalized:
            leak(f"privileged.hints[{i}]", f"the hint {hint!r:.80}")
    for field_name, value in _annotation_values(privileged.annotations):
        value = _normalize(str(value))
        if len(value.split()) >= LEAK_MIN_WORDS and value in normalized:
            leak(field_name, f"the annotation {value!r:.80}")


# ---------------------------------------------------------------------------------------------------------------
# Loading a build-data folder
# ---------------------------------------------------------------------------------------------------------------

MANIFEST = "manifest.json"


def read_manifest(folder: str | os.PathLike) -> dict:
    """The manifest of a `dopd-vl build-data` output folder, checked for the schema version."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise DopdError(f"{folder} is not a `dopd-vl build-data` output folder (no {MANIFEST}); build one with "
                        f"`dopd-vl build-data --task ... --out {folder}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DopdError(f"{path}: unreadable manifest ({error}); rebuild the folder with `dopd-vl build-data`")
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DopdError(f"{path}: records of schema version {version}, this dopd-vl reads version "
                        f"{SCHEMA_VERSION}; rebuild the folder with this version's `dopd-vl build-data`")
    return manifest


def image_root_of(folder: str | os.PathLike, manifest: dict) -> Path:
    """Where a build's relative image paths start: the folder itself or the `--images` folder of the build."""
    root = Path(manifest.get("image_root") or ".")
    return root if root.is_absolute() else Path(folder) / root


RENDERS = ("text", "overlay", "both")  # `build-data --render`: boxes as JSON text, drawn on the image, or both


def render_options(folder: str | os.PathLike) -> dict:
    """The `render_messages` keywords of a build's privileged view: its `--render` (text: boxes as JSON, overlay:
    boxes drawn on a copy of the image, or both) and, for `--privileged crops`, each box's region as an extra image."""
    options = read_manifest(folder).get("options") or {}
    render = options.get("render") or "text"
    return {"overlay": render in ("overlay", "both"), "boxes_as_text": render in ("text", "both"),
            "crops": options.get("privileged") == "crops"}


def load_records(folder: str | os.PathLike, image_root: str | os.PathLike | None = None) -> list[Record]:
    """The records of a `dopd-vl build-data` output folder, validated and leakage-checked, with image paths made
    absolute (from `image_root`, default the build's image folder recorded in its manifest)."""
    from datasets import load_from_disk

    folder = Path(folder)
    manifest = read_manifest(folder)
    root = Path(image_root) if image_root is not None else image_root_of(folder, manifest)
    dataset = load_from_disk(str(folder))
    records = []
    for index, row in enumerate(dataset):
        record = record_from_row(row, where=f"{folder}:row {index}")
        record = replace(record, images=tuple(resolve_image(p, root) for p in record.images))
        check_no_leakage(record, render_messages(record, "student"))
        records.append(record)
    return records


# ---------------------------------------------------------------------------------------------------------------
# Answers (the builders read reference answers, the eval harness responses, with the same rule)
# ---------------------------------------------------------------------------------------------------------------

_BOX_OPENING = re.compile(r"\\(?:boxed|fbox)\s*\{")


def last_boxed(text: str) -> str | None:
    """The content of the last complete ``\\boxed{...}`` (or ``\\fbox{...}``) of a text, braces balanced, or None.

    Nested braces are kept (``\\boxed{\\frac{1}{2}}`` -> ``\\frac{1}{2}``); in ``\\boxed{\\boxed{5}}`` the inner box is
    the last one. A box left open (a response cut off inside it) does not count: the one before it does.
    """
    for opening in reversed(list(_BOX_OPENING.finditer(text))):
        depth, start = 1, opening.end()
        for index in range(start, len(text)):
            character, escaped = text[index], text[index - 1] == "\\"  # \{ and \} are literal braces
            if character == "{" and not escaped:
                depth += 1
            elif character == "}" and not escaped:
                depth -= 1
                if depth == 0:
                    return text[start:index].strip()
    return None
