"""Memory of one optimizer step, full fine-tuning against LoRA (`lora.r=64`), through `dopd_vl.trainer`.

Each case runs in a fresh subprocess (its peak RSS is its own): `setup` of a DOPD run (teacher, student, optimizer),
then one `train_step` on fixed rollouts (every response exactly --new-tokens tokens, so both cases score the same
tokens and generation is not part of the comparison). Columns: the student's trained parameters, the bytes of the
optimizer state after the step (AdamW: two float32 moments per trained parameter), the RSS after setup (teacher and
student weights read once, so that their memory-mapped pages count), the peak RSS of the process over the step and
the difference (what the step itself added: activations, gradients, optimizer state).

Pairs:
  tiny-text    the built-in tiny Qwen3 pair (built on first use)
  0.6b-shaped  a Qwen3-0.6B-shaped model (28 layers, hidden 1024, vocabulary 151,936; random weights, float32) as
               both teacher and student, with the tiny-text tokenizer; written once to --work (about 2.4 GB)

Usage (from the repository root, project installed):

    python bench/lora_memory.py                  # both pairs
    python bench/lora_memory.py --pairs tiny-text
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def shaped_pair(work: Path) -> Path:
    """A pair YAML whose teacher and student are one random Qwen3-0.6B-shaped model (written once)."""
    import torch
    from transformers import AutoTokenizer, Qwen3Config, Qwen3ForCausalLM

    from dopd_vl.models import load_pair_spec
    from lab.tiny import resolve_pair

    folder = work / "qwen3-0.6b-shaped"
    if not (folder / "model.safetensors").is_file():
        tokenizer = AutoTokenizer.from_pretrained(resolve_pair(load_pair_spec("tiny-text")).student)
        config = Qwen3Config(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                             num_attention_heads=16, num_key_value_heads=8, head_dim=128, max_position_embeddings=4096,
                             tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
                             eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
        torch.manual_seed(0)
        model = Qwen3ForCausalLM(config).to(torch.float32)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    pair = work / "qwen3-0.6b-shaped.yaml"
    pair.write_text(f"family: qwen3\nteacher: {folder}\nstudent: {folder}\ndtype: float32\n")
    return pair


def run_case(pair: str, lora_rank: int, new_tokens: int, output: Path) -> dict:
    import torch

    from dopd_vl.config import load_config
    from dopd_vl.rollout import Rollouts
    from dopd_vl.trainer import setup, step_records, train_step
    from lab.tiny import resolve_config

    torch.set_num_threads(2)
    config = load_config(overrides=[f"pair={pair}", f"output={output}", "prompts_per_step=2", "rollouts_per_prompt=2",
                                    f"max_new_tokens={new_tokens}", "data_size=16", "sample_every=0",
                                    "report_to=none", f"lora.r={lora_rank}", "lora.alpha=128"])
    run, _ = setup(resolve_config(config), resume=False)
    records = step_records(run.records, 0, config, 0, 1)

    class FixedRollouts:  # every response exactly new_tokens ordinary tokens
        def generate(self, prompt_inputs, per_prompt):
            responses = [[100 + (7 * i + t) % 300 for t in range(new_tokens)] for i in range(len(records) * per_prompt)]
            return Rollouts(responses, prompts=len(records), per_prompt=per_prompt)

    run.engine = FixedRollouts()
    with torch.no_grad():  # weights are memory-mapped from safetensors: read them all, so that RSS counts them
        for model in (run.pair.teacher, run.student):
            sum(float(p.sum()) for p in model.parameters())
    rss_setup = rss_now_mib()
    metrics = train_step(run, 0, records).metrics
    trained = sum(p.numel() for p in run.student.parameters() if p.requires_grad)
    optimizer_bytes = sum(t.numel() * t.element_size() for state in run.optimizer.state.values()
                          for t in state.values() if torch.is_tensor(t))
    return {"pair": pair, "lora_r": lora_rank, "total": sum(p.numel() for p in run.student.parameters()),
            "trained": trained, "optimizer_bytes": optimizer_bytes, "rss_setup_mib": rss_setup,
            "peak_rss_mib": peak_rss_mib(), "loss": metrics["loss"], "tokens": metrics["num_tokens"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", default="tiny-text,0.6b-shaped")
    parser.add_argument("--rank", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "dopd-vl-lora-bench"))
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: PAIR:RANK, run in this process
    args = parser.parse_args()
    work = Path(args.work)
    if args.case:
        pair, rank = args.case.rsplit(":", 1)
        output = Path(tempfile.mkdtemp(dir=work, prefix="run-"))
        print(json.dumps(run_case(pair, int(rank), args.new_tokens, output / "run")))
        return
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.pairs.split(","):
        pair = str(shaped_pair(work)) if name == "0.6b-shaped" else name
        for rank in (0, args.rank):
            result = subprocess.run([sys.executable, __file__, "--case", f"{pair}:{rank}", "--work", str(work),
                                     "--new-tokens", str(args.new_tokens)], capture_output=True, text=True, cwd=ROOT,
                                    env=dict(os.environ, PYTHONPATH=str(ROOT)))
            if result.returncode != 0:
                sys.exit(f"case {name} r={rank} failed:\n{result.stderr[-3000:]}")
            rows.append(dict(json.loads(result.stdout.strip().splitlines()[-1]), name=name))
            print(f"  done: {name} r={rank}", file=sys.stderr)
    print(f"One DOPD optimizer step, 2 prompts x 2 responses x {args.new_tokens} tokens, float32, AdamW; "
          f"LoRA alpha 128, default targets (every linear layer of the decoder layers).\n")
    print("| pair | student | trained params | optimizer state | RSS after setup | peak RSS | step adds |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        kind = "full fine-tuning" if row["lora_r"] == 0 else f"LoRA r={row['lora_r']}"
        print(f"| {row['name']} | {kind} | {row['trained']:,} of {row['total']:,} "
              f"({100 * row['trained'] / row['total']:.1f}%) | {row['optimizer_bytes'] / 2**20:,.1f} MiB | "
              f"{row['rss_setup_mib']:,.0f} MiB | {row['peak_rss_mib']:,.0f} MiB | "
              f"{row['peak_rss_mib'] - row['rss_setup_mib']:,.0f} MiB |")


if __name__ == "__main__":
    main()
