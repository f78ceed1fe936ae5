"""`dopd-vl train`: the loop end to end, gradient accumulation, NaN handling, SIGKILL + resume, two processes."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from dopd_vl.cli import main
from dopd_vl.config import load_config
from dopd_vl.rollout import Rollouts
from dopd_vl.trainer import TrainingError, setup, step_records, train, train_step
from lab.tiny import resolve_config

FAST = ["prompts_per_step=4", "rollouts_per_prompt=2", "max_new_tokens=12", "data_size=16", "sample_every=0"]


class ReplayEngine:
    """Fixed responses, a function of the prompt's record id only: rollouts independent of how a step is split."""

    def __init__(self, records_of_call):
        self.records_of_call = records_of_call

    def generate(self, prompt_inputs, per_prompt):
        records = self.records_of_call.pop(0)
        responses = []
        for record in records:
            seed = sum(map(ord, record.id))
            for j in range(per_prompt):
                length = 3 + (seed + j) % 7
                responses.append([(seed * 31 + j * 17 + t * 7) % 400 + 20 for t in range(length)])
        return Rollouts(responses, prompts=len(records), per_prompt=per_prompt)


def run_one_step(tmp_path, name, overrides):
    config = load_config(overrides=["pair=tiny-text", f"output={tmp_path / name}", *FAST, *overrides])
    run, start = setup(resolve_config(config), resume=False)
    records = step_records(run.records, 0, config, 0, 1)
    size = len(records) // config.gradient_accumulation_steps
    run.engine = ReplayEngine([records[i:i + size] for i in range(0, len(records), size)])
    gradients = []
    zero_grad = run.optimizer.zero_grad

    def capture_then_zero(*args, **kwargs):  # the step's gradients, just before they are cleared
        gradients.extend(p.grad.detach().clone() for p in run.student.parameters())
        zero_grad(*args, **kwargs)

    run.optimizer.zero_grad = capture_then_zero
    result = train_step(run, 0, records)
    return result.metrics, gradients


@pytest.mark.parametrize("method", ["dopd", "opd", "exopd"])
def test_gradient_accumulation_equals_one_batch(tmp_path, method):
    one, gradients_one = run_one_step(tmp_path, "one", [f"method={method}"])
    four, gradients_four = run_one_step(tmp_path, "four", [f"method={method}", "gradient_accumulation_steps=4"])
    assert one["num_tokens"] == four["num_tokens"] > 0
    assert four["loss"] == pytest.approx(one["loss"], rel=1e-5)
    assert four["grad_norm"] == pytest.approx(one["grad_norm"], rel=1e-5)
    assert len(gradients_one) == len(gradients_four) > 0
    scale = max(g.abs().max().item() for g in gradients_one)
    for a, b in zip(gradients_one, gradients_four):
        torch.testing.assert_close(b, a, atol=1e-5 * scale, rtol=1e-4)
    if method == "dopd":  # the routing statistics were the step's, not each micro-batch's
        for key in ("fraction/deep_teacher", "fraction/light_teacher", "fraction/light_self", "fraction/weak_self"):
            assert four[key] == pytest.approx(one[key], abs=1e-9)


