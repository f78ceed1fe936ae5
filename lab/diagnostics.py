"""The lab's pair diagnostics: the held-out test split, and the held-out accuracy of the teacher and the student in
each privileged variant (none, the task's own input, the final answer), with the eval harness's generation and the
task benchmark's scorer. The distillation runs themselves are the experiment runner's (`lab.experiments`)."""

from __future__ import annotations

import json
from pathlib import Path

from data_builders.synthetic import build_synthetic
from dopd_vl.models import load_model
from dopd_vl.records import load_records, render_messages
from eval.base import Doc
from eval.benchmarks import BENCHMARKS
from eval.harness import generate
from lab.methods import OWN_PRIVILEGED, TASK_PAIRS
from lab.sft import VARIANTS, privileged_variant
from lab.tiny import TINY_PAIRS, cache_dir

# ---------------------------------------------------------------------------------------------------------------------
# Data and evaluation.
# ---------------------------------------------------------------------------------------------------------------------


def lab_dir() -> Path:
    return cache_dir() / "lab"


def test_records(task: str, size: int, seed: int):
    """The held-out test split, with the task's own privileged input kept for the pair's diagnostic views only:
    the runs are evaluated on the student view of the same split (the lab file's benchmark)."""
    folder = build_synthetic(task, lab_dir() / "data" / f"{task}-test-n{size}-seed{seed}", size, seed,
                             privileged=OWN_PRIVILEGED[task], split="test", show_progress=False)
    return load_records(folder)


class NullProgress:
    def update(self, count: int) -> None:
        pass


def documents(records, variant: str):
    """Harness documents for records shown in a privileged variant (`none`: the student view, as `dopd-vl eval`)."""
    docs = []
    for record in records:
        view = "student" if variant == "none" else "privileged"
        docs.append(Doc(record.id, render_messages(privileged_variant(record, variant), view), str(record.answer),
                        {"question": record.question, "target": record.answer}))
    return docs


def accuracy(model, processor, task: str, records, variant: str, max_new_tokens: int, batch_size: int = 64) -> float:
    """Greedy held-out accuracy: the harness's generation (`eval.harness.generate`) and the task benchmark's scorer
    (`eval.benchmarks`: arith accuracy, shapes exact match)."""
    benchmark = BENCHMARKS[task]
    docs = documents(records, variant)
    responses = generate(model, processor, docs, batch_size, max_new_tokens, NullProgress())
    scores = [benchmark.score(response, doc)[1][benchmark.metrics[0]] for response, doc in zip(responses, docs)]
    return sum(scores) / len(scores)


def load_task_model(folder: Path, task: str):
    """A model of the task's tiny pair (or a checkpoint of it) and its processor."""
    return load_model(str(folder), TINY_PAIRS[TASK_PAIRS[task]])


def pair_accuracies(task: str, pair_folder: Path, records, max_new_tokens: int) -> dict:
    """Teacher and student held-out accuracy in each privileged variant (cached beside the pair)."""
    path = lab_dir() / "pairs" / f"{pair_folder.name}-{task}-n{len(records)}.json"
    if path.is_file():
        return json.loads(path.read_text())
    result = {}
    for role in ("teacher", "student"):
        model, processor = load_task_model(pair_folder / role, task)
        result[role] = {variant: accuracy(model, processor, task, records, variant, max_new_tokens)
                        for variant in VARIANTS}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


HELD_OUT_SIZE, HELD_OUT_SEED = 500, 0  # the lab's held-out set (configs/experiments/lab-*.yaml's benchmark)


def held_out_line(family: str, teacher: str, student: str, final: Path) -> str:
    """`held-out accuracy (500 shapes test items, greedy): student 36.8% -> 41.0% (teacher 56.6%)`: the student
    before and after a run on the built-in synthetic set, beside the teacher, on the lab's held-out split (no
    privileged input, the task benchmark's scorer, its response budget)."""
    from lab.tiny import FAMILY_TASKS

    task = FAMILY_TASKS[family]
    records = test_records(task, HELD_OUT_SIZE, HELD_OUT_SEED)
    budget = BENCHMARKS[task].max_new_tokens
    scores = {}
    for name, folder in (("teacher", teacher), ("before", student), ("after", str(final))):
        model, processor = load_model(folder, family)
        scores[name] = 100 * accuracy(model, processor, task, records, "none", budget)
    return (f"held-out accuracy ({len(records)} {task} test items, greedy): student {scores['before']:.1f}% -> "
            f"{scores['after']:.1f}% (teacher {scores['teacher']:.1f}%)")
