"""Time of one rollout per engine (`rollout_engine = hf | hf_static | hf_continuous`) on the tiny pairs' students.

Each engine samples `rollouts` responses to each of `prompts` prompts of the pair's built-in synthetic set, at
temperature 1; with `--fixed-length` (the default) every response runs to exactly `--new-tokens` tokens (the engines
given `min_new_tokens`; continuous batching has no such option, so its responses stop where the model stops and the
table gives its time per generated token too). Each (pair, engine, shape) runs in a fresh subprocess, warm-up calls
first, then the median of the timed calls. Usage:

    python bench/rollout_engines.py [--pairs tiny-text tiny] [--shapes 8x4 8x1] [--new-tokens 64] [--calls 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

ENGINES = ("hf", "hf_static", "hf_continuous")


def worker(case: dict) -> dict:
    import torch

    torch.set_num_threads(2)
    from dopd_vl.models import load_pair, load_pair_spec
    from dopd_vl.config import load_config
    from dopd_vl.records import load_records, render_messages
    from dopd_vl.rollout import encode_prompts, rollout_engine
    from lab.tiny import resolve_config, resolve_pair

    records = load_records(resolve_config(load_config(overrides=[f"pair={case['pair']}", "data_size=64"])).data)
    pair = load_pair(resolve_pair(load_pair_spec(case["pair"])), dtype="float32")
    processor = pair.processor
    prompts = encode_prompts(processor, [render_messages(r, "student") for r in records[:case["prompts"]]])
    engine = rollout_engine(case["engine"], pair.student, pair.tokenizer, case["new_tokens"], 1.0)
    if case["fixed_length"] and case["engine"] != "hf_continuous":
        engine.sampling["min_new_tokens"] = case["new_tokens"]
    seconds, tokens = [], []
    torch.manual_seed(0)
    for call in range(case["warmup"] + case["calls"]):
        started = time.perf_counter()
        rollouts = engine.generate(prompts, case["per_prompt"])
        if call >= case["warmup"]:
            seconds.append(time.perf_counter() - started)
            tokens.append(sum(rollouts.lengths))
    return {"seconds": statistics.median(seconds), "tokens": statistics.median(tokens)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", nargs="+", default=["tiny-text", "tiny"], help="tiny pairs to time")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), help="engines to time")
    parser.add_argument("--shapes", nargs="+", default=["8x4", "8x1"], help="PROMPTSxROLLOUTS per call")
    parser.add_argument("--new-tokens", type=int, default=64, help="longest response (exact with --fixed-length)")
    parser.add_argument("--calls", type=int, default=5, help="timed calls per case (after --warmup calls)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first")
    parser.add_argument("--natural-length", action="store_true", help="let responses stop at the end of turn")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    print("| pair | shape | engine | time per call (median) | tokens per call | ms per token |")
    print("|---|---|---|---|---|---|")
    for pair in args.pairs:
        for shape in args.shapes:
            prompts, per_prompt = map(int, shape.split("x"))
            for engine in args.engines:
                if engine == "hf_continuous" and pair == "tiny":
                    print(f"| {pair} | {shape} | {engine} | text prompts only | | |")
                    continue
                case = dict(pair=pair, engine=engine, prompts=prompts, per_prompt=per_prompt,
                            new_tokens=args.new_tokens, calls=args.calls, warmup=args.warmup,
                            fixed_length=not args.natural_length)
                done = subprocess.run([sys.executable, __file__, "--worker", json.dumps(case)], capture_output=True,
                                      text=True)
                if done.returncode:
                    print(f"| {pair} | {shape} | {engine} | failed: {done.stderr.strip().splitlines()[-1]} | | |")
                    continue
                result = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"| {pair} | {shape} | {engine} | {result['seconds']:.3f} s | {result['tokens']:.0f} | "
                      f"{1000 * result['seconds'] / result['tokens']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
