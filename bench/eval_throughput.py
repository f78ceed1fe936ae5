"""Evaluation throughput of the tiny student on the synthetic shapes set: samples/s at batch sizes 1 and 16.

    python bench/eval_throughput.py [--samples 64] [--max-new-tokens 16]

Goal (issue 6): batch 16 at least 5x batch 1. Responses are greedy and capped at --max-new-tokens; the tiny student's
random weights rarely stop early, so both batch sizes generate about the same number of tokens (the script prints it).
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    args = parser.parse_args()
    torch.set_num_threads(2)

    from data_builders.synthetic import build_synthetic
    from eval.harness import run_eval
    from lab.tiny import resolve_model

    data_dir = Path(tempfile.mkdtemp())
    build_synthetic("shapes", data_dir / "shapes", args.samples, seed=0, show_progress=False)
    location = resolve_model("tiny:student")
    run_eval("tiny:student", ["shapes"], data_dir, data_dir / "warm-up", limit=4, batch_size=4, max_new_tokens=4,
             location=location)
    rows = []
    for batch_size in (1, 16):
        output = data_dir / f"batch{batch_size}"
        started = time.perf_counter()
        results = run_eval("tiny:student", ["shapes"], data_dir, output, limit=args.samples, batch_size=batch_size,
                           max_new_tokens=args.max_new_tokens, location=location)
        seconds = time.perf_counter() - started
        entry = results["results"]["shapes"]
        samples = [json.loads(line) for line in (output / "samples_shapes.jsonl").read_text().splitlines()]
        rows.append((batch_size, entry["samples"], entry["seconds"], entry["samples_per_second"], seconds,
                     sum(len(s["response"]) for s in samples)))
    print(f"tiny student, shapes, {args.samples} samples, max_new_tokens {args.max_new_tokens}, greedy, CPU "
          f"({torch.get_num_threads()} threads)")
    print("batch  samples  generate+score s  samples/s  whole run s  response chars")
    for batch, count, seconds, rate, whole, chars in rows:
        print(f"{batch:>5}  {count:>7}  {seconds:>16.2f}  {rate:>9.2f}  {whole:>11.2f}  {chars:>14}")
    print(f"batch 16 / batch 1: {rows[1][3] / rows[0][3]:.1f}x (goal: at least 5x)")


if __name__ == "__main__":
    main()
