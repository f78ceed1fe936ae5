"""Score the LiveCodeBench cross-check cases with LiveCodeBench's own code and write
``livecodebench_official_verdicts.json``.

The reference is github.com/LiveCodeBench/LiveCodeBench at the commit in REFERENCE: a chat model's answer goes through
``extract_code(output, LMStyle.OpenAIChat)`` (lcb_runner/utils/extraction_utils.py, the branch every chat style
takes: the lines between the last two lines that contain three backticks), then ``codegen_metrics``
(lcb_runner/evaluation/compute_code_generation_metrics.py: ``check_correctness`` with its global time bound,
``run_test`` of lcb_runner/evaluation/testing_util.py, pass@1 by pass_k_utils.py). Its files are copied from a
snapshot of the repository into a temporary folder outside this one (their SHA-256 must equal the pinned ones),
with empty package ``__init__.py`` files (lcb_runner/evaluation/__init__.py imports the other scenarios' modules,
which this does not need), and imported from there; nothing of it is kept. It needs numpy and tqdm (both in the
project's environment):

    python tests/eval/official/make_livecodebench_verdicts.py --lcb-git-dir DIR   # a git directory holding REFERENCE
    python tests/eval/official/make_livecodebench_verdicts.py --lcb-dir DIR       # or a checkout at that commit

LiveCodeBench runs the programs without a sandbox (only its ``reliability_guard``), so this script runs nothing but
the programs written below. Its standard input is /dev/null (``open(0)`` in a program reads the evaluator's own
stdin, as the project's sandbox gives an empty one). The per-test time limit is 1 second (the smallest
``signal.alarm`` takes), for the few cases that time out.

Thinking is removed (`strip_think`, the project's rule before every official parser) before LiveCodeBench's
extraction; ``raw`` records LiveCodeBench's verdict on the raw response where it differs. ``lenient`` is the verdict
of ``--scoring lenient``, the project's scorer before this cross-check (the last ```python block, each stdin test run
as a script of its own). tests/eval/official/test_livecodebench_official.py reads only the JSON.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from eval.metrics import strip_think  # noqa: E402

OUTPUT = Path(__file__).with_name("livecodebench_official_verdicts.json")
TIMEOUT = 1
REFERENCE = {
    "repository": "LiveCodeBench/LiveCodeBench",
    "commit": "28fef95ea8c9f7a547c8329f2cd3d32b92c1fa24",
    "files": {
        "lcb_runner/evaluation/testing_util.py": "b7cb6a8a69807bb868150a61742e25d7bb5328bbe01d514471b6ec43c9fa9ed2",
        "lcb_runner/evaluation/compute_code_generation_metrics.py":
            "073f388cc78bf0eb0ad35eaeb8bb509c0a3664963e5305d2be13d6b6eb6f3d21",
        "lcb_runner/evaluation/pass_k_utils.py": "6af3ee55d40f96fa06fa511bd5e43d94b19604750e82454b4b3c1f45c5199010",
        "lcb_runner/utils/extraction_utils.py": "1267d1724c6d4ea6d237b907dd6b53dfc6f1787a04b1616b85c3bc8377446879",
        "lcb_runner/lm_styles.py": "57d645b09852d2030d389cf9a14ea818396b7b0510b3e2f3f22e3d3e6792b783",
    },
}


# ---------------------------------------------------------------------------------------------------------------------
# Problems: (testtype, func_name, difficulty, public [(input, output)], private [(input, output)]).
# ---------------------------------------------------------------------------------------------------------------------

def digits(value: int) -> str:
    """A number of over 4,300 digits as text (Python's default limit for int -> str)."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(value)
    finally:
        sys.set_int_max_str_digits(limit)


PROBLEMS = {
    "s_sum": ("stdin", None, "easy", [("1 2\n", "3\n")], [("10 20\n", "30\n"), ("-5 5\n", "0\n")]),
    "s_range": ("stdin", None, "easy", [("3\n", "1\n2\n3\n")], [("1\n", "1\n")]),
    "s_half": ("stdin", None, "medium", [("3\n", "1.5\n")], [("4\n", "2\n"), ("1\n", "0.5\n")]),
    "s_sort": ("stdin", None, "medium", [("3\n3 1 2\n", "1 2 3\n")], [("1\n5\n", "5\n")]),
    "s_words": ("stdin", None, "hard", [("hello big world\n", "world big hello\n")], [("a\n", "a\n")]),
    "s_power": ("stdin", None, "hard", [("15000\n", digits(2 ** 15000) + "\n")], [("3\n", "8\n")]),
    "f_add": ("functional", "addAll", "easy", [("[1, 2, 3]\n2", "[3, 4, 5]")], [("[]\n5", "[]"), ("[-1]\n1", "[0]")]),
    "f_even": ("functional", "isEven", "easy", [("4", "true")], [("7", "false")]),
    "f_rev": ("functional", "reverseStr", "medium", [('"abc"', '"cba"')], [('""', '""')]),
    "f_pairs": ("functional", "pairUp", "medium", [("[1, 2, 3, 4]", "[[1, 2], [3, 4]]")], [("[]", "[]")]),
    "f_avg": ("functional", "average", "hard", [("[1, 2]", "1.5")], [("[2, 2]", "2.0"),
                                                                      ("[0.1, 0.2]", "0.15000000000000002")]),
    "f_count": ("functional", "countPositive", "hard", [("[1, -2, 3]", "2")], [("[]", "0")]),
}

STARTERS = {
    "f_add": "class Solution:\n    def addAll(self, nums: List[int], k: int) -> List[int]:\n        ",
    "f_even": "class Solution:\n    def isEven(self, n: int) -> bool:\n        ",
    "f_rev": "class Solution:\n    def reverseStr(self, s: str) -> str:\n        ",
    "f_pairs": "class Solution:\n    def pairUp(self, nums: List[int]) -> List[List[int]]:\n        ",
    "f_avg": "class Solution:\n    def average(self, nums: List[float]) -> float:\n        ",
    "f_count": "class Solution:\n    def countPositive(self, nums: List[int]) -> int:\n        ",
}


def method(problem: str, body: str) -> str:
    """A LeetCode answer: `class Solution` with the problem's method, its body indented."""
    name = PROBLEMS[problem][1]
    arguments = {"f_add": "self, nums, k", "f_even": "self, n", "f_rev": "self, s"}.get(problem, "self, nums")
    lines = "\n".join("        " + line for line in body.split("\n"))
    return f"class Solution:\n    def {name}({arguments}):\n{lines}"


def fenced(code: str, tag: str = "python", before: str = "Here is my solution.\n", after: str = "") -> str:
    return f"{before}```{tag}\n{code}\n```\n{after}"


SUM = "a, b = map(int, input().split())\nprint(a + b)"
ADD = method("f_add", "return [x + k for x in nums]")
LOOP = "x = 0\nwhile True:\n    x += 1"  # a counting loop (Python 3.11 lets the alarm escape a bare `while True: pass`)


# ---------------------------------------------------------------------------------------------------------------------
# Cases: (problem, response). Edge cases first.
# ---------------------------------------------------------------------------------------------------------------------

EXTRACTION = [
    ("s_sum", fenced(SUM)),
    ("s_sum", fenced(SUM, "py")),
    ("s_sum", fenced(SUM, "Python3")),
    ("s_sum", fenced(SUM, "")),
    ("s_sum", SUM),  # no fence
    ("s_sum", "```python\n" + SUM),  # unclosed
    ("s_sum", fenced("print(0)") + "Final:\n" + fenced(SUM)),  # a draft, then the program
    ("s_sum", fenced(SUM) + "Example:\n" + fenced("1 2", "")),  # the program, then an example block
    ("s_sum", fenced(SUM) + "Output:\n" + fenced("3", "text")),
    ("s_sum", fenced(SUM) + "Run it with:\n" + fenced("python3 main.py < in.txt", "bash")),
    ("s_sum", fenced(SUM, after="Put the code in ``` fences as asked.\n")),  # an odd number of fence lines
    ("s_sum", fenced(SUM, before="I use ```python fences.\n")),
    ("s_sum", "  ```python\n" + SUM + "\n  ```\n"),  # indented fences
    ("s_sum", "```python title=main.py\n" + SUM + "\n```"),
    ("s_sum", "````python\n" + SUM + "\n````"),
    ("s_sum", "Code: ```" + SUM.replace("\n", "; ") + "```"),  # one line holds both fences
    ("s_sum", fenced(SUM, "cpp")),
    ("s_sum", "```python\n```"),  # an empty block
    ("s_sum", "```python\n\n   \n```"),  # only blank lines
    ("s_sum", fenced("# just a comment")),
    ("s_sum", fenced("import sys")),  # only an import
    ("s_sum", "<think>Let me write it.\n" + fenced("print(0)") + "</think>\n" + fenced(SUM)),
    ("s_sum", "<think>Draft:\n" + fenced(SUM) + "</think>\nI could not finish."),  # code only in the thinking
    ("s_sum", "Reasoning without an opening tag.\n" + fenced("print(0)") + "</think>\n" + fenced(SUM)),
    ("s_sum", "<think>unfinished thought " + fenced(SUM)),
    ("f_add", fenced(ADD)),
    ("f_add", fenced(ADD, "py")),
    ("f_add", fenced(method("f_add", "return []")) + "Better:\n" + fenced(ADD)),
    ("f_add", fenced(ADD) + "Usage:\n" + fenced("print(Solution().addAll([1], 2))", "")),
    ("f_add", fenced(ADD, "")),
    ("f_add", "No code, sorry."),
]

STDIN = [
    # reading the input
    ("s_sum", fenced("import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)")),
    ("s_sum", fenced("import sys\na, b = map(int, sys.stdin.readline().split())\nprint(a + b)")),
    ("s_sum", fenced("import sys\ninput = sys.stdin.readline\na, b = map(int, input().split())\nprint(a + b)")),
    ("s_sum", fenced("import sys\na, b = map(int, sys.stdin.buffer.read().split())\nprint(a + b)")),
    ("s_sort", fenced("import sys\nsys.stdin.buffer.readline()\nxs = sorted(map(int, sys.stdin.buffer.readline()"
                      ".split()))\nprint(*xs)")),  # LiveCodeBench's buffer.readline always gives the first line
    ("s_sort", fenced("import sys\ndata = sys.stdin.buffer.read().split()\nprint(*sorted(map(int, data[1:])))")),
    ("s_sum", fenced("import sys\nfor line in sys.stdin:\n    a, b = map(int, line.split())\n    print(a + b)")),
    ("s_sum", fenced("from sys import stdin\na, b = map(int, stdin.readline().split())\nprint(a + b)")),
    ("s_sort", fenced("import sys\nlines = sys.stdin.readlines()\nprint(*sorted(map(int, lines[1].split())))")),
    ("s_sort", fenced("import sys\nlines = sys.stdin.readlines()\nprint(len(lines))")),
    ("s_sum", fenced("a, b = map(int, open(0).read().split())\nprint(a + b)")),  # the prelude's real open
    ("s_sum", fenced("import builtins\na, b = map(int, builtins.open(0).read().split())\nprint(a + b)")),
    ("s_sum", fenced("import sys\nprint(sum(map(int, sys.stdin.read().split())))")),
    ("s_words", fenced("print(' '.join(input().split()[::-1]))")),
    ("s_words", fenced("import sys\nprint(' '.join(sys.stdin.readline().split()[::-1]))")),
    ("s_words", fenced("print(' '.join(reversed(input().split())))")),
    # writing the output
    ("s_sum", fenced("import sys\na, b = map(int, input().split())\nsys.stdout.write(str(a + b) + '\\n')")),
    ("s_sum", fenced("a, b = map(int, input().split())\nstdout.write(str(a + b) + '\\n')")),  # the prelude's stdout
    ("s_sum", fenced("from sys import stdout\na, b = map(int, input().split())\nstdout.write(f'{a + b}\\n')")),
    ("s_sum", fenced("import sys\na, b = map(int, input().split())\nsys.stdout.buffer.write(b'%d\\n' % (a + b))")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b, end='')")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(f'  {a + b}   ')\nprint()\nprint('   ')")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint()\nprint(a + b)")),  # a leading blank line
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b, end='\\r\\n')")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b)\nprint('done')")),  # an extra line
    ("s_range", fenced("n = int(input())\nfor i in range(1, n + 1):\n    print(i)")),
    ("s_range", fenced("n = int(input())\nprint(*range(1, n + 1))")),  # one line instead of n
    ("s_range", fenced("n = int(input())\nprint('\\n'.join(map(str, range(1, n + 1))))")),
    ("s_range", fenced("n = int(input())\nfor i in range(1, n + 1):\n    print(i)\n    print()")),  # blank lines
    ("s_range", fenced("n = int(input())\nfor i in range(1, n + 1):\n    print(f'{i}.0')")),
    ("s_range", fenced("n = int(input())\nfor i in range(1, n + 1):\n    print(i, '')")),
    ("s_sort", fenced("input()\nprint(*sorted(map(int, input().split())))")),
    ("s_sort", fenced("input()\nprint(sorted(map(int, input().split())))")),  # a list
    ("s_sort", fenced("input()\nprint(tuple(sorted(map(int, input().split()))))")),  # a tuple
    ("s_sort", fenced("input()\nprint('  '.join(map(str, sorted(map(int, input().split())))))")),
    ("s_sort", fenced("input()\nprint(','.join(map(str, sorted(map(int, input().split())))))")),
    ("s_sort", fenced("input()\nprint(*sorted(map(float, input().split())))")),  # 1.0 2.0 3.0
    ("s_sort", fenced("input()\nprint(*sorted(map(int, input().split())), sep='\\n')")),
    ("s_words", fenced("print('  '.join(input().split()[::-1]))")),  # words are not decimals
    ("s_words", fenced("print(' '.join(input().split()[::-1]).upper())")),
    # numbers: Decimal equality, no tolerance
    ("s_half", fenced("print(int(input()) / 2)")),
    ("s_half", fenced("n = int(input())\nprint(f'{n / 2:.10f}')")),
    ("s_half", fenced("n = int(input())\nprint(n / 2 + 1e-9)")),
    ("s_half", fenced("n = int(input())\nprint(f'{n / 2:.6e}')")),
    ("s_half", fenced("n = int(input())\nprint(round(n / 2, 1))")),
    ("s_half", fenced("n = int(input())\nprint(n // 2)")),
    ("s_half", fenced("n = int(input())\nprint(n / 2 if n % 2 else n // 2)")),
    ("s_half", fenced("n = int(input())\nprint(f'{n / 2:.1f}')")),
    ("s_half", fenced("n = int(input())\nprint(f'{n / 2:.0f}')")),
    ("s_half", fenced("n = int(input())\nprint(str(n / 2).rstrip('0'))")),  # '2.' is a decimal
    ("s_half", fenced("n = int(input())\nprint(f'{n / 2:,}')")),
    ("s_half", fenced("n = int(input())\nprint(f'+{n / 2}')")),
    ("s_half", fenced("n = int(input())\nprint(str(n / 2).replace('.', ','))")),
    ("s_power", fenced("print(2 ** int(input()))")),  # 4,516 digits: LiveCodeBench allows 50,000
    ("s_power", fenced("print(pow(2, int(input())))")),
    ("s_power", fenced("print(1 << int(input()))")),
    ("s_power", fenced("print(2 ** int(input()) + 1)")),
    # program structure
    ("s_sum", fenced("def main():\n    a, b = map(int, input().split())\n    print(a + b)\n\nif __name__ == "
                     "'__main__':\n    main()")),
    ("s_sum", fenced('def main():\n    a, b = map(int, input().split())\n    print(a + b)\n\nif __name__ == '
                     '"__main__":\n    main()')),
    ("s_sum", fenced("def main():\n    a, b = map(int, input().split())\n    print(a + b)\n\nif '__main__' == "
                     "__name__:\n    main()")),
    ("s_sum", fenced("def main():\n    a, b = map(int, input().split())\n    print(a + b)\n\nif __name__ == "
                     "'__main__':\n    main()\nprint()")),  # the guard is not the last statement
    ("s_sum", fenced("total = 0\ndef add(x):\n    global total\n    total += x\na, b = map(int, input().split())\n"
                     "add(a)\nadd(b)\nprint(total)")),
    ("s_sum", fenced("def solve():\n    a, b = map(int, input().split())\n    return a + b\nprint(solve())")),
    ("s_sum", fenced("from functools import lru_cache\n@lru_cache(None)\ndef f(n):\n    return n if n < 2 else "
                     "f(n - 1) + 0\na, b = map(int, input().split())\nprint(f(3000) - 3000 + a + b)")),  # recursion
    ("s_sum", fenced("from __future__ import annotations\na, b = map(int, input().split())\nprint(a + b)")),
    ("s_sum", fenced("import math\nfrom collections import Counter\na, b = map(int, input().split())\n"
                     "print(math.floor(a + b))")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(gcd(a, b) * 0 + a + b)")),  # the prelude's gcd
    ("s_sum", fenced("class Solution:\n    pass\na, b = map(int, input().split())\nprint(a + b)")),
    ("s_sum", fenced("import sys\na, b = map(int, input().split())\nprint(a + b)\nsys.exit(0)")),
    ("s_sum", fenced("import sys\na, b = map(int, input().split())\nprint(a + b)\nsys.exit(1)")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b)\nexit()")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b)\nquit()")),
    ("s_sum", fenced("import os\nos.getcwd()\na, b = map(int, input().split())\nprint(a + b)")),
    ("s_sum", fenced("import resource\na, b = map(int, input().split())\nprint(a + b)")),
    ("s_sum", fenced("import threading\ndef run():\n    a, b = map(int, input().split())\n    print(a + b)\n"
                     "t = threading.Thread(target=run)\nt.start()\nt.join()")),
    # wrong answers and errors
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a - b)")),
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)")),  # fails a private test
    ("s_sum", fenced("a, b = map(int, input().split())\nprint((a + b) // (a - 1))")),  # ZeroDivisionError
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b)\nraise ValueError('late')")),
    ("s_sum", fenced("print(undefined_name)")),
    ("s_sum", fenced("a, b = map(int, input().split()\nprint(a + b)")),  # a syntax error
    ("s_sum", fenced("a, b = map(int, input().split())\nprint(a + b)\ninput()")),  # reads past the end
    ("s_sum", fenced("import sys\na, b = map(int, input().split())\nprint(a + b)\nsys.stdin.readline()")),
    ("s_sum", fenced("from sys import stdin\na, b = map(int, stdin.readline().split())\nprint(a + b)\n"
                     "stdin.readline()")),  # LiveCodeBench's patched readline raises StopIteration at the end
    # time limits (1 s here)
    ("s_sum", fenced(LOOP)),
    ("s_sum", fenced("import time\ntime.sleep(3)\n" + SUM)),
    ("s_sum", fenced("try:\n" + "\n".join("    " + line for line in LOOP.split("\n")) + "\nexcept Exception:\n"
                     "    pass\n" + SUM)),  # catches LiveCodeBench's TimeoutException; its message is printed
    ("s_sum", fenced("a, b = map(int, input().split())\nif a == 10:\n" + "\n".join(
        "    " + line for line in LOOP.split("\n")) + "\nprint(a + b)")),  # times out on a private test
]

