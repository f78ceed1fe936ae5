"""Logic puzzles of the Qwen3 text pairs: ZebraLogic (grid mode) and AutoLogi.

- **ZebraLogic** (`zebralogic`; Lin et al. 2025, "ZebraLogic: On the Scaling Limits of LLMs for Logical Reasoning").
  Reads the grid-mode Parquet of the Hugging Face release (`WildEval/ZebraLogic`, or the gated
  `allenai/ZebraLogicBench-private`; the public `allenai/ZebraLogicBench` has the same layout with the answers hidden,
  which the loader refuses). The prompt follows ZeroEval's zebra-grid protocol (one worked example, the puzzle, then the
  JSON answer template built from the solution's header and house count: `{"reasoning": "___", "solution": {"House 1":
  {column: "___", ...}, ...}}`), in our own words. Scoring is ZeroEval's `zebra_grid_eval.py` (@8c1485e; the whole
  response is read, thinking included; tests/eval/official/test_zebralogic_official.py checks it case for case), with
  its easy/hard and small-to-XL puzzle accuracies; `--scoring lenient` keeps the earlier reading (thinking removed
  first, number cells compared by their text).
- **AutoLogi** (`autologi`; Zhu et al. 2025, "AutoLogi: Automated Generation of Logic Puzzles for Evaluating Reasoning
  Abilities of Large Language Models"). Reads `testing-data/AutoLogi_{en,cn}.jsonl` of the GitHub release
  (8188zq/AutoLogi). Each puzzle ships its own Python verifier (`code.Inputs_Check_code` defines `inputs_check`,
  `code.Constraint_List_code` defines `constraint_list`); the generated arrangement is accepted when both accept it
  and the verifier prints nothing of its own, exactly the release's `evaluation/eval.py` @d67fda1
  (tests/eval/official/test_autologi_official.py checks it case for case); `--scoring lenient` rewrites
  `true`/`false` as whole words only and ignores the verifier's prints. The verifier runs in the evaluation sandbox (`eval/sandbox.py`: a
  separate, resource-limited Python process; :func:`run_verifier`); nothing from the dataset or the response is
  executed in this process.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

from eval.base import Benchmark, Doc, EvalError, jsonl_records, missing_message, parquet_rows, record_error, require
from eval.metrics import strip_think

# ---------------------------------------------------------------------------------------------------------------------
# Shared: the last complete top-level {...} of a text.
# ---------------------------------------------------------------------------------------------------------------------


def last_balanced_span(text: str, left: str = "{", right: str = "}") -> str | None:
    """The last top-level `left ... right` span, by bracket counting that ignores quotes (as ZeroEval's
    `extract_last_complete_json` and AutoLogi's `extract_last_dict` do); an unmatched closing bracket is skipped."""
    depth, start, last = 0, None, None
    for index, char in enumerate(text):
        if char == left:
            if depth == 0:
                start = index
            depth += 1
        elif char == right and depth:
            depth -= 1
            if depth == 0:
                last = text[start:index + 1]
    return last


# ---------------------------------------------------------------------------------------------------------------------
# ZebraLogic (grid mode).
# ---------------------------------------------------------------------------------------------------------------------

HIDDEN_CELL = "___"  # how the public allenai/ZebraLogicBench hides the solution cells

_ZEBRA_EXAMPLE_PUZZLE = """There are 3 houses in a row, numbered 1 to 3 from left to right. Each is occupied by a \
different person, and each person has exactly one value of each attribute:
 - Each person has a unique name: `Mia`, `Leo`, `Ana`
 - Each person keeps a unique pet: `cat`, `dog`, `fish`

## Clues

1. Leo lives in the third house.
2. The person with the cat lives directly left of Leo.
3. Ana keeps the fish."""

_ZEBRA_EXAMPLE_ANSWER = {
    "reasoning": "Clue 1 puts Leo in house 3, so by clue 2 the cat is in house 2. Ana keeps the fish (clue 3), so she "
                 "is not in house 2 and must be in house 1; Mia lives in house 2 with the cat, and Leo keeps the dog.",
    "solution": {"House 1": {"Name": "Ana", "Pet": "fish"}, "House 2": {"Name": "Mia", "Pet": "cat"},
                 "House 3": {"Name": "Leo", "Pet": "dog"}},
}


def zebra_prompt(puzzle: str, header: list[str], houses: int) -> str:
    """ZeroEval's zebra-grid protocol in our words: a solved example, the puzzle, and the JSON template to fill."""
    template = {"reasoning": HIDDEN_CELL,
                "solution": {f"House {i + 1}": {column: HIDDEN_CELL for column in header[1:]} for i in range(houses)}}
    return (f"# Example puzzle\n\n{_ZEBRA_EXAMPLE_PUZZLE}\n\n## Answer to the example\n\n"
            f"{json.dumps(_ZEBRA_EXAMPLE_ANSWER, indent=4)}\n\n# Puzzle to solve\n\n{puzzle.strip()}\n\n# Instruction\n\n"
            "Solve the puzzle above. Give your reasoning and your solution as one JSON object in exactly this format, "
            f"with every {HIDDEN_CELL} filled in:\n\n{json.dumps(template, indent=4)}\n")


def zebra_table(header: list[str], rows: list[list[str]]) -> dict[str, dict[str, str]]:
    """The solution grid as ZeroEval's table: {"House i": {column: value}} (column 0 of the header is "House")."""
    return {f"House {i + 1}": {header[j]: row[j] for j in range(1, len(header))} for i, row in enumerate(rows)}


def _zebra_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "zebralogic" / "grid_mode").glob("test-*.parquet"))


