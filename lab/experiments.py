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

    def integer(self, value, where: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(where, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def overrides(self, value, where: str) -> tuple[str, ...]:
        """Config overrides as a mapping {key: value} (or a list of key=value strings)."""
        if value is None:
            return ()
        if isinstance(value, dict):
            return tuple(f"{key}={json.dumps(item) if isinstance(item, (list, dict)) else item}"
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
    from dopd_vl.objectives import METHODS
    from eval.benchmarks import BENCHMARKS

    path = experiment_path(name_or_path)
    reader = Reader(str(path))
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ExperimentError(f"{path}: not valid YAML: {error}") from None
    allowed = ("name", "description", "pair", "pairs", "teacher", "student", "recipe", "overrides", "data", "stages",
               "methods", "seeds", "steps", "benchmarks", "eval", "quick")
    raw = reader.mapping(raw, "top level", allowed)
    if quick:
        changes = reader.mapping(raw.get("quick") or {}, "quick",
                                 ("steps", "seeds", "methods", "limit", "overrides", "stages"))
        raw = apply_quick(raw, changes, reader)
    if "data" in raw and "stages" in raw:
        reader.fail("data", "give either data (one training set) or stages (continual learning), not both")
    if "stages" in raw:
        if not isinstance(raw["stages"], list) or not raw["stages"]:
            reader.fail("stages", "expected a non-empty list of {name, data, benchmarks}")
        stages = []
        for index, item in enumerate(raw["stages"]):
            where = f"stages[{index}]"
            item = reader.mapping(item, where, ("name", "data", "benchmarks"))
            if "data" not in item:
                reader.fail(where, "a stage needs its data")
            stages.append(StageEntry(str(item.get("name", f"stage{index + 1}")), reader.data(item["data"], where +
                                                                                              ".data"),
                                     tuple(item.get("benchmarks") or ())))
    elif "data" in raw:
        stages = [StageEntry("train", reader.data(raw["data"], "data"))]
    else:
        reader.fail("data", "the training data is missing: `data: FOLDER` or a list of `stages`")
    if len({stage.name for stage in stages}) != len(stages):
        reader.fail("stages", "two stages share a name")
    methods = []
    if not isinstance(raw.get("methods"), list) or not raw["methods"]:
        reader.fail("methods", "expected a non-empty list of method names or {label, method, overrides, data}")
    for index, item in enumerate(raw["methods"]):
        where = f"methods[{index}]"
        if isinstance(item, str):
            item = {"method": item}
        item = reader.mapping(item, where, ("label", "method", "overrides", "data"))
        if item.get("method") not in METHODS:
            reader.fail(f"{where}.method", f"{item.get('method')!r} is not a method; methods: {', '.join(METHODS)}")
        if "data" in item and len(stages) > 1:
            reader.fail(f"{where}.data", "a method's own data is not allowed with stages")
        methods.append(MethodEntry(str(item.get("label", item["method"])), item["method"],
                                   reader.overrides(item.get("overrides"), f"{where}.overrides"),
                                   reader.data(item["data"], f"{where}.data") if "data" in item else None))
    if len({m.label for m in methods}) != len(methods):
        reader.fail("methods", "two methods share a label: give each a `label`")
    seeds = raw.get("seeds", 1)
    seeds = list(range(reader.integer(seeds, "seeds", 1))) if isinstance(seeds, int) else seeds
    if not isinstance(seeds, list) or not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        reader.fail("seeds", f"a count (3) or a list of integer seeds ([0, 1, 2]), got {raw.get('seeds')!r}")
    settings = reader.mapping(raw.get("eval") or {}, "eval", ("data_dir", "limit", "batch_size", "max_new_tokens",
                                                              "device"))
    benchmarks = []
    if not isinstance(raw.get("benchmarks"), list) or not raw["benchmarks"]:
        reader.fail("benchmarks", "expected a non-empty list of benchmark names or {name, data_dir, limit, ...}")
    for index, item in enumerate(raw["benchmarks"]):
        where = f"benchmarks[{index}]"
        item = {"name": item} if isinstance(item, str) else item
        item = reader.mapping(item, where, ("name", "data_dir", "limit", "batch_size", "max_new_tokens"))
        merged = {**{k: v for k, v in settings.items() if k != "device"}, **item}
        if merged.get("name") not in BENCHMARKS:
            reader.fail(f"{where}.name", f"{merged.get('name')!r} is not a benchmark; see `dopd-vl eval --help`")
        if "data_dir" not in merged:
            reader.fail(where, "no data_dir (give one here or in `eval: {data_dir: ...}`)")
        benchmarks.append(BenchmarkEntry(
            merged["name"], reader.data(merged["data_dir"], f"{where}.data_dir", several=False),
            None if merged.get("limit") is None else reader.integer(merged["limit"], f"{where}.limit", 1),
            None if merged.get("max_new_tokens") is None else reader.integer(merged["max_new_tokens"],
                                                                            f"{where}.max_new_tokens", 1),
            reader.integer(merged.get("batch_size", 8), f"{where}.batch_size", 1)))
    names = [b.name for b in benchmarks]
    if len(set(names)) != len(names):
        reader.fail("benchmarks", "a benchmark is listed twice")
    for index, stage in enumerate(stages):
        unknown = [name for name in stage.benchmarks if name not in names]
        if unknown:
            reader.fail(f"stages[{index}].benchmarks", f"{unknown} are not in the experiment's benchmarks")
    if "pair" in raw and "pairs" in raw:
        reader.fail("pairs", "give either pair or pairs, not both")
    pairs = raw.get("pairs", [raw.get("pair")])
    if not isinstance(pairs, list) or not pairs or len(set(map(str, pairs))) != len(pairs):
        reader.fail("pairs", f"expected a list of distinct pair names, got {pairs!r}")
    if len(pairs) > 1 and (raw.get("teacher") or raw.get("student")):
        reader.fail("teacher", "teacher/student folders replace one pair's models: not with several pairs")
    experiment = Experiment(
        name=str(raw.get("name", path.stem)), source=str(path), description=str(raw.get("description", "")).strip(),
        pairs=pairs, teacher=raw.get("teacher"), student=raw.get("student"), recipe=raw.get("recipe"),
        overrides=reader.overrides(raw.get("overrides"), "overrides"), stages=stages, methods=methods, seeds=seeds,
        steps=None if raw.get("steps") is None else reader.integer(raw["steps"], "steps", 1), benchmarks=benchmarks,
        device=str(settings.get("device", "cpu")), quick=raw.get("quick") or {})
    if not (pairs[0] or experiment.recipe):
        reader.fail("pair", "name the pair (`pair: 8b-1.7b`, or teacher/student folders with it) or a recipe")
    for pair in pairs:  # every key and value checked now, not at the fifth run
        for method in methods:
            try:
                load_config(experiment.recipe, [*experiment.overrides, *method.overrides], pair=pair,
                            method=method.method)
            except ConfigError as error:
                raise ExperimentError(f"{path}: method {method.label}: {error}") from None
    return experiment


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


def reference_name(experiment: Experiment, role: str, pair: int) -> str:
    """The evaluation name of a pair's teacher or untrained student."""
    return role if len(experiment.pairs) == 1 else f"{role}-{experiment.pairs[pair]}"


def base_config(experiment: Experiment, run: PlannedRun):
    """The run's TrainConfig before the built-in pair is resolved: recipe, the file's and the method's overrides."""
    from dopd_vl.config import load_config

    fixed = {"pair": experiment.pairs[run.pair], "teacher": experiment.teacher, "student": experiment.student,
             "method": run.method.method, "seed": run.seed, "max_steps": experiment.steps}
    return load_config(experiment.recipe, [*experiment.overrides, *run.method.overrides], **fixed)


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
    models = 2 * len(experiment.pairs) + len(runs)  # teachers, untrained students, each run's final student
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
                  f"{count(len(runs), 'final student')}) x {count(len(experiment.benchmarks), 'benchmark')}",
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
        entry = ResolvedRun(run, name, config, key, folder)
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


def train_run(run: ResolvedRun, launcher: str, num_processes: int, log) -> None:
    """Train one run (resumed from its newest checkpoint when a killed experiment left it half done), then write
    run.json."""
    from dopd_vl.trainer import newest_checkpoint
    from eval.harness import write_atomically

    output = Path(run.config.output)
    resume = output.exists()
    if resume:
        checkpoint = newest_checkpoint(output)
        log(f"  resuming {run.name} from {checkpoint.name if checkpoint else 'step 0 (no checkpoint yet)'}")
    started = time.perf_counter()
    if launcher == "none":
        from dopd_vl.trainer import train
        from eval.rewards import record_reward

        train(run.config, resume=resume, reward=record_reward)
    else:
        run.folder.mkdir(parents=True, exist_ok=True)
        config_file = run.folder / "config.yaml"
        config_file.write_text(yaml.safe_dump(run.config.to_dict(), sort_keys=False))
        command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(num_processes),
                   "-m", "dopd_vl.cli", "train", "--config", str(config_file), *(["--resume"] if resume else [])]
        log(f"  {' '.join(command)}")
        result = subprocess.run(command, preexec_fn=pdeathsig)
        if result.returncode != 0:
            raise ExperimentError(f"run {run.name} failed (exit {result.returncode}): {' '.join(command)}")
    record = {"name": run.name, "stage": run.plan.stage, "label": run.plan.method.label,
              "method": run.plan.method.method, "seed": run.plan.seed, "key": run.key,
              "steps": run.config.max_steps, "train_seconds": round(time.perf_counter() - started, 1),
              "config": run.config.to_dict()}
    write_atomically(run.folder / "run.json", json.dumps(record, indent=1, default=str))


@dataclass
class Evaluation:
    model: str  # teacher, student, or a run's name
    benchmark: BenchmarkEntry
    location: str  # the weights
    identity: str  # what the model is: a run's key, or the weights' digest
    folder: Path | None = None

    @property
    def done(self) -> bool:
        return (self.folder / "results.json").is_file()

    def score(self) -> float:
        result = json.loads((self.folder / "results.json").read_text())["results"][self.benchmark.name]
        return result["metrics"][result["headline"]]


def plan_evaluations(experiment: Experiment, runs: list[ResolvedRun], work: Path) -> list[Evaluation]:
    from eval.harness import HARNESS_VERSION, file_digest, model_digest
    from eval.benchmarks import BENCHMARKS

    models = []  # (name, folder name, weights, identity): pairs that share a model share its evaluations' folders
    for pair in range(len(experiment.pairs)):
        base = next(run.config for run in runs if run.plan.pair == pair)  # first stage: the pair's own models
        models += [(reference_name(experiment, role, pair), role, getattr(base, role),
                    model_digest(getattr(base, role))) for role in ("teacher", "student")]
    models += [(run.name, run.name, str(run.final), run.key) for run in runs]
    evaluations = []
    for entry in experiment.benchmarks:
        data_dir = entry.data.data_dir()
        files = {str(p): file_digest(p)[:16] for p in BENCHMARKS[entry.name].files(data_dir) if p.is_file()}
        settings = [entry.name, entry.limit, entry.max_new_tokens, entry.batch_size, HARNESS_VERSION, files,
                    EXPERIMENT_VERSION]
        for model, folder_name, location, identity in models:
            key = digest([identity, settings])
            evaluations.append(Evaluation(model, entry, location, identity,
                                          work / "evals" / f"{folder_name}-{entry.name}-{key}"))
    return evaluations


def evaluate(evaluation: Evaluation, device: str) -> None:
    from eval.harness import run_eval

    shutil.rmtree(evaluation.folder, ignore_errors=True)  # a killed evaluation starts again (results.json is last)
    run_eval(evaluation.model, [evaluation.benchmark.name], evaluation.benchmark.data.data_dir(), evaluation.folder,
             limit=evaluation.benchmark.limit, batch_size=evaluation.benchmark.batch_size,
             max_new_tokens=evaluation.benchmark.max_new_tokens, device=device, location=evaluation.location)


# ---------------------------------------------------------------------------------------------------------------------
# The whole experiment.
# ---------------------------------------------------------------------------------------------------------------------


def run_experiment(name_or_path: str, output: Path, quick: bool = False, dry_run: bool = False,
                   launcher: str = "none", num_processes: int = 1, work_dir: Path | None = None, log=print,
                   command: str = "") -> Path | None:
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
    runs = resolve_runs(experiment, work)
    done = sum(run.done for run in runs)
    log(f"experiment {experiment.name}: {len(runs)} runs ({done} already done), {len(experiment.benchmarks)} "
        f"benchmarks; runs and evaluations in {work.resolve()}")
    evaluations = plan_evaluations(experiment, runs, work)
    by_model = {}
    for evaluation in evaluations:
        by_model.setdefault(evaluation.model, []).append(evaluation)
    for pair in range(len(experiment.pairs)):
        for role in ("teacher", "student"):
            evaluate_model(by_model[reference_name(experiment, role, pair)], experiment, log)
    for index, run in enumerate(runs, 1):
        if not run.done:
            log(f"[{index}/{len(runs)}] training {run.name} ({run.config.method}, {run.config.max_steps} steps)")
            train_run(run, launcher, num_processes, log)
        evaluate_model(by_model[run.name], experiment, log)
    settings = {"command": command, "quick": quick, "launcher": launcher, "num_processes": num_processes,
                "seconds": round(time.perf_counter() - started)}
    report = write_report(experiment, runs, evaluations, settings, Path(output))
    log(f"report: {report} ({time.perf_counter() - started:.0f} s)")
    return report


def evaluate_model(evaluations: list[Evaluation], experiment: Experiment, log) -> None:
    for evaluation in evaluations:
        if evaluation.done:
            continue
        started = time.perf_counter()
        evaluate(evaluation, experiment.device)
        log(f"  {evaluation.model} on {evaluation.benchmark.name}: {100 * evaluation.score():.1f} "
            f"({time.perf_counter() - started:.0f} s)")
