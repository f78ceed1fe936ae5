"""The lab's runs: its data (the synthetic task's train split in a privileged variant, the held-out test split), the
held-out accuracy of a model (the eval harness's generation and the benchmark's scorer), and one distillation run per
(task, method, seed) in worker processes (`python -m lab.runs SPECS_JSON`), cached by a hash of what determines it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from data_builders.synthetic import build_synthetic
from dopd_vl.config import load_config, read_yaml
from dopd_vl.models import load_model
from dopd_vl.records import load_records, render_messages
from eval.base import Doc
from eval.benchmarks import BENCHMARKS
from eval.harness import generate
from eval.rewards import record_reward
from lab.methods import (EVALUATIONS, LAB_VERSION, MAX_NEW_TOKENS, OWN_PRIVILEGED, TASK_PAIRS, TEST_SEED, TRAIN_SEED,
                         TRAIN_SIZE, LabError, LabMethod)
from lab.sft import VARIANTS, privileged_variant
from lab.tiny import TINY_PAIRS, cache_dir, resolve_config

# ---------------------------------------------------------------------------------------------------------------------
# Data and evaluation.
# ---------------------------------------------------------------------------------------------------------------------


def lab_dir() -> Path:
    return cache_dir() / "lab"


def variant_name(task: str, variant: str) -> str:
    return OWN_PRIVILEGED[task] if variant == "own" else variant


def train_folder(task: str, variant: str) -> Path:
    """The distillation prompts in a privileged variant (same records, same ids, same order for every variant)."""
    name = variant_name(task, variant)
    return build_synthetic(task, lab_dir() / "data" / f"{task}-train-{name}-n{TRAIN_SIZE}-seed{TRAIN_SEED}",
                           TRAIN_SIZE, TRAIN_SEED, privileged=name, show_progress=False)


def test_records(task: str, size: int):
    """The held-out test split, with the task's own privileged input kept for the pair's diagnostic views only:
    every run is evaluated on the student view (`documents(..., "none")`)."""
    folder = build_synthetic(task, lab_dir() / "data" / f"{task}-test-n{size}-seed{TEST_SEED}", size, TEST_SEED,
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


def accuracy(model, processor, task: str, records, variant: str = "none", batch_size: int = 64) -> float:
    """Greedy held-out accuracy: the harness's generation (`eval.harness.generate`) and the task benchmark's scorer
    (`eval.benchmarks`: arith accuracy, shapes exact match)."""
    benchmark = BENCHMARKS[task]
    docs = documents(records, variant)
    responses = generate(model, processor, docs, batch_size, MAX_NEW_TOKENS[task], NullProgress())
    scores = [benchmark.score(response, doc)[1][benchmark.metrics[0]] for response, doc in zip(responses, docs)]
    return sum(scores) / len(scores)


def load_task_model(folder: Path, task: str):
    """A model of the task's tiny pair (or a checkpoint of it) and its processor."""
    return load_model(str(folder), TINY_PAIRS[TASK_PAIRS[task]])


def pair_accuracies(task: str, pair_folder: Path, records) -> dict:
    """Teacher and student held-out accuracy in each privileged variant (cached beside the pair's runs)."""
    path = lab_dir() / "pairs" / f"{pair_folder.name}-{task}-n{len(records)}.json"
    if path.is_file():
        return json.loads(path.read_text())
    result = {}
    for role in ("teacher", "student"):
        model, processor = load_task_model(pair_folder / role, task)
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
    from dopd_vl.trainer import train

    folder = spec.folder
    run_dir = folder / "train"
    shutil.rmtree(run_dir, ignore_errors=True)
    config = resolve_config(load_config(TASK_PAIRS[spec.task], [f"output={run_dir}", *spec.overrides()]))
    started = time.perf_counter()
    final = train(config, reward=record_reward)
    trained = time.perf_counter()
    records = test_records(spec.task, spec.test_size)
    checkpoints = (run_dir / "checkpoints").glob("step-*")
    points = sorted((int(path.name.split("-")[1]), path / "student") for path in checkpoints)
    curve = []
    for step, student in points + [(spec.steps, final)]:
        model, processor = load_task_model(student, spec.task)
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
    processes = [subprocess.Popen([sys.executable, "-m", "lab.runs", str(specs_file)], env=environment,
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




if __name__ == "__main__":  # python -m lab.runs SPECS_JSON: a worker of run_all
    worker(sys.argv[1])