def _zebra_record(row: dict, path: Path) -> tuple[str, str, list[str], list[list[str]]]:
    record = str(row.get("id") or "?")
    for field in ("id", "puzzle"):
        if not isinstance(row.get(field), str) or not row[field].strip():
            raise record_error("zebralogic", path, record, f"field '{field}': missing or empty; expected a string")
    solution = row.get("solution")
    if not isinstance(solution, dict):
        raise record_error("zebralogic", path, record, "field 'solution': missing; expected {header, rows}")
    header, rows = solution.get("header"), solution.get("rows")
    if not isinstance(header, list) or len(header) < 2 or header[0] != "House":
        raise record_error("zebralogic", path, record,
                           f"field 'solution.header': {header!r}; expected ['House', attribute, ...]")
    if not isinstance(rows, list) or not rows or any(not isinstance(r, list) or len(r) != len(header) for r in rows):
        raise record_error("zebralogic", path, record,
                           f"field 'solution.rows': expected one list of {len(header)} cells per house")
    cells = [cell for r in rows for cell in r[1:]]
    if any(cell == HIDDEN_CELL for cell in cells):
        raise record_error("zebralogic", path, record,
                           "field 'solution.rows': the answers are hidden (cells are '___'), as in the public "
                           "allenai/ZebraLogicBench; download WildEval/ZebraLogic (or the gated "
                           "allenai/ZebraLogicBench-private) instead")
    if any(not isinstance(cell, str) or not cell.strip() for cell in cells):
        raise record_error("zebralogic", path, record, "field 'solution.rows': every cell must be a non-empty string")
    return row["id"], row["puzzle"], header, rows


def load_zebralogic(data_dir: Path, limit: int | None) -> list[Doc]:
    files = _zebra_files(data_dir)
    if not files:
        raise EvalError(missing_message(ZEBRALOGIC, data_dir))
    docs = []
    for path in files:
        for row in parquet_rows(path):
            if limit is not None and len(docs) >= limit:
                return docs
            puzzle_id, puzzle, header, rows = _zebra_record(row, path)
            table = zebra_table(header, rows)
            docs.append(Doc(puzzle_id, [{"role": "user", "content": zebra_prompt(puzzle, header, len(rows))}],
                            json.dumps(table, ensure_ascii=False),
                            {"id": puzzle_id, "size": row.get("size"), "puzzle": puzzle, "header": header,
                             "rows": rows}))
    return docs


