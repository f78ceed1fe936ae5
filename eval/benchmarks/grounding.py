"""RefCOCO, RefCOCO+ and RefCOCOg referring-expression grounding: Acc@0.5 of the first predicted box.

Layout: the original `refer` release (Yu et al. 2016; https://github.com/lichengunc/refer), unpacked the way its
`REFER(data_root, dataset, splitBy)` loader expects, with `--data-dir` as that `data_root`:

    DATA_DIR/refcoco/refs(unc).p  + DATA_DIR/refcoco/instances.json     (refcoco.zip)
    DATA_DIR/refcoco+/refs(unc).p + DATA_DIR/refcoco+/instances.json    (refcoco+.zip)
    DATA_DIR/refcocog/refs(umd).p + DATA_DIR/refcocog/instances.json    (refcocog.zip, the UMD split)
    DATA_DIR/images/mscoco/images/train2014/COCO_train2014_*.jpg        (COCO train2014 images)

Why this layout and not the `lmms-lab/RefCOCO*` Parquet repositories: the published RefCOCO numbers (Qwen3-VL's
included) are on the standard refer splits, one sample per referring expression (RefCOCO val 10,834, testA 5,657,
testB 5,095 expressions). The lmms-lab validation splits hold other sets of objects (RefCOCO val 8,811 rows
against 3,811 objects in the refer val split; RefCOCOg val 7,573 against 4,896; lmms-eval issue #1066 asks why and
has no answer), so their numbers are not comparable. This layout is also the one `dopd-vl build-data --task
grounding` reads, so the files that make the training records also make the evaluation, and this module reads them
with that builder's reader (`data_builders.grounding.refcoco_items`): one parser of the pickles, one prompt.

One document per referring expression of the split (`raw` text, else `sent`). The prompt is the builder's
`GROUNDING_PROMPT` (`Locate "<expression>" in the image and output its bbox coordinates using JSON format.`), the
request Qwen3-VL answers with `{"bbox_2d": [x1, y1, x2, y2], "label": ...}` on its 0-1000 relative scale.
`document` holds the target box (`bbox_xywh`, COCO pixels as the annotation gives it, clipped to the image by the
reader: a box overhanging by more than 1 px is a malformed record) and the image size read from the file.

Metric `acc@0.5`, the standard referring-expression comprehension accuracy (Mao et al. 2016; Yu et al. 2016): 1
when the IoU of the predicted box with the target box is at least 0.5, one predicted box per expression.

`--scoring official` (the default, :func:`official_hit`): the response's first box
(:func:`eval.metrics.parse_first_box`: Qwen3-VL's `{"bbox_2d": [...]}` JSON, a bare `[x1, y1, x2, y2]`,
Qwen2-VL's `(x1,y1),(x2,y2)`, after any thinking block), read on Qwen3-VL's 0-1000 relative scale and mapped to
pixels as `x / 1000 * width`, its IoU with the target (`[x, y, x + w, y + h]`; continuous COCO coordinates, a box
with x2 < x1 or y2 < y1 has no area) at least 0.5. That is the protocol of the Qwen-VL grounding evaluation (QwenLM/Qwen-VL `eval_mm/evaluate_grounding.py`,
commit aa00ed0: the first box of the response, scaled from the model's relative grid, `iou >= 0.5`) on Qwen3-VL's
grid, and the IoU and the scaling are lmms-eval 0.7.3's own (`tasks/refcoco_grounding/utils.py`,
`_compute_iou`, `_scale_pred_to_pixel`).

lmms-eval 0.7.3's `refcoco_grounding` departs: it parses every box of the response and every box in both scales
(0-1000 and pixels) and keeps the one with the best IoU against the target (`_pick_best_box`), so a response that
lists several boxes, or gives pixel coordinates, scores if any reading hits; it does not read Qwen2-VL's pair form.
The project follows the benchmark's protocol (one box, the model's scale). Its older `refcoco` task family
(`utils_rec.py`) reads the first `[...]` list on a 0-1 scale, for a different prompt.

`--scoring lenient` (:func:`eval.metrics.refcoco_hit`, the project's rule before issue 19): the same first box with
its corners sorted when given in the wrong order and clipped to the image before the IoU, which turns some misses
(swapped corners, a box overhanging the image) into hits.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from eval.base import Benchmark, Doc, EvalError, record_error, require
from eval.metrics import box_iou, parse_first_box, refcoco_hit

REFER_SOURCE = "https://github.com/lichengunc/refer ({zip}, unpacked into DATA_DIR) with the COCO train2014 " \
               "images (http://images.cocodataset.org/zips/train2014.zip, unpacked into " \
               "DATA_DIR/images/mscoco/images/)"
IMAGE_DIR = Path("images/mscoco/images/train2014")


def load_refer(benchmark: Benchmark, dataset: str, refs_name: str, split: str, data_dir: Path,
               limit: int | None) -> list[Doc]:
    from data_builders.build import Reject, SourceError
    from data_builders.grounding import refcoco_items
    from dopd_vl.records import image_size, render_messages, resolve_image

    refs = data_dir / dataset / refs_name
    instances = data_dir / dataset / "instances.json"
    images = data_dir / IMAGE_DIR
    require(benchmark, data_dir, refs, instances, images)
    options = SimpleNamespace(annotations=str(instances), images=str(images), split=split, limit=limit,
                              privileged="none")
    docs = []
    try:
        for item in refcoco_items(options, refs, work=None).items:
            if isinstance(item, Reject):
                problem = item.message.replace("pass the folder that holds it as --images",
                                               f"the COCO train2014 images belong in {images}")
                raise record_error(benchmark.name, refs, item.id or item.where, f"field '{item.field}': {problem}")
            width, height = image_size(resolve_image(item.images[0], images))
            x1, y1, x2, y2 = item.source["target_bbox_xyxy_px"]
            docs.append(Doc(item.id, render_messages(item, "student", images), item.answer, {
                "dataset": dataset, "split": split, "ref_id": item.source["ref_id"],
                "ann_id": item.source["ann_id"], "sent_id": item.source["sent_id"], "question": item.question,
                "image": item.images[0], "image_size": [width, height], "bbox_xywh": [x1, y1, x2 - x1, y2 - y1]}))
    except SourceError as error:
        raise EvalError(f"benchmark '{benchmark.name}': {error}") from error
    return docs


def official_hit(response: str | None, bbox_xywh, image_size) -> float:
    """Acc@0.5 of the first box (see the module docstring): `parse_first_box` on the 0-1000 scale, each coordinate
    mapped as `v / 1000.0 * size` (lmms-eval 0.7.3 `tasks/refcoco_grounding/utils.py` `_scale_pred_to_pixel`), no
    sorting or clipping; the IoU of `eval.metrics.box_iou` (the same arithmetic as lmms-eval's `_compute_iou`) at
    least 0.5 (Qwen-VL `eval_mm/evaluate_grounding.py`). No box scores 0."""
    box = parse_first_box(response)
    if box is None:
        return 0.0
    width, height = image_size
    pixels = [box[0] / 1000.0 * width, box[1] / 1000.0 * height, box[2] / 1000.0 * width, box[3] / 1000.0 * height]
    x, y, w, h = (float(v) for v in bbox_xywh)
    return 1.0 if box_iou(pixels, [x, y, x + w, y + h]) >= 0.5 else 0.0


def first_box_text(response: str) -> str:
    box = parse_first_box(response)
    return "" if box is None else "[" + ", ".join(f"{v:g}" for v in box) + "]"


def score_grounding(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Official: Acc@0.5 of the first box in the response; the extracted answer is that box."""
    return first_box_text(response), {"acc@0.5": official_hit(response, doc.document["bbox_xywh"],
                                                                doc.document["image_size"])}


def score_grounding_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Lenient: Acc@0.5 of the first box with its corners sorted and clipped to the image (`refcoco_hit`)."""
    return first_box_text(response), {"acc@0.5": refcoco_hit(response, doc.document["bbox_xywh"],
                                                               doc.document["image_size"])}


def refer_benchmark(name: str, dataset: str, refs_name: str, split: str, archive: str) -> Benchmark:
    def load(data_dir: Path, limit: int | None) -> list[Doc]:
        return load_refer(benchmark, dataset, refs_name, split, Path(data_dir), limit)

    benchmark = Benchmark(
        name, ("acc@0.5",),
        layout=f"{dataset}/{refs_name} and {dataset}/instances.json (the refer release, split '{split}' of the "
               f"refs) and {IMAGE_DIR}/COCO_train2014_*.jpg",
        source=REFER_SOURCE.format(zip=archive), load=load, score=score_grounding, lenient=score_grounding_lenient,
        files=lambda data_dir: [Path(data_dir) / dataset / refs_name, Path(data_dir) / dataset / "instances.json"],
        max_new_tokens=128, version=2)
    return benchmark


BENCHMARKS = [
    refer_benchmark("refcoco", "refcoco", "refs(unc).p", "val", "refcoco.zip"),
    refer_benchmark("refcoco_testA", "refcoco", "refs(unc).p", "testA", "refcoco.zip"),
    refer_benchmark("refcoco_testB", "refcoco", "refs(unc).p", "testB", "refcoco.zip"),
    refer_benchmark("refcoco+", "refcoco+", "refs(unc).p", "val", "refcoco+.zip"),
    refer_benchmark("refcoco+_testA", "refcoco+", "refs(unc).p", "testA", "refcoco+.zip"),
    refer_benchmark("refcoco+_testB", "refcoco+", "refs(unc).p", "testB", "refcoco+.zip"),
    refer_benchmark("refcocog", "refcocog", "refs(umd).p", "val", "refcocog.zip"),
    refer_benchmark("refcocog_test", "refcocog", "refs(umd).p", "test", "refcocog.zip"),
]
