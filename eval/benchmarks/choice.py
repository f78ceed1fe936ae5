"""The vision question-answering benchmarks: RealWorldQA, MMStar, MathVision, DynaMath, LogicVista, MMMU, MMMU-Pro.

Each reads its published layout under ``--data-dir`` (the Hugging Face dataset repository as downloaded with
``huggingface-cli download --repo-type dataset REPO --local-dir DATA_DIR/<folder>``, or for LogicVista a clone of its
GitHub repository), one folder per benchmark:

=====================  ==========================================================================================
registry name          files read (relative to --data-dir)
=====================  ==========================================================================================
``realworldqa``        ``realworldqa/data/test-*.parquet`` (xai-org/RealworldQA: image, question, answer)
``mmstar``             ``mmstar/mmstar.parquet`` (Lin-Chen/MMStar: index, question, image, answer, category, ...)
``mathvision``         ``mathvision/data/test-*.parquet`` (MathLLMs/MathVision: id, question, options, image,
                       decoded_image, answer, solution, level, subject), 3,040 questions
``mathvision_mini``    ``mathvision/data/testmini-*.parquet`` (the same repository's 304-question testmini split)
``dynamath``           ``dynamath/data/sample{1..10}-*.parquet`` (DynaMath/DynaMath_Sample, splits sample_variant1..10:
                       id, question, image, decoded_image, ground_truth, answer_type, subject, knowledge_level)
``logicvista``         ``logicvista/data/dataset.json`` and ``logicvista/data/images/`` (a clone of
                       github.com/Yijia-Xiao/LogicVista: imagename, question, answer, reasoning, skill, capability)
``mmmu``               ``mmmu/<Subject>/validation-*.parquet`` for the 30 subjects (MMMU/MMMU: id, question, options,
                       explanation, image_1..image_7, img_type, answer, topic_difficulty, question_type, subfield)
``mmmu_pro_standard``  ``mmmu_pro/standard (10 options)/test-*.parquet`` (MMMU/MMMU_Pro, 10 options per question)
``mmmu_pro_vision``    ``mmmu_pro/vision/test-*.parquet`` (MMMU/MMMU_Pro: id, image, options, answer, subject)
=====================  ==========================================================================================

Prompts. Multiple-choice questions show their options as lettered lines (``A. ...``) after the question and end with
the instruction of the MMMU reference prompt, ``Answer with the option's letter from the given choices directly.``;
free-form questions end with the MMMU open-question instruction, ``Answer the question using a single word or
phrase.``. RealWorldQA questions are used verbatim (they carry their lettered options and their own instruction).
MMStar's options written inside the question (``Options: A: ..., B: ...``) are parsed out and shown as lettered lines
(a question whose options cannot be parsed is kept verbatim, its options then being the letters A-D). DynaMath uses
its own prompt (``evaluation/opensource_json_eval.py``: ``## Question``, the question verbatim, its answer instruction
asking for a JSON object with ``solution`` and ``short answer``), since its scorer reads that JSON; its ``Choices:
(A) ... (B) ...`` are parsed for the lenient scorer only. LogicVista questions are kept verbatim (their options are in
the image or written as ``(A) ... (B) ...``). In MMMU and MMMU-Pro each ``<image k>`` placeholder of the question or an
option is replaced by image k where it first appears (a repeated placeholder stays as text, an image that no
placeholder names goes before the text); MathVision's ``<image1>`` likewise. The MMMU-Pro vision setting shows only
the screenshot, which holds the question and its options. Images go before the text otherwise.

Scoring (metric ``accuracy``, 1.0 or 0.0 per question; the headline is the mean over the questions, which is also
each reference's overall number: MMMU's and MMMU-Pro's instance-level accuracy, MMStar's ``final score``). The default,
``--scoring official``, is each benchmark's own published scorer, reproduced in :mod:`eval.choice_scoring` and checked
case for case against that code (tests/eval/official/test_vision_choice_official.py); reasoning
(``<think>...</think>``) is removed before it, the harness's only addition:

- MMMU: ``parse_multi_choice_response`` / ``parse_open_response`` + ``eval_open`` of MMMU's ``eval/eval_utils.py``
  (:func:`eval.choice_scoring.mmmu_choice`, :func:`eval.choice_scoring.mmmu_open_correct`); where the parser finds no
  option it guesses, as MMMU's does, with ``random.choice`` seeded with 42 -- reseeded for every response, so the
  guess depends on the response alone (MMMU's script draws from one stream over the run);
- MMMU-Pro standard and vision: ``mmmu-pro/evaluate.py``'s parser (the same, with a first look after the last
  ``Answer:``); the vision responses are parsed too (lmms-eval compares the raw response with the letter);
- MMStar: ``MMStar_eval``'s first-character rule;
- MathVision: ``evaluation/evaluate.py`` + ``utils.py`` (answer read after ``the answer is`` / the last ``\\boxed``,
  equal as text, as a tuple, or in value to two decimals; a multiple-choice answer may be the letter or the option's
  text);
- DynaMath: ``opensource_json_eval.py`` on the JSON ``short answer`` (a float within 0.001, a letter, a text
  contained); an ``<answer>...</answer>`` block is read as the short answer;
- RealWorldQA (xAI published no scorer): lmms-eval 0.7.3's ``realworldqa_process_results``;
- LogicVista: its ``extract_accuracy_new.py`` extracts the labels with GPT-4, which the harness cannot reproduce: the
  project's rule below reads them, with the script's deterministic parts (a one-character response that is neither
  a letter a-e nor a digit is wrong; the label sets must be equal).

``--scoring lenient`` keeps the project's own, more forgiving rule (:func:`score_question`):

- a multiple-choice question is right when :func:`eval.extract.extract_choice` returns the answer's letter;
- a free-form question (RealWorldQA without options, MathVision without options, DynaMath ``float`` and ``text``
  answers, MMMU open questions) is scored by :func:`eval.choice_scoring.open_answer_correct`;
- LogicVista: a single-letter answer is a multiple-choice question as above (options A-J, with their texts when the
  question writes them as ``(A) ... (B) ...``); an answer of several options (``"A, C"``) or a numbered option
  (``"3"``) is right when :func:`eval.choice_scoring.choice_labels` finds exactly that set of labels.

Besides the overall accuracy, the summary reports the accuracy of each category the benchmark's paper reports
(``accuracy/<category>``): MMStar's six core capabilities, MathVision's and DynaMath's subjects, LogicVista's five
reasoning skills, the six MMMU disciplines (MMMU and MMMU-Pro); DynaMath adds its worst-case accuracy.
"""