def zebra_prediction(response: str):
    """The "solution" value of the response's last complete top-level JSON object, or None (ZeroEval's
    `extract_last_complete_json` and its filter in `zebra_grid_eval.py`).

    The whole response is read, thinking included (ZeroEval removes nothing): the last balanced {...} is parsed with
    `json.loads` after removing newlines; if that one does not parse, or its "solution" is missing or null, there is
    no answer (an earlier object is not tried). Any other "solution" value counts as an answer, even one that is not
    an object (it then has no cells right)."""
    span = last_balanced_span(response or "")
    if span is None:
        return None
    try:
        parsed = json.loads(span.replace("\n", ""))
    except (json.JSONDecodeError, RecursionError):  # ZeroEval stops on a RecursionError
        return None
    return parsed.get("solution") if isinstance(parsed, dict) else None


def _official_cell(value) -> str | None:
    """A predicted cell as ZeroEval's `eval_model` reads it: null or empty is no answer, a list counts by its first
    element, a string is lower-cased and stripped. ZeroEval stops with an error on anything else (a number, a
    boolean, a non-empty object, a list whose first element is not a string); here such a cell is wrong."""
    if value is None or (isinstance(value, (str, list, dict)) and len(value) == 0):
        return None
    if isinstance(value, list):
        value = value[0]
    return value.lower().strip() if isinstance(value, str) else None


def zebra_correct_cells(prediction, header: list[str], rows: list[list[str]]) -> int:
    """How many cells of the solution grid the predicted table gets right (ZeroEval: lower-cased, outer spaces
    stripped, exact match; a missing house, column or value is wrong). A house that is not an object has no cells
    right (ZeroEval skips it, or stops with an error where its `in` test happens to match)."""
    correct = 0
    for house, truth in zebra_table(header, rows).items():
        predicted = prediction.get(house) if isinstance(prediction, dict) else None
        if not isinstance(predicted, dict):
            continue
        for column, value in truth.items():
            cell = _official_cell(predicted.get(column))
            correct += cell is not None and cell == value.lower().strip()
    return correct


def score_zebralogic(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """ZeroEval's `zebra_grid_eval.py` (`eval_model`, single mode) on one puzzle: `cell_accuracy` is the share of the
    grid's cells right, `puzzle_accuracy` is 1 when all are right. The answer is the "solution" of the last complete
    JSON object of the whole response (:func:`zebra_prediction`; a JSON object inside a thinking block counts);
    cells are compared after lower-casing and stripping outer whitespace; a list value counts by its first element.
    Where ZeroEval stops with an error (a number or boolean as a cell, a house that is not an object), the cell is
    wrong. No answer scores 0 on both."""
    header, rows = doc.document["header"], doc.document["rows"]
    prediction = zebra_prediction(response)
    if prediction is None:
        return "", {"puzzle_accuracy": 0.0, "cell_accuracy": 0.0}
    total = len(rows) * (len(header) - 1)
    correct = zebra_correct_cells(prediction, header, rows)
    return (json.dumps(prediction, ensure_ascii=False),
            {"puzzle_accuracy": float(correct == total), "cell_accuracy": correct / total})


# `--scoring lenient`: the project's earlier reading (scorer version 1). Thinking blocks are removed first (an answer
# only inside the thinking does not count; braces left open in the thinking do not swallow the answer), and a number
# or boolean cell is compared by its text ("3" for 3) where ZeroEval stops with an error.


def zebra_prediction_lenient(response: str) -> dict | None:
    """The "solution" object of the last complete top-level JSON object after the thinking is removed, or None."""
    span = last_balanced_span(strip_think(response))
    if span is None:
        return None
    try:
        parsed = json.loads(span.replace("\n", ""))
    except (json.JSONDecodeError, RecursionError):
        return None
    solution = parsed.get("solution") if isinstance(parsed, dict) else None
    return solution if isinstance(solution, dict) else None


def _lenient_cell(value) -> str | None:
    """A list counts by its first element; null or empty is no answer; a non-string scalar is read as its text."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or value == "":
        return None
    return (value if isinstance(value, str) else str(value)).lower().strip()


def score_zebralogic_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """:func:`score_zebralogic` with the lenient reading above."""
    header, rows = doc.document["header"], doc.document["rows"]
    prediction = zebra_prediction_lenient(response)
    if prediction is None:
        return "", {"puzzle_accuracy": 0.0, "cell_accuracy": 0.0}
    total, correct = len(rows) * (len(header) - 1), 0
    for house, truth in zebra_table(header, rows).items():
        predicted = prediction.get(house)
        if isinstance(predicted, dict):
            for column, value in truth.items():
                cell = _lenient_cell(predicted.get(column))
                correct += cell is not None and cell == value.lower().strip()
    return (json.dumps(prediction, ensure_ascii=False),
            {"puzzle_accuracy": float(correct == total), "cell_accuracy": correct / total})


# ZeroEval's size groups ("houses*attributes"): easy and hard (the leaderboard's split), and small to XL.
ZEBRA_SIZE_GROUPS = {
    "easy": ("2*2", "2*3", "2*4", "2*5", "2*6", "3*2", "3*3"),
    "hard": ("3*4", "3*5", "4*2", "3*6", "4*3", "4*4", "5*2", "6*2", "4*5", "4*6", "5*3", "5*4", "5*5", "5*6", "6*3",
             "6*4", "6*5", "6*6"),
    "small": ("2*2", "2*3", "2*4", "2*5", "2*6", "3*2", "3*3", "4*2"),
    "medium": ("3*4", "3*5", "3*6", "4*3", "4*4", "5*2", "6*2"),
    "large": ("4*5", "5*3", "4*6", "5*4", "6*3"),
    "xl": ("5*5", "6*4", "5*6", "6*5", "6*6"),
}


def aggregate_zebralogic(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """ZeroEval's summary: puzzle accuracy over puzzles; cell accuracy over all cells of all puzzles (a 6x6 grid
    weighs more than a 2x2 one), not the mean of the per-puzzle shares; then puzzle accuracy per size group
    (`puzzle_accuracy/easy`, `/hard`, `/small`, `/medium`, `/large`, `/xl`; a group without puzzles is left out,
    where ZeroEval divides by zero). ZeroEval's "No answer" share is not reported."""
    cells = [len(d.document["rows"]) * (len(d.document["header"]) - 1) for d in docs]
    correct = sum(round(s["cell_accuracy"] * n) for s, n in zip(scores, cells))
    summary = {"puzzle_accuracy": sum(s["puzzle_accuracy"] for s in scores) / len(scores),
               "cell_accuracy": correct / sum(cells)}
    for group, sizes in ZEBRA_SIZE_GROUPS.items():
        solved = [s["puzzle_accuracy"] for d, s in zip(docs, scores) if d.document.get("size") in sizes]
        if solved:
            summary[f"puzzle_accuracy/{group}"] = sum(solved) / len(solved)
    return summary


