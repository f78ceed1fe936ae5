"""Items per second of `dopd-vl build-data --task hints --generator ...`: through the endpoint path against the local
test server answering after a fixed delay (default 50 ms) at several concurrencies, and through the local-model path
with the tiny pairs. Goal (issue 13): the endpoint path reaches at least 0.8 x concurrency / delay items/s up to
concurrency 32, i.e. the harness adds little over the server.

    python bench/generate_data.py [--concurrency 1 8 32] [--delay 0.05] [--items-per-slot 40] [--local 32]

The server runs in its own process (tests/chat_server.py, answering every request with the same two valid hints), so
its CPU is not the builder's; on a 2-core machine they still share the cores. Each row is a fresh build (nothing
cached); items/s is the generation stage's requests over its wall time (`manifest.json`: source.generation), which
includes the rule checks and the cache writes but not reading the source or writing the data set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HINTS = "1. Find how many items are in the second group.\n2. Add the two groups together."


def write_source(path: Path, n: int) -> None:
    """A verl-layout Parquet file of n text problems (the DAPO-Math-17K columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"data_source": "bench", "ability": "math",
             "prompt": [{"role": "user", "content": f"Problem {i}: Sam has {i % 50 + 3} apples and buys {i % 7 + 2} "
                                                    f"more. How many apples does Sam have?"}],
             "reward_model": {"ground_truth": str(i % 50 + 3 + i % 7 + 2), "style": "rule"},
             "extra_info": {"index": i}} for i in range(n)]
    pq.write_table(pa.Table.from_pylist(rows), path)


def start_server(delay: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "chat_server.py"), "--delay", str(delay),
                                "--reply", HINTS, "--model", "bench-model"], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    url = next(word for word in line.split() if word.startswith("http://"))
    return process, url


def build(source: Path, out: Path, generator: str, **options) -> dict:
    from data_builders.tasks import BuildOptions, build_data

    build_data(BuildOptions(task="hints", source=source, out=out, generator=generator, **options),
               show_progress=False)
    return json.loads((out / "manifest.json").read_text())["source"]["generation"]


def local_seconds(pair: str, n: int) -> float:
    """Wall time of the local-model path's replies (model loaded beforehand) for n hint prompts. Measured on the
    generator itself: the tiny models' hints are rejected so often that a whole build may keep nothing."""
    from data_builders.generate import LocalGenerator, Request, Sampling, load_prompt, prompt_messages
    from dopd_vl.records import Record
    from lab.tiny import resolve_model

    generator = LocalGenerator(resolve_model(f"{pair}:teacher"), Sampling(), batch_size=8)
    template = load_prompt("hints")
    records = [Record(id=str(i), task="math", question=f"Sam has {i + 3} apples and buys 2 more. How many apples "
                      f"does Sam have?", answer=str(i + 5)) for i in range(n)]
    requests = [Request(r.id, r.id, prompt_messages(r, template, None), template.max_new_tokens) for r in records]
    started = time.perf_counter()
    replies = list(generator.replies(requests))
    assert len(replies) == n
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--delay", type=float, default=0.05, help="server reply delay in seconds (default 0.05)")
    parser.add_argument("--items-per-slot", type=int, default=40,
                        help="items per request slot: a run sends concurrency x this many requests (default 40)")
    parser.add_argument("--local", type=int, default=32, help="items for each tiny pair's local run (0: skip)")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        server, url = start_server(args.delay)
        try:
            for concurrency in args.concurrency:
                n = concurrency * args.items_per_slot
                write_source(folder / f"c{concurrency}.parquet", n)
                stats = build(folder / f"c{concurrency}.parquet", folder / f"out-c{concurrency}", url,
                              generator_model="bench-model", concurrency=concurrency)
                rate = stats["requests"]["generate"]["sent"] / stats["seconds"]
                goal = 0.8 * concurrency / args.delay
                rows.append((f"endpoint, concurrency {concurrency}", n, stats["seconds"], rate,
                             f"{goal:.0f} ({'met' if rate >= goal else 'NOT met'})"))
                print(f"endpoint c={concurrency}: {n} items in {stats['seconds']:.2f} s = {rate:.1f} items/s",
                      flush=True)
        finally:
            server.terminate()
            server.wait()
        if args.local:
            for pair in ("tiny-text", "tiny"):
                seconds = local_seconds(pair, args.local)
                rows.append((f"local {pair}:teacher, batch 8 (CPU)", args.local, seconds, args.local / seconds, "-"))
                print(f"local {pair}: {args.local} items in {seconds:.2f} s", flush=True)

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"server delay {args.delay * 1000:.0f} ms\n")
    print("| path | items | seconds | items/s | goal items/s |")
    print("|---|---|---|---|---|")
    for name, n, seconds, rate, goal in rows:
        print(f"| {name} | {n} | {seconds:.2f} | {rate:.1f} | {goal} |")


if __name__ == "__main__":
    main()
