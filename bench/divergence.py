"""Time and peak memory of the DOPD objective against TRL's GKD loss, TRL's chunked kernel and the matmul floor.

Each case runs in a fresh subprocess (so peak RSS is its own), forward + backward, float32 unless named, from hidden
states:

  a  dopd_vl: the full DOPD objective from three views' hidden states (first pass over teacher and privileged
     student, step thresholds, routing, chunked objective, backward to the student's hidden states and lm_head)
  a16  a with bf16 hidden states and lm_heads (the chunked routine's bf16 path: 16-bit matmul operands, float32
     logits and math, no float32 copy of an lm_head or of hidden states; the lm_head gradient buffer is float32)
  b  TRL GKDTrainer.generalized_jsd_loss (beta 0.5) on materialised logits of two views (hidden @ lm_head.T)
  c  TRL ChunkedDivergenceFunction (beta 0.5) from two views' hidden states and lm_heads
  d  one N x H x V matmul (the floor: any method computes at least the student's logits once)

In a, b and c the student's hidden states and lm_head weight require grad. Usage:

    python bench/divergence.py            # N=2048, H=1024, V=151936, all cases one after the other
    python bench/divergence.py --quick    # N=256 smoke run
    python bench/divergence.py --cases a a16 d
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

CASES = {
    "a": "dopd_vl DOPD objective, 3 views, chunked",
    "a16": "dopd_vl DOPD objective, bf16 inputs",
    "b": "TRL generalized_jsd_loss, materialised logits",
    "c": "TRL ChunkedDivergenceFunction, 2 views",
    "d": "one N x H x V matmul (floor)",
}


def _inputs(n, h, v, seed=0, dtype=None):
    import torch

    generator = torch.Generator().manual_seed(seed)
    # Logit spread ~2-3 like a trained model's, so the distributions are neither flat nor one-hot. Drawn in blocks of
    # rows (the same numbers as one draw) into the weight's dtype: no second [V, H] (float32) transient in the peak.
    def weight():
        weight_VH = torch.empty(v, h, dtype=dtype or torch.float32)
        for start in range(0, v, 4096):
            weight_VH[start:start + 4096] = torch.randn(min(4096, v - start), h, generator=generator) * (2.5 / h**0.5)
        return weight_VH

    student_hidden = torch.randn(n, h, generator=generator).requires_grad_()
    student_lm_head = weight().requires_grad_()
    teacher_hidden = torch.randn(n, h, generator=generator)
    teacher_lm_head = weight()
    # The privileged student: the same weights, a correlated view (same response, prompt with p).
    privileged_hidden = (student_hidden.detach() + 0.5 * torch.randn(n, h, generator=generator)).contiguous()
    token_ids = torch.randint(0, v, (n,), generator=generator)
    views = student_hidden, student_lm_head, teacher_hidden, teacher_lm_head, privileged_hidden
    if dtype is not None:  # the same values rounded (the heads already are), leaves again (the student's require grad)
        views = tuple(view.detach().to(dtype).requires_grad_(view.requires_grad) for view in views)
    return *views, token_ids


def _run_case(case, n, h, v, chunk_size):
    import torch

    torch.manual_seed(0)
    dtype = torch.bfloat16 if case == "a16" else None
    inputs = _inputs(n, h, v, dtype=dtype)
    student_hidden, student_lm_head, teacher_hidden, teacher_lm_head, privileged_hidden, token_ids = inputs
    extra = {}
    start = time.perf_counter()
    if case in ("a", "a16"):
        from dopd_vl import objectives

        options = objectives.MethodOptions(chunk_size=chunk_size)
        sequences = 8  # 8 responses of n / 8 tokens
        batch = objectives.ObjectiveBatch(
            student_hidden_NH=student_hidden,
            student_lm_head_VH=student_lm_head,
            token_ids_N=token_ids,
            sequence_index_N=torch.arange(n) * sequences // n,
            sequence_lengths_B=torch.bincount(torch.arange(n) * sequences // n),
            num_sequences=sequences,
            teacher_hidden_NH=teacher_hidden,
            teacher_lm_head_VH=teacher_lm_head,
            privileged_student_hidden_NH=privileged_hidden,
        )
        dopd, dopd_options = objectives.resolve_method("dopd", options)
        signals = objectives.token_signals(dopd, batch, dopd_options)
        statistics = objectives.step_statistics(signals, dopd_options)
        loss, metrics = objectives.compute_objective(dopd, batch, signals, statistics, dopd_options)
        loss.backward()
        extra = {k: round(v, 3) for k, v in metrics.items() if k.startswith("fraction/")}
    elif case == "b":
        from trl.experimental.gkd.gkd_trainer import GKDTrainer

        student_logits = (student_hidden @ student_lm_head.T).unsqueeze(0)
        with torch.no_grad():
            teacher_logits = (teacher_hidden @ teacher_lm_head.T).unsqueeze(0)
        loss = GKDTrainer.generalized_jsd_loss(student_logits, teacher_logits, beta=0.5)
        loss.backward()
    elif case == "c":
        from trl.kernels.chunked_divergence import ChunkedDivergenceFunction

        divergence, _ = ChunkedDivergenceFunction.apply(
            student_hidden, student_lm_head, None, teacher_hidden, teacher_lm_head, None, 0.5
        )
        loss = divergence.mean()
        loss.backward()
    elif case == "d":
        with torch.no_grad():
            logits = teacher_hidden @ teacher_lm_head.T
        loss = logits[0, 0]
    else:
        raise ValueError(f"unknown case {case!r}")
    seconds = time.perf_counter() - start
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    return {"case": case, "seconds": seconds, "peak_rss_gib": peak_gib, "loss": float(loss), **extra}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--quick", action="store_true", help="N=256 smoke run")
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--h", type=int, default=1024)
    parser.add_argument("--v", type=int, default=151_936)
    parser.add_argument("--chunk-size", type=int, default=256, help="dopd_vl tokens per chunk")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = 256 if args.quick else args.n
    if args.worker:
        print(json.dumps(_run_case(args.worker, n, args.h, args.v, args.chunk_size)))
        return

    import torch

    print(f"N={n} H={args.h} V={args.v} float32 (a16: bf16), forward + backward, one fresh process per case")
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    results = {}
    for case in args.cases:
        command = [sys.executable, __file__, "--worker", case, "--n", str(n), "--h", str(args.h), "--v", str(args.v)]
        command += ["--chunk-size", str(args.chunk_size)]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0:
            print(f"case {case} failed (exit {completed.returncode}):\n{completed.stderr[-2000:]}")
            continue
        results[case] = json.loads(completed.stdout.strip().splitlines()[-1])
        result = results[case]
        details = {k: v for k, v in result.items() if k.startswith("fraction/")}
        print(
            f"{case:<4} {CASES[case]:<48} {result['seconds']:8.1f} s {result['peak_rss_gib']:7.2f} GiB"
            f"  loss {result['loss']:.4f} {details if details else ''}",
            flush=True,
        )
    if "a" in results and "a16" in results:
        print(f"a16 / a: time {results['a16']['seconds'] / results['a']['seconds']:.2f}, "
              f"peak {results['a16']['peak_rss_gib'] / results['a']['peak_rss_gib']:.2f}")
    if "a" in results and "b" in results:
        print(f"time a / b: {results['a']['seconds'] / results['b']['seconds']:.2f} (goal <= 1)")
    if "a" in results and "c" in results:
        print(f"peak a / c: {results['a']['peak_rss_gib'] / results['c']['peak_rss_gib']:.2f} (goal <= 1)")
    if "a" in results and "d" in results:
        print(f"time a / d: {results['a']['seconds'] / results['d']['seconds']:.1f} matmuls' worth")


if __name__ == "__main__":
    main()
