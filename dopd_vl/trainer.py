"""`dopd-vl train`: on-policy rollouts, three-view scoring and any objective of the registry.

Read `train_step` top to bottom: it is the whole method. Around it, `train` sets up the run (pair, data, optimizer,
accelerate), resumes from the newest checkpoint, loops, logs and saves.

    prompts --(student view)--> rollouts y (n per prompt)
    score y under: teacher(x, p) and student(x, p) [no grad]  -> per-token signals of the whole step -> thresholds
    per micro-batch: student(x) [grad] -> objective (routing, divergences) -> backward;  then one optimizer step
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import json
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import yaml

from dopd_vl import routing
from dopd_vl.config import TrainConfig
from dopd_vl.errors import DopdError
from dopd_vl.models import LoadedPair, add_lora, load_pair, load_pair_spec, merged_lora_state
from dopd_vl.objectives import (Method, MethodOptions, ObjectiveBatch, StepStatistics, TokenSignals, compute_objective,
                                resolve_method, step_statistics, token_signals)
from dopd_vl.records import (DEMONSTRATION_CONTEXT, FEEDBACK_CONTEXT, Record, load_records, render_messages,
                             render_options, with_context, with_pixelated_images)
from dopd_vl.rollout import (RolloutEngine, Rollouts, ScoringBatch, at_temperature, encode_prompts,
                             frozen_hidden_states, response_hidden_states, rollout_engine, scoring_batch,
                             shared_prompt_hidden_states)
from dopd_vl.weighting import successful_sibling_B

Reward = Callable[[Record, str], float]  # a rollout's verifiable reward: its record and its response text


class TrainingError(DopdError):
    """A run that cannot go on (a non-finite loss, a checkpoint that cannot be resumed)."""


class StudentObjective(torch.nn.Module):
    """Everything differentiable in a micro-batch, in one forward, so that DDP / DeepSpeed see the whole of it: the
    student's hidden states at the response positions and the chunked objective over its `lm_head`."""

    def __init__(self, student, temperature: float = 1.0, pad_id: int = 0):
        super().__init__()
        self.student = student
        self.temperature = temperature  # the sampling temperature, at which the student is scored
        self.pad_id = pad_id  # fills the short responses of a batch (masked out)

    def forward(self, scoring: ScoringBatch, prompt_inputs: dict[str, torch.Tensor], rollouts: Rollouts,
                batch: ObjectiveBatch, signals: TokenSignals, statistics: StepStatistics, method: Method,
                options: MethodOptions):
        # each prompt run once for its n responses, as for the frozen views; with one response per prompt, or under
        # gradient checkpointing (no KV cache in training), each prompt + response whole: `scoring`, built already
        checkpointing = getattr(self.student, "is_activation_checkpointing", None)  # the older name is deprecated
        if rollouts.per_prompt == 1 or (self.student.is_gradient_checkpointing if checkpointing is None else
                                        checkpointing):
            hidden_NH = response_hidden_states(self.student, scoring)
        else:
            hidden_NH = shared_prompt_hidden_states(self.student, prompt_inputs, rollouts, self.pad_id)
        hidden_NH = at_temperature(hidden_NH, self.temperature)
        batch = dataclasses.replace(batch, student_hidden_NH=hidden_NH,
                                    student_lm_head_VH=self.student.get_output_embeddings().weight)
        return compute_objective(method, batch, signals, statistics, options)


@dataclass
class MicroBatch:
    """One micro-batch after rollout and the frozen views' first pass; the student's own forward comes later."""

    records: list[Record]
    rollouts: Rollouts
    student_scoring: ScoringBatch  # the student's view: prompt without privileged input + responses
    student_prompts: dict[str, torch.Tensor]  # the student's view's prompts alone, one left-padded row per prompt
    batch: ObjectiveBatch  # the frozen views' hidden states (student_hidden_NH is filled in by StudentObjective)
    signals: TokenSignals


@dataclass
class Run:
    config: TrainConfig
    method: Method  # resolved once in setup, with the options it runs with (its fixed options applied)
    options: MethodOptions
    accelerator: object
    pair: LoadedPair
    model: torch.nn.Module  # StudentObjective, prepared by accelerate (DDP-wrapped with several processes)
    reference: torch.nn.Module | None  # ExOPD's frozen initial student
    self_teacher: torch.nn.Module | None  # objective.self_target initial|ema: the privileged student's own weights
    reward: Reward | None  # SDPO, Uni-OPD: correctness of each rollout (the face passes eval's scorers)
    optimizer: torch.optim.Optimizer
    scheduler: object
    engine: RolloutEngine
    records: list[Record]
    render: dict  # how the privileged prompt shows boxes (as text, drawn on the image, or both): the build's choice
    output: Path
    adapters: object | None = None  # lora.r > 0: the PeftModel around the student (saves, merges, switches off)

    @property
    def student(self):
        return self.pair.student


# ---------------------------------------------------------------------------------------------------------------------
# One optimizer step.
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class StepResult:
    metrics: dict[str, float]
    micro_batches: list[MicroBatch]
    statistics: StepStatistics


