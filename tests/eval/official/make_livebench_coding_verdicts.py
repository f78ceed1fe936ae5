"""Score generated LiveBench coding responses with LiveBench's own coding scorer into
livebench_coding_verdicts.json (read by test_livebench_coding_official.py, which needs neither the reference nor the
network).

Not run by the tests. The reference is LiveBench's `LCB_generation_process_results` (livebench/process_results/
coding/utils.py) at the pinned commit, with what it calls: the vendored `lcb_runner` (`extraction_utils.extract_code`,
`compute_code_generation_metrics.codegen_metrics`, `testing_util.run_test`, `pass_k_utils`, `lm_styles`). The files
are read from a LiveBench checkout or git directory, checked by SHA-256 and copied to a temporary folder as the package
`livebench`; the modules utils.py imports for other tasks (`livebench.common`, `livebench.code_runner.eval`,
`livebench.agentic_code_runner...`, `shortuuid`) are stubbed there, as they are not used by the LCB rule. It needs
numpy and tqdm (LiveBench's own dependencies):

    python tests/eval/official/make_livebench_coding_verdicts.py --livebench PATH < /dev/null

The responses are programs written here and run by the reference outside any sandbox, each in the child process the
reference starts (its own 6 s timeout per test; two responses loop forever on purpose). Run it with stdin from
/dev/null (a program reading file descriptor 0 then reads nothing, as in the project's sandbox); the reference's
progress bars and diagnostics go to stderr. A scorer that raises
is recorded with `error` and score 0, as LiveBench's dispatch records it. Responses hold no `<think>` block (the
project removes reasoning with `eval.metrics.strip_think`, a documented difference of its own).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import importlib
import io
import json
import os
import pickle
import sys
import tempfile
import zlib
from pathlib import Path

from pinned_reference import add_package_files, copy_pinned  # this folder: the scripts run as files

OUT = Path(__file__).with_name("livebench_coding_verdicts.json")
REFERENCE = {
    "repository": "https://github.com/LiveBench/LiveBench",
    "commit": "b0fb577be60ea5ba6e3e677a84af127c893af0ef",
    "files": {
        "livebench/process_results/coding/utils.py":
            "954b056d4d0bf74bb9fc6065edc4331d8f706975f3995bcbca69fbe3d8973921",
        "livebench/lcb_runner/evaluation/testing_util.py":
            "19aa675feb6eb71432bffc59f86760c440d861fd8e4f0915f346054b57880b09",
        "livebench/lcb_runner/evaluation/compute_code_generation_metrics.py":
            "4798e1cb193774bc66f7305e76263d24c511c8d2a8a1596e93be20bb5ad46e2b",
        "livebench/lcb_runner/evaluation/pass_k_utils.py":
            "6af3ee55d40f96fa06fa511bd5e43d94b19604750e82454b4b3c1f45c5199010",
        "livebench/lcb_runner/evaluation/__init__.py":
            "c03c54efafa50dbc2992e0880f10f264ae1fc8ee7d1b0d22faafe0f1675542af",
        "livebench/lcb_runner/utils/extraction_utils.py":
            "3e6a2ad03e369337d93dfdc94d0d1196ee5ce55c8366c156897034627632d19d",
        "livebench/lcb_runner/lm_styles.py":
            "e07192676bfe3b26fa5ec3a68d828b2f9bc2dc1dcdb9097fbc716dc7b975ec5d",
    },
    "dispatch": "livebench/gen_ground_truth_judgment.py (LCB_generation and coding_completion: "
                "LCB_generation_process_results(question, llm_answer))",
}
STUBS = {
    "livebench/common.py": "from pathlib import Path\nLIVE_BENCH_ROOT_PATH = Path('.')\n",
    "livebench/code_runner/eval.py":
        "PASS = 'pass'\n\ndef untrusted_check(*args, **kwargs):\n    raise NotImplementedError\n",
    "livebench/agentic_code_runner/eval/harness/constant.py":
        "EVALUATION_WORKDIR = FIX_PATCH_RUN_LOG_FILE = REPORT_FILE = ''\n",
    "livebench/agentic_code_runner/eval/harness/report.py": "class Report:\n    pass\n",
    "livebench/agentic_code_runner/eval/harness/test_result.py": "class TestStatus:\n    pass\n",
    "shortuuid.py": "def uuid():\n    return 'x'\n",
}


# ---------------------------------------------------------------------------------------------------------------------
# problems, in LiveBench's format (public tests JSON text; private tests JSON text or LiveCodeBench's base64 of
# zlib-compressed pickled JSON text; original_json.metadata with func_name for LeetCode problems)
# ---------------------------------------------------------------------------------------------------------------------

def encode_private(tests: list[dict]) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def tests(kind: str, pairs) -> list[dict]:
    return [{"input": i, "output": o, "testtype": kind} for i, o in pairs]


def problem(task, kind, public, private, pickled, func_name=None, partial=None) -> dict:
    private_tests = tests(kind, private)
    return {"task": task, "public_test_cases": json.dumps(tests(kind, public)),
            "private_test_cases": encode_private(private_tests) if pickled else json.dumps(private_tests),
            "original_json": {"metadata": json.dumps({"func_name": func_name} if func_name else {})},
            "partial_solution": partial}


GAP_PARTIAL = "class Solution:\n    def largestGap(self, nums: List[int]) -> int:\n        nums = sorted(nums)\n"
MAX_PARTIAL = "import sys\nn = int(input())\nnums = list(map(int, input().split()))\n"
PROBLEMS = {
    # A + B (stdin)
    "sum": problem("LCB_generation", "stdin", [("1 2\n", "3\n")], [("5 7\n", "12\n")], True),
    # the mean of N integers (stdin; a decimal answer)
    "mean": problem("LCB_generation", "stdin", [("2\n1 2\n", "1.5\n")], [("4\n1 2 3 5\n", "2.75\n")], False),
    # the N integers sorted, on one line (stdin)
    "sort": problem("LCB_generation", "stdin", [("3\n3 1 2\n", "1 2 3\n")], [("4\n4 4 1 0\n", "0 1 4 4\n")], True),
    # the squares of N integers, one a line (stdin)
    "squares": problem("LCB_generation", "stdin", [("3\n1\n2\n3\n", "1\n4\n9\n")], [("1\n-2\n", "4\n")], False),
    # LeetCode two sum (a list answer)
    "two_sum": problem("LCB_generation", "functional", [("[2,7,11,15]\n9", "[0, 1]")],
                       [("[3,2,4]\n6", "[1, 2]"), ("[3,3]\n6", "[0, 1]")], False, func_name="twoSum"),
    # LeetCode mean (a float answer; one expected value written 3.0)
    "average": problem("LCB_generation", "functional", [("[1,2]", "1.5")], [("[3,3,3]", "3.0"), ("[1,2,3,5]", "2.75")],
                       True, func_name="average"),
    # LeetCode one-element list answer
    "wrap": problem("LCB_generation", "functional", [("5", "[5]")], [("-1", "[-1]")], False, func_name="wrap"),
    # completion, LeetCode
    "gap": problem("coding_completion", "functional", [("[3,9,1]", "6")], [("[1,2,10,4]", "6"), ("[5,5]", "0")], True,
                   func_name="largestGap", partial=GAP_PARTIAL),
    # completion, stdin
    "max": problem("coding_completion", "stdin", [("3\n1 5 2\n", "5\n")], [("2\n7 -7\n", "7\n")], False,
                   partial=MAX_PARTIAL),
}


# ---------------------------------------------------------------------------------------------------------------------
# responses, edge cases first
# ---------------------------------------------------------------------------------------------------------------------

def fenced(program: str, tag: str = "python") -> str:
    return f"```{tag}\n{program}\n```"


SUM = "a, b = map(int, input().split())\nprint(a + b)"
SUM_SHORT = "print(sum(map(int, input().split())))"
MAIN = "def main():\n    a, b = map(int, input().split())\n    print(a + b)\n\n\nif __name__ == '__main__':\n    main()"


def sum_responses() -> list[str]:
    programs = [
        SUM, SUM_SHORT, "a, b = map(int, input().split())\nprint()\nprint(' ', a + b, end='  \\n\\n\\n')",
        "a, b = map(int, input().split())\nprint(float(a + b))",
        "a, b = map(int, input().split())\nprint(a + b, a + b)",
        "a, b = map(int, input().split())\nprint(a - b)", "print(3)",
        "import sys\nfor line in sys.stdin:\n    a, b = map(int, line.split())\n    print(a + b)",
        "import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))",
        "a, b = map(int, stdin.readline().split())\nprint(a + b)",
        "import sys\nlines = sys.stdin.readlines()\nprint(sum(map(int, lines[0].split())))",
        MAIN, MAIN + "\nDONE = True",
        "total = 0\n\n\ndef add(x):\n    global total\n    total += x\n\n\nfor v in map(int, input().split()):\n"
        "    add(v)\nprint(total)",
        SUM + "\nquit()", SUM + "\nexit()", "import sys\n" + SUM + "\nsys.exit(1)", SUM + "\nraise ValueError('late')",
        "from __future__ import annotations\n" + SUM, "while True:\n    pass",
        "import sys\nsys.stdout.write(str(sum(map(int, input().split()))))",
    ]
    extraction = [
        fenced(SUM, ""), fenced(SUM, "py"), fenced(SUM, "python3"), "Read both numbers.\n" + fenced(SUM) + "\nDone.",
        "Here: ```python\n" + SUM + "\n```", SUM, SUM + "\n```", SUM + "\n```\n\n", "```python\n" + SUM,
        "`" + SUM_SHORT + "`", "``" + SUM_SHORT + "``", "The answer is the sum of a and b.", "", "   \n",
        fenced("a, b = map(int, input().split())\nprint(a - b)") + "\nFixed:\n" + fenced(SUM),
        fenced(SUM) + "\nOr:\n" + fenced("print(0)"), fenced(""), "``` ```\n" + SUM, "  " + fenced(SUM) + "  \n\n",
        fenced(SUM) + "\n\nNote that ``` marks code.", "```\n" + SUM + "\n``` and ```", "~~~python\n" + SUM + "\n~~~",
        "    ```python\n    " + SUM.replace("\n", "\n    ") + "\n    ```", fenced(SUM) + "\n" + fenced(SUM_SHORT),
        "```python\n" + SUM + "```",
    ]
    return [fenced(p) for p in programs] + extraction


MEAN = "n = int(input())\nnums = list(map(int, input().split()))\n"


def mean_responses() -> list[str]:
    bodies = ["print(sum(nums) / n)", "print(f'{sum(nums) / n:.2f}')", "print(f'{sum(nums) / n:.1f}')",
              "print(sum(nums) / n + 1e-9)", "print(sum(nums) // n)", "print(f'{sum(nums) / n:e}')",
              "from fractions import Fraction\nprint(Fraction(sum(nums), n))"]
    readlines = "import sys\nlines = sys.stdin.readlines()\nnums = list(map(int, lines[-1].split()))\n" \
                "print(sum(nums) / len(nums))"
    return [fenced(MEAN + body) for body in bodies] + [fenced(readlines)]


SORT = "n = int(input())\nnums = sorted(map(int, input().split()))\n"


def sort_responses() -> list[str]:
    bodies = ["print(*nums)", "print(*nums[::-1])", "print(*nums, sep='\\n')", "print(*nums, sep='  ')", "print(nums)",
              "print()\nprint(*nums, end=' \\n')\nprint()", "print(*sorted(set(nums)))",
              "import sys\nsys.stdout.buffer.write((' '.join(map(str, nums)) + '\\n').encode())",
              "print(*[float(x) for x in nums])"]
    return [fenced(SORT + body) for body in bodies]


SQUARES = "n = int(input())\nvalues = [int(input()) for _ in range(n)]\n"


def squares_responses() -> list[str]:
    bodies = ["for v in values:\n    print(v * v)", "print(*[v * v for v in values])",
              "print('\\n\\n'.join(str(v * v) for v in values))", "for v in values:\n    print(v * v, end=' \\r\\n')",
              "print()\nfor v in values:\n    print(float(v * v))", "for v in values[:-1]:\n    print(v * v)"]
    return [fenced(SQUARES + body) for body in bodies]


def solution(body: str, name: str, arguments: str) -> str:
    return f"class Solution:\n    def {name}(self, {arguments}):\n" + "".join(
        f"        {line}\n" for line in body.split("\n"))


TWO_SUM = ("seen = {}\nfor i, x in enumerate(nums):\n    if target - x in seen:\n        return {}\n"
           "    seen[x] = i")


def two_sum_responses() -> list[str]:
    answers = ["[seen[target - x], i]", "(seen[target - x], i)", "[i, seen[target - x]]", "[[seen[target - x], i]]",
               "seen[target - x]"]
    programs = [solution(TWO_SUM.replace("return {}", "return " + answer), "twoSum", "nums: List[int], target: int")
                for answer in answers]
    right = programs[0]
    programs += [
        "def twoSum(nums, target):\n" + "".join(
            "    " + line + "\n" for line in TWO_SUM.replace("return {}", "return [seen[target - x], i]").split("\n")),
        right.replace("twoSum", "two_sum"), right + "\nprint(Solution().twoSum([2, 7], 9))",
        solution("raise RuntimeError('no')", "twoSum", "nums, target"), solution("while True:\n    pass", "twoSum",
                                                                                  "nums, target"),
        solution("return None", "twoSum", "nums, target"), "x = input()\n" + right, right + "\nexit()",
    ]
    return [fenced(p) for p in programs] + [right, right + "```", "Solution below.\n" + right, fenced(right, "")]


def average_responses() -> list[str]:
    bodies = ["return sum(nums) / len(nums)", "return sum(nums) // len(nums)", "return round(sum(nums) / len(nums), 1)",
              "return sum(nums) / len(nums) + 1e-12", "return str(sum(nums) / len(nums))",
              "return [sum(nums) / len(nums)]",
              "return (sum(nums) / len(nums),)", "from decimal import Decimal\nreturn Decimal(sum(nums)) / len(nums)",
              "from fractions import Fraction\nreturn Fraction(sum(nums), len(nums))"]
    return [fenced(solution(body, "average", "nums")) for body in bodies]


def wrap_responses() -> list[str]:
    bodies = ["return [x]", "return x", "return (x,)", "return [[x]]", "return {x}"]
    return [fenced(solution(body, "wrap", "x: int")) for body in bodies]


GAP_REMAINDER = "        return max(b - a for a, b in zip(nums, nums[1:]))"


def gap_responses() -> list[str]:
    return [fenced(GAP_REMAINDER), fenced(GAP_PARTIAL + GAP_REMAINDER), fenced("from typing import List\n" + GAP_PARTIAL
            + GAP_REMAINDER), fenced(GAP_REMAINDER.strip()), fenced("    " + GAP_REMAINDER.strip()),
            fenced("        return max(nums) - min(nums)"), GAP_REMAINDER, "Finish it with\n" + GAP_REMAINDER, "",
            fenced(""), fenced(GAP_PARTIAL.rstrip("\n") + " \n" + GAP_REMAINDER),
            fenced(GAP_REMAINDER + "\n\n\nprint(Solution().largestGap([1, 5]))"),
            fenced("        return tuple([max(b - a for a, b in zip(nums, nums[1:]))])"), GAP_REMAINDER + "\n```"]


def max_responses() -> list[str]:
    return [fenced(p) for p in [
        "print(max(nums))", MAX_PARTIAL + "print(max(nums))", "print(min(nums))", "print(max(nums))\nsys.exit(0)",
        "print(max(nums))\nsys.exit(2)", "print(max(nums))\nquit()",
        "sys.stdout.buffer.write(f'{max(nums)}\\n'.encode())",
        "for line in sys.stdin:\n    pass\nprint(max(nums))"]] + [
        "print(max(nums))", "The maximum: print(max(nums))", "print(max(nums))\n```", fenced("print(max(nums))", "")]


CASES = {"sum": sum_responses, "mean": mean_responses, "sort": sort_responses, "squares": squares_responses,
         "two_sum": two_sum_responses, "average": average_responses, "wrap": wrap_responses, "gap": gap_responses,
         "max": max_responses}


# ---------------------------------------------------------------------------------------------------------------------
# the reference
# ---------------------------------------------------------------------------------------------------------------------

def load_reference(root: Path, folder: Path):
    copy_pinned(root, REFERENCE, folder)
    for path, text in STUBS.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    add_package_files(folder, [*REFERENCE["files"], *STUBS])
    sys.path.insert(0, str(folder))
    for name in [name for name in sys.modules if name == "livebench" or name.startswith("livebench.")]:
        del sys.modules[name]
    utils = importlib.import_module("livebench.process_results.coding.utils")
    assert Path(utils.__file__).is_relative_to(folder)
    return utils.LCB_generation_process_results


def score(reference, question: dict, answer: str) -> tuple[float, str]:
    """(score, error): LiveBench's score as a float, or 0 and the exception the scorer raised."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # stderr stays: faulthandler.enable() needs its fileno
            return float(reference(question, answer)), ""
    except Exception as error:  # LiveBench's dispatch: score 0
        return 0.0, f"{type(error).__name__}: {error}"[:200]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--livebench", required=True, type=Path, help="a LiveBench checkout or git directory")
    args = parser.parse_args()
    records = []
    with tempfile.TemporaryDirectory() as folder:
        reference = load_reference(args.livebench.resolve(), Path(folder))
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            for key, responses in CASES.items():
                question = {"question_id": key, "question_title": key, **PROBLEMS[key]}
                for response in responses():
                    value, error = score(reference, question, response)
                    record = {"problem": key, "response": response, "score": value}
                    if error:
                        record["error"] = error
                    records.append(record)
        finally:
            os.chdir(cwd)
    data = {"reference": REFERENCE, "problems": PROBLEMS,
            "mean": sum(record["score"] for record in records) / len(records)}
    text = "{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                              for key, value in data.items())
    text += ',\n"cases": [\n' + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]\n}\n"
    OUT.write_text(text, encoding="utf-8")
    by_problem: dict[str, list[float]] = {}
    for record in records:
        by_problem.setdefault(record["problem"], []).append(record["score"])
    print(f"{OUT}: {len(records)} cases, mean {data['mean']:.4f}, {sum('error' in r for r in records)} raise; "
          + ", ".join(f"{key} {sum(v):.0f}/{len(v)}" for key, v in by_problem.items()))


if __name__ == "__main__":
    main()
