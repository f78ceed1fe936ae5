"""Write a tiny copy of every benchmark, each in its published layout, into one data folder.

    python tests/eval_fixtures.py DATA_DIR
    dopd-vl eval --model tiny:student --benchmarks shapes,refcoco,chartqa,mmstar --data-dir DATA_DIR --limit 8

The writers are the ones the loader tests use (`tests/eval_fixtures_<family>.py`); `shapes` (and `arith`, in
`eval_fixtures_text`) are built by the data builders.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import eval_fixtures_choice  # noqa: E402
import eval_fixtures_code  # noqa: E402
import eval_fixtures_grounding  # noqa: E402
import eval_fixtures_logic  # noqa: E402
import eval_fixtures_text  # noqa: E402
import eval_fixtures_video  # noqa: E402

MODULES = (eval_fixtures_choice, eval_fixtures_grounding, eval_fixtures_video, eval_fixtures_text,
           eval_fixtures_logic, eval_fixtures_code)


def write_all(data_dir: Path) -> list[str]:
    """Every benchmark's fixture under `data_dir`; returns the benchmark names written."""
    from data_builders.synthetic import build_synthetic

    data_dir.mkdir(parents=True, exist_ok=True)
    build_synthetic("shapes", data_dir / "shapes", 16, seed=0, show_progress=False)
    written, done = ["shapes"], set()
    for module in MODULES:
        for name, writer in module.WRITERS.items():
            if writer not in done:  # one writer may serve several benchmarks (e.g. the splits of RefCOCO)
                writer(data_dir)
                done.add(writer)
            written.append(name)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    names = write_all(Path(sys.argv[1]))
    print(f"wrote fixtures for {len(names)} benchmarks to {sys.argv[1]}: {', '.join(names)}")
