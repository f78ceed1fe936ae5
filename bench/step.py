"""Time and peak memory of one optimizer step of `dopd_vl.trainer.train_step`, per method, and against TRL's
on-policy distillation step (`trl.DistillationTrainer`) on the same tiny Qwen3 pair.

Every case runs in a fresh subprocess (so its peak RSS is its own), float32, `torch.set_num_threads(2)`, warm-up steps
first, then the timed steps; the tables show medians over the timed steps.

  Part A (issue 5): pairs `tiny` (Qwen3-VL) and `tiny-text` (Qwen3) x methods
      opd   (objective.estimator=full: full-vocabulary reverse KL; privileged teacher, the default)
      opsd  (JS to the privileged student)
      dopd  (teacher + privileged student + routing)
  Part B (peer): on `tiny-text`, TRL 1.16 `DistillationTrainer` (fully on-policy, its chunked generalized-JSD kernel,
      beta 1.0 = reverse KL, its default) against our `dopd` and `opd` steps, same prompts, same batch shape:
      8 prompts x 4 responses (our Part A shape; TRL generates one completion per row, so each prompt is repeated 4
      times in its 32-row batch) and 8 prompts x 1 response (the batch the project's guide quotes for TRL).

Responses are forced to exactly --new-tokens tokens (generate's `min_new_tokens` = `max_new_tokens`, set on our
rollout engine's sampling kwargs and in TRL's `generation_kwargs`), so every method and both trainers score the same
token count; `--natural-length` lets the random tiny models stop when they sample the end of turn instead.

Usage (from the repository root, project installed, `trl` for Part B):

    python bench/step.py              # both parts, 2 warm-up + 10 timed steps per case (Part B: 2 processes each)
    python bench/step.py --quick      # 1 warm-up + 2 timed steps, smoke run
    python bench/step.py --parts A    # Part A only; --parts B for the TRL comparison only

Part B interleaves its cases step by step: every case of a shape is set up in its own process first, then they take
turns, one optimizer step each (the order rotating every round), while the others wait idle. A drift of the machine's
speed during the run (measured at 27% within one sequential run) then reaches every case alike, and each round gives
a paired ratio, ours / TRL's, of two steps taken seconds apart; the tables show the median of those ratios too.
Each case runs in --processes processes (2 by default): two processes of the same case can differ by 13% in
`generate` alone (measured), so their timed steps are pooled. `--sequential` runs Part B's cases one after the other
instead, as Part A.

The machine must be otherwise idle: on 2 cores, any other process slows a step down several times over. The script
measures the CPU other processes took during the timed steps (column `other`, CPU seconds per second), reruns a
sequential case where it exceeds 0.1 (up to --retries times) and keeps the least disturbed attempt; before each case
(each interleaved shape) it waits (up to --wait-idle seconds) for the machine to be idle.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PAIRS = ("tiny", "tiny-text")
METHODS = {  # label: (method, extra overrides)
    "opd": ("opd", ["objective.estimator=full"]),
    "opsd": ("opsd", []),
    "dopd": ("dopd", []),
    "opd-nopriv": ("opd", ["objective.estimator=full", "objective.teacher_privileged=false"]),
}


def rss_now_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_snapshot() -> tuple[float, float, float]:
    """(CPU seconds used by the whole machine, by this process, stolen by the hypervisor), to tell how much CPU
    others took during a timed step: on 2 cores any of it slows the step down."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, time.process_time(), steal / tick


def other_cpu_since(snapshot: tuple[float, float, float]) -> tuple[float, float]:
    """CPU seconds other processes used, and CPU seconds stolen, since `snapshot`."""
    machine, own, steal = cpu_snapshot()
    return max(0.0, (machine - snapshot[0]) - (own - snapshot[1])), steal - snapshot[2]


READY, RESULT = "@@ready", "@@result "  # protocol lines between an interleaved worker and the driver (stdout)


def step_gate(interleaved: bool):
    """What a worker calls before each step: nothing, or (interleaved) say it is ready and block until the driver
    says go, so that exactly one case runs at a time."""
    def wait():
        if interleaved:
            print(READY, flush=True)
            if sys.stdin.readline().strip() != "go":
                raise SystemExit("the driver went away")
    return wait


