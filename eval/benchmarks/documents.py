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

Scoring (`--scoring official`, the default) is the benchmark's own published scorer applied to the response as the
model wrote it, after the harness's one pre-step (:func:`prepared`: the thinking removed, surrounding whitespace
stripped, as lmms-eval 0.7.3's evaluator does to every response with its default `--reasoning_tags`,
`lmms_eval/api/reasoning.py`):

- `chartqa`: `relaxed_accuracy` (:func:`relaxed_correctness`), ChartQA's relaxed accuracy (Masry et al. 2022,
  section 5.1, "within 5% of the gold answer ... for non-numeric answers ... an exact match") as published in
  google-research/pix2struct `pix2struct/metrics.py` (commit 945f27e), the function lmms-eval 0.7.3 copies
  (`tasks/chartqa/utils.py`, via Qwen-VL): Python `float` of both strings, a trailing `%` divides by 100, a
  non-zero numeric target is matched within 5% relative change, anything else by case-insensitive string equality.
  Reported over all questions and per split as `human` and `augmented` (each sample reports its own split's metric,
  so the mean is per split), as lmms-eval reports `relaxed_overall`, `relaxed_human_split` and
  `relaxed_augmented_split`. With both splits whole the overall mean is also the mean of the two splits (1,250
  each), the ChartQA paper's average. lmms-eval 0.7.3 scores the same string with the same function: no departure.
- `docvqa`: `anls` (:func:`anls_rrc`), the RRC DocVQA/InfographicVQA evaluation script (`evaluate_method` of the
  script docvqa.org distributes, as vendored in QwenLM/Qwen-VL `eval_mm/infographicsvqa_eval.py`, commit
  aa00ed0): per reference, the Levenshtein distance of the lowercased, stripped, whitespace-collapsed strings over
  the larger *raw* length; the question scores 1 - the smallest such NL, and 0 below 0.5 (NL = 0.5 exactly keeps
  0.5). lmms-eval 0.7.3's `anls` (`api/metrics.py`) is the same code: no departure.

