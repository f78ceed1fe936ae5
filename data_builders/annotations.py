"""Structured privileged context for VQA: scene graphs, CLEVR scenes, chart tables, document OCR.

Formats (`--source` is the questions file; the annotations sit beside it or come with `--annotations`):
- `gqa`: GQA questions JSON ({question_id: {imageId, question, answer, ...}}) + `--annotations` scene graphs
  ({image_id: {width, height, objects: {object_id: {name, x, y, w, h, attributes, relations: [{name, object}]}}}}).
- `vg`: Visual Genome question_answers.json ([{id, qas: [{qa_id, image_id, question, answer}]}]) + `--annotations`
  scene_graphs.json ([{image_id, objects: [{object_id, x, y, w, h, names, attributes?}], relationships:
  [{predicate, subject_id, object_id}]}]).
- `clevr`: CLEVR questions JSON ({questions: [{image_filename, question, answer, ...}]}) + `--annotations` scenes
  JSON ({scenes: [{image_filename, objects: [{size, color, material, shape, pixel_coords}], relationships}]}).
- `chartqa`: a ChartQA QA file (`*_human.json` / `*_augmented.json`: [{imgname, query, label}]) with `tables/*.csv`
  and `annotations/*.json` (chart type, title, axis labels, series names) beside it and images in `png/`.
- `docvqa`: DocVQA JSON ({data: [{questionId, question, image, answers}]}) with the Microsoft Read OCR of each page
  in `ocr_results/<page>.json` beside it (or `--annotations FOLDER`); Read API 2.x `recognitionResults` and 3.x
  `analyzeResult.readResults` are both read.

Scene objects with boxes become privileged boxes labelled `#k attributes name` (k numbers the objects in position
order), relations become lines `#k name predicate #j name`; everything else becomes compact annotation lines with
0-1000 coordinates. The build loop cuts each record to `--max-privileged-tokens`.
"""

from __future__ import annotations

from pathlib import Path

from data_builders.build import Reject, Source, SourceError, choose_privileged, image_size_or_reject
from data_builders.readers import read_csv_table, read_json
from dopd_vl.records import RecordError, record_from_dict, relative_box


def annotations_source(options):
    source = Path(options.source)

    def make_source(work: Path) -> Source:
        data = read_json(source)
        fmt = options.format or detect_format(source, data)
        return {"gqa": gqa_items, "vg": vg_items, "clevr": clevr_items, "chartqa": chartqa_items,
                "docvqa": docvqa_items}[fmt](options, source, data)
    return make_source


def detect_format(path: Path, data) -> str:
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        return "clevr"
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return "docvqa"
    if isinstance(data, list) and data and isinstance(data[0], dict):
        if "imgname" in data[0] and "query" in data[0]:
            return "chartqa"
        if "qas" in data[0]:
            return "vg"
    if isinstance(data, dict) and data and isinstance(next(iter(data.values())), dict) and \
            "imageId" in next(iter(data.values())):
        return "gqa"
    raise SourceError(f"{path}: cannot tell the annotations format: expected GQA questions ({{id: {{imageId, "
                      f"question, answer}}}}), Visual Genome question_answers.json, CLEVR questions, a ChartQA QA "
                      f"file or DocVQA JSON; or pass --format")


def _second_source(options, default: Path | None, what: str) -> Path:
    path = Path(options.annotations) if options.annotations else default
    if path is None or not path.exists():
        raise SourceError(f"{what} not found{f' at {path}' if path else ''}; pass it with --annotations")
    return path


def _required_images(options, name: str) -> Path:
    if options.images is None:
        raise SourceError(f"{name} needs its images: pass the folder of <image id>.jpg files with --images")
    return Path(options.images)


def _reject(record_id, where, field, reason, problem, fix) -> Reject:
    return Reject(record_id, where, field, reason, f"record {record_id!r} ({where}), field '{field}': {problem}; {fix}")


def _record(options, record_id, where, question, answer, image, own, source, task="vqa"):
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    data = {"id": record_id, "task": task, "question": question, "images": [image], "answer": answer,
            "privileged": choose_privileged(own, options.privileged, answer), "source": {**source, "where": where}}
    try:
        return record_from_dict(data, where)
    except RecordError as error:
        return Reject.from_error(error, where)