def test_tiny_vision_run_end_to_end(tmp_path, capsys):
    output = tmp_path / "run"
    assert main(["train", "--pair", "tiny", "--output", str(output), "--max-steps", "2", *FAST,
                 "sample_every=1", "save_steps=1"]) == 0
    lines = [json.loads(line) for line in (output / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in lines] == [1, 2]
    for metrics in lines:
        fractions = [metrics[f"fraction/{r}"] for r in ("deep_teacher", "light_teacher", "light_self", "weak_self")]
        assert sum(fractions) == pytest.approx(1.0) and all(f >= 0 for f in fractions)
        assert sum(f > 0 for f in fractions) >= 2  # tokens were routed to more than one regime
        assert metrics["loss"] > 0 and 0 < metrics["response_length_mean"] <= 12
        for key in ("student_entropy_mean", "gap_mean", "rollout_time", "train_time", "tokens_per_second"):
            assert key in metrics
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(output / "tensorboard"))
    events.Reload()
    assert [e.step for e in events.Scalars("loss")] == [1, 2]
    assert events.Scalars("loss")[1].value == pytest.approx(lines[1]["loss"], rel=1e-6)
    page = (output / "samples" / "step_2.html").read_text()
    assert "<meta name=viewport" in page and "<img src='data:image/png;base64," in page  # the prompt's image
    assert "gap |log qT - log qS| = " in page and "qT, the teacher's probability of this token: " in page
    assert "<a href='step_1.html'>&larr; step 1</a>" in page and "<a href='index.html'>" in page
    assert page.count("class=rollout>") == 4 and page.count("<div class=prompt>") == 2  # 2 prompts x 2 rollouts
    assert page.count("class='badge ") >= 4  # every rollout has a verdict (correct or wrong), cut ones a second
    index = (output / "samples" / "index.html").read_text()
    assert "href='step_1.html'" in index and "href='step_2.html'" in index and "<svg" in index
    assert (output / "checkpoints" / "step-00000001" / "student" / "model.safetensors").is_file()
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from lab.tiny import padded_vocab_size

    final = AutoModelForImageTextToText.from_pretrained(output / "final")
    processor = AutoProcessor.from_pretrained(output / "final")
    assert processor.chat_template
    assert final.config.get_text_config().vocab_size == padded_vocab_size(processor.tokenizer)
    out = capsys.readouterr().out
    assert f"student saved to {output / 'final'}" in out
    # the built-in set's held-out split, before and after, beside the teacher; and where the run pages are
    line = re.search(r"held-out accuracy \(500 shapes test items, greedy\): student (\d+\.\d)% -> (\d+\.\d)% "
                     r"\(teacher (\d+\.\d)%\)", out)
    assert line and float(line[3]) > float(line[1])  # the tiny teacher answers better than the student
    assert f"run pages: {(output / 'samples' / 'index.html').resolve()}" in out
    # a second run into the same folder must not silently mix with the first
    assert main(["train", "--pair", "tiny", "--output", str(output), "--max-steps", "2", *FAST]) == 2


def test_non_finite_loss_names_step_records_and_checkpoint(tmp_path, monkeypatch):
    import dopd_vl.trainer as trainer

    original = trainer.compute_objective
    calls = []

    def poisoned(*args):
        loss, metrics = original(*args)
        calls.append(1)
        return (loss * float("nan"), metrics) if len(calls) > 2 else (loss, metrics)

    monkeypatch.setattr(trainer, "compute_objective", poisoned)
    config = load_config(overrides=["pair=tiny-text", f"output={tmp_path / 'nan'}", *FAST, "max_steps=5",
                                    "save_steps=1", "gradient_accumulation_steps=2"])
    with pytest.raises(TrainingError, match=r"step 2: the loss is nan on records arith-[\w-]+, arith-[\w-]+; last good "
                                            r"checkpoint: .*step-00000001"):
        train(resolve_config(config))


def read_losses(output):
    return {m["step"]: m["loss"] for m in map(json.loads, (output / "metrics.jsonl").read_text().splitlines())}