# ---------------------------------------------------------------------------------------------------------------------
# Workers (one per case, in their own process)
# ---------------------------------------------------------------------------------------------------------------------


def run_ours(case: dict, interleaved: bool = False) -> dict:
    import torch

    torch.set_num_threads(2)
    from dopd_vl.config import load_config
    from dopd_vl.trainer import setup, step_records, train_step
    from lab.tiny import resolve_config

    method, extra = METHODS[case["label"]]
    output = tempfile.mkdtemp(prefix="bench-step-")
    config = load_config(overrides=[
        f"pair={case['pair']}", f"method={method}", f"output={output}/run", "dtype=float32",
        f"prompts_per_step={case['prompts']}", f"rollouts_per_prompt={case['per_prompt']}",
        f"max_new_tokens={case['new_tokens']}", "sample_every=0", "save_steps=0", "data_size=256",
        f"max_steps={case['warmup'] + case['steps']}", *extra])
    run, _ = setup(resolve_config(config), resume=False)
    if case["fixed_length"]:  # every response exactly max_new_tokens long: the end-of-turn ids are masked until then
        run.engine.sampling = dict(run.engine.sampling, min_new_tokens=config.max_new_tokens)
    generate_seconds = []
    generate = run.engine.generate

    def timed_generate(*args, **kwargs):
        started = time.perf_counter()
        try:
            return generate(*args, **kwargs)
        finally:
            generate_seconds.append(time.perf_counter() - started)

    run.engine.generate = timed_generate
    rss_setup = rss_now_mib()
    rows, wait = [], step_gate(interleaved)
    for step in range(case["warmup"] + case["steps"]):
        records = step_records(run.records, step, config, 0, 1)
        wait()
        generate_seconds.clear()
        snapshot = cpu_snapshot()
        started = time.perf_counter()
        metrics = train_step(run, step, records).metrics
        seconds = time.perf_counter() - started
        other, steal = other_cpu_since(snapshot)
        rows.append({"step": seconds, "other_cpu": other, "steal": steal, "generate": sum(generate_seconds),
                     # generation, then the frozen views' scoring (reported apart as scoring_time by newer trainers)
                     "rollout": metrics["rollout_time"] + metrics.get("scoring_time", 0.0),
                     "update": metrics["train_time"], "tokens": metrics["num_tokens"],
                     "length": metrics["response_length_mean"], "loss": metrics["loss"]})
    peak = peak_rss_mib()
    # Prompt tokens per sequence of the timed steps, student and privileged view (counted after the timing).
    from dopd_vl.records import render_messages
    from dopd_vl.rollout import encode_prompts

    counts = {"student": [], "privileged": []}
    for step in range(case["warmup"], case["warmup"] + case["steps"]):
        records = step_records(run.records, step, config, 0, 1)
        for view, options in (("student", {}), ("privileged", getattr(run, "render", None) or {})):
            inputs = encode_prompts(run.pair.processor, [render_messages(r, view, **options) for r in records])
            counts[view] += inputs["attention_mask"].sum(1).tolist()
    prompt_tokens = {view: statistics.mean(values) for view, values in counts.items()}
    shutil.rmtree(output, ignore_errors=True)
    return {"rows": rows, "rss_setup_mib": rss_setup, "peak_rss_mib": peak, "prompt_tokens": prompt_tokens}


def training_set(config) -> list:
    """The built-in synthetic records the trainer uses for `config` (same seed and size, so the same prompts)."""
    from dopd_vl.records import load_records
    from lab.tiny import resolve_config

    return load_records(resolve_config(config).data)