from __future__ import annotations

import ast
import json
import re
import string
from collections import defaultdict
from itertools import islice
from pathlib import Path
from typing import Iterator

from eval.base import Benchmark, Doc, EvalError, mean_per_metric, missing_message, parquet_rows, record_error
from eval.choice_scoring import (DYNAMATH_EXAMPLE, DYNAMATH_GUIDE, choice_labels, dynamath_correct,
                                 mathvision_correct, mmmu_choice, mmmu_open_correct, mmstar_correct,
                                 open_answer_correct, parse_answer_list, realworldqa_correct)
from eval.extract import extract_choice
from eval.metrics import strip_think

LETTER_INSTRUCTION = "Answer with the option's letter from the given choices directly."
OPEN_INSTRUCTION = "Answer the question using a single word or phrase."
VISION_INSTRUCTION = ("The question and its options are in the image. "
                      "Answer with the option letter from the given choices directly.")
LABELS_INSTRUCTION = ("Answer with the letter (or the number) of the correct option. "
                      "If several options are correct, give all of them, separated by commas.")

MMMU_DISCIPLINES = {
    "Art and Design": ["Art", "Art_Theory", "Design", "Music"],
    "Business": ["Accounting", "Economics", "Finance", "Manage", "Marketing"],
    "Science": ["Biology", "Chemistry", "Geography", "Math", "Physics"],
    "Health and Medicine": ["Basic_Medical_Science", "Clinical_Medicine", "Diagnostics_and_Laboratory_Medicine",
                            "Pharmacy", "Public_Health"],
    "Humanities and Social Science": ["History", "Literature", "Sociology", "Psychology"],
    "Tech and Engineering": ["Agriculture", "Architecture_and_Engineering", "Computer_Science", "Electronics",
                             "Energy_and_Power", "Materials", "Mechanical_Engineering"],
}
MMMU_SUBJECTS = sorted(subject for subjects in MMMU_DISCIPLINES.values() for subject in subjects)
DISCIPLINE_OF = {subject: discipline for discipline, subjects in MMMU_DISCIPLINES.items() for subject in subjects}
LOGICVISTA_LETTERS = string.ascii_uppercase[:10]  # A-J: the labels LogicVista's reference extractor accepts

# ---------------------------------------------------------------------------------------------------------------------
# Scoring.
# ---------------------------------------------------------------------------------------------------------------------


