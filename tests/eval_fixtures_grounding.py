"""Tiny copies of the grounding and document benchmarks in their published layouts, written from code.

- RefCOCO / RefCOCO+ / RefCOCOg: the refer release (`<dataset>/refs(unc|umd).p`, a Python 2 pickle, and
  `<dataset>/instances.json`) with COCO-named JPEGs in `images/mscoco/images/train2014/`.
- ChartQA: `chartqa/data/test-00000-of-00001.parquet` as lmms-lab/ChartQA (type, question, answer, image).
- DocVQA: `docvqa/DocVQA/validation-0000k-of-00002.parquet` as lmms-lab/DocVQA, and a test shard without answers.

Image cells are `{"bytes", "path"}` structs, as the Hugging Face `Image` feature writes them. `WRITERS` maps each
benchmark name to the function that writes its files under a data folder.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from builders.conftest import save_image, write_py2_pickle  # the refs(unc).p writer of the builder tests

COCO_IMAGES = Path("images/mscoco/images/train2014")

# ---------------------------------------------------------------------------------------------------------------
# refer layout
# ---------------------------------------------------------------------------------------------------------------

# image id -> (width, height); the file is COCO_train2014_<12-digit id>.jpg
REFER_IMAGES = {1: (200, 100), 2: (100, 100), 3: (300, 150), 4: (120, 240)}
CATEGORIES = [{"id": 1, "name": "person", "supercategory": "person"},
              {"id": 17, "name": "cat", "supercategory": "animal"},
              {"id": 18, "name": "dog", "supercategory": "animal"}]
# annotation id -> (image id, category id, bbox xywh in pixels)
ANNOTATIONS = {11: (1, 1, [120, 10, 60, 80]), 12: (1, 18, [10, 40, 50, 50]), 21: (2, 17, [20, 20, 50, 60.5]),
               31: (3, 1, [0, 0, 150, 150]), 32: (3, 1, [150, 30, 90, 100]), 41: (4, 18, [10, 100, 100, 130])}


def coco_name(image_id: int) -> str:
    return f"COCO_train2014_{image_id:012d}.jpg"


def refer_ref(ref_id: int, ann_id: int, split: str, sentences: list[tuple[int, str]]) -> dict:
    image_id, category_id, _ = ANNOTATIONS[ann_id]
    return {"ref_id": ref_id, "ann_id": ann_id, "image_id": image_id, "category_id": category_id, "split": split,
            "file_name": coco_name(image_id)[:-4] + f"_{ann_id}.jpg", "sent_ids": [s for s, _ in sentences],
            "sentences": [{"sent_id": sent_id, "raw": raw, "sent": raw.lower(), "tokens": raw.lower().split()}
                          for sent_id, raw in sentences]}


def write_refer(data_dir: Path, dataset: str, refs_name: str, refs: list[dict]) -> None:
    """One refer dataset folder (refs pickle + instances.json) and the COCO images it needs."""
    data_dir = Path(data_dir)
    for image_id, size in REFER_IMAGES.items():
        path = data_dir / COCO_IMAGES / coco_name(image_id)
        if not path.exists():
            save_image(path, size, colour=(40 * image_id, 90, 150))
    instances = {
        "images": [{"id": i, "file_name": coco_name(i), "width": w, "height": h} for i, (w, h) in REFER_IMAGES.items()],
        "annotations": [{"id": a, "image_id": i, "category_id": c, "bbox": box, "area": box[2] * box[3],
                         "iscrowd": 0, "segmentation": [[box[0], box[1], box[0] + box[2], box[1]]]}
                        for a, (i, c, box) in ANNOTATIONS.items()],
        "categories": CATEGORIES}
    folder = data_dir / dataset
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "instances.json").write_text(json.dumps(instances))
    write_py2_pickle(folder / refs_name, refs)


# RefCOCO val: 3 expressions (2 refs), testA: 2, testB: 1; the train ref must never be read.
REFCOCO_REFS = [
    refer_ref(0, 11, "train", [(100, "man on the right")]),
    refer_ref(1, 12, "val", [(101, "dog on the left"), (102, "brown dog")]),
    refer_ref(2, 21, "val", [(103, "cat")]),
    refer_ref(3, 31, "testA", [(104, "left guy"), (105, "man in the café")]),
    refer_ref(4, 41, "testB", [(106, "dog at the bottom")]),
]
REFCOCO_PLUS_REFS = [
    refer_ref(10, 12, "val", [(201, "animal with a collar")]),
    refer_ref(11, 32, "testA", [(202, "guy in blue")]),
    refer_ref(12, 31, "testB", [(203, "person sitting")]),
    refer_ref(13, 11, "train", [(204, "tall person")]),
]
REFCOCOG_REFS = [
    refer_ref(20, 11, "val", [(301, "a man standing on the right side of the picture"),
                              (302, "the person next to the dog")]),
    refer_ref(21, 32, "test", [(303, "a man in a blue shirt on the right")]),
    refer_ref(22, 21, "train", [(304, "a grey cat")]),
]


def write_refcoco(data_dir: Path) -> None:
    write_refer(data_dir, "refcoco", "refs(unc).p", REFCOCO_REFS)


def write_refcoco_plus(data_dir: Path) -> None:
    write_refer(data_dir, "refcoco+", "refs(unc).p", REFCOCO_PLUS_REFS)


def write_refcocog(data_dir: Path) -> None:
    write_refer(data_dir, "refcocog", "refs(umd).p", REFCOCOG_REFS)


# ---------------------------------------------------------------------------------------------------------------
# Parquet (lmms-lab layouts)
# ---------------------------------------------------------------------------------------------------------------

IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def png_bytes(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def write_parquet(path: Path, rows: list[dict], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


CHARTQA_SCHEMA = pa.schema([("type", pa.string()), ("question", pa.string()), ("answer", pa.string()),
                            ("image", IMAGE_TYPE)])
# (type, question, answer): numbers, a percentage, text and yes/no, as in the test set
CHARTQA_ROWS = [
    ("human_test", "What is the value of the tallest bar?", "42"),
    ("human_test", "Is the line for Canada above the line for Mexico in 2015?", "Yes"),
    ("human_test", "What share of respondents answered 'very likely'?", "12%"),
    ("augmented_test", "What is the average of the two smallest bars?", "3.5"),
    ("augmented_test", "Which country has the highest GDP growth?", "Canada"),
]


def write_chartqa(data_dir: Path) -> None:
    rows = [{"type": kind, "question": question, "answer": answer,
             "image": {"bytes": png_bytes((64 + 8 * i, 48), (200, 30 * i, 60)), "path": None}}
            for i, (kind, question, answer) in enumerate(CHARTQA_ROWS)]
    write_parquet(Path(data_dir) / "chartqa" / "data" / "test-00000-of-00001.parquet", rows, CHARTQA_SCHEMA)


DOCVQA_SCHEMA = pa.schema([
    ("questionId", pa.string()), ("question", pa.string()), ("question_types", pa.list_(pa.string())),
    ("image", IMAGE_TYPE), ("docId", pa.int64()), ("ucsf_document_id", pa.string()),
    ("ucsf_document_page_no", pa.string()), ("answers", pa.list_(pa.string())), ("data_split", pa.string())])
# (questionId, question, answers): one reference or several, a number, a name, a date
DOCVQA_SHARDS = [
    [("49153", "What is the ‘actual’ value per 1000, during the year 1975?", ["0.28"]),
     ("24580", "To whom is the document sent?", ["Paul", "Dr. Paul"]),
     ("57349", "What is the name of the company?", ["ITC Limited", "itc limited"])],
    [("24581", "What is the date mentioned in the letter?", ["January 22, 1975"]),
     ("36864", "What is the page number?", ["14"])],
]


def docvqa_row(question_id: str, question: str, answers: list[str] | None, split: str, index: int) -> dict:
    return {"questionId": question_id, "question": question, "question_types": ["form"],
            "image": {"bytes": png_bytes((80, 100 + index), (250, 250, 240)), "path": f"{question_id}.png"},
            "docId": 1000 + index, "ucsf_document_id": f"doc{index:04d}", "ucsf_document_page_no": str(index + 1),
            "answers": answers, "data_split": split}


def write_docvqa(data_dir: Path) -> None:
    folder = Path(data_dir) / "docvqa" / "DocVQA"
    index = 0
    for shard, questions in enumerate(DOCVQA_SHARDS):
        rows = []
        for question_id, question, answers in questions:
            rows.append(docvqa_row(question_id, question, answers, "val", index))
            index += 1
        write_parquet(folder / f"validation-{shard:05d}-of-{len(DOCVQA_SHARDS):05d}.parquet", rows, DOCVQA_SCHEMA)
    # the test split has no answers and must not be read for the validation benchmark
    write_parquet(folder / "test-00000-of-00001.parquet",
                  [docvqa_row("99999", "What is the total?", None, "test", 99)], DOCVQA_SCHEMA)


WRITERS = {
    "refcoco": write_refcoco, "refcoco_testA": write_refcoco, "refcoco_testB": write_refcoco,
    "refcoco+": write_refcoco_plus, "refcoco+_testA": write_refcoco_plus, "refcoco+_testB": write_refcoco_plus,
    "refcocog": write_refcocog, "refcocog_test": write_refcocog,
    "chartqa": write_chartqa, "docvqa": write_docvqa,
}
