"""`dopd-vl experiment run FILE`: a table of the paper (or the lab) as one YAML file, trained, evaluated and reported.

An experiment file names the pair, the training data (one folder, or ordered continual-learning `stages`), the
methods (a registry method with config overrides, grid cells included), the seeds and steps, and the benchmarks with
their data and eval settings (schema: `docs/EXPERIMENTS.md`; shipped files: `configs/experiments/`). The runner

    plans     every (stage, method, seed) run and every evaluation: the teacher, the untrained student and each run's
              final student on every benchmark (`--dry-run` prints this plan and the response tokens it generates,
              without loading a model)
    trains    each run with `dopd_vl.trainer.train` (in this process, or `accelerate launch` with several processes);
              stage k of a method and seed starts from stage k-1's final student (`student=DIR`, as `train
              --init-student`)
    evaluates each model with the harness's `run_eval` (generation and the benchmark's scorer), one benchmark at a time
    reports   report.md (per stage a table laid out like the paper's: a column per benchmark, the average and the share
              of the teacher-student gap recovered; for stages a forgetting table), results.json and PNG plots (student
              entropy and regime fractions against steps, normalised performance after each stage)

Runs and evaluations live in `<work dir>/runs` and `<work dir>/evals` (default: the output folder), each named by a
hash of what determines it: the resolved training config, the data's manifest and, for a later stage, the run it
starts from; an evaluation, the model's run (or weights), the benchmark settings and the benchmark's data files. A
killed experiment run again reuses every finished run and evaluation and resumes a half-trained run from its newest
checkpoint (`train(..., resume=True)`, bit-exact).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from dopd_vl.errors import DopdError
from lab.experiment_report import reference_name

EXPERIMENT_VERSION = 1  # bump when what a run or an evaluation means changes: the keys include it
LAUNCHERS = ("none", "accelerate")


class ExperimentError(DopdError):
    """An experiment file that cannot be run as written, or a run or evaluation that failed."""


# ---------------------------------------------------------------------------------------------------------------------
# The file.
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSpec:
    """Training records or a benchmark's data: folders (several training folders are mixed), or a synthetic set
    built here (`synthetic: arith`)."""

    folders: tuple[str, ...] = ()
    synthetic: str | None = None  # arith | shapes
    size: int = 1000
    seed: int = 0
    split: str = "train"
    privileged: str | None = None  # the task's own (default), answer, none

    def describe(self) -> str:
        if self.folders:
            return " + ".join(self.folders)
        extra = f", privileged {self.privileged}" if self.privileged else ""
        return f"synthetic {self.synthetic} ({self.split}, {self.size} records, seed {self.seed}{extra})"

    def available(self) -> bool:
        return bool(self.synthetic) or all(Path(folder).expanduser().is_dir() for folder in self.folders)

    def paths(self) -> list[Path]:
        """The folders (a synthetic set is built on first use, in the cache)."""
        if self.folders:
            return [Path(folder).expanduser() for folder in self.folders]
        from data_builders.synthetic import build_synthetic
        from lab.tiny import cache_dir

        name = f"{self.synthetic}-{self.split}-{self.privileged or 'own'}-n{self.size}-seed{self.seed}"
        folder = cache_dir() / "experiments" / "data" / name / self.synthetic
        return [build_synthetic(self.synthetic, folder, self.size, self.seed, privileged=self.privileged,
                                split=self.split, show_progress=False)]

    def data_dir(self) -> Path:
        """A benchmark's --data-dir: the folder, or the parent of the synthetic set's `<task>/` folder."""
        path = self.paths()[0]
        return path.parent if self.synthetic else path


@dataclass(frozen=True)
class MethodEntry:
    label: str  # the row of the report
    method: str  # the registry method
    overrides: tuple[str, ...] = ()  # key=value for this method's runs
    data: DataSpec | None = None  # its own training data (e.g. the final answer as privileged input)


@dataclass(frozen=True)
class StageEntry:
    name: str
    data: DataSpec
    benchmarks: tuple[str, ...] = ()  # the stage's own benchmarks (the forgetting table); () = all


@dataclass(frozen=True)
class BenchmarkEntry:
    name: str
    data: DataSpec
    limit: int | None = None
    max_new_tokens: int | None = None  # None: the benchmark's own budget
    batch_size: int = 8


@dataclass
class Experiment:
    name: str
    source: str
    description: str
    pairs: list[str | None]  # one pair, or several (the scale study: every run for each pair)
    teacher: str | None
    student: str | None
    recipe: str | None
    overrides: tuple[str, ...]
    stages: list[StageEntry]
    methods: list[MethodEntry]
    seeds: list[int]
    steps: int | None
    benchmarks: list[BenchmarkEntry]
    device: str = "cpu"
    quick: dict = field(default_factory=dict)
    curve_points: int = 0  # also evaluate this many evenly spaced checkpoints of each run (the last: final/)


def experiment_dir():
    return resources.files("dopd_vl.configs").joinpath("experiments")


def shipped_experiments() -> list[str]:
    return sorted(p.name[:-len(".yaml")] for p in experiment_dir().iterdir() if p.name.endswith(".yaml"))


def experiment_path(name_or_path: str) -> Path:
    """An experiment file, or the name of a shipped one (`paper-table1`, `lab-arith`)."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    shipped = experiment_dir().joinpath(f"{name_or_path}.yaml")
    if shipped.is_file():
        return Path(str(shipped))
    raise ExperimentError(f"experiment {name_or_path!r} is neither a file nor a shipped experiment; shipped: "
                          f"{', '.join(shipped_experiments())}")


