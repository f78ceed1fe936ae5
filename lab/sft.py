"""Supervised training of a tiny teacher or student on rendered records: how the built-in tiny pairs learn their task.

Each step samples `batch_size` records, gives each one privileged variant drawn from `SFTRecipe.views` (no
privileged input, the task's own privileged input, or the final answer as the only hint: the three variants the
privilege lab compares), renders the privileged view (which is the student view when the variant has no privileged
input), and trains on the record's worked solution (`source.solution`) followed by the end-of-turn token. Prompts are
encoded exactly as rollouts and evaluation encode them (`dopd_vl.rollout.encode_prompts`, non-thinking chat
template), and the loss is the mean cross-entropy of the solution tokens, computed from the hidden states at the
response positions like every other objective of the project (`dopd_vl.rollout.scoring_batch`).

So both models have seen the privileged prompt format: the privileged student of a later distillation run reads a
prompt it knows. Runs are deterministic for a recipe (one CPU thread, seeded sampling and initialisation). The
caller caches the result by a hash of the recipe (`lab.tiny` names the pair's folder by it).
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from dataclasses import dataclass

import torch

from data_builders.build import choose_privileged
from data_builders.generate import item_text, load_prompt, prompt_messages
from dopd_vl.models import load_model
from dopd_vl.records import load_records, record_from_dict, record_to_dict, render_messages, render_options
from dopd_vl.rollout import Rollouts, encode_prompts, response_hidden_states, scoring_batch

# The privileged variants of a prompt: no privileged input, the task's own (hints, boxes), the final answer only (the
# three the privilege lab compares).
VARIANTS = ("none", "own", "answer")
# What supervised training may also draw, `write`: the record's own privileged input as the answer to the generation
# prompt of `dopd-vl build-data --generator` (configs/prompts/), so a tiny teacher can write hints or boxes for a
# build as a real model would (poorly: the rule checks reject most of it).
TRAINING_VARIANTS = (*VARIANTS, "write")


@dataclass(frozen=True)
class SFTRecipe:
    """One supervised run. `views` is the mixture of privileged variants, as (variant, probability) pairs."""

    steps: int
    batch_size: int = 16
    learning_rate: float = 3e-3
    warmup_steps: int = 20
    min_learning_rate_ratio: float = 0.1  # the cosine schedule ends at this share of the peak
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    views: tuple[tuple[str, float], ...] = (("none", 0.4), ("own", 0.45), ("answer", 0.15))
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 0 or self.batch_size < 1:
            raise ValueError(f"SFTRecipe: steps must be >= 0 and batch_size >= 1, got {self.steps}, {self.batch_size}")
        unknown = [variant for variant, _ in self.views if variant not in TRAINING_VARIANTS]
        if unknown or not self.views:
            raise ValueError(f"SFTRecipe.views: unknown variant(s) {unknown}; choose from {TRAINING_VARIANTS}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def privileged_variant(record, variant: str):
    """The record with its privileged input replaced by a variant (the build's own rule for `answer` and `none`)."""
    if variant == "own":
        return record
    data = record_to_dict(record)
    data["privileged"] = choose_privileged({}, variant, record.answer)
    return record_from_dict(data)


def learning_rate_at(step: int, recipe: SFTRecipe) -> float:
    """Linear warm-up, then cosine decay to `min_learning_rate_ratio` of the peak."""
    if step < recipe.warmup_steps:
        return recipe.learning_rate * (step + 1) / recipe.warmup_steps
    progress = (step - recipe.warmup_steps) / max(1, recipe.steps - recipe.warmup_steps)
    floor = recipe.min_learning_rate_ratio
    return recipe.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def solution_of(record) -> str:
    solution = record.source.get("solution") or record.answer
    if not solution:
        raise ValueError(f"record {record.id!r} has neither source.solution nor an answer to train on")
    return solution


def sft_example(record, variant: str, render: dict) -> tuple[list[dict], str]:
    """(prompt messages, target text) of one record in one variant: the privileged view and the worked solution, or
    for `write` the generation prompt of the record's own kind of privileged input and that input as its answer."""
    if variant != "write":
        return render_messages(privileged_variant(record, variant), "privileged", **render), solution_of(record)
    kind = "hints" if record.privileged.hints else "boxes"
    plain = privileged_variant(record, "none")
    return prompt_messages(plain, load_prompt(kind), None), item_text(record, kind)


def sft_batch(processor, examples: list[tuple[list[dict], str]]):
    """Prompts (non-thinking template) with their targets appended: a `ScoringBatch` whose response tokens are the
    target and the end-of-turn token."""
    tokenizer = getattr(processor, "tokenizer", processor)
    end_of_turn = tokenizer.convert_tokens_to_ids("<|im_end|>")
    prompts = encode_prompts(processor, [messages for messages, _ in examples])
    responses = [tokenizer(target, add_special_tokens=False).input_ids + [end_of_turn] for _, target in examples]
    return scoring_batch(prompts, Rollouts(responses, prompts=len(examples), per_prompt=1), tokenizer.pad_token_id)


def sft_loss(model, batch) -> torch.Tensor:
    """Mean cross-entropy of the response tokens (logits only at the response positions)."""
    hidden_NH = response_hidden_states(model, batch)
    logits_NV = model.get_output_embeddings()(hidden_NH).float()
    return torch.nn.functional.cross_entropy(logits_NV, batch.token_ids_N.to(logits_NV.device))


def train_sft(model, processor, records, recipe: SFTRecipe, render: dict | None = None, log=None) -> dict:
    """Train `model` in place on `records` with `recipe`; returns a summary (steps, seconds, losses)."""
    render = render or {}
    variants, weights = zip(*recipe.views)
    sampler = random.Random(recipe.seed)
    torch.manual_seed(recipe.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate, weight_decay=recipe.weight_decay,
                                  betas=(0.9, 0.98))
    model.train()
    losses, started = [], time.perf_counter()
    for step in range(recipe.steps):
        drawn = [(sampler.choices(variants, weights)[0], r)
                 for r in sampler.sample(records, min(recipe.batch_size, len(records)))]
        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, recipe)
        # `write` prompts are several times longer than the others: padded into one batch, they would set its length
        # for every row, so each kind is its own batch and the loss is their token-weighted mean (the same mean)
        batches = [sft_batch(processor, examples) for examples in (
            [sft_example(r, v, render) for v, r in drawn if (v == "write") == writing] for writing in (False, True))
            if examples]
        tokens = sum(batch.token_ids_N.numel() for batch in batches)
        loss = sum(sft_loss(model, batch) * (batch.token_ids_N.numel() / tokens) for batch in batches)
        loss.backward()
        if recipe.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if log is not None and (step + 1) % 50 == 0:
            log(f"sft step {step + 1}/{recipe.steps}: loss {sum(losses[-50:]) / len(losses[-50:]):.3f}")
    model.eval()
    tail = losses[-20:] or [float("nan")]
    return {"steps": recipe.steps, "seconds": round(time.perf_counter() - started, 1),
            "first_loss": round(losses[0], 4) if losses else None, "final_loss": round(sum(tail) / len(tail), 4)}