def train_step(run: Run, step: int, records: list[Record]) -> StepResult:
    config, accelerator = run.config, run.accelerator
    reads = prompt_views(run.options)
    micro_size = len(records) // config.gradient_accumulation_steps
    chunks = [records[i:i + micro_size] for i in range(0, len(records), micro_size)]
    # The loss of a micro-batch is normalised by the step's sequence count, so micro-batch losses sum to the
    # single-big-batch value; DDP averages gradients over processes, so each process counts its share.
    num_sequences = len(records) * config.rollouts_per_prompt

    # 1. Rollouts from the student's view, then every frozen view scores the same token ids (no grad).
    rollout_time = scoring_time = 0.0
    micro_batches = []
    for chunk in chunks:
        started = time.perf_counter()
        # each kind of prompt a view reads, tokenized once (left-padded): generation, and every view's scoring,
        # start from them
        prompts = {reads["student"]: encode_view(run, chunk, reads["student"])}
        with accelerator.autocast():
            rollouts = run.engine.generate(prompts[reads["student"]], config.rollouts_per_prompt)
        rollout_time += time.perf_counter() - started
        started = time.perf_counter()
        texts, rewards_B = [], None  # SDPO, Uni-OPD: each rollout's decoded response and its reward
        if needs_reward(run.method, run.options):
            texts, rewards_B = rollout_rewards(run, chunk, rollouts)
        for kind in {reads[view] for view in run.method.views} - set(prompts):
            prompts[kind] = encode_view(run, chunk, kind, rollouts.per_prompt, texts, rewards_B)
        inputs = {view: prompts[kind] for view, kind in reads.items() if kind in prompts}
        micro_batches.append(score_frozen_views(run, chunk, rollouts, inputs, num_sequences, rewards_B))
        scoring_time += time.perf_counter() - started

    # 2. Routing thresholds and other statistics over the step's global batch: all micro-batches, all processes.
    started = time.perf_counter()
    signals = gather_signals(accelerator, TokenSignals.cat([m.signals for m in micro_batches]))
    statistics = step_statistics(signals, run.options)

    # 3. Per micro-batch: the student's forward with gradient, the objective, backward. One optimizer step.
    # `accumulate` synchronises gradients across processes once, on the step's last micro-batch.
    metrics_per_micro_batch = []
    for micro in micro_batches:
        with accelerator.accumulate(run.model), accelerator.autocast():
            loss, metrics = run.model(micro.student_scoring, micro.student_prompts, micro.rollouts, micro.batch,
                                      micro.signals, statistics, run.method, run.options)
            if not torch.isfinite(loss):
                raise TrainingError(
                    f"step {step + 1}: the loss is {loss.item()} on records "
                    f"{', '.join(r.id for r in micro.records)}; last good checkpoint: "
                    f"{newest_checkpoint(run.output) or 'none'}. Lower learning_rate, or use dtype=float32.")
            # accelerate (and DeepSpeed) divide by the accumulation steps; the loss is already normalised
            accelerator.backward(loss * config.gradient_accumulation_steps)
        metrics_per_micro_batch.append(metrics)
    grad_norm = None  # DeepSpeed clips inside its step (gradient_clipping in its config) and reports no norm
    if config.max_grad_norm > 0 and not is_deepspeed(accelerator):
        grad_norm = accelerator.clip_grad_norm_(run.model.parameters(), config.max_grad_norm)
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    if run.self_teacher is not None and run.options.self_target == "ema":
        ema_update(run.self_teacher, run.student, run.options.ema_rate)
    train_time = time.perf_counter() - started

    metrics = reduce_metrics(accelerator, metrics_per_micro_batch)
    lengths = [n for m in micro_batches for n in m.rollouts.lengths]
    metrics.update({
        "step": step + 1, "learning_rate": run.scheduler.get_last_lr()[0],
        "response_length_mean": sum(lengths) / len(lengths), "rollout_time": rollout_time,
        "scoring_time": scoring_time, "train_time": train_time,
        "tokens_per_second": sum(lengths) * accelerator.num_processes / (rollout_time + scoring_time + train_time),
    })
    if grad_norm is not None:
        metrics["grad_norm"] = float(grad_norm)
    return StepResult(metrics, micro_batches, statistics)


def prompt_views(options: MethodOptions) -> dict[str, str]:
    """The prompt each view reads: "privileged" (with the privileged block) or "student" (without). The student
    samples from its own unless objective.student_privileged (Figure 3); the reference reads the student's. The
    privileged student's may add another context instead (objective.self_context: "demonstration", "feedback",
    "crops"); VA-OPD's coarse teacher reads the teacher's prompt with pixelated images."""
    def kind(privileged: bool) -> str:
        return "privileged" if privileged else "student"

    own = kind(options.self_privileged)
    teacher = kind(options.teacher_privileged)
    return {"student": kind(options.student_privileged), "reference": kind(options.student_privileged),
            "teacher": teacher, "coarse_teacher": f"pixelated_{teacher}",
            "privileged_student": options.self_context if options.self_privileged else own}


