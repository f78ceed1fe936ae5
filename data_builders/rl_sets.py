"""Readers for the paper's RL training sets: each turns a source file in its published layout into plain records
(question, images, answer; no privileged input except RaR rubrics on request) and Rejects for bad rows.

Formats (`RL_FORMATS`; `detect_rl_format` tells them from the first row's keys):
- `verl`: the verl / EasyR1 RL parquet layout, read as verl's `verl/utils/dataset/rl_dataset.py` (RLHFDataset:
  `prompt` chat list, `images` of `{"bytes", "path"}` or paths, `<image>` placeholders split in order) and
  `examples/data_preprocess/geo3k.py` / `gsm8k.py` write it: `prompt` ([{role, content}]; the question is the one user
  turn, a system turn goes to source["system_prompt"]), optional `images`, `data_source`, `ability`,
  `reward_model` ({ground_truth, style}), `extra_info` ({index, ...}). BytedTsinghua-SIA/DAPO-Math-17k (card:
  data_source, prompt, ability, reward_model, extra_info.index) is this layout. Also EasyR1's plain variant
  (`verl/utils/dataset.py` of hiyouga/EasyR1: columns `problem`, `answer`, `images`, as in hiyouga/geometry3k).
  The answer is `reward_model.ground_truth` (or `answer`); a list of acceptable answers gives its FIRST item as the
  answer and the whole list in source["answers"] (joining them would make an answer no grader accepts). A row with
  ability "code" whose ground truth is a JSON object (or a struct) of tests is read like a Skywork code row.
- `virl39k`: TIGER-Lab/ViRL39K as its card and loaders read it (`39Krelease.parquet`: qid, question, answer with
  `\\boxed{}`, category, source, PassRate_32BTrained, PassRate_7BBase, image = relative paths such as
  "images/Processed-....jpg" into the unzipped images.zip). The answer is the last `\\boxed{}` content (the raw
  string is kept in source["answer_raw"]); paths resolve against `--images`, default the parquet's folder.
- `rar`: RaR-Science / RaR-Medicine as released with "Rubrics as Rewards" (arXiv 2507.17746; Hugging Face
  ScaleAI/RaR-Science, uploaded by anisha2102, earlier named RaR-Science-20k): question, reference_answer,
  question_source, rubric = [{title, description ("Essential Criteria: ..."), weight (5 .. -2)}], rubric_list,
  rubric_count. The reference answer is the answer; the rubric is metadata in source["rubric"], and privileged
  input (`privileged.annotations = {"rubric": ["<description> (weight W)", ...]}`) only with `privileged="rubric"`.
- `skywork-or1`: Skywork/Skywork-OR1-RL-Data (card: verl layout, splits math and code, extra_info {index,
  model_difficulty}); as the Skywork-OR1 repo's `or1_scripts/data_preprocess/*.py` and reward code read it, a
  math row's `ground_truth` is a JSON list of acceptable answers (first is the answer, all in source["answers"]) and a
  code row's is a JSON object of tests ({inputs, outputs, fn_name} or {import_prefix, test_code, entry_point} or
  {assert_case}). Code tests go to source["tests"] (parsed) with answer None: never into the question, so no
  rendered prompt carries them.

Images: `<image>` placeholders must match the row's images in number (else `image_count_mismatch`; verl and
EasyR1 would fail on such a row too), except that a single image needs none (about 2% of ViRL39K's rows lost theirs;
the renderer puts images before the text anyway). One image: the placeholder is removed from the text; several: each becomes
`<image k>` (1-based, in the images' order), because the renderer puts the images before the text. Encoded bytes
are checked with PIL and written to `images/<safe id>-<k>.<ext>` in the output folder (the record keeps that
relative path); path strings become absolute paths under `--images` (the build loop rejects a missing file).

Record ids: the row's own id (verl: extra_info.index, else id / uid / unique_id / index; ViRL39K: qid; RaR: id),
made a string; a numeric id (a row index that restarts in every split) is prefixed with the file stem
(`train-17`), a textual one (a uuid, a qid) is kept; rows without one get `<file stem>-<row index>`. Tasks: verl and
Skywork rows take their `ability` in lower case ("math", "code"; "rl" when absent), ViRL39K rows "virl39k", RaR rows
"rar". Bad rows become Rejects with reasons missing_field, empty_question, multi_turn_prompt, bad_image,
image_count_mismatch, missing_answer, bad_tests, invalid_field, unsupported_video, duplicate_id.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from data_builders.build import Reject, Source, SourceError
from data_builders.hints import last_boxed
from data_builders.readers import iter_records_file
from dopd_vl.records import RecordError, record_from_dict

RL_FORMATS = ("verl", "virl39k", "rar", "skywork-or1")
PLACEHOLDER = "<image>"
SMALL_JSON_CHARS = 1000  # metadata values (extra_info items, extra columns) longer than this as JSON are left out
IMAGE_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp",
                    "TIFF": "tif"}


# ---------------------------------------------------------------------------------------------------------------
# Format detection and the Source
# ---------------------------------------------------------------------------------------------------------------

def detect_rl_format(path: Path, row: dict) -> str | None:
    """The RL layout of a file from its first row's keys, or None when it is not one of RL_FORMATS.

    A plain {problem, answer} row is EasyR1's variant of `verl` unless it also has a `solution` (then it is a
    MATH-like hints source; pass the format explicitly to read it as RL rows)."""
    if not isinstance(row, dict):
        return None
    keys = set(row)
    if "prompt" in keys and "reward_model" in keys:
        extra = row.get("extra_info")
        if isinstance(extra, dict) and "model_difficulty" in extra:
            return "skywork-or1"
        return "verl"
    if "qid" in keys and "question" in keys and "answer" in keys and \
            ("image" in keys or any(key.startswith("PassRate") for key in keys)):
        return "virl39k"
    if "question" in keys and "reference_answer" in keys and ("rubric" in keys or "rubric_list" in keys):
        return "rar"
    if "problem" in keys and "answer" in keys and "solution" not in keys:
        return "verl"
    return None


def rl_source(options) -> Callable[[Path], Source]:
    """The build loop's source for an RL training set: `options.source`, `.images`, `.format` (detected when None),
    `.limit` (rows read) and `.privileged` ("rubric" makes RaR rubrics privileged input; anything else: none)."""
    source = Path(options.source)

    def make_source(work: Path) -> Source:
        if options.format is not None and options.format not in RL_FORMATS:
            raise SourceError(f"--format {options.format} is not an RL training-set format; choose one of "
                              f"{', '.join(RL_FORMATS)}")
        rows = iter_records_file(source)
        first = next(rows, None)
        if first is None:
            raise SourceError(f"{source}: no rows to read")
        rows = itertools.chain([first], rows)
        first_row = first[1]
        fmt = options.format
        if fmt is None:
            if isinstance(first_row, Reject):
                raise SourceError(f"{source}: cannot tell the RL layout, the first row is unreadable "
                                  f"({first_row.message}); fix it or pass --format")
            fmt = detect_rl_format(source, first_row)
            if fmt is None:
                raise SourceError(
                    f"{source}: cannot tell the RL layout from its fields {sorted(first_row)[:16]}: expected verl "
                    f"(prompt, reward_model, images?, data_source, ability, extra_info), EasyR1 (problem, answer, "
                    f"images?), ViRL39K (qid, question, answer, image, category, PassRate_*), RaR (question, "
                    f"reference_answer, rubric) or Skywork-OR1-RL-Data (verl with extra_info.model_difficulty); "
                    f"or pass --format with one of {', '.join(RL_FORMATS)}")
        total = _row_count(source)
        if options.limit is not None:
            rows = itertools.islice(rows, options.limit)
            total = options.limit if total is None else min(total, options.limit)
        image_root = Path(options.images) if options.images else source.parent
        reader = _Reader(options=options, path=source, fmt=fmt, work=work, image_root=image_root.resolve())
        details = {"format": fmt, "images": str(reader.image_root),
                   "privileged": "rubric" if fmt == "rar" and options.privileged == "rubric" else "none"}
        return Source(items=reader.items(rows), files=[source], image_root=None, total=total, details=details)
    return make_source


def _row_count(path: Path) -> int | None:
    if path.suffix.lower() != ".parquet":
        return None
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (OSError, ValueError):  # pyarrow errors; iter_parquet names the problem
        return None


# ---------------------------------------------------------------------------------------------------------------
# Row reading
# ---------------------------------------------------------------------------------------------------------------

class RowError(Exception):
    """A bad row: becomes a Reject naming the record, file:row, field and fix."""

    def __init__(self, field: str, reason: str, problem: str, fix: str):
        super().__init__(problem)
        self.field, self.reason, self.problem, self.fix = field, reason, problem, fix


def _reject(record_id, where, field, reason, problem, fix) -> Reject:
    return Reject(record_id, where, field, reason, f"record {record_id!r} ({where}), field '{field}': {problem}; {fix}")


class _Reader:
    def __init__(self, options, path: Path, fmt: str, work: Path, image_root: Path):
        self.options, self.path, self.fmt, self.work, self.image_root = options, path, fmt, work, image_root
        self.stem = path.stem
        self.seen: set[str] = set()
        self.rubric_privileged = options.privileged == "rubric"

    def items(self, rows):
        read = {"verl": self.verl, "skywork-or1": self.verl, "virl39k": self.virl39k, "rar": self.rar}[self.fmt]
        for index, (where, row) in enumerate(rows):
            if isinstance(row, Reject):
                yield row
                continue
            record_id = self.record_id(row, index)
            try:
                if record_id in self.seen:
                    raise RowError("id", "duplicate_id", "duplicate id (an earlier row has it)",
                                   "make ids unique, e.g. build each split file separately or give rows their own id")
                data = read(row, record_id, where)
                record = record_from_dict(data, where)
            except RowError as error:
                yield _reject(record_id, where, error.field, error.reason, error.problem, error.fix)
                continue
            except RecordError as error:
                yield Reject.from_error(error, where)
                continue
            self.seen.add(record_id)
            yield record

    def record_id(self, row: dict, index: int) -> str:
        extra = row.get("extra_info") if isinstance(row.get("extra_info"), dict) else {}
        if self.fmt in ("verl", "skywork-or1"):
            candidates = [extra.get("index"), row.get("id"), row.get("uid"), row.get("unique_id"), row.get("index")]
        elif self.fmt == "virl39k":
            candidates = [row.get("qid"), row.get("id")]
        else:
            candidates = [row.get("id"), row.get("uid")]
        own = next((c for c in candidates if isinstance(c, (str, int)) and not isinstance(c, bool)
                    and str(c).strip()), None)
        if own is None:
            return f"{self.stem}-{index}"
        own = str(own).strip()
        return f"{self.stem}-{own}" if own.lstrip("-").isdigit() else own

    # --- verl / EasyR1 / Skywork-OR1 ---------------------------------------------------------------------------

    def verl(self, row: dict, record_id: str, where: str) -> dict:
        source = {"where": where, "format": self.fmt}
        if "prompt" in row:
            question, field, system = _user_turn(row["prompt"])
            if system is not None:
                source["system_prompt"] = system
        elif "problem" in row:
            question, field = row["problem"], "problem"
            if question is None:
                raise RowError("problem", "missing_field", "missing", "give the problem text")
        else:
            raise RowError("prompt", "missing_field", "no prompt (nor problem) column",
                           "give the chat prompt [{role, content}] or the problem text")
        if not isinstance(question, str):
            raise RowError(field, "invalid_field", f"expected text, got {type(question).__name__}",
                           "write the question as a string")
        if row.get("videos"):
            raise RowError("videos", "unsupported_video", "the row has videos; records carry images only",
                           "drop the row, or give the video as frames in images")
        ability = row.get("ability") if isinstance(row.get("ability"), str) and row["ability"].strip() else None
        reward = row.get("reward_model") if isinstance(row.get("reward_model"), dict) else {}
        answer_field = "reward_model.ground_truth" if "reward_model" in row else "answer"
        truth = reward.get("ground_truth") if "reward_model" in row else row.get("answer")
        code = (ability or "").strip().lower() == "code"
        answer, extra = self.ground_truth(truth, answer_field, code)
        source.update(extra)
        question, images = self.images_for(question, field, row.get("images"), record_id)
        if ability is not None:
            source["ability"] = ability
        for key in ("data_source",):
            if isinstance(row.get(key), str):
                source[key] = row[key]
        if isinstance(reward.get("style"), str):
            source["reward_style"] = reward["style"]
        if isinstance(row.get("extra_info"), dict):
            source["extra_info"] = _small_values(row["extra_info"])
        for key, value in _small_values({k: v for k, v in row.items() if k not in VERL_COLUMNS
                                         and not k.startswith("__")}).items():
            source.setdefault(key, value)  # other small columns (category, level, ...) as metadata
        return {"id": record_id, "task": (ability or "rl").strip().lower(), "question": question,
                "images": images, "answer": answer, "privileged": {}, "source": source}

    def ground_truth(self, truth, field: str, code: bool) -> tuple[str | None, dict]:
        """(answer, source additions) from a ground truth; code rows give their tests as metadata instead."""
        if truth is None or (isinstance(truth, (str, list, dict)) and not _has_content(truth)):
            raise RowError(field, "missing_answer", "no ground truth", "give the reference answer (or the tests of "
                           "a code row) or drop the row")
        if code:
            tests = truth
            if isinstance(truth, str):
                try:
                    tests = json.loads(truth)
                except json.JSONDecodeError as error:
                    if self.fmt == "skywork-or1":
                        raise RowError(field, "bad_tests", f"the tests are not valid JSON ({error.msg} at char "
                                       f"{error.pos})", "give the tests as a JSON object, or drop the row")
                    tests = truth  # a plain expected output: an answer like any other
            if isinstance(tests, (dict, list)):
                if not _has_content(tests):
                    raise RowError(field, "missing_answer", "the tests are empty", "give at least one test or drop "
                                   "the row")
                return None, {"tests": tests}
            if self.fmt == "skywork-or1":
                raise RowError(field, "bad_tests", f"expected a JSON object of tests, got {type(tests).__name__}",
                               "give the tests as a JSON object, or drop the row")
        if self.fmt == "skywork-or1" and isinstance(truth, str):
            try:
                parsed = json.loads(truth)
            except json.JSONDecodeError:
                parsed = truth
            if isinstance(parsed, list):
                truth = parsed
        if isinstance(truth, list):
            answers = [_answer_text(item) for item in truth]
            answers = [a for a in answers if a]
            if not answers:
                raise RowError(field, "missing_answer", "the list of answers holds no text", "give the reference "
                               "answer or drop the row")
            return answers[0], ({"answers": answers} if len(answers) > 1 else {})
        answer = _answer_text(truth)
        if answer is None:
            raise RowError(field, "invalid_field", f"expected text or a number, got {type(truth).__name__}",
                           "write the reference answer as a string")
        return answer, {}

    # --- ViRL39K -------------------------------------------------------------------------------------------------

    def virl39k(self, row: dict, record_id: str, where: str) -> dict:
        field = "question" if "question" in row else "problem"
        question = row.get(field)
        if question is None:
            raise RowError("question", "missing_field", "missing", "give the question text")
        if not isinstance(question, str):
            raise RowError(field, "invalid_field", f"expected text, got {type(question).__name__}",
                           "write the question as a string")
        raw = row.get("answer")
        if not isinstance(raw, str) or not raw.strip():
            raise RowError("answer", "missing_answer", "no answer", "give the \\boxed{} answer or drop the row")
        boxed = last_boxed(raw)
        answer = boxed if boxed is not None else raw.strip()
        if not answer:
            raise RowError("answer", "missing_answer", f"the answer {raw!r:.60} is an empty box",
                           "give the answer or drop the row")
        images_field = "image" if "image" in row else "images"
        question, images = self.images_for(question, field, row.get(images_field), record_id, images_field)
        source = {"where": where, "format": self.fmt}
        if answer != raw:
            source["answer_raw"] = raw
        for key in ("category",):
            if isinstance(row.get(key), str):
                source[key] = row[key]
        if isinstance(row.get("source"), str):
            source["data_source"] = row["source"]
        source.update(_small_values({k: v for k, v in row.items() if k.startswith("PassRate")}))
        return {"id": record_id, "task": "virl39k", "question": question, "images": images, "answer": answer,
                "privileged": {}, "source": source}

    # --- RaR -----------------------------------------------------------------------------------------------------

    def rar(self, row: dict, record_id: str, where: str) -> dict:
        question = row.get("question")
        if question is None:
            raise RowError("question", "missing_field", "missing", "give the question text")
        if not isinstance(question, str):
            raise RowError("question", "invalid_field", f"expected text, got {type(question).__name__}",
                           "write the question as a string")
        if not question.strip():
            raise RowError("question", "empty_question", "empty", "give the question or drop the row")
        rubric = _rubric(row)
        reference = row.get("reference_answer")
        answer = reference.strip() if isinstance(reference, str) and reference.strip() else None
        source = {"where": where, "format": self.fmt, "rubric": rubric}
        for key in ("question_source", "data_source", "category"):
            if isinstance(row.get(key), str):
                source[key] = row[key]
        privileged = {}
        if self.rubric_privileged:
            privileged = {"annotations": {"rubric": [_rubric_line(item) for item in rubric]}}
        if PLACEHOLDER in question:
            raise RowError("question", "image_count_mismatch", "the question has an <image> placeholder but RaR "
                           "rows have no images", "remove the placeholder or drop the row")
        return {"id": record_id, "task": "rar", "question": question, "images": [], "answer": answer,
                "privileged": privileged, "source": source}

    # --- images --------------------------------------------------------------------------------------------------

    def images_for(self, question: str, question_field: str, raw, record_id: str,
                   field: str = "images") -> tuple[str, list[str]]:
        """(question with placeholders resolved, record image paths); embedded images are written last, once the
        row has passed every check."""
        if raw is None:
            raw = []
        if isinstance(raw, (str, dict)):
            raw = [raw]
        if not isinstance(raw, (list, tuple)):
            raise RowError(field, "bad_image", f"expected a list of images, got {type(raw).__name__}",
                           "give images as a list of {bytes, path} or of paths")
        planned = [self.plan_image(item, f"{field}[{k}]") for k, item in enumerate(raw)]
        count = question.count(PLACEHOLDER)
        if count != len(planned) and not (count == 0 and len(planned) == 1):  # one image needs no placeholder
            raise RowError(field, "image_count_mismatch", f"the question has {count} {PLACEHOLDER} placeholder(s) "
                           f"but the row has {len(planned)} image(s)", f"put one {PLACEHOLDER} per image in "
                           f"'{question_field}' (in the images' order), or drop the row")
        question = _resolve_placeholders(question)
        if not question.strip():
            raise RowError(question_field, "empty_question", "no text besides the image placeholder(s)",
                           "give the question or drop the row")
        return question, [self.place(plan, record_id, k) for k, plan in enumerate(planned, 1)]

    def plan_image(self, item, field: str):
        """("bytes", data, ext) for an encoded image (checked with PIL), or ("path", absolute path)."""
        path = None
        if isinstance(item, dict):
            data = item.get("bytes")
            if data:
                if not isinstance(data, (bytes, bytearray)):
                    raise RowError(field, "bad_image", f"image bytes of type {type(data).__name__}",
                                   "store images as the datasets Image feature does ({bytes, path})")
                return ("bytes", bytes(data), _image_extension(bytes(data), field))
            path = item.get("path") or item.get("image")
        elif isinstance(item, str):
            path = item
        if not isinstance(path, str) or not path.strip():
            raise RowError(field, "bad_image", f"neither image bytes nor a path ({item!r:.60})",
                           "give the image as {bytes, path} or as a path")
        path = path.strip()
        path = path.removeprefix("file://")
        if re.match(r"^[a-z][a-z0-9+.-]*://", path, re.IGNORECASE) or path.startswith("data:"):
            raise RowError(field, "bad_image", f"{path[:80]!r} is not a local file (images are not downloaded)",
                           "download the images and give their paths, with --images for the folder")
        return ("path", self.resolve_path(path))

    def resolve_path(self, path: str) -> str:
        if os.path.isabs(path):
            return os.path.normpath(path)
        candidate = self.image_root / path
        first = Path(path).parts[0] if Path(path).parts else ""
        if not candidate.exists() and first == self.image_root.name and (self.image_root.parent / path).exists():
            candidate = self.image_root.parent / path  # --images named the images/ folder the paths start with
        return str(candidate)

    def place(self, plan, record_id: str, k: int) -> str:
        if plan[0] == "path":
            return plan[1]
        _, data, ext = plan
        name = f"{safe_name(record_id)}-{k}.{ext}"
        folder = self.work / "images"
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
        return f"images/{name}"


VERL_COLUMNS = ("prompt", "problem", "answer", "images", "videos", "data_source", "ability", "reward_model",
                "extra_info", "id", "uid", "unique_id", "index")


def _user_turn(prompt) -> tuple[str | None, str, str | None]:
    """(question, its field, system prompt) from a verl chat prompt."""
    if isinstance(prompt, str):
        return prompt, "prompt", None
    if not isinstance(prompt, (list, tuple)) or not prompt:
        raise RowError("prompt", "missing_field", f"expected a chat message list, got {prompt!r:.60}",
                       "give the prompt as [{\"role\": \"user\", \"content\": ...}]")
    users, system, others = [], None, []
    for i, message in enumerate(prompt):
        role = message.get("role") if isinstance(message, dict) else None
        if role == "user":
            users.append(i)
        elif role == "system":
            system = _content_text(message.get("content"), f"prompt[{i}].content")
        else:
            others.append(f"{role!r} at prompt[{i}]")
    if not users:
        raise RowError("prompt", "missing_field", "no user turn in the prompt", "give the question as a message "
                       "with role 'user'")
    if len(users) > 1 or others:
        raise RowError("prompt", "multi_turn_prompt", f"{len(users)} user turn(s) and {len(others)} other turn(s) "
                       f"({', '.join(others) or 'none'}); a record holds one question",
                       "keep one user turn (and an optional system turn) or drop the row")
    field = f"prompt[{users[0]}].content"
    question = _content_text(prompt[users[0]].get("content"), field)
    if question is None:
        raise RowError(field, "missing_field", "the user turn has no content", "give the question text")
    return question, field, system


def _content_text(content, field: str) -> str | None:
    """A message's text; OpenAI-style parts become text with an <image> per image part."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        pieces = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text":
                pieces.append(str(part.get("text") or ""))
            elif kind in ("image", "image_url"):
                pieces.append(PLACEHOLDER)
            else:
                raise RowError(field, "invalid_field", f"a content part of type {kind!r}", "use text and image parts")
        return "".join(pieces)
    raise RowError(field, "invalid_field", f"expected text, got {type(content).__name__}", "write the content as text")