# ---------------------------------------------------------------------------------------------------------------------
# Training saved models, several at once (the tiny pairs' teacher and student, one CPU core each).
# ---------------------------------------------------------------------------------------------------------------------


def train_saved_model(folder: str, family: str, data: str, recipe: dict) -> dict:
    """Load the model saved in `folder`, train it on the records of the build folder `data`, save it back in place.
    Runs on one CPU thread, so that a run is deterministic for its recipe and two runs share two cores."""
    torch.set_num_threads(1)
    model, processor = load_model(folder, family)
    summary = train_sft(model, processor, load_records(data), SFTRecipe(**recipe), render_options(data))
    model.save_pretrained(folder)
    return summary


def train_saved_models(folders: dict, family: str, data, recipes: dict[str, SFTRecipe]) -> dict:
    """`train_saved_model` for each role of `folders`, each in its own process (`python -m lab.sft`), all at
    once when the machine has a core for each; returns each role's summary."""
    import json
    import os
    import subprocess
    import sys

    jobs = {role: [str(folders[role]), family, str(data), json.dumps(recipes[role].to_dict())] for role in folders
            if recipes[role].steps > 0}
    parallel = (os.cpu_count() or 1) >= len(jobs)
    environment = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    summaries, running = {}, {}
    for role, job in jobs.items():
        running[role] = subprocess.Popen([sys.executable, "-m", "lab.sft", *job], env=environment,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not parallel:
            summaries[role] = _finish(role, running.pop(role))
    for role, process in running.items():
        summaries[role] = _finish(role, process)
    return summaries


def _finish(role: str, process) -> dict:
    import json

    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"supervised training of the tiny {role} failed (exit {process.returncode}):\n"
                           f"{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


if __name__ == "__main__":  # python -m lab.sft FOLDER FAMILY DATA RECIPE_JSON (see train_saved_models)
    import json
    import sys

    folder, family, data, recipe = sys.argv[1:5]
    print(json.dumps(train_saved_model(folder, family, data, json.loads(recipe))))
