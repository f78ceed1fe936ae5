"""Every registered benchmark has a fixture writer, and loads from the folder `tests/eval/fixtures/write_all.py` writes."""

import json

from eval.benchmarks import BENCHMARKS
from eval.harness import document_hash, printable_prompt
from fixtures.write_all import write_all


def test_every_benchmark_loads_from_the_demo_fixtures(tmp_path):
    written = write_all(tmp_path)
    assert sorted(written) == sorted(BENCHMARKS)
    for name, benchmark in BENCHMARKS.items():
        docs = benchmark.load(tmp_path, 2)
        assert 1 <= len(docs) <= 2, name
        assert all(path.exists() for path in benchmark.files(tmp_path)), name
        for doc in docs:  # a prompt the harness can print and hash (leakage is each loader test's business)
            assert doc.messages[-1]["role"] == "user" and json.dumps(printable_prompt(doc.messages)), name
            assert len(document_hash(doc)) == 16 and isinstance(doc.target, str), name
