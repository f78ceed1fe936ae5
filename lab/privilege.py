"""`dopd-vl lab`: the privilege lab, the paper's claims measured on a laptop CPU in minutes.

    pair      the built-in tiny pair of the task (`tiny-text` for arith, `tiny` for shapes), trained by supervised
              fine-tuning on first use (`lab.tiny`, `lab.sft`): a teacher four times the student's size
    data      the synthetic task's train split in its privileged variants (the task's own input: step hints or
              boxes; the final answer), and a held-out test split that never shows privileged input
    pair eval both models' held-out accuracy without privileged input, with the task's own, with the final answer
    runs      the task's experiment file (`configs/experiments/lab-arith.yaml`, `lab-shapes.yaml`), run by the
              experiment runner (`lab.experiments`): every method from the same student, on the same prompts in the
              same order, for the same steps, over seeds (`opd` with a teacher that sees nothing / the task's own
              input / the final answer, `gkd`, `opsd`, `exopd`, `eopd`, the other baselines, `dopd` and its
              ablations, `objective.self_target` rows), then held-out accuracy of each quarter's checkpoint
    report    report.md (tables: accuracy mean ± std per method beside teacher and student and the share of the gap
              recovered, the privilege-illusion table, the gap-drop ablations, the paper's claims as measured) and
              PNG plots (accuracy, accuracy and student entropy against steps, DOPD's regime fractions against steps)

Runs and evaluations are the experiment runner's, keyed by a hash of everything that determines them (under
`$DOPD_VL_CACHE/lab/work`), so an interrupted lab resumes and a second report over the same runs costs nothing. They
execute in worker processes, one CPU thread each, as many at once as the machine has cores; every run is
deterministic for its seed. `dopd-vl experiment run lab-arith` runs the same file with the experiment report.
"""


from __future__ import annotations

import json
import os
import time
from pathlib import Path

from lab.diagnostics import lab_dir, pair_accuracies, test_records
from lab.methods import TASK_PAIRS, LabError, lab_file, lab_method, method_key
from lab.report import TaskResults, format_pair_table, write_report
from lab.tiny import TINY_PAIRS


def lab_experiment(task: str, method_keys: str | None, seeds: int | None, steps: int | None, quick: bool):
    """The task's lab file, as --methods, --seeds, --steps and --quick change it."""
    from lab.experiments import read_experiment

    experiment = read_experiment(lab_file(task), quick)
    if method_keys:
        wanted = [method_key(k.strip()) for k in method_keys.split(",") if k.strip()]
        if len(set(wanted)) != len(wanted):
            raise LabError(f"--methods names a method twice: {method_keys}")
        every = read_experiment(lab_file(task)).methods
        experiment.methods = [e for e in every if lab_method(e, task).key in wanted]
    if seeds is not None:
        experiment.seeds = list(range(seeds))
    if steps is not None:
        experiment.steps = steps
    return experiment


