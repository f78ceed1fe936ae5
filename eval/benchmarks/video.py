"""Video benchmarks: VSI-Bench, visual-spatial intelligence from egocentric videos of indoor scenes.

Reference: Yang, Yang, Gupta, Han, Fei-Fei and Xie 2024, "Thinking in Space: How Multimodal Large Language Models
See, Remember, and Recall Spaces" (arXiv:2412.14171), with its official evaluation code (github.com/vision-x-nyu/
thinking-in-space, the `vsibench` task of lmms-eval): 5,130 questions on 288 videos of ScanNet, ScanNet++ and
ARKitScenes.

Files (`huggingface-cli download --repo-type dataset nyu-visionx/VSI-Bench --local-dir DATA_DIR/vsibench`, then unzip
`arkitscenes.zip`, `scannet.zip` and `scannetpp.zip` in that folder): the questions are `test.jsonl` (the current
release; the first release shipped them as `test-00000-of-00001.parquet`, read when there is no `test.jsonl`), one
record per question with `id`, `dataset`, `scene_name`, `question_type`, `question`, `options` (a list such as
`["A. left", "B. right"]` for multiple choice, null otherwise) and `ground_truth` (an option letter, or a number as
text); other fields (the current release's `pruned` flag) are ignored, so every question is scored, as lmms-eval's
`vsibench` task does. The video of a question is `<dataset>/<scene_name>.mp4`.

Prompt (the reference's default): the video, then "These are frames of a video.", the question and, for multiple
choice, "Options:" with the published option lines, "Answer with the option's letter from the given choices
directly."; for a numerical question "Please answer the question using a single word or phrase.". The video is
sampled uniformly to `VIDEO_FRAMES` frames (32, as lmms-eval evaluates VSI-Bench: the part's `nframes`), read by
qwen-vl-utils' `fetch_video` (see `dopd_vl.rollout.conversation_videos`).

Scoring, per question type:

- multiple choice (`object_rel_direction_easy/medium/hard`, `object_rel_distance`, `route_planning`,
  `obj_appearance_order`): `accuracy`, 1 when `eval.extract.extract_choice` (the harness's one rule) finds the
  ground-truth letter. The reference compares the response's first word, stripped of a trailing period, with the
  letter; the shared rule accepts that and more ("The answer is B", the option's text), never a guess.
- numerical (`object_counting`, `object_abs_distance`, `object_size_estimation`, `room_size_estimation`): `mra`,
  the paper's Mean Relative Accuracy (`eval.metrics.mean_relative_accuracy`) of the first number in the response
  after any thinking block (the reference reads the first word as a number; no number scores 0).

Aggregate (the reference's `vsibench_aggregate_results`): the mean metric of each question type, the three relative
direction types then merged into one `object_rel_direction_accuracy` (the mean of their three means), so the eight
tasks of the paper remain; `overall`, the headline, is the mean over those tasks (a macro average, the paper's "Avg.").
Also reported: `accuracy` over all multiple-choice questions and `mra` over all numerical ones (micro averages).
With `--limit`, tasks without questions are left out of the averages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from eval.base import Benchmark, Doc, EvalError, jsonl_records, missing_message, parquet_rows, record_error
from eval.extract import extract_choice
from eval.metrics import mean_relative_accuracy, to_number

MULTIPLE_CHOICE_TYPES = ("object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard",
                         "object_rel_distance", "route_planning", "obj_appearance_order")
NUMERICAL_TYPES = ("object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation")
MERGED_TASKS = {"object_rel_direction_easy": "object_rel_direction", "object_rel_direction_medium":
                "object_rel_direction", "object_rel_direction_hard": "object_rel_direction"}

PRE_PROMPT = "These are frames of a video."
CHOICE_POST_PROMPT = "Answer with the option's letter from the given choices directly."
NUMERICAL_POST_PROMPT = "Please answer the question using a single word or phrase."

_OPTION = re.compile(r"^\s*([A-Z])[.)]\s*(.*?)\s*$", re.DOTALL)

VIDEO_FRAMES = 32  # frames per video (each part's `nframes`): lmms-eval's VSI-Bench setting


def question_file(data_dir: Path) -> Path:
    """The current release's `test.jsonl`, else the first release's Parquet file (the missing-data error if neither)."""
    folder = data_dir / "vsibench"
    for name in ("test.jsonl", "test-00000-of-00001.parquet"):
        if (folder / name).is_file():
            return folder / name
    raise EvalError(missing_message(VSIBENCH, data_dir))


def read_records(path: Path):
    """(where, record) for each question: `line N` of the JSONL file, `row N` of the Parquet file."""
    if path.suffix == ".parquet":
        yield from ((f"row {number}", row) for number, row in enumerate(parquet_rows(path), 1))
        return
    yield from ((f"line {number}", record) for number, record in jsonl_records("vsibench", path))


def lettered_options(options: list[str]) -> dict[str, str]:
    """`["A. left", "B. right"]` -> `{"A": "left", "B": "right"}` (VSI-Bench's options carry their letters)."""
    letters = {}
    for option in options:
        match = _OPTION.match(option) if isinstance(option, str) else None
        if match is None or match.group(1) in letters:
            raise ValueError(f"option {option!r} is not 'L. text' with a new letter L")
        letters[match.group(1)] = match.group(2)
    return letters


def checked_document(record: dict, path: Path, where: str) -> dict:
    """The fields the prompt and the scorer read, validated."""
    record_id = record.get("id")

    def fail(problem: str) -> EvalError:
        return record_error("vsibench", path, f"{record_id!r} ({where})" if record_id is not None else f"at {where}",
                            problem)

    if record_id is None:
        raise fail("field 'id': missing; every question needs its published id")
    for name in ("dataset", "scene_name", "question"):
        if not isinstance(record.get(name), str) or not record[name].strip():
            raise fail(f"field '{name}': missing or empty; re-download the question file")
    question_type, truth, options = record.get("question_type"), str(record.get("ground_truth", "")).strip(), None
    if question_type in MULTIPLE_CHOICE_TYPES:
        try:
            letters = lettered_options(list(record.get("options") or []))
        except ValueError as error:
            raise fail(f"field 'options': {error}; expected a list like ['A. left', 'B. right']") from None
        if len(letters) < 2 or truth not in letters:
            raise fail(f"field 'ground_truth': {truth!r} is not one of the option letters {sorted(letters)}")
        options = list(record["options"])
    elif question_type in NUMERICAL_TYPES:
        if to_number(truth) is None:
            raise fail(f"field 'ground_truth': {truth!r} is not a number ({question_type} answers are numbers)")
    else:
        raise fail(f"field 'question_type': unknown {question_type!r}; expected one of "
                   f"{', '.join(MULTIPLE_CHOICE_TYPES + NUMERICAL_TYPES)}")
    return {"id": record_id, "dataset": record["dataset"], "scene_name": record["scene_name"],
            "question_type": question_type, "question": record["question"], "options": options,
            "video": f"{record['dataset']}/{record['scene_name']}.mp4", "frames": VIDEO_FRAMES, "ground_truth": truth}


def prompt_text(document: dict) -> str:
    if document["options"] is None:
        return "\n".join([PRE_PROMPT, document["question"], NUMERICAL_POST_PROMPT])
    return "\n".join([PRE_PROMPT, document["question"], "Options:", *document["options"], CHOICE_POST_PROMPT])


def load_vsibench(data_dir: Path, limit: int | None) -> list[Doc]:
    path = question_file(data_dir)
    docs = []
    for where, record in read_records(path):
        if limit is not None and len(docs) >= limit:
            break
        document = checked_document(record, path, where)
        video = data_dir / "vsibench" / document["video"]
        if not video.is_file():
            raise EvalError(f"{missing_message(VSIBENCH, data_dir)} Missing video: {video} (question "
                            f"{document['id']}); unzip {document['dataset']}.zip in {data_dir / 'vsibench'}.")
        content = [{"type": "video", "video": str(video), "nframes": document["frames"],
                    "ref": f"vsibench/{document['video']}"}, {"type": "text", "text": prompt_text(document)}]
        docs.append(Doc(str(document["id"]), [{"role": "user", "content": content}], document["ground_truth"],
                        document))
    return docs


def score_vsibench(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """`accuracy` (multiple choice, `extract_choice`) or `mra` (numerical, first number); see the module docstring."""
    document = doc.document
    if document["options"] is None:
        number = to_number(response)
        return ("" if number is None else f"{number:g}"), {"mra": mean_relative_accuracy(response, doc.target)}
    choice = extract_choice(response, lettered_options(document["options"]))
    return choice or "", {"accuracy": float(choice == doc.target)}


def aggregate_vsibench(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """`overall` (the mean over the paper's tasks), `accuracy` and `mra` over all questions of their kind, then each
    task's mean; see the module docstring."""
    by_type, by_metric = defaultdict(list), defaultdict(list)
    for doc, score in zip(docs, scores):
        (metric, value), = score.items()
        by_type[doc.document["question_type"], metric].append(value)
        by_metric[metric].append(value)
    by_task = defaultdict(list)  # in the reference's order; the relative direction types share one task
    for question_type in MULTIPLE_CHOICE_TYPES + NUMERICAL_TYPES:
        for metric in ("accuracy", "mra"):
            if values := by_type.get((question_type, metric)):
                task = MERGED_TASKS.get(question_type, question_type)
                by_task[f"{task}_{metric}"].append(sum(values) / len(values))
    tasks = {name: sum(means) / len(means) for name, means in by_task.items()}
    summary = {"overall": sum(tasks.values()) / len(tasks)} if tasks else {}
    summary.update({metric: sum(values) / len(values) for metric, values in sorted(by_metric.items())})
    return {**summary, **tasks}


def vsibench_files(data_dir: Path) -> list[Path]:
    """The question file (the videos, 5.7 GB, are not hashed: a changed release changes its question file)."""
    return [question_file(data_dir)]


VSIBENCH = Benchmark(
    "vsibench", ("overall", "accuracy", "mra"),
    layout="vsibench/test.jsonl (or the first release's vsibench/test-00000-of-00001.parquet) with fields id, "
           "dataset, scene_name, question_type, question, options, ground_truth; and the videos "
           "vsibench/{arkitscenes,scannet,scannetpp}/<scene_name>.mp4 (unzip arkitscenes.zip, scannet.zip and "
           "scannetpp.zip in vsibench/)",
    source="https://huggingface.co/datasets/nyu-visionx/VSI-Bench (huggingface-cli download --repo-type dataset "
           "nyu-visionx/VSI-Bench --local-dir DATA_DIR/vsibench)",
    load=load_vsibench, score=score_vsibench, files=vsibench_files, aggregate=aggregate_vsibench, max_new_tokens=64)

BENCHMARKS = [VSIBENCH]
