"""Charts and documents: ChartQA test (relaxed accuracy) and DocVQA validation (ANLS).

Both read the lmms-lab Parquet repositories, the copies lmms-eval downloads, as `huggingface-cli download` writes
them; the images stay encoded in the Parquet cells (`eval.base.image_part`) until their batch is encoded.

- ChartQA (Masry et al. 2022): `lmms-lab/ChartQA`, `data/test-*.parquet` (one shard) with columns `type`
  (`human_test` | `augmented_test`), `question`, `answer` (a string), `image`. It is the official test set whole:
  lmms-eval's `upload_chartqa.py` built it from the release's `ChartQA Dataset/test/test_human.json` and
  `test_augmented.json` (1,250 questions each) and `png/`; one Parquet file with the images in it is what an
  evaluator downloads, where the GitHub release is a zip of the whole train/val/test tree.
- DocVQA (Mathew et al. 2021): `lmms-lab/DocVQA`, config `DocVQA`, `DocVQA/validation-*.parquet` with columns
  `questionId`, `question`, `question_types`, `image`, `docId`, `ucsf_document_id`, `ucsf_document_page_no`,
  `answers` (the list of references), `data_split`. Its 5,349 rows are the official validation questions; the
  official release (`val/val_v1.0.json` with `documents/`) sits behind a registration on rrc.cvc.uab.es, the
  Parquet copy does not. The test split has no answers (scored on the RRC server) and is not read.

Prompt, as lmms-eval's default for both and as Qwen-VL models are usually evaluated: the image, then
`<question>\\nAnswer the question using a single word or phrase.`

Answer extraction (:func:`short_answer`), one rule for both: after removing thinking, the first non-empty line,
without Markdown bold, a leading `Answer:` and surrounding quotes, and without one final period (`Yes.` -> `Yes`;
`3.5` and `.5` are kept). The reference scripts compare the raw response, which these short prompts make a single
line; the rule only takes the chatter off longer ones.

Metrics:
- `chartqa`: `relaxed_accuracy` (:func:`eval.metrics.relaxed_accuracy`: within 5% of a numeric answer, a trailing
  `%` dividing by 100, else a case-insensitive exact match), reported over all questions and per split as `human`
  and `augmented` (each sample reports its own split's metric, so the mean is per split), as lmms-eval reports
  `relaxed_overall`, `relaxed_human_split` and `relaxed_augmented_split`. With both splits whole the overall mean
  is also the mean of the two splits (1,250 each), the ChartQA paper's average.
- `docvqa`: `anls` (:func:`eval.metrics.anls`: per question the best 1 - normalized Levenshtein distance over the
  references, 0 at NL >= 0.5, averaged over questions), the DocVQA challenge metric.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from eval.base import Benchmark, Doc, EvalError, image_part, missing_message, parquet_rows, record_error
from eval.metrics import anls, relaxed_accuracy, strip_think

POST_PROMPT = "\nAnswer the question using a single word or phrase."

_ANSWER_CUE = re.compile(r"^(?:the\s+)?(?:final\s+)?answer\s*(?:is\s*)?[:：]\s*", re.IGNORECASE)


def short_answer(response: str) -> str:
    """The answer of a single-word-or-phrase response (see the module docstring)."""
    line = next((line.strip() for line in strip_think(response).splitlines() if line.strip()), "")
    line = _ANSWER_CUE.sub("", line.replace("**", "")).strip().strip("\"'`").strip()
    return line[:-1].rstrip() if len(line) > 1 and line.endswith(".") and not line.endswith("..") else line


def shards(benchmark: Benchmark, data_dir: Path, pattern: str) -> list[Path]:
    """The Parquet shards of a split, in shard order; none is the missing-data error."""
    paths = sorted(Path(data_dir).glob(pattern))
    if not paths:
        raise EvalError(missing_message(benchmark, Path(data_dir)))
    return paths


def rows(paths: list[Path]):
    """(file, row index in that file, row) for every row of the shards, read lazily."""
    for path in paths:
        for index, row in enumerate(parquet_rows(path)):
            yield path, index, row


def question_prompt(image, ref: str, question: str) -> list[dict]:
    return [{"role": "user", "content": [image_part(image, ref), {"type": "text", "text": question + POST_PROMPT}]}]


def _text(benchmark: str, path: Path, record: str, row: dict, field: str, fix: str) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise record_error(benchmark, path, record, f"field '{field}': {value!r} is not a non-empty string; {fix}")
    return value


def _image(benchmark: str, path: Path, record: str, row: dict):
    image = row.get("image")
    if not (isinstance(image, dict) and (image.get("bytes") or image.get("path"))):
        raise record_error(benchmark, path, record, "field 'image': no image bytes; download the file again")
    return image


# ---------------------------------------------------------------------------------------------------------------
# ChartQA
# ---------------------------------------------------------------------------------------------------------------

CHARTQA_SPLITS = {"human_test": "human", "augmented_test": "augmented"}


def load_chartqa(data_dir: Path, limit: int | None) -> list[Doc]:
    data_dir = Path(data_dir)
    docs: list[Doc] = []
    counts = {kind: 0 for kind in CHARTQA_SPLITS}
    for path, index, row in rows(shards(CHARTQA, data_dir, "chartqa/data/test-*.parquet")):
        if limit is not None and len(docs) >= limit:
            break
        record = f"row {index}"
        kind = row.get("type")
        if kind not in CHARTQA_SPLITS:
            raise record_error("chartqa", path, record, f"field 'type': {kind!r} is neither 'human_test' nor "
                               f"'augmented_test'; is this the lmms-lab/ChartQA test file?")
        question = _text("chartqa", path, record, row, "question", "download the file again")
        answer = _text("chartqa", path, record, row, "answer", "download the file again")
        image = _image("chartqa", path, record, row)
        ref = f"{path.relative_to(data_dir)}:{record}"
        doc_id = f"{kind}-{counts[kind]}"
        counts[kind] += 1
        docs.append(Doc(doc_id, question_prompt(image, ref, question), answer,
                        {"type": kind, "question": question, "answer": answer, "image": ref}))
    return docs


def score_chartqa(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Relaxed accuracy of the short answer, under `relaxed_accuracy` and under the sample's split name."""
    extracted = short_answer(response)
    value = relaxed_accuracy(extracted, doc.document["answer"])
    return extracted, {"relaxed_accuracy": value, CHARTQA_SPLITS[doc.document["type"]]: value}