FUNCTIONAL = [
    ("f_add", fenced(method("f_add", "return tuple(x + k for x in nums)"))),
    ("f_add", fenced(method("f_add", "print('debug', nums)\nreturn [x + k for x in nums]"))),
    ("f_add", fenced(method("f_add", "for i in range(len(nums)):\n    nums[i] += k\nreturn nums"))),
    ("f_add", fenced(method("f_add", "return list(map(lambda x: x + k, nums))"))),
    ("f_add", fenced(method("f_add", "return map(lambda x: x + k, nums)"))),
    ("f_add", fenced(method("f_add", "return (x + k for x in nums)"))),
    ("f_add", fenced(method("f_add", "return [float(x + k) for x in nums]"))),  # 3.0 == 3
    ("f_add", fenced(method("f_add", "return str([x + k for x in nums])"))),
    ("f_add", fenced(method("f_add", "return [x + k for x in nums if x > 0]"))),
    ("f_add", fenced(method("f_add", "return nums[0] + k"))),
    ("f_add", fenced(method("f_add", "pass"))),
    ("f_add", fenced("def addAll(nums, k):\n    return [x + k for x in nums]")),  # no class
    ("f_add", fenced("class Solution:\n    def addEverything(self, nums, k):\n        return nums")),
    ("f_add", fenced("class Solution:\n    def addAll(self, nums, k)\n        return nums")),
    ("f_add", fenced("from typing import List\n\nclass Solution:\n    def addAll(self, nums: List[int], k: int) -> "
                     "List[int]:\n        return [x + k for x in nums]")),
    ("f_add", fenced("class Solution:\n    def addAll(self, nums: List[int], k: int) -> List[int]:\n"
                     "        return [x + k for x in accumulate(nums, lambda a, b: b)]")),  # the prelude's names
    ("f_add", fenced(ADD + "\n\nprint(Solution().addAll([1, 2], 1))")),
    ("f_add", fenced(ADD + "\n\nif __name__ == '__main__':\n    print(Solution().addAll([1, 2], 1))")),
    ("f_add", fenced("import resource\n" + ADD)),
    ("f_add", fenced(method("f_add", "quit()"))),
    ("f_add", fenced(method("f_add", "exit()"))),
    ("f_add", fenced(method("f_add", "import os\nos.getcwd()\nreturn [x + k for x in nums]"))),
    ("f_add", fenced(method("f_add", "if len(str(10 ** 5000)) > 1:\n    return [x + k for x in nums]"))),
    ("f_add", fenced("class Solution:\n    def __init__(self):\n        self.calls = 0\n    def addAll(self, nums, k):"
                     "\n        self.calls += 1\n        return [x + k * self.calls for x in nums]")),  # one instance
    ("f_even", fenced(method("f_even", "return n % 2 == 0"))),
    ("f_even", fenced(method("f_even", "return 1 if n % 2 == 0 else 0"))),  # 1 == True
    ("f_even", fenced(method("f_even", "return 'true' if n % 2 == 0 else 'false'"))),
    ("f_even", fenced(method("f_even", "return not n % 2"))),
    ("f_even", fenced(method("f_even", "return [n % 2 == 0]"))),
    ("f_even", fenced(method("f_even", "return n % 2"))),
    ("f_rev", fenced(method("f_rev", "return s[::-1]"))),
    ("f_rev", fenced(method("f_rev", "return ''.join(reversed(s))"))),
    ("f_rev", fenced(method("f_rev", "return list(s[::-1])"))),
    ("f_rev", fenced(method("f_rev", "return s[::-1] + ' '"))),
    ("f_rev", fenced(method("f_rev", "return s[::-1].upper()"))),
    ("f_rev", fenced(method("f_rev", "return tuple(s[::-1])"))),
    ("f_pairs", fenced(method("f_pairs", "return [[nums[i], nums[i + 1]] for i in range(0, len(nums), 2)]"))),
    ("f_pairs", fenced(method("f_pairs", "return [(nums[i], nums[i + 1]) for i in range(0, len(nums), 2)]"))),
    ("f_pairs", fenced(method("f_pairs", "return tuple([nums[i], nums[i + 1]] for i in range(0, len(nums), 2))"))),
    ("f_pairs", fenced(method("f_pairs", "return [list(p) for p in zip(nums[::2], nums[1::2])]"))),
    ("f_pairs", fenced(method("f_pairs", "return list(zip(nums[::2], nums[1::2]))"))),
    ("f_avg", fenced(method("f_avg", "return sum(nums) / len(nums)"))),
    ("f_avg", fenced(method("f_avg", "return round(sum(nums) / len(nums), 6)"))),
    ("f_avg", fenced(method("f_avg", "return str(sum(nums) / len(nums))"))),
    ("f_avg", fenced(method("f_avg", "return sum(x / len(nums) for x in nums)"))),
    ("f_avg", fenced(method("f_avg", "return sum(nums) / len(nums) + 1e-12"))),
    ("f_avg", fenced(method("f_avg", "return int(sum(nums) / len(nums))"))),
    ("f_avg", fenced(method("f_avg", "return sum(nums) // len(nums)"))),
    ("f_count", fenced(method("f_count", "return sum(1 for x in nums if x > 0)"))),
    ("f_count", fenced(method("f_count", "return float(sum(x > 0 for x in nums))"))),
    ("f_count", fenced(method("f_count", "return sum(x > 0 for x in nums)"))),
    ("f_count", fenced(method("f_count", "return str(sum(x > 0 for x in nums))"))),
    ("f_count", fenced(method("f_count", "return len(nums) - 1"))),
    ("f_count", fenced(method("f_count", "return max(nums)"))),  # ValueError on []
    ("f_count", fenced(method("f_count", "return None"))),
    # time limits (1 s here)
    ("f_add", fenced(method("f_add", LOOP))),
    ("f_add", fenced(method("f_add", "try:\n" + "\n".join("    " + line for line in LOOP.split("\n"))
                                     + "\nexcept Exception:\n    return [x + k for x in nums]"))),
]

