"""The synthetic `shapes` set of the data builders (`dopd-vl build-data --task shapes --out DATA_DIR/shapes`)."""

from __future__ import annotations

import re
from pathlib import Path

from eval.base import Benchmark, Doc, normalize_answer, require, strip_think


def load_shapes(data_dir: Path, limit: int | None) -> list[Doc]:
    from dopd_vl.records import load_records, render_messages

    folder = data_dir / "shapes"
    require(SHAPES, data_dir, folder / "manifest.json")
    records = load_records(folder)[:limit]
    return [Doc(r.id, render_messages(r, "student"), str(r.answer),
                {"question": r.question, "images": [Path(p).name for p in r.images], "target": r.answer})
            for r in records]


_ANSWER_CUE = re.compile(r"answer\s*(?:is|:)", re.IGNORECASE)


def shapes_answer(response: str) -> str:
    """The answer a shapes response gives, normalised: after any thinking block, the words after the last answer cue
    (``The answer is top left.``, ``Answer: 2``) up to the end of that sentence or line; with no cue, the first line
    (a bare ``top left``, as a model that follows the question's "Answer with one word" writes)."""
    text = strip_think(response)
    cues = list(_ANSWER_CUE.finditer(text))
    if cues:
        text = re.split(r"[.\n]", text[cues[-1].end():].lstrip(), maxsplit=1)[0]
    return normalize_answer(text)


def score_shapes(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Exact match of the normalised answer (:func:`shapes_answer`) with the target (one word, a number or a named
    location)."""
    extracted = shapes_answer(response)
    return extracted, {"exact_match": float(extracted == normalize_answer(doc.target))}


SHAPES = Benchmark(
    "shapes", ("exact_match",),
    layout="shapes/ (a `dopd-vl build-data --task shapes` folder: manifest.json, the datasets files, images/)",
    source="generated: dopd-vl build-data --task shapes --out DATA_DIR/shapes",
    load=load_shapes, score=score_shapes, files=lambda data_dir: [data_dir / "shapes" / "manifest.json"],
    max_new_tokens=24)  # the worked answers are at most 18 tokens of the tiny tokenizer

BENCHMARKS = [SHAPES]
