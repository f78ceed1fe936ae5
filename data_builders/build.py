"""The build loop every task shares: checks, rejects, progress bar, manifest, and an output folder that appears only
when complete.

A task builder turns its source files into a stream of `Record`s and `Reject`s (`Source`). `run_build` then, per
record: refuses duplicate ids, checks the images (readable; boxes inside the first image, clipped when they overhang
by at most 1 px), cuts the privileged input to the token budget, proves the student prompt carries no privileged
value, and appends the row. The dataset (`datasets` `save_to_disk`), `manifest.json` and `rejects.jsonl` are
written to a temporary folder next to `--out` and renamed into place at the end: an interrupted or failed build
leaves nothing at `--out`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from dopd_vl.errors import DopdError
from dopd_vl.records import (
    MANIFEST, SCHEMA_VERSION, Box, LeakageError, Privileged, Record, RecordError, check_no_leakage, image_size,
    privileged_block, record_features, record_to_row, render_messages, resolve_image,
)

REJECTS = "rejects.jsonl"
BOX_TOLERANCE_PX = 1.0  # a box may overhang its image by this much and is clipped; beyond it the record is rejected
ROW_BATCH = 1000


class SourceError(DopdError):
    """A source file that cannot be read at all (missing, corrupt, unsafe pickle)."""


class BuildError(DopdError):
    """A build that stops: --strict and a reject, every record rejected, or an output folder in the way."""


@dataclass(frozen=True)
class Reject:
    """A source row left out of the build: its id (when known), its location (`file:line` or key), the field at
    fault, a short reason code counted in the manifest, and a message that says the fix."""
    id: str | None
    where: str
    field: str
    reason: str
    message: str
    details: dict = field(default_factory=dict, hash=False)  # e.g. a generated item's raw text, a judge's score

    @classmethod
    def from_error(cls, error: RecordError | LeakageError, where: str = "") -> "Reject":
        return cls(error.record_id, getattr(error, "where", "") or where, error.field, error.reason, str(error))

    def to_dict(self) -> dict:
        return {"id": self.id, "where": self.where, "field": self.field, "reason": self.reason,
                "message": self.message, **self.details}


@dataclass
class Source:
    """What a task builder hands the build loop."""
    items: Iterable[Record | Reject]
    files: list[Path]                  # hashed into the manifest
    image_root: Path | None = None     # where relative image paths start; None: inside the output folder
    total: int | None = None           # for the progress bar
    details: dict = field(default_factory=dict)  # format name and the like, for the manifest


@dataclass(frozen=True)
class BuildResult:
    out: Path
    kept: int
    rejected: Counter
    seconds: float
    details: dict = field(default_factory=dict, hash=False)  # the Source's details (format, generation summary)


# ---------------------------------------------------------------------------------------------------------------
# Per-record checks
# ---------------------------------------------------------------------------------------------------------------

def where_of(record: Record) -> str:
    return str(record.source.get("where", ""))


def check_images(record: Record, image_root) -> Record:
    """Every image readable; boxes inside the first image (clipped within BOX_TOLERANCE_PX, else rejected)."""
    size = None
    for index, path in enumerate(record.images):
        absolute = resolve_image(path, image_root)
        try:
            dimensions = image_size(absolute)
        except FileNotFoundError:
            raise RecordError(f"record {record.id!r} ({where_of(record)}), field 'images[{index}]': image not found "
                              f"at {absolute}; pass the folder that holds it as --images", record_id=record.id,
                              where=where_of(record), field=f"images[{index}]", reason="missing_image")
        except OSError as error:
            raise RecordError(f"record {record.id!r} ({where_of(record)}), field 'images[{index}]': unreadable "
                              f"image {absolute} ({error.__class__.__name__}); replace the file or drop the record",
                              record_id=record.id, where=where_of(record), field=f"images[{index}]",
                              reason="unreadable_image")
        size = size or dimensions
    if not record.privileged.boxes:
        return record
    boxes = tuple(clip_box(box, size, record, index) for index, box in enumerate(record.privileged.boxes))
    if boxes == record.privileged.boxes:
        return record
    return replace(record, privileged=replace(record.privileged, boxes=boxes))


def clip_box(box: Box, size: tuple[int, int], record: Record, index: int) -> Box:
    width, height = size
    x1, y1, x2, y2 = box.bbox_xyxy_px
    name = f"privileged.boxes[{index}].bbox_xyxy_px"
    tolerance = BOX_TOLERANCE_PX
    if x1 < -tolerance or y1 < -tolerance or x2 > width + tolerance or y2 > height + tolerance:
        raise RecordError(f"record {record.id!r} ({where_of(record)}), field '{name}': box {[x1, y1, x2, y2]} lies "
                          f"outside the {width}x{height} image by more than {tolerance:g} px; is it in another "
                          f"image's pixels or in x, y, width, height? fix it or drop the record", record_id=record.id,
                          where=where_of(record), field=name, reason="box_outside_image")
    clipped = (min(max(x1, 0.0), width), min(max(y1, 0.0), height), min(max(x2, 0.0), width),
               min(max(y2, 0.0), height))
    if not (clipped[2] > clipped[0] and clipped[3] > clipped[1]):
        raise RecordError(f"record {record.id!r} ({where_of(record)}), field '{name}': box {list(clipped)} has no "
                          f"area inside the image; fix it or drop the record", record_id=record.id,
                          where=where_of(record), field=name, reason="degenerate_box")
    return box if clipped == box.bbox_xyxy_px else Box(box.label, clipped)


def image_size_or_reject(record_id: str, where: str, image: str, image_root) -> tuple[int, int] | Reject:
    """The size of a record's image for a builder that needs it (to scale boxes), or the Reject that says why not."""
    path = resolve_image(image, image_root)
    try:
        return image_size(path)
    except FileNotFoundError:
        return Reject(record_id, where, "images[0]", "missing_image", f"record {record_id!r} ({where}), field "
                      f"'images[0]': image not found at {path}; pass the folder that holds it as --images")
    except OSError as error:
        return Reject(record_id, where, "images[0]", "unreadable_image", f"record {record_id!r} ({where}), field "
                      f"'images[0]': unreadable image {path} ({error.__class__.__name__}); replace the file or "
                      f"drop the record")