CASES = EXTRACTION + STDIN + FUNCTIONAL


# ---------------------------------------------------------------------------------------------------------------------
# The reference code.
# ---------------------------------------------------------------------------------------------------------------------


def copy_reference(args, folder: Path) -> dict:
    for name, digest in REFERENCE["files"].items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if args.lcb_dir:
            shutil.copyfile(Path(args.lcb_dir) / name, target)
        else:
            target.write_bytes(subprocess.run(["git", "--git-dir", args.lcb_git_dir, "show",
                                               f"{REFERENCE['commit']}:{name}"], check=True,
                                              capture_output=True).stdout)
        found = hashlib.sha256(target.read_bytes()).hexdigest()
        if found != digest:
            sys.exit(f"{name}: SHA-256 {found}, expected {digest} (LiveCodeBench commit {REFERENCE['commit']})")
    for package in ("lcb_runner", "lcb_runner/evaluation", "lcb_runner/utils"):
        (folder / package / "__init__.py").write_text("")
    return dict(REFERENCE)


def sample(problem: str) -> dict:
    testtype, func_name, _, public, private = PROBLEMS[problem]
    tests = public + private
    return {"input_output": json.dumps({"inputs": [i for i, _ in tests], "outputs": [o for _, o in tests],
                                        "fn_name": func_name})}