CHARTQA = Benchmark(
    "chartqa", ("relaxed_accuracy", "human", "augmented"),
    layout="chartqa/data/test-00000-of-00001.parquet (the lmms-lab/ChartQA dataset repository: `huggingface-cli "
           "download --repo-type dataset lmms-lab/ChartQA --local-dir DATA_DIR/chartqa`; columns type, question, "
           "answer, image)",
    source="https://huggingface.co/datasets/lmms-lab/ChartQA",
    load=load_chartqa, score=score_chartqa,
    files=lambda data_dir: sorted(Path(data_dir).glob("chartqa/data/test-*.parquet")), max_new_tokens=64)


# ---------------------------------------------------------------------------------------------------------------
# DocVQA
# ---------------------------------------------------------------------------------------------------------------


def load_docvqa(data_dir: Path, limit: int | None) -> list[Doc]:
    data_dir = Path(data_dir)
    docs: list[Doc] = []
    for path, index, row in rows(shards(DOCVQA, data_dir, "docvqa/DocVQA/validation-*.parquet")):
        if limit is not None and len(docs) >= limit:
            break
        question_id = row.get("questionId")
        record = f"questionId {question_id}" if question_id not in (None, "") else f"row {index}"
        if question_id in (None, ""):
            raise record_error("docvqa", path, record, "field 'questionId': missing; download the file again")
        question = _text("docvqa", path, record, row, "question", "download the file again")
        answers = row.get("answers")
        if not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers):
            raise record_error("docvqa", path, record, f"field 'answers': {answers!r} is not a non-empty list of "
                               f"strings; only the validation split has answers (the test split is scored on the "
                               f"RRC server)")
        image = _image("docvqa", path, record, row)
        ref = f"{path.relative_to(data_dir)}:row {index}"
        docs.append(Doc(str(question_id), question_prompt(image, ref, question), json.dumps(answers), {
            "question_id": str(question_id), "question": question, "answers": answers,
            "question_types": row.get("question_types") or [], "doc_id": row.get("docId"),
            "page": f"{row.get('ucsf_document_id')}_{row.get('ucsf_document_page_no')}", "image": ref}))
    return docs


def score_docvqa(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """ANLS of the short answer against the question's references."""
    extracted = short_answer(response)
    return extracted, {"anls": anls(extracted, doc.document["answers"])}


DOCVQA = Benchmark(
    "docvqa", ("anls",),
    layout="docvqa/DocVQA/validation-*.parquet (the DocVQA config of the lmms-lab/DocVQA dataset repository: "
           "`huggingface-cli download --repo-type dataset lmms-lab/DocVQA --include 'DocVQA/validation-*' "
           "--local-dir DATA_DIR/docvqa`; columns questionId, question, image, answers, ...)",
    source="https://huggingface.co/datasets/lmms-lab/DocVQA",
    load=load_docvqa, score=score_docvqa,
    files=lambda data_dir: sorted(Path(data_dir).glob("docvqa/DocVQA/validation-*.parquet")), max_new_tokens=64)

BENCHMARKS = [CHARTQA, DOCVQA]
