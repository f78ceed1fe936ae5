"""An experiment's report: report.md (per stage a table laid out like the paper's Tables 1-3: a column per benchmark,
the average and the share of the teacher-student gap recovered; with stages, performance after each stage and a
forgetting table like Figure 7(a)), results.json (every number in it) and PNG plots."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from dopd_vl.routing import REGIME_COLOURS, REGIMES
from lab import figure_style as style
from lab.report import markdown_table, mean_std, metric_means, percent, save_figure, smooth


def reference_name(experiment, role: str, pair: int) -> str:
    """The evaluation name of a pair's teacher or untrained student: `teacher`, or `teacher-8b-0.6b` when the
    experiment has several pairs."""
    return role if len(experiment.pairs) == 1 else f"{role}-{experiment.pairs[pair]}"


def gap_recovered(value: float | None, teacher: float, student: float) -> float | None:
    """(value - student) / (teacher - student); None where the teacher is no better than the student."""
    return None if value is None or teacher <= student else (value - student) / (teacher - student)


def collect(experiment, runs, evaluations) -> dict:
    """results.json: the scores of the teacher, the untrained student and every run, per benchmark (headline
    metric, 0-1)."""
    from eval.benchmarks import BENCHMARKS

    scores, curves, seconds = {}, {}, {}
    for evaluation in evaluations:
        scores.setdefault(evaluation.model, {})[evaluation.benchmark.name] = evaluation.score
        if evaluation.run is not None:  # the run's curve: its checkpoints, then its final student
            curves.setdefault(evaluation.run.name, {}).setdefault(evaluation.benchmark.name, []).append(
                [evaluation.at_step, evaluation.score])
            seconds[evaluation.run.name] = seconds.get(evaluation.run.name, 0.0) + evaluation.result["seconds"]
    benchmarks = [entry.name for entry in experiment.benchmarks]
    records = []
    for run in runs:
        record = json.loads((run.folder / "run.json").read_text())
        record.pop("config")
        metrics_file = Path(run.config.output) / "metrics.jsonl"
        rows = [json.loads(line) for line in metrics_file.read_text().splitlines() if line]
        record.update(pair=run.plan.pair, pair_name=run.config.pair, stage_name=experiment.stages[run.plan.stage].name,
                      folder=str(run.folder), scores=scores[run.name], eval_seconds=round(seconds[run.name], 1),
                      curves={name: sorted(points) for name, points in curves[run.name].items()}, metrics=rows)
        records.append(record)
    pairs = [{"name": str(name), **{role: scores[reference_name(experiment, role, index)]
                                    for role in ("teacher", "student")}}
             for index, name in enumerate(experiment.pairs)]
    return {"experiment": experiment.name, "file": experiment.source, "description": experiment.description,
            "benchmarks": [{"name": name, "metric": BENCHMARKS[name].metrics[0]} for name in benchmarks],
            "stages": [{"name": s.name, "data": s.data.describe(), "benchmarks": list(s.benchmarks or benchmarks)}
                       for s in experiment.stages],
            "methods": [{"label": m.label, "method": m.method, "overrides": list(m.overrides)}
                        for m in experiment.methods],
            "seeds": experiment.seeds, "pairs": pairs, "runs": records}


def average(scores: dict, names: list[str]) -> float:
    return statistics.fmean(scores[name] for name in names)


def stage_table(results: dict, pair: int, stage: int) -> list[list[str]]:
    """Rows: teacher, student, the gap, then each method (mean ± std over seeds, in points); columns: each
    benchmark, the average, the gap recovered (of the average)."""
    names = [b["name"] for b in results["benchmarks"]]
    teacher, student = results["pairs"][pair]["teacher"], results["pairs"][pair]["student"]
    header = ["", *[f"{b['name']} ({b['metric']})" for b in results["benchmarks"]], "average", "gap recovered (%)"]
    rows = [header,
            ["teacher", *[percent(teacher[n]) for n in names], percent(average(teacher, names)), ""],
            ["student (untrained)", *[percent(student[n]) for n in names], percent(average(student, names)), ""],
            ["Δ gap", *[f"{100 * (teacher[n] - student[n]):+.1f}" for n in names],
             f"{100 * (average(teacher, names) - average(student, names)):+.1f}", ""]]
    for method in results["methods"]:
        seeds = [r for r in results["runs"] if r["label"] == method["label"] and r["stage"] == stage
                 and r["pair"] == pair]
        cells = [format_points([r["scores"][n] for r in seeds]) for n in names]
        averages = [average(r["scores"], names) for r in seeds]
        recovered = [gap_recovered(a, average(teacher, names), average(student, names)) for a in averages]
        rows.append([method["label"], *cells, format_points(averages),
                     "n/a" if None in recovered else format_points(recovered)])
    return rows


def format_points(values: list[float]) -> str:
    mean, std = mean_std(values)
    return f"{percent(mean)} ± {percent(std)}" if std is not None else percent(mean)


def stage_scores(results: dict, pair: int) -> dict:
    """method label -> [after stage k] -> [on stage j's benchmarks] -> (mean over seeds of the average score)."""
    table = {}
    for method in results["methods"]:
        rows = []
        for k in range(len(results["stages"])):
            seeds = [r for r in results["runs"] if r["label"] == method["label"] and r["stage"] == k
                     and r["pair"] == pair]
            rows.append([statistics.fmean(average(r["scores"], stage["benchmarks"]) for r in seeds)
                         for stage in results["stages"]])
        table[method["label"]] = rows
    return table


def normalised(value: float, results: dict, pair: int, names: list[str]) -> float | None:
    references = results["pairs"][pair]
    return gap_recovered(value, average(references["teacher"], names), average(references["student"], names))


def forgetting_table(results: dict, pair: int) -> list[list[str]]:
    """For each method and each stage but the last: the score on that stage's benchmarks right after it, after the
    last stage, and the change (negative: forgotten)."""
    stages = results["stages"]
    header = ["method"]
    for stage in stages[:-1]:
        header += [f"{stage['name']}: after it", "after the last stage", "change"]
    rows = [header]
    for label, scores in stage_scores(results, pair).items():
        row = [label]
        for j in range(len(stages) - 1):
            row += [percent(scores[j][j]), percent(scores[-1][j]), f"{100 * (scores[-1][j] - scores[j][j]):+.1f}"]
        rows.append(row)
    return rows


def plot_curves(results: dict, output: Path) -> dict[str, str]:
    """Student entropy against steps for every method, and regime fractions for the methods that route tokens;
    stages follow each other on the step axis."""
    plt = style.pyplot()
    files = {}
    stages = len(results["stages"])
    figure, axis = style.figure(plt, figsize=(10, 4.4))
    methods = {m["label"]: m["method"] for m in results["methods"]}
    styles = style.method_styles([(series_label(results, pair, label), methods[label])
                                  for pair, label in series(results)])
    for pair, label in series(results):
        xs, ys = curve(results, pair, label, "student_entropy_mean")
        name = series_label(results, pair, label)
        axis.plot(xs, ys, label=name, **{**styles[name], "marker": None})
    stage_lines(axis, results)
    axis.set_xlabel("optimizer step" + (" (stages one after another)" if stages > 1 else ""))
    axis.set_ylabel("student entropy (nats/token)")
    axis.set_title(f"{results['experiment']}: student entropy on its rollouts (5-step mean over seeds)")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    files["entropy"] = save_figure(figure, output / "entropy.png")

    routed = [(pair, label) for pair, label in series(results)
              if any("fraction/deep_teacher" in row for r in results["runs"] if r["label"] == label
                     and r["pair"] == pair for row in r["metrics"])]
    if routed:
        figure, axes = style.figure(plt, 1, len(routed), figsize=(min(4.5 * len(routed), 18) + 1.5, 3.8),
                                    squeeze=False)
        for axis, (pair, label) in zip(axes[0], routed):
            for regime in REGIMES:
                xs, ys = curve(results, pair, label, f"fraction/{regime}")
                axis.plot(xs, ys, label=regime, color=REGIME_COLOURS[regime])
            stage_lines(axis, results)
            axis.set_ylim(0, 1)
            axis.set_title(f"{series_label(results, pair, label)}: regime shares")
            axis.set_xlabel("optimizer step")
        axes[0][0].set_ylabel("share of response tokens")
        axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        files["regimes"] = save_figure(figure, output / "regimes.png")
    return files


def curve(results: dict, pair: int, label: str, key: str) -> tuple[list[int], list[float]]:
    """A metric against steps, mean over seeds, 5-step mean, stages one after another."""
    xs, ys, offset = [], [], 0
    for k in range(len(results["stages"])):
        seeds = [r["metrics"] for r in results["runs"] if r["label"] == label and r["stage"] == k
                 and r["pair"] == pair]
        steps, values = metric_means(seeds, key)
        xs += [offset + step for step in steps]
        ys += smooth(values)
        offset += max(steps, default=0)
    return xs, ys


def series(results: dict) -> list[tuple[int, str]]:
    return [(pair, m["label"]) for pair in range(len(results["pairs"])) for m in results["methods"]]


def series_label(results: dict, pair: int, label: str) -> str:
    return label if len(results["pairs"]) == 1 else f"{label} ({results['pairs'][pair]['name']})"


def stage_lines(axis, results: dict) -> None:
    offset = 0
    for k in range(len(results["stages"]) - 1):
        offset += max(r["steps"] for r in results["runs"] if r["stage"] == k)
        axis.axvline(offset, color="grey", linewidth=0.8, linestyle=":")


def plot_stages(results: dict, pair: int, output: Path) -> str:
    """Figure 7(a)'s view: after each stage, each method's normalised performance (share of the teacher-student gap
    recovered) on each stage's benchmarks; dotted: the stage itself."""
    plt = style.pyplot()
    stages = results["stages"]
    methods = {m["label"]: m["method"] for m in results["methods"]}
    styles = style.method_styles(list(methods.items()))
    figure, axes = style.figure(plt, 1, len(stages), figsize=(4 * len(stages) + 2, 3.8), sharey=True, squeeze=False)
    for j, (axis, stage) in enumerate(zip(axes[0], stages)):
        for label, scores in stage_scores(results, pair).items():
            values = [normalised(scores[k][j], results, pair, stage["benchmarks"]) for k in range(len(stages))]
            axis.plot(range(1, len(stages) + 1), [100 * v if v is not None else float("nan") for v in values],
                      label=label, **styles.get(label, {"marker": "o"}))
        axis.axvline(j + 1, color="grey", linewidth=0.8, linestyle=":")
        axis.set_xticks(range(1, len(stages) + 1), [s["name"] for s in stages])
        axis.set_title(f"on {stage['name']}'s benchmarks")
        axis.set_xlabel("after stage")
    axes[0][0].set_ylabel("teacher-student gap recovered (%)")
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    name = results["pairs"][pair]["name"]
    figure.suptitle(f"{results['experiment']} ({name}): normalised performance after each stage (dotted: the stage "
                    "itself)")
    return save_figure(figure, output / ("stages.png" if len(results["pairs"]) == 1 else f"stages-{name}.png"))


def write_report(experiment, runs, evaluations, settings: dict, output: Path) -> Path:
    output.mkdir(parents=True, exist_ok=True)
    results = collect(experiment, runs, evaluations)
    results["settings"] = settings
    figures = plot_curves(results, output)
    lines = [f"# {experiment.name}", ""]
    if experiment.description:
        lines += [experiment.description, ""]
    if settings.get("command"):
        lines += ["Produced by:", "", "```bash", settings["command"], "```", ""]
    pairs = "; ".join(f"teacher `{r.config.teacher}`, student `{r.config.student}`" for r in runs
                      if r.plan.stage == 0 and r.plan.method == runs[0].plan.method and r.plan.seed == runs[0].plan.seed)
    lines += [f"Pair{'s' if len(experiment.pairs) > 1 else ''}: {pairs}. Seeds: "
              f"{', '.join(map(str, experiment.seeds))}. Steps per run: "
              f"{', '.join(sorted({str(r.config.max_steps) for r in runs}))}. Scores are each benchmark's headline "
              "metric in points (mean ± std over seeds), greedy, from `dopd-vl eval`'s harness; the gap recovered is "
              "(average - student) / (teacher - student). Wall time: "
              f"{settings['seconds']} s for what this call ran (finished runs and evaluations are reused).", ""]
    for pair, references in enumerate(results["pairs"]):
        of_pair = f" ({references['name']})" if len(results["pairs"]) > 1 else ""
        for k, stage in enumerate(experiment.stages):
            title = "Results" if len(experiment.stages) == 1 else f"After stage {k + 1}: {stage.name}"
            lines += [f"## {title}{of_pair}", "", f"Training data: {stage.data.describe()}.", "",
                      markdown_table(stage_table(results, pair, k)), ""]
        if len(experiment.stages) > 1:
            figure = plot_stages(results, pair, output)
            lines += [f"## Forgetting{of_pair}", "",
                      "Average score on each stage's own benchmarks right after that stage and after the last one "
                      "(mean over seeds).", "", markdown_table(forgetting_table(results, pair)), "",
                      f"![normalised performance after each stage]({figure})", ""]
    lines += ["## Curves", "", f"![student entropy]({figures['entropy']})", ""]
    if "regimes" in figures:
        lines += [f"![regime fractions]({figures['regimes']})", ""]
    lines += ["## Runs", "", markdown_table([["run", "method", "seed", "stage", "train seconds", "folder"]] + [
        [r["name"], r["method"], str(r["seed"]), r["stage_name"], str(r["train_seconds"]), r["folder"]]
        for r in results["runs"]]), ""]
    from eval.harness import write_atomically

    for record in results["runs"]:  # results.json keeps the metrics' curves, not every metric of every step
        record["metrics"] = [{k: v for k, v in row.items() if k in CURVE_KEYS} for row in record["metrics"]]
    write_atomically(output / "results.json", json.dumps(results, indent=1, default=str))
    write_atomically(output / "report.md", "\n".join(lines))
    return output / "report.md"


CURVE_KEYS = ("step", "loss", "student_entropy_mean", *(f"fraction/{regime}" for regime in REGIMES))