def official_verdicts(responses: list[tuple[str, str]]) -> tuple[list[bool], float, list[str]]:
    """LiveCodeBench's per-response verdicts, its pass@1 over them, and its metadata (reason) per response."""
    from lcb_runner.evaluation.compute_code_generation_metrics import codegen_metrics
    from lcb_runner.lm_styles import LMStyle
    from lcb_runner.utils.extraction_utils import extract_code

    samples = [sample(problem) for problem, _ in responses]
    generations = [[extract_code(response, LMStyle.OpenAIChat)] for _, response in responses]
    metrics, results, metadata = codegen_metrics(samples, generations, k_list=[1], num_process_evaluate=2,
                                                 timeout=TIMEOUT)
    verdicts = [all(result > 0 for result in results[index][0]) for index in range(len(responses))]
    reasons = [json.loads(metadata[index][0]).get("error_message", "passed") for index in range(len(responses))]
    return verdicts, float(metrics["pass@1"]), reasons


def project_lenient(problem: str, response: str) -> bool:
    """The verdict of the project's `--scoring lenient` (its scorer before this cross-check)."""
    from eval.base import Doc
    from eval.benchmarks.code import score_livecodebench_lenient

    testtype, func_name, difficulty, public, private = PROBLEMS[problem]
    tests = [{"input": i, "output": o, "testtype": testtype} for i, o in public + private]
    document = {"public_test_cases": json.dumps(tests), "private_test_cases": encode_private([]),
                "testtype": testtype, "func_name": func_name, "difficulty": difficulty}
    return score_livecodebench_lenient(response, Doc(problem, [], "", document))[1]["pass@1"] == 1.0


