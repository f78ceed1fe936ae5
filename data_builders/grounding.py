"""Grounding: referring expressions and query-related boxes -> records whose privileged input is boxes.

Formats:
- `refcoco`: RefCOCO / RefCOCO+ / RefCOCOg `refs(unc).p` / `refs(umd).p` (a Python 2 pickle: a list of refs with
  ref_id, ann_id, image_id, split, sentences [{sent_id, sent, raw}]) plus COCO `instances.json` (images,
  annotations with xywh pixel boxes, categories). One record per referring expression. The privileged input is
  every annotated object of the image with its category, sorted by position, so the teacher still has to pick
  the referent: the privilege is location information, not the answer.
- `hf-refcoco`: the Hugging Face layout (lmms-lab/RefCOCO: question_id, image, question, answer = [expressions],
  bbox xywh, file_name) as parquet or JSONL. Embedded image bytes are written into the output folder. The objects
  of an image are the boxes of every row that shows it (the layout has no categories: label "object").
- `generic`: JSONL for query-related boxes on any VQA data: {id?, image, question, answer, boxes: [{label, bbox}]}
  with `--box-format xyxy|xywh` and `--box-units pixels|relative|relative1000`.

The answer of a referring expression is the target box in Qwen3-VL form, `{"bbox_2d": [x1, y1, x2, y2]}` on the
0-1000 scale of the image read from disk; the target's pixel box is kept in `source.target_bbox_xyxy_px`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from data_builders.build import BOX_TOLERANCE_PX, Reject, Source, SourceError, choose_privileged, image_size_or_reject
from data_builders.readers import iter_parquet, iter_records_file, load_plain_pickle, read_json
from dopd_vl.records import RecordError, image_size, record_from_dict, relative_box, resolve_image

GROUNDING_PROMPT = 'Locate "{expression}" in the image and output its bbox coordinates using JSON format.'


def grounding_source(options):
    source = Path(options.source)
    fmt = options.format or detect_format(source)
    make = {"refcoco": refcoco_items, "hf-refcoco": hf_refcoco_items, "generic": generic_items}[fmt]

    def make_source(work: Path) -> Source:
        return make(options, source, work)
    return make_source


def detect_format(path: Path) -> str:
    if path.suffix.lower() in (".p", ".pkl", ".pickle"):
        return "refcoco"
    if not path.is_file():
        raise SourceError(f"{path}: file not found; check --source")
    first = next((row for _, row in iter_records_file(path) if isinstance(row, dict)), None)
    if first is None:
        raise SourceError(f"{path}: no rows to read")
    if {"question_id", "bbox", "file_name"} <= set(first):
        return "hf-refcoco"
    if "boxes" in first:
        return "generic"
    raise SourceError(f"{path}: cannot tell the grounding format from its fields {sorted(first)[:12]}: expected "
                      f"refs(unc).p (refcoco), question_id/image/answer/bbox/file_name (hf-refcoco) or "
                      f"question/answer/image/boxes (generic); or pass --format")


def xywh_to_xyxy(box) -> list:
    x, y, w, h = box
    return [x, y, x + w, y + h]


def clip_target(bbox, size) -> list[float] | None:
    """The target box clipped to the image, or None if it overhangs by more than the tolerance or has no area."""
    width, height = size
    x1, y1, x2, y2 = bbox
    if x1 < -BOX_TOLERANCE_PX or y1 < -BOX_TOLERANCE_PX or x2 > width + BOX_TOLERANCE_PX or \
            y2 > height + BOX_TOLERANCE_PX:
        return None
    clipped = [min(max(x1, 0), width), min(max(y1, 0), height), min(max(x2, 0), width), min(max(y2, 0), height)]
    return clipped if clipped[2] > clipped[0] and clipped[3] > clipped[1] else None


def _numbers(value, count=4) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == count and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


def _reject(record_id, where, field, reason, problem, fix) -> Reject:
    return Reject(record_id, where, field, reason, f"record {record_id!r} ({where}), field '{field}': {problem}; {fix}")


def grounding_record(record_id: str, where: str, expression: str, image: str, image_root, target_xyxy,
                     objects: list[dict], privileged: str, source: dict, target_field: str):
    """One referring-expression record, or a Reject. `objects` are the privileged boxes (pixels, sorted)."""
    if not isinstance(expression, str) or not expression.strip():
        return _reject(record_id, where, "question", "empty_question", "empty referring expression",
                       "drop the sentence or fix the source")
    if not _numbers(target_xyxy):
        return _reject(record_id, where, target_field, "non_numeric_box", f"target box {target_xyxy!r} is not 4 "
                       f"numbers", "fix the box in the source")
    size = image_size_or_reject(record_id, where, image, image_root)
    if isinstance(size, Reject):
        return size
    if not (target_xyxy[2] > target_xyxy[0] and target_xyxy[3] > target_xyxy[1]):
        return _reject(record_id, where, target_field, "degenerate_box", f"degenerate target box {target_xyxy}",
                       "fix the box in the source")
    target = clip_target(target_xyxy, size)
    if target is None:
        return _reject(record_id, where, target_field, "box_outside_image", f"target box {list(target_xyxy)} lies "
                       f"outside the {size[0]}x{size[1]} image by more than {BOX_TOLERANCE_PX:g} px",
                       "check the box and the image belong together")
    answer = json.dumps({"bbox_2d": relative_box(target, size)})
    data = {"id": record_id, "task": "grounding", "question": GROUNDING_PROMPT.format(expression=expression.strip()),
            "images": [image], "answer": answer,
            "privileged": choose_privileged({"boxes": objects}, privileged, answer),
            "source": {**source, "target_bbox_xyxy_px": target, "where": where}}
    try:
        return record_from_dict(data, where)
    except RecordError as error:
        return Reject.from_error(error, where)


def _sorted_objects(objects: list[dict]) -> list[dict]:
    # by position, so the list order says nothing about which object is the referent
    return sorted(objects, key=lambda o: (o["bbox_xyxy_px"][0], o["bbox_xyxy_px"][1], o["label"]))


# ---------------------------------------------------------------------------------------------------------------
# RefCOCO: refs(unc).p + instances.json
# ---------------------------------------------------------------------------------------------------------------

def refcoco_items(options, source: Path, work: Path) -> Source:
    instances_path = Path(options.annotations) if options.annotations else source.parent / "instances.json"
    if not instances_path.is_file():
        raise SourceError(f"{instances_path}: COCO instances.json not found (RefCOCO keeps it beside refs(unc).p); "
                          f"pass its path with --annotations")
    if options.images is None:
        raise SourceError("RefCOCO needs the COCO images: pass the folder of train2014/*.jpg with --images")
    refs = load_plain_pickle(source)
    if not isinstance(refs, list):
        raise SourceError(f"{source}: expected a list of refs, got {type(refs).__name__}; is this refs(unc).p?")
    instances = read_json(instances_path)
    for key in ("images", "annotations", "categories"):
        if not isinstance(instances, dict) or not isinstance(instances.get(key), list):
            raise SourceError(f"{instances_path}: no '{key}' list; is this a COCO instances.json?")
    categories = {c.get("id"): c.get("name", "object") for c in instances["categories"] if isinstance(c, dict)}
    file_names = {i.get("id"): i.get("file_name") for i in instances["images"] if isinstance(i, dict)}
    annotations = {}
    objects_by_image = defaultdict(list)
    for index, ann in enumerate(instances["annotations"]):
        if not isinstance(ann, dict):
            continue
        annotations[ann.get("id")] = (index, ann)
        bbox = ann.get("bbox")
        label = categories.get(ann.get("category_id"), "object")
        box = xywh_to_xyxy(bbox) if _numbers(bbox) else bbox  # a bad box fails validation, naming the field
        objects_by_image[ann.get("image_id")].append({"label": label, "bbox_xyxy_px": box})
    objects_by_image = {image_id: _sorted_objects_safe(objects) for image_id, objects in objects_by_image.items()}
    dataset = source.parent.name or "refcoco"
    selected = [(index, ref) for index, ref in enumerate(refs) if options.split is None or
                (isinstance(ref, dict) and ref.get("split") == options.split)]
    if not selected:
        splits = sorted({str(ref.get("split")) for ref in refs if isinstance(ref, dict)})
        raise SourceError(f"{source}: no refs of split {options.split!r}; its splits are {', '.join(splits)}")
    total = sum(len(ref.get("sentences") or []) if isinstance(ref, dict) else 1 for _, ref in selected)
    if options.limit is not None:
        total = min(total, options.limit)

    def items():
        produced = 0
        for index, ref in selected:
            where = f"{source.name}:refs[{index}]"
            if not isinstance(ref, dict):
                yield Reject(None, where, "(ref)", "missing_field", f"{where}: expected a ref object")
                continue
            ref_id = ref.get("ref_id")
            for field in ("ref_id", "ann_id", "image_id", "sentences"):
                if ref.get(field) is None:
                    yield _reject(f"{dataset}-ref{ref_id}", where, field, "missing_field", "missing",
                                  "this ref cannot be used; check the file is an unmodified refs(unc).p")
                    break
            else:
                entry = annotations.get(ref["ann_id"])
                image = file_names.get(ref["image_id"])
                for s_index, sentence in enumerate(ref["sentences"]):
                    if options.limit is not None and produced >= options.limit:
                        return
                    produced += 1
                    sent_where = f"{where}.sentences[{s_index}]"
                    sent_id = sentence.get("sent_id", f"{ref_id}-{s_index}") if isinstance(sentence, dict) else None
                    record_id = f"{dataset}-{sent_id}"
                    if entry is None or image is None:
                        missing = "ann_id" if entry is None else "image_id"
                        yield _reject(record_id, sent_where, missing, "missing_field", f"{missing} "
                                      f"{ref[missing]} is not in {instances_path.name}",
                                      "use the instances.json of the same RefCOCO release")
                        continue
                    expression = (sentence.get("raw") or sentence.get("sent")) if isinstance(sentence, dict) \
                        else None
                    bbox = entry[1].get("bbox")
                    target = xywh_to_xyxy(bbox) if _numbers(bbox) else bbox
                    yield grounding_record(
                        record_id, sent_where, expression, image, options.images, target,
                        objects_by_image.get(ref["image_id"], []), options.privileged,
                        {"dataset": dataset, "split": ref.get("split"), "ref_id": ref_id, "ann_id": ref["ann_id"],
                         "image_id": ref["image_id"], "sent_id": sent_id},
                        target_field=f"{instances_path.name}:annotations[{entry[0]}].bbox")
    return Source(items=items(), files=[source, instances_path], image_root=Path(options.images), total=total,
                  details={"format": "refcoco", "dataset": dataset, "instances": str(instances_path)})


def _sorted_objects_safe(objects: list[dict]) -> list[dict]:
    good = [o for o in objects if _numbers(o["bbox_xyxy_px"])]
    bad = [o for o in objects if not _numbers(o["bbox_xyxy_px"])]
    return _sorted_objects(good) + bad  # bad boxes stay in: the record is rejected naming the box


# ---------------------------------------------------------------------------------------------------------------
# Hugging Face RefCOCO layout (parquet or JSONL)
# ---------------------------------------------------------------------------------------------------------------

def _rows(path: Path, columns=None):
    if path.suffix.lower() == ".parquet":
        return iter_parquet(path, columns)
    return iter_records_file(path)


def hf_refcoco_items(options, source: Path, work: Path) -> Source:
    # first pass: the boxes of every row per image, without reading image bytes
    objects_by_file = defaultdict(list)
    total = 0
    for _, row in _rows(source, ["file_name", "bbox", "answer"]):
        if isinstance(row, dict) and _numbers(row.get("bbox")) and row.get("file_name"):
            objects_by_file[row["file_name"]].append({"label": "object", "bbox_xyxy_px": xywh_to_xyxy(row["bbox"])})
        answers = row.get("answer") if isinstance(row, dict) else None
        total += len(answers) if isinstance(answers, list) else 1
    objects_by_file = {name: _sorted_objects(objects) for name, objects in objects_by_file.items()}
    if options.limit is not None:
        total = min(total, options.limit)
    stem = source.stem
    extracted = work / "images"
    image_root = Path(options.images) if options.images else None

    def items():
        produced = 0
        for where, row in _rows(source):
            if isinstance(row, Reject):
                yield row
                continue
            question_id = row.get("question_id")
            record_base = f"{stem}-{question_id}"
            missing = [f for f in ("question_id", "bbox", "file_name", "answer") if row.get(f) in (None, "", [])]
            if missing:
                yield _reject(record_base, where, missing[0], "missing_field", "missing",
                              "give question_id, image, answer (the expressions), bbox and file_name")
                continue
            image = _place_image(row, extracted, image_root)
            if isinstance(image, tuple):
                yield _reject(record_base, where, "image", *image)
                continue
            expressions = row["answer"] if isinstance(row["answer"], list) else [row["answer"]]
            bbox = row["bbox"]
            target = xywh_to_xyxy(bbox) if _numbers(bbox) else bbox
            for index, expression in enumerate(expressions):
                if options.limit is not None and produced >= options.limit:
                    return
                produced += 1
                yield grounding_record(
                    f"{record_base}-{index}", where, expression, image,
                    image_root if image_root is not None else work, target,
                    objects_by_file.get(row["file_name"], []), options.privileged,
                    {"question_id": question_id, "file_name": row["file_name"], "expression_index": index},
                    target_field="bbox")
    embedded = image_root is None
    return Source(items=items(), files=[source], image_root=None if embedded else image_root, total=total,
                  details={"format": "hf-refcoco", "images": "extracted into images/" if embedded else
                           str(image_root)})


def _place_image(row: dict, extracted: Path, image_root):
    """The record's image path: embedded bytes are written to images/<file_name> in the output (once per file);
    a path is taken from --images. Returns (reason, problem, fix) when neither works."""
    image = row.get("image")
    name = Path(str(row["file_name"])).name
    if isinstance(image, dict) and image.get("bytes"):
        if image_root is not None:
            return ("invalid_field", "--images given but the image is embedded in the source",
                    "leave out --images for this source")
        target = extracted / name
        if not target.exists():
            extracted.mkdir(exist_ok=True)
            target.write_bytes(image["bytes"])
        return f"images/{name}"
    path = image.get("path") if isinstance(image, dict) else image
    path = path or row["file_name"]
    if image_root is None:
        return ("missing_image", f"the image {path!r} is not embedded", "pass the folder of the images as --images")
    return str(path)


# ---------------------------------------------------------------------------------------------------------------
# generic JSONL: query-related boxes on any VQA data
# ---------------------------------------------------------------------------------------------------------------

BOX_FORMATS = ("xyxy", "xywh")  # x1, y1, x2, y2 or x, y, width, height
BOX_UNITS = ("pixels", "relative", "relative1000")  # pixels, 0-1 or 0-1000 of the image size


def generic_items(options, source: Path, work: Path) -> Source:
    image_root = Path(options.images) if options.images else source.parent
    stem = source.stem

    def to_pixels(bbox, size):
        if options.box_format == "xywh":
            bbox = xywh_to_xyxy(bbox)
        if options.box_units == "relative":
            return [bbox[0] * size[0], bbox[1] * size[1], bbox[2] * size[0], bbox[3] * size[1]]
        if options.box_units == "relative1000":
            return [bbox[0] * size[0] / 1000, bbox[1] * size[1] / 1000, bbox[2] * size[0] / 1000,
                    bbox[3] * size[1] / 1000]
        return list(bbox)

    def items():
        produced = 0
        for index, (where, row) in enumerate(_rows(source)):
            if options.limit is not None and produced >= options.limit:
                return
            produced += 1
            if isinstance(row, Reject):
                yield row
                continue
            record_id = str(row.get("id", f"{stem}-{index}"))
            image = row.get("image")
            if not isinstance(image, str) or not image:
                yield _reject(record_id, where, "image", "missing_field", "missing image path",
                              "give the image path relative to --images")
                continue
            boxes = row.get("boxes")
            if not isinstance(boxes, list):
                yield _reject(record_id, where, "boxes", "missing_field", "missing or not a list",
                              "give boxes as [{\"label\": ..., \"bbox\": [...]}]")
                continue
            size = None
            if options.box_units != "pixels":
                try:
                    size = image_size(resolve_image(image, image_root))
                except OSError:
                    pass  # the build loop rejects the record for its image, naming it
            objects = []
            for b_index, box in enumerate(boxes):
                bbox = box.get("bbox") if isinstance(box, dict) else None
                label = box.get("label") if isinstance(box, dict) else None
                if _numbers(bbox) and (size is not None or options.box_units == "pixels"):
                    bbox = to_pixels(bbox, size)
                objects.append({"label": label, "bbox_xyxy_px": bbox})
            answer = row.get("answer")
            if isinstance(answer, (int, float)) and not isinstance(answer, bool):
                answer = str(answer)
            data = {"id": record_id, "task": row.get("task", "vqa"), "question": row.get("question"),
                    "images": [image], "answer": answer,
                    "privileged": choose_privileged({"boxes": objects}, options.privileged, answer),
                    "source": {"where": where}}
            try:
                yield record_from_dict(data, where)
            except RecordError as error:
                yield Reject.from_error(error, where)
    return Source(items=items(), files=[source], image_root=image_root, total=options.limit,
                  details={"format": "generic", "box_format": options.box_format, "box_units": options.box_units})
