"""Readers for the file formats that sources come in: JSON, JSON lines, parquet, CSV and (untrusted) pickles.

Each reader names the file and the line or key of a problem. Per-row problems (bad UTF-8, bad JSON on one line)
come back as `Reject`s so a build can go on; a file that cannot be read at all raises `SourceError`.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
from pathlib import Path
from typing import Iterator

from data_builders.build import Reject, SourceError


def read_json(path: Path):
    """A whole JSON file (COCO instances, GQA scene graphs, CLEVR scenes, ...)."""
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found; check the path given to --source / --annotations")
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 at byte {error.start}; re-encode the file as UTF-8")
    except json.JSONDecodeError as error:
        raise SourceError(f"{path}:{error.lineno}: invalid JSON ({error.msg}); is the file complete?")


def iter_jsonl(path: Path) -> Iterator[tuple[str, dict | Reject]]:
    """(`file:line`, object) per non-empty line; a line with bad UTF-8 or bad JSON gives a Reject instead."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found; check the path given to --source")
    with handle:
        for number, raw in enumerate(handle, 1):
            where = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield where, Reject(None, where, "(line)", "bad_utf8", f"{where}: not UTF-8 at byte {error.start} "
                                    f"of the line; re-encode the file as UTF-8")
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                yield where, Reject(None, where, "(line)", "bad_json", f"{where}: invalid JSON ({error.msg}); fix "
                                    f"or remove the line")
                continue
            if not isinstance(value, dict):
                yield where, Reject(None, where, "(line)", "bad_json", f"{where}: expected a JSON object, got "
                                    f"{type(value).__name__}")
                continue
            yield where, value


def iter_parquet(path: Path, columns: list[str] | None = None) -> Iterator[tuple[str, dict]]:
    """(`file:row N`, row dict) per row of a parquet file, read one row group at a time."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found; check the path given to --source")
    except Exception as error:  # pyarrow raises several types for a corrupt file
        raise SourceError(f"{path}: not a readable parquet file ({error})")
    index = 0
    for group in range(parquet.num_row_groups):
        for row in parquet.read_row_group(group, columns=columns).to_pylist():
            yield f"{path}:row {index}", row
            index += 1


def iter_records_file(path: Path) -> Iterator[tuple[str, dict | Reject]]:
    """Rows of a JSONL, JSON (a list of objects, or {"data": [...]}) or parquet file, by extension."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from iter_parquet(path)
    elif suffix in (".jsonl", ".ndjson"):
        yield from iter_jsonl(path)
    elif suffix == ".json":
        data = read_json(path)
        rows = data.get("data", data.get("questions")) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise SourceError(f"{path}: expected a JSON list of objects (or an object with a 'data' or 'questions' "
                              f"list); got {type(data).__name__}")
        for index, row in enumerate(rows):
            where = f"{path}:[{index}]"
            if isinstance(row, dict):
                yield where, row
            else:
                yield where, Reject(None, where, "(row)", "bad_json", f"{where}: expected an object")
    else:
        raise SourceError(f"{path}: unknown file type '{suffix}'; give a .jsonl, .json or .parquet file")


def read_csv_table(path: Path) -> list[list[str]]:
    """A CSV table as rows of cells (ChartQA `tables/*.csv`)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 at byte {error.start}; re-encode the file as UTF-8")
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]


class PlainDataUnpickler(pickle.Unpickler):
    """Pickles are untrusted input: admit only what pickle builds from its own opcodes (dicts, lists, tuples,
    sets, strings, bytes, numbers, booleans, None). Anything that names a class or function is refused, because
    unpickling it could run code."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"the pickle refers to '{module}.{name}'; only plain data (dicts, lists, "
                                     f"strings, numbers) is accepted")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("the pickle uses persistent ids; only plain data is accepted")


def load_plain_pickle(path: Path):
    """Load an untrusted pickle of plain data. RefCOCO's `refs(unc).p` was written by Python 2, whose strings
    arrive as bytes: they are decoded as UTF-8 (latin-1 where that fails)."""
    try:
        with open(path, "rb") as handle:
            return _decode_bytes(PlainDataUnpickler(handle, encoding="bytes").load())
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found; check the path given to --source")
    except pickle.UnpicklingError as error:
        raise SourceError(f"{path}: refused: {error}. Get the file from its original source, or convert it to "
                          f"JSON lines and use the generic format")
    except (EOFError, ValueError, TypeError, IndexError, KeyError) as error:
        raise SourceError(f"{path}: not a readable pickle ({error.__class__.__name__}: {error})")


def _decode_bytes(value):
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    if isinstance(value, dict):
        return {_decode_bytes(k): _decode_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_bytes(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_decode_bytes(v) for v in value)
    return value
