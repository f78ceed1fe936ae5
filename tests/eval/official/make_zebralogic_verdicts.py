"""Score generated ZebraLogic (grid mode) responses with ZeroEval's own scorer into zebralogic_official_verdicts.json
(read by test_zebralogic_official.py, which needs neither ZeroEval nor the network).

Not run by the tests. The reference needs only the standard library (its module-level imports of `datasets` and
`tabulate` are stubbed where missing: the scoring never calls them), so the project's environment can run it:

    git clone https://github.com/WildEval/ZeroEval /tmp/ZeroEval
    git -C /tmp/ZeroEval checkout 8c1485edf12c6efb5f69135a562927c5ad484059
    python tests/eval/official/make_zebralogic_verdicts.py --zeroeval /tmp/ZeroEval

The reference: `eval_model` of WildEval/ZeroEval `src/evaluation/zebra_grid_eval.py` (mode "single", one output per
puzzle) with `extract_last_complete_json` of `src/evaluation/eval_utils.py`, at the commit above (both files are
checked by SHA-256, copied to a temporary folder and imported from there, with that folder as the working
directory). Each response is scored by `eval_model` on a results file of its own, beside four padding puzzles (one
per size group, answered) without which ZeroEval's summary divides by zero; the response's verdict is its
`parsed_results` entry (`correct_cells`, `total_cells`, `solved`, `parsed`). The aggregate is one `eval_model` run
over every case that ZeroEval can score.

Where ZeroEval stops with an error (a number or boolean as a cell, a house that is not an object...), the case records
the error and, as `sanitized`, ZeroEval's verdict on the same solution with the values it cannot read replaced by
null (the project's rule: such a cell is wrong).

`lenient` records the verdict of the project's scorer before this cross-check (eval/benchmarks/logic.py at commit
2da8c94, read with `git show`; `--scoring lenient` keeps it) where it differs from the official one.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUT = HERE / "zebralogic_official_verdicts.json"
REFERENCE = {
    "repository": "WildEval/ZeroEval",
    "commit": "8c1485edf12c6efb5f69135a562927c5ad484059",
    "files": {"src/evaluation/zebra_grid_eval.py":
              "0dfc013bd3498d907b7b413255d0803050d28ac016f164df596addf643591e47",
              "src/evaluation/eval_utils.py": "87914259dd050cac314ca2bd29dfa1c597861abf7fc61a091a6ab4eaa891d0cc"},
    "function": "zebra_grid_eval.eval_model(model, filepath, mode='single')",
}
OLD_SCORER_COMMIT = "2da8c940a1b3f5ae4cf4ca5c25f6062bb28d19a4"  # the project's scorer before (now `lenient`)
SEED = 19

# ---------------------------------------------------------------------------------------------------------------------
# Puzzles: one per size group that matters (ZeroEval's easy/hard and small/medium/large/XL groups).
# ---------------------------------------------------------------------------------------------------------------------

VALUES = {
    "Name": ["Eric", "Arnold", "Peter", "Alice", "Bob"],
    "Color": ["red", "green", "blue", "yellow", "white"],
    "CarModel": ["ford f150", "tesla model 3", "toyota camry", "honda civic", "bmw 3 series"],
    "Drink": ["tea", "coffee", "milk", "water", "root beer"],
    "Age": ["25", "30", "35", "40", "45"],
    "Pet": ["cat", "dog", "bird", "fish", "hamster"],
    "Hobby": ["chess", "gardening", "painting", "photography", "cooking"],
    "Birthday": ["april", "may", "sept", "jan", "feb"],
}


def puzzle(size: str, columns: list[str], order: list[int]) -> dict:
    houses = int(size.split("*")[0])
    rows = [[str(h + 1)] + [VALUES[c][(order[k] + h) % 5] for k, c in enumerate(columns)] for h in range(houses)]
    attributes = "\n".join(f" - {column}: " + ", ".join(f"`{row[k + 1]}`" for row in rows)
                           for k, column in enumerate(columns))
    clues = "\n".join(f"{n}. The person whose {column} is {row[k + 1]} lives in house {row[0]}."
                      for n, (row, (k, column)) in enumerate(((r, kc) for r in rows for kc in enumerate(columns)), 1))
    text = (f"There are {houses} houses, numbered 1 to {houses} from left to right. Each house is occupied by a "
            f"different person, with one value of each attribute:\n{attributes}\n\n## Clues:\n{clues}")
    return {"id": f"zl-{size.replace('*', 'x')}", "size": size, "puzzle": text, "header": ["House", *columns],
            "rows": rows}


PUZZLES = [
    puzzle("2*2", ["Name", "Color"], [0, 0]),
    puzzle("3*3", ["Name", "CarModel", "Drink"], [2, 0, 1]),
    puzzle("4*2", ["Name", "Age"], [1, 0]),
    puzzle("3*4", ["Name", "Pet", "Hobby", "Birthday"], [0, 3, 1, 2]),
    puzzle("4*5", ["Name", "Color", "CarModel", "Drink", "Age"], [1, 2, 3, 4, 0]),
    puzzle("5*5", ["Name", "Color", "Pet", "Hobby", "Birthday"], [0, 1, 2, 3, 4]),
]
BY_ID = {p["id"]: p for p in PUZZLES}
P22, P33, P42, P34, P45, P55 = (p["id"] for p in PUZZLES)


def table(puzzle_id: str) -> dict:
    p = BY_ID[puzzle_id]
    return {f"House {i + 1}": {p["header"][j]: row[j] for j in range(1, len(p["header"]))}
            for i, row in enumerate(p["rows"])}


def answer(solution, reasoning: str = "By the clues.", indent: int | None = 4) -> str:
    return json.dumps({"reasoning": reasoning, "solution": solution}, indent=indent, ensure_ascii=False)


def edit(puzzle_id: str, **changes) -> dict:
    """The right table with `changes` applied: {"House_1__Name": value} sets a cell, {"House_1": value} a house."""
    solved = table(puzzle_id)
    for key, value in changes.items():
        house, _, column = key.replace("_", " ", 1).partition("__")
        if column:
            solved[house][column] = value
        else:
            solved[house] = value
    return solved


def drop(puzzle_id: str, house: str, column: str | None = None) -> dict:
    solved = table(puzzle_id)
    if column is None:
        del solved[house]
    else:
        del solved[house][column]
    return solved


RIGHT22 = answer(table(P22))
WRONG22 = answer(edit(P22, House_1__Name="Arnold", House_2__Name="Eric"))

# (puzzle, response, what it exercises): edge cases first.
EDGE = [
    (P22, RIGHT22, "the prompt's format, right"),
    (P22, "```json\n" + RIGHT22 + "\n```", "a json code fence"),
    (P22, "Here is my answer:\n```\n" + RIGHT22 + "\n```\nHope it helps.", "a bare fence with prose around"),
    (P22, "Draft:\n" + WRONG22 + "\nFinal:\n" + RIGHT22, "two objects, the last right"),
    (P22, RIGHT22 + "\nWait, correction:\n" + WRONG22, "two objects, the last wrong"),
    (P22, RIGHT22 + '\n{"note": "done"}', "a last object without solution"),
    (P22, RIGHT22 + "\nthen {oops}", "a last object that is not JSON"),
    (P22, RIGHT22[:-40], "truncated"),
    (P22, RIGHT22 + "\nFinal: " + RIGHT22[:-30], "a complete object, then a truncated one"),
    (P22, answer(table(P22)).replace('"Color": "red"', '"Color": "red", "Pet": "cat"'), "an extra column"),
    (P22, answer({**table(P22), "House 3": {"Name": "Bob", "Color": "blue"}}), "an extra house"),
    (P22, json.dumps({"reasoning": "x", "solution": table(P22), "confidence": 0.9}), "an extra top-level key"),
    (P22, answer(edit(P22, House_1__Name="ERIC", House_2__Color="Green")), "upper case cells"),
    (P22, answer(edit(P22, House_1__Name="  eric  ", House_2__Color="\tgreen ")), "outer spaces and tabs"),
    (P33, answer(edit(P33, House_2__CarModel="tesla  model 3")), "a doubled inner space"),
    (P33, answer(edit(P33, House_2__CarModel="Tesla Model 3", House_3__CarModel="TOYOTA CAMRY")), "case, inner"),
    (P33, answer(edit(P33, House_1__CarModel="ford-f150")), "a hyphen for a space"),
    (P22, RIGHT22.replace('"red"', '"re\nd"'), "a raw newline inside a value (ZeroEval removes newlines)"),
    (P22, RIGHT22.replace('"red"', '"re\td"'), "a raw tab inside a value (a JSON error)"),
    (P22, RIGHT22.replace("\n", "\r\n"), "CRLF line ends"),
    (P22, RIGHT22.replace('"Eric"', '"\\u0045ric"'), "a unicode escape"),
    (P22, answer(drop(P22, "House 2")), "a missing house"),
    (P33, answer(drop(P33, "House 1", "Drink")), "a missing column"),
    (P22, answer({"house 1": table(P22)["House 1"], "house 2": table(P22)["House 2"]}), "lower-case house keys"),
    (P22, answer({h: {k.lower(): v for k, v in cells.items()} for h, cells in table(P22).items()}),
     "lower-case column keys"),
    (P22, answer({"1": table(P22)["House 1"], "2": table(P22)["House 2"]}), "houses keyed by number"),
    (P22, answer(edit(P22, House_1__Color=None)), "a null cell"),
    (P22, answer(edit(P22, House_1__Color="")), "an empty cell"),
    (P22, answer(edit(P22, House_1__Color="   ")), "a blank cell"),
    (P22, answer(edit(P22, House_1__Color=[])), "an empty list cell"),
    (P22, answer(edit(P22, House_1__Color=["Red", "green"])), "a list cell, first right"),
    (P22, answer(edit(P22, House_1__Color=["green", "red"])), "a list cell, first wrong"),
    (P22, answer(edit(P22, House_1__Color={})), "an empty object cell"),
    (P22, answer(edit(P22, House_1__Color={"value": "red"})), "an object cell (ZeroEval: ValueError)"),
    (P22, answer(edit(P22, House_1__Color=[None, "red"])), "a list starting with null (ZeroEval: AttributeError)"),
    (P22, answer(edit(P22, House_1__Color=True)), "a boolean cell (ZeroEval: TypeError)"),
    (P42, answer(table(P42)), "numbers as strings, right"),
    (P42, answer(edit(P42, House_1__Age=int(table(P42)["House 1"]["Age"]))), "a number cell (ZeroEval: TypeError)"),
    (P42, answer({h: {"Name": c["Name"], "Age": int(c["Age"])} for h, c in table(P42).items()}), "all numbers"),
    (P42, answer(edit(P42, House_2__Age=float(table(P42)["House 2"]["Age"]))), "a float cell"),
    (P42, answer(edit(P42, House_3__Age=[int(table(P42)["House 3"]["Age"])])), "a list of a number"),
    (P42, answer(edit(P42, House_1__Age=" " + table(P42)["House 1"]["Age"] + " ")), "a padded number string"),
    (P42, answer(table(P42)).replace('"' + table(P42)["House 4"]["Age"] + '"', "NaN"), "NaN as a cell"),
    (P22, answer("House 1: Eric, red; House 2: Arnold, green"), "the solution as text naming the houses"),
    (P22, answer("Eric lives first, Arnold second"), "the solution as text without house names"),
    (P22, answer([["Eric", "red"], ["Arnold", "green"]]), "the solution as a list"),
    (P22, answer(None), "a null solution"),
    (P22, answer(2), "a number as solution"),
    (P22, answer(edit(P22, House_1="Eric, red")), "a house as text"),
    (P22, answer(edit(P22, House_1="Name: Eric, Color: red")), "a house as text naming its columns"),
    (P22, answer(edit(P22, House_1=None)), "a null house"),
    (P22, answer(edit(P22, House_1=["Eric", "red"])), "a house as a list"),
    (P22, "<think>Eric must be first.</think>\n" + RIGHT22, "a thinking block, then the answer"),
    (P22, "<think>\n" + RIGHT22 + "\n</think>\nI am not sure.", "the answer only inside the thinking"),
    (P22, "<think>draft " + WRONG22 + "</think>\n" + RIGHT22, "a wrong draft in the thinking, the answer after"),
    (P22, "<think>the set {Eric, Arnold is open</think>\n" + RIGHT22, "an unclosed brace in the thinking"),
    (P22, "<think>Let me try:\n" + RIGHT22 + "\nhmm, and then", "an unclosed thinking block holding JSON"),
    (P22, WRONG22 + "\n</think>\n" + RIGHT22, "a stray closing tag (the opening one was in the prompt)"),
    (P22, RIGHT22 + "\n</think>\nNo answer.", "the answer before a stray closing tag"),
    (P22, "<THINK>\n" + RIGHT22 + "\n</THINK>\nDone.", "an upper-case thinking block"),
    (P22, json.dumps({"solution": table(P22), "reasoning": "solution first"}), "solution before reasoning"),
    (P22, answer(table(P22), reasoning="the sets {Eric, Arnold} and {red, green}"), "balanced braces in reasoning"),
    (P22, answer(table(P22), reasoning="the set {Eric, Arnold"), "an unbalanced brace in reasoning"),
    (P22, answer(table(P22), reasoning="a stray } here"), "a stray closing brace in reasoning"),
    (P22, "Use the template {reasoning, solution:\n" + RIGHT22, "an unclosed brace in the prose before"),
    (P22, "} " + RIGHT22, "a stray closing brace before"),
    (P22, RIGHT22.replace('"reasoning"', "'reasoning'"), "single quotes"),
    (P22, RIGHT22.replace('"green"\n', '"green",\n'), "a trailing comma"),
    (P22, json.dumps({"answer": {"reasoning": "x", "solution": table(P22)}}), "the solution nested deeper"),
    (P22, json.dumps({"solution": table(P22)}, separators=(",", ":")), "compact JSON, no reasoning"),
    (P22, RIGHT22.replace('"Name": "Arnold"', '"Name": "x", "Name": "Arnold"'), "a duplicate key, last right"),
    (P22, "", "empty"),
    (P22, "{}", "an empty object"),
    (P22, "House 1: Eric, red. House 2: Arnold, green.", "no JSON"),
    (P33, answer(table(P33)), "3x3 right"),
    (P34, answer(table(P34)), "3x4 right"),
    (P45, answer(table(P45)), "4x5 right"),
    (P55, answer(table(P55)), "5x5 right"),
    (P55, answer(edit(P55, House_5__Birthday="APRIL ")), "5x5 one cell case and space"),
    (P45, answer(edit(P45, House_4__Age=int(table(P45)["House 4"]["Age"]))), "4x5 a number cell"),
]


# ---------------------------------------------------------------------------------------------------------------------
# Generated cases: random edits of the right table in random wrappings.
# ---------------------------------------------------------------------------------------------------------------------

def generated(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    cases = []
    for _ in range(count):
        puzzle_id = rng.choice(list(BY_ID))
        solved, notes = table(puzzle_id), []
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            house = rng.choice(list(solved))
            if not isinstance(solved.get(house), dict) or not solved[house]:
                continue
            column = rng.choice(list(solved[house]))
            value = solved[house][column]
            kind = rng.choice(["wrong", "upper", "pad", "list", "null", "drop", "swap", "title", "number",
                               "drop_house"])
            notes.append(kind)
            if kind == "wrong":
                solved[house][column] = rng.choice([v for v in VALUES.get(column, ["x"]) if v != value] or ["x"])
            elif kind == "upper":
                solved[house][column] = str(value).upper()
            elif kind == "pad":
                solved[house][column] = f"  {value}\t"
            elif kind == "list":
                solved[house][column] = [value, "other"]
            elif kind == "null":
                solved[house][column] = rng.choice([None, ""])
            elif kind == "drop":
                del solved[house][column]
            elif kind == "swap":
                other = rng.choice(list(solved))
                if isinstance(solved.get(other), dict) and column in solved[other]:
                    solved[house][column], solved[other][column] = solved[other][column], value
            elif kind == "title":
                solved[house][column] = str(value).title()
            elif kind == "number":
                solved[house][column] = int(value) if str(value).isdigit() else value
            elif kind == "drop_house":
                del solved[house]
        body = answer(solved, indent=rng.choice([None, None, 2]))
        wrap = rng.choice(["plain", "fence", "prose", "think", "draft", "trailing", "truncated", "think_only"])
        notes.append(wrap)
        if wrap == "fence":
            body = f"```json\n{body}\n```"
        elif wrap == "prose":
            body = f"Working through the clues one by one.\n\nFinal answer:\n{body}\n"
        elif wrap == "think":
            body = f"<think>\nHouse 1 first, then the rest.\n</think>\n\n{body}"
        elif wrap == "draft":
            body = f"First attempt: {answer(table(puzzle_id) if rng.random() < 0.5 else {})}\nRevised: {body}"
        elif wrap == "trailing":
            body = f"{body}\nThat is all."
        elif wrap == "truncated":
            body = body[:rng.randrange(1, len(body))]
        elif wrap == "think_only":
            body = f"<think>\n{body}\n</think>\nSee above."
        cases.append((puzzle_id, body, "generated: " + ", ".join(notes)))
    return cases


# ---------------------------------------------------------------------------------------------------------------------
# Running the reference.
# ---------------------------------------------------------------------------------------------------------------------

PADDING = [("pad-2x2", "2*2"), ("pad-3x4", "3*4"), ("pad-4x5", "4*5"), ("pad-5x5", "5*5")]  # every size group


def load_reference(zeroeval: Path, folder: Path):
    for relative, digest in REFERENCE["files"].items():
        source = zeroeval / relative
        found = hashlib.sha256(source.read_bytes()).hexdigest()
        if found != digest:
            sys.exit(f"{source}: SHA-256 {found}, expected {digest} (ZeroEval commit {REFERENCE['commit']})")
        shutil.copy(source, folder / Path(relative).name)
    for name, attribute in (("datasets", "load_dataset"), ("tabulate", "tabulate")):
        try:
            importlib.import_module(name)
        except ImportError:  # imported at the top of zebra_grid_eval.py, never called by eval_model
            sys.modules[name] = types.SimpleNamespace(**{attribute: None})
    sys.path.insert(0, str(folder))
    return importlib.import_module("zebra_grid_eval")


class Reference:
    def __init__(self, module, folder: Path):
        self.module, self.folder, self.runs = module, folder, 0
        module.private_solutions.update({p["id"]: {"header": p["header"], "rows": p["rows"]} for p in PUZZLES})
        module.private_solutions.update({name: {"header": ["House", "A"], "rows": [["1", "a"]]} for name, _ in PADDING})

    def run(self, items: list[dict]):
        self.runs += 1
        path = self.folder / f"run-{self.runs}.json"
        path.write_text(json.dumps(items))
        return self.module.eval_model("cross-check%greedy", str(path), mode="single")

    def case(self, puzzle_id: str, response: str) -> dict:
        padding = [{"id": name, "size": size, "output": ['{"solution": {}}']} for name, size in PADDING]
        item = {"id": puzzle_id, "size": BY_ID[puzzle_id]["size"], "output": [response]}
        try:
            _, parsed = self.run([item, *padding])
        except Exception as error:  # ZeroEval's whole evaluation stops here
            return {"error": f"{type(error).__name__}: {error}"}
        row = parsed[0]
        return {key: row[key] for key in ("correct_cells", "total_cells", "solved", "parsed")}


def readable(value) -> bool:
    """Whether ZeroEval's cell comparison reads a value without an error."""
    if value is None or (isinstance(value, (str, list, dict)) and len(value) == 0) or isinstance(value, str):
        return True
    return isinstance(value, list) and isinstance(value[0], str)