def score_question(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Accuracy of one response by the kind of its question, the project's own rule (see the module docstring):
    LogicVista's scorer, and the ``--scoring lenient`` scorer of the other benchmarks."""
    document = doc.document
    if document["kind"] == "choice":
        letter = extract_choice(response, document["options"])
        return letter or "", {"accuracy": float(letter == document["answer"])}
    if document["kind"] == "labels":
        labels = choice_labels(response, numbered=document["answer"][0].isdigit())
        return ", ".join(sorted(labels)), {"accuracy": float(labels == frozenset(document["answer"]))}
    extracted, correct = open_answer_correct(response, document["answers"])
    return extracted, {"accuracy": float(correct)}


def _verdict(read: str, correct: bool) -> tuple[str, dict[str, float]]:
    return read, {"accuracy": float(correct)}


def score_mmmu(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """MMMU's own scorer: :func:`eval.choice_scoring.mmmu_choice` (multiple choice, a seeded guess when nothing is
    found) or :func:`eval.choice_scoring.mmmu_open_correct` (open questions)."""
    document = doc.document
    if document["kind"] == "choice":
        letter, _ = mmmu_choice(response, document["options"])
        return _verdict(letter, letter == document["answer"])
    return _verdict(*mmmu_open_correct(response, document["answers"]))


def score_mmmu_pro(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """MMMU-Pro's ``evaluate.py`` (standard and vision alike): :func:`eval.choice_scoring.mmmu_choice` with
    ``pro=True``."""
    letter, _ = mmmu_choice(response, doc.document["options"], pro=True)
    return _verdict(letter, letter == doc.document["answer"])


def score_mmstar(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """MMStar's ``MMStar_eval`` first-character rule (:func:`eval.choice_scoring.mmstar_correct`)."""
    return _verdict(*mmstar_correct(response, doc.document["answer"]))


def score_mathvision(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """MathVision's ``evaluate.py`` (:func:`eval.choice_scoring.mathvision_correct`)."""
    document = doc.document
    if document["kind"] == "choice":
        return _verdict(*mathvision_correct(response, document["answer"], document["options"]))
    return _verdict(*mathvision_correct(response, document["answers"][0]))


def score_dynamath(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """DynaMath's ``opensource_json_eval.py`` on the JSON ``short answer``
    (:func:`eval.choice_scoring.dynamath_correct`)."""
    document = doc.document
    answer = document["answer"] if document["kind"] == "choice" else document["answers"][0]
    return _verdict(*dynamath_correct(response, answer, document["answer_type"]))


def score_realworldqa(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """lmms-eval's RealWorldQA scorer (:func:`eval.choice_scoring.realworldqa_correct`); xAI published none."""
    document = doc.document
    answer = document["answer"] if document["kind"] == "choice" else document["answers"][0]
    return _verdict(*realworldqa_correct(response, answer))


def score_logicvista(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """LogicVista's ``extract_accuracy_new.py``: a response of one character that is neither a letter a-e nor a digit
    is wrong before any extraction (its ``ZZZZZ``); otherwise the labels its GPT-4 extractor would read are read by
    the project's rule (:func:`score_question`) and must equal the answer's as a set."""
    text = strip_think(response).strip()
    if len(text) == 1 and ((text.isalpha() and text.lower() not in "abcde") or not text.isalnum()):
        return "", {"accuracy": 0.0}
    return score_question(response, doc)


def accuracy_by(field: str):
    """An aggregate: the mean accuracy, then ``accuracy/<value>`` for each value of ``document[field]`` (a string
    or a list of strings; documents without the field count in the overall accuracy only)."""
    def aggregate(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
        summary = mean_per_metric(scores)
        groups: dict[str, list[float]] = defaultdict(list)
        for doc, score in zip(docs, scores):
            values = doc.document.get(field)
            for value in [values] if isinstance(values, str) else values or []:
                groups[value].append(score["accuracy"])
        summary.update({f"accuracy/{name}": sum(v) / len(v) for name, v in sorted(groups.items())})
        return summary
    return aggregate


def dynamath_summary(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """Average-case accuracy, the worst-case accuracy of the DynaMath paper (the share of seed questions answered
    right in every variant read) and the accuracy per subject."""
    summary = accuracy_by("subject")(docs, scores)
    per_seed: dict[str, list[float]] = defaultdict(list)
    for doc, score in zip(docs, scores):
        per_seed[doc.document["seed"]].append(score["accuracy"])
    worst = [min(values) for values in per_seed.values()]
    return {"accuracy": summary.pop("accuracy"), "worst_case_accuracy": sum(worst) / len(worst), **summary}


# ---------------------------------------------------------------------------------------------------------------------
# Reading the published files.
# ---------------------------------------------------------------------------------------------------------------------


def _shards(benchmark: Benchmark, data_dir: Path, pattern: str) -> list[Path]:
    files = sorted(data_dir.glob(pattern))
    if not files:
        raise EvalError(missing_message(benchmark, data_dir))
    return files


def _records(benchmark: str, path: Path, columns: list[str]) -> Iterator[tuple[int, dict]]:
    """(row number, row) of a Parquet file, after checking that it has the columns the benchmark reads."""
    import pyarrow.parquet as pq

    names = set(pq.read_schema(path).names)
    missing = [c for c in columns if c not in names]
    if missing:
        raise record_error(benchmark, path, "(schema)", f"columns {missing} are missing (found {sorted(names)}); "
                           "the file is not the published layout: download the dataset repository again")
    yield from enumerate(parquet_rows(path, columns))


def _text(benchmark: str, path: Path, record: str, row: dict, field: str) -> str:
    value = row.get(field)
    if value is None or not str(value).strip():
        raise record_error(benchmark, path, record, f"field '{field}': empty; the record cannot be asked or scored, "
                           "restore it from the published copy")
    return str(value).strip()


def _image(benchmark: str, path: Path, record: str, value, ref: str, folder: Path | None = None) -> dict:
    """An image part from a Hugging Face ``Image`` cell ({bytes, path}); a path is looked up under ``folder``."""
    if isinstance(value, dict) and value.get("bytes"):
        return {"type": "image", "image": value["bytes"], "ref": ref}
    name = value.get("path") if isinstance(value, dict) else value
    if name and folder is not None and (folder / name).is_file():
        return {"type": "image", "image": str(folder / name), "ref": ref}
    raise record_error(benchmark, path, record, f"image '{ref}': no image bytes and no file {name!r}; "
                       "download the dataset again (the image cells must hold their bytes)")


def _cell_or_name(cell, name):
    """The decoded image cell when it holds bytes, else the image's file name (MathVision, DynaMath)."""
    return cell if isinstance(cell, dict) and cell.get("bytes") else name


def _options_list(benchmark: str, path: Path, record: str, value) -> list[str]:
    """An options field: a list, or the string form of a list as MMMU and MMMU-Pro store it."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            value = None
    if not isinstance(value, (list, tuple)) or not all(isinstance(o, (str, int, float)) for o in value):
        raise record_error(benchmark, path, record, "field 'options': not a list of option texts "
                           "(expected e.g. \"['2', '4']\")")
    return [str(o).strip() for o in value]


def _choice_answer(benchmark: str, path: Path, record: str, answer: str, options: list[str],
                   field: str = "answer") -> str:
    answer = answer.strip().strip("()").upper()
    if len(answer) != 1 or not "A" <= answer < chr(ord("A") + len(options)):
        raise record_error(benchmark, path, record, f"field '{field}': {answer!r} is not the letter of one of the "
                           f"{len(options)} options")
    return answer


def _lettered(options: list[str]) -> str:
    return "\n".join(f"{string.ascii_uppercase[i]}. {option}" for i, option in enumerate(options))


def _user(*parts: dict) -> list[dict]:
    return [{"role": "user", "content": list(parts)}]


def _text_part(text: str) -> dict:
    return {"type": "text", "text": text}


_PLACEHOLDER = re.compile(r"<image\s*(\d+)>")


def _interleaved(text: str, images: dict[int, dict]) -> list[dict]:
    """The prompt's parts: each image at the first ``<image k>`` / ``<imagek>`` naming it (the text around it kept
    as it is, spaces included), images named nowhere first."""
    named = {int(k) for k in _PLACEHOLDER.findall(text) if int(k) in images}
    parts = [images[k] for k in sorted(images) if k not in named]
    placed: set[int] = set()
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        k = int(match.group(1))
        if k not in images or k in placed:
            continue
        if text[position:match.start()].strip():
            parts.append(_text_part(text[position:match.start()]))
        parts.append(images[k])
        placed.add(k)
        position = match.end()
    if text[position:].strip():
        parts.append(_text_part(text[position:]))
    return parts


def _referenced_images(text: str) -> set[int]:
    return {int(k) for k in _PLACEHOLDER.findall(text)}


_LETTERED_LINE = re.compile(r"^\s*([A-Z])\.\s+(.+?)\s*$")


def _lettered_lines(question: str) -> list[str]:
    """The texts of ``A. ...`` / ``B. ...`` lines of a question, consecutive from A (RealWorldQA)."""
    options = []
    for line in question.splitlines():
        match = _LETTERED_LINE.match(line)
        if match and match.group(1) == string.ascii_uppercase[len(options)]:
            options.append(match.group(2))
    return options if len(options) >= 2 else []


def _inline_options(text: str, marker: str, label: str) -> tuple[str, list[str]] | None:
    """(stem, options) of a question whose options follow ``marker`` as ``label``-formatted letters in order
    (MMStar ``Options: A: x, B: y``, DynaMath ``Choices: (A) x (B) y``); None if it has no such options."""
    start = re.search(marker, text)
    if start is None:
        return None
    stem, rest = text[:start.start()].strip(), text[start.end():]
    bounds = []
    for letter in string.ascii_uppercase:
        found = re.search(label.format(letter=letter), rest[bounds[-1][1]:] if bounds else rest)
        if found is None:
            break
        offset = bounds[-1][1] if bounds else 0
        bounds.append((offset + found.start(), offset + found.end()))
    if len(bounds) < 2 or bounds[0][0] != 0:
        return None
    options = [rest[end:(bounds[i + 1][0] if i + 1 < len(bounds) else len(rest))] for i, (_, end) in enumerate(bounds)]
    return stem, [o.strip().rstrip(",").strip() for o in options]


# ---------------------------------------------------------------------------------------------------------------------
# RealWorldQA.
# ---------------------------------------------------------------------------------------------------------------------


def load_realworldqa(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_realworldqa_docs(data_dir), limit))


def _realworldqa_docs(data_dir: Path) -> Iterator[Doc]:
    number = 0
    for path in _shards(REALWORLDQA, data_dir, "realworldqa/data/test-*.parquet"):
        for row_index, row in _records("realworldqa", path, ["image", "question", "answer"]):
            record = f"row {row_index}"
            question = _text("realworldqa", path, record, row, "question")
            answer = _text("realworldqa", path, record, row, "answer")
            ref = f"realworldqa/data/{path.name}#{row_index}"
            image = _image("realworldqa", path, record, row["image"], ref)
            options = _lettered_lines(question)
            document = {"id": str(number), "question": question, "image": ref}
            if options and answer.strip("(). ").upper() in string.ascii_uppercase[:len(options)]:
                document.update(kind="choice", options=options, answer=answer.strip("(). ").upper())
            else:
                document.update(kind="open", answers=[answer])
            yield Doc(str(number), _user(image, _text_part(question)), answer, document)
            number += 1


REALWORLDQA = Benchmark(
    "realworldqa", ("accuracy",),
    layout="realworldqa/data/test-00000-of-00002.parquet and test-00001-of-00002.parquet (the xai-org/RealworldQA "
           "dataset repository as downloaded; lmms-lab/RealWorldQA has the same data/test-*.parquet; columns image, "
           "question, answer)",
    source="https://huggingface.co/datasets/xai-org/RealworldQA",
    load=load_realworldqa, score=score_realworldqa, lenient=score_question,
    files=lambda data_dir: sorted(data_dir.glob("realworldqa/data/test-*.parquet")), max_new_tokens=256, version=2)

# ---------------------------------------------------------------------------------------------------------------------
# MMStar.
# ---------------------------------------------------------------------------------------------------------------------


def load_mmstar(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_mmstar_docs(data_dir), limit))


def _mmstar_docs(data_dir: Path) -> Iterator[Doc]:
    path = _shards(MMSTAR, data_dir, "mmstar/mmstar.parquet")[0]
    for row_index, row in _records("mmstar", path, ["index", "question", "image", "answer", "category",
                                                    "l2_category"]):
        record = f"index {row['index']}" if row["index"] is not None else f"row {row_index}"
        question = _text("mmstar", path, record, row, "question")
        parsed = _inline_options(question, r"\s*Options:\s*", r"(?:^|,\s*){letter}:\s")
        if parsed is None:  # kept verbatim: the letters A-D are still the options
            stem, options, prompt = question, [""] * 4, f"{question}\n{LETTER_INSTRUCTION}"
        else:
            stem, options = parsed
            prompt = f"{stem}\n{_lettered(options)}\n{LETTER_INSTRUCTION}"
        answer = _choice_answer("mmstar", path, record, _text("mmstar", path, record, row, "answer"), options)
        doc_id = str(row["index"])
        ref = f"mmstar/mmstar.parquet#index={doc_id}"
        document = {"id": doc_id, "kind": "choice", "question": stem, "options": options, "answer": answer,
                    "category": row["category"], "l2_category": row["l2_category"], "image": ref}
        yield Doc(doc_id, _user(_image("mmstar", path, record, row["image"], ref), _text_part(prompt)), answer,
                  document)


MMSTAR = Benchmark(
    "mmstar", ("accuracy",),
    layout="mmstar/mmstar.parquet (the Lin-Chen/MMStar dataset repository as downloaded; columns index, question, "
           "image, answer, category, l2_category, meta_info)",
    source="https://huggingface.co/datasets/Lin-Chen/MMStar",
    load=load_mmstar, score=score_mmstar, lenient=score_question, aggregate=accuracy_by("category"),
    files=lambda data_dir: sorted(data_dir.glob("mmstar/mmstar.parquet")), max_new_tokens=256, version=2)

# ---------------------------------------------------------------------------------------------------------------------
# MathVision.
# ---------------------------------------------------------------------------------------------------------------------

_MATHVISION_COLUMNS = ["id", "question", "options", "image", "decoded_image", "answer", "level", "subject"]


def _mathvision_docs(benchmark: Benchmark, data_dir: Path, split: str) -> Iterator[Doc]:
    folder = data_dir / "mathvision"
    for path in _shards(benchmark, data_dir, f"mathvision/data/{split}-*.parquet"):
        for row_index, row in _records(benchmark.name, path, _MATHVISION_COLUMNS):
            record = f"id {row['id']}" if row["id"] is not None else f"row {row_index}"
            doc_id = _text(benchmark.name, path, record, row, "id")
            question = _text(benchmark.name, path, record, row, "question")
            answer = _text(benchmark.name, path, record, row, "answer")
            options = _options_list(benchmark.name, path, record, row["options"] or [])
            ref = f"mathvision/{row['image'] or path.name + '#id=' + doc_id}"
            image = _image(benchmark.name, path, record, _cell_or_name(row["decoded_image"], row["image"]), ref,
                           folder)
            document = {"id": doc_id, "question": question, "subject": row["subject"], "level": row["level"],
                        "image": ref}
            if options:
                answer = _choice_answer(benchmark.name, path, record, answer, options)
                document.update(kind="choice", options=options, answer=answer)
                text = f"{question}\n{_lettered(options)}\n{LETTER_INSTRUCTION}"
            else:
                document.update(kind="open", answers=[answer])
                text = f"{question}\n{OPEN_INSTRUCTION}"
            yield Doc(doc_id, [{"role": "user", "content": _interleaved(text, {1: image})}], answer, document)


def load_mathvision(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_mathvision_docs(MATHVISION, data_dir, "test"), limit))


def load_mathvision_mini(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_mathvision_docs(MATHVISION_MINI, data_dir, "testmini"), limit))


_MATHVISION_LAYOUT = ("(the MathLLMs/MathVision dataset repository as downloaded; columns id, question, options, "
                      "image, decoded_image, answer, solution, level, subject; images come from decoded_image, or "
                      "from mathvision/images/ unpacked from images.zip)")
MATHVISION = Benchmark(
    "mathvision", ("accuracy",),
    layout=f"mathvision/data/test-00000-of-00001-3532b8d3f1b4047a.parquet {_MATHVISION_LAYOUT}",
    source="https://huggingface.co/datasets/MathLLMs/MathVision",
    load=load_mathvision, score=score_mathvision, lenient=score_question, aggregate=accuracy_by("subject"),
    files=lambda data_dir: sorted(data_dir.glob("mathvision/data/test-*.parquet")), max_new_tokens=256, version=2)
MATHVISION_MINI = Benchmark(
    "mathvision_mini", ("accuracy",),
    layout=f"mathvision/data/testmini-00000-of-00001-f8ff70fcb2f29b1d.parquet {_MATHVISION_LAYOUT}",
    source="https://huggingface.co/datasets/MathLLMs/MathVision",
    load=load_mathvision_mini, score=score_mathvision, lenient=score_question, aggregate=accuracy_by("subject"),
    files=lambda data_dir: sorted(data_dir.glob("mathvision/data/testmini-*.parquet")), max_new_tokens=256, version=2)

# ---------------------------------------------------------------------------------------------------------------------
# DynaMath.
# ---------------------------------------------------------------------------------------------------------------------

DYNAMATH_VARIANTS = range(1, 11)
_DYNAMATH_COLUMNS = ["id", "question", "image", "decoded_image", "ground_truth", "answer_type", "subject",
                     "knowledge_level"]


def dynamath_prompt(question: str, answer_type: str) -> str:
    """DynaMath's own prompt (``evaluation/opensource_json_eval.py``): ``## Question``, the question verbatim,
    ``Please answer in a floating-point number.`` for a float answer, then its answer instruction asking for a JSON
    object with ``solution`` and ``short answer``, which its scorer reads."""
    hint = "Please answer in a floating-point number." if answer_type == "float" else ""
    return f"## Question\n{question}{hint}{DYNAMATH_GUIDE}{DYNAMATH_EXAMPLE}"


def load_dynamath(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_dynamath_docs(data_dir), limit))


def _dynamath_files(data_dir: Path) -> list[list[Path]]:
    variants = [sorted(data_dir.glob(f"dynamath/data/sample{k}-*.parquet")) for k in DYNAMATH_VARIANTS]
    if not all(variants):
        raise EvalError(missing_message(DYNAMATH, data_dir))
    return variants


def _dynamath_docs(data_dir: Path) -> Iterator[Doc]:
    folder = data_dir / "dynamath"
    for variant, paths in zip(DYNAMATH_VARIANTS, _dynamath_files(data_dir)):
        for path in paths:
            for row_index, row in _records("dynamath", path, _DYNAMATH_COLUMNS):
                record = f"id {row['id']}" if row["id"] is not None else f"row {row_index}"
                seed = _text("dynamath", path, record, row, "id")
                question = _text("dynamath", path, record, row, "question")
                answer = _text("dynamath", path, record, row, "ground_truth")
                answer_type = _text("dynamath", path, record, row, "answer_type")
                doc_id = f"variant{variant}/{seed}"
                ref = f"dynamath/{row['image'] or path.name + '#id=' + seed}"
                image = _image("dynamath", path, record, _cell_or_name(row["decoded_image"], row["image"]), ref,
                               folder)
                document = {"id": doc_id, "seed": seed, "variant": variant, "answer_type": answer_type,
                            "subject": row["subject"], "knowledge_level": row["knowledge_level"], "image": ref}
                if answer_type == "multiple choice":
                    parsed = _inline_options(question, r"(?i)\b(?:choices?|options?)\s*:\s*(?=\(A\))",
                                             r"\({letter}\)\s*")
                    # the options, for the lenient scorer; with none parsed the letters A-E (DynaMath's scorer)
                    stem, options = parsed if parsed is not None else (question, [""] * 5)
                    answer = _choice_answer("dynamath", path, record, answer, options, "ground_truth")
                    document.update(kind="choice", question=stem, options=options, answer=answer)
                else:
                    document.update(kind="open", question=question, answers=[answer])
                text = dynamath_prompt(question, answer_type)
                yield Doc(doc_id, _user(image, _text_part(text)), answer, document)


DYNAMATH = Benchmark(
    "dynamath", ("accuracy",),
    layout="dynamath/data/sample1-00000-of-00001.parquet ... dynamath/data/sample10-00000-of-00010.parquet, all ten "
           "variants (the DynaMath/DynaMath_Sample dataset repository as downloaded, splits sample_variant1..10; "
           "columns id, question, image, decoded_image, ground_truth, answer_type, subject, knowledge_level)",
    source="https://huggingface.co/datasets/DynaMath/DynaMath_Sample",
    load=load_dynamath, score=score_dynamath, lenient=score_question, aggregate=dynamath_summary,
    files=lambda data_dir: sorted(p for k in DYNAMATH_VARIANTS for p in data_dir.glob(f"dynamath/data/sample{k}-*")),
    max_new_tokens=256, version=2)

# ---------------------------------------------------------------------------------------------------------------------
# LogicVista.
# ---------------------------------------------------------------------------------------------------------------------

_LOGICVISTA_ANSWER = re.compile(r"^(?:[A-Z](?:\s*,\s*[A-Z])*|\d+(?:\s*,\s*\d+)*)$")


def load_logicvista(data_dir: Path, limit: int | None) -> list[Doc]:
    folder = data_dir / "logicvista" / "data"
    path = folder / "dataset.json"
    if not path.is_file():
        raise EvalError(missing_message(LOGICVISTA, data_dir))
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise record_error("logicvista", path, "(file)", f"not JSON ({error}); download dataset.json again")
    docs = []
    for key, record in islice(records.items(), limit):
        if not isinstance(record, dict):
            raise record_error("logicvista", path, key, "not an object with imagename, question and answer")
        question = _text("logicvista", path, key, record, "question")
        answer = _text("logicvista", path, key, record, "answer").upper()
        if not _LOGICVISTA_ANSWER.match(answer):
            raise record_error("logicvista", path, key, f"field 'answer': {answer!r} is not an option label or a "
                               "comma-separated list of them (e.g. 'C', 'A, C', '3')")
        labels = [a.strip() for a in answer.split(",")]
        name = _text("logicvista", path, key, record, "imagename")
        image = _image("logicvista", path, key, name, f"logicvista/data/images/{name}", folder / "images")
        document = {"id": key, "question": question, "skill": list(record.get("skill") or []),
                    "capability": list(record.get("capability") or []), "image": f"images/{name}"}
        if len(labels) == 1 and labels[0] in LOGICVISTA_LETTERS:
            parsed = _inline_options(question, r"(?=\(A\)\s)", r"\({letter}\)\s*")  # "... (A) 33% (B) 17%"
            if parsed is not None and labels[0] < chr(ord("A") + len(parsed[1])):
                options = dict(zip(LOGICVISTA_LETTERS, parsed[1]))
            else:
                options = {letter: "" for letter in LOGICVISTA_LETTERS}
            document.update(kind="choice", options=options, answer=labels[0])
        else:
            document.update(kind="labels", answer=labels)
        docs.append(Doc(key, _user(image, _text_part(f"{question}\n{LABELS_INSTRUCTION}")), ", ".join(labels),
                        document))
    return docs


LOGICVISTA = Benchmark(
    "logicvista", ("accuracy",),
    layout="logicvista/data/dataset.json and logicvista/data/images/<imagename> (a clone of the LogicVista GitHub "
           "repository: dataset.json maps v1_0... to imagename, question, answer, reasoning, skill, capability)",
    source="https://github.com/Yijia-Xiao/LogicVista",
    load=load_logicvista, score=score_logicvista, lenient=score_question, aggregate=accuracy_by("skill"),
    files=lambda data_dir: sorted(data_dir.glob("logicvista/data/dataset.json")), max_new_tokens=256, version=2)

# ---------------------------------------------------------------------------------------------------------------------
# MMMU and MMMU-Pro.
# ---------------------------------------------------------------------------------------------------------------------

_IMAGE_COLUMNS = [f"image_{k}" for k in range(1, 8)]


def _mmmu_doc(benchmark: str, path: Path, row: dict, subject: str, open_allowed: bool) -> Doc:
    """One MMMU-style question (the question, its options and up to seven images named by ``<image k>``)."""
    record = f"id {row['id']}"
    doc_id = _text(benchmark, path, record, row, "id")
    question = _text(benchmark, path, record, row, "question")
    answer = _text(benchmark, path, record, row, "answer")
    is_open = open_allowed and row.get("question_type") == "open"
    options = [] if is_open else _options_list(benchmark, path, record, row["options"])
    text = question if is_open else f"{question}\n{_lettered(options)}"
    where = f"{path.parent.name}/{path.name}#{doc_id}"
    images = {k: _image(benchmark, path, record, row[f"image_{k}"], f"{where}/image_{k}")
              for k in range(1, 8) if row.get(f"image_{k}")}
    unknown = _referenced_images(text) - set(images)
    if unknown:
        raise record_error(benchmark, path, record, f"fields {[f'image_{k}' for k in sorted(unknown)]}: named by "
                           "the question or its options but empty")
    document = {"id": doc_id, "question": question, "subject": subject, "discipline": DISCIPLINE_OF.get(subject),
                "images": [part["ref"] for part in images.values()]}
    if is_open:
        document.update(kind="open", answers=parse_answer_list(answer))
        text = f"{text}\n\n{OPEN_INSTRUCTION}"
    else:
        answer = _choice_answer(benchmark, path, record, answer, options)
        document.update(kind="choice", options=options, answer=answer)
        text = f"{text}\n\n{LETTER_INSTRUCTION}"
    return Doc(doc_id, [{"role": "user", "content": _interleaved(text, images)}], answer, document)


def _mmmu_docs(data_dir: Path) -> Iterator[Doc]:
    subject_files = [(s, sorted(data_dir.glob(f"mmmu/{s}/validation-*.parquet"))) for s in MMMU_SUBJECTS]
    if not all(files for _, files in subject_files):
        raise EvalError(missing_message(MMMU, data_dir))
    columns = ["id", "question", "options", *_IMAGE_COLUMNS, "answer", "question_type", "subfield"]
    for subject, files in subject_files:
        for path in files:
            for _, row in _records("mmmu", path, columns):
                yield _mmmu_doc("mmmu", path, row, subject, open_allowed=True)


def load_mmmu(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_mmmu_docs(data_dir), limit))


def _mmmu_pro_standard_docs(data_dir: Path) -> Iterator[Doc]:
    columns = ["id", "question", "options", *_IMAGE_COLUMNS, "answer", "subject"]
    for path in _shards(MMMU_PRO_STANDARD, data_dir, "mmmu_pro/standard (10 options)/test-*.parquet"):
        for _, row in _records("mmmu_pro_standard", path, columns):
            subject = str(row["subject"] or "").replace(" ", "_")
            yield _mmmu_doc("mmmu_pro_standard", path, row, subject, open_allowed=False)


def load_mmmu_pro_standard(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_mmmu_pro_standard_docs(data_dir), limit))


def _mmmu_pro_vision_docs(data_dir: Path) -> Iterator[Doc]:
    for path in _shards(MMMU_PRO_VISION, data_dir, "mmmu_pro/vision/test-*.parquet"):
        for _, row in _records("mmmu_pro_vision", path, ["id", "image", "options", "answer", "subject"]):
            record = f"id {row['id']}"
            doc_id = _text("mmmu_pro_vision", path, record, row, "id")
            options = _options_list("mmmu_pro_vision", path, record, row["options"])
            answer = _choice_answer("mmmu_pro_vision", path, record,
                                    _text("mmmu_pro_vision", path, record, row, "answer"), options)
            ref = f"vision/{path.name}#{doc_id}/image"
            subject = str(row["subject"] or "").replace(" ", "_")
            document = {"id": doc_id, "kind": "choice", "options": options, "answer": answer, "subject": subject,
                        "discipline": DISCIPLINE_OF.get(subject), "image": ref}
            image = _image("mmmu_pro_vision", path, record, row["image"], ref)
            yield Doc(doc_id, _user(image, _text_part(VISION_INSTRUCTION)), answer, document)


def load_mmmu_pro_vision(data_dir: Path, limit: int | None) -> list[Doc]:
    return list(islice(_mmmu_pro_vision_docs(data_dir), limit))


MMMU = Benchmark(
    "mmmu", ("accuracy",),
    layout="mmmu/<Subject>/validation-00000-of-00001.parquet for all 30 subjects, Accounting ... Sociology (the "
           "MMMU/MMMU dataset repository as downloaded; columns id, question, options, explanation, image_1 ... "
           "image_7, img_type, answer, topic_difficulty, question_type, subfield)",
    source="https://huggingface.co/datasets/MMMU/MMMU",
    load=load_mmmu, score=score_mmmu, lenient=score_question, aggregate=accuracy_by("discipline"),
    files=lambda data_dir: sorted(p for s in MMMU_SUBJECTS for p in data_dir.glob(f"mmmu/{s}/validation-*.parquet")),
    max_new_tokens=256, version=2)
MMMU_PRO_STANDARD = Benchmark(
    "mmmu_pro_standard", ("accuracy",),
    layout="mmmu_pro/standard (10 options)/test-00000-of-00002.parquet and test-00001-of-00002.parquet (the "
           "MMMU/MMMU_Pro dataset repository as downloaded; columns id, question, options, explanation, image_1 ... "
           "image_7, img_type, answer, topic_difficulty, subject)",
    source="https://huggingface.co/datasets/MMMU/MMMU_Pro",
    load=load_mmmu_pro_standard, score=score_mmmu_pro, lenient=score_question, aggregate=accuracy_by("discipline"),
    files=lambda data_dir: sorted(data_dir.glob("mmmu_pro/standard (10 options)/test-*.parquet")), max_new_tokens=256,
    version=2)
MMMU_PRO_VISION = Benchmark(
    "mmmu_pro_vision", ("accuracy",),
    layout="mmmu_pro/vision/test-00000-of-00004.parquet ... test-00003-of-00004.parquet (the MMMU/MMMU_Pro dataset "
           "repository as downloaded; columns id, image, options, answer, subject)",
    source="https://huggingface.co/datasets/MMMU/MMMU_Pro",
    load=load_mmmu_pro_vision, score=score_mmmu_pro, lenient=score_question, aggregate=accuracy_by("discipline"),
    files=lambda data_dir: sorted(data_dir.glob("mmmu_pro/vision/test-*.parquet")), max_new_tokens=256, version=2)

BENCHMARKS = [REALWORLDQA, MMSTAR, MATHVISION, MATHVISION_MINI, DYNAMATH, LOGICVISTA, MMMU, MMMU_PRO_STANDARD,
              MMMU_PRO_VISION]