def _limited(options, items):
    for index, item in enumerate(items):
        if options.limit is not None and index >= options.limit:
            return
        yield item


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def scene_privileged(objects: list[dict], relations: list[tuple]) -> dict:
    """objects: [{key, name, attributes, bbox_xyxy_px}], relations: [(subject key, predicate, object key)] ->
    privileged boxes labelled `#k attributes name` in position order, relation lines `#k name predicate #j name`."""
    placed = sorted(objects, key=lambda o: (o["bbox_xyxy_px"][0], o["bbox_xyxy_px"][1]) if all(
        _number(v) for v in o["bbox_xyxy_px"]) else (float("inf"), 0))
    names = {}
    boxes = []
    for number, obj in enumerate(placed, 1):
        words = [str(a) for a in obj.get("attributes") or []] + [str(obj["name"])]
        names[obj["key"]] = f"#{number} {obj['name']}"
        boxes.append({"label": f"#{number} {' '.join(words)}", "bbox_xyxy_px": obj["bbox_xyxy_px"]})
    lines = [f"{names[s]} {predicate} {names[o]}" for s, predicate, o in relations if s in names and o in names]
    return {"boxes": boxes, "annotations": {"relations": lines}} if lines else {"boxes": boxes}


def _xywh(obj) -> list:
    values = [obj.get(k) for k in ("x", "y", "w", "h")]
    if not all(_number(v) for v in values):
        return values  # validation names the box
    x, y, w, h = values
    return [x, y, x + w, y + h]


# ---------------------------------------------------------------------------------------------------------------
# GQA and Visual Genome scene graphs
# ---------------------------------------------------------------------------------------------------------------

def gqa_items(options, source: Path, questions) -> Source:
    graphs_path = _second_source(options, None, "GQA scene graphs JSON (train_sceneGraphs.json / "
                                                "val_sceneGraphs.json)")
    graphs = read_json(graphs_path)
    if not isinstance(graphs, dict):
        raise SourceError(f"{graphs_path}: expected {{image_id: scene graph}} (GQA scene graphs)")
    image_root = _required_images(options, "GQA")

    def items():
        for question_id, row in questions.items():
            where = f"{source.name}:{question_id}"
            record_id = f"gqa-{question_id}"
            if not isinstance(row, dict) or not row.get("imageId"):
                yield _reject(record_id, where, "imageId", "missing_field", "missing", "check the questions file")
                continue
            graph = graphs.get(str(row["imageId"]))
            if not isinstance(graph, dict) or not isinstance(graph.get("objects"), dict):
                yield _reject(record_id, where, "imageId", "missing_annotation", f"no scene graph for image "
                              f"{row['imageId']} in {graphs_path.name}", "use the scene graphs of the same split")
                continue
            objects, relations = [], []
            for key, obj in graph["objects"].items():
                if not isinstance(obj, dict):
                    continue
                objects.append({"key": key, "name": obj.get("name", "object"), "attributes": obj.get("attributes"),
                                "bbox_xyxy_px": _xywh(obj)})
                relations += [(key, r.get("name"), str(r.get("object"))) for r in obj.get("relations") or []
                              if isinstance(r, dict)]
            yield _record(options, record_id, where, row.get("question"), row.get("answer"),
                          f"{row['imageId']}.jpg", scene_privileged(objects, relations),
                          {"question_id": question_id, "image_id": row["imageId"]})
    return Source(items=_limited(options, items()), files=[source, graphs_path], image_root=image_root,
                  total=min(len(questions), options.limit or len(questions)), details={"format": "gqa"})


def vg_items(options, source: Path, qa_groups) -> Source:
    graphs_path = _second_source(options, source.parent / "scene_graphs.json", "Visual Genome scene_graphs.json")
    graphs = read_json(graphs_path)
    if not isinstance(graphs, list):
        raise SourceError(f"{graphs_path}: expected a list of scene graphs (Visual Genome scene_graphs.json)")
    by_image = {g.get("image_id"): g for g in graphs if isinstance(g, dict)}
    image_root = _required_images(options, "Visual Genome")
    total = sum(len(g.get("qas") or []) for g in qa_groups if isinstance(g, dict))

    def items():
        for g_index, group in enumerate(qa_groups):
            for q_index, qa in enumerate(group.get("qas") or [] if isinstance(group, dict) else []):
                where = f"{source.name}:[{g_index}].qas[{q_index}]"
                record_id = f"vg-{qa.get('qa_id', f'{g_index}-{q_index}')}"
                image_id = qa.get("image_id", group.get("id"))
                graph = by_image.get(image_id)
                if graph is None:
                    yield _reject(record_id, where, "image_id", "missing_annotation", f"no scene graph for image "
                                  f"{image_id} in {graphs_path.name}", "use the scene graphs of the same release")
                    continue
                objects = [{"key": o.get("object_id"), "name": (o.get("names") or [o.get("name", "object")])[0],
                            "attributes": o.get("attributes"), "bbox_xyxy_px": _xywh(o)}
                           for o in graph.get("objects") or [] if isinstance(o, dict)]
                relations = [(r.get("subject_id"), str(r.get("predicate", "")).lower(), r.get("object_id"))
                             for r in graph.get("relationships") or [] if isinstance(r, dict)]
                yield _record(options, record_id, where, qa.get("question"), qa.get("answer"), f"{image_id}.jpg",
                              scene_privileged(objects, relations), {"qa_id": qa.get("qa_id"), "image_id": image_id})
    return Source(items=_limited(options, items()), files=[source, graphs_path], image_root=image_root,
                  total=min(total, options.limit or total), details={"format": "vg"})