def sanitized(module, response: str) -> str:
    """The response's solution with what ZeroEval cannot read set to null (a non-object house or solution: {})."""
    solution = module.extract_last_complete_json(response)["solution"]
    if not isinstance(solution, dict):
        return json.dumps({"solution": {}})
    clean = {house: ({column: (value if readable(value) else None) for column, value in cells.items()}
                     if isinstance(cells, dict) else {}) for house, cells in solution.items()}
    return json.dumps({"solution": clean})


def old_scorer():
    """The project's zebralogic scorer at OLD_SCORER_COMMIT, loaded from `git show` (now `--scoring lenient`)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD_SCORER_COMMIT}:eval/benchmarks/logic.py"],
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("old_logic")
    exec(compile(source, "old eval/benchmarks/logic.py", "exec"), module.__dict__)
    return module.score_zebralogic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zeroeval", type=Path, required=True, help="a checkout of WildEval/ZeroEval")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from eval.base import Doc  # noqa: E402  (the project, for the old scorer's documents)

    rng = random.Random(SEED)
    cases = EDGE + generated(120 - len(EDGE) + 20, rng)
    old = old_scorer()
    with tempfile.TemporaryDirectory(prefix="zeroeval-") as temporary:
        folder = Path(temporary)
        here = os.getcwd()
        os.chdir(folder)
        try:
            module = load_reference(args.zeroeval.resolve(), folder)
            reference = Reference(module, folder)
            records = []
            for number, (puzzle_id, response, note) in enumerate(cases):
                record = {"id": f"z{number:03d}", "puzzle": puzzle_id, "note": note, "response": response}
                verdict = reference.case(puzzle_id, response)
                if "error" in verdict:
                    record["official_error"] = verdict["error"]
                    verdict = reference.case(puzzle_id, sanitized(module, response))
                    record["sanitized"] = {"correct_cells": verdict["correct_cells"], "solved": verdict["solved"]}
                    expected = record["sanitized"]
                else:
                    record["official"] = verdict
                    expected = verdict
                p = BY_ID[puzzle_id]
                _, score = old(response, Doc(puzzle_id, [], "", {"header": p["header"], "rows": p["rows"]}))
                total = len(p["rows"]) * (len(p["header"]) - 1)
                if (score["puzzle_accuracy"], score["cell_accuracy"]) != (float(expected["solved"]),
                                                                          expected["correct_cells"] / total):
                    record["lenient"] = {"correct_cells": round(score["cell_accuracy"] * total),
                                         "solved": bool(score["puzzle_accuracy"])}
                records.append(record)
            scored = [r for r in records if "official" in r]
            summary, _ = reference.run([{"id": r["puzzle"], "size": BY_ID[r["puzzle"]]["size"],
                                         "output": [r["response"]]} for r in scored])
        finally:
            os.chdir(here)
    data = {
        "generated_by": "tests/eval/official/make_zebralogic_verdicts.py", "seed": SEED,
        "python": sys.version.split()[0], "reference": REFERENCE,
        "old_scorer": f"eval/benchmarks/logic.py @ {OLD_SCORER_COMMIT} (score_zebralogic)",
        "puzzles": PUZZLES, "cases": records,
        "summary": {"over": "every case without official_error, one eval_model run",
                    **{key: summary[key] for key in ("Puzzle Acc", "Cell Acc", "No answer", "Easy Puzzle Acc",
                                                     "Hard Puzzle Acc", "Small Puzzle Acc", "Medium Puzzle Acc",
                                                     "Large Puzzle Acc", "XL Puzzle Acc", "Total Puzzles")}},
    }
    text = json.dumps({**data, "cases": []}, indent=1, ensure_ascii=False)  # one case a line
    lines = ",\n".join("  " + json.dumps(record, ensure_ascii=False) for record in records)
    OUT.write_text(text.replace('"cases": []', '"cases": [\n' + lines + "\n ]") + "\n", encoding="utf-8")
    errors = sum("official_error" in r for r in records)
    departures = sum("lenient" in r for r in records)
    print(f"{len(records)} cases ({errors} stop ZeroEval with an error, {departures} lenient departures) -> {OUT}")


if __name__ == "__main__":
    main()