_PIECE = re.compile(r"[^\W\d_]+|\d|[^\w\s]+|\s+|_+")


def estimate_tokens(text: str) -> int:
    """Qwen3 tokens of `text`, estimated without a tokenizer from Qwen's pre-tokenization: one token per digit,
    one per 6 letters of a word, one per punctuation run, one per line break. On privileged blocks (boxes, scene
    graph lines, table rows, hints) it is within -10% / +30% of Qwen's real tokenizer (tests/builders)."""
    count = 0
    for match in _PIECE.finditer(text):
        piece = match.group()
        if piece[0].isdigit():
            count += 1
        elif piece[0].isalpha():
            count += math.ceil(len(piece) / 6)
        elif piece.isspace():
            count += piece != " "
        else:
            count += math.ceil(len(piece) / 3)
    return count


def fit_privileged(record: Record, max_tokens: int | None, image_root) -> Record:
    """Cut the privileged input to `max_tokens` (estimated) by dropping its last items: annotation lines first
    (last section first), then boxes, then hints. The number dropped goes to source["privileged_dropped"]."""
    if max_tokens is None or record.privileged.is_empty():
        return record
    block = privileged_block(record, image_root)
    if len(block) <= max_tokens or estimate_tokens(block) <= max_tokens:  # the estimate never exceeds the length
        return record
    privileged = record.privileged
    units = [("hint", i) for i in range(len(privileged.hints))] + [("box", i) for i in range(len(privileged.boxes))]
    for section, value in privileged.annotations.items():
        units += [("line", (section, i)) for i in range(len(value))] if isinstance(value, list) else \
            [("line", (section, None))]
    # `units` in keep-priority order: hints, boxes, annotation lines; drop from the end.

    def keep(count: int) -> Record:
        kept = units[:count]
        hints = tuple(privileged.hints[i] for kind, i in kept if kind == "hint")
        boxes = tuple(privileged.boxes[i] for kind, i in kept if kind == "box")
        annotations: dict = {}
        for kind, (section, i) in ((k, u) for k, u in kept if k == "line"):
            if i is None:
                annotations[section] = privileged.annotations[section]
            else:
                annotations.setdefault(section, []).append(privileged.annotations[section][i])
        return replace(record, privileged=Privileged(boxes=boxes, annotations=annotations, hints=hints))

    low, high = 0, len(units)  # keep(low) fits; keep(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        if estimate_tokens(privileged_block(keep(middle), image_root)) <= max_tokens:
            low = middle
        else:
            high = middle
    cut = keep(low)
    return replace(cut, source={**record.source, "privileged_dropped": len(units) - low})


