"""`dopd-vl eval compare`: one table across runs, the gap recovered, Markdown and PNG outputs."""

import json

import pytest
from PIL import Image

from dopd_vl.cli import main
from eval.base import EvalError
from eval.compare import compare, gap_recovered


def write_run(folder, model, scores):
    """A results.json as `dopd-vl eval` writes it, with the given headline scores."""
    folder.mkdir(parents=True)
    results = {"config": {"model": model}, "results": {
        name: {"metrics": {"accuracy": value, "other": 0.5}, "headline": "accuracy", "samples": 10}
        for name, value in scores.items()}}
    (folder / "results.json").write_text(json.dumps(results))
    return folder


def test_gap_recovered():
    assert gap_recovered(0.6, teacher=0.8, student=0.4) == pytest.approx(0.5)
    assert gap_recovered(0.4, 0.8, 0.4) == 0.0 and gap_recovered(0.8, 0.8, 0.4) == 1.0
    assert gap_recovered(0.5, 0.4, 0.4) is None  # no gap to recover


def test_compare_table_markdown_and_png(tmp_path, capsys):
    teacher = write_run(tmp_path / "teacher", "tiny:teacher", {"mmstar": 0.60, "chartqa": 0.80})
    student = write_run(tmp_path / "student", "tiny:student", {"mmstar": 0.40, "chartqa": 0.40})
    opd = write_run(tmp_path / "opd", "runs/opd/final", {"mmstar": 0.45, "chartqa": 0.55})
    dopd = write_run(tmp_path / "dopd", "runs/dopd/final", {"mmstar": 0.55, "chartqa": 0.70, "docvqa": 0.3})
    out = tmp_path / "cmp"
    assert main(["eval", "compare", str(teacher), str(student), str(opd), str(dopd), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0].split() == ["run", "model", "mmstar", "chartqa", "docvqa", "average", "gap", "recovered"]
    # averages over the benchmarks every run scored (mmstar, chartqa): teacher 70, student 40, opd 50, dopd 62.5
    assert lines[2].split() == ["teacher", "tiny:teacher", "60.0", "80.0", "-", "70.0", "100%"]
    assert lines[3].split() == ["student", "tiny:student", "40.0", "40.0", "-", "40.0", "0%"]
    assert lines[4].split() == ["opd", "runs/opd/final", "45.0", "55.0", "-", "50.0", "33%"]
    assert lines[5].split() == ["dopd", "runs/dopd/final", "55.0", "70.0", "30.0", "62.5", "75%"]
    markdown = (out / "compare.md").read_text()
    assert "| dopd | runs/dopd/final | 55.0 | 70.0 | 30.0 | 62.5 | 75% |" in markdown
    assert "the teacher is the run `teacher` (tiny:teacher), the student `student` (tiny:student)" in markdown
    assert f"written: {(out / 'compare.md').resolve()}, {(out / 'compare.png').resolve()}" in printed
    with Image.open(out / "compare.png") as image:
        assert image.format == "PNG" and image.width >= 1200 and image.info["dpi"][0] == pytest.approx(150, abs=1)


def test_teacher_and_student_come_first_and_the_default_output_is_beside_the_runs(tmp_path, capsys):
    runs = tmp_path / "evals"
    dopd = write_run(runs / "dopd", "runs/dopd/final", {"mmstar": 0.55})
    student = write_run(runs / "student", "tiny:student", {"mmstar": 0.40})
    teacher = write_run(runs / "teacher", "tiny:teacher", {"mmstar": 0.60})
    assert main(["eval", "compare", str(dopd), str(student), str(teacher)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[2:5]] == ["teacher", "student", "dopd"]
    assert (runs / "compare" / "compare.md").is_file() and (runs / "compare" / "compare.png").is_file()


def test_explicit_roles_and_missing_ones(tmp_path):
    a = write_run(tmp_path / "a", "x/final", {"shapes": 0.9})
    b = write_run(tmp_path / "b", "y/final", {"shapes": 0.3})
    c = write_run(tmp_path / "c", "z/final", {"shapes": 0.6})
    table = compare([a, b, c], tmp_path / "out", teacher=a, student=b)
    assert table.splitlines()[4].split() == ["c", "z/final", "60.0", "60.0", "50%"]
    table = compare([a, b, c], tmp_path / "out2")  # no roles known: no gap column, and a note saying why
    assert "gap" not in table.splitlines()[0] and "No gap column" in table
    with pytest.raises(EvalError, match="--teacher .*not one of the compared folders"):
        compare([a, b], tmp_path / "out3", teacher=c)


def test_bad_run_folders_are_named(tmp_path, capsys):
    assert main(["eval", "compare", str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no results.json" in capsys.readouterr().err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text('{"results": {}}')
    with pytest.raises(EvalError, match=r"broken/results.json: not a results.json of this harness"):
        compare([tmp_path / "broken"], tmp_path / "out")
    two = [write_run(tmp_path / f"t{i}", "tiny:teacher", {"shapes": 0.5}) for i in range(2)]
    with pytest.raises(EvalError, match="several runs evaluated a teacher"):
        compare(two, tmp_path / "out")
