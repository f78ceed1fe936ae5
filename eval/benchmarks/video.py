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

Scoring (`--scoring official`, the default) is thinking-in-space's own code (vision-x-nyu/thinking-in-space
`lmms_eval/tasks/vsibench/utils.py`, commit 51e089c), applied to the response after the harness's pre-step (thinking
removed, surrounding whitespace stripped, as lmms-eval 0.7.3's evaluator does with its default `--reasoning_tags`):

- multiple choice (`object_rel_direction_easy/medium/hard`, `object_rel_distance`, `route_planning`,
  `obj_appearance_order`): `accuracy`, 1 when the response's first space-separated word, without trailing periods
  (:func:`first_word`, the reference's `fuzzy_matching`), equals the ground-truth letter ignoring case.
- numerical (`object_counting`, `object_abs_distance`, `object_size_estimation`, `room_size_estimation`): `mra`,
  the Mean Relative Accuracy (:func:`mean_relative_accuracy`) of Python `float` of that first word; a word that is
  not a number scores 0 (the reference's `to_float` and its `TypeError` fallback). The reference's thresholds are
  `np.linspace(0.5, 0.95, 10)` and it counts `relative error <= 1 - threshold` (the paper's text writes `<`; the
  project used `<` until issue 19, which cost 0.1 on every answer exactly at a threshold, such as an off-by-one
  count of 2, 4, 8 or 10).

lmms-eval 0.7.3 (`tasks/vsibench/utils.py`) departs on numerical answers: it reads the first number anywhere in the
response, English number words included (`extract_number`), where the reference takes `float` of the first word;
"3 chairs", "about 2.5 meters", "three" or "2m" score there and 0 here. Multiple choice, thresholds and aggregation
are the reference's.

`--scoring lenient` (the project's departures): multiple choice by `eval.extract.extract_choice` (the harness's one
rule: "The answer is B", "(B)", the option's text, never a guess); numerical by the first number in the response
after any thinking block, thousands separators removed (`eval.metrics.to_number`), with the reference's MRA.

Aggregate (the reference's `vsibench_aggregate_results`, reproduced to the last bit: each question type's mean as
pandas takes it (:func:`numpy_sum`), the three relative direction types merged into one `object_rel_direction_accuracy`
(the mean of their three means), `overall`, the headline, the mean over the resulting tasks in the reference's order
(question types sorted, the merged task last): the paper's "Avg.", a macro average over its eight tasks.
Also reported: `accuracy` over all multiple-choice questions and `mra` over all numerical ones (micro averages) and
each task's mean. With `--limit`, tasks without questions are left out of the averages and the merged task is the
mean of the direction types present (the reference needs all three).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from eval.base import Benchmark, Doc, EvalError, jsonl_records, missing_message, parquet_rows, record_error
from eval.extract import extract_choice
from eval.metrics import strip_think, to_number

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


def first_word(response: str) -> str:
    """thinking-in-space's `fuzzy_matching` (`lmms_eval/tasks/vsibench/utils.py`, commit 51e089c; the same in
    lmms-eval 0.7.3): the text before the first space, trailing periods removed, then stripped."""
    return response.split(" ")[0].rstrip(".").strip()


def python_float(text) -> float | None:
    """thinking-in-space's `to_float`: Python `float`, None where it raises."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def mra_thresholds() -> tuple[float, ...]:
    """`1 - np.linspace(0.5, 0.95, 10)` bit for bit, without numpy (thinking-in-space `mean_relative_accuracy` with
    start .5, end .95, interval .05: `int((.95 - .5) / .05 + 2)` is 10 points): numpy's linspace takes
    `i * ((stop - start) / (num - 1)) + start` and sets the last point to `stop`."""
    start, stop, num = 0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2)
    step = (stop - start) / (num - 1)
    points = [float(i) * step + start for i in range(num - 1)] + [stop]
    return tuple(1 - point for point in points)


MRA_THRESHOLDS = mra_thresholds()


def mean_relative_accuracy(prediction: float | None, target: float) -> float:
    """VSI-Bench Mean Relative Accuracy of one numerical answer, as thinking-in-space computes it
    (`mean_relative_accuracy` and `abs_dist_norm`, `lmms_eval/tasks/vsibench/utils.py`, commit 51e089c): the share
    of the ten thresholds `t` (:data:`MRA_THRESHOLDS`) with `|prediction - target| / target <= t`. No prediction
    (None) scores 0, as the reference's `TypeError` fallback does. A target of 0, where the reference divides by zero
    and stops, scores 1 for a prediction of exactly 0 and 0 otherwise (VSI-Bench's targets are positive)."""
    if prediction is None:
        return 0.0
    if target == 0:
        return 1.0 if prediction == 0 else 0.0
    relative_error = abs(prediction - target) / target
    return sum(relative_error <= threshold for threshold in MRA_THRESHOLDS) / len(MRA_THRESHOLDS)


def vsibench_scores(choice: str | None, number: float | None, doc: Doc) -> tuple[str, dict[str, float]]:
    if doc.document["options"] is None:
        return ("" if number is None else f"{number:g}"), {"mra": mean_relative_accuracy(number, float(doc.target))}
    return choice or "", {"accuracy": 1.0 if (choice or "").lower() == doc.target.lower() else 0.0}


def score_vsibench(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Official: `accuracy` (first word against the letter) or `mra` (`float` of the first word), as
    thinking-in-space's `vsibench_process_results`; see the module docstring."""
    word = first_word(strip_think(response).strip())
    if doc.document["options"] is None:
        return vsibench_scores(None, python_float(word), doc)
    return vsibench_scores(word, None, doc)


def score_vsibench_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Lenient: `accuracy` by `extract_choice`, `mra` of the first number anywhere in the response."""
    if doc.document["options"] is None:
        return vsibench_scores(None, to_number(response), doc)
    return vsibench_scores(extract_choice(response, lettered_options(doc.document["options"])), None, doc)


def numpy_sum(values: list[float]) -> float:
    """The float64 sum numpy's `add.reduce` (pairwise summation) returns for a contiguous array, which pandas'
    `Series.mean` divides by the count: under 8 values a plain running sum; up to 128, eight running sums combined as
    `((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))` and then the remainder; above, the halves (cut at a multiple
    of 8) summed the same way and added."""
    n = len(values)
    if n < 8:
        total = 0.0
        for value in values:
            total += value
        return total
    if n <= 128:
        r = list(values[:8])
        for i in range(8, n - n % 8, 8):
            for j in range(8):
                r[j] += values[i + j]
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for value in values[n - n % 8:]:
            total += value
        return total
    half = n // 2
    half -= half % 8
    return numpy_sum(values[:half]) + numpy_sum(values[half:])


def running_mean(values: list[float]) -> float:
    """`sum(values) / len(values)` added left to right, as Python's `sum` adds numpy floats."""
    total = 0
    for value in values:
        total = total + value
    return total / len(values)


def aggregate_vsibench(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """`overall` (the mean over the paper's tasks), `accuracy` and `mra` over all questions of their kind, then each
    task's mean, as thinking-in-space's `vsibench_aggregate_results` computes them; see the module docstring."""
    by_type, by_metric = defaultdict(list), defaultdict(list)
    for doc, score in zip(docs, scores):
        (metric, value), = score.items()
        by_type[doc.document["question_type"], metric].append(value)
        by_metric[metric].append(value)
    tasks, directions = {}, []  # in the reference's order: question types sorted (pandas groupby), merged task last
    for question_type, metric in sorted(by_type):
        mean = numpy_sum(by_type[question_type, metric]) / len(by_type[question_type, metric])
        if question_type in MERGED_TASKS:
            directions.append(mean)
        else:
            tasks[f"{question_type}_{metric}"] = mean
    if directions:
        tasks["object_rel_direction_accuracy"] = running_mean(directions)
    summary = {"overall": running_mean(list(tasks.values()))} if tasks else {}
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
    load=load_vsibench, score=score_vsibench, lenient=score_vsibench_lenient, files=vsibench_files,
    aggregate=aggregate_vsibench, max_new_tokens=64, version=2)

BENCHMARKS = [VSIBENCH]