def test_sigkill_then_resume_matches_an_uninterrupted_run_bit_for_bit(tmp_path):
    args = [sys.executable, "-m", "dopd_vl.cli", "train", "--pair", "tiny-text", "--max-steps", "10", *FAST,
            "save_steps=2", "logging_steps=1"]
    env = dict(os.environ, PYTHONHASHSEED="0")
    straight = tmp_path / "straight"
    subprocess.run(args + ["--output", str(straight)], check=True, env=env, capture_output=True, timeout=600)

    killed = tmp_path / "killed"
    process = subprocess.Popen(args + ["--output", str(killed)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (killed / "checkpoints" / "step-00000002").exists():
        assert process.poll() is None and time.time() < deadline, "no checkpoint before the run ended"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "final").exists()
    subprocess.run(args + ["--output", str(killed), "--resume"], check=True, env=env, capture_output=True,
                   timeout=600)
    expected, resumed = read_losses(straight), read_losses(killed)
    assert sorted(resumed) == list(range(1, 11))
    assert resumed == expected  # bit for bit: the same floats, not approximately
    assert not list((killed / "checkpoints").glob(".*"))  # no partial checkpoint left behind visible as complete


def launch_steps(out, processes, *deepspeed_options, overrides=()):
    """tests/distributed_step.py in `processes` CPU processes: torchrun for plain data parallelism (accelerate's own
    launcher needs mpirun for several CPU processes), `accelerate launch` for DeepSpeed (one process: accelerate runs
    DeepSpeed on CPUs in one process only). Returns its metrics and gradients."""
    script = Path(__file__).with_name("distributed_step.py")
    if deepspeed_options:
        launcher = ["accelerate.commands.launch", *deepspeed_options, "--num_processes", str(processes),
                    "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    else:
        launcher = ["torch.distributed.run", "--nproc_per_node", str(processes)]
    command = [sys.executable, "-m", *launcher, str(script), str(out), *overrides]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900,
                            env=dict(os.environ, OMP_NUM_THREADS="1", DS_ACCELERATOR="cpu"))
    assert result.returncode == 0, result.stderr[-3000:]
    return torch.load(out / "result.pt")


def assert_same_steps(expected, actual):
    for one, other in zip(expected["metrics"], actual["metrics"]):
        assert other["num_tokens"] == one["num_tokens"]
        assert other["learning_rate"] == pytest.approx(one["learning_rate"], rel=1e-9)  # one schedule step per step
        assert other["loss"] == pytest.approx(one["loss"], rel=1e-4)
        for key in ("fraction/deep_teacher", "fraction/light_teacher", "fraction/light_self", "fraction/weak_self"):
            assert other[key] == pytest.approx(one[key], abs=1e-9)  # routing over the global batch


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    return launch_steps(tmp_path_factory.mktemp("one"), 1)


def test_two_processes_match_one(tmp_path, one_process):
    two = launch_steps(tmp_path / "two", 2)
    assert two["world"] == 2 and one_process["world"] == 1
    assert_same_steps(one_process, two)
    lrs = [m["learning_rate"] for m in one_process["metrics"]]
    assert lrs[0] == pytest.approx(1e-3) and lrs[1] < lrs[0]  # warm-up then cosine, counted in optimizer steps
    scale = max(g.abs().max().item() for g in one_process["gradients"])
    assert len(one_process["gradients"]) == len(two["gradients"]) > 0
    for a, b in zip(one_process["gradients"], two["gradients"]):  # all-reduce sums in another order
        torch.testing.assert_close(b, a, atol=2e-5 * scale, rtol=1e-4)


@pytest.mark.parametrize("stage", [2, 3])
def test_deepspeed_zero_matches_plain(tmp_path, one_process, stage):
    """A DeepSpeed ZeRO run (one CPU process, two micro-batches per step) against plain training: DeepSpeed's own
    loss scaling, accumulation and optimizer wrapper, and under ZeRO-3 the lm_head gathered for the objective."""
    pytest.importorskip("deepspeed")
    config_file = Path(__file__).parents[1] / "configs" / "deepspeed" / f"zero{stage}.json"
    zero = launch_steps(tmp_path / "zero", 1, "--use_deepspeed", "--deepspeed_config_file", str(config_file),
                        overrides=["gradient_accumulation_steps=2"])
    assert zero["deepspeed"] == stage and one_process["deepspeed"] is None
    assert_same_steps(one_process, zero)


def test_deepspeed_with_several_cpu_processes_is_refused(tmp_path):
    pytest.importorskip("deepspeed")
    config_file = Path(__file__).parents[1] / "configs" / "deepspeed" / "zero2.json"
    command = [sys.executable, "-m", "accelerate.commands.launch", "--use_deepspeed", "--deepspeed_config_file",
               str(config_file), "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
               "--dynamo_backend", "no", "-m", "dopd_vl.cli", "train", "--pair", "tiny-text", "--output",
               str(tmp_path / "run"), *FAST]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS="1", DS_ACCELERATOR="cpu"))
    assert result.returncode != 0
    assert "2 processes were launched but accelerate sees 1" in result.stdout + result.stderr
    assert not (tmp_path / "run" / "metrics.jsonl").exists()