def _resolve_placeholders(question: str) -> str:
    """One placeholder: removed; several: `<image k>`."""
    parts = question.split(PLACEHOLDER)
    if len(parts) == 1:
        return question.strip()
    if len(parts) == 2:
        left, right = parts[0].rstrip(" \t"), parts[1].lstrip(" \t")
        glue = " " if left and right and not left.endswith("\n") and not right.startswith("\n") else ""
        return (left + glue + right).strip()
    text = parts[0]
    for k, part in enumerate(parts[1:], 1):
        text += f"<image {k}>" + part
    return text.strip()


def _image_extension(data: bytes, field: str) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise RowError(field, "bad_image", f"the image bytes do not decode ({error.__class__.__name__})",
                       "replace the image or drop the row")
    return IMAGE_EXTENSIONS.get(kind or "", (kind or "img").lower())


def safe_name(record_id: str) -> str:
    """A file-name-safe form of an id; a hash keeps two ids that differ only in unsafe characters apart."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", record_id).strip("._") or "record"
    if safe != record_id or len(safe) > 100:
        safe = f"{safe[:100]}-{hashlib.sha1(record_id.encode('utf-8')).hexdigest()[:8]}"
    return safe


def _has_content(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_content(v) for v in value)
    return value is not None


def _answer_text(value) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return None


def _plain(value):
    """JSON-able plain data (non-finite floats become None), or raise TypeError."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise TypeError(type(value).__name__)


