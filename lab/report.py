"""The lab's report: report.md (accuracy mean ± std per method beside teacher and student and the share of the gap
recovered, the privilege-illusion table, the gap-drop ablations, the paper's claims as measured), PNG plots and
results.json."""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from dopd_vl.routing import REGIME_COLOURS, REGIMES
from lab import figure_style as style
from lab.methods import DROP_ABLATIONS, OWN_PRIVILEGED
from lab.sft import VARIANTS


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
            labels = {m.key: m.label(results.task) for m in results.methods}
            parts = ", ".join(f"`{labels[k]}` {percent(means[k])}" for k in rivals)
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
    from matplotlib.patches import Patch

    plt = style.pyplot()
    task, files = results.task, {}
    labels = [m.label(task) for m in results.methods]
    families = [style.family(m.method) for m in results.methods]
    finals = [final_accuracies(results, m.key) for m in results.methods]

    figure, axis = style.figure(plt, figsize=(11, 4.6))
    means = [100 * statistics.fmean(v) for v in finals]
    errors = [100 * (statistics.stdev(v) if len(v) > 1 else 0.0) for v in finals]
    bars = axis.bar(range(len(labels)), means, yerr=errors, capsize=3, error_kw={"linewidth": 0.8},
                    color=[style.family_colour(name) for name in families])
    axis.bar_label(bars, fmt="%.1f", padding=2, fontsize=style.FONT_SIZE - 2)
    teacher = axis.axhline(100 * results.teacher, **style.TEACHER_STYLE)
    student = axis.axhline(100 * results.student, **style.STUDENT_STYLE)
    axis.set_xticks(range(len(labels)), labels, rotation=40, ha="right")
    axis.set_ylabel("held-out accuracy (%)")
    axis.set_ylim(0, max([100 * results.teacher, *(m + e for m, e in zip(means, errors))]) * 1.12)
    axis.set_title(f"{task}: held-out accuracy after distillation (mean ± std over seeds)")
    handles = [Patch(color=style.family_colour(name), label=name) for name in dict.fromkeys(families)]
    handles += [teacher, student]
    axis.legend(handles, [*dict.fromkeys(families), f"teacher, no privileged input ({100 * results.teacher:.1f})",
                          f"student before distillation ({100 * results.student:.1f})"],
                loc="upper left", bbox_to_anchor=(1.01, 1.0))
    files["accuracy"] = save_figure(figure, output / f"{task}_accuracy.png")

    figure, (left, right) = style.figure(plt, 1, 2, figsize=(13, 4.6))
    styles = style.method_styles([(m.label(task), m.method) for m in results.methods])
    for method in results.methods:
        line = styles[method.label(task)]
        steps, values = curve_means(results.runs[method.key], results.student)
        left.plot(steps, [100 * v for v in values], label=method.label(task), **line)
        steps, entropy = metric_means(results.metrics[method.key], "student_entropy_mean")
        right.plot(steps, smooth(entropy), **{**line, "marker": None})
    left.axhline(100 * results.teacher, label="teacher, no privileged input", **style.TEACHER_STYLE)
    left.set_xlabel("step")
    left.set_ylabel("held-out accuracy (%)")
    left.set_title(f"{task}: held-out accuracy against steps (mean over seeds)")
    right.set_xlabel("step")
    right.set_ylabel("student entropy (nats/token)")
    right.set_title("student entropy on its rollouts (5-step mean)")
    figure.legend(*left.get_legend_handles_labels(), loc="outside right upper")
    files["curves"] = save_figure(figure, output / f"{task}_curves.png")

    if "dopd" in results.metrics:
        figure, axis = style.figure(plt, figsize=(7.5, 3.6))
        for regime in REGIMES:
            steps, fractions = metric_means(results.metrics["dopd"], f"fraction/{regime}")
            axis.plot(steps, smooth(fractions), label=regime, color=REGIME_COLOURS[regime])
        axis.set_xlabel("step")
        axis.set_ylabel("share of response tokens")
        axis.set_ylim(0, 1)
        axis.set_title(f"{task}: DOPD regime shares (5-step mean over seeds)")
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
              f"{settings['seconds']} s (finished runs and evaluations are reused from `$DOPD_VL_CACHE/lab/work`); "
              "the runs took "
              f"{run_seconds / 60:.0f} CPU-core minutes of training and evaluation, one core each. "
              f"{settings['seeds']} seed(s), {settings['steps']} optimizer steps per run"
              + (" (`--quick`)" if settings["quick"] else "") + ".", ""]
    lines += ["Every run starts from the same student, trains on the same prompts in the same order for the same "
              "steps (the settings of the task's lab file, `configs/experiments/lab-*.yaml`), and is scored on a held-out split that never shows "
              "privileged input (greedy decoding, the `dopd-vl eval` benchmark's scorer). Accuracies are in %; "
              "'gap recovered' is (method - student) / (teacher - student), the teacher without privileged input.",
              ""]
    for task_results in results:
        task, own = task_results.task, OWN_PRIVILEGED[task_results.task]
        plots = plot_task(task_results, output)
        recipe = settings["recipes"].get(task, {})
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