ZEBRALOGIC = Benchmark(
    "zebralogic", ("puzzle_accuracy", "cell_accuracy"),
    layout="zebralogic/grid_mode/test-*.parquet (the grid_mode config of the Hugging Face dataset: columns id, size, "
           "puzzle, solution {header, rows}, created_at; with the answers, not the public hidden copy)",
    source="https://huggingface.co/datasets/WildEval/ZebraLogic (huggingface-cli download --repo-type dataset "
           "WildEval/ZebraLogic --local-dir DATA_DIR/zebralogic); gated: allenai/ZebraLogicBench-private",
    load=load_zebralogic, score=score_zebralogic, lenient=score_zebralogic_lenient, files=_zebra_files,
    aggregate=aggregate_zebralogic, max_new_tokens=4096, version=2)


# ---------------------------------------------------------------------------------------------------------------------
# AutoLogi.
# ---------------------------------------------------------------------------------------------------------------------

AUTOLOGI_LANGUAGES = ("en", "cn")
VERIFIER_TIMEOUT_S = 10.0  # wall clock per verification (the release uses 20 s; its verifiers take milliseconds)
VERIFIER_MEMORY_BYTES = 1 << 30  # address space of the verifier process
_ACCEPTED = "AUTOLOGI-VERDICT: accepted"

# The program run in the sandbox: it reads the puzzle's verifier text and the arrangement (its Python repr) from stdin
# as JSON and prints the verdict last. As in the release's test program, the arrangement is evaluated after the
# verifier's code, in its namespace. Nothing of it is executed in the evaluation's own process.
_RUNNER = r"""
import json, sys

inputs_check_code, constraint_list_code, arrangement_text = json.loads(sys.stdin.read())
namespace = {"__name__": "autologi_verifier"}
exec(compile(inputs_check_code, "Inputs_Check_code", "exec"), namespace)
exec(compile(constraint_list_code, "Constraint_List_code", "exec"), namespace)
arrangement = eval(compile(arrangement_text, "arrangement", "eval"), namespace)
accepted = bool(namespace["inputs_check"](arrangement)) and all(
    bool(constraint(arrangement)) for constraint in namespace["constraint_list"])
print()
print("%s" if accepted else "AUTOLOGI-VERDICT: rejected")
""" % _ACCEPTED