def _small_values(values: dict) -> dict:
    """The items of `values` that are small JSON-able data (bytes, long texts and big structures are left out)."""
    kept = {}
    for key, value in values.items():
        try:
            value = _plain(value)
        except TypeError:
            continue
        if len(json.dumps(value, ensure_ascii=False)) <= SMALL_JSON_CHARS:
            kept[str(key)] = value
    return kept


def _rubric(row: dict) -> list[dict]:
    """The RaR rubric as [{title, description, weight}] (from `rubric`, else `rubric_list` lines)."""
    raw = row.get("rubric")
    field = "rubric"
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise RowError(field, "invalid_field", f"not valid JSON ({error.msg})", "give the rubric as a list of "
                           "{title, description, weight}")
    if not raw and isinstance(row.get("rubric_list"), (list, tuple)):
        raw, field = [{"title": "", "description": line, "weight": None} for line in row["rubric_list"]], \
            "rubric_list"
    if not raw:
        raise RowError("rubric", "missing_field", "no rubric", "give the rubric items (the reward is computed from "
                       "them) or drop the row")
    if not isinstance(raw, (list, tuple)):
        raise RowError(field, "invalid_field", f"expected a list, got {type(raw).__name__}",
                       "give the rubric as a list of {title, description, weight}")
    items = []
    for i, item in enumerate(raw):
        name = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise RowError(name, "invalid_field", f"expected {{title, description, weight}}, got {item!r:.60}",
                           "fix the rubric item")
        title = item.get("title") if isinstance(item.get("title"), str) else ""
        description = item.get("description") if isinstance(item.get("description"), str) else ""
        if not (description.strip() or title.strip()):
            raise RowError(f"{name}.description", "invalid_field", "empty rubric item", "give its description")
        weight = item.get("weight")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, (int, float))
                                   or not math.isfinite(weight)):
            raise RowError(f"{name}.weight", "invalid_field", f"weight {weight!r:.30} is not a number",
                           "give an integer weight (5 essential .. -2 pitfall)")
        items.append({"title": title.strip(), "description": description.strip(), "weight": weight})
    return items


def _rubric_line(item: dict) -> str:
    text = item["description"] or item["title"]
    weight = item["weight"]
    if weight is None:
        return text
    return f"{text} (weight {int(weight) if float(weight).is_integer() else weight})"