def run_trl(case: dict, interleaved: bool = False) -> dict:
    """TRL's own loop (`trainer.train()`), timed by a callback from `on_step_begin` to `on_step_end`: the
    training_step (generation, teacher and student forwards, chunked divergence, backward), gradient clipping, the
    optimizer and scheduler steps and zero_grad. Data loading (before on_step_begin) and logging (after on_step_end)
    are outside, as step_records and the metrics logging are outside our train_step."""
    import torch

    torch.set_num_threads(2)
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import DistillationConfig, DistillationTrainer

    from dopd_vl.config import load_config
    from dopd_vl.models import load_pair, load_pair_spec, vision_special_token_ids
    from dopd_vl.records import render_messages
    from dopd_vl.trainer import step_records
    from lab.tiny import resolve_pair

    total = case["warmup"] + case["steps"]
    # The same prompts as our run sees at each step (same seed, same data order), each repeated per_prompt times
    # in a row: TRL samples one completion per row.
    config = load_config(overrides=[f"pair={case['pair']}", f"prompts_per_step={case['prompts']}", "data_size=256"])
    pair = load_pair(resolve_pair(load_pair_spec(case["pair"])), dtype="float32")
    records = training_set(config)
    rows_per_step = case["prompts"] * case["per_prompt"]
    data = [{"prompt": render_messages(r, "student")}
            for step in range(total) for r in step_records(records, step, config, 0, 1)
            for _ in range(case["per_prompt"])]
    generation_kwargs = {"suppress_tokens": vision_special_token_ids(pair.tokenizer)}  # as our rollout engine
    if case["fixed_length"]:
        generation_kwargs["min_new_tokens"] = case["new_tokens"]
    output = tempfile.mkdtemp(prefix="bench-step-trl-")
    args = DistillationConfig(
        output_dir=output, use_cpu=True, bf16=False, fp16=False,
        per_device_train_batch_size=rows_per_step, gradient_accumulation_steps=1, max_steps=total,
        max_completion_length=case["new_tokens"], temperature=1.0, top_p=1.0, top_k=0, beta=case["beta"],
        learning_rate=5e-6, lr_scheduler_type="cosine", weight_decay=0.0, max_grad_norm=1.0, seed=0,
        gradient_checkpointing=False,  # TRL's default is True; ours runs without, so the work is the same
        shuffle_dataset=False, dataloader_num_workers=0, save_strategy="no", report_to="none", logging_steps=1,
        disable_tqdm=True, generation_kwargs=generation_kwargs, chat_template_kwargs={"enable_thinking": False})

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.rows, self.started, self.snapshot, self.wait = [], None, None, step_gate(interleaved)

        def on_step_begin(self, args, state, control, **kwargs):
            self.wait()
            self.snapshot = cpu_snapshot()
            self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            seconds = time.perf_counter() - self.started
            other, steal = other_cpu_since(self.snapshot)
            self.rows.append({"step": seconds, "other_cpu": other, "steal": steal})

    timer = StepTimer()
    trainer = DistillationTrainer(model=pair.student, teacher_model=pair.teacher, args=args,
                                  train_dataset=Dataset.from_list(data), processing_class=pair.tokenizer,
                                  callbacks=[timer])
    spans = {"generate": [], "rollout": [], "tokens": [], "loss": []}

    def timed(name, function, after=None):
        def wrapper(*a, **k):
            started = time.perf_counter()
            out = function(*a, **k)
            spans[name].append(time.perf_counter() - started)
            if after:
                after(out)
            return out
        return wrapper

    # generate: left-pad + HF generate + end-of-turn masking (as our engine.generate); rollout: the whole of
    # _prepare_inputs (chat template, tokenize, generate, pad, shuffle/split)
    trainer._generate_single_turn = timed("generate", trainer._generate_single_turn)
    trainer._prepare_inputs = timed("rollout", trainer._prepare_inputs,
                                    after=lambda out: spans["tokens"].append(float(out["completion_mask"].sum())))
    compute_loss = trainer.compute_loss

    def recorded_loss(*a, **k):
        loss = compute_loss(*a, **k)
        spans["loss"].append(float(loss.detach()))
        return loss

    trainer.compute_loss = recorded_loss
    rss_setup = rss_now_mib()
    trainer.train()
    rows = []
    for i, row in enumerate(timer.rows):
        row.update({key: spans[key][i] for key in ("generate", "rollout", "tokens", "loss")})
        row["update"] = row["step"] - row["rollout"]
        row["length"] = row["tokens"] / rows_per_step
        rows.append(row)
    shutil.rmtree(output, ignore_errors=True)
    return {"rows": rows, "rss_setup_mib": rss_setup, "peak_rss_mib": peak_rss_mib()}


