"""Score generated LiveBench math and reasoning responses with LiveBench's own rules into
livebench_math_reasoning_verdicts.json (read by test_livebench_math_reasoning_official.py, which needs neither the
reference nor the network).

Not run by the tests. The reference is LiveBench's `livebench/process_results/` at the pinned commit: the scorers that
`gen_ground_truth_judgment.py` dispatches to for the project's rules (`mathcontest_process_results`,
`aime_process_results`, `proof_rearrangement_process_results(..., edit_distance=True)`,
`amps_hard_process_results`, `web_of_lies_process_results`, `web_of_lies_v3_process_results`,
`house_traversal_process_results`, `zebra_puzzle_process_results`, `zebra_puzzle_process_results_old`,
`spatial_process_results`) with their shared `util.py`. The files are read at the pinned commit (from a LiveBench
checkout or git directory), checked by SHA-256, laid out as the package `livebench.process_results` (empty
`__init__.py` files written here) in a temporary folder and imported from there:

    python tests/eval/official/make_livebench_math_reasoning_verdicts.py --livebench PATH [--deps DIR]

AMPS_Hard imports `sympy` and `lark` and parses LaTeX with sympy's lark backend, falling back to `latex2sympy2`
(which pins antlr4-python3-runtime 4.7.2, while the project's math-verify needs 4.13); `--deps DIR` puts a folder
first on the import path for them, e.g. after `pip install --target DIR --no-deps lark latex2sympy2
antlr4-python3-runtime==4.7.2`. Where sympy cannot show the answer equal to the ground truth, the reference asks
gpt-5-mini and, without OPENAI_API_KEY (removed here), raises RuntimeError: such a case is recorded with `error` and
no score, as is any case where a reference scorer raises (an assertion on a malformed `\\boxed`, an `int()` of a
superscript digit). The project scores those 0 (a judgment that could not be made scores nothing).

Thinking: LiveBench removes closed ``<think>...</think>`` blocks by regex before scoring; the project removes
thinking with `eval.metrics.strip_think` (closed blocks, text up to a stray ``</think>``, text from an unclosed
``<think>`` on). Each response goes to the reference with its thinking removed by that rule, written here as
`final_part`, so the reference sees the text the project's rule sees; `livebench_raw` records the reference's verdict
on the response with only LiveBench's own regex applied, where it differs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

from pinned_reference import add_package_files, copy_pinned  # this folder: the scripts run as files

OUT = Path(__file__).with_name("livebench_math_reasoning_verdicts.json")
REFERENCE = {
    "repository": "https://github.com/LiveBench/LiveBench",
    "commit": "b0fb577be60ea5ba6e3e677a84af127c893af0ef",
    "files": {
        "livebench/process_results/util.py":
            "fa45fcc988077218d6da08f00f3b6a61b0aea6ae08f417658c2fb5c373827cb7",
        "livebench/process_results/math/math_competitions/utils.py":
            "16f9f9cc14f4c83d4b288ab7361e04b4a1e3ede4069e94c465ab3a42b21ec694",
        "livebench/process_results/math/olympiad/utils.py":
            "aab460ffca47064f570e13312770bba91278d0f326c8bc2770623f94308b78e1",
        "livebench/process_results/math/AMPS_Hard/utils.py":
            "df5a99dffe825f00c19683acfa3172cbda59540fadfa9ebe01e0d1c1cbbc1f0f",
        "livebench/process_results/reasoning/web_of_lies_v2/utils.py":
            "6c4b783610296525b3119149bb515bd5d92e80121b53645fd658cfa14409dfb4",
        "livebench/process_results/reasoning/web_of_lies_v3/utils.py":
            "f20bd31d9aad5fa37e58be3ac3a663c2ac68945a881e8cee388794cf16f4bfac",
        "livebench/process_results/reasoning/house_traversal/utils.py":
            "25f8bb8f47aa8b4b619f36b4f4a0e053da960c36afcb6c645c0cf004c9d232a4",
        "livebench/process_results/reasoning/zebra_puzzle/utils.py":
            "7cdf1e0ad0a8a24392c4835dd5c27f0b511958226bc20992b4050b875b99ae3c",
        "livebench/process_results/reasoning/spatial/utils.py":
            "43dc8873300d1713d5543d542a19c023c4b8d800cc22d77abe14fef638f59ebf",
    },
    "dispatch": "livebench/gen_ground_truth_judgment.py (play_a_match_gt)",
}

AMC_QUESTION = ("What is $2+3$? $\\textbf{(A) }4\\qquad\\textbf{(B) }5\\qquad\\textbf{(C) }6\\qquad\\textbf{(D) }7"
                "\\qquad\\textbf{(E) }8$ If you cannot determine the correct multiple-choice answer, take your best "
                "guess. Once you have your answer, please duplicate that letter five times in a single string.")
AMC_FRACTION = ("Which is largest? $\\textbf{(A) }\\frac{1}{2}\\qquad\\textbf{(B) }\\frac{2}{3}\\qquad"
                "\\textbf{(C) }\\frac{3}{4}\\qquad\\textbf{(D) }\\frac{4}{5}\\qquad\\textbf{(E) }\\frac{5}{6}$")
QUESTIONS = {"amc": AMC_QUESTION, "amc-fraction": AMC_FRACTION}

# (rule, ground truth, question key or None, responses): edge cases first, then generated ones
MATH = [
    ("math_contest", "B", "amc", [
        "BBBBB", "So the answer is BBBBB.", "bbbbb", "BBBB", "BBB", "AAAAA", "It is B.\nBBBBB\nwait, CCCCC",
        "<solution>B</solution>", "<solution>bbbbb</solution>", "<solution>BBBBB</solution> then <solution>C"
        "</solution>", "<solution>C</solution> then <solution>BB</solution>", "<solution>B B</solution>",
        "The answer is \\boxed{B}", "The answer is \\boxed{b}", "\\boxed{\\text{B}}", "\\boxed{\\textbf{B}}",
        "\\boxed{(B)}", "\\boxed{5}", "$\\boxed B$", "\\boxed B", "\\fbox{B}", "\\boxed{A} or rather \\boxed{B}",
        "\\boxed{B} or rather \\boxed{A}", "\\boxed{B", "\\boxedB{x}", "\\boxed\n{B}", "Summing gives 5",
        "Summing gives the value 5 and that is all of the story here, truly it is.", "B", "**B**", "b",
        "The answer:\n(B)", "The answer is (B) 5", "I choose B", "Final: (b) five", "", "   ",
        "<think>AAAAA</think>BBBBB", "<think>BBBBB</think>The answer is C.", "<think>working", "BBBBB<think>no, CCCCC",
        "\\fbox{B}\n\\fbox{A}", "\\boxed B$ no", "The answer is (A) or (B)",
        "so</think>BBBBB", "\\boxedB{x}, hence BBBBB", "\\boxedX{B} then the value 5"]),
    ("math_contest", "E", "amc-fraction", [
        "EEEEE", "\\boxed{E}", "The largest is \\frac{5}{6}", "The largest is $\\frac{5}{6}$.", "\\frac{4}{5}",
        "E", "(E)", "Answer: (E)", "**E**", "DDDDD", "\\boxed{D}", "\\boxedE{x}"]),
    ("aime", "204", None, [
        "The answer is 204.", "The answer is 204", "204", "The answer is 205.", "204 at first, but after a long "
        "and careful recount the final answer is 205.", "<solution>204</solution>", "<solution>204</solution> and "
        "now some long trailing commentary that pushes it out of the window.", "<solution>2</solution>",
        "<solution>444</solution>", "\\boxed{204}", "**204**", "2,04", "The answer is 1204.", "", "<think>204"
        "</think>The answer is 13.", "<think>13</think>The answer is 204.", "<think>The answer is 204.",
        "so</think>204"]),
    ("aime", "4", None, [
        "<solution>4</solution> followed by a long explanation that is more than fifty characters long",
        "<solution>44</solution> followed by a long explanation that is more than fifty characters long",
        "<solution>4444</solution> and then much more text so that the digit is far from the end",
        "<solution>14</solution> and then much more text so that the digit is far from the end", "The answer is 14",
        "The answer is four", "4"]),
    ("olympiad", "3,1,2", None, [
        "Answer: 3, 1, 2", "Answer: 3,1,2", "answer: 3, 2, 1", "Reasoning\n\nAnswer: 3, 1, 2", "**Answer:** 3, 1, 2",
        "**Answer:**\n3, 1, 2", "Answer:\n3, 1, 2", "Answer: <expression 3>, <expression 1>, <expression 2>",
        "Answer: $3$, $1$, $2$", "Answer: \\boxed{3}, \\boxed{1}, \\boxed{2}", "Answer: 3, 1, 2.",
        "Answer: 3, 1", "Answer: 3, 1, 2, 4", "Answer: three, one, two", "Answer: 1, 2\nAnswer: 3, 1, 2",
        "Answer: 3, 1, 2\nAnswer: 1, 2", "So \\boxed{3, 1, 2}", "So \\boxed{3,1}", "\\boxed{\\text{3, 1, 2}}",
        "\\boxed{3, 1, 2", "\\boxedX{3, 1, 2}", "\\boxed{a, b}\n3, 1, 2", "The order is\n3, 1, 2",
        "The order is\nexpr 3, expr 1, expr 2 done", "1, 2, 3", "", "no numbers at all",
        "Answer: x\nthe order 3, 1, 2", "the expressions are 3, 1, and 2", "3², 1, 2", "the order: 3, 1, 2₂",
        "the order: 3, 1₂, 2", "Answer: 3²\nend", "Answer: ₂, 3\nend", "Answer: x\n\\boxed 3, 1, 2",
        "<think>Answer: 1, 2, 3</think>Answer: 3, 1, 2", "<think>Answer: 3, 1, 2"]),
    ("olympiad", "5,2,7,1,4", None, [
        "Answer: 5, 2, 7, 1, 4", "Answer: 5, 2, 7, 4, 1", "Answer: 2, 7, 1, 4", "Answer: 5, 2, 7, 1, 4, 6, 3",
        "Answer: 4, 1, 7, 2, 5", "\\boxed{5, 2, 7, 1, 4}", "Answer: 5, 2, seven, 1, 4", "5 2 7 1 4"]),
    ("amps_hard", "5 \\cos (5 x)", None, [
        "The derivative is \\boxed{5\\cos(5x)}.", "\\boxed{5 \\cos \\left(5 x\\right)}", "so $\\frac{d}{dx} = 5 "
        "\\cos \\left(5 x\\right)$", "$$5\\cos(5x)$$", "\\boxed{5\\sin(5x)}", "\\boxed{\\cos(5x) \\cdot 5}",
        "I do not know", "", "The answer is 5 \\cos (5 x).", "The answer is 5 \\cos (5 x)", "\\boxed{5\\cos 5x}",
        "\\boxed{5\\cos(5x)+C}", "\\boxed{5 cos(5x)}", "\\boxed{5\\cos(5x)", "\\fbox{5\\cos(5x)}",
        "<think>\\boxed{5\\cos(5x)}</think>\\boxed{5\\sin(5x)}",
        "<think>\\boxed{5\\sin(5x)}</think>\\boxed{5\\cos(5x)}",
        "\\boxed{\\frac{10\\cos(5x)}{2}}", "\\boxed{5\\cos(5x) + 0.0001}", "\\boxed{5.0\\cos(5x)}",
        "\\boxed{-5\\cos(5x)}", "\\boxedX{5\\cos(5x)}", "\\boxed 5\\cos(5x)$", "\\boxed\n{5\\cos(5x)}",
        "\\boxed{5\\cos(5 x)} \\text{ for all } x", "\\boxed{y' = 5\\cos(5x)}"]),
    ("amps_hard", "\\frac{x^3}{3}+2 x", None, [
        "\\boxed{\\frac{x^3}{3}+2x+C}", "\\boxed{\\frac{x^3}{3} + 2x}", "\\boxed{\\dfrac{x^{3}}{3}+2x}",
        "\\boxed{\\frac13 x^3 + 2x}", "\\boxed{x^3/3 + 2x}", "\\boxed{\\frac{x^3}{3}}", "$\\int = \\frac{x^3}{3}+2 x$",
        "\\boxed{2x + \\frac{x^3}{3}}", "\\boxed{\\frac{x^3+6x}{3}}", "\\boxed{\\frac{x^3}{3}+2x+c}"]),
    ("amps_hard", "-12", None, [
        "\\boxed{-12}", "\\boxed{-12.0}", "\\boxed{-11.9999}", "\\boxed{-11.99}", "\\boxed{12}", "The determinant is "
        "-12.", "The determinant is $-12$", "\\boxed{\\det = -12}", "\\boxed{-\\frac{24}{2}}", "\\boxed{- 12}"]),
    ("amps_hard", "-3 (x-5) (x+2)", None, [
        "\\boxed{-3(x-5)(x+2)}", "\\boxed{-3 (x-5) (x+2)}", "\\boxed{3(5-x)(x+2)}", "\\boxed{-3x^2+9x+30}",
        "\\boxed{-3(x+5)(x-2)}", "\\boxed{(x-5)(x+2)}", "$-3 (x-5) (x+2)$", "\\boxed{-3\\left(x-5\\right)\\left(x+2"
        "\\right)}"]),
]

REASONING = [
    ("web_of_lies_v2", "yes, no, yes", None, [
        "School: **yes**, park: **no**, zoo: **yes**. So **yes, no, yes**", "<solution>yes, no, yes</solution>",
        "<solution>Yes, No, Yes</solution>", "<solution>yes,no,yes</solution>", "</solution>yes, no, yes</solution>",
        "Therefore: yes, no, yes", "Therefore: Yes, No, Yes", "**no, no, yes**", "**yes, no, yes**",
        "**Yes**, **No**, **Yes**", "**yes** **no** **yes.**", "**maybe**, so yes, no, yes", "\\boxed{yes, no, yes}",
        "\\textbf{yes, no, yes}", "\\boxed{}", "**answer** \\boxed{} then yes, no, yes", "\\boxed{yes, no, yes",
        "\\boxed yes, no, yes", "no, no, no</think>yes, no, yes", "<THINK>yes, no, yes</THINK>no, no, no",
        "\\boxedX{yes} yes, no, yes", "yes, no, yes, and also no, no, no", "no, no, no then yes, no, yes",
        "<solution></solution> yes, no, yes", "<solution>yes, no, yes, no</solution>", "<solution>yes</solution>",
        "", "I cannot tell.", "<think>yes, no, yes</think>no, no, no", "<think>no, no, no</think>**yes, no, yes**",
        "<think>**yes, no, yes**"]),
    ("web_of_lies_v3", "yes, no, unknown", None, [
        "<solution>yes, no, unknown</solution>", "<solution>yes, yes, unknown</solution>",
        "<solution>yes,no,unknown</solution>", "<solution>Yes, No, Unknown</solution>", "</solution>yes, no, unknown"
        "</solution>", "\\boxed{yes, no, unknown}", "\\boxed{\\text{yes, no, unknown}}", "\\boxed{\\text{yes}, "
        "\\text{no}, \\text{unknown}}", "\\textbf{yes, no, unknown}", "\\boxed{}", "\\boxed{} yes, no, unknown",
        "\\boxed{yes, no, unknown", "\\boxed yes, no, unknown", "\\fbox{yes, no, unknown}",
        "\\boxedX{yes} yes, no, unknown", "So: yes, no, unknown", "**yes, no, unknown**",
        "yes, no, no", "<solution>yes, no</solution>", "<solution>no</solution>", "<solution></solution> yes, no, "
        "unknown", "", "<think>yes, no, unknown</think>no, no, no", "<think>no</think><solution>yes, no, unknown"
        "</solution>", "yes, no, unknown<think>"]),
    ("house_traversal", "Alice Bob", None, [
        "first **alice**, then **bob**", "**Bob then Alice**", "**Alice then Bob**", "**Alice**, **Bob**",
        "**alice bob**", "***Alice***, ***Bob***", "**Alice**, ***Bob***", "**the path: Alice**, **then Bob**",
        "**Alice** and **Bob** but **Carol**", "Alice then Bob", "", "**Alicebob**", "**Bob**, **Alice**",
        "<think>**Alice** **Bob**</think>**Bob**", "**Alice, Bob", "**A**lice **B**ob", "**Alice**\n**Bob**"]),
    ("house_traversal", "Zed Ann Kim", None, [
        "**Zed**, **Ann**, **Kim**", "**zed, ann, kim**", "**Zed, Kim, Ann**", "**Ann**, **Kim**",
        "**Zed** -> **Ann** -> **Kim** -> **Zed**", "**Zed Anna Kim**"]),
    ("zebra_puzzle", "3,purple,2", None, [
        "<solution>3, purple, 2</solution>", "<solution>position 3, Purple, 2</solution>", "<solution>3, green, 2"
        "</solution>", "<solution>3,purple,2</solution>", "<solution>3</solution><solution>purple, 2</solution>",
        "<solution>1, 2, 3</solution> then <solution>3, purple, 2</solution>", "</solution>3, purple, 2</solution>",
        "<solution>three, purple, 2</solution>", "<solution>13, light-purple, 2</solution>",
        "<solution>3, purple</solution>", "<solution>3, purple, 2, 4</solution>", "\\boxed{3, purple, 2}",
        "\\boxed{3, \\text{purple}, 2}", "\\boxed{3, purple, 2", "\\boxed 3, purple, 2", "\\fbox{3, purple, 2}",
        "\\boxedX{3}\n3, purple, 2", "I think 3 and purple",
        "So\n3, purple, 2", "So\n3, purple", "", "<think><solution>1, 1, 1</solution></think><solution>3, purple, 2"
        "</solution>", "<solution>3, purple, 2</solution><think>"]),
    ("zebra_puzzle", "dark-green,5", None, [
        "<solution>dark green, 5</solution>", "<solution>Dark-Green, 5</solution>", "<solution>green, 5</solution>",
        "<solution>dark green house, position 5</solution>", "\\fbox{dark green, 5}"]),
    ("zebra_puzzle_bold", "three", None, [
        "so ***3***", "so ***4***", "so ***three***", "so ***Three***", "***3*** or ***4***", "It is 3",
        "It is three.", "It is 3!", "**3**", "*** 3 ***", "***3.***", "", "<think>***4***</think>***3***",
        "***three houses***", "***3***, final"]),
    ("zebra_puzzle_bold", "two movies", None, [
        "***two***", "***2***", "***two movies***", "It is two", "It is two movies", "***Two***"]),
    ("zebra_puzzle_bold", "Bob", None, ["***Bob***", "***bob***", "The owner is Bob.", "***Bob's***", "***Alice***"]),
    ("spatial", "4", None, [
        "Each cut halves... **four**", "**4** triangles, then **more text**, **x**", "**2**", "**4**", "**Four**",
        "**4**, **a**, **b**, **c**", "4", " 4", "**4 **", "** 4**", "**4 pieces**", "\\boxed{4}", "\\boxed{four}",
        "\\boxed{\\textbf{4}}", "\\boxed{\\text{4}}", "**2** \\boxed{4}", "\\boxed{4", "\\boxed {4}", "\\boxed 4",
        "\\fbox{4}", "**x** \\boxedX{4}", "",
        "<think>**4**</think>**5**", "<think>**5**</think>**4**"]),
    ("spatial", "triangle", None, [
        "It is an **equilateral triangle**", "**circle square triangle tetrahedra**", "**Triangle**",
        "**triangles**", "**a triangle**", "**triangle-shaped cross-section here**", "\\boxed{triangle}",
        "\\boxed{Triangle}", "\\boxed{\\mathbf{triangle}}", "triangle"]),
    ("spatial", "tetrahedra", None, ["**two tetrahedra**", "**tetrahedron**", "**several tetrahedra pieces now**"]),
]


def final_part(response: str) -> str:
    """The project's thinking removal (`eval.metrics.strip_think`): every closed block, then the text up to a stray
    ``</think>``, then the text from an unclosed ``<think>`` on."""
    text = re.sub(r"<think>.*?</think>", "", response, flags=re.DOTALL | re.IGNORECASE)
    close = text.lower().rfind("</think>")
    if close != -1:
        text = text[close + len("</think>"):]
    start = text.lower().find("<think>")
    return text if start == -1 else text[:start]


def livebench_thinking(response: str) -> str:
    """LiveBench's own removal (`play_a_match_gt`): closed blocks only."""
    return re.sub(r"<think>.*?</think>", "", response, flags=re.DOTALL)