def encode_view(run: Run, records: list[Record], kind: str, per_prompt: int = 1, texts: list[str] = (),
                rewards_B: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """The records' prompts of one kind (see `prompt_views`), chat-templated, tokenized, left-padded. One row per
    record, except "feedback": one per rollout, its record's prompt and a successful sibling's response (SDPO; the
    rollouts' decoded `texts` and `rewards_B` from `rollout_rewards`)."""
    if kind == "feedback":
        conversations = feedback_messages(run, records, per_prompt, texts, rewards_B)
    else:
        conversations = [view_messages(run, record, kind) for record in records]
    return encode_prompts(run.pair.processor, conversations, enable_thinking=run.config.enable_thinking)


def view_messages(run: Run, record: Record, kind: str) -> list[dict]:
    """One record's prompt of a kind read by one row per record."""
    if kind.startswith("pixelated_"):
        return with_pixelated_images(view_messages(run, record, kind.removeprefix("pixelated_")),
                                     run.options.pixelate)
    if kind == "privileged":
        return render_messages(record, "privileged", **run.render)
    if kind == "crops":  # the boxes' regions as images, not their coordinates (Vision-OPD's evidence crops)
        return render_messages(record, "privileged", crops=True, boxes_as_text=False)
    if kind == "demonstration":  # SDFT: the record's worked solution (or its answer) as an example response
        demonstration = record.source.get("solution") or record.answer
        if not demonstration:
            raise TrainingError(f"record {record.id}: sdft shows the teacher a demonstration, and this record has "
                                "neither source.solution nor answer; give every record an answer")
        return with_context(render_messages(record, "student"), DEMONSTRATION_CONTEXT.format(
            demonstration=demonstration))
    return render_messages(record, "student")


def rollout_rewards(run: Run, records: list[Record], rollouts: Rollouts) -> tuple[list[str], torch.Tensor]:
    """Each rollout's decoded response and its verifiable reward (`run.reward` on its record and that text), ``[B]``."""
    texts = run.pair.tokenizer.batch_decode(rollouts.response_ids, skip_special_tokens=True)
    rewards_B = torch.tensor([float(run.reward(records[i // rollouts.per_prompt], text))
                              for i, text in enumerate(texts)], dtype=torch.float64)
    return texts, rewards_B


def feedback_messages(run: Run, records: list[Record], per_prompt: int, texts: list[str],
                      rewards_B: torch.Tensor) -> list[list]:
    """SDPO's self-teacher prompts, one per rollout: its record's student prompt and, when a sibling succeeded, the
    first successful sibling's response (thinking removed) as a correct solution."""
    sibling_B = successful_sibling_B(rewards_B, per_prompt, run.options.success_threshold).tolist()
    conversations = []
    for row, sibling in enumerate(sibling_B):
        messages = render_messages(records[row // per_prompt], "student")
        if sibling >= 0:
            solution = texts[sibling].split("</think>")[-1].strip()
            messages = with_context(messages, FEEDBACK_CONTEXT.format(solution=solution))
        conversations.append(messages)
    return conversations


@torch.no_grad()
def ema_update(average: torch.nn.Module, model: torch.nn.Module, rate: float) -> None:
    """``theta_avg <- (1 - rate) theta_avg + rate theta`` for every trained parameter (the EMA self-teacher; a LoRA
    run's frozen base weights are the same in both)."""
    for average_parameter, parameter in zip(average.parameters(), model.parameters()):
        if parameter.requires_grad:
            average_parameter.lerp_(parameter.detach().to(average_parameter.dtype), rate)


class AdapterWeights:
    """A LoRA run's EMA self-teacher as checkpoint state: only its adapters (`names`), since its base weights are the
    student's frozen ones, which the pair's student folder already holds."""

    def __init__(self, module: torch.nn.Module, names: set[str]):
        self.module, self.names = module, names

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {name: p.detach().clone() for name, p in self.module.named_parameters() if name in self.names}

    @torch.no_grad()
    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        parameters = dict(self.module.named_parameters())
        if set(state) != self.names:
            raise TrainingError(f"the checkpoint's EMA self-teacher holds other adapters than this run's ("
                                f"{len(state)} tensors, expected {len(self.names)}): resume with the same lora.* "
                                "options")
        for name, value in state.items():
            parameters[name].copy_(value)


@contextlib.contextmanager
def own_weights(run: Run, model: torch.nn.Module, initial: bool):
    """A no-gradient view scored by the student's own module: without dropout (LoRA's), and for the initial student
    (ExOPD's reference, objective.self_target=initial) with the adapters switched off: a LoRA run keeps no copy of
    the initial student, its frozen base weights are it. Other modules (a frozen copy, the EMA) run as they are."""
    if model is not run.student:
        yield
        return
    assert not initial or run.adapters is not None, "the initial student of a full fine-tuning run is a copy"
    was_training = model.training
    model.eval()
    try:
        with run.adapters.disable_adapter() if initial else contextlib.nullcontext():
            yield
    finally:
        model.train(was_training)


def score_frozen_views(run: Run, records: list[Record], rollouts: Rollouts, inputs: dict,
                       num_sequences: int, rewards_B: torch.Tensor | None = None) -> MicroBatch:
    """Hidden states of the frozen views at the response positions, and their first-pass signals. The response
    token ids are appended to each view's own prompt ids (`inputs`: view -> its encoded prompts, see
    `prompt_views`; one row per prompt, or one per rollout); the student's are kept for its forward with gradient."""
    views, pad_id = run.method.views, run.pair.tokenizer.pad_token_id
    student_scoring = scoring_batch(inputs["student"], rollouts, pad_id)
    hidden = {}
    with run.accelerator.autocast():
        if "teacher" in views:
            hidden["teacher_hidden_NH"] = frozen_hidden_states(run.pair.teacher, inputs["teacher"], rollouts, pad_id)
            hidden["teacher_lm_head_VH"] = run.pair.teacher.get_output_embeddings().weight
        if "privileged_student" in views:  # the student's live weights (or their EMA), no gradient
            self_model = run.student if run.self_teacher is None else run.self_teacher
            prompts = inputs["privileged_student"]
            per_row = rollouts if prompts["input_ids"].shape[0] == rollouts.prompts else \
                Rollouts(rollouts.response_ids, len(rollouts.response_ids), 1)  # SDPO: one prompt per rollout
            with own_weights(run, self_model, initial=run.options.self_target == "initial"):
                hidden["privileged_student_hidden_NH"] = frozen_hidden_states(self_model, prompts, per_row, pad_id)
            if run.self_teacher is not None:
                hidden["privileged_student_lm_head_VH"] = run.self_teacher.get_output_embeddings().weight
        if "coarse_teacher" in views:  # VA-OPD: the teacher on pixelated images
            hidden["coarse_teacher_hidden_NH"] = frozen_hidden_states(run.pair.teacher, inputs["coarse_teacher"],
                                                                      rollouts, pad_id)
        if "reference" in views:  # the initial student: a frozen copy, or (LoRA) the student with adapters off
            reference = run.reference or run.student
            with own_weights(run, reference, initial=True):
                hidden["reference_hidden_NH"] = frozen_hidden_states(reference, inputs["reference"], rollouts, pad_id)
            hidden["reference_lm_head_VH"] = reference.get_output_embeddings().weight
    for name, hidden_NH in hidden.items():  # the views share y, so they score the same number of tokens
        assert name.endswith("_VH") or hidden_NH.shape[0] == len(student_scoring.token_ids_N), \
            f"{name} scored {hidden_NH.shape[0]} response tokens, the student's view {len(student_scoring.token_ids_N)}"
    # every view at the temperature the student sampled with, as the student itself (StudentObjective)
    hidden = {name: at_temperature(value, run.config.temperature) if name.endswith("_NH") else value
              for name, value in hidden.items()}
    device = run.accelerator.device
    batch = ObjectiveBatch(
        student_hidden_NH=None, student_lm_head_VH=run.student.get_output_embeddings().weight,
        token_ids_N=student_scoring.token_ids_N.to(device), sequence_index_N=student_scoring.rows_N.to(device),
        sequence_lengths_B=torch.tensor(rollouts.lengths, device=device), num_sequences=num_sequences,
        rewards_B=None if rewards_B is None else rewards_B.to(device), per_prompt=rollouts.per_prompt, **hidden)
    with full_lm_head(run):
        signals = token_signals(run.method, batch, run.options)
    return MicroBatch(records, rollouts, student_scoring, inputs["student"], batch, signals)


def gather_signals(accelerator, signals: TokenSignals) -> TokenSignals:
    """The step's signals from every process (variable token counts: pad, gather, cut)."""
    if accelerator.num_processes == 1:
        return signals

    def gather(tensor):
        if tensor is None:
            return None
        counts = accelerator.gather(torch.tensor([tensor.shape[0]], device=accelerator.device)).tolist()
        padded = accelerator.pad_across_processes(tensor.to(accelerator.device), dim=0)
        parts = accelerator.gather(padded).reshape(len(counts), -1, *tensor.shape[1:])
        return torch.cat([part[:count] for part, count in zip(parts, counts)]).to(tensor.device)

    def gather_view(view):
        return None if view is None else type(view)(*(gather(t) for t in view))

    return TokenSignals(**{f.name: (gather if f.name.endswith("_N") else gather_view)(getattr(signals, f.name))
                           for f in dataclasses.fields(TokenSignals)})


def reduce_metrics(accelerator, metrics_list: list[dict[str, float]]) -> dict[str, float]:
    """Token-weighted means over micro-batches and processes; `loss` is the step's total."""
    keys = sorted({k for m in metrics_list for k in m if k != "num_tokens"})
    sums = torch.zeros(len(keys) + 2, dtype=torch.float64, device=accelerator.device)
    for metrics in metrics_list:
        tokens = metrics["num_tokens"]
        for i, key in enumerate(keys):
            sums[i] += metrics.get(key, 0.0) * (1.0 if key == "loss" else tokens)
        sums[-2] += tokens
    sums[-1] = 1.0
    sums = accelerator.reduce(sums, reduction="sum") if accelerator.num_processes > 1 else sums
    tokens, processes = sums[-2].item(), sums[-1].item()
    out = {key: sums[i].item() / (processes if key == "loss" else tokens) for i, key in enumerate(keys)}
    out["num_tokens"] = tokens
    return out


# ---------------------------------------------------------------------------------------------------------------------
# The run: setup, data order, checkpoints, the loop.
# ---------------------------------------------------------------------------------------------------------------------


def step_records(records: list[Record], step: int, config: TrainConfig, rank: int, world: int) -> list[Record]:
    """This process's prompts of a step: a seeded permutation per epoch over the records, consumed in order, so the
    data order depends only on (seed, step) and a resumed run sees what the uninterrupted one saw."""
    per_step = config.prompts_per_step
    chosen = []
    for position in range(step * per_step, (step + 1) * per_step):
        epoch, index = divmod(position, len(records))
        order = list(range(len(records)))
        random.Random(config.seed * 1_000_003 + epoch).shuffle(order)
        chosen.append(records[order[index]])
    share = per_step // world
    return chosen[rank * share:(rank + 1) * share]


def training_data(config: TrainConfig) -> tuple[list[Record], dict]:
    """The records of `config.data` (one folder, or several comma-separated: their records in that order) and the
    build's rendering options (which several folders must share)."""
    if not config.data:
        raise TrainingError("no training data: set data= to a folder written by `dopd-vl build-data` (`dopd-vl "
                            "train` fills in the built-in synthetic set when a run names none)")
    folders = [folder.strip() for folder in config.data.split(",") if folder.strip()]
    renders = [render_options(folder) for folder in folders]
    if any(render != renders[0] for render in renders):
        raise TrainingError(f"data={config.data}: the folders were built with different --render / --privileged "
                            f"options ({', '.join(f'{f}: {r}' for f, r in zip(folders, renders))}); rebuild them alike")
    return [record for folder in folders for record in load_records(folder)], renders[0]


def checkpoint_dir(output: Path) -> Path:
    return output / "checkpoints"


def newest_checkpoint(output: Path) -> Path | None:
    """The newest complete checkpoint (incomplete ones are hidden `.step-*` folders until renamed)."""
    folder = checkpoint_dir(output)
    done = sorted(folder.glob("step-*")) if folder.is_dir() else []
    return done[-1] if done else None


def save_checkpoint(run: Run, step: int) -> Path:
    """Student (save_pretrained + processor) and accelerate state (optimizer, scheduler, RNG of every process),
    written to a hidden folder and renamed when every process has finished."""
    accelerator = run.accelerator
    final = checkpoint_dir(run.output) / f"step-{step:08d}"
    staging = checkpoint_dir(run.output) / f".step-{step:08d}.partial"
    if accelerator.is_main_process:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    accelerator.wait_for_everyone()
    # a LoRA run's state holds the adapters, not the frozen base weights (see `keep_trained_weights` for the rest)
    lora_deepspeed = run.adapters is not None and is_deepspeed(accelerator)
    accelerator.save_state(str(staging / "state"), **({"exclude_frozen_parameters": True} if lora_deepspeed else {}))
    save_student(run, staging / "student")
    if accelerator.is_main_process:
        (staging / "trainer_state.json").write_text(json.dumps({"step": step}))
        staging.rename(final)
    accelerator.wait_for_everyone()
    return final


def save_student(run: Run, folder: Path, final: bool = False) -> None:
    """The student as a `save_pretrained` folder with its processor (call on every process: under ZeRO-3 the
    weights are gathered from all of them). A LoRA run's checkpoints hold its adapters (a PEFT adapter folder); its
    `final` student is the merged model, loadable by `from_pretrained`, with the adapters in `adapter/`."""
    state = run.accelerator.get_state_dict(run.model)  # whole weights, also from ZeRO-3 shards
    if not run.accelerator.is_main_process:
        return
    student_state = {k.removeprefix("student."): v for k, v in state.items()}
    if run.adapters is None or final:
        weights = student_state if run.adapters is None else merged_lora_state(student_state, run.adapters)
        run.accelerator.unwrap_model(run.model).student.save_pretrained(folder, state_dict=weights)
    if run.adapters is not None:  # PEFT names the wrapped model's weights base_model.model.*
        run.adapters.save_pretrained(folder / "adapter" if final else folder,
                                     state_dict={f"base_model.model.{k}": v for k, v in student_state.items()})
    run.pair.processor.save_pretrained(folder)


def cpu_only() -> bool:
    """No GPU: tell accelerate, so that several processes (torchrun) are seen as multi-CPU data parallelism. Not
    under DeepSpeed, which accelerate would then switch off."""
    return not torch.cuda.is_available() and os.environ.get("ACCELERATE_USE_DEEPSPEED", "").lower() != "true"


def is_deepspeed(accelerator) -> bool:
    return accelerator.state.deepspeed_plugin is not None


def is_zero3(accelerator) -> bool:
    return is_deepspeed(accelerator) and accelerator.state.deepspeed_plugin.zero_stage == 3


def full_lm_head(run: Run):
    """A context in which the student's lm_head weight is whole: ZeRO-3 partitions it between uses, and the
    first pass reads it outside any module's forward (no gradient there)."""
    if not is_zero3(run.accelerator):
        return contextlib.nullcontext()
    import deepspeed

    return deepspeed.zero.GatheredParameters([run.student.get_output_embeddings().weight], modifier_rank=None)


def make_accelerator(config: TrainConfig, vision: bool):
    """accelerate for devices and processes: plain, DDP (`accelerate launch`), or DeepSpeed ZeRO-2 (`accelerate launch
    --config_file configs/accelerate/zero2.yaml`); the teacher stays outside, in inference mode, on every device."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    # A vision student's tower is unused on text-only prompts: let DDP tolerate parameters without gradients.
    handlers = [DistributedDataParallelKwargs(find_unused_parameters=vision)]
    # accelerate keeps one state per process; a second run in the same process (the lab, tests) may ask for another
    # precision or accumulation: start it afresh (the process group, in PartialState, is kept)
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state()
    accelerator = Accelerator(mixed_precision="bf16" if config.bf16 else "no", kwargs_handlers=handlers,
                              gradient_accumulation_steps=config.gradient_accumulation_steps, cpu=cpu_only(),
                              log_with=trackers(config) or None)
    import torch.distributed as dist

    if dist.is_initialized() and dist.get_world_size() != accelerator.num_processes:
        raise TrainingError(
            f"{dist.get_world_size()} processes were launched but accelerate sees {accelerator.num_processes}: "
            "accelerate runs DeepSpeed on CPUs in one process only. Use one process, or plain data parallelism "
            "(torchrun --nproc_per_node N -m dopd_vl.cli train ...) on CPUs.")
    if is_deepspeed(accelerator):
        plugin = accelerator.state.deepspeed_plugin
        # DeepSpeed's batch bookkeeping: sequences per micro-batch on one process, and the accumulation steps.
        sequences = config.prompts_per_step // (accelerator.num_processes * config.gradient_accumulation_steps)
        plugin.deepspeed_config["train_micro_batch_size_per_gpu"] = max(1, sequences) * config.rollouts_per_prompt
        plugin.deepspeed_config["gradient_accumulation_steps"] = config.gradient_accumulation_steps
        plugin.deepspeed_config["gradient_clipping"] = config.max_grad_norm
        plugin.deepspeed_config.pop("train_batch_size", None)
    return accelerator


def check_trackers(config: TrainConfig) -> None:
    """A tracker of `config.report_to` whose package is missing is an error that names it (before any model loads)."""
    from importlib.util import find_spec

    from dopd_vl.config import TRACKERS

    missing = [TRACKERS[name] for name in config.trackers if find_spec(TRACKERS[name]) is None]
    if missing:
        raise TrainingError(f"report_to={config.report_to} needs the package(s) {', '.join(missing)}: pip install "
                            f"{' '.join(missing)}, or leave {', '.join(missing)} out of report_to")


def trackers(config: TrainConfig) -> list:
    """accelerate's trackers of `config.report_to`; TensorBoard writes to <output>/tensorboard."""
    from accelerate.tracking import TensorBoardTracker

    return [TensorBoardTracker("tensorboard", config.output) if name == "tensorboard" else name
            for name in config.trackers]


def tracker_config(config: TrainConfig) -> dict:
    """The config as trackers store hyperparameters: flat keys (objective.topk), scalar values."""
    flat = {}
    for key, value in config.to_dict().items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for sub_key, sub_value in items:
            name = f"{key}.{sub_key}" if sub_key else key
            flat[name] = sub_value if isinstance(sub_value, (bool, int, float, str)) else str(sub_value)
    return flat


def setup(config: TrainConfig, resume: bool, reward: Reward | None = None) -> tuple[Run, int]:
    from transformers import get_cosine_schedule_with_warmup

    from accelerate import PartialState

    spec = load_pair_spec(config.pair, teacher=config.teacher, student=config.student)
    check_trackers(config)
    state = PartialState(cpu=cpu_only())
    output = Path(config.output)
    # The models load before the Accelerator exists, so that DeepSpeed ZeRO-3 does not shard them while they load:
    # the frozen teacher stays whole on every process, and `prepare` shards the student.
    pair = load_pair(spec, dtype=config.dtype, device=state.device)
    records, render = training_data(config)
    accelerator = make_accelerator(config, spec.is_vision)
    torch.manual_seed(config.seed)
    if len(records) < 1:
        raise TrainingError(f"no training records in {config.data}")
    share = accelerator.num_processes * config.gradient_accumulation_steps
    if config.prompts_per_step % share:
        raise TrainingError(f"prompts_per_step ({config.prompts_per_step}) must be divisible by processes x "
                            f"gradient_accumulation_steps ({accelerator.num_processes} x "
                            f"{config.gradient_accumulation_steps})")
    reference = None
    method, options = resolve_method(config.method, config.objective)
    check_method_inputs(method, options, records, reward, accelerator)
    adapters = None
    if config.lora.enabled:  # in place: pair.student stays the transformers model, only its adapters train
        lora = config.lora
        adapters = add_lora(pair.student, lora.r, lora.alpha, lora.dropout, lora.target_names)
    # The initial student (ExOPD's reference, self_target=initial) is a frozen copy; a LoRA run's is the student with
    # its adapters off (`own_weights`). The EMA self-teacher is a copy in both (with adapters: they are what moves).
    if "reference" in method.views and adapters is None:  # ExOPD: the initial student, frozen
        reference = copy.deepcopy(pair.student).eval().requires_grad_(False)
    self_teacher = None
    copied = ("ema",) if adapters is not None else ("initial", "ema")
    if "privileged_student" in method.views and options.self_target in copied:  # starts as the initial student
        self_teacher = copy.deepcopy(pair.student).eval().requires_grad_(False)
    if config.gradient_checkpointing:
        pair.student.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    pair.student.train()
    model = StudentObjective(pair.student, config.temperature, pair.tokenizer.pad_token_id)
    trained = [name for name, parameter in model.named_parameters() if parameter.requires_grad]  # LoRA: adapters
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    scheduler = get_cosine_schedule_with_warmup(optimizer, config.warmup_steps, config.max_steps)
    model, optimizer = accelerator.prepare(model, optimizer)
    if is_zero3(accelerator):  # the objective reads lm_head.weight itself: DeepSpeed must gather it for that forward
        import deepspeed

        wrapped = accelerator.unwrap_model(model)
        deepspeed.zero.register_external_parameter(wrapped, wrapped.student.get_output_embeddings().weight)
    # The schedule counts optimizer steps: kept out of accelerate's wrapper, which would step it once per process.
    accelerator.register_for_checkpointing(scheduler)
    if self_teacher is not None and options.self_target == "ema":  # part of the run's state: resumed, the same EMA
        adapter_names = {name.removeprefix("student.") for name in trained}
        accelerator.register_for_checkpointing(self_teacher if adapters is None else
                                               AdapterWeights(self_teacher, adapter_names))
    if adapters is not None:
        accelerator.register_save_state_pre_hook(functools.partial(keep_trained_weights, set(trained)))
    pair.student = accelerator.unwrap_model(model).student
    engine = rollout_engine(config.rollout_engine, pair.student, pair.tokenizer, config.max_new_tokens,
                            config.temperature, synced_gpus=is_zero3(accelerator) and accelerator.num_processes > 1)
    run = Run(config, method, options, accelerator, pair, model, reference, self_teacher, reward, optimizer, scheduler,
              engine, records, render, output, adapters)

    start = 0
    checkpoint = newest_checkpoint(output) if resume else None
    if resume and checkpoint is None:
        accelerator.print(f"--resume: no checkpoint in {checkpoint_dir(output)}; starting from step 0")
    if checkpoint is not None:
        # a LoRA run's state holds the adapters only: the frozen base weights stay as loaded
        partial = {} if adapters is None else {"load_module_strict": False} if is_deepspeed(accelerator) else \
            {"strict": False}
        if adapters is not None and not is_deepspeed(accelerator):
            check_saved_adapters(checkpoint / "state" / "model.safetensors", set(trained))
        accelerator.load_state(str(checkpoint / "state"), **partial)
        start = json.loads((checkpoint / "trainer_state.json").read_text())["step"]
        accelerator.print(f"resumed from {checkpoint} (step {start})")
    elif output.exists() and any(output.iterdir()) and not resume:
        raise TrainingError(f"{output} already holds a run; pass --resume to continue it or choose another "
                            "--output")
    accelerator.wait_for_everyone()  # every process has looked at the output folder before any writes to it
    return run, start


def keep_trained_weights(names: set[str], models: list, weights: list[dict], output_dir: str) -> None:
    """accelerate's save-state hook of a LoRA run: the model state it writes holds the trained weights (`names`, the
    adapters) only; the frozen base weights are the pair's student, unchanged."""
    for i, state in enumerate(weights):
        weights[i] = {key: value for key, value in state.items() if key.removeprefix("module.") in names}


def check_saved_adapters(path: Path, names: set[str]) -> None:
    """A LoRA run resumes only from a checkpoint that holds exactly its adapters (the state loads non-strictly, since
    it leaves the frozen base weights out)."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as saved:
        keys = {key.removeprefix("module.") for key in saved.keys()}
    if keys != names:
        raise TrainingError(f"{path.parent.parent} holds {len(keys)} weights, not this run's {len(names)} LoRA "
                            "adapters: resume with the lora.* options the run was started with")


def needs_reward(method: Method, options: MethodOptions) -> bool:
    """Whether the rollouts are scored for correctness: the method reads it, or a view shows a successful sibling."""
    reads = prompt_views(options)
    return method.needs_reward or any(reads[view] == "feedback" for view in method.views)


def needed_record_parts(method: Method, options: MethodOptions) -> tuple[str, ...]:
    """What some record of the data must hold for a method to have anything to read: ("image", "boxes") when the
    privileged student sees the boxes' crops (Vision-OPD), ("image",) for VA-OPD's pixelated teacher, else ()."""
    if "privileged_student" in method.views and prompt_views(options)["privileged_student"] == "crops":
        return ("image", "boxes")
    return ("image",) if "coarse_teacher" in method.views else ()


def check_method_inputs(method: Method, options: MethodOptions, records: list[Record], reward: Reward | None,
                        accelerator) -> None:
    """What a method needs from the data and the run, checked before any model runs."""
    if needs_reward(method, options) and reward is None:
        raise TrainingError(f"method {method.name} scores each rollout's correctness: pass train(..., reward=...) "
                            "(`dopd-vl train` passes eval's scorers: eval.rewards.record_reward)")
    parts = needed_record_parts(method, options)
    if parts and not any(r.images and (r.privileged.boxes or "boxes" not in parts) for r in records):
        raise TrainingError(f"method {method.name} shows a teacher each record's {' and '.join(parts)} (the boxes' "
                            f"crops, or a pixelated copy of the image), and no record in the data has an "
                            f"{' and '.join(parts)}; use image data, e.g. --pair tiny or `dopd-vl build-data --task "
                            "grounding`")
    if options.self_target != "live" and is_zero3(accelerator):
        raise TrainingError(f"objective.self_target={options.self_target} keeps a whole copy of the student: not "
                            "under DeepSpeed ZeRO-3 (use ZeRO-2, or objective.self_target=live)")


def train(config: TrainConfig, resume: bool = False, reward: Reward | None = None) -> Path:
    """Run `config` to `max_steps`; returns the folder of the final student (`<output>/final`). `reward(record,
    response_text)` scores each rollout for the methods that need it (SDPO, Uni-OPD)."""
    from tqdm.auto import tqdm

    run, start = setup(config, resume, reward)
    accelerator, output = run.accelerator, run.output
    if accelerator.is_main_process:
        output.mkdir(parents=True, exist_ok=True)
        (output / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
        keep_metrics_until(output / "metrics.jsonl", start)
    run_name = config.run_name or output.resolve().name
    accelerator.init_trackers("dopd-vl", tracker_config(config), init_kwargs={
        "wandb": {"name": run_name}, "mlflow": {"run_name": run_name}, "trackio": {"name": run_name}})
    progress = tqdm(range(start, config.max_steps), initial=start, total=config.max_steps, desc="train",
                    disable=not accelerator.is_main_process, dynamic_ncols=True)
    for step in progress:
        records = step_records(run.records, step, config, accelerator.process_index, accelerator.num_processes)
        result = train_step(run, step, records)
        metrics = result.metrics
        if accelerator.is_main_process:
            progress.set_postfix(progress_fields(metrics), refresh=False)
            if (step + 1) % config.logging_steps == 0 or step + 1 == config.max_steps:
                with open(output / "metrics.jsonl", "a") as log:
                    log.write(json.dumps(metrics) + "\n")
                accelerator.log(metrics, step=step + 1)
            if config.sample_every and (step + 1) % config.sample_every == 0:
                from dopd_vl.samples import write_samples

                write_samples(output / "samples", run.pair.tokenizer, result.micro_batches[0], result.statistics,
                              run.options, metrics, step + 1, stop_ids=run.engine.stop_ids, reward=run.reward,
                              every=config.sample_every, last_step=config.max_steps)
        if config.save_steps and (step + 1) % config.save_steps == 0 and step + 1 < config.max_steps:
            save_checkpoint(run, step + 1)
    final, staging = output / "final", output / ".final.partial"
    if accelerator.is_main_process:
        shutil.rmtree(staging, ignore_errors=True)
    save_student(run, staging, final=True)
    if accelerator.is_main_process:
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return final


def progress_fields(metrics: dict[str, float]) -> dict[str, str]:
    """The progress bar's postfix: loss, each regime's token share by its short name (DT LT LS WS, as
    `routing.REGIME_SHORT`), tokens per second; short enough that the line fits 100 columns."""
    fields = {"loss": f"{metrics['loss']:.4f}"}
    for regime, short in routing.REGIME_SHORT.items():
        if f"fraction/{regime}" in metrics:
            fields[short] = f"{metrics[f'fraction/{regime}']:.2f}"
    fields["tok/s"] = f"{metrics['tokens_per_second']:.0f}"
    return fields


def keep_metrics_until(path: Path, step: int) -> None:
    """On resume, drop the log lines of steps after the checkpoint: they are about to be run again."""
    if not path.exists():
        return
    lines = [line for line in path.read_text().splitlines() if line and json.loads(line)["step"] <= step]
    path.write_text("".join(line + "\n" for line in lines))