# ---------------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------------

class RowWriter:
    """Rows to an Arrow stream file in batches, so memory stays flat however many records a build has."""

    def __init__(self, path: Path):
        import pyarrow as pa

        self.path = path
        self.schema = record_features().arrow_schema
        self.writer = pa.ipc.new_stream(str(path), self.schema)
        self.rows: list[dict] = []
        self.count = 0

    def write(self, row: dict) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= ROW_BATCH:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_batch(pa.RecordBatch.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def file_digest(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return {"path": str(path.resolve()), "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def progress(items: Iterable, total: int | None, description: str, enabled: bool | None):
    from tqdm.auto import tqdm

    # enabled=None: shown on a terminal, silent in logs and tests
    return tqdm(items, total=total, desc=description, unit=" rec", disable=None if enabled is None else not enabled,
                dynamic_ncols=True, mininterval=0.5)


def run_build(task: str, make_source: Callable[[Path], Source], out: Path, options: dict, *,
              strict: bool = False, overwrite: bool = False, max_privileged_tokens: int | None = None,
              show_progress: bool | None = None) -> BuildResult:
    """Build `out` from the Source that `make_source(work_folder)` returns (a builder may write images into the
    work folder; they end up inside `out`)."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise BuildError(f"{out} already exists; choose another --out, or pass --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out)
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    rows_folder = out.parent / f".{out.name}.rows-{os.getpid()}"
    for folder in (work, rows_folder):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    started = time.perf_counter()
    try:
        source = make_source(work)
        image_root = source.image_root if source.image_root is not None else work
        writer = RowWriter(rows_folder / "rows.arrow")
        rejects: list[Reject] = []
        seen: set[str] = set()
        dropped = 0

        def reject(item: Reject) -> None:
            if strict:
                raise BuildError(f"--strict: stopped at the first reject, nothing written: {item.message}")
            rejects.append(item)

        for item in progress(source.items, source.total, f"build-data {task}", show_progress):
            if isinstance(item, Reject):
                reject(item)
                continue
            if item.id in seen:
                reject(Reject(item.id, where_of(item), "id", "duplicate_id",
                              f"record {item.id!r} ({where_of(item)}), field 'id': duplicate id (an earlier record "
                              f"has it); make ids unique, e.g. by adding the split or file name"))
                continue
            try:
                record = check_images(item, image_root)
                record = fit_privileged(record, max_privileged_tokens, image_root)
                check_no_leakage(record, render_messages(record, "student", image_root))
            except (RecordError, LeakageError) as error:
                reject(Reject.from_error(error, where_of(item)))
                continue
            dropped += "privileged_dropped" in record.source
            seen.add(record.id)
            writer.write(record_to_row(record))
        writer.close()
        reasons = Counter(r.reason for r in rejects)
        if writer.count == 0:
            first = "\n  ".join(r.message for r in rejects[:5])
            raise BuildError(f"every record was rejected ({sum(reasons.values())}: "
                             f"{', '.join(f'{k} {v}' for k, v in reasons.most_common())}); nothing written. "
                             f"First rejects:\n  {first or '(the source had no rows)'}")
        save_dataset(writer.path, work)
        seconds = time.perf_counter() - started
        with open(work / REJECTS, "w", encoding="utf-8") as handle:
            for item in rejects:
                handle.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "task": task,
            "image_root": str(Path(source.image_root).resolve()) if source.image_root is not None else ".",
            "options": options,
            "source": source.details,
            "sources": [file_digest(Path(path)) for path in source.files],
            "counts": {"kept": writer.count, "rejected": len(rejects), "rejected_by_reason": dict(reasons),
                       "privileged_cut_to_budget": dropped},
            "seconds": round(seconds, 3),
            "records_per_second": round((writer.count + len(rejects)) / max(seconds, 1e-9), 1),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        replace_folder(work, out, overwrite)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(rows_folder, ignore_errors=True)
    return BuildResult(out=out, kept=writer.count, rejected=reasons, seconds=seconds, details=source.details)


def remove_stale_partials(out: Path) -> None:
    """Remove the work folders that builds of `out` killed without cleanup (SIGKILL, power loss) left behind: those
    whose process no longer runs."""
    for folder in out.parent.glob(f".{out.name}.partial-*"):
        try:
            os.kill(int(folder.name.rsplit("-", 1)[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, PermissionError):
            continue


def save_dataset(rows_file: Path, folder: Path) -> None:
    """`save_to_disk` of the rows, without datasets' own progress bar (the build loop has one)."""
    from datasets import Dataset
    from datasets.utils import logging as datasets_logging

    shown = datasets_logging.is_progress_bar_enabled()
    datasets_logging.disable_progress_bar()
    try:
        Dataset.from_file(str(rows_file)).save_to_disk(str(folder))
    finally:
        if shown:
            datasets_logging.enable_progress_bar()


def replace_folder(work: Path, out: Path, overwrite: bool) -> None:
    """Move the finished work folder to `out`; an old `out` is removed only after the new one is in place.
    Without `overwrite`, an `out` that another process finished meanwhile is left alone (BuildError)."""
    if not overwrite or not out.exists():
        try:
            os.rename(work, out)  # atomic; fails if another build put a folder there meanwhile
        except OSError as error:
            raise BuildError(f"{out} appeared while this build ran (another process?); choose another --out, or "
                             f"pass --overwrite to replace it ({error.strerror})")
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    os.rename(work, out)
    shutil.rmtree(old, ignore_errors=True)


PRIVILEGED_KINDS = ("boxes", "annotations", "hints", "answer", "none")


def choose_privileged(own: dict, kind: str, answer: str | None) -> dict:
    """The `privileged` field for `--privileged KIND`: the task's own privileged input (`own`), the final answer as
    the only hint (`answer`, an ablation: the paper found it worse than nothing), or nothing (`none`)."""
    if kind == "none":
        return {}
    if kind == "answer":
        return {"hints": [f"The final answer is {answer}."]} if answer is not None else {}
    return own


def format_summary(result: BuildResult) -> str:
    rejected = sum(result.rejected.values())
    reasons = ", ".join(f"{reason} {count}" for reason, count in result.rejected.most_common())
    rate = (result.kept + rejected) / max(result.seconds, 1e-9)
    summary = (f"wrote {result.kept} records to {result.out} in {result.seconds:.1f} s ({rate:.0f} records/s); "
               f"rejected {rejected}" + (f" ({reasons}; see {result.out / REJECTS})" if rejected else ""))
    generation = result.details.get("generation")
    if generation:
        requests = generation["requests"]
        summary += (f"\n{generation['kind']} written by {generation['generator']} ({generation['prompt_version']}): "
                    f"{requests['generate']['sent']} requests sent, {requests['generate']['cached']} replies from the "
                    f"cache, {generation['seconds']:.1f} s")
        if generation["judge"]:
            scores = ", ".join(f"{score}: {count}" for score, count in generation["judge_scores"].items())
            summary += (f"\nrecheck by {generation['judge']} ({generation['judge_prompt_version']}): "
                        f"{requests['judge']['sent']} requests sent, {requests['judge']['cached']} from the cache; "
                        f"judge scores: {scores or 'none'} (kept: {generation['min_score']} and above)")
    return summary