def encode_private(tests: list[dict]) -> str:
    """code_generation_lite's private tests: base64 of zlib-compressed pickled JSON text."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--lcb-git-dir", help="a git directory (a clone or mirror) that holds the pinned commit")
    source.add_argument("--lcb-dir", help="a checkout of LiveCodeBench at the pinned commit")
    args = parser.parse_args()
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # `open(0)` in a program reads this process's stdin
    os.environ["DOPD_VL_CODE_TEST_TIMEOUT"] = str(TIMEOUT)
    folder = Path(tempfile.mkdtemp(prefix="lcb-reference-"))
    try:
        reference = copy_reference(args, folder)
        sys.path.insert(0, str(folder))
        stripped = [(problem, strip_think(response)) for problem, response in CASES]
        official, pass_at_1, reasons = official_verdicts(stripped)
        thinking = [index for index, (problem, response) in enumerate(CASES) if stripped[index][1] != response]
        raw = dict(zip(thinking, official_verdicts([CASES[index] for index in thinking])[0]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cases = []
    for index, (problem, response) in enumerate(CASES):
        case = {"id": f"{index:03d}_{problem}", "problem": problem, "response": response,
                "official": official[index], "reason": reasons[index],
                "lenient": project_lenient(problem, response)}
        if index in raw and raw[index] != official[index]:
            case["raw"] = raw[index]
        cases.append(case)
    assert abs(pass_at_1 - sum(official) / len(official)) < 1e-9
    problems = {name: {"testtype": p[0], "func_name": p[1], "difficulty": p[2], "public": p[3], "private": p[4],
                       "starter_code": STARTERS.get(name, "")} for name, p in PROBLEMS.items()}
    OUTPUT.write_text(json.dumps({
        "reference": {**reference, "entry": "extract_code(output, LMStyle.OpenAIChat) after strip_think; "
                                            "codegen_metrics(k_list=[1], timeout=1)"},
        "timeout": TIMEOUT, "pass@1": pass_at_1, "problems": problems, "cases": cases,
    }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    departures = sum(case["lenient"] != case["official"] for case in cases)
    print(f"{len(cases)} cases, {sum(official)} pass (pass@1 {pass_at_1:.4f}), lenient departs on {departures}, "
          f"raw responses differ on {sum('raw' in case for case in cases)}; wrote {OUTPUT}")


if __name__ == "__main__":
    main()