# ---------------------------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------------------------


def summarise(result: dict, warmup: int) -> dict:
    timed = result["rows"][warmup:]

    def median(key):
        return statistics.median(r[key] for r in timed)

    return {"step": median("step"), "step_min": min(r["step"] for r in timed), "generate": median("generate"),
            "rollout": median("rollout"), "update": median("update"), "tokens": median("tokens"),
            "length": statistics.mean(r["length"] for r in timed), "peak": result["peak_rss_mib"] / 1024,
            "setup": result["rss_setup_mib"] / 1024, "steps": [round(r["step"], 3) for r in timed],
            "loss": timed[-1]["loss"],
            "other": sum(r["other_cpu"] for r in timed) / sum(r["step"] for r in timed),
            "steal": sum(r["steal"] for r in timed) / sum(r["step"] for r in timed),
            "prompt_tokens": result.get("prompt_tokens")}


def wait_until_idle(limit_seconds: float) -> float:
    """Wait (up to `limit_seconds`) until other processes use under 0.1 CPU over a 2-second window; returns the
    seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_seconds:
        snapshot = cpu_snapshot()
        time.sleep(2.0)
        if other_cpu_since(snapshot)[0] < 0.2:
            break
    return time.perf_counter() - started


def run_case(case: dict, retries: int, wait_idle: float = 0.0) -> dict | None:
    """One case in a fresh process; rerun (up to `retries` times) while other processes took more than 10% of a
    core during its timed steps, and keep the attempt they disturbed least."""
    best = None
    for attempt in range(retries + 1):
        if wait_idle > 0:
            waited = wait_until_idle(wait_idle)
            if waited > 5:
                print(f"  (waited {waited:.0f} s for other processes to finish)", flush=True)
        command = [sys.executable, __file__, "--worker", json.dumps(case)]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0:
            print(f"  case {case} failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}", flush=True)
            return None
        result = next(line for line in reversed(completed.stdout.splitlines()) if line.startswith(RESULT))
        summary = summarise(json.loads(result[len(RESULT):]), case["warmup"])
        summary["attempts"] = attempt + 1
        if best is None or summary["other"] < best["other"]:
            best = summary
        if summary["other"] <= 0.10:
            break
    return best


def run_interleaved(cases: list[dict], wait_idle: float = 0.0) -> list[dict | None]:
    """The cases in their own processes, set up first, then one optimizer step each in turn (the order rotating every
    round) while the others wait idle. Returns each case's raw result (`run_ours`, `run_trl`), None for a case that
    failed (reported)."""
    if wait_idle > 0:
        waited = wait_until_idle(wait_idle)
        if waited > 5:
            print(f"  (waited {waited:.0f} s for other processes to finish)", flush=True)
    workers = []
    for case in cases:
        log = tempfile.TemporaryFile(mode="w+")
        process = subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(dict(case, interleaved=True))],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        workers.append({"case": case, "process": process, "log": log, "result": None})

    def read_until(worker, marker):
        """Lines of the worker's stdout up to the next protocol line (TRL prints its logs there too)."""
        for line in worker["process"].stdout:
            if line.startswith(marker):
                return line[len(marker):]
        return None

    def fail(worker):
        worker["process"].kill()
        worker["log"].seek(0)
        print(f"  case {worker['case']} failed:\n{worker['log'].read()[-3000:]}", flush=True)
        worker["process"] = None

    for worker in workers:  # every case set up and waiting before the first step
        if read_until(worker, READY) is None:
            fail(worker)
    total = cases[0]["warmup"] + cases[0]["steps"]
    for step in range(total):
        for offset in range(len(workers)):
            worker = workers[(step + offset) % len(workers)]
            if worker["process"] is None:
                continue
            worker["process"].stdin.write("go\n")
            worker["process"].stdin.flush()
            # the worker's next step gate, or after its last step its result
            line = read_until(worker, READY if step + 1 < total else RESULT)
            if line is None:
                fail(worker)
            elif step + 1 == total:  # and let it exit before the next case's step (its teardown takes CPU)
                worker["result"] = json.loads(line)
                worker["process"].wait()
    return [worker["result"] for worker in workers]


