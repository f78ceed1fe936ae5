"""`dopd-vl lab`: the quick lab end to end (its report against its own runs), the report's arithmetic and verdicts on
known numbers, the lab's methods, and the supervised-training pieces the tiny pairs are built with."""

import json
import re
import statistics

import pytest

from dopd_vl.cli import main
from lab.methods import LabError, LabMethod, lab_method
from lab.privilege import lab_experiment
from lab.report import TaskResults, write_report

QUICK_STEPS = 24  # lab-arith.yaml's quick: section
EVALUATIONS = 4  # its curve_points


def table_rows(report: str, heading: str) -> list[list[str]]:
    """The body rows of the first Markdown table after `heading`."""
    section = report.split(heading, 1)[1]
    lines = [line for line in section.split("\n\n", 2)[1].splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def test_quick_lab_reports_its_own_runs(tmp_path, capsys, tiny_text_pair):
    output = tmp_path / "lab"
    assert main(["lab", "--quick", "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    results = json.loads((output / "results.json").read_text())
    report = (output / "report.md").read_text()
    arith = results["tasks"]["arith"]
    assert list(results["tasks"]) == ["arith"] and results["settings"]["steps"] == QUICK_STEPS
    assert f"dopd-vl lab --output {output} --quick" in report

    # the pair: both models in each privileged variant, as printed and as reported; the gaps the lab is built on
    accuracy = arith["pair_accuracy"]
    pair_rows = {row[0]: row for row in table_rows(report, "### The pair")}
    for role in ("teacher", "student"):
        assert pair_rows[role][2:] == [f"{100 * accuracy[role][v]:.1f}" for v in ("none", "own", "answer")]
        assert f"tiny-text {role}" in printed
    assert accuracy["teacher"]["none"] > accuracy["student"]["none"] + 0.05  # an ability gap
    assert accuracy["teacher"]["own"] > accuracy["teacher"]["none"] + 0.05  # and an information gap
    assert accuracy["student"]["none"] > 0.05  # weak, not zero

    # one run per method, evaluated after each quarter of the steps, and the table is those numbers
    assert set(arith["runs"]) == {"opd+own", "opsd", "dopd"}
    rows = {row[0]: row for row in table_rows(report, "### Held-out accuracy after distillation")}
    student, teacher = accuracy["student"]["none"], accuracy["teacher"]["none"]
    for key, label in (("opd+own", "`opd+hints`"), ("opsd", "`opsd`"), ("dopd", "`dopd`")):
        (run,) = arith["runs"][key]
        assert [step for step, _ in run["curve"]] == [QUICK_STEPS * i // EVALUATIONS for i in range(1, 5)]
        assert run["accuracy"] == run["curve"][-1][1] and 0 <= run["accuracy"] <= 1
        assert rows[label][1] == f"{100 * run['accuracy']:.1f}"
        assert rows[label][2] == f"{100 * (run['accuracy'] - student):+.1f}"
        assert rows[label][3] == f"{100 * (run['accuracy'] - student) / (teacher - student):.0f}%"
        assert f"{label.strip('`')}-seed0 on arith: {100 * run['accuracy']:.1f} (accuracy" in printed
    dopd_wins = all(arith["runs"]["dopd"][0]["accuracy"] > arith["runs"][k][0]["accuracy"] for k in ("opd+own", "opsd"))
    verdict = "holds" if dopd_wins else "does not hold"
    assert f"DOPD above vanilla OPD and OPSD: {verdict}" in report

    for name in ("arith_accuracy.png", "arith_curves.png", "arith_regimes.png"):
        data = (output / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 200_000 and f"]({name})" in report

    # the runs are cached: a second report reuses them
    assert main(["lab", "--quick", "--output", str(tmp_path / "again")]) == 0
    assert "runs: 3 (3 already done)" in capsys.readouterr().out
    assert json.loads((tmp_path / "again" / "results.json").read_text())["tasks"] == results["tasks"]


def fake_results(finals: dict[str, list[float]], teacher=0.5, student=0.2) -> TaskResults:
    """Task results with given final accuracies per method (curves and metrics made up around them)."""
    methods = [LabMethod(key, key.split("+")[0], "answer" if key.endswith("answer") else "own") for key in finals]
    results = TaskResults("arith", "tiny-text", "folder", {"teacher": 950_000, "student": 140_000},
                          {"teacher": {"none": teacher, "own": 0.7, "answer": 0.6},
                           "student": {"none": student, "own": 0.25, "answer": 0.22}}, 100, methods=methods)
    for key, values in finals.items():
        results.runs[key] = [{"spec": {"seed": seed}, "accuracy": value, "curve": [[5, value], [10, value]],
                              "train_seconds": 1.0, "eval_seconds": 1.0} for seed, value in enumerate(values)]
        results.metrics[key] = [[{"step": step, "student_entropy_mean": 0.5, "fraction/deep_teacher": 0.1,
                                  "fraction/light_teacher": 0.6, "fraction/light_self": 0.2, "fraction/weak_self": 0.1}
                                 for step in range(1, 11)] for _ in values]
    return results


def test_report_tables_and_verdicts_follow_the_numbers(tmp_path):
    finals = {"opd": [0.30, 0.34, 0.32], "opd+own": [0.28, 0.30, 0.32], "opd+answer": [0.20, 0.22, 0.24],
              "opsd": [0.21, 0.21, 0.21], "dopd": [0.40, 0.45, 0.50], "dopd_drop_high_gap": [0.25, 0.25, 0.25],
              "dopd_drop_low_gap": [0.38, 0.40, 0.42], "dopd_drop_random": [0.41, 0.39, 0.40]}
    settings = {"seeds": 3, "steps": 10, "quick": False, "command": "dopd-vl lab --task arith", "seconds": 5,
                "recipes": {"arith": {"prompts_per_step": 8, "rollouts_per_prompt": 4, "learning_rate": 3e-4}}}
    report = write_report([fake_results(finals)], settings, tmp_path).read_text()
    rows = {row[0]: row for row in table_rows(report, "### Held-out accuracy after distillation")}
    assert rows["`dopd`"][1:] == ["45.0 ± 5.0", "+25.0", "83%", "40.0, 45.0, 50.0"]  # (0.45 - 0.2) / (0.5 - 0.2)
    assert rows["`opd+hints`"][1] == "30.0 ± 2.0" and rows["`opsd`"][1] == "21.0 ± 0.0"
    assert rows["teacher (tiny-text, no privileged input)"][1] == "50.0"
    illusion = {row[0]: row for row in table_rows(report, "### The privilege illusion")}
    assert illusion["the final answer"][1:] == ["22.0 ± 2.0", "-10.0"] and illusion["the hints"][2] == "-2.0"
    drops = {row[0]: row for row in table_rows(report, "### DOPD ablations")}
    assert drops["`dopd_drop_high_gap`"][2] == "-20.0"
    assert "DOPD above vanilla OPD and OPSD: holds (`dopd` 45.0 vs `opd` 32.0, `opd+hints` 30.0, `opsd` 21.0)" in report
    assert "A privileged final answer no better than none (OPD): holds (answer 22.0 vs none 32.0)" in report
    assert "Dropping the high-gap 20% of tokens hurts most: holds" in report

    finals.update({"opsd": [0.5, 0.5, 0.5], "opd+answer": [0.4, 0.4, 0.4], "dopd_drop_random": [0.1, 0.1, 0.1]})
    report = write_report([fake_results(finals)], settings, tmp_path).read_text()
    assert "DOPD above vanilla OPD and OPSD: does not hold" in report
    assert "A privileged final answer no better than none (OPD): does not hold" in report
    assert "Dropping the high-gap 20% of tokens hurts most: does not hold" in report
    saved = json.loads((tmp_path / "results.json").read_text())["tasks"]["arith"]["runs"]
    assert [run["accuracy"] for run in saved["opsd"]] == [0.5, 0.5, 0.5]
    assert statistics.fmean(run["accuracy"] for run in saved["dopd"]) == pytest.approx(0.45)


def test_lab_methods_come_from_the_lab_files():
    arith = {lab_method(e, "arith").key: lab_method(e, "arith") for e in lab_experiment("arith", None, None, None,
                                                                                           False).methods}
    shapes = [lab_method(e, "shapes") for e in lab_experiment("shapes", None, None, None, False).methods]
    vanilla, privileged, answer = arith["opd"], arith["opd+own"], arith["opd+answer"]
    assert vanilla.overrides == ("objective.teacher_privileged=false",) and vanilla.variant == "own"
    assert privileged == LabMethod("opd+own", "opd", "own") and privileged.label("arith") == "opd+hints"
    assert privileged.label("shapes") == "opd+boxes" and answer.variant == "answer" and not answer.overrides
    assert arith["dopd (self_target=ema)"].overrides == ("objective.self_target=ema",)
    # the image baselines run on shapes only; every other column on both tasks
    assert {m.key for m in shapes} - set(arith) == {"vision_opd", "va_opd"} and set(arith) < {m.key for m in shapes}
    assert len(arith) == 22 and len(shapes) == 24
    quick = lab_experiment("arith", None, None, None, True)
    assert [lab_method(e, "arith").key for e in quick.methods] == ["opd+own", "opsd", "dopd"]
    assert quick.steps == QUICK_STEPS and quick.seeds == [0] and quick.curve_points == EVALUATIONS
    chosen = lab_experiment("shapes", "opd+hints,gkd", 2, 10, True)  # --methods wins over the quick list
    assert [e.label for e in chosen.methods] == ["opd+boxes", "gkd"] and chosen.seeds == [0, 1] and chosen.steps == 10
    with pytest.raises(LabError, match="names a method twice"):
        lab_experiment("arith", "opd+hints,opd+boxes", None, None, False)


def test_lab_errors_exit_2_without_traceback(capsys):
    assert main(["lab", "--methods", "nonesuch", "--output", "unused"]) == 2
    err = capsys.readouterr().err
    assert "dopd-vl lab: error: unknown lab method(s) ['nonesuch']" in err and "Traceback" not in err


def test_sft_pieces(tiny_text_pair):
    from data_builders.synthetic import arith_records
    from lab.sft import SFTRecipe, learning_rate_at, privileged_variant, sft_batch, sft_example

    recipe = SFTRecipe(steps=100, learning_rate=1e-3, warmup_steps=10, min_learning_rate_ratio=0.1)
    assert learning_rate_at(0, recipe) == pytest.approx(1e-4) and learning_rate_at(9, recipe) == pytest.approx(1e-3)
    assert learning_rate_at(10, recipe) == pytest.approx(1e-3) and learning_rate_at(100, recipe) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="unknown variant"):
        SFTRecipe(steps=1, views=(("boxes", 1.0),))

    records = list(arith_records(3, seed=0, privileged="hints"))
    answer = privileged_variant(records[0], "answer")
    assert answer.privileged.hints == (f"The final answer is {records[0].answer}.",)
    assert privileged_variant(records[0], "none").privileged.is_empty()
    assert privileged_variant(records[0], "own") is records[0]
    tokenizer = tiny_text_pair.tokenizer
    batch = sft_batch(tiny_text_pair.processor, [sft_example(r, "own", {}) for r in records])
    for row, record in enumerate(records):  # the trained tokens: the solution, then the end of the turn
        tokens = batch.token_ids_N[batch.rows_N == row].tolist()
        assert tokenizer.decode(tokens) == record.source["solution"] + "<|im_end|>"
        prompt = tokenizer.decode(batch.inputs["input_ids"][row][: batch.positions_N[batch.rows_N == row][0] + 1])
        assert "Hints:" in prompt and prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    # `write`: the build-data generation prompt (question and answer, no hints), the numbered hints as the target
    batch = sft_batch(tiny_text_pair.processor, [sft_example(records[0], "write", {})])
    target = tokenizer.decode(batch.token_ids_N.tolist())
    assert target == "\n".join(f"{i}. {h}" for i, h in enumerate(records[0].privileged.hints, 1)) + "<|im_end|>"
    prompt = tokenizer.decode(batch.inputs["input_ids"][0][: batch.positions_N[0] + 1])
    assert "Write between 2 and 6 numbered hints" in prompt and records[0].question in prompt
    assert "Hints:" not in prompt and records[0].privileged.hints[0] not in prompt
    assert re.search(r"The answer is \d\.$", records[0].source["solution"])