def run_verifier(inputs_check_code: str, constraint_list_code: str, arrangement,
                 timeout_s: float | None = None, quiet: bool = True) -> bool:
    """Whether a puzzle's own verifier accepts an arrangement: `inputs_check(arrangement)` and every function of
    `constraint_list` return a true value (the release's `verify_function`), the arrangement given as its Python
    repr, as the release's test program writes it (a float infinity, written `inf`, is then a NameError: rejected).
    With `quiet` (the release's rule: it accepts only when the program prints exactly ``True``), a verifier that
    prints anything of its own is a rejection too.

    The verifier text runs in the evaluation sandbox (`eval.sandbox.run_python`: a separate isolated Python process
    in a fresh temporary folder, a clean environment, CPU time, address space (`VERIFIER_MEMORY_BYTES`), processes
    and file sizes limited by `setrlimit` before it starts, a wall-clock timeout after which everything it started is
    killed). A timeout, a crash, a non-zero exit or a missing verdict is a rejection (0), never an error of the
    evaluation; a sandbox that cannot be set up on the machine stops it (`SandboxError`, whose message says what to
    do). `timeout_s` defaults to `VERIFIER_TIMEOUT_S`.
    """
    from eval.sandbox import Limits, run_python

    timeout_s = VERIFIER_TIMEOUT_S if timeout_s is None else timeout_s
    try:
        payload = json.dumps([inputs_check_code, constraint_list_code, repr(arrangement)])
    except RecursionError:
        return False
    limits = Limits(cpu_seconds=max(1, math.ceil(timeout_s)), wall_seconds=timeout_s,
                    memory_bytes=VERIFIER_MEMORY_BYTES)
    run = run_python(_RUNNER, stdin=payload, limits=limits)
    output = run.stdout.strip()
    if quiet:
        return run.ok and output == _ACCEPTED
    return run.ok and bool(output) and output.splitlines()[-1] == _ACCEPTED


_CODE_BLOCK = re.compile(r"```(?:\s*[\w]+)?\s*\n(.*?)```", re.DOTALL)
_LINE_COMMENT = re.compile(r"//.*?\n")
_UNPARSED = object()


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return _UNPARSED


def parse_arrangement(response: str, whole_words: bool = False):
    """The arrangement a response gives, or None when it gives none (AutoLogi's `compute_coding_pass1` rule).

    After :func:`strip_think`: the last fenced code block; else the last top-level {...}; else the last [...] (the
    shortest bracketed span, as the release's regex does). `//` comments up to a line end are removed, `true`/`false`
    become Python's `True`/`False` wherever they occur, inside strings and words too (``"untrue"`` -> ``"unTrue"``, as
    the release does; `whole_words`, the lenient rule, rewrites whole words only), and the text is read with
    `ast.literal_eval`; failing that, the part after the first `=` (`answer = {...}`), else `json.loads`.
    """
    text = strip_think(response)
    blocks = _CODE_BLOCK.findall(text)
    if blocks:
        candidate = blocks[-1]
    else:
        candidate = last_balanced_span(text)
        if candidate is None:
            lists = re.findall(r"\[.*?\]", text, re.DOTALL)
            candidate = lists[-1] if lists else None
    if candidate is None:
        return None
    candidate = _LINE_COMMENT.sub("", candidate)
    if whole_words:
        value = _literal(re.sub(r"\bfalse\b", "False", re.sub(r"\btrue\b", "True", candidate)))
    else:
        value = _literal(candidate.replace("true", "True").replace("false", "False"))
    if value is _UNPARSED and "=" in candidate:
        value = _literal(candidate.split("=", 1)[1].strip())
    elif value is _UNPARSED:
        try:
            value = json.loads(candidate)
        except (json.JSONDecodeError, RecursionError):
            return None
    return None if value is _UNPARSED else value