# ---------------------------------------------------------------------------------------------------------------
# CLEVR
# ---------------------------------------------------------------------------------------------------------------

def clevr_items(options, source: Path, data) -> Source:
    default = source.parent.parent / "scenes" / source.name.replace("questions", "scenes")
    scenes_path = _second_source(options, default, "CLEVR scenes JSON (CLEVR_<split>_scenes.json)")
    scenes_data = read_json(scenes_path)
    if not isinstance(scenes_data, dict) or not isinstance(scenes_data.get("scenes"), list):
        raise SourceError(f"{scenes_path}: expected {{\"scenes\": [...]}} (CLEVR scenes)")
    scenes = {s.get("image_filename"): s for s in scenes_data["scenes"] if isinstance(s, dict)}
    questions = [q for q in data["questions"] if options.split is None or q.get("split") == options.split]
    image_root = Path(options.images) if options.images else source.parent.parent / "images" / (
        questions[0].get("split", "") if questions else "")

    def items():
        for index, row in enumerate(questions):
            where = f"{source.name}:questions[{index}]"
            record_id = f"clevr-{row.get('split', 'x')}-{row.get('question_index', index)}"
            scene = scenes.get(row.get("image_filename"))
            if scene is None:
                yield _reject(record_id, where, "image_filename", "missing_annotation", f"no scene for "
                              f"{row.get('image_filename')!r} in {scenes_path.name}",
                              "use the scenes of the same split")
                continue
            size = image_size_or_reject(record_id, where, row["image_filename"], image_root)
            if isinstance(size, Reject):
                yield size
                continue
            yield _record(options, record_id, where, row.get("question"), row.get("answer"), row["image_filename"],
                          {"annotations": clevr_annotations(scene, size)},
                          {"question_index": row.get("question_index"), "image_filename": row["image_filename"]})
    return Source(items=_limited(options, items()), files=[source, scenes_path], image_root=image_root,
                  total=min(len(questions), options.limit or len(questions)), details={"format": "clevr"})


def clevr_annotations(scene: dict, size: tuple[int, int]) -> dict:
    """Objects as `#k size colour material shape at [x, y]` (centre, 0-1000 scale); relations `left` and `front`
    (CLEVR's `right` and `behind` are their inverses) as `left of #k: #a, #b`."""
    objects = []
    for number, obj in enumerate(scene.get("objects") or [], 1):
        x, y = (obj.get("pixel_coords") or [0, 0])[:2]
        centre = relative_box((x, y, x, y), size)[:2]
        words = " ".join(str(obj.get(k)) for k in ("size", "color", "material", "shape") if obj.get(k))
        objects.append(f"#{number} {words} at [{centre[0]}, {centre[1]}]")
    annotations = {"objects": objects}
    for relation, title in (("left", "left of"), ("front", "in front of")):
        lines = []
        for subject, others in enumerate((scene.get("relationships") or {}).get(relation) or []):
            if others:
                lines.append(f"{title} #{subject + 1}: " + ", ".join(f"#{o + 1}" for o in others))
        if lines:
            annotations[title] = lines
    return annotations


# ---------------------------------------------------------------------------------------------------------------
# ChartQA
# ---------------------------------------------------------------------------------------------------------------