class Reader:
    """Reads one experiment file's values, naming the file and the field in every error."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str):
        raise ExperimentError(f"{self.source}: {where}: {message}")

    def mapping(self, value, where: str, allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, got {type(value).__name__}")
        unknown = [key for key in value if key not in allowed]
        if unknown:
            self.fail(where, f"unknown key(s) {unknown}; allowed: {', '.join(allowed)}")
        return value

    def entries(self, raw: dict, key: str, allowed: tuple[str, ...], shorthand: str | None = None):
        """(where, mapping) for each item of the non-empty list `raw[key]`; a bare string is {shorthand: string}."""
        if not isinstance(raw.get(key), list) or not raw[key]:
            self.fail(key, f"expected a non-empty list of {'names or ' if shorthand else ''}{{{', '.join(allowed)}}}")
        for index, item in enumerate(raw[key]):
            where = f"{key}[{index}]"
            if shorthand and isinstance(item, str):
                item = {shorthand: item}
            yield where, self.mapping(item, where, allowed)

    def integer(self, value, where: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(where, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def overrides(self, value, where: str) -> tuple[str, ...]:
        """Config overrides as a mapping {key: value} (or a list of key=value strings)."""
        if value is None:
            return ()
        if isinstance(value, dict):
            return tuple(f"{key}={item if isinstance(item, str) else json.dumps(item)}"  # true, 0.5, null
                         for key, item in value.items())
        if isinstance(value, list) and all(isinstance(item, str) and "=" in item for item in value):
            return tuple(value)
        self.fail(where, "expected a mapping of config keys (e.g. {objective.topk: 64}) or a list of key=value")

    def data(self, value, where: str, several: bool = True) -> DataSpec:
        """A folder, a list of folders (training data only: mixed), or {synthetic: TASK, size, seed, split,
        privileged}."""
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            if not value or not all(isinstance(item, str) for item in value) or (len(value) > 1 and not several):
                self.fail(where, "expected a folder" + (" or a list of folders" if several else ""))
            return DataSpec(folders=tuple(os.path.expandvars(item) for item in value))
        spec = self.mapping(value, where, ("synthetic", "size", "seed", "split", "privileged"))
        if "synthetic" not in spec:
            self.fail(where, "give a folder (a `dopd-vl build-data` output) or `synthetic: arith|shapes`")
        from data_builders.synthetic import SYNTHETIC_TASKS

        if spec["synthetic"] not in SYNTHETIC_TASKS:
            self.fail(f"{where}.synthetic", f"{spec['synthetic']!r} is not one of {', '.join(SYNTHETIC_TASKS)}")
        if spec.get("split", "train") not in ("train", "test"):
            self.fail(f"{where}.split", f"train or test, got {spec['split']!r}")
        return DataSpec(synthetic=spec["synthetic"], size=self.integer(spec.get("size", 1000), f"{where}.size", 1),
                        seed=self.integer(spec.get("seed", 0), f"{where}.seed"), split=spec.get("split", "train"),
                        privileged=spec.get("privileged"))


def read_experiment(name_or_path: str, quick: bool = False) -> Experiment:
    """Parse and check an experiment file (no model, no data is read); `quick` applies its `quick:` section."""
    from dopd_vl.config import ConfigError, load_config

    path = experiment_path(name_or_path)
    reader = Reader(str(path))
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ExperimentError(f"{path}: not valid YAML: {error}") from None
    allowed = ("name", "description", "pair", "pairs", "teacher", "student", "recipe", "overrides", "data", "stages",
               "methods", "seeds", "steps", "benchmarks", "eval", "quick", "curve_points")
    raw = reader.mapping(raw, "top level", allowed)
    if quick:
        changes = reader.mapping(raw.get("quick") or {}, "quick",
                                 ("steps", "seeds", "methods", "limit", "overrides", "stages"))
        raw = apply_quick(raw, changes, reader)
    stages = read_stages(raw, reader)
    settings = reader.mapping(raw.get("eval") or {}, "eval", ("data_dir", "limit", "batch_size", "max_new_tokens",
                                                              "device"))
    benchmarks = read_benchmarks(raw, settings, reader)
    for index, stage in enumerate(stages):
        unknown = [name for name in stage.benchmarks if name not in [b.name for b in benchmarks]]
        if unknown:
            reader.fail(f"stages[{index}].benchmarks", f"{unknown} are not in the experiment's benchmarks")
    seeds = raw.get("seeds", 1)
    seeds = list(range(reader.integer(seeds, "seeds", 1))) if isinstance(seeds, int) else seeds
    if not isinstance(seeds, list) or not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        reader.fail("seeds", f"a count (3) or a list of integer seeds ([0, 1, 2]), got {raw.get('seeds')!r}")
    experiment = Experiment(
        name=str(raw.get("name", path.stem)), source=str(path), description=str(raw.get("description", "")).strip(),
        pairs=read_pairs(raw, reader), teacher=raw.get("teacher"), student=raw.get("student"),
        recipe=raw.get("recipe"), overrides=reader.overrides(raw.get("overrides"), "overrides"), stages=stages,
        methods=read_methods(raw, reader, several_stages=len(stages) > 1), seeds=seeds,
        steps=None if raw.get("steps") is None else reader.integer(raw["steps"], "steps", 1), benchmarks=benchmarks,
        device=str(settings.get("device", "cpu")), quick=raw.get("quick") or {},
        curve_points=reader.integer(raw.get("curve_points", 0), "curve_points"))
    if not (experiment.pairs[0] or experiment.recipe):
        reader.fail("pair", "name the pair (`pair: 8b-1.7b`, or teacher/student folders with it) or a recipe")
    for pair in experiment.pairs:  # every key and value checked now, not at the fifth run
        for method in experiment.methods:
            try:
                load_config(experiment.recipe, [*experiment.overrides, *method.overrides], pair=pair,
                            method=method.method)
            except ConfigError as error:
                raise ExperimentError(f"{path}: method {method.label}: {error}") from None
    return experiment


def read_pairs(raw: dict, reader: Reader) -> list[str | None]:
    if "pair" in raw and "pairs" in raw:
        reader.fail("pairs", "give either pair or pairs, not both")
    pairs = raw.get("pairs", [raw.get("pair")])
    if not isinstance(pairs, list) or not pairs or len(set(map(str, pairs))) != len(pairs):
        reader.fail("pairs", f"expected a list of distinct pair names, got {pairs!r}")
    if len(pairs) > 1 and (raw.get("teacher") or raw.get("student")):
        reader.fail("teacher", "teacher/student folders replace one pair's models: not with several pairs")
    return pairs


def read_stages(raw: dict, reader: Reader) -> list[StageEntry]:
    """`data` (one stage named train) or the ordered continual-learning `stages`."""
    if "data" in raw and "stages" in raw:
        reader.fail("data", "give either data (one training set) or stages (continual learning), not both")
    if "data" in raw:
        return [StageEntry("train", reader.data(raw["data"], "data"))]
    if "stages" not in raw:
        reader.fail("data", "the training data is missing: `data: FOLDER` or a list of `stages`")
    stages = []
    for where, item in reader.entries(raw, "stages", ("name", "data", "benchmarks")):
        if "data" not in item:
            reader.fail(where, "a stage needs its data")
        stages.append(StageEntry(str(item.get("name", f"stage{len(stages) + 1}")),
                                 reader.data(item["data"], f"{where}.data"), tuple(item.get("benchmarks") or ())))
    if len({stage.name for stage in stages}) != len(stages):
        reader.fail("stages", "two stages share a name")
    return stages


def read_methods(raw: dict, reader: Reader, several_stages: bool) -> list[MethodEntry]:
    from dopd_vl.objectives import METHODS

    methods = []
    for where, item in reader.entries(raw, "methods", ("label", "method", "overrides", "data"), "method"):
        if item.get("method") not in METHODS:
            reader.fail(f"{where}.method", f"{item.get('method')!r} is not a method; methods: {', '.join(METHODS)}")
        if "data" in item and several_stages:
            reader.fail(f"{where}.data", "a method's own data is not allowed with stages")
        methods.append(MethodEntry(str(item.get("label", item["method"])), item["method"],
                                   reader.overrides(item.get("overrides"), f"{where}.overrides"),
                                   reader.data(item["data"], f"{where}.data") if "data" in item else None))
    if len({m.label for m in methods}) != len(methods):
        reader.fail("methods", "two methods share a label: give each a `label`")
    return methods


def read_benchmarks(raw: dict, settings: dict, reader: Reader) -> list[BenchmarkEntry]:
    """Each benchmark with its data folder and eval settings (an entry's own, else the `eval:` section's)."""
    from eval.benchmarks import BENCHMARKS

    benchmarks = []
    for where, item in reader.entries(raw, "benchmarks", ("name", "data_dir", "limit", "batch_size",
                                                          "max_new_tokens"), "name"):
        merged = {**{k: v for k, v in settings.items() if k != "device"}, **item}
        if merged.get("name") not in BENCHMARKS:
            reader.fail(f"{where}.name", f"{merged.get('name')!r} is not a benchmark; see `dopd-vl eval --help`")
        if "data_dir" not in merged:
            reader.fail(where, "no data_dir (give one here or in `eval: {data_dir: ...}`)")
        optional = {key: None if merged.get(key) is None else reader.integer(merged[key], f"{where}.{key}", 1)
                    for key in ("limit", "max_new_tokens")}
        benchmarks.append(BenchmarkEntry(merged["name"], reader.data(merged["data_dir"], f"{where}.data_dir",
                                                                     several=False),
                                         batch_size=reader.integer(merged.get("batch_size", 8), f"{where}.batch_size",
                                                                   1), **optional))
    if len({b.name for b in benchmarks}) != len(benchmarks):
        reader.fail("benchmarks", "a benchmark is listed twice")
    return benchmarks


def apply_quick(raw: dict, changes: dict, reader: Reader) -> dict:
    """The file with its `quick:` section applied: fewer steps, seeds, methods or benchmark documents."""
    raw = dict(raw)
    for key in ("steps", "seeds", "stages"):
        if key in changes:
            raw[key] = changes[key] if key != "stages" else raw.get("stages", [])[:changes[key]]
    if "overrides" in changes:
        raw["overrides"] = {**dict(item.split("=", 1) for item in reader.overrides(raw.get("overrides"), "overrides")),
                            **dict(item.split("=", 1) for item in reader.overrides(changes["overrides"], "quick"))}
    if "methods" in changes:
        wanted = changes["methods"]
        label = lambda item: item if isinstance(item, str) else item.get("label", item.get("method"))  # noqa: E731
        missing = [name for name in wanted if name not in [label(item) for item in raw.get("methods", [])]]
        if missing:
            reader.fail("quick.methods", f"{missing} are not labels of the file's methods")
        raw["methods"] = [item for item in raw["methods"] if label(item) in wanted]
    if "limit" in changes:
        raw["eval"] = {**(raw.get("eval") or {}), "limit": changes["limit"]}
        raw["benchmarks"] = [dict({"name": b} if isinstance(b, str) else b, limit=changes["limit"])
                             for b in raw.get("benchmarks", [])]
    return raw


# ---------------------------------------------------------------------------------------------------------------------
# The plan.
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedRun:
    pair: int
    stage: int
    method: MethodEntry
    seed: int

    def name(self, experiment: Experiment) -> str:
        pair = f"{experiment.pairs[self.pair]}-" if len(experiment.pairs) > 1 else ""
        stage = f"{experiment.stages[self.stage].name}-" if len(experiment.stages) > 1 else ""
        return f"{pair}{stage}{self.method.label}-seed{self.seed}"


def plan_runs(experiment: Experiment) -> list[PlannedRun]:
    """Every (pair, stage, method, seed), stage by stage: stage k's runs start from stage k-1's."""
    return [PlannedRun(pair, stage, method, seed) for pair in range(len(experiment.pairs))
            for stage in range(len(experiment.stages)) for method in experiment.methods for seed in experiment.seeds]



def base_config(experiment: Experiment, run: PlannedRun):
    """The run's TrainConfig before the built-in pair is resolved: recipe, the file's and the method's overrides."""
    from dopd_vl.config import load_config

    fixed = {"pair": experiment.pairs[run.pair], "teacher": experiment.teacher, "student": experiment.student,
             "method": run.method.method, "seed": run.seed, "max_steps": experiment.steps}
    config = load_config(experiment.recipe, [*experiment.overrides, *run.method.overrides], **fixed)
    if experiment.curve_points:  # checkpoints at the curve's points (the last one is final/)
        config = dataclasses.replace(config, save_steps=max(1, config.max_steps // experiment.curve_points))
    return config


def run_data(experiment: Experiment, run: PlannedRun) -> DataSpec:
    return run.method.data or experiment.stages[run.stage].data


def format_tokens(count: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if count >= size:
            return f"{count / size:.1f}{unit}"
    return str(int(count))


def benchmark_documents(entry: BenchmarkEntry) -> int | None:
    """How many documents a benchmark evaluates (None where its data is not on this machine; no model is loaded)."""
    from eval.benchmarks import BENCHMARKS

    if entry.data.synthetic:
        return min(entry.data.size, entry.limit or entry.data.size)
    if not entry.data.available():
        return None
    try:
        return len(BENCHMARKS[entry.name].load(entry.data.data_dir(), entry.limit))
    except DopdError:
        return None


def format_plan(experiment: Experiment) -> str:
    """What `run` will do: the runs, the evaluations and the response tokens both generate (upper bounds)."""
    from eval.benchmarks import BENCHMARKS

    runs = plan_runs(experiment)
    lines = [f"experiment {experiment.name} ({experiment.source})"]
    if experiment.description:
        lines.append(f"  {experiment.description.splitlines()[0]}")
    configs = [base_config(experiment, run) for run in runs if run.stage == 0 and run.method == runs[0].method
               and run.seed == runs[0].seed]
    lines.append(f"pair{'s' if len(configs) > 1 else ''} " + ", ".join(config.pair for config in configs)
                 + (f" (teacher {configs[0].teacher}, student {configs[0].student})"
                    if configs[0].teacher or configs[0].student else "")
                 + f"; recipe {experiment.recipe or '(TrainConfig defaults)'}")
    for stage in experiment.stages:
        status = "" if stage.data.available() else "  [not on this machine yet: build it with `dopd-vl build-data`]"
        own = f"; its benchmarks: {', '.join(stage.benchmarks)}" if stage.benchmarks else ""
        lines.append(f"stage {stage.name}: data {stage.data.describe()}{own}{status}")
    lines.append(f"methods ({len(experiment.methods)}): " + ", ".join(
        m.label if m.label == m.method else f"{m.label} ({m.method})" for m in experiment.methods))
    lines.append(f"seeds ({len(experiment.seeds)}): {', '.join(map(str, experiment.seeds))}")
    count = lambda n, word: f"{n} {word}" + ("" if n == 1 else "s")  # noqa: E731
    training_tokens = 0
    rows = [("run", "steps", "prompts x rollouts", "max tokens", "rollout tokens (<=)")]
    for run in runs:
        config = base_config(experiment, run)
        tokens = config.max_steps * config.prompts_per_step * config.rollouts_per_prompt * config.max_new_tokens
        training_tokens += tokens
        rows.append((run.name(experiment), str(config.max_steps),
                     f"{config.prompts_per_step} x {config.rollouts_per_prompt}", str(config.max_new_tokens),
                     format_tokens(tokens)))
    pairs = f"{count(len(experiment.pairs), 'pair')} x " if len(experiment.pairs) > 1 else ""
    lines += ["", f"runs: {len(runs)} = {pairs}{count(len(experiment.methods), 'method')} x "
                  f"{count(len(experiment.seeds), 'seed')} x {count(len(experiment.stages), 'stage')}",
              *table_lines(rows)]
    checkpoints = sum(len(checkpoint_steps(base_config(experiment, run))) for run in runs) \
        if experiment.curve_points else 0
    models = 2 * len(experiment.pairs) + len(runs) + checkpoints  # teachers, untrained and final students
    rows = [("benchmark", "metric", "data", "documents", "max tokens", "tokens per model (<=)")]
    evaluation_tokens, unknown = 0, []
    for entry in experiment.benchmarks:
        documents = benchmark_documents(entry)
        budget = entry.max_new_tokens or BENCHMARKS[entry.name].max_new_tokens
        if documents is None:
            unknown.append(entry.name)
        else:
            evaluation_tokens += documents * budget * models
        rows.append((entry.name, BENCHMARKS[entry.name].metrics[0], entry.data.describe(),
                     "?" if documents is None else str(documents), str(budget),
                     "?" if documents is None else format_tokens(documents * budget)))
    lines += ["", f"evaluations: {models * len(experiment.benchmarks)} = {models} models "
                  f"({count(len(experiment.pairs), 'teacher')}, {count(len(experiment.pairs), 'untrained student')}, "
                  f"{count(len(runs), 'final student')}"
                  + (f", {count(checkpoints, 'checkpoint')}" if checkpoints else "")
                  + f") x {count(len(experiment.benchmarks), 'benchmark')}",
              *table_lines(rows)]
    if len(unknown) == len(experiment.benchmarks):
        evaluation = "unknown (no benchmark's data is on this machine)"
    else:
        evaluation = format_tokens(evaluation_tokens) + (f" + {', '.join(unknown)} (data not on this machine)"
                                                         if unknown else "")
    lines += ["", f"response tokens to generate (upper bounds): training {format_tokens(training_tokens)}, "
                  f"evaluation {evaluation}"]
    return "\n".join(lines)


def table_lines(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  " + "  ".join("-" * width for width in widths))
    return lines


# ---------------------------------------------------------------------------------------------------------------------
# Runs and evaluations, each in a folder named by a hash of what determines it.
# ---------------------------------------------------------------------------------------------------------------------


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def manifest_digest(folders: list[Path], where: str) -> str:
    """A hash of the data folders' manifests (a build's sources' hashes, options and counts)."""
    hashed = hashlib.sha256()
    for folder in folders:
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            raise ExperimentError(f"{where}: {folder} " + ("does not exist" if not folder.is_dir() else
                                                           "has no manifest.json") +
                                  ": give a folder written by `dopd-vl build-data` (or fix the path)")
        hashed.update(manifest.read_bytes())
    return hashed.hexdigest()[:16]


@dataclass
class ResolvedRun:
    plan: PlannedRun
    name: str
    config: object  # TrainConfig with plain paths
    key: str
    folder: Path
    previous: ResolvedRun | None = None  # the previous stage's run it starts from

    @property
    def final(self) -> Path:
        return self.folder / "train" / "final"

    @property
    def done(self) -> bool:
        return (self.folder / "run.json").is_file()


def resolve_runs(experiment: Experiment, work: Path) -> list[ResolvedRun]:
    """Each run's config with plain paths (built-in pairs and synthetic data built here) and its key; a later stage
    starts from the previous stage's final student of the same method and seed."""
    from lab.tiny import resolve_config

    resolved, by_chain = [], {}
    for run in plan_runs(experiment):
        name = run.name(experiment)
        folders = run_data(experiment, run).paths()
        data_manifest = manifest_digest(folders, f"{experiment.source}: run {name}")
        config = dataclasses.replace(base_config(experiment, run), data=",".join(map(str, folders)))
        previous = by_chain.get((run.pair, run.method.label, run.seed))
        if previous is not None:
            config = dataclasses.replace(config, student=str(previous.final))
        config = resolve_config(config)
        identity = {key: value for key, value in config.to_dict().items()
                    if key not in ("output", "run_name", "report_to", "data")}
        if previous is not None:
            identity["student"] = previous.key
        key = digest([EXPERIMENT_VERSION, identity, data_manifest])
        folder = work / "runs" / f"{name}-{key}"
        config = dataclasses.replace(config, output=str(folder / "train"), run_name=f"{experiment.name}/{name}")
        entry = ResolvedRun(run, name, config, key, folder, previous)
        by_chain[(run.pair, run.method.label, run.seed)] = entry
        resolved.append(entry)
    return resolved


def pdeathsig():
    """In the child: die with SIGTERM when the experiment process dies (Linux), so a killed experiment leaves no
    run training on behind it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def train_job(job: dict, launcher: str, num_processes: int, log) -> None:
    """Train one run (resumed from its newest checkpoint when a killed experiment left it half done), then write
    run.json."""
    from dopd_vl.config import TrainConfig
    from dopd_vl.objectives import MethodOptions
    from dopd_vl.trainer import newest_checkpoint
    from eval.harness import write_atomically

    config = TrainConfig(**dict(job["config"], objective=MethodOptions(**job["config"]["objective"])))
    folder, output = Path(job["folder"]), Path(config.output)
    resume = output.exists()
    if resume:
        checkpoint = newest_checkpoint(output)
        log(f"  resuming {job['name']} from {checkpoint.name if checkpoint else 'step 0 (no checkpoint yet)'}")
    started = time.perf_counter()
    if launcher == "none":
        from dopd_vl.trainer import train
        from eval.rewards import record_reward

        train(config, resume=resume, reward=record_reward)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        config_file = folder / "config.yaml"
        config_file.write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
        command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(num_processes),
                   "-m", "dopd_vl.cli", "train", "--config", str(config_file), *(["--resume"] if resume else [])]
        log(f"  {' '.join(command)}")
        result = subprocess.run(command, preexec_fn=pdeathsig)
        if result.returncode != 0:
            raise ExperimentError(f"run {job['name']} failed (exit {result.returncode}): {' '.join(command)}")
    record = dict(job["record"], train_seconds=round(time.perf_counter() - started, 1), config=config.to_dict())
    write_atomically(folder / "run.json", json.dumps(record, indent=1, default=str))


@dataclass
class Evaluation:
    model: str  # teacher, student, a run's name, or RUN@STEP (a checkpoint, for the curves)
    benchmark: BenchmarkEntry
    location: str  # the weights
    folder: Path
    run: ResolvedRun | None = None  # the run whose student it scores (trained first)
    step: int | None = None  # a checkpoint's step; None: the final student

    @property
    def done(self) -> bool:
        return (self.folder / "results.json").is_file()

    @functools.cached_property
    def result(self) -> dict:
        """The benchmark's entry of results.json (read once, when the evaluation is done)."""
        return json.loads((self.folder / "results.json").read_text())["results"][self.benchmark.name]

    @property
    def score(self) -> float:
        return self.result["metrics"][self.result["headline"]]

    @property
    def at_step(self) -> int:
        """Where the evaluation sits on its run's curve: the checkpoint's step, or the last step for final/."""
        return self.step if self.step is not None else self.run.config.max_steps


def checkpoint_steps(config) -> list[int]:
    """The steps the trainer checkpoints at (every save_steps, the final step excluded: that is final/)."""
    return list(range(config.save_steps, config.max_steps, config.save_steps)) if config.save_steps else []


def plan_evaluations(experiment: Experiment, runs: list[ResolvedRun], work: Path) -> list[Evaluation]:
    """Every model on every benchmark: each pair's teacher and untrained student, each run's final student and, with
    `curve_points`, each run's checkpoints."""
    from eval.benchmarks import BENCHMARKS
    from eval.harness import HARNESS_VERSION, file_digest, model_digest

    models = []  # (name, folder name, weights, identity, run, step): pairs sharing a model share its evaluations
    for pair in range(len(experiment.pairs)):
        base = next(run.config for run in runs if run.plan.pair == pair)  # first stage: the pair's own models
        models += [(reference_name(experiment, role, pair), role, getattr(base, role),
                    model_digest(getattr(base, role)), None, None) for role in ("teacher", "student")]
    for run in runs:
        if experiment.curve_points:
            models += [(f"{run.name}@{step}", f"{run.name}-step{step}",
                        str(Path(run.config.output) / "checkpoints" / f"step-{step:08d}" / "student"),
                        f"{run.key}@{step}", run, step) for step in checkpoint_steps(run.config)]
        models.append((run.name, run.name, str(run.final), run.key, run, None))
    evaluations = []
    for entry in experiment.benchmarks:
        data_dir = entry.data.data_dir()
        files = {str(p): file_digest(p)[:16] for p in BENCHMARKS[entry.name].files(data_dir) if p.is_file()}
        settings = [entry.name, entry.limit, entry.max_new_tokens, entry.batch_size, HARNESS_VERSION, files,
                    EXPERIMENT_VERSION]
        version = BENCHMARKS[entry.name].version
        settings += [f"scorer {version}"] if version > 1 else []  # version 1: what keys named before scorer versions
        for model, folder_name, location, identity, run, step in models:
            key = digest([identity, settings])
            evaluations.append(Evaluation(model, entry, location, work / "evals" / f"{folder_name}-{entry.name}-{key}",
                                          run, step))
    return evaluations


def evaluate_job(job: dict) -> None:
    from eval.harness import run_eval

    folder = Path(job["folder"])
    shutil.rmtree(folder, ignore_errors=True)  # a killed evaluation starts again (results.json is written last)
    run_eval(job["model"], [job["benchmark"]], Path(job["data_dir"]), folder, limit=job["limit"],
             batch_size=job["batch_size"], max_new_tokens=job["max_new_tokens"], device=job["device"],
             location=job["location"])


# ---------------------------------------------------------------------------------------------------------------------
# Jobs: each run to train and each evaluation, done when its marker file exists; in this process, or in worker
# processes (one CPU thread each) that share the list and claim jobs with lock files.
# ---------------------------------------------------------------------------------------------------------------------


def make_jobs(experiment: Experiment, runs: list[ResolvedRun], evaluations: list[Evaluation]) -> list[dict]:
    """Plain-data jobs in the order a single process runs them: the references' evaluations, then each run followed
    by its evaluations. A job `needs` the markers of the jobs that must finish first."""
    def evaluation_job(e: Evaluation) -> dict:
        return {"kind": "eval", "name": f"{e.model} on {e.benchmark.name}", "folder": str(e.folder),
                "marker": str(e.folder / "results.json"), "model": e.model, "location": e.location,
                "benchmark": e.benchmark.name, "data_dir": str(e.benchmark.data.data_dir()),
                "limit": e.benchmark.limit, "batch_size": e.benchmark.batch_size,
                "max_new_tokens": e.benchmark.max_new_tokens, "device": experiment.device,
                "needs": [str(e.run.folder / "run.json")] if e.run else []}

    jobs = [evaluation_job(e) for e in evaluations if e.run is None]
    for run in runs:
        previous = run.previous
        jobs.append({"kind": "train", "name": run.name, "folder": str(run.folder), "marker": str(run.folder /
                                                                                                  "run.json"),
                     "config": run.config.to_dict(), "needs": [str(previous.folder / "run.json")] if previous else [],
                     "record": {"name": run.name, "pair": run.plan.pair, "stage": run.plan.stage,
                                "label": run.plan.method.label, "method": run.plan.method.method,
                                "seed": run.plan.seed, "key": run.key, "steps": run.config.max_steps}})
        jobs += [evaluation_job(e) for e in evaluations if e.run is run]
    return jobs


def execute_job(job: dict, launcher: str, num_processes: int, log) -> None:
    if job["kind"] == "train":
        train_job(job, launcher, num_processes, log)
    else:
        evaluate_job(job)


def job_summary(job: dict) -> str:
    """What a finished job printed: an evaluation's score, a run's training time."""
    if job["kind"] == "train":
        return f"trained {job['name']} in {json.loads(Path(job['marker']).read_text())['train_seconds']:.0f} s"
    result = json.loads(Path(job["marker"]).read_text())["results"][job["benchmark"]]
    return (f"{job['name']}: {100 * result['metrics'][result['headline']]:.1f} ({result['headline']}, "
            f"{result['seconds']:.0f} s)")


def run_jobs(jobs: list[dict], work: Path, launcher: str, num_processes: int, workers: int, log) -> None:
    """Every job without its marker: in order in this process (`workers` 1), or in `workers` worker processes."""
    pending = [job for job in jobs if not Path(job["marker"]).is_file()]
    if not pending:
        return
    if workers <= 1:
        for index, job in enumerate(pending, 1):
            if job["kind"] == "train":
                log(f"[{index}/{len(pending)}] training {job['name']} ({job['config']['method']}, "
                    f"{job['config']['max_steps']} steps)")
            execute_job(job, launcher, num_processes, log)
            log(f"  {job_summary(job)}")
        return
    claims = work / ".claims"
    claims.mkdir(parents=True, exist_ok=True)
    for job in pending:  # claims left by an interrupted experiment
        (claims / Path(job["folder"]).name).unlink(missing_ok=True)
    jobs_file = work / f".jobs-{os.getpid()}.json"
    jobs_file.write_text(json.dumps({"jobs": pending, "claims": str(claims), "launcher": launcher,
                                     "num_processes": num_processes}))
    environment = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", TQDM_DISABLE="1")
    logs = [work / f".worker-{os.getpid()}-{i}.log" for i in range(workers)]
    processes = [subprocess.Popen([sys.executable, "-m", "lab.experiments", str(jobs_file)], env=environment,
                                  stdout=open(path, "w"), stderr=subprocess.STDOUT, preexec_fn=pdeathsig)
                 for path in logs]
    started, reported = time.perf_counter(), set()
    try:
        while True:
            finished = all(p.poll() is not None for p in processes)
            for job in pending:
                if job["marker"] not in reported and Path(job["marker"]).is_file():
                    reported.add(job["marker"])
                    log(f"  [{len(reported)}/{len(pending)}] {job_summary(job)} "
                        f"({time.perf_counter() - started:.0f} s elapsed)")
            if finished or any(p.returncode not in (None, 0) for p in processes):
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
        raise ExperimentError(f"a worker failed (exit {failed[0][0].returncode}); its log {failed[0][1]} ends:\n"
                              f"{tail}")
    missing = [job["name"] for job in pending if not Path(job["marker"]).is_file()]
    if missing:
        raise ExperimentError(f"{len(missing)} jobs ended without a result, e.g. {missing[0]}")
    jobs_file.unlink(missing_ok=True)
    for path in logs:
        path.unlink(missing_ok=True)


def worker(jobs_file: str) -> None:
    """A worker process: one CPU thread; takes the first job that is ready (its needs finished) and unclaimed, until
    every job is claimed."""
    import torch

    torch.set_num_threads(1)
    spec = json.loads(Path(jobs_file).read_text())
    claims = Path(spec["claims"])
    while True:
        open_jobs = [job for job in spec["jobs"] if not Path(job["marker"]).is_file()
                     and not (claims / Path(job["folder"]).name).exists()]
        if not open_jobs:
            return
        ready = [job for job in open_jobs if all(Path(need).is_file() for need in job["needs"])]
        job = next((job for job in ready if claim(claims / Path(job["folder"]).name)), None)
        if job is None:
            time.sleep(0.5)
            continue
        try:
            execute_job(job, spec["launcher"], spec["num_processes"], print)
        except BaseException:
            (claims / Path(job["folder"]).name).unlink(missing_ok=True)
            raise


def claim(path: Path) -> bool:
    """Take a job for this worker (an exclusive lock file): workers share the job list and never run one twice."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


# ---------------------------------------------------------------------------------------------------------------------
# The whole experiment.
# ---------------------------------------------------------------------------------------------------------------------


def prepare(experiment: Experiment, work: Path) -> tuple[list[ResolvedRun], list[Evaluation]]:
    runs = resolve_runs(experiment, work)
    return runs, plan_evaluations(experiment, runs, work)


def run_experiment(name_or_path: str, output: Path, quick: bool = False, dry_run: bool = False,
                   launcher: str = "none", num_processes: int = 1, workers: int = 1, work_dir: Path | None = None,
                   log=print, command: str = "") -> Path | None:
    """Plan, train, evaluate and report (see the module docstring); returns report.md's path (None for a dry run)."""
    from lab.experiment_report import write_report

    experiment = read_experiment(name_or_path, quick)
    if dry_run:
        log(format_plan(experiment))
        return None
    if launcher not in LAUNCHERS:
        raise ExperimentError(f"--launcher must be one of {', '.join(LAUNCHERS)}, got {launcher!r}")
    started = time.perf_counter()
    work = Path(work_dir or output)
    runs, evaluations = prepare(experiment, work)
    log(f"experiment {experiment.name}: {len(runs)} runs ({sum(run.done for run in runs)} already done), "
        f"{len(evaluations)} evaluations ({sum(e.done for e in evaluations)} already done); in {work.resolve()}")
    run_jobs(make_jobs(experiment, runs, evaluations), work, launcher, num_processes, workers, log)
    settings = {"command": command, "quick": quick, "launcher": launcher, "num_processes": num_processes,
                "workers": workers, "seconds": round(time.perf_counter() - started)}
    report = write_report(experiment, runs, evaluations, settings, Path(output))
    log(f"report: {report} ({time.perf_counter() - started:.0f} s)")
    return report


if __name__ == "__main__":  # python -m lab.experiments JOBS_JSON: a worker of run_jobs
    worker(sys.argv[1])
