"""`dopd-vl eval compare DIR [DIR ...]`: one table across eval runs (teacher, student, OPD, DOPD, ...).

Each run folder holds the `results.json` of `dopd-vl eval`. The table has one row per run and one column per benchmark
(its headline metric, in %), an `average` over the benchmarks every run scored, and each run's share of the
teacher-student gap recovered on that average:

    gap recovered = (run - student) / (teacher - student)

so the student scores 0% and the teacher 100%. The teacher and student runs are the ones whose model was
`PAIR:teacher` / `PAIR:student`, or the folders given with `--teacher` / `--student`. The table is printed and written
as `compare.md`, with a grouped bar chart `compare.png` (teacher and student first, each bar labelled with its value),
to `--output`, by default a `compare/` folder beside the runs (in their common parent folder).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from eval.base import EvalError


@dataclass
class Run:
    label: str
    folder: Path
    model: str
    headline: dict[str, float]  # benchmark -> headline metric in [0, 1]
    metric: dict[str, str]  # benchmark -> the headline metric's name


def load_run(folder: Path) -> Run:
    path = folder / "results.json"
    if not path.is_file():
        raise EvalError(f"{folder}: no results.json (give folders written by `dopd-vl eval --output DIR`)")
    try:
        results = json.loads(path.read_text())
        headline = {name: entry["metrics"][entry["headline"]] for name, entry in results["results"].items()}
        metric = {name: entry["headline"] for name, entry in results["results"].items()}
        model = results["config"]["model"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise EvalError(f"{path}: not a results.json of this harness ({type(error).__name__}: {error}); "
                        f"re-run `dopd-vl eval` to write it") from None
    return Run(folder.resolve().name, folder, model, headline, metric)


def pick(runs: list[Run], explicit: Path | None, role: str) -> Run | None:
    """The run given with --teacher/--student, else the one run whose model is `PAIR:<role>`."""
    if explicit is not None:
        matches = [run for run in runs if run.folder.resolve() == explicit.resolve()]
        if not matches:
            raise EvalError(f"--{role} {explicit}: not one of the compared folders")
        return matches[0]
    matches = [run for run in runs if run.model.endswith(f":{role}")]
    if len(matches) > 1:
        raise EvalError(f"several runs evaluated a {role} ({', '.join(r.label for r in matches)}): choose one with "
                        f"--{role} DIR")
    return matches[0] if matches else None


def gap_recovered(value: float, teacher: float, student: float) -> float | None:
    """(value - student) / (teacher - student); None when the teacher is not above the student."""
    gap = teacher - student
    return (value - student) / gap if gap > 1e-12 else None


def compare_table(runs: list[Run], teacher: Run | None, student: Run | None) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the comparison, numbers as printed (percentages with one decimal)."""
    benchmarks = list(dict.fromkeys(name for run in runs for name in run.headline))
    common = [name for name in benchmarks if all(name in run.headline for run in runs)]

    def average(run: Run) -> float | None:
        return sum(run.headline[name] for name in common) / len(common) if common else None

    header = ["run", "model", *benchmarks, "average"]
    with_gap = teacher is not None and student is not None and common
    if with_gap:
        header.append("gap recovered")
    rows = []
    for run in runs:
        row = [run.label, run.model, *(f"{100 * run.headline[name]:.1f}" if name in run.headline else "-"
                                       for name in benchmarks)]
        mean = average(run)
        row.append("-" if mean is None else f"{100 * mean:.1f}")
        if with_gap:
            share = gap_recovered(mean, average(teacher), average(student))
            row.append("n/a" if share is None else f"{100 * share:.0f}%")
        rows.append(row)
    return header, rows


def format_text(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_markdown(header: list[str], rows: list[list[str]], note: str) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + f"\n\n{note}\n"


def plot(runs: list[Run], path: Path) -> None:
    """Grouped bars: one group per benchmark (named with its headline metric), one bar per run in the table's order,
    each labelled with its value (0 included); the legend outside the bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    benchmarks = list(dict.fromkeys(name for run in runs for name in run.headline))
    metrics = {name: next(run.metric[name] for run in runs if name in run.metric) for name in benchmarks}
    width = 0.8 / len(runs)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(benchmarks) * max(1.0, len(runs) / 3)) + 2.0, 4.0),
                                dpi=150, layout="constrained")
    for index, run in enumerate(runs):
        positions = [b + (index - (len(runs) - 1) / 2) * width for b in range(len(benchmarks))]
        values = [100 * run.headline[name] if name in run.headline else 0.0 for name in benchmarks]
        bars = axes.bar(positions, values, width, label=run.label)
        labels = [f"{value:.1f}" if name in run.headline else "-" for value, name in zip(values, benchmarks)]
        axes.bar_label(bars, labels=labels, fontsize=7, padding=2)
    axes.set_xticks(range(len(benchmarks)), [f"{name}\n({metrics[name]})" for name in benchmarks], fontsize=9)
    axes.set_ylabel("headline metric (%)", fontsize=10)
    axes.set_ylim(0, max(100.0, *(100 * v for run in runs for v in run.headline.values())) * 1.08)
    axes.set_title("Each benchmark's headline metric per run (%)", fontsize=11)
    axes.legend(fontsize=9, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    temporary = path.with_name(f".{path.stem}.partial.png")
    figure.savefig(temporary)
    plt.close(figure)
    os.replace(temporary, path)


def default_output(folders: list[Path]) -> Path:
    """`compare/` beside the runs: in the folders' common parent."""
    return Path(os.path.commonpath([str(Path(folder).resolve().parent) for folder in folders])) / "compare"


def ordered(runs: list[Run], teacher: Run | None, student: Run | None) -> list[Run]:
    """Teacher, then student, then the other runs in the order given."""
    first = [run for run in (teacher, student) if run is not None]
    return first + [run for run in runs if all(run is not other for other in first)]


def compare(folders: list[Path], output: Path | None = None, teacher: Path | None = None,
            student: Path | None = None) -> str:
    """Print-ready table of the runs (teacher and student first); writes compare.md and compare.png to `output`
    (default: `default_output`)."""
    runs = [load_run(Path(folder)) for folder in folders]
    labels = [run.label for run in runs]
    for run in runs:  # two folders with the same name: label by the path instead
        if labels.count(run.label) > 1:
            run.label = str(run.folder)
    teacher_run, student_run = pick(runs, teacher, "teacher"), pick(runs, student, "student")
    runs = ordered(runs, teacher_run, student_run)
    header, rows = compare_table(runs, teacher_run, student_run)
    if teacher_run is None or student_run is None:
        note = ("No gap column: the teacher or the student run is missing (runs of PAIR:teacher / PAIR:student are "
                "found by their model; else give --teacher DIR and --student DIR).")
    else:
        note = (f"Gap recovered = (run - student) / (teacher - student) on the average; the teacher is the run "
                f"`{teacher_run.label}` ({teacher_run.model}), the student `{student_run.label}` ({student_run.model}).")
    output = Path(output) if output is not None else default_output([run.folder for run in runs])
    output.mkdir(parents=True, exist_ok=True)
    markdown = output / "compare.md"
    temporary = markdown.with_name(".compare.md.partial")
    temporary.write_text(format_markdown(header, rows, note), encoding="utf-8")
    os.replace(temporary, markdown)
    plot(runs, output / "compare.png")
    return (format_text(header, rows) + "\n" + note + f"\nwritten: {markdown.resolve()}, "
            f"{(output / 'compare.png').resolve()}")