`--scoring lenient` (the project's departures, kept for comparison with earlier numbers): the same metric of the
short answer (:func:`short_answer`: after removing thinking, the first non-empty line, without Markdown bold, a
leading `Answer:` and surrounding quotes, and without one final period; `Yes.` -> `Yes`, `3.5` and `.5` are kept)
instead of the whole response. The official scorers give "Answer: 42", "**42**" or "42\nbecause ..." no credit
(ChartQA) or partial credit (DocVQA); the short prompts make such answers rare.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from eval.base import Benchmark, Doc, EvalError, image_part, missing_message, parquet_rows, record_error
from eval.metrics import levenshtein, strip_think

POST_PROMPT = "\nAnswer the question using a single word or phrase."

_ANSWER_CUE = re.compile(r"^(?:the\s+)?(?:final\s+)?answer\s*(?:is\s*)?[:：]\s*", re.IGNORECASE)


def prepared(response: str | None) -> str:
    """The response the official scorers read: thinking removed (:func:`eval.metrics.strip_think`) and surrounding
    whitespace stripped, the pre-step lmms-eval 0.7.3's evaluator applies before `process_results`
    (`lmms_eval/api/reasoning.py`, `strip_reasoning_tags`, which ends in `.strip()`)."""
    return strip_think(response).strip()


def short_answer(response: str) -> str:
    """The answer of a single-word-or-phrase response, the lenient scorers' extraction (see the module docstring)."""
    line = next((line.strip() for line in strip_think(response).splitlines() if line.strip()), "")
    line = _ANSWER_CUE.sub("", line.replace("**", "")).strip().strip("\"'`").strip()
    return line[:-1].rstrip() if len(line) > 1 and line.endswith(".") and not line.endswith("..") else line


def chartqa_float(text: str) -> float | None:
    """ChartQA's `_to_float` (pix2struct `pix2struct/metrics.py`, commit 945f27e; lmms-eval 0.7.3
    `tasks/chartqa/utils.py`): Python `float(text)`, or for a text ending in `%` the float of the text without its
    trailing `%` signs divided by 100; None where `float` raises. `inf` and `nan` parse, as in the reference."""
    try:
        return float(text.rstrip("%")) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        return None


def relaxed_correctness(prediction: str, target: str, max_relative_change: float = 0.05) -> bool:
    """ChartQA relaxed correctness (pix2struct `pix2struct/metrics.py` `relaxed_correctness`, commit 945f27e; the same
    rule in lmms-eval 0.7.3 `tasks/chartqa/utils.py`): when the prediction parses as a number and the target as a
    non-zero number, `|prediction - target| / |target| <= max_relative_change`; otherwise case-insensitive string
    equality (`str.lower`). Neither string is stripped here: the caller passes what the reference compares."""
    prediction_value, target_value = chartqa_float(prediction), chartqa_float(target)
    if prediction_value is not None and target_value:
        return abs(prediction_value - target_value) / abs(target_value) <= max_relative_change
    return prediction.lower() == target.lower()


def anls_rrc(prediction: str, answers: list[str], threshold: float = 0.5) -> float:
    """ANLS of one question as the RRC DocVQA/InfographicVQA script scores it (`evaluate_method` in the script
    docvqa.org distributes, vendored as QwenLM/Qwen-VL `eval_mm/infographicsvqa_eval.py`, commit aa00ed0; the same
    code in lmms-eval 0.7.3 `api/metrics.py` `anls`): for each reference, the Levenshtein distance between the
    lowercased, stripped, whitespace-collapsed (`" ".join(s.split())`) strings, divided by the larger *raw* length
    (`len(s.upper())` of the unprocessed strings; 0 when both are empty); the question scores 1 minus the smallest
    of these, set to 0 when below `threshold` (exactly 0.5 is kept)."""
    det = " ".join(prediction.strip().lower().split())
    values = []
    for answer in answers:
        gt = " ".join(answer.strip().lower().split())
        length = max(len(answer.upper()), len(prediction.upper()))
        values.append(0.0 if length == 0 else float(levenshtein(gt, det)) / float(length))
    result = 1 - min(values)
    return 0.0 if result < threshold else result


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


def chartqa_scores(answer: str, doc: Doc) -> tuple[str, dict[str, float]]:
    value = 1.0 if relaxed_correctness(answer, doc.document["answer"]) else 0.0
    return answer, {"relaxed_accuracy": value, CHARTQA_SPLITS[doc.document["type"]]: value}


def score_chartqa(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Official: relaxed accuracy of the whole (prepared) response, under `relaxed_accuracy` and under the sample's
    split name (pix2struct `relaxed_correctness`; see the module docstring)."""
    return chartqa_scores(prepared(response), doc)


def score_chartqa_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Lenient: relaxed accuracy of the short answer (`Answer: 42`, `**42**`, `42.` and a first line all count)."""
    return chartqa_scores(short_answer(response), doc)


CHARTQA = Benchmark(
    "chartqa", ("relaxed_accuracy", "human", "augmented"),
    layout="chartqa/data/test-00000-of-00001.parquet (the lmms-lab/ChartQA dataset repository: `huggingface-cli "
           "download --repo-type dataset lmms-lab/ChartQA --local-dir DATA_DIR/chartqa`; columns type, question, "
           "answer, image)",
    source="https://huggingface.co/datasets/lmms-lab/ChartQA",
    load=load_chartqa, score=score_chartqa, lenient=score_chartqa_lenient,
    files=lambda data_dir: sorted(Path(data_dir).glob("chartqa/data/test-*.parquet")), max_new_tokens=64, version=2)


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
    """Official: ANLS of the whole (prepared) response against the question's references (the RRC script)."""
    answer = prepared(response)
    return answer, {"anls": anls_rrc(answer, doc.document["answers"])}


def score_docvqa_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Lenient: the RRC script's ANLS of the short answer."""
    answer = short_answer(response)
    return answer, {"anls": anls_rrc(answer, doc.document["answers"])}


DOCVQA = Benchmark(
    "docvqa", ("anls",),
    layout="docvqa/DocVQA/validation-*.parquet (the DocVQA config of the lmms-lab/DocVQA dataset repository: "
           "`huggingface-cli download --repo-type dataset lmms-lab/DocVQA --include 'DocVQA/validation-*' "
           "--local-dir DATA_DIR/docvqa`; columns questionId, question, image, answers, ...)",
    source="https://huggingface.co/datasets/lmms-lab/DocVQA",
    load=load_docvqa, score=score_docvqa, lenient=score_docvqa_lenient,
    files=lambda data_dir: sorted(Path(data_dir).glob("docvqa/DocVQA/validation-*.parquet")), max_new_tokens=64,
    version=2)

BENCHMARKS = [CHARTQA, DOCVQA]
