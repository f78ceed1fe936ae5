"""The built-in tiny pairs: small Qwen3-VL (`tiny`) and Qwen3 (`tiny-text`) teacher/student pairs built offline.

Everything a real pair ships is made here from code: a byte-level BPE tokenizer trained on a generated corpus with
Qwen's special tokens, a chat template in Qwen's format, model configs, seeded initial weights and, for the vision
pair, the stock `Qwen3VLProcessor`. Then both models are trained on their synthetic task (`shapes` for `tiny`, `arith`
for `tiny-text`) by supervised fine-tuning (`lab.sft`), teacher and student in parallel processes: the teacher is
four times the student's size, so it ends up clearly better, and both have seen the three privileged variants (none,
the task's own, the final answer). These are the models of the privilege lab (`lab.privilege`). The result is written
as ordinary `save_pretrained` folders in the cache, named by a hash of everything that determines the build, so the
tiny pairs load through exactly the code path of real ones (`dopd_vl.models.load_pair`).

The core never builds them: their pair cards (`configs/pairs/tiny*.yaml`) say `builtin`, and the face (`dopd-vl`)
or the lab resolves such a pair into its two folders here (`resolve_pair`, `resolve_config`, `resolve_model`) and
hands plain paths down, with the default synthetic data set when a run names none.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import torch

BUILDER_VERSION = 3  # bump when the build recipe changes: the cache key includes it, so stale builds are not reused
TOKENIZER_BASE_VOCAB = 1024  # byte-level BPE entries before the special tokens

# Qwen's special tokens in Qwen's own order, so that their offsets from <|endoftext|> match the real tokenizer
# (<|endoftext|> is 151643 there, <|im_start|> 151644, ... <|image_pad|> 151655, ... </think> 151668).
QWEN_SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
    "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
]
# Added but not special in Qwen's tokenizer: they are ordinary text to the chat template and the decoder.
QWEN_ADDED_TOKENS = [
    "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>", "<think>", "</think>",
]

# Teacher and student sizes. Teachers untie embeddings and students tie them, as Qwen3-VL-8B / -2B and
# Qwen3-8B / -1.7B do, so both lm_head layouts are exercised. head_dim 32 gives mrope sections summing to 16.
TEXT_SIZES = {
    "teacher": dict(hidden_size=128, intermediate_size=384, num_hidden_layers=4, num_attention_heads=4,
                    num_key_value_heads=2, head_dim=32, tie_word_embeddings=False),
    "student": dict(hidden_size=64, intermediate_size=192, num_hidden_layers=2, num_attention_heads=2,
                    num_key_value_heads=1, head_dim=32, tie_word_embeddings=True),
}
# The vision towers start from weights ten times the usual scale (initializer_range 0.2, not 0.02): at these widths
# the usual scale gives image features that hardly depend on the image, and supervised training then never learns to
# read colours (measured: chance after 150 steps at 0.02, 80% colour accuracy after 40 steps at 0.2).
VISION_SIZES = {
    "teacher": dict(depth=2, hidden_size=64, intermediate_size=128, num_heads=2, deepstack_visual_indexes=[1],
                    initializer_range=0.2),
    "student": dict(depth=1, hidden_size=32, intermediate_size=64, num_heads=1, deepstack_visual_indexes=[0],
                    initializer_range=0.2),
}
# Images are resized to between 64x64 and 128x128 pixels: 4 to 16 language tokens each (32x32 pixels per token).
IMAGE_MIN_PIXELS = 64 * 64
IMAGE_MAX_PIXELS = 128 * 128

TINY_PAIRS = {"tiny": "qwen3-vl", "tiny-text": "qwen3"}  # pair -> family
# The synthetic task of each family: what its tiny pair is trained on, and the data of a run that names none.
FAMILY_TASKS = {"qwen3-vl": "shapes", "qwen3": "arith"}

# Supervised training of the tiny pairs (lab.sft.SFTRecipe fields; the seed is the pair's). Teacher and student
# train at the same time on one CPU core each; the teacher's steps set the build time (about a minute on 2 cores).
# Measured on the held-out split (docs/lab/report.md has the numbers of the current recipes): the teacher ends well
# above the student without privileged input, and higher still with it; the student is weak but above chance.
SFT_DATA_SIZE = 4000  # training records, drawn from the train split of the synthetic task
# One example in ten teaches each teacher to write its task's privileged input for `build-data --generator`
# (sft.TRAINING_VARIANTS), so `tiny:teacher` and `tiny-text:teacher` can stand in for a real generator; the students
# keep the three variants the lab compares (measured with writing examples for the students too: the arith student
# did worse with hints than without, 18.4% against 19.6%, and the lab's DOPD fell from 16.6% to 4.2%)
TEXT_VIEWS = (("none", 0.4), ("own", 0.45), ("answer", 0.15))
VISION_VIEWS = (("none", 0.35), ("own", 0.5), ("answer", 0.15))


def with_writing(views: tuple) -> tuple:
    return tuple((variant, round(weight * 0.9, 4)) for variant, weight in views) + (("write", 0.1),)


SFT_RECIPES = {
    "tiny-text": {"teacher": dict(steps=300, batch_size=16, learning_rate=1e-3, views=with_writing(TEXT_VIEWS)),
                  "student": dict(steps=300, batch_size=16, learning_rate=3e-3, views=TEXT_VIEWS)},
    "tiny": {"teacher": dict(steps=200, batch_size=16, learning_rate=1e-3, views=with_writing(VISION_VIEWS)),
             "student": dict(steps=200, batch_size=16, learning_rate=1e-3, views=VISION_VIEWS)},
}


def pair_task(name: str) -> str:
    """The synthetic task a tiny pair is trained on (`shapes` for `tiny`, `arith` for `tiny-text`)."""
    return FAMILY_TASKS[TINY_PAIRS[name]]


def cache_dir() -> Path:
    """Where built pairs live: `$DOPD_VL_CACHE`, default `~/.cache/dopd-vl`."""
    return Path(os.environ.get("DOPD_VL_CACHE", Path.home() / ".cache" / "dopd-vl")).expanduser()


def chat_template(family: str) -> str:
    name = {"qwen3-vl": "qwen3_vl.jinja", "qwen3": "qwen3.jinja"}[family]
    return resources.files("dopd_vl.templates").joinpath(name).read_text()


def tokenizer_corpus(seed: int) -> list[str]:
    """A generated corpus covering what the tiny pairs read and write: chat markup, the privileged blocks, the
    synthetic tasks' questions, hints, boxes and solutions (from their own generators), and multiple-choice answers."""
    from data_builders.synthetic import arith_problem, shapes_draw
    from dopd_vl.records import ANNOTATIONS_HEADER, BOXES_HEADER, HINTS_HEADER, PRIVILEGED_HEADER

    rng = random.Random(seed)
    lines = ["You are a helpful assistant.", "Answer with the option letter.", "Think step by step.",
             "system user assistant", PRIVILEGED_HEADER, BOXES_HEADER, ANNOTATIONS_HEADER, HINTS_HEADER,
             "The final answer is", "The answer is"]
    for _ in range(3000):
        _, question, hints, solution, _ = arith_problem(rng)
        lines += [question, " ".join(hints), solution]
        # the question and its short answer only: the worked answers' words are all here, and a corpus change would
        # change both pairs' tokenizers (the tiny-text pair's build key names only the arith generator's version)
        objects, _, question, answer, _ = shapes_draw(rng)
        lines.append(f"{question} {answer}")
        for obj in objects:
            x1, y1, x2, y2 = (round(v / 96 * 1000) for v in obj["box"])
            lines.append(f'{{"bbox_2d": [{x1}, {y1}, {x2}, {y2}], "label": "{obj["colour"]} {obj["shape"]}"}}')
        options = rng.sample(["circle", "square", "triangle", "star", "cross"], 4)
        lines.append("Which shape is it? " + " ".join(f"{l}. {o}" for l, o in zip("ABCD", options))
                     + f" Answer: {rng.choice('ABCD')}")
    return lines


