"""`livebench`'s coding category (LCB_generation, coding_completion) scores exactly as LiveBench's own
`LCB_generation_process_results` at the pinned commit, case for case and in mean. `--scoring lenient` keeps the
project's earlier rule, covered by tests/eval/test_bench_code.py and test_bench_logic.py; on these cases it accepts 7
responses LiveBench fails (sys.stdin.buffer / sys.stdout.buffer, quit(), a `global` statement, a `__main__` block
that is not last) and fails 12 it accepts (no code block, which LiveBench runs; a non-zero sys.exit after the right
output), as measured when the file was written: not re-run here, to keep the suite's time.

livebench_coding_verdicts.json holds small problems in LiveBench's format, generated responses and the reference's
verdicts, written by make_livebench_coding_verdicts.py with the reference code in a temporary folder; these tests need
neither it nor the network. Many responses extract to the same program, so each distinct sandboxed judgement runs
once, several at a time, with a per-test time limit of 1 s (the two looping programs fail the same way as at 6 s).
"""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from eval import sandbox
from eval.base import Doc
from eval.benchmarks import BENCHMARKS
from eval.benchmarks.livebench import coding

LIVEBENCH = BENCHMARKS["livebench"]
VERDICTS = json.loads(Path(__file__).with_name("livebench_coding_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]
def doc(key: str) -> Doc:
    row = {"question_id": key, **VERDICTS["problems"][key]}
    document, target = coding._coding_question(row, Path("coding.parquet"), key)
    return Doc(key, [], target, {"question_id": key, "category": "coding", "task": row["task"], "rule": "coding",
                                 **document})


@pytest.fixture(scope="module")
def verdicts_by_rule():
    """Each case scored by the default rule; each distinct judgement (program, tests) runs once in the sandbox (a
    first pass records which the scorer asks for, a second scores with their results)."""
    judges = {"official": coding.judge_livebench}
    results = {}

    def recorder(rule):
        def recorded(program, tests, testtype, func_name):
            key = (rule, program, json.dumps(tests), testtype, func_name)
            results.setdefault(key, None)
            return results[key] or sandbox.Verdict(False, "not_run")
        return recorded

    docs = {key: doc(key) for key in VERDICTS["problems"]}

    def scores():
        return {scoring: [LIVEBENCH.scorer(scoring)(case["response"], docs[case["problem"]])[1]["score"]
                          for case in CASES] for scoring in ("official",)}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coding, "judge_livebench", recorder("official"))
        patch.setenv("DOPD_VL_CODE_TEST_TIMEOUT", "1")
        scores()
        with ThreadPoolExecutor(8) as pool:
            verdicts = list(pool.map(lambda key: judges[key[0]](key[1], json.loads(key[2]), key[3], key[4]), results))
        results.update(zip(results, verdicts))
        return scores()


def test_the_verdicts_come_from_the_pinned_release():
    reference = VERDICTS["reference"]
    assert reference["repository"] == "https://github.com/LiveBench/LiveBench" and len(reference["commit"]) == 40
    assert "livebench/process_results/coding/utils.py" in reference["files"]
    assert "livebench/lcb_runner/evaluation/testing_util.py" in reference["files"]
    assert len(CASES) >= 100 and 0 < sum(case["score"] for case in CASES) < len(CASES)
    assert {case["problem"] for case in CASES} == set(VERDICTS["problems"])
    tasks = {problem["task"] for problem in VERDICTS["problems"].values()}
    assert tasks == {"LCB_generation", "coding_completion"}
    private = [problem["private_test_cases"] for problem in VERDICTS["problems"].values()]
    assert any(text.startswith("[") for text in private) and any(not text.startswith("[") for text in private)


def test_official_scoring_equals_livebench_case_for_case(verdicts_by_rule):
    wrong = [(case["problem"], case["score"], case["response"])
             for case, ours in zip(CASES, verdicts_by_rule["official"]) if ours != case["score"]]
    assert not wrong
    assert sum(verdicts_by_rule["official"]) / len(CASES) == pytest.approx(VERDICTS["mean"], abs=1e-12)
