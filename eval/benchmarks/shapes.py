"""The synthetic `shapes` set of the data builders (`dopd-vl build-data --task shapes --out DATA_DIR/shapes`)."""

from __future__ import annotations

from pathlib import Path

from eval.base import Benchmark, Doc, normalize_answer, require


def load_shapes(data_dir: Path, limit: int | None) -> list[Doc]:
    from dopd_vl.records import load_records, render_messages

    folder = data_dir / "shapes"
    require(SHAPES, data_dir, folder / "manifest.json")
    records = load_records(folder)[:limit]
    return [Doc(r.id, render_messages(r, "student"), str(r.answer),
                {"question": r.question, "images": [Path(p).name for p in r.images], "target": r.answer})
            for r in records]


def score_shapes(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Exact match of the normalised first line (the questions ask for one word, a number or a named location)."""
    extracted = normalize_answer(response)
    return extracted, {"exact_match": float(extracted == normalize_answer(doc.target))}


SHAPES = Benchmark(
    "shapes", ("exact_match",),
    layout="shapes/ (a `dopd-vl build-data --task shapes` folder: manifest.json, the datasets files, images/)",
    source="generated: dopd-vl build-data --task shapes --out DATA_DIR/shapes",
    load=load_shapes, score=score_shapes, files=lambda data_dir: [data_dir / "shapes" / "manifest.json"],
    max_new_tokens=16)

BENCHMARKS = [SHAPES]