def pooled(results: list[dict], warmup: int) -> dict:
    """One summary of a case run in several processes: their timed steps together, the largest peak RSS; each
    process's timed steps are kept apart too (`process_rows`) for the paired ratios."""
    timed = [result["rows"][warmup:] for result in results]
    merged = {"rows": [row for rows in timed for row in rows],
              "peak_rss_mib": max(result["peak_rss_mib"] for result in results),
              "rss_setup_mib": max(result["rss_setup_mib"] for result in results),
              "prompt_tokens": results[0].get("prompt_tokens")}
    return dict(summarise(merged, 0), attempts=1, process_rows=timed)


def paired_ratios(ours: dict, reference: dict) -> list[float]:
    """Ours / reference's step time in each interleaved round, process i of ours paired with process i of the
    reference's."""
    return [a["step"] / b["step"] for rows, reference_rows in zip(ours["process_rows"], reference["process_rows"])
            for a, b in zip(rows, reference_rows)]


HEADER = (f"{'case':<34} {'step':>7} {'min':>7} {'generate':>8} {'rollout':>8} {'update':>7} {'peak RSS':>9} "
          f"{'RSS@setup':>9} {'tok/step':>8} {'len':>5} {'other':>5} {'steal':>5}")


def row_text(name: str, s: dict) -> str:
    return (f"{name:<34} {s['step']:6.3f}s {s['step_min']:6.3f}s {s['generate']:7.3f}s {s['rollout']:7.3f}s "
            f"{s['update']:6.3f}s {s['peak']:6.3f}GiB {s['setup']:6.3f}GiB {s['tokens']:8.0f} {s['length']:5.1f}"
            f" {s['other']:5.2f} {s['steal']:5.2f}  steps {s['steps']}"
            + ("" if s["attempts"] == 1 else f" (attempt {s['attempts']})"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["A", "B"], choices=["A", "B"])
    parser.add_argument("--quick", action="store_true", help="1 warm-up + 2 timed steps per case")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--per-prompt", type=int, default=4)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--natural-length", action="store_true",
                        help="let responses stop at the end-of-turn token instead of forcing --new-tokens tokens")
    parser.add_argument("--trl-beta", type=float, default=1.0, help="TRL's divergence: 1.0 reverse KL (its default)")
    parser.add_argument("--retries", type=int, default=2,
                        help="rerun a case disturbed by other processes (over 0.1 CPU per second) up to this often")
    parser.add_argument("--wait-idle", type=float, default=300.0,
                        help="before each case, wait up to this many seconds for other processes to go idle")
    parser.add_argument("--sequential", action="store_true",
                        help="Part B: run its cases one after the other instead of interleaving them step by step")
    parser.add_argument("--processes", type=int, default=2,
                        help="Part B, interleaved: run each case in this many processes (a process's own speed varies: "
                             "two TRL processes' generate differed by 13%% in one run), timed steps pooled")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        case = json.loads(args.worker)
        interleaved = case.get("interleaved", False)
        result = run_trl(case, interleaved) if case["label"] == "trl" else run_ours(case, interleaved)
        print(RESULT + json.dumps(result), flush=True)
        return
    if args.quick:
        args.warmup, args.steps = 1, 2

    import torch

    base = {"warmup": args.warmup, "steps": args.steps, "prompts": args.prompts, "new_tokens": args.new_tokens,
            "fixed_length": not args.natural_length, "beta": args.trl_beta}
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, 2 threads, float32; "
          f"{args.warmup} warm-up + {args.steps} timed steps per case, medians; one fresh process per case")
    print(f"batch: {args.prompts} prompts x {args.per_prompt} responses, max_new_tokens={args.new_tokens}"
          f"{'' if args.natural_length else f', responses forced to exactly {args.new_tokens} tokens'}")
    print("step = whole train_step (TRL: on_step_begin..on_step_end), median (min); generate = HF generate; "
          "rollout = ours: generate + frozen-view scoring, TRL: _prepare_inputs; update = the rest; other = CPU "
          "seconds per second taken by other processes during the timed steps")
    results = {}
    started = time.perf_counter()
    if "A" in args.parts:
        print("\nPart A: step time and peak RSS per pair and method")
        print(HEADER)
        for pair in PAIRS:
            for label in ("opd", "opsd", "dopd"):
                summary = run_case(dict(base, pair=pair, label=label, per_prompt=args.per_prompt), args.retries,
                                   args.wait_idle)
                if summary:
                    results[(pair, label, args.per_prompt)] = summary
                    print(row_text(f"{pair} {label}", summary), flush=True)
        print("\nratios dopd / opd (goal: time <= 1.35, peak RSS <= 1.15)")
        for pair in PAIRS:
            dopd, opd = results.get((pair, "dopd", args.per_prompt)), results.get((pair, "opd", args.per_prompt))
            if dopd and opd:
                print(f"  {pair:<10} time {dopd['step'] / opd['step']:.2f}   "
                      f"update {dopd['update'] / opd['update']:.2f}"
                      f"   peak RSS {dopd['peak'] / opd['peak']:.3f}"
                      f"   (peak above RSS at setup: {1024 * (dopd['peak'] - dopd['setup']):.0f} MiB vs "
                      f"{1024 * (opd['peak'] - opd['setup']):.0f} MiB)")
            tokens = (dopd or opd or {}).get("prompt_tokens")
            if tokens:
                print(f"  {pair:<10} prompt tokens per sequence: student view {tokens['student']:.0f}, privileged view "
                      f"{tokens['privileged']:.0f} (+ {args.new_tokens} response tokens)")
    if "B" in args.parts:
        try:
            import trl
            version = trl.__version__
        except ImportError:
            version = None
        print(f"\nPart B: tiny-text, ours vs TRL {version} DistillationTrainer (beta {args.trl_beta}, "
              f"gradient_checkpointing off, fp32, {args.prompts} prompts, "
              f"{'cases one after the other' if args.sequential else 'cases interleaved step by step'})")
        print(HEADER)
        for per_prompt in sorted({args.per_prompt, 1}, reverse=True):
            labels = ["trl", "dopd", "opd", "opd-nopriv"] if version else ["dopd", "opd", "opd-nopriv"]
            cases = [dict(base, pair="tiny-text", label=label, per_prompt=per_prompt) for label in labels]
            if args.sequential:
                summaries = [results.get(("tiny-text", c["label"], per_prompt))
                             or run_case(c, args.retries, args.wait_idle) for c in cases]
            else:  # each case in --processes processes, all interleaved
                raw = run_interleaved([c for c in cases for _ in range(args.processes)], args.wait_idle)
                summaries = []
                for index in range(len(cases)):
                    mine = raw[index * args.processes:(index + 1) * args.processes]
                    summaries.append(pooled(mine, args.warmup) if all(mine) else None)
            for label, summary in zip(labels, summaries):
                if summary:
                    results[("tiny-text", label, per_prompt)] = summary
                    print(row_text(f"{args.prompts}x{per_prompt} {label}", summary), flush=True)
            trl_result = results.get(("tiny-text", "trl", per_prompt))
            for label in ("dopd", "opd", "opd-nopriv"):
                ours = results.get(("tiny-text", label, per_prompt))
                if ours and trl_result:
                    ratios = [] if args.sequential else paired_ratios(ours, trl_result)
                    paired = f"  median of the {len(ratios)} paired ratios {statistics.median(ratios):.2f}" \
                        if ratios else ""
                    print(f"  {args.prompts}x{per_prompt}: {label} / TRL step time "
                          f"{ours['step'] / trl_result['step']:.2f}{paired}"
                          f"  peak RSS {ours['peak'] / trl_result['peak']:.2f}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
