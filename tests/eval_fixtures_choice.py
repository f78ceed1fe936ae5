"""Tiny copies of the vision question-answering benchmarks in their published layouts, written from code.

- RealWorldQA: `realworldqa/data/test-0000k-of-00002.parquet` as xai-org/RealworldQA (image, question, answer).
- MMStar: `mmstar/mmstar.parquet` as Lin-Chen/MMStar (index, question, image, answer, category, l2_category,
  meta_info).
- MathVision: `mathvision/data/test-...parquet` and `testmini-...parquet` as MathLLMs/MathVision (id, question,
  options, image, decoded_image, answer, solution, level, subject).
- DynaMath: `dynamath/data/sample{k}-00000-of-0000k.parquet`, k = 1..10, as DynaMath/DynaMath_Sample (id, question,
  image, decoded_image, ground_truth, answer_type, subject, knowledge_level).
- LogicVista: `logicvista/data/dataset.json` and `logicvista/data/images/` as the GitHub repository.
- MMMU: `mmmu/<Subject>/validation-00000-of-00001.parquet` for the 30 subjects as MMMU/MMMU.
- MMMU-Pro: `mmmu_pro/standard (10 options)/test-0000k-of-00002.parquet` and `mmmu_pro/vision/test-00000-of-00004
  .parquet` as MMMU/MMMU_Pro.

Image cells are `{"bytes", "path"}` structs, as the Hugging Face `Image` feature writes them. Privileged fields
(explanations, solutions, reasonings) hold the marker `SECRET`, which a prompt must never contain. `WRITERS` maps each
benchmark name to the function that writes its files under a data folder.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from eval.benchmarks.choice import MMMU_SUBJECTS

SECRET = "SECRET"
IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def png(colour: tuple[int, int, int], size: tuple[int, int] = (24, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def image_cell(seed: int, name: str) -> dict:
    return {"bytes": png((37 * seed % 256, 90, 200 - seed % 200)), "path": name}


def write_parquet(path: Path, rows: list[dict], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


# ---------------------------------------------------------------------------------------------------------------------
# RealWorldQA: 4 questions over 2 shards, 3 with lettered options and 1 free-form.
# ---------------------------------------------------------------------------------------------------------------------

RWQ_LETTER = "Please answer directly with only the letter of the correct option and nothing else."
RWQ_OPEN = "Please answer directly with a single word or number."
REALWORLDQA_ROWS = [
    [{"question": "Which object is closer to the camera?\nA. The red car\nB. The blue truck\nC. The tree\n"
                  + RWQ_LETTER, "answer": "B"},
     {"question": f"Which way does the road turn?\nA. Left\nB. Right\nC. It goes straight\n{RWQ_LETTER}",
      "answer": "A"}],
    [{"question": f"How many traffic lights are visible? {RWQ_OPEN}", "answer": "3"},
     {"question": f"Is the lane to the left free?\nA. Yes\nB. No\n{RWQ_LETTER}", "answer": "B"}],
]


def write_realworldqa(data_dir: Path) -> None:
    schema = pa.schema([("image", IMAGE), ("question", pa.string()), ("answer", pa.string())])
    for shard, rows in enumerate(REALWORLDQA_ROWS):
        write_parquet(Path(data_dir) / f"realworldqa/data/test-{shard:05d}-of-00002.parquet",
                      [{**row, "image": image_cell(10 * shard + i, f"{i}.webp")} for i, row in enumerate(rows)], schema)


# ---------------------------------------------------------------------------------------------------------------------
# MMStar: 3 questions, options written inside the question.
# ---------------------------------------------------------------------------------------------------------------------

MMSTAR_ROWS = [
    (0, "Which option describe the object relationship in the image correctly?\nOptions: A: The suitcase is on the "
        "book., B: The suitcase is beneath the cat., C: The suitcase is beneath the bed., D: The suitcase is beneath "
        "the book.", "A", "instance reasoning", "cross-instance relation reasoning"),
    (1, "What is the main colour of the sign?\nOptions: A: red, B: green, C: blue, D: yellow", "C",
     "coarse perception", "image scene and topic"),
    (2, "How many apples are in the bowl?\nOptions: A: 2, B: 3, C: 4, D: 5", "D", "fine-grained perception",
     "object counting"),
]


def write_mmstar(data_dir: Path) -> None:
    schema = pa.schema([("index", pa.int64()), ("question", pa.string()), ("image", IMAGE), ("answer", pa.string()),
                        ("category", pa.string()), ("l2_category", pa.string()),
                        ("meta_info", pa.struct([("source", pa.string()), ("split", pa.string()),
                                                 ("image_path", pa.string())]))])
    rows = [{"index": index, "question": question, "image": image_cell(index, f"{index}.jpg"), "answer": answer,
             "category": category, "l2_category": l2, "meta_info": {"source": "MMBench", "split": "val",
                                                                     "image_path": f"images/{index}.jpg"}}
            for index, question, answer, category, l2 in MMSTAR_ROWS]
    write_parquet(Path(data_dir) / "mmstar/mmstar.parquet", rows, schema)


# ---------------------------------------------------------------------------------------------------------------------
# MathVision: test (4 questions) and testmini (2 questions); options are a list, empty for free-form questions.
# ---------------------------------------------------------------------------------------------------------------------

MATHVISION_TEST = [
    ("1", "Which number should be written in place of the question mark?\n<image1>", [], "7", "arithmetic"),
    ("2", "<image1>\nWhich of the following shapes is the net of a cube?", ["A", "B", "C", "D", "E"], "C",
     "solid geometry"),
    ("3", "The triangle has sides 3, 4 and x, with a right angle between the first two. What is x?",
     ["5", "6", "7", "8", "9"], "A", "metric geometry - length"),
    ("4", "What is the ratio of the grey area to the white area? <image1>", [], "\\frac{3}{2}", "algebra"),
]
MATHVISION_TESTMINI = [
    ("5", "How many dots are hidden under the card? <image1>", [], "12", "counting"),
    ("6", "Which picture shows the kangaroo after one turn?", ["A", "B", "C", "D", "E"], "E",
     "transformation geometry"),
]


def _mathvision_rows(questions) -> list[dict]:
    return [{"id": qid, "question": question, "options": options, "image": f"images/{qid}.jpg",
             "decoded_image": image_cell(int(qid), f"{qid}.jpg"), "answer": answer,
             "solution": f"{SECRET} solution of {qid}", "level": 1 + int(qid) % 5, "subject": subject}
            for qid, question, options, answer, subject in questions]


def write_mathvision(data_dir: Path) -> None:
    schema = pa.schema([("id", pa.string()), ("question", pa.string()), ("options", pa.list_(pa.string())),
                        ("image", pa.string()), ("decoded_image", IMAGE), ("answer", pa.string()),
                        ("solution", pa.string()), ("level", pa.int64()), ("subject", pa.string())])
    folder = Path(data_dir) / "mathvision/data"
    write_parquet(folder / "test-00000-of-00001-3532b8d3f1b4047a.parquet", _mathvision_rows(MATHVISION_TEST), schema)
    write_parquet(folder / "testmini-00000-of-00001-f8ff70fcb2f29b1d.parquet", _mathvision_rows(MATHVISION_TESTMINI),
                  schema)


write_mathvision_mini = write_mathvision  # one repository holds both splits

# ---------------------------------------------------------------------------------------------------------------------
# DynaMath: 10 variants of 3 seed questions (a float, a multiple choice, a text answer).
# ---------------------------------------------------------------------------------------------------------------------


def dynamath_rows(variant: int) -> list[dict]:
    questions = [
        ("1", "What is the period of this function? Answer the question with a floating-point number.",
         f"{2 + variant / 8:.4f}", "float", "analytic geometry", "high school"),
        ("5", "Is Dark Magenta greater than Rosy Brown? Choices: (A) yes (B) no", "AB"[variant % 2],
         "multiple choice", "statistics", "elementary school"),
        ("21", "What time is shown? Please answer in the form like __:__.", f"{variant}:30", "text", "arithmetic",
         "elementary school"),
    ]
    return [{"id": qid, "question": question, "image": f"image/image{qid}.png",
             "decoded_image": image_cell(variant * 7 + int(qid), f"image{qid}.png"), "ground_truth": answer,
             "answer_type": kind, "subject": subject, "knowledge_level": level}
            for qid, question, answer, kind, subject, level in questions]


def write_dynamath(data_dir: Path) -> None:
    schema = pa.schema([("id", pa.string()), ("question", pa.string()), ("image", pa.string()),
                        ("decoded_image", IMAGE), ("ground_truth", pa.string()), ("answer_type", pa.string()),
                        ("subject", pa.string()), ("knowledge_level", pa.string())])
    for variant in range(1, 11):
        write_parquet(Path(data_dir) / f"dynamath/data/sample{variant}-00000-of-{variant:05d}.parquet",
                      dynamath_rows(variant), schema)


# ---------------------------------------------------------------------------------------------------------------------
# LogicVista: a single letter, two letters, a numbered option, a letter beyond D, options written in the question.
# ---------------------------------------------------------------------------------------------------------------------

LOGICVISTA_RECORDS = {
    "v1_0": ("What choice (A, B, C, or D) should be in place of the question mark that fits the pattern?", "C",
             ["inductive"], ["diagram", "ocr"]),
    "v1_1": ("Which choices in the image (A-D) belong to the green category?", "A, C", ["inductive"], ["diagram"]),
    "v1_20": ("Which is the correct answer according to the image? Select from 1-5", "3", ["deductive"], ["ocr"]),
    "v1_300": ("Who is the odd-one-out? Select answers from A-I", "G", ["spatial"], ["diagram"]),
    "v1_258": ("What is the percentage increase in revenue from quarter 2 to quarter 4? Select from A, B, C, and D. "
               "(A) 33% (B) 17% (C) 25% (D) 50%", "D", ["numerical"], ["diagram", "ocr"]),
}


def write_logicvista(data_dir: Path) -> None:
    folder = Path(data_dir) / "logicvista/data"
    (folder / "images").mkdir(parents=True, exist_ok=True)
    records = {}
    for n, (key, (question, answer, skill, capability)) in enumerate(LOGICVISTA_RECORDS.items()):
        (folder / "images" / f"{key}.png").write_bytes(png((60 * n, 120, 30)))
        records[key] = {"imagename": f"{key}.png", "question": question, "answer": answer,
                        "reasoning": f"{SECRET} reasoning of {key}", "skill": skill, "capability": capability,
                        "imagesource": "aptitudetests", "sourcelink": "https://example.org/test"}
    (folder / "dataset.json").write_text(json.dumps(records, indent=4))


# ---------------------------------------------------------------------------------------------------------------------
# MMMU: every subject has one plain multiple-choice question; five subjects have more.
# ---------------------------------------------------------------------------------------------------------------------

MMMU_COLUMNS = [("id", pa.string()), ("question", pa.string()), ("options", pa.string()), ("explanation", pa.string()),
                *[(f"image_{k}", IMAGE) for k in range(1, 8)], ("img_type", pa.string()), ("answer", pa.string()),
                ("topic_difficulty", pa.string()), ("question_type", pa.string()), ("subfield", pa.string())]


def mmmu_row(qid: str, question: str, options: str, answer: str, images: int, question_type="multiple-choice",
             **fields) -> dict:
    row = {"id": qid, "question": question, "options": options, "explanation": f"{SECRET} explanation of {qid}",
           "img_type": "['Diagrams']", "answer": answer, "topic_difficulty": "Medium",
           "question_type": question_type, "subfield": "General", **fields}
    for k in range(1, 8):
        row[f"image_{k}"] = image_cell(len(qid) * 11 + k, f"{qid}_{k}.png") if k <= images else None
    return row


def mmmu_questions(subject: str) -> list[dict]:
    rows = [mmmu_row(f"validation_{subject}_1", f"Which statement about <image 1> is right in {subject}?",
                     "['the first', 'the second', 'the third', 'the fourth']", "B", 1)]
    if subject == "Accounting":  # images as options
        rows.append(mmmu_row("validation_Accounting_2", "Which of these is a balance sheet?",
                             "['<image 1>', '<image 2>', '<image 3>', '<image 4>']", "D", 4))
    if subject == "Art":  # images in the question, named again by the options, and an image named nowhere
        rows[0] = mmmu_row("validation_Art_1", "Compare <image 1> with <image 2>. Which was painted first?",
                           "['<image 1>', '<image 2>', 'both in the same year']", "A", 3)
    if subject == "Math":  # an open numeric question
        rows[0] = mmmu_row("validation_Math_1", "<image 1> What is the area of the triangle?", "[]", "12.5", 1,
                           question_type="open")
    if subject == "Physics":  # an open question with two accepted answers
        rows[0] = mmmu_row("validation_Physics_1", "What is the ratio of the two masses in <image 1>?", "[]",
                           "['2.5', '5/2']", 1, question_type="open")
    return rows


def write_mmmu(data_dir: Path) -> None:
    schema = pa.schema(MMMU_COLUMNS)
    for subject in MMMU_SUBJECTS:
        write_parquet(Path(data_dir) / f"mmmu/{subject}/validation-00000-of-00001.parquet", mmmu_questions(subject),
                      schema)


# ---------------------------------------------------------------------------------------------------------------------
# MMMU-Pro: standard (10 options) over 2 shards, vision with the options column only.
# ---------------------------------------------------------------------------------------------------------------------

TEN_OPTIONS = "['1 kg', '2 kg', '3 kg', '4 kg', '5 kg', '6 kg', '7 kg', '8 kg', '9 kg', '10 kg']"
MMMU_PRO_STANDARD_ROWS = [
    [("test_History_1", "Who signed the treaty shown in <image 1>?",
      "['Grant', 'Lee', 'Lincoln', 'Davis', 'Sherman', 'Jackson', 'Meade', 'Hooker', 'Burnside', 'McClellan']", "C", 1,
      "History"),
     ("test_Physics_7", "<image 1> What mass balances the lever?", TEN_OPTIONS, "J", 1, "Physics")],
    [("test_Art_Theory_3", "Which painting uses chiaroscuro?",
      "['<image 1>', '<image 2>', 'neither', 'both', 'the frame', 'the sketch', 'the copy', 'the study', "
      "'the print', 'the poster']", "B", 2, "Art_Theory")],
]


def write_mmmu_pro_standard(data_dir: Path) -> None:
    columns = [c for c in MMMU_COLUMNS if c[0] not in ("question_type", "subfield")] + [("subject", pa.string())]
    schema = pa.schema(columns)
    for shard, rows in enumerate(MMMU_PRO_STANDARD_ROWS):
        records = []
        for qid, question, options, answer, images, subject in rows:
            row = mmmu_row(qid, question, options, answer, images, subject=subject)
            records.append({name: row[name] for name, _ in columns})
        write_parquet(Path(data_dir) / f"mmmu_pro/standard (10 options)/test-{shard:05d}-of-00002.parquet", records,
                      schema)


MMMU_PRO_VISION_ROWS = [("test_History_1", "C", "History"), ("test_Physics_7", "J", "Physics")]


def write_mmmu_pro_vision(data_dir: Path) -> None:
    schema = pa.schema([("id", pa.string()), ("image", IMAGE), ("options", pa.string()), ("answer", pa.string()),
                        ("subject", pa.string())])
    rows = [{"id": qid, "image": image_cell(n + 3, f"{qid}.png"), "options": TEN_OPTIONS, "answer": answer,
             "subject": subject} for n, (qid, answer, subject) in enumerate(MMMU_PRO_VISION_ROWS)]
    write_parquet(Path(data_dir) / "mmmu_pro/vision/test-00000-of-00004.parquet", rows, schema)


WRITERS = {
    "realworldqa": write_realworldqa,
    "mmstar": write_mmstar,
    "mathvision": write_mathvision,
    "mathvision_mini": write_mathvision_mini,
    "dynamath": write_dynamath,
    "logicvista": write_logicvista,
    "mmmu": write_mmmu,
    "mmmu_pro_standard": write_mmmu_pro_standard,
    "mmmu_pro_vision": write_mmmu_pro_vision,
}