def chartqa_items(options, source: Path, rows) -> Source:
    folder = source.parent
    image_root = Path(options.images) if options.images else folder / "png"
    tables = folder / "tables"
    annotations = Path(options.annotations) if options.annotations else folder / "annotations"

    def items():
        for index, row in enumerate(rows):
            where = f"{source.name}:[{index}]"
            record_id = f"chartqa-{source.stem}-{index}"
            name = row.get("imgname") if isinstance(row, dict) else None
            if not name:
                yield _reject(record_id, where, "imgname", "missing_field", "missing", "check the QA file")
                continue
            stem = Path(name).stem
            table_path = tables / f"{stem}.csv"
            if not table_path.is_file():
                yield _reject(record_id, where, "privileged.annotations.table", "missing_annotation",
                              f"no table at {table_path}", "keep tables/ beside the QA file")
                continue
            own = {"annotations": chart_annotations(read_csv_table(table_path), annotations / f"{stem}.json")}
            yield _record(options, record_id, where, row.get("query"), row.get("label"), name, own,
                          {"imgname": name})
    return Source(items=_limited(options, items()), files=[source], image_root=image_root,
                  total=min(len(rows), options.limit or len(rows)),
                  details={"format": "chartqa", "tables": str(tables), "annotations": str(annotations)})


def chart_annotations(table: list[list[str]], annotation_path: Path) -> dict:
    """Chart type, title, axis labels and series names (when the element annotations are there) and the table."""
    out: dict = {}
    if annotation_path.is_file():
        meta = read_json(annotation_path)
        info = meta.get("general_figure_info") or {} if isinstance(meta, dict) else {}
        if isinstance(meta, dict) and meta.get("type"):
            out["chart type"] = str(meta["type"])
        for key, title in (("title", "title"), ("x_axis", "x axis"), ("y_axis", "y axis")):
            part = info.get(key) or {}
            text = part.get("text") if key == "title" else (part.get("label") or {}).get("text")
            if text:
                out[title] = str(text)
        names = [str(m.get("name")) for m in (meta.get("models") or []) if isinstance(m, dict) and m.get("name")] \
            if isinstance(meta, dict) else []
        if names:
            out["series"] = ", ".join(names)
    out["table"] = [" | ".join(cell.strip() for cell in row) for row in table]
    return out


# ---------------------------------------------------------------------------------------------------------------
# DocVQA with Microsoft Read OCR
# ---------------------------------------------------------------------------------------------------------------

def docvqa_items(options, source: Path, data) -> Source:
    rows = data["data"]
    ocr_folder = Path(options.annotations) if options.annotations else source.parent / "ocr_results"
    if not ocr_folder.is_dir():
        raise SourceError(f"DocVQA OCR folder not found at {ocr_folder}; pass it with --annotations")
    image_root = Path(options.images) if options.images else source.parent

    def items():
        for index, row in enumerate(rows):
            where = f"{source.name}:data[{index}]"
            record_id = f"docvqa-{row.get('questionId', index)}"
            image = row.get("image")
            if not image:
                yield _reject(record_id, where, "image", "missing_field", "missing", "check the DocVQA file")
                continue
            ocr_path = ocr_folder / f"{Path(image).stem}.json"
            if not ocr_path.is_file():
                yield _reject(record_id, where, "privileged.annotations.ocr", "missing_annotation",
                              f"no OCR at {ocr_path}", "keep ocr_results/ beside the file or pass --annotations")
                continue
            lines = read_ocr_lines(ocr_path)
            answers = row.get("answers") or []
            yield _record(options, record_id, where, row.get("question"), answers[0] if answers else None, image,
                          {"annotations": {"ocr": lines}} if lines else {},
                          {"question_id": row.get("questionId"), "answers": answers, "doc_id": row.get("docId")})
    return Source(items=_limited(options, items()), files=[source], image_root=image_root,
                  total=min(len(rows), options.limit or len(rows)), details={"format": "docvqa",
                                                                            "ocr": str(ocr_folder)})


def read_ocr_lines(path: Path) -> list[str]:
    """Microsoft Read OCR (2.x `recognitionResults` or 3.x `analyzeResult.readResults`) -> lines
    `[x1, y1, x2, y2] text` with the line's enclosing box on the page's 0-1000 scale, in reading order."""
    ocr = read_json(path)
    pages = ocr.get("recognitionResults") or (ocr.get("analyzeResult") or {}).get("readResults") or [] \
        if isinstance(ocr, dict) else []
    lines = []
    for page in pages:
        width, height = page.get("width"), page.get("height")
        for line in page.get("lines") or []:
            text, polygon = str(line.get("text", "")).strip(), line.get("boundingBox") or []
            if not text:
                continue
            if _number(width) and _number(height) and len(polygon) == 8 and all(_number(v) for v in polygon):
                xs, ys = polygon[0::2], polygon[1::2]
                box = relative_box((min(xs), min(ys), max(xs), max(ys)), (width, height))
                lines.append(f"[{box[0]}, {box[1]}, {box[2]}, {box[3]}] {text}")
            else:
                lines.append(text)
    return lines