def train_tokenizer(seed: int):
    """Train a byte-level BPE with Qwen's pre-tokenizer, then append Qwen's special tokens in Qwen's order."""
    from tokenizers import Tokenizer, models, trainers
    from transformers import Qwen2Tokenizer

    qwen_backend = Qwen2Tokenizer(vocab={}, merges=[]).backend_tokenizer  # Qwen's regex split + byte-level
    bpe = Tokenizer(models.BPE())
    bpe.normalizer = qwen_backend.normalizer
    bpe.pre_tokenizer = qwen_backend.pre_tokenizer
    trainer = trainers.BpeTrainer(vocab_size=TOKENIZER_BASE_VOCAB, show_progress=False,
                                  initial_alphabet=sorted(_byte_level_alphabet()))
    bpe.train_from_iterator(tokenizer_corpus(seed), trainer=trainer)
    model = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    tokenizer = Qwen2Tokenizer(vocab=model["vocab"], merges=merges, unk_token=None, bos_token=None,
                               eos_token=None, pad_token=None, errors="replace")
    tokenizer.add_special_tokens({"additional_special_tokens": QWEN_SPECIAL_TOKENS})
    tokenizer.add_tokens(QWEN_ADDED_TOKENS)
    tokenizer.eos_token, tokenizer.pad_token = "<|im_end|>", "<|endoftext|>"
    ids = tokenizer.convert_tokens_to_ids(QWEN_SPECIAL_TOKENS + QWEN_ADDED_TOKENS)
    assert ids == list(range(ids[0], ids[0] + len(ids))), "special tokens were not appended in Qwen's order"
    return tokenizer


