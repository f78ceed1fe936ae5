"""`dopd-vl eval`: one harness that scores any model the same way, offline, with rule-based metrics.

A benchmark turns the files of its published layout (under `--data-dir`) into documents (a chat prompt that never
holds privileged input, a target) and scores a response. The harness generates for every document, batched with left
padding and greedy by default, and writes `results.json`, `samples_<benchmark>.jsonl` (the lmms-eval per-sample
layout: doc_id, prompt, target, raw response, extracted answer, score, document hash) and a printed table.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from eval.base import Doc, EvalError, normalize_answer  # noqa: F401 (re-exported for callers and tests)
from eval.benchmarks import BENCHMARKS

HARNESS_VERSION = "0.2"


# ---------------------------------------------------------------------------------------------------------------------
# Models and generation.
# ---------------------------------------------------------------------------------------------------------------------


def generate(model, processor, docs: list[Doc], batch_size: int, max_new_tokens: int, progress) -> list[str]:
    """Greedy responses, batched with left padding, vision tokens suppressed, stopping at the end of the turn."""
    from dopd_vl.rollout import generate_replies

    responses = []
    for start in range(0, len(docs), batch_size):
        batch = docs[start:start + batch_size]
        responses += [text for text, _ in generate_replies(model, processor, [d.messages for d in batch],
                                                           max_new_tokens)]
        progress.update(len(batch))
    return responses


# ---------------------------------------------------------------------------------------------------------------------
# A run.
# ---------------------------------------------------------------------------------------------------------------------


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_digest(location: str) -> str:
    """A hash of the model folder's config and weight files (their names and contents)."""
    folder = Path(location)
    if not folder.is_dir():
        return location  # a hub id pinned by the hub's own revision
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*")):
        if path.suffix in (".json", ".safetensors", ".jinja"):
            digest.update(path.name.encode() + file_digest(path).encode())
    return digest.hexdigest()[:16]


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def printable_prompt(messages: list[dict]) -> list[dict]:
    """The prompt as JSON: each image or video part by its path or `ref`, never its pixels."""
    def printable(part: dict) -> dict:
        kind = "image" if "image" in part else "video" if "video" in part else None
        if kind is None:
            return part
        value = part[kind]
        return {"type": kind, kind: part.get("ref") or (str(value) if isinstance(value, (str, Path)) else "<pixels>")}
    return [m if isinstance(m["content"], str) else {**m, "content": [printable(p) for p in m["content"]]}
            for m in messages]


def document_hash(doc: Doc) -> str:
    return hashlib.sha256(json.dumps(doc.document, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run_eval(model: str, benchmarks: list[str], data_dir: Path, output: Path, limit: int | None = None,
             batch_size: int = 8, max_new_tokens: int | None = None, seed: int = 0, device: str = "cpu",
             location: str | None = None, scoring: str = "official") -> dict:
    """Generate for every document of each benchmark and score it; `max_new_tokens=None` uses each benchmark's own
    budget. Writes results.json and samples_<benchmark>.jsonl to `output`. `model` is what results.json names (a
    folder, a hub id, PAIR:role); `location`, where given, is where its weights are (the face passes the built
    folder of a tiny pair's `tiny:student`). `scoring`: `official` (the benchmarks' own published scorers) or
    `lenient` (the project's departures where a benchmark keeps one; results.json records which ran)."""
    import torch
    from tqdm.auto import tqdm

    unknown = [b for b in benchmarks if b not in BENCHMARKS]
    if unknown:
        raise EvalError(f"unknown benchmark(s) {unknown}; available: {', '.join(sorted(BENCHMARKS))}")
    scorers = {name: BENCHMARKS[name].scorer(scoring) for name in benchmarks}  # an unknown scoring fails here
    data_dir = Path(data_dir)
    docs = {name: BENCHMARKS[name].load(data_dir, limit) for name in benchmarks}  # all data found before the model
    torch.manual_seed(seed)
    from dopd_vl.errors import DopdError
    from dopd_vl.models import load_model, resolve_model

    try:
        location, family = resolve_model(location or model)
    except DopdError as error:
        raise EvalError(f"--model {model}: {error}") from None
    network, processor = load_model(location, family, device)
    output.mkdir(parents=True, exist_ok=True)
    results = {"config": {"model": model, "model_location": location, "model_hash": model_digest(location),
                          "harness_version": HARNESS_VERSION, "batch_size": batch_size,
                          "max_new_tokens": max_new_tokens or "per benchmark", "greedy": True, "seed": seed, "limit": limit,
                          "scoring": scoring},
               "results": {}}
    for name in benchmarks:
        benchmark = BENCHMARKS[name]
        started = time.perf_counter()
        with tqdm(total=len(docs[name]), desc=f"eval {name}", dynamic_ncols=True) as progress:
            budget = max_new_tokens or benchmark.max_new_tokens
            responses = generate(network, processor, docs[name], batch_size, budget, progress)
        elapsed = time.perf_counter() - started
        lines, scores = [], []
        for doc, response in zip(docs[name], responses):
            extracted, score = scorers[name](response, doc)
            scores.append(score)
            lines.append(json.dumps({
                "doc_id": doc.doc_id, "prompt": printable_prompt(doc.messages), "target": doc.target,
                "response": response, "extracted": extracted, **score, "doc_hash": document_hash(doc)}))
        write_atomically(output / f"samples_{name}.jsonl", "".join(line + "\n" for line in lines))
        results["results"][name] = {
            "metrics": benchmark.summarize(docs[name], scores), "headline": benchmark.metrics[0],
            "scoring": benchmark.scoring_used(scoring), "scorer_version": benchmark.version,
            "max_new_tokens": budget, "samples": len(scores),
            "samples_per_metric": {  # a metric of a subset (a split, a category)
                metric: count for metric in dict.fromkeys(m for score in scores for m in score)
                if (count := sum(metric in score for score in scores)) < len(scores)}, "seconds": round(elapsed, 2),
            "samples_per_second": round(len(scores) / elapsed, 3) if elapsed else None,
            "data_files": {str(p.relative_to(data_dir)): file_digest(p)[:16] for p in benchmark.files(data_dir)}}
    write_atomically(output / "results.json", json.dumps(results, indent=1))
    return results


def format_table(results: dict) -> str:
    """One row per benchmark and metric, the headline metric first."""
    rows = [("benchmark", "metric", "value", "samples")]
    for name, entry in results["results"].items():
        for metric, value in entry["metrics"].items():
            count = entry.get("samples_per_metric", {}).get(metric, entry["samples"])
            rows.append((name, metric, f"{100 * value:.1f}", str(count)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
