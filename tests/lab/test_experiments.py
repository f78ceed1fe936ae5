"""`dopd-vl experiment`: shipped files plan without weights, a two-stage experiment survives SIGKILL and resumes,
stage k starts from stage k-1's student, and bad files are refused with the file and the field."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from dopd_vl.cli import main
from lab.experiments import ExperimentError, read_experiment, shipped_experiments

EXPERIMENT = """\
name: two-stages
pair: tiny-text
recipe: tiny-text
overrides: {prompts_per_step: 4, rollouts_per_prompt: 4, max_new_tokens: 24, save_steps: 1, sample_every: 0,
            report_to: none}
stages:
  - {name: first, data: {synthetic: arith, size: 16, seed: 1}, benchmarks: [arith]}
  - {name: second, data: {synthetic: arith, size: 16, seed: 2}}
methods: [opd, {label: dopd-initial, method: dopd, overrides: {objective.self_target: initial}}]
seeds: 1
steps: 3
benchmarks:
  - {name: arith, data_dir: {synthetic: arith, split: test, size: 6}, max_new_tokens: 12, batch_size: 6}
"""


def no_weights(*args, **kwargs):
    raise AssertionError("a dry run loaded weights")


def test_dry_run_of_every_shipped_file_plans_without_loading_weights(monkeypatch, capsys):
    import dopd_vl.models
    import lab.tiny

    for name in ("load_model", "load_pair"):
        monkeypatch.setattr(dopd_vl.models, name, no_weights)
    monkeypatch.setattr(lab.tiny, "ensure_tiny_pair", no_weights)
    assert {"paper-table1", "paper-table2", "paper-table3", "paper-table8", "paper-figure7", "lab-arith",
            "lab-shapes"} <= set(shipped_experiments())
    for name in shipped_experiments():
        assert main(["experiment", "run", name, "--output", "unused", "--dry-run"]) == 0, name
        printed = capsys.readouterr().out
        assert f"experiment {name}" in printed and "response tokens to generate" in printed
    main(["experiment", "run", "paper-table1", "--output", "unused", "--dry-run"])
    printed = capsys.readouterr().out
    assert "methods (10): opd, opcd, exopd, uni_opd, sdft, opsd, sdpo, eopd, tip, dopd" in printed
    assert "runs: 10 = 10 methods x 1 seed x 1 stage" in printed
    assert "evaluations: 96 = 12 models (1 teacher, 1 untrained student, 10 final students) x 8 benchmarks" in printed
    for benchmark in ("ceval", "livebench", "math500", "aime25", "zebralogic", "autologi", "bfcl", "livecodebench"):
        assert f"\n  {benchmark} " in printed
    # 200 steps x 128 prompts x 4 rollouts x 1024 tokens per run, ten runs
    assert "training 1.0B" in printed and "104.9M" in printed
    main(["experiment", "run", "paper-figure7", "--output", "unused", "--dry-run"])
    assert "runs: 6 = 2 methods x 1 seed x 3 stages" in capsys.readouterr().out
    assert not Path("unused").exists()


def files_of(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
            if p.is_file()}


def test_two_stage_experiment_survives_sigkill_resumes_and_chains_stages(tmp_path, tiny_text_pair, monkeypatch,
                                                                         capsys):
    experiment = tmp_path / "two-stages.yaml"
    experiment.write_text(EXPERIMENT)
    output = tmp_path / "out"
    command = [sys.executable, "-m", "dopd_vl.cli", "experiment", "run", str(experiment), "--output", str(output)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=dict(os.environ, TQDM_DISABLE="1"))
    deadline = time.monotonic() + 300
    try:  # the second run (first stage, dopd-initial) has written its first checkpoint: kill the experiment
        while not list(output.glob("runs/first-dopd-initial-seed0-*/train/checkpoints/step-00000001/student")):
            assert process.poll() is None, "the experiment ended before its second run checkpointed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    [first] = output.glob("runs/first-opd-seed0-*")
    [second] = output.glob("runs/first-dopd-initial-seed0-*")
    assert (first / "run.json").is_file() and not (second / "run.json").is_file()
    first_files = files_of(first)

    import dopd_vl.trainer

    initial_weights, real_setup = {}, dopd_vl.trainer.setup

    def recording_setup(config, resume, reward=None):
        run, start = real_setup(config, resume, reward)
        initial_weights[Path(config.output).parent.name] = {
            k: v.detach().clone() for k, v in run.pair.student.state_dict().items()}
        return run, start

    monkeypatch.setattr(dopd_vl.trainer, "setup", recording_setup)
    assert main(["experiment", "run", str(experiment), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "4 runs (1 already done)" in printed and "resuming first-dopd-initial-seed0 from step-0000000" in printed
    assert files_of(first) == first_files  # the finished run was not trained again
    rows = [json.loads(line) for line in (second / "train" / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2, 3]

    results = json.loads((output / "results.json").read_text())
    assert [r["name"] for r in results["runs"]] == ["first-opd-seed0", "first-dopd-initial-seed0",
                                                    "second-opd-seed0", "second-dopd-initial-seed0"]
    assert all(0 <= r["scores"]["arith"] <= 1 for r in results["runs"])
    report = (output / "report.md").read_text()
    for name in ("first-opd-seed0", "second-dopd-initial-seed0", "## After stage 2: second", "## Forgetting"):
        assert name in report
    for figure in ("entropy.png", "regimes.png", "stages.png"):
        assert (output / figure).stat().st_size > 1000
    # stage 2 starts from stage 1's final student of the same method and seed: its weights before the first step
    for method in ("opd", "dopd-initial"):
        [stage_one] = output.glob(f"runs/first-{method}-seed0-*")
        [stage_two] = output.glob(f"runs/second-{method}-seed0-*")
        final = load_file(stage_one / "train" / "final" / "model.safetensors")
        start = initial_weights[stage_two.name]
        assert final and all(torch.equal(start[key], value) for key, value in final.items())
        config = json.loads((stage_two / "run.json").read_text())["config"]
        assert config["student"] == str(stage_one / "train" / "final")
    # and the stage-1 student moved from the pair's student (the check above is not vacuous)
    pair_student = load_file(Path(json.loads((first / "run.json").read_text())["config"]["student"])
                             / "model.safetensors")
    final = load_file(first / "train" / "final" / "model.safetensors")
    assert any(not torch.equal(pair_student[key], final[key]) for key in final)

    # everything done: a third call trains and evaluates nothing
    main(["experiment", "run", str(experiment), "--output", str(output)])
    assert "4 runs (4 already done)" in capsys.readouterr().out
    assert files_of(first) == first_files


@pytest.mark.parametrize("change, message", [
    ("methods: [opd, dopdd]", r"methods\[1\]\.method: 'dopdd' is not a method"),
    ("methods: [opd, {method: dopd, overrides: {objective.topkk: 3}}]",
     r"method dopd: .*unknown config key 'objective.topkk'"),
    ("seeds: 0", r"seeds: expected an integer >= 1"),
    ("benchmarks: [arithh]", r"benchmarks\[0\]\.name: 'arithh' is not a benchmark"),
    ("stages: []", r"stages: expected a non-empty list"),
    ("quick: {methods: [gkd]}", r"quick\.methods: \['gkd'\] are not labels"),
])
def test_bad_experiment_files_name_the_file_and_the_field(tmp_path, change, message):
    key = change.split(":")[0]
    lines = [line for line in EXPERIMENT.splitlines() if not line.startswith(f"{key}:")]
    if key in ("stages", "benchmarks"):  # drop the list's items too
        start = next(i for i, line in enumerate(EXPERIMENT.splitlines()) if line.startswith(f"{key}:"))
        body = EXPERIMENT.splitlines()
        end = next((i for i in range(start + 1, len(body)) if not body[i].startswith("  ")), len(body))
        lines = body[:start] + body[end:]
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join(lines + [change]) + "\n")
    with pytest.raises(ExperimentError, match=message) as error:
        read_experiment(str(path), quick=key == "quick")
    assert str(path) in str(error.value)


def test_missing_data_folder_is_named_before_any_training(tmp_path, capsys):
    path = tmp_path / "exp.yaml"
    path.write_text(EXPERIMENT.replace("{synthetic: arith, size: 16, seed: 2}", str(tmp_path / "nowhere")))
    assert main(["experiment", "run", str(path), "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "run second-opd-seed0" in error and "nowhere does not exist" in error and "dopd-vl build-data" in error
    assert not (tmp_path / "out" / "runs").exists()


def test_accelerate_launcher_trains_each_run_with_accelerate_launch(tmp_path, tiny_text_pair, capsys):
    path = tmp_path / "one.yaml"
    path.write_text(EXPERIMENT.split("stages:")[0] + "data: {synthetic: arith, size: 8, seed: 1}\nmethods: [opd]\n"
                    "seeds: 1\nsteps: 1\nbenchmarks:\n  - {name: arith, data_dir: {synthetic: arith, split: test, "
                    "size: 2}, max_new_tokens: 4}\n")
    output = tmp_path / "out"
    assert main(["experiment", "run", str(path), "--output", str(output), "--launcher", "accelerate"]) == 0
    printed = capsys.readouterr().out
    assert "-m accelerate.commands.launch --num_processes 1 -m dopd_vl.cli train --config" in printed
    [run] = output.glob("runs/opd-seed0-*")
    assert (run / "config.yaml").is_file() and (run / "train" / "final" / "model.safetensors").is_file()
    rows = [json.loads(line) for line in (run / "train" / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1]
    assert json.loads((output / "results.json").read_text())["runs"][0]["name"] == "opd-seed0"


def test_a_benchmark_scorer_version_rescores_only_that_benchmark(tmp_path, tiny_text_pair, monkeypatch):
    """Evaluations are keyed by the benchmark's scorer version from 2 on: a scorer change (issue 19) scores its
    benchmark's cached evaluations again, and version 1 keeps the keys evaluations had before versions existed."""
    from dataclasses import replace

    import eval.benchmarks
    from lab.experiments import prepare

    path = tmp_path / "two-stages.yaml"
    path.write_text(EXPERIMENT)
    experiment = read_experiment(str(path))
    folders = [e.folder for e in prepare(experiment, tmp_path / "work")[1]]
    assert folders == [e.folder for e in prepare(experiment, tmp_path / "work")[1]]  # deterministic
    arith = eval.benchmarks.BENCHMARKS["arith"]
    assert arith.version == 1
    monkeypatch.setitem(eval.benchmarks.BENCHMARKS, "arith", replace(arith, version=2))
    rescored = [e.folder for e in prepare(experiment, tmp_path / "work")[1]]
    assert len(rescored) == len(folders) and not set(rescored) & set(folders)