def load_reference(root: Path, folder: Path) -> dict:
    copy_pinned(root, REFERENCE, folder)
    add_package_files(folder, REFERENCE["files"])
    sys.path.insert(0, str(folder))
    math, reasoning = "livebench.process_results.math", "livebench.process_results.reasoning"
    contest = importlib.import_module(f"{math}.math_competitions.utils")
    olympiad = importlib.import_module(f"{math}.olympiad.utils")
    amps = importlib.import_module(f"{math}.AMPS_Hard.utils")
    v2 = importlib.import_module(f"{reasoning}.web_of_lies_v2.utils")
    v3 = importlib.import_module(f"{reasoning}.web_of_lies_v3.utils")
    house = importlib.import_module(f"{reasoning}.house_traversal.utils")
    zebra = importlib.import_module(f"{reasoning}.zebra_puzzle.utils")
    spatial = importlib.import_module(f"{reasoning}.spatial.utils")
    return {  # as gen_ground_truth_judgment.py calls them
        "math_contest": lambda gt, answer, question: contest.mathcontest_process_results(gt, answer, question),
        "aime": lambda gt, answer, question: contest.aime_process_results(gt, answer),
        "olympiad": lambda gt, answer, question: olympiad.proof_rearrangement_process_results(
            gt, answer, edit_distance=True),
        "amps_hard": lambda gt, answer, question: amps.amps_hard_process_results(gt, answer),
        "web_of_lies_v2": lambda gt, answer, question: v2.web_of_lies_process_results(gt, answer),
        "web_of_lies_v3": lambda gt, answer, question: v3.web_of_lies_v3_process_results(gt, answer),
        "house_traversal": lambda gt, answer, question: house.house_traversal_process_results(gt, answer),
        "zebra_puzzle": lambda gt, answer, question: zebra.zebra_puzzle_process_results(gt, answer),
        "zebra_puzzle_bold": lambda gt, answer, question: zebra.zebra_puzzle_process_results_old(gt, answer),
        "spatial": lambda gt, answer, question: spatial.spatial_process_results(gt, answer),
    }