def _autologi_files(data_dir: Path) -> list[Path]:
    return [data_dir / "autologi" / "testing-data" / f"AutoLogi_{language}.jsonl" for language in AUTOLOGI_LANGUAGES]


def _autologi_record(record: dict, path: Path, number: int) -> dict:
    name = f"idx {record['idx']}" if "idx" in record else f"line {number}"
    if not isinstance(record.get("idx"), (int, str)) or isinstance(record.get("idx"), bool):
        raise record_error("autologi", path, name, "field 'idx': missing; expected the puzzle's number")
    if not isinstance(record.get("prompt"), str) or not record["prompt"].strip():
        raise record_error("autologi", path, name, "field 'prompt': missing or empty")
    code = record.get("code")
    for field in ("Inputs_Check_code", "Constraint_List_code"):
        if not isinstance(code, dict) or not isinstance(code.get(field), str) or not code[field].strip():
            raise record_error("autologi", path, name,
                               f"field 'code.{field}': missing or empty; the puzzle's verifier needs it")
    return record


def load_autologi(data_dir: Path, limit: int | None) -> list[Doc]:
    files = _autologi_files(data_dir)
    require(AUTOLOGI, data_dir, *files)
    docs = []
    for language, path in zip(AUTOLOGI_LANGUAGES, files):
        for number, record in jsonl_records("autologi", path):
            if limit is not None and len(docs) >= limit:
                return docs
            record = _autologi_record(record, path, number)
            code = record["code"]
            docs.append(Doc(f"{language}-{record['idx']}", [{"role": "user", "content": record["prompt"]}],
                            "(any arrangement the puzzle's own verifier accepts)",
                            {"idx": record["idx"], "language": language, "prompt": record["prompt"],
                             "inputs_check_code": code["Inputs_Check_code"],
                             "constraint_list_code": code["Constraint_List_code"]}))
    return docs


def _autologi_scores(response: str, doc: Doc, official: bool) -> tuple[str, dict[str, float]]:
    language = doc.document["language"]
    arrangement = parse_arrangement(response, whole_words=not official)
    accepted = arrangement is not None and run_verifier(doc.document["inputs_check_code"],
                                                        doc.document["constraint_list_code"], arrangement,
                                                        quiet=official)
    return ("" if arrangement is None else describe_arrangement(arrangement),
            {"accuracy": float(accepted), f"accuracy_{language}": float(accepted)})


def score_autologi(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """AutoLogi accuracy (the release's `evaluation/eval.py`, `compute_coding_pass1`): 1 when the puzzle's own
    `inputs_check` and every function of its `constraint_list` accept the arrangement read by
    :func:`parse_arrangement`, and the verifier prints nothing of its own, else 0 (no arrangement, a rejected one, a
    verifier error or a timeout). Also reported per language (`accuracy_en`, `accuracy_cn`), as the paper's tables
    give them."""
    return _autologi_scores(response, doc, official=True)


def score_autologi_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """``--scoring lenient``: `true`/`false` rewritten as whole words only, and a verifier's own prints ignored."""
    return _autologi_scores(response, doc, official=False)


def describe_arrangement(value) -> str:
    """A Python literal as text with set elements sorted, so the samples file is the same from run to run."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(describe_arrangement(v) for v in value)) + "}" if value else "set()"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{describe_arrangement(k)}: {describe_arrangement(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(describe_arrangement(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(describe_arrangement(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


AUTOLOGI = Benchmark(
    "autologi", ("accuracy", "accuracy_en", "accuracy_cn"),
    layout="autologi/testing-data/AutoLogi_en.jsonl and autologi/testing-data/AutoLogi_cn.jsonl (the GitHub release: "
           "one puzzle a line with idx, prompt, code {Inputs_Check_code, Constraint_List_code, Traverse_code}, lang)",
    source="https://github.com/8188zq/AutoLogi (git clone https://github.com/8188zq/AutoLogi DATA_DIR/autologi)",
    load=load_autologi, score=score_autologi, lenient=score_autologi_lenient, files=_autologi_files,
    max_new_tokens=4096, version=2)

BENCHMARKS = [ZEBRALOGIC, AUTOLOGI]
