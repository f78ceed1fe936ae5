"""`dopd-vl lab`: the privilege lab, the paper's claims measured on a laptop CPU in minutes.

    pair      the built-in tiny pair of the task (`tiny-text` for arith, `tiny` for shapes), trained by supervised
              fine-tuning on first use (`lab.tiny`, `lab.sft`): a teacher four times the student's size
    data      the synthetic task's train split in its privileged variants (the task's own input: step hints or
              boxes; the final answer), and a held-out test split that never shows privileged input
    pair eval both models' held-out accuracy without privileged input, with the task's own, with the final answer
    runs      every method from the same student, on the same prompts in the same order, for the same steps, over
              seeds: `opd` with a teacher that sees nothing / the task's own input / the final answer, `gkd`, `opsd`,
              `exopd`, `eopd`, `dopd` and its ablations; each run is `dopd_vl.trainer.train` with the pair's recipe
              (`configs/recipes/tiny*.yaml`), then held-out accuracy of its checkpoints
    report    report.md (tables: accuracy mean ± std per method beside teacher and student and the share of the gap
              recovered, the privilege-illusion table, the gap-drop ablations, the paper's claims as measured) and
              PNG plots (accuracy, accuracy and student entropy against steps, DOPD's regime fractions against steps)

Runs are cached by a hash of everything that determines them (under `$DOPD_VL_CACHE/lab`), so an interrupted lab
resumes and a second report over the same runs costs nothing. Runs execute in worker processes, one CPU thread
each, as many at once as the machine has cores; every run is deterministic for its seed.
"""


from __future__ import annotations

import json
import time
from pathlib import Path

from lab.methods import (EVALUATIONS, QUICK_STEPS, DEFAULT_STEPS, QUICK_TEST_SIZE, TASK_PAIRS, TEST_SIZE, LabError,
                         parse_methods)
from lab.tiny import TINY_PAIRS
from lab.report import TaskResults, format_pair_table, write_report
from lab.runs import RunSpec, pair_accuracies, run_all, test_records, train_folder


def run_lab(tasks: list[str], method_keys: str | None = None, seeds: int | None = None, steps: int | None = None,
            output: Path = Path("outputs/lab"), quick: bool = False, command: str = "", log=print,
            workers: int | None = None) -> Path:
    """The whole lab; returns the path of report.md (see the module docstring)."""
    from dopd_vl.models import count_parameters
    from lab.tiny import ensure_tiny_pair

    unknown = [task for task in tasks if task not in TASK_PAIRS]
    if unknown:
        raise LabError(f"unknown lab task(s) {unknown}; choose from {', '.join(TASK_PAIRS)}")
    methods = parse_methods(method_keys, quick)
    seeds = seeds or (1 if quick else 3)
    steps = steps or (QUICK_STEPS if quick else DEFAULT_STEPS)
    test_size = QUICK_TEST_SIZE if quick else TEST_SIZE
    if seeds < 1 or steps < EVALUATIONS:
        raise LabError(f"--seeds must be >= 1 and --steps >= {EVALUATIONS}, got {seeds} and {steps}")
    started = time.perf_counter()
    results, specs = [], []
    for task in tasks:
        pair_name = TASK_PAIRS[task]
        log(f"{task}: the {pair_name} pair (trained on first use, cached)")
        pair_started = time.perf_counter()
        pair_folder = ensure_tiny_pair(pair_name)
        records = test_records(task, test_size)
        accuracies = pair_accuracies(task, pair_folder, records)
        parameters = {role: count_parameters(str(pair_folder / role), TINY_PAIRS[pair_name])
                      for role in ("teacher", "student")}
        task_methods = [m for m in methods if m.runs_on(task)]
        for method in (m for m in methods if m not in task_methods):
            log(f"{task}: {method.key} skipped (it needs images, and {task} has none)")
        task_results = TaskResults(task, pair_name, pair_folder.name, parameters, accuracies, test_size,
                                   methods=task_methods)
        results.append(task_results)
        log(format_pair_table(task_results) + f"\n({time.perf_counter() - pair_started:.0f} s)")
        for method in task_methods:
            data = str(train_folder(task, method.variant))
            specs += [RunSpec(task, method, seed, steps, pair_folder.name, data, test_size) for seed in range(seeds)]
    run_all(specs, log, workers)
    for spec in specs:
        task_results = next(r for r in results if r.task == spec.task)
        task_results.runs.setdefault(spec.method.key, []).append(
            json.loads((spec.folder / "result.json").read_text()))
        rows = (spec.folder / "train" / "metrics.jsonl").read_text().splitlines()
        task_results.metrics.setdefault(spec.method.key, []).append([json.loads(row) for row in rows])
    settings = {"seeds": seeds, "steps": steps, "quick": quick, "command": command,
                "seconds": round(time.perf_counter() - started), "recipes": {
                    task: recipe_summary(TASK_PAIRS[task]) for task in tasks}}
    report = write_report(results, settings, Path(output))
    log(f"report: {report} ({time.perf_counter() - started:.0f} s)")
    return report



def recipe_summary(pair: str) -> dict:
    from dopd_vl.config import read_yaml

    recipe = read_yaml(pair)[0]
    return {key: recipe[key] for key in ("prompts_per_step", "rollouts_per_prompt", "learning_rate", "temperature")
            if key in recipe}
