"""What every benchmark is made of: documents, a scorer, and the files it reads.

A benchmark module (in `eval/benchmarks/`) turns the files of its published layout under `--data-dir` into `Doc`s
(a chat prompt that never holds privileged input, a target, and the `document` the scorer reads and the document hash
covers) and scores one response into per-sample metrics. The harness (`eval/harness.py`) does the rest.

Image parts of a prompt are `{"type": "image", "image": PATH | PIL image | bytes, "ref": "where it came from"}`:
encoded images from Parquet files stay compressed (bytes) until their batch is encoded. Video parts are
`{"type": "video", "video": PATH}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dopd_vl.errors import DopdError
from eval.metrics import strip_think


class EvalError(DopdError):
    """A benchmark whose files are missing or malformed, or a model that cannot be evaluated."""


SCORINGS = ("official", "lenient")  # official: the benchmark's own published scorer; lenient: our departures


@dataclass
class Doc:
    doc_id: str
    messages: list[dict]  # the student view: question and images only
    target: str
    document: dict  # what the scorer reads and the document hash covers (question, options, image refs, target...)


@dataclass
class Benchmark:
    name: str
    metrics: tuple[str, ...]  # per-sample metric names; the first is the headline number
    layout: str  # the expected files under --data-dir, for the missing-data message
    source: str  # where the public copy lives
    load: Callable[[Path, int | None], list[Doc]]
    score: Callable[[str, Doc], tuple[str, dict[str, float]]]  # (extracted answer, {metric: value})
    files: Callable[[Path], list[Path]] = field(default=lambda data_dir: [])  # the data files hashed in results
    aggregate: Callable[[list[Doc], list[dict[str, float]]], dict[str, float]] | None = None  # default: means
    max_new_tokens: int = 1024  # the default response budget (short-answer benchmarks need far less; --max-new-tokens)
    # `--scoring lenient`: the project's deliberate departures from the official scorer (e.g. GSM8K numbers compared
    # by value), for benchmarks that keep one; None where the official scorer is the only one
    lenient: Callable[[str, Doc], tuple[str, dict[str, float]]] | None = None
    # bump when the benchmark's verdicts change (the scorer, its extraction): results.json records it, and an
    # experiment's cached evaluations of the benchmark are then scored again (issue 19 made most of them version 2)
    version: int = 1

    def scorer(self, scoring: str) -> Callable[[str, Doc], tuple[str, dict[str, float]]]:
        """The scoring function of a scoring mode (`official` or `lenient`); lenient falls back to official where the
        benchmark keeps no departure."""
        if scoring not in SCORINGS:
            raise EvalError(f"unknown scoring {scoring!r}; choose one of {', '.join(SCORINGS)}")
        return self.lenient if scoring == "lenient" and self.lenient is not None else self.score

    def scoring_used(self, scoring: str) -> str:
        """What results.json records for this benchmark: `lenient` only where a departure actually ran."""
        return "lenient" if scoring == "lenient" and self.lenient is not None else "official"

    def summarize(self, docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
        """Each metric's mean over the samples that report it (a benchmark may aggregate its own way)."""
        if self.aggregate is not None:
            return self.aggregate(docs, scores)
        return mean_per_metric(scores)


def mean_per_metric(scores: list[dict[str, float]]) -> dict[str, float]:
    names = list(dict.fromkeys(name for score in scores for name in score))
    return {name: sum(values) / len(values) for name in names
            for values in [[score[name] for score in scores if name in score]]}


def missing_message(benchmark: Benchmark, data_dir: Path) -> str:
    return (f"benchmark '{benchmark.name}': its files are not in {data_dir}. Expected layout under --data-dir: "
            f"{benchmark.layout}. Public copy: {benchmark.source}.")


def require(benchmark: Benchmark, data_dir: Path, *paths: Path) -> None:
    """Raise the missing-data message unless every path exists."""
    if not all(path.exists() for path in paths):
        raise EvalError(missing_message(benchmark, data_dir))


def record_error(benchmark: str, file: Path, record: str, problem: str) -> EvalError:
    """A malformed record: names the benchmark, file, record and what is wrong with it."""
    return EvalError(f"benchmark '{benchmark}': {file}: record {record}: {problem}")


def normalize_answer(text: str) -> str:
    """Lower case, the first line of the answer after any thinking block, outer punctuation and spaces removed."""
    lines = strip_think(text).strip().splitlines()
    return re.sub(r"^[\s\"'.,:;!?()]+|[\s\"'.,:;!?()]+$", "", lines[0].lower()) if lines else ""


def parquet_rows(path: Path, columns: list[str] | None = None):
    """The rows of a Parquet file as dicts, one record batch at a time (an image column stays encoded bytes)."""
    import pyarrow.parquet as pq

    with open(path, "rb") as handle:
        for batch in pq.ParquetFile(handle).iter_batches(batch_size=256, columns=columns):
            yield from batch.to_pylist()


def jsonl_records(benchmark: str, path: Path):
    """(line number, record) for each non-blank line of a JSON Lines file, read lazily; a bad line is a record error."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise record_error(benchmark, path, f"on line {number}",
                                   f"not valid JSON ({error.msg}); re-download the file") from None
            if not isinstance(record, dict):
                raise record_error(benchmark, path, f"on line {number}", "not a JSON object; re-download the file")
            yield number, record


def image_part(value, ref: str) -> dict:
    """A prompt's image part from a path, a PIL image, raw bytes or a Hugging Face `Image` cell ({bytes, path})."""
    if isinstance(value, dict):
        value = value.get("bytes") or value.get("path")
    if not value:
        raise EvalError(f"{ref}: empty image")
    return {"type": "image", "image": value, "ref": ref}
