"""`livecodebench` verdicts equal LiveCodeBench's own, case for case.

livecodebench_official_verdicts.json holds generated responses over small stdin and LeetCode-style problems and the
verdicts of LiveCodeBench's own extraction and grader (lcb_runner, the pinned commit), written by
make_livecodebench_verdicts.py; these tests need neither that code nor the network. The problems go through the
project's loader (the published release files), each response through the default (official) scorer in the sandbox,
with the 1-second test time limit the verdicts were made with; where ``--scoring lenient`` departs, it keeps the
project's earlier verdict.
"""

import base64
import json
import os
import pickle
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from eval.benchmarks import BENCHMARKS

LCB = BENCHMARKS["livecodebench"]
VERDICTS = json.loads(Path(__file__).with_name("livecodebench_official_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]
DEPARTURES = [case for case in CASES if case["lenient"] != case["official"]]
WORKERS = 4  # sandboxed runs mostly wait on process start-up


@pytest.fixture(scope="module")
def timeout():
    """The per-test time limit the verdicts were made with (LiveCodeBench's `timeout`)."""
    before = os.environ.get("DOPD_VL_CODE_TEST_TIMEOUT")
    os.environ["DOPD_VL_CODE_TEST_TIMEOUT"] = str(VERDICTS["timeout"])
    yield VERDICTS["timeout"]
    if before is None:
        del os.environ["DOPD_VL_CODE_TEST_TIMEOUT"]
    else:
        os.environ["DOPD_VL_CODE_TEST_TIMEOUT"] = before


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """The verdict file's problems written as code_generation_lite release files, read back by the project's loader."""
    folder = tmp_path_factory.mktemp("lcb-official") / "livecodebench"
    folder.mkdir()
    records = []
    for name, problem in VERDICTS["problems"].items():
        public, private = ([{"input": i, "output": o, "testtype": problem["testtype"]} for i, o in problem[part]]
                           for part in ("public", "private"))
        records.append({
            "question_title": name, "question_content": f"Problem {name}.", "question_id": name,
            "platform": "leetcode" if problem["func_name"] else "atcoder", "contest_id": name,
            "contest_date": "2024-11-01T00:00:00", "starter_code": problem["starter_code"],
            "difficulty": problem["difficulty"], "public_test_cases": json.dumps(public),
            "private_test_cases": base64.b64encode(zlib.compress(pickle.dumps(json.dumps(private)))).decode(),
            "metadata": json.dumps({"func_name": problem["func_name"]} if problem["func_name"] else {})})
    (folder / "test5.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for name in ("test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl"):
        (folder / name).write_text("", encoding="utf-8")
    loaded = {doc.doc_id: doc for doc in LCB.load(folder.parent, None)}
    assert set(loaded) == set(VERDICTS["problems"])
    return loaded


def score_all(score, cases, docs) -> dict[str, tuple[str, dict]]:
    with ThreadPoolExecutor(WORKERS) as pool:
        results = pool.map(lambda case: score(case["response"], docs[case["problem"]]), cases)
        return {case["id"]: result for case, result in zip(cases, results)}


@pytest.fixture(scope="module")
def official(docs, timeout):
    return score_all(LCB.score, CASES, docs)


@pytest.fixture(scope="module")
def lenient(docs, timeout):
    return score_all(LCB.scorer("lenient"), DEPARTURES, docs)


def test_the_verdicts_come_from_livecodebench_itself():
    reference = VERDICTS["reference"]
    assert reference["repository"] == "LiveCodeBench/LiveCodeBench" and len(reference["commit"]) == 40
    assert {"lcb_runner/evaluation/testing_util.py", "lcb_runner/utils/extraction_utils.py",
            "lcb_runner/evaluation/compute_code_generation_metrics.py"} <= set(reference["files"])
    assert len(CASES) >= 100 and len({case["id"] for case in CASES}) == len(CASES)
    assert 0 < sum(case["official"] for case in CASES) < len(CASES)
    assert {p["testtype"] for p in VERDICTS["problems"].values()} == {"stdin", "functional"}
    assert LCB.version == 2 and LCB.lenient is not None


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_each_verdict_equals_livecodebench(official, case):
    extracted, score = official[case["id"]]
    difficulty = VERDICTS["problems"][case["problem"]]["difficulty"]
    assert score == {"pass@1": float(case["official"]), f"pass@1_{difficulty}": float(case["official"])}, \
        (case["reason"], extracted)


def test_pass_at_1_equals_livecodebench(docs, official):
    scores = [official[case["id"]][1] for case in CASES]
    summary = LCB.summarize([docs[case["problem"]] for case in CASES], scores)
    assert summary["pass@1"] == pytest.approx(VERDICTS["pass@1"], abs=1e-12)


@pytest.mark.parametrize("case", DEPARTURES, ids=[case["id"] for case in DEPARTURES])
def test_lenient_keeps_the_earlier_verdict_where_it_departs(lenient, case):
    assert lenient[case["id"]][1]["pass@1"] == float(case["lenient"])