def test_gradient_checkpointing_and_bf16_autocast_run(tmp_path):
    output = tmp_path / "ckpt-bf16"
    config = load_config(overrides=["pair=tiny-text", f"output={output}", *FAST, "max_steps=2",
                                    "gradient_checkpointing=true", "bf16=true"])
    final = train(resolve_config(config))
    lines = [json.loads(line) for line in (output / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 2 and all(math.isfinite(m["loss"]) and m["loss"] > 0 for m in lines)
    assert all(m["grad_norm"] > 0 for m in lines)
    assert (final / "model.safetensors").is_file()


@pytest.mark.parametrize("method, overrides, views", [
    # Table 8: teacher and privileged student read the student's prompt
    ("dopd_no_privileged", [], {"student": "student", "teacher": "student", "privileged_student": "student"}),
    # Figure 3: p to the student only (it samples and trains under the privileged prompt), or to both
    ("opd", ["objective.student_privileged=true", "objective.teacher_privileged=false"],
     {"student": "privileged", "teacher": "student"}),
    ("dopd", ["objective.student_privileged=true"],
     {"student": "privileged", "teacher": "privileged", "privileged_student": "privileged"}),
    ("dopd", [], {"student": "student", "teacher": "privileged", "privileged_student": "privileged"}),
])
def test_each_view_reads_the_prompt_its_options_say(tmp_path, monkeypatch, method, overrides, views):
    """Which prompt, with or without the privileged block, each view of a step scores (Figure 3, Table 8)."""
    import dopd_vl.trainer as trainer
    from dopd_vl.records import PRIVILEGED_HEADER

    config = load_config(overrides=["pair=tiny-text", f"output={tmp_path / 'run'}", *FAST, f"method={method}",
                                    *overrides])
    run, _ = setup(resolve_config(config), resume=False)
    records = step_records(run.records, 0, config, 0, 1)
    prompts = {}

    class RecordingEngine(ReplayEngine):  # the prompts the student samples from
        def generate(self, prompt_inputs, per_prompt):
            prompts["student"] = prompt_inputs["input_ids"]
            return super().generate(prompt_inputs, per_prompt)

    run.engine = RecordingEngine([records])
    original_score = trainer.frozen_hidden_states

    def recording_score(model, prompt_inputs, rollouts, pad_id):
        prompts["teacher" if model is run.pair.teacher else "privileged_student"] = prompt_inputs["input_ids"]
        return original_score(model, prompt_inputs, rollouts, pad_id)

    monkeypatch.setattr(trainer, "frozen_hidden_states", recording_score)
    metrics = train_step(run, 0, records).metrics
    assert math.isfinite(metrics["loss"]) and metrics["loss"] > 0

    def view_of(input_ids):
        shown = {PRIVILEGED_HEADER in run.pair.tokenizer.decode(row) for row in input_ids}
        assert len(shown) == 1, "every prompt of a view is rendered the same way"
        return "privileged" if shown.pop() else "student"

    assert {role: view_of(input_ids) for role, input_ids in prompts.items()} == views


GRID = [  # (method, objective options): the paper's ablations and grid cells (dopd-vl methods, docs/DOPD_METHOD.md)
    ("dopd_no_teacher", {}), ("dopd_no_privileged", {}), ("dopd_single_divergence", {}), ("dopd_single_support", {}),
    ("dopd", {"regimes": "deep_teacher,light_self"}), ("dopd", {"adaptive": False}),
    ("dopd", {"student_privileged": True}), ("opd", {"student_privileged": True, "teacher_privileged": False}),
    *[("uniform", {"divergence": divergence, "support": support})
      for divergence in ("fkl", "rkl", "js") for support in ("topk", "full")],
    ("uniform", {"divergence": "rkl", "support": "sampled"}),
]


def test_every_ablation_and_grid_cell_trains(tmp_path):
    """Each method and grid cell takes optimizer steps on the tiny text pair: a finite loss, a gradient, and losses
    only for the regimes it keeps. One run, its method and options swapped between steps."""
    import dataclasses

    from dopd_vl.objectives import resolve_method
    from dopd_vl.routing import REGIMES

    config = load_config(overrides=["pair=tiny-text", f"output={tmp_path / 'grid'}", *FAST, f"max_steps={len(GRID)}"])
    run, _ = setup(resolve_config(config), resume=False)
    for step, (method, options) in enumerate(GRID):
        run.method, run.options = resolve_method(method, dataclasses.replace(config.objective, **options))
        metrics = train_step(run, step, step_records(run.records, step, config, 0, 1)).metrics
        assert math.isfinite(metrics["loss"]) and metrics["loss"] > 0 and metrics["grad_norm"] > 0, (method, options)
        kept = [regime for regime in REGIMES if regime in run.options.kept_regimes]
        if run.method.objective.__name__ == "dopd":
            assert {key for key in metrics if key.startswith("loss/")} == {f"loss/{regime}" for regime in kept}


def parity_reward(record, response):
    """A verifiable reward the test controls: correct when the response has an even number of characters."""
    return float(len(response) % 2 == 0)


def test_every_baseline_trains_on_the_text_pair_and_the_ema_self_teacher_follows_the_student(tmp_path):
    """OPCD, SDFT, SDPO, Uni-OPD and TIP take optimizer steps on the tiny text pair (one run, the method swapped
    between steps): finite loss, a gradient, each method's own metrics; after each step the EMA self-teacher moves
    exactly `ema_rate` of the way to the student."""
    import dataclasses

    from dopd_vl.objectives import method_options, resolve_method

    config = load_config(overrides=["pair=tiny-text", f"output={tmp_path / 'baselines'}", *FAST, "method=sdpo",
                                    "max_steps=5"])
    assert (config.objective.self_target, config.objective.topk) == ("ema", 100)  # the method's own defaults
    run, _ = setup(resolve_config(config), resume=False, reward=parity_reward)
    assert run.self_teacher is not None
    expected_keys = {"sdpo": "fraction/with_feedback", "uni_opd": "fraction/kept_rollouts", "tip": "fraction/kept",
                     "opcd": "loss/topk_reverse_kl", "sdft": "loss/generalized_jsd"}
    for step, method in enumerate(["sdpo", "uni_opd", "tip", "opcd", "sdft"]):
        run.method, run.options = resolve_method(method, dataclasses.replace(method_options(method), topk=32))
        before = [p.detach().clone() for p in run.self_teacher.parameters()]
        records = step_records(run.records, step, config, 0, 1)
        run.engine = ReplayEngine([records])  # rollouts of several lengths: some of each reward
        metrics = train_step(run, step, records).metrics
        assert math.isfinite(metrics["loss"]) and metrics["loss"] > 0 and metrics["grad_norm"] > 0, method
        assert expected_keys[method] in metrics, (method, sorted(metrics))
        if method == "sdpo":
            assert 0 < metrics["fraction/with_feedback"] <= 1 and 0 < metrics["reward_mean"] < 1
        rate = run.options.ema_rate if run.options.self_target == "ema" else 0.0  # uni_opd, tip, opcd: live
        for average, old, live in zip(run.self_teacher.parameters(), before, run.student.parameters()):
            torch.testing.assert_close(average, old.lerp(live.detach(), rate), rtol=1e-6, atol=1e-7)
        if method == "sdft":
            assert run.options.ema_rate == 0.01
    moved = sum((a - p).abs().sum().item() for a, p in zip(run.self_teacher.parameters(), run.student.parameters()))
    assert moved > 0  # the self-teacher lags the student


def test_sdpo_shows_a_failed_rollout_its_successful_sibling(tmp_path, monkeypatch):
    """The self-teacher's prompt of each rollout: its record's question and, when a sibling of the same prompt
    succeeded, that sibling's response; rollouts whose siblings all failed see the plain question."""
    import dopd_vl.trainer as trainer
    from dopd_vl.records import PRIVILEGED_HEADER

    config = load_config(overrides=["pair=tiny-text", f"output={tmp_path / 'sdpo'}", *FAST, "method=sdpo"])
    run, _ = setup(resolve_config(config), resume=False, reward=parity_reward)
    records = step_records(run.records, 0, config, 0, 1)
    run.engine = ReplayEngine([records])
    seen = {}
    original_score = trainer.frozen_hidden_states

    def recording_score(model, prompt_inputs, rollouts, pad_id):
        if model is run.self_teacher:
            seen["prompts"] = run.pair.tokenizer.batch_decode(prompt_inputs["input_ids"], skip_special_tokens=True)
            seen["responses"] = run.pair.tokenizer.batch_decode(rollouts.response_ids, skip_special_tokens=True)
        return original_score(model, prompt_inputs, rollouts, pad_id)

    monkeypatch.setattr(trainer, "frozen_hidden_states", recording_score)
    metrics = train_step(run, 0, records).metrics
    prompts, responses = seen["prompts"], seen["responses"]
    assert len(prompts) == len(responses) == 2 * len(records)  # one prompt per rollout
    rewards = [parity_reward(None, text) for text in responses]
    with_feedback = 0
    for row, prompt in enumerate(prompts):
        assert records[row // 2].question.strip() in prompt and PRIVILEGED_HEADER not in prompt
        sibling = row ^ 1  # two rollouts per prompt
        if rewards[sibling]:
            with_feedback += 1
            assert "A correct solution to this question" in prompt and responses[sibling].strip() in prompt
        else:
            assert "A correct solution" not in prompt
    assert 0 < with_feedback < len(prompts)
    assert metrics["fraction/with_feedback"] == pytest.approx(with_feedback / len(prompts))


def test_vision_baselines_train_on_the_tiny_vision_pair(tmp_path):
    """Vision-OPD (its EMA self-teacher also sees each box's crop) and VA-OPD (the teacher on each image and on its
    pixelated copy) take optimizer steps on the tiny Qwen3-VL pair."""
    import dataclasses

    from dopd_vl.objectives import method_options, resolve_method

    config = load_config(overrides=["pair=tiny", f"output={tmp_path / 'vision'}", *FAST, "method=vision_opd",
                                    "max_steps=2"])
    run, _ = setup(resolve_config(config), resume=False)
    for step, method in enumerate(["vision_opd", "va_opd"]):
        run.method, run.options = resolve_method(method, dataclasses.replace(method_options(method), topk=32))
        metrics = train_step(run, step, step_records(run.records, step, config, 0, 1)).metrics
        assert math.isfinite(metrics["loss"]) and metrics["loss"] > 0 and metrics["grad_norm"] > 0, method
    assert metrics["visual_advantage_mean"] >= 0


def test_baselines_refuse_what_they_cannot_run(tmp_path):
    base = ["pair=tiny-text", *FAST]
    with pytest.raises(TrainingError, match="sdpo scores each rollout's correctness"):
        setup(resolve_config(load_config(overrides=[*base, f"output={tmp_path / 'a'}", "method=sdpo"])), False)
    with pytest.raises(TrainingError, match="no record in the data has an image and boxes"):
        setup(resolve_config(load_config(overrides=[*base, f"output={tmp_path / 'b'}", "method=vision_opd"])), False)
    with pytest.raises(TrainingError, match="no record in the data has an image"):
        setup(resolve_config(load_config(overrides=[*base, f"output={tmp_path / 'c'}", "method=va_opd"])), False)


def test_a_resumed_run_continues_the_same_ema_self_teacher(tmp_path):
    """The EMA self-teacher is part of the run's state: a checkpoint holds it and --resume restores it, not a fresh
    copy of the student."""
    overrides = ["pair=tiny-text", f"output={tmp_path / 'sdft'}", *FAST, "method=sdft", "save_steps=1", "max_steps=2"]
    fresh, _ = setup(resolve_config(load_config(overrides=overrides)), resume=False)
    initial = [p.detach().clone() for p in fresh.self_teacher.parameters()]
    del fresh
    train(resolve_config(load_config(overrides=overrides)))  # a checkpoint after step 1 (none after the last)
    resumed, start = setup(resolve_config(load_config(overrides=overrides)), resume=True)
    assert start == 1 and resumed.options.ema_rate == 0.01
    moved = 0.0
    for average, first, live in zip(resumed.self_teacher.parameters(), initial, resumed.student.parameters()):
        torch.testing.assert_close(average, first.lerp(live.detach(), 0.01), rtol=1e-5, atol=1e-7)
        moved += (average - first).abs().sum().item()
    assert moved > 0


@pytest.mark.parametrize("self_target", ["live", "initial", "ema"])
def test_the_privileged_student_reads_the_weights_self_target_names(tmp_path, monkeypatch, self_target):
    """objective.self_target: the live student, a frozen copy of the initial student (it never moves), or their EMA
    (it moves ema_rate of the way each step); the privileged view is scored by those weights and their lm_head."""
    import dopd_vl.trainer as trainer

    config = load_config(overrides=["pair=tiny-text", f"output={tmp_path / 'run'}", *FAST, "method=opsd",
                                    f"objective.self_target={self_target}", "objective.ema_rate=0.5"])
    run, _ = setup(resolve_config(config), resume=False)
    assert (run.self_teacher is None) == (self_target == "live")
    initial = [p.detach().clone() for p in run.student.parameters()]
    scored_by = []
    original_score = trainer.frozen_hidden_states

    def recording_score(model, prompt_inputs, rollouts, pad_id):
        scored_by.append(model)
        return original_score(model, prompt_inputs, rollouts, pad_id)

    monkeypatch.setattr(trainer, "frozen_hidden_states", recording_score)
    for step in range(2):
        records = step_records(run.records, step, config, 0, 1)
        run.engine = ReplayEngine([records])
        metrics = train_step(run, step, records).metrics
        assert math.isfinite(metrics["loss"]) and metrics["loss"] > 0
    assert scored_by[-1] is (run.student if self_target == "live" else run.self_teacher)
    if self_target == "live":
        return
    drift = sum((a - p).abs().sum().item() for a, p in zip(run.self_teacher.parameters(), initial))
    assert (drift == 0) == (self_target == "initial")
    assert sum((a - p).abs().sum().item() for a, p in zip(run.self_teacher.parameters(), run.student.parameters())) > 0


def test_every_view_is_scored_at_the_sampling_temperature(tmp_path, monkeypatch):
    """Issue 17, item 5: the same replayed rollouts at temperature 1 and 2; at 2 every view's logits are halved, so
    the teacher's log-probability of each sampled token is log_softmax(logits / 2), and the student's own too."""
    import dopd_vl.trainer as trainer

    frozen, students = [], []
    signals_of, objective_of = trainer.token_signals, trainer.compute_objective

    def recording_signals(method, batch, options):
        frozen.append((batch, signals_of(method, batch, options)))
        return frozen[-1][1]

    def recording_objective(method, batch, signals, statistics, options):
        students.append(batch.student_hidden_NH.detach().clone())
        return objective_of(method, batch, signals, statistics, options)

    monkeypatch.setattr(trainer, "token_signals", recording_signals)
    monkeypatch.setattr(trainer, "compute_objective", recording_objective)
    run_one_step(tmp_path, "t1", ["method=dopd"])
    run_one_step(tmp_path, "t2", ["method=dopd", "temperature=2"])
    (cold, _), (hot, hot_signals) = frozen
    for name in ("teacher_hidden_NH", "privileged_student_hidden_NH"):
        torch.testing.assert_close(getattr(hot, name), getattr(cold, name) / 2)
    torch.testing.assert_close(students[1], students[0] / 2)
    logits_NV = cold.teacher_hidden_NH.double() @ cold.teacher_lm_head_VH.double().T
    expected_N = torch.log_softmax(logits_NV / 2, -1).gather(1, cold.token_ids_N[:, None])[:, 0]
    torch.testing.assert_close(hot_signals.teacher.logprob_N.double(), expected_N, atol=1e-5, rtol=1e-5)