def _byte_level_alphabet() -> set[str]:
    from tokenizers import pre_tokenizers

    return set(pre_tokenizers.ByteLevel.alphabet())


def padded_vocab_size(tokenizer) -> int:
    """The embedding rows: the tokenizer's size rounded up to a multiple of 64, as Qwen pads 151,669 to 151,936."""
    return -(-len(tokenizer) // 64) * 64


def model_config(family: str, role: str, tokenizer):
    """The config of the tiny teacher or student of a family, with the token ids of `tokenizer`."""
    from transformers import Qwen3Config, Qwen3VLConfig

    ids = dict(zip(QWEN_SPECIAL_TOKENS, tokenizer.convert_tokens_to_ids(QWEN_SPECIAL_TOKENS)))
    text = dict(TEXT_SIZES[role], vocab_size=padded_vocab_size(tokenizer), max_position_embeddings=4096,
                rms_norm_eps=1e-6, bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
                pad_token_id=ids["<|endoftext|>"])
    tie = text.pop("tie_word_embeddings")
    if family == "qwen3":
        return Qwen3Config(**text, rope_parameters={"rope_type": "default", "rope_theta": 1_000_000.0},
                           tie_word_embeddings=tie)
    text["rope_parameters"] = {"rope_type": "default", "rope_theta": 1_000_000.0, "mrope_section": [8, 4, 4],
                               "mrope_interleaved": True}
    vision = dict(VISION_SIZES[role], patch_size=16, spatial_merge_size=2, temporal_patch_size=2,
                  out_hidden_size=text["hidden_size"], num_position_embeddings=64)
    return Qwen3VLConfig(text_config=text, vision_config=vision, tie_word_embeddings=tie,
                         image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
                         vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"])


def build_processor(family: str, tokenizer):
    """The stock processor for the family: `Qwen3VLProcessor` for vision, the tokenizer itself for text."""
    tokenizer.chat_template = chat_template(family)
    if family == "qwen3":
        return tokenizer
    from transformers import Qwen2VLImageProcessor, Qwen3VLProcessor, Qwen3VLVideoProcessor

    size = {"shortest_edge": IMAGE_MIN_PIXELS, "longest_edge": IMAGE_MAX_PIXELS}
    image_processor = Qwen2VLImageProcessor(patch_size=16, merge_size=2, temporal_patch_size=2, size=size,
                                            image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    video_processor = Qwen3VLVideoProcessor(patch_size=16, merge_size=2, temporal_patch_size=2, size=size)
    return Qwen3VLProcessor(image_processor=image_processor, tokenizer=tokenizer, video_processor=video_processor,
                            chat_template=chat_template(family))


def sft_recipes(name: str, seed: int, sft_steps: int | None = None) -> dict:
    """The SFT recipe of each role (`sft_steps` replaces the default steps: 0 leaves the weights as initialised)."""
    from lab.sft import SFTRecipe

    recipes = {}
    for offset, (role, fields) in enumerate(SFT_RECIPES[name].items()):
        fields = dict(fields, seed=seed * 1000 + offset)
        if sft_steps is not None:
            fields["steps"] = sft_steps
        recipes[role] = SFTRecipe(**fields)
    return recipes


def build_spec(name: str, seed: int, sft_steps: int | None = None) -> dict:
    """Everything that determines a build; its hash names the cache folder."""
    from data_builders.synthetic import GENERATOR_VERSIONS

    family = TINY_PAIRS[name]
    return {"name": name, "family": family, "seed": seed, "builder_version": BUILDER_VERSION,
            "tokenizer_base_vocab": TOKENIZER_BASE_VOCAB, "text_sizes": TEXT_SIZES,
            "vision_sizes": VISION_SIZES if family == "qwen3-vl" else None,
            "image_pixels": [IMAGE_MIN_PIXELS, IMAGE_MAX_PIXELS], "template": chat_template(family),
            "sft": {"task": pair_task(name), "generator_version": GENERATOR_VERSIONS[pair_task(name)], "data_size": SFT_DATA_SIZE,
                    "recipes": {role: r.to_dict() for role, r in sft_recipes(name, seed, sft_steps).items()}}}


def tiny_pair_dir(name: str, seed: int = 0, sft_steps: int | None = None) -> Path:
    spec = build_spec(name, seed, sft_steps)
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / "pairs" / f"{name}-seed{seed}-{digest}"


def ensure_tiny_pair(name: str, seed: int = 0, sft_steps: int | None = None) -> Path:
    """Return the folder holding `teacher/` and `student/` of a tiny pair, building (and training) it on first use.

    The build goes to a temporary folder beside the target and is renamed into place when complete, so an
    interrupted build never leaves a half pair, and two processes building at once both end with a whole one.
    `sft_steps` replaces the recipes' steps (tests use a few; 0 gives the untrained initial weights).
    """
    if name not in TINY_PAIRS:
        raise KeyError(f"unknown tiny pair {name!r}; expected one of {sorted(TINY_PAIRS)}")
    target = tiny_pair_dir(name, seed, sft_steps)
    if (target / "build.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    started = time.perf_counter()
    print(f"building the tiny pair {name!r} on first use (tokenizer, models, supervised training: a few minutes on "
          f"a CPU) into {target}", file=sys.stderr, flush=True)
    try:
        write_tiny_pair(name, seed, staging, sft_steps)
        try:
            staging.rename(target)
        except OSError:  # another process finished first: keep its build
            if not (target / "build.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"built the tiny pair {name!r} in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return target


def make_tiny_models(name: str, seed: int):
    """The processor and the freshly initialised teacher and student of a tiny pair (nothing written)."""
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText, GenerationConfig

    family = TINY_PAIRS[name]
    tokenizer = train_tokenizer(seed)
    processor = build_processor(family, tokenizer)
    auto_class = AutoModelForImageTextToText if family == "qwen3-vl" else AutoModelForCausalLM
    eos = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    models = {}
    for offset, role in enumerate(["teacher", "student"]):
        torch.manual_seed(seed * 1000 + offset)  # deterministic weights, different for teacher and student
        models[role] = auto_class.from_config(model_config(family, role, tokenizer), dtype=torch.float32)
        models[role].generation_config = GenerationConfig(eos_token_id=eos, pad_token_id=eos[1])
    return processor, models


def write_tiny_pair(name: str, seed: int, out: Path, sft_steps: int | None = None) -> None:
    processor, models = make_tiny_models(name, seed)
    for role, model in models.items():
        model.save_pretrained(out / role)
        processor.save_pretrained(out / role)
    recipes = sft_recipes(name, seed, sft_steps)
    summary = {}
    if any(recipe.steps for recipe in recipes.values()):
        from data_builders.synthetic import build_synthetic
        from lab.sft import train_saved_models

        task = pair_task(name)
        data = build_synthetic(task, cache_dir() / "data" / f"sft-{task}-n{SFT_DATA_SIZE}-seed{seed}", SFT_DATA_SIZE,
                               seed, show_progress=False)
        summary = train_saved_models({role: out / role for role in recipes}, TINY_PAIRS[name], data, recipes)
    build = build_spec(name, seed, sft_steps) | {"sft_summary": summary}
    (out / "build.json").write_text(json.dumps(build, indent=1, sort_keys=True))


# ---------------------------------------------------------------------------------------------------------------------
# Built-in pairs as plain paths: what the face hands the core (which never builds a pair or a data set itself).
# ---------------------------------------------------------------------------------------------------------------------


def resolve_pair(spec):
    """A pair card with its `builtin` models replaced by the tiny pair's folders (built on first use); other cards as
    they are."""
    import dataclasses

    from dopd_vl.models import PairError

    if "builtin" not in (spec.teacher, spec.student):
        return spec
    if spec.name not in TINY_PAIRS:
        raise PairError(f"{spec.source}: 'builtin' models exist only for the pairs {sorted(TINY_PAIRS)}")
    folder = ensure_tiny_pair(spec.name)
    return dataclasses.replace(spec, **{role: str(folder / role) for role in ("teacher", "student")
                                        if getattr(spec, role) == "builtin"})


def default_data(family: str, size: int, seed: int) -> Path:
    """The built-in synthetic set of a family (shapes for vision, arith for text), built once and cached."""
    from data_builders.synthetic import build_synthetic

    task = FAMILY_TASKS[family]
    return build_synthetic(task, cache_dir() / "data" / f"{task}-n{size}-seed{seed}", size, seed, show_progress=False)


def resolve_config(config):
    """A `TrainConfig` as the trainer takes it: the built-in pair's folders as `teacher` / `student`, and the default
    synthetic set as `data` when the config names none (`data_size` records)."""
    import dataclasses

    from dopd_vl.models import load_pair_spec

    spec = load_pair_spec(config.pair, teacher=config.teacher, student=config.student)
    resolved = resolve_pair(spec)
    changes = {role: getattr(resolved, role) for role in ("teacher", "student")
               if getattr(resolved, role) != getattr(spec, role)}
    if not config.data:
        changes["data"] = str(default_data(spec.family, config.data_size, config.seed))
    return dataclasses.replace(config, **changes) if changes else config


def resolve_model(reference: str) -> str:
    """`tiny:teacher` / `tiny-text:student` as the built pair's folder; any other reference unchanged."""
    pair, _, role = reference.rpartition(":")
    if pair in TINY_PAIRS and role in ("teacher", "student") and not Path(reference).expanduser().exists():
        return str(ensure_tiny_pair(pair) / role)
    return reference