def verdict(rules: dict, rule: str, ground_truth: str, response: str, question: str) -> dict:
    try:
        return {"score": float(rules[rule](ground_truth, response, question))}
    except Exception as error:  # noqa: BLE001 - LiveBench records any scorer error as an eval_error
        return {"error": f"{type(error).__name__}: {error}"[:200]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--livebench", required=True, type=Path, help="a LiveBench checkout or git directory")
    parser.add_argument("--deps", type=Path, help="a folder with lark, latex2sympy2 and antlr4 4.7.2 for AMPS_Hard")
    args = parser.parse_args()
    if args.deps:
        sys.path.insert(0, str(args.deps.resolve()))
    os.environ.pop("OPENAI_API_KEY", None)  # AMPS_Hard's LLM fallback cannot run: it raises
    warnings.simplefilter("ignore")
    records = []
    with tempfile.TemporaryDirectory() as folder:
        rules = load_reference(args.livebench.resolve(), Path(folder))
        for group in (MATH, REASONING):
            for rule, ground_truth, key, responses in group:
                question = QUESTIONS.get(key, "")
                for response in responses:
                    record = {"rule": rule, "ground_truth": ground_truth}
                    if key:
                        record["question"] = key
                    record["response"] = response
                    record.update(verdict(rules, rule, ground_truth, final_part(response), question))
                    raw = verdict(rules, rule, ground_truth, livebench_thinking(response), question)
                    if raw != {k: v for k, v in record.items() if k in ("score", "error")}:
                        record["livebench_raw"] = raw.get("score", raw.get("error"))
                    records.append(record)
    counts = {}
    for record in records:
        counts.setdefault(record["rule"], [0, 0])
        counts[record["rule"]][0] += 1
        counts[record["rule"]][1] += "error" in record
    data = {"reference": REFERENCE, "questions": QUESTIONS,
            "mean": sum(record.get("score", 0.0) for record in records) / len(records)}
    text = "{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                              for key, value in data.items())
    text += ',\n"cases": [\n' + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]\n}\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(records)} cases, mean {data['mean']:.4f}; (cases, errors) per rule: {counts}")


if __name__ == "__main__":
    main()