def run_lab(tasks: list[str], method_keys: str | None = None, seeds: int | None = None, steps: int | None = None,
            output: Path = Path("outputs/lab"), quick: bool = False, command: str = "", log=print,
            workers: int | None = None) -> Path:
    """The whole lab; returns the path of report.md (see the module docstring)."""
    from dopd_vl.models import count_parameters
    from lab.experiments import make_jobs, prepare, read_experiment, run_jobs
    from lab.tiny import ensure_tiny_pair

    unknown = [task for task in tasks if task not in TASK_PAIRS]
    if unknown:
        raise LabError(f"unknown lab task(s) {unknown}; choose from {', '.join(TASK_PAIRS)}")
    experiments = {task: lab_experiment(task, method_keys, seeds, steps, quick) for task in tasks}
    points = max(experiment.curve_points for experiment in experiments.values())
    if (seeds is not None and seeds < 1) or (steps is not None and steps < points):
        raise LabError(f"--seeds must be >= 1 and --steps >= {points} (a curve point per checkpoint), got {seeds} "
                       f"and {steps}")
    if method_keys:
        known = {lab_method(e, t).key for t in TASK_PAIRS for e in read_experiment(lab_file(t)).methods}
        missing = [k for k in (method_key(k.strip()) for k in method_keys.split(",") if k.strip()) if k not in known]
        if missing:
            raise LabError(f"unknown lab method(s) {missing}; the lab files' methods: {', '.join(sorted(known))}")
    started = time.perf_counter()
    work = lab_dir() / "work"
    results, jobs, prepared = [], [], {}
    for task, experiment in experiments.items():
        pair_name = TASK_PAIRS[task]
        log(f"{task}: the {pair_name} pair (trained on first use, cached)")
        pair_started = time.perf_counter()
        pair_folder = ensure_tiny_pair(pair_name)
        benchmark = experiment.benchmarks[0]  # the held-out split, shown without privileged input
        test_size = min(benchmark.limit or benchmark.data.size, benchmark.data.size)
        records = test_records(task, test_size, benchmark.data.seed)
        accuracies = pair_accuracies(task, pair_folder, records, benchmark.max_new_tokens)
        parameters = {role: count_parameters(str(pair_folder / role), TINY_PAIRS[pair_name])
                      for role in ("teacher", "student")}
        methods = [lab_method(entry, task) for entry in experiment.methods]
        task_results = TaskResults(task, pair_name, pair_folder.name, parameters, accuracies, test_size,
                                   methods=methods)
        results.append(task_results)
        log(format_pair_table(task_results) + f"\n({time.perf_counter() - pair_started:.0f} s)")
        if experiment.methods:
            runs, evaluations = prepare(experiment, work)
            prepared[task] = (experiment, runs, evaluations)
            jobs += make_jobs(experiment, runs, evaluations)
    runs = [run for _, task_runs, _ in prepared.values() for run in task_runs]
    log(f"runs: {len(runs)} ({sum(run.done for run in runs)} already done)")
    run_jobs(jobs, work, "none", 1, workers or os.cpu_count() or 1, log)
    for task_results in results:
        if task_results.task not in prepared:
            continue
        experiment, task_runs, evaluations = prepared[task_results.task]
        for run in task_runs:
            fill_run(task_results, experiment, run, [e for e in evaluations if e.run is run])
    first = next(iter(experiments.values()))
    settings = {"seeds": len(first.seeds), "steps": first.steps, "quick": quick, "command": command,
                "seconds": round(time.perf_counter() - started), "recipes": {
                    task: run_settings(task_runs[0].config) for task, (_, task_runs, _) in prepared.items()
                    if task_runs}}
    report = write_report(results, settings, Path(output))
    log(f"report: {report} ({time.perf_counter() - started:.0f} s)")
    return report


def fill_run(task_results: TaskResults, experiment, run, evaluations) -> None:
    """One run's held-out accuracy curve (its checkpoints, then final/), times and training metrics, under its lab
    method's key."""
    key = lab_method(run.plan.method, task_results.task).key
    record = json.loads((run.folder / "run.json").read_text())
    curve = sorted([e.at_step, e.score] for e in evaluations)
    task_results.runs.setdefault(key, []).append({
        "spec": {"seed": run.plan.seed}, "accuracy": curve[-1][1], "curve": curve,
        "train_seconds": record["train_seconds"],
        "eval_seconds": round(sum(e.result["seconds"] for e in evaluations), 1)})
    rows = (Path(run.config.output) / "metrics.jsonl").read_text().splitlines()
    task_results.metrics.setdefault(key, []).append([json.loads(row) for row in rows])


def run_settings(config) -> dict:
    """The distillation settings every run of a lab file shares, as its resolved config has them."""
    return {key: getattr(config, key) for key in ("prompts_per_step", "rollouts_per_prompt", "learning_rate",
                                                   "temperature")}
