"""Write math_official_verdicts.json: MATH-500 and AIME 2025 responses scored by the official rules.

- MATH-500 (the 500-problem test split of OpenAI's PRM800K, "Let's Verify Step by Step"): the grader the release
  ships, `grade_answer(given_answer, ground_truth)` of prm800k/grading/grader.py (with math_normalize.py), run from a
  temporary folder outside the repository, on the content of the response's last complete ``\\boxed{}`` after any
  thinking block (the release grades an extracted answer and ships no extraction; the rule below is written here,
  independently of the project's code).
- AIME 2025: an AIME answer is an integer from 000 to 999, so the box must hold an integer (digits, leading zeros
  allowed: the answer sheet's ``007``) equal to the reference; anything else is wrong.

The grader's two files are read at the pinned commit (from a local prm800k checkout or git directory given with
--prm800k, else downloaded from raw.githubusercontent.com), checked against their SHA-256, copied to a temporary
folder and imported from there; nothing of them is written to the repository. They need sympy and pylatexenc:

    python3 -m venv /tmp/venv-prm800k
    /tmp/venv-prm800k/bin/pip install sympy==1.14.0 pylatexenc==2.11
    /tmp/venv-prm800k/bin/python tests/eval/official/make_math_verdicts.py [--prm800k PATH]

tests/eval/official/test_math_official.py compares the project's verdicts with the file this writes.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.metadata
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

OUT = Path(__file__).with_name("math_official_verdicts.json")
REPOSITORY = "https://github.com/openai/prm800k"
COMMIT = "7ecc794703b2877f63226f2477a49b34f9b25163"
FILES = {"prm800k/grading/grader.py": "9e8bbb6f504ee0d8068e1eca031d78174f1c925cfec391996fdf45c21bb016a9",
         "prm800k/grading/math_normalize.py": "13998bf8c35bdc8a76868c84e1704a78567e2552557fda69027cc186568d3a4d"}


# ---------------------------------------------------------------------------------------------------------------------
# Extraction (written here from the task's rule, not taken from the project): text after the last </think> (an
# unclosed <think> holds no answer), then the content of the last \boxed{...} / \fbox{...} whose braces close.
# ---------------------------------------------------------------------------------------------------------------------

def final_part(response: str) -> str:
    response = re.sub(r"(?is)<think>.*?</think>", "", response)
    close = response.lower().rfind("</think>")
    if close != -1:
        response = response[close + len("</think>"):]
    start = response.lower().find("<think>")
    return response if start == -1 else response[:start]


def boxed_answer(response: str) -> str | None:
    text, boxes = final_part(response), []
    for match in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            if text[i] == "\\":  # an escaped character (\{, \}) is literal
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            boxes.append(text[match.end():i - 1].strip())
    return boxes[-1] if boxes else None  # the box that starts last (an inner box starts after its outer one)


def aime_correct(answer: str | None, target: str) -> bool:
    return answer is not None and re.fullmatch(r"\d+", answer.strip()) is not None and int(answer) == int(target)


# ---------------------------------------------------------------------------------------------------------------------
# Cases: (response, target). Edge cases first, then each target with a list of written forms.
# ---------------------------------------------------------------------------------------------------------------------

def box(answer: str) -> str:
    return f"We simplify step by step.\nTherefore, the final answer is $\\boxed{{{answer}}}$."


MATH_EDGE = [
    (box(r"\frac{3}{4}"), "0.75"),
    (box("0.75"), r"\frac{3}{4}"),
    (box(r"\dfrac{3}{4}"), r"\frac{3}{4}"),
    (box(r"\tfrac34"), r"\frac{3}{4}"),
    (box("3/4"), r"\frac{3}{4}"),
    (box("6/8"), r"\frac{3}{4}"),
    (box(r"\frac{6}{8}"), r"\frac{3}{4}"),
    (box(r"\left( 3, \frac{\pi}{2} \right)"), r"\left( 3, \frac{\pi}{2} \right)"),
    (box(r"(3, \frac{\pi}{2})"), r"\left( 3, \frac{\pi}{2} \right)"),
    (box(r"(3, \pi/2)"), r"\left( 3, \frac{\pi}{2} \right)"),
    (box("[2,3)"), "[2,3)"),
    (box("[2, 3)"), "[2,3)"),
    (box("(2,3)"), "[2,3)"),
    (box("[2,3]"), "[2,3)"),
    (box(r"(-\infty,-2)\cup(3,\infty)"), r"(-\infty,-2) \cup (3,\infty)"),
    (box(r"(-\infty, -2) \cup (3, \infty)"), r"(-\infty,-2) \cup (3,\infty)"),
    (box("x=3"), "3"),
    (box("x = 3"), "3"),
    (box("y=3"), "3"),
    (box("3"), "x=3"),
    (box(r"10\text{ cm}"), "10"),
    (box(r"10 \text{ cm}"), "10"),
    (box("10 cm"), "10"),
    (box("10 dollars"), "10"),
    (box(r"10\text{ dollars}"), "10"),
    (box(r"\$10"), "10"),
    (box(r"336^\circ"), "336"),
    (box(r"336^{\circ}"), "336"),
    (box("336"), r"336^\circ"),
    (box("336 degrees"), r"336^\circ"),
    (box(r"\text{(C)}"), r"\text{(C)}"),
    (box("C"), r"\text{(C)}"),
    (box("(C)"), r"\text{(C)}"),
    (box(r"\text{C}"), r"\text{(C)}"),
    (box(r"\text{Evelyn}"), r"\text{Evelyn}"),
    (box("Evelyn"), r"\text{Evelyn}"),
    (box(r"25\%"), r"25\%"),
    (box("25"), r"25\%"),
    (box("0.25"), r"25\%"),
    (box(r"25\%"), "25"),
    (r"First $\boxed{3}$, then on reflection $\boxed{\frac{1}{2}}$.", r"\frac{1}{2}"),
    (r"$\boxed{\frac{1}{2}}$, or rather $\boxed{3}$.", r"\frac{1}{2}"),
    (r"$\boxed{\boxed{5}}$", "5"),
    ("The answer is 5.", "5"),
    ("", "5"),
    (r"So the answer is \boxed{3} and then \boxed{\frac{1}{2", "3"),
    (box(r"\sqrt{2}/2"), r"\frac{\sqrt2}{2}"),
    (box(r"\frac{\sqrt{2}}{2}"), r"\frac{\sqrt2}{2}"),
    (box(r"\frac{1}{\sqrt{2}}"), r"\frac{\sqrt2}{2}"),
    (box("0.7071"), r"\frac{\sqrt2}{2}"),
    (box(r"\sqrt{18}"), r"3\sqrt{2}"),
    (box(r"3\sqrt2"), r"3\sqrt{2}"),
    (r"<think>Maybe $\boxed{4}$.</think>The answer is $\boxed{5}$.", "5"),
    (r"<think>It is $\boxed{5}$.</think>The answer is 5.", "5"),
    (r"Let me think.</think>So $\boxed{5}$.", "5"),
    (r"$\boxed{5}$<think>unfinished", "5"),
    (r"<think>So $\boxed{5}$", "5"),
    (box("40,000"), r"40,\!000"),
    (box(r"40,\!000"), r"40,\!000"),
    (box("40000"), r"40,\!000"),
    (box("40{,}000"), r"40,\!000"),
    (box("1,-2"), "1, -2"),
    (box("-2, 1"), "1, -2"),
    (box("1 and -2"), "1, -2"),
    (box(r"\{1, -2\}"), "1, -2"),
    (box("5.0"), "5"),
    (box("5.00"), "5"),
    (box("05"), "5"),
    (box("4.9999999"), "5"),
    (box(r"x^2+7x+10"), r"x^2+7x+10"),
    (box(r"(x+2)(x+5)"), r"x^2+7x+10"),
    (box(r"10+7x+x^2"), r"x^2+7x+10"),
    (box(r"\pi"), r"\pi"),
    (box("3.14159"), r"\pi"),
    (box(r"2\pi"), r"2 \pi"),
    (box(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"), r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"),
    (box("(1,2)"), r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"),
    (box(r"\frac{1}{2}"), "0.5"),
    (box(r"\frac12"), r"\frac{1}{2}"),
    (box(r"1\frac{1}{2}"), r"\frac{3}{2}"),
    (box("1.5"), r"\frac{3}{2}"),
    (box(r"-\frac{1}{2}"), r"-\frac{1}{2}"),
    (box(r"\frac{-1}{2}"), r"-\frac{1}{2}"),
    (box("2 million"), "2000000"),
    (box(r"\infty"), r"\infty"),
    (box(r"e^{i\pi}"), "-1"),
    (box(r"\text{no solution}"), r"\text{no solution}"),
    (box(r"5\text{ m}^2"), "5"),
    (box(r"1/\sqrt{3}"), r"\frac{\sqrt{3}}{3}"),
    # each branch of the grader's normalisers and comparison
    (box(r"\frac"), r"\frac{1}{2}"),
    (box(r"\frac1"), r"\frac{1}{2}"),
    (box(r"2\sqrt"), r"2\sqrt{2}"),
    (box(r"5\text{ cm}\text{ m}"), "5"),
    (box(r"\text{ 5}"), "5"),
    (box("1,234,567"), "1234567"),
    (box("1234567"), "1,234,567"),
    (box("1,2345"), "12345"),
    (box("2.99999999"), "3"),
    (box("2.99999999"), "2"),
    (box("1e3"), "1000"),
    (box("inf"), r"\infty"),
    (box("nan"), "0"),
    (box(r"7 3/4"), r"\frac{31}{4}"),
    (box(r"7\frac{3}{4}"), r"\frac{31}{4}"),
    (box("3 million"), "3000000"),
    (box("3 hours"), "3"),
    (box("5 cm^2"), "5"),
    (box("5 square feet"), "5"),
    (box("Monday"), r"\text{Monday}"),
    (box("k = 3"), "3"),
    (box("abc = 3"), "3"),
    (box(".5"), r"\frac12"),
    (box("a+b+c"), "c+b+a"),
    (box("a+b"), "b+a"),
    (box("x^{2}+1"), "x^2+1"),
    (box("2^10"), "1024"),
    (box("x^2^3"), "x^8"),
    (box("(1,2]"), "(1,2)"),
    (box(r"\left[1,2\right]"), "[1,2]"),
    (box("[1,2,3]"), "(1,2,3)"),
    (box(r"\{1,2\}"), r"\{2,1\}"),
    (box("-3/4"), r"-\frac{3}{4}"),
    (box("03/4"), r"\frac{3}{4}"),
    (box("3 / 4"), r"\frac{3}{4}"),
    (box(r"\frac{3}{4}\text{ of them}"), r"\frac{3}{4}"),
    (box("10^\\circ"), "10"),
    (box("2 and 3"), "2, 3"),
    (box("2 or 3"), "(2, 3)"),
    (box(r"\sqrt{2}\cdot\sqrt{2}"), "2"),
    (box(r"\frac{\pi}{3}"), r"60^\circ"),
    (box("{5}"), "5"),
    (box(r"\mathbf{5}"), "5"),
    (box("5 "), " 5"),
    (box(r"\$5.00"), "5"),
    (box(r"1.\overline{3}"), r"\frac{4}{3}"),
]

MATH_TARGETS = {
    r"\frac{3}{4}": [r"\frac34", r"\dfrac{3}{4}", "0.75", ".75", "3/4", r"\frac{9}{12}", r"\frac{4}{3}", "0.7"],
    r"2\sqrt{5}": [r"2\sqrt5", r"\sqrt{20}", r"2 \sqrt{5}", r"2\cdot\sqrt{5}", "4.472", r"\sqrt{5}"],
    r"(-\infty, 4]": [r"(-\infty,4]", r"(-\infty, 4)", r"\left(-\infty, 4\right]", r"x \le 4", r"[-\infty, 4]"],
    "12": ["12", "12.0", r"12\text{ inches}", "012", "twelve", "13", "x=12", r"\$12"],
    r"\text{(B)}": ["B", r"\text{B}", r"(B)", r"\textbf{(B)}", "A"],
    r"90^\circ": ["90", r"90^\circ", r"90^{\circ}", r"\frac{\pi}{2}", "90 degrees", "45"],
    "-1, 2": ["2, -1", "-1,2", "(-1, 2)", r"\{-1, 2\}", "-1", "x=-1, x=2"],
    r"\frac{\sqrt{3}}{2}": [r"\sqrt{3}/2", r"\frac{\sqrt3}{2}", r"\frac{3}{2\sqrt{3}}", "0.866", r"\sin 60^\circ"],
    r"10\%": ["10", r"10\%", "0.1", r"10 \%", "10 percent"],
    r"1,\!008": ["1008", "1,008", r"1{,}008", r"1,\!008", "1 008", "1009"],
}

AIME_EDGE = [
    (box("7"), "7"),
    (box("007"), "7"),
    (box("070"), "70"),
    (box("70"), "070"),
    (box("7.0"), "7"),
    (box(r"7\%"), "7"),
    (box(r"\text{7}"), "7"),
    (box("x=7"), "7"),
    (box(r"7^\circ"), "7"),
    (box(r"\$7"), "7"),
    (box(r"\frac{14}{2}"), "7"),
    (box("14/2"), "7"),
    (box("6.9999"), "7"),
    (box(" 7 "), "7"),
    (box("7 "), "7"),
    (box("+7"), "7"),
    (box("-7"), "7"),
    (box("1,000"), "1000"),
    (box("7, 8"), "7"),
    (box("8"), "7"),
    ("The answer is 7.", "7"),
    ("", "7"),
    (r"First $\boxed{8}$, no: $\boxed{7}$", "7"),
    (r"$\boxed{7}$, not $\boxed{8}$", "7"),
    (r"<think>$\boxed{7}$</think>The answer is 7.", "7"),
    (r"<think>maybe $\boxed{8}$</think>So $\boxed{7}$.", "7"),
    (r"\boxed{7} and \boxed{8", "7"),
    (r"\fbox{7}", "7"),
    (r"$\boxed{\boxed{7}}$", "7"),
    (box("0"), "0"),
    (box("000"), "0"),
    (box("999"), "999"),
    (box(r"\mathbf{7}"), "7"),
    (box("seven"), "7"),
    (box(r"7 \pmod{1000}"), "7"),
    (box("7."), "7"),
]

AIME_TARGETS = {
    "204": ["204", "0204", "204.0", "2.04e2", "240", r"\text{204}", "m+n=204", "204 "],
    "70": ["70", "070", "7", "700", r"70\text{ ways}", "70.00", r"\frac{140}{2}", "70!"],
    "588": ["588", "0588", "589", "588,", r"588\,", "5 8 8", "{588}"],
    "16": ["16", "016", "16.5", "2^4", "16^\\circ", "-16", "sixteen", "1 6"],
    "907": ["907", "907.", r"\boxed{907}", "97", "0907", "907 \\pmod{1000}", "906"],
    "113": ["113", "113.0", "0113", "11 3", "113/1", "113 + 0", "114", "113\\%"],
}


def math_cases() -> list[tuple[str, str]]:
    cases = list(MATH_EDGE)
    for target, answers in MATH_TARGETS.items():
        cases += [(box(answer), target) for answer in answers]
    return cases


def aime_cases() -> list[tuple[str, str]]:
    cases = list(AIME_EDGE)
    for target, answers in AIME_TARGETS.items():
        cases += [(box(answer), target) for answer in answers]
    for number in (0, 5, 42, 100, 233, 468, 625, 999):  # each as the answer sheet, plain, one off, and a decimal
        cases += [(box(answer), str(number)) for answer in (f"{number:03d}", str(number), str(number + 1),
                                                           f"{number}.5")]
    return cases


# ---------------------------------------------------------------------------------------------------------------------
# The reference grader, from a temporary folder.
# ---------------------------------------------------------------------------------------------------------------------

def read_reference(path: str, source: str | None) -> bytes:
    if source is None:
        url = f"https://raw.githubusercontent.com/openai/prm800k/{COMMIT}/{path}"
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    root = Path(source)
    if (root / path).is_file():
        return (root / path).read_bytes()
    return subprocess.run(["git", "--git-dir", str(root), "show", f"{COMMIT}:{path}"], check=True,
                          capture_output=True).stdout


def load_grader(folder: Path, source: str | None):
    grading = folder / "grading"
    grading.mkdir()
    hashes = {}
    for path, expected in FILES.items():
        data = read_reference(path, source)
        hashes[path] = hashlib.sha256(data).hexdigest()
        if hashes[path] != expected:
            raise SystemExit(f"{path}: SHA-256 {hashes[path]}, expected {expected} (commit {COMMIT})")
        (grading / Path(path).name).write_bytes(data)
    sys.path.insert(0, str(folder))
    return importlib.import_module("grading.grader"), hashes


def compact_json(value, depth: int = 0) -> str:
    if isinstance(value, dict) and depth < 2:
        inner = ",\n".join(f"{json.dumps(key)}: {compact_json(item, depth + 1)}" for key, item in value.items())
        return "{\n" + inner + "\n}"
    if isinstance(value, list):
        return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in value) + "\n]"
    return json.dumps(value, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prm800k", help="a prm800k checkout or git directory holding the pinned commit "
                                          "(default: download the two files from GitHub)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        grader, hashes = load_grader(Path(folder), args.prm800k)
        math = []
        for response, target in math_cases():
            answer = boxed_answer(response)
            math.append({"response": response, "target": target, "extracted": answer,
                         "accuracy": float(grader.grade_answer(answer, target))})
    aime = []
    for response, target in aime_cases():
        answer = boxed_answer(response)
        aime.append({"response": response, "target": target, "extracted": answer,
                     "accuracy": float(aime_correct(answer, target))})
    mean = lambda cases: sum(case["accuracy"] for case in cases) / len(cases)  # noqa: E731
    verdicts = {
        "math500": {"reference": {"repository": REPOSITORY, "commit": COMMIT, "function": "grading.grader.grade_answer",
                                  "files": hashes, "packages": {name: importlib.metadata.version(name)
                                                                for name in ("sympy", "pylatexenc")}},
                    "mean": mean(math), "cases": math},
        "aime25": {"reference": "the box holds an integer (digits, leading zeros allowed) equal to the target",
                   "mean": mean(aime), "cases": aime},
    }
    OUT.write_text(compact_json(verdicts) + "\n", encoding="utf-8")
    print(f"{OUT}: math500 {len(math)} cases (mean {mean(math):.4f}), aime25 {len(aime)} cases "
          f"(mean {mean(aime):.4f})")


if __name__ == "__main__":
    main()
