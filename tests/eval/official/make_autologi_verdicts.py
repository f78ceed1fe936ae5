"""Score generated AutoLogi responses with the release's own evaluation into autologi_official_verdicts.json (read by
test_autologi_official.py, which needs neither the release nor the network).

Not run by the tests. The reference is `compute_coding_pass1` of 8188zq/AutoLogi `evaluation/eval.py` (with
`evaluation/run_code.py`, which writes the test program to ./temp_code.py and runs `python` on it). Both files are
read at the pinned commit (from an AutoLogi checkout or git directory), checked by SHA-256, copied to a temporary
folder and imported from there with that folder as the working directory, and `python` on the PATH is this
interpreter. It needs tqdm:

    python tests/eval/official/make_autologi_verdicts.py --autologi PATH

The puzzles are the test fixtures' four (tests/eval/fixtures/logic.py) and two written here: one whose verifier
prints while it checks, one whose answer is a word with "true" inside. Thinking: the release reads the whole
response, written by models without thinking; as for C-Eval, each response goes in with its thinking removed (the
rule written here: the text after the last ``</think>``, nothing from an unclosed ``<think>`` on), and `raw` records
the verdict on the raw response where it differs.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path

from pinned_reference import copy_pinned  # this folder: the scripts run as files

HERE = Path(__file__).resolve().parent
OUT = HERE / "autologi_official_verdicts.json"
REFERENCE = {
    "repository": "https://github.com/8188zq/AutoLogi",
    "commit": "d67fda13ab3d950403b32ca2242aee426e54472a",
    "files": {"evaluation/eval.py": "b8d1d103dc31ee848d1dfe27b7e68862376feffbcf1002f06e5120ccba3caa24",
              "evaluation/run_code.py": "49fa2df6fd85373c2a716474c2a50726c42b477c3a53e7fe1316a731918389a9"},
    "function": "eval.compute_coding_pass1(InputExample(...)) ['acc']",
}

TALKATIVE = {"idx": 4, "lang": "en", "prompt": "Order tea, coffee and juice; tea before coffee.",
             "code": {"Inputs_Check_code": "def inputs_check(inputs):\n    print('checking', inputs)\n"
                                           "    return isinstance(inputs, list) and sorted(inputs) == "
                                           "['coffee', 'juice', 'tea']",
                      "Constraint_List_code": "constraint_list = [lambda inputs: inputs.index('tea') < "
                                              "inputs.index('coffee')]",
                      "Traverse_code": "def count_valid_arrangements():\n    return 0, 0"}}
WORD = {"idx": 5, "lang": "en", "prompt": "Which word means false? Answer as {\"word\": ...}.",
        "code": {"Inputs_Check_code": "def inputs_check(inputs):\n    return isinstance(inputs, dict) and "
                                      "set(inputs) == {'word', 'sure'}",
                 "Constraint_List_code": "constraint_list = [lambda inputs: inputs['word'] == 'untrue', "
                                         "lambda inputs: inputs['sure'] is True]",
                 "Traverse_code": "def count_valid_arrangements():\n    return 0, 0"}}


def block(text: str, language: str = "python") -> str:
    return f"The arrangement:\n```{language}\n{text}\n```"


TEAM_RIGHT = '{"female": {"Emily", "Olivia"}, "male": {"James", "Michael", "William"}}'
TEAM_CLASH = '{"female": {"Sophia", "Olivia"}, "male": {"James", "Robert", "William"}}'
TEAM_LISTS = '{"female": ["Emily", "Olivia"], "male": ["James", "Michael", "William"]}'
RESPONSES = {
    "en-1": [block(TEAM_RIGHT), block(TEAM_CLASH), block(TEAM_LISTS), TEAM_RIGHT, f"So: {TEAM_RIGHT}.",
             block(f"answer = {TEAM_RIGHT}"), block(f"team = {TEAM_CLASH}"), block(TEAM_RIGHT, "json"),
             block(TEAM_RIGHT, ""), f"```python {TEAM_RIGHT}```", f"```\n{TEAM_RIGHT}```",
             block(TEAM_RIGHT.replace('"Emily", ', '"Emily", // first\n')),
             block(TEAM_RIGHT.replace('"Olivia"}', '"Olivia"} // girls')),
             f"{TEAM_CLASH} or rather {TEAM_RIGHT}", f"{TEAM_RIGHT} or rather {TEAM_CLASH}",
             f"<think>{TEAM_CLASH}</think>{TEAM_RIGHT}", f"<think>{TEAM_RIGHT}</think>I am not sure.",
             f"<think>{TEAM_RIGHT}", f"{block(TEAM_RIGHT)}\n<think>maybe {TEAM_CLASH}",
             block("{'female': {'Emily', 'Olivia'}, 'male': {'James', 'Michael', 'William'}}"),
             block("{'female': {'Emily', 'Olivia'}, 'male': {'James', 'Michael', 'William'},}"),
             block("{'female': {'Emily', 'Olivia'}, 'male': {'James', 'Michael', 'William'}"),
             "female: Emily, Olivia; male: James, Michael, William", "", "{}", block("set()"),
             block("dict(female={'Emily', 'Olivia'}, male={'James', 'Michael', 'William'})")],
    "en-2": [block("['tea', 'juice', 'coffee']"), block("['juice', 'tea', 'coffee']"), "['tea', 'juice', 'coffee']",
             "First ['juice', 'tea', 'coffee'], then ['tea', 'coffee', 'juice']",
             "First ['tea', 'coffee', 'juice'], then ['juice', 'tea', 'coffee']",
             block('["tea", "juice", "coffee"]', "json"), block("('tea', 'juice', 'coffee')"),
             block("order = ['tea', 'coffee', 'juice']"), block("order = ['coffee', 'tea', 'juice']"),
             "[tea, juice, coffee]", "The order is tea, juice, coffee.", "['tea', ['juice'], 'coffee']",
             "[['tea', 'juice', 'coffee']]", "{'note': 1} and ['tea', 'juice', 'coffee']",
             "['tea', 'juice', 'coffee'] {not a dict}", block("['tea', 'juice', 'coffee']") + "\n{'x': 1}",
             "['tea', 'juice',\n 'coffee']", block("['tea', 'juice', 'coffee'] // tea first"),
             block("['tea', 'juice', 'coffee'] // no newline at the end") + " ",
             block("['tea', 'juice', 'coffee']  # tea first")],
    "en-3": ['{"open": true, "floor": 5}', '{"open": true, "floor": 1}', '{"open": false, "floor": 5}',
             '{"open": True, "floor": 3}', '{"open": "true", "floor": 3}', '{"open": true, "floor": "5"}',
             '{"open": true, "floor": 5.0}', '{"open": true, "floor": 3, "note": "untrue"}',
             '{"open": true, "floor": 3, "note": "construe"}', block('{"open": true, "floor": 4}', "json"),
             block('{\n  "open": true, // it is open\n  "floor": 4\n}', "json"),
             '{"open": true, "floor": 1e999}', '{"open": true, "floor": 3,}', '{"open": null, "floor": 3}',
             'shop = {"open": true, "floor": 7}', '{"open": TRUE, "floor": 3}', '{"open": 1, "floor": 3}',
             '{"open": true, "floor": 3} {"open": false, "floor": 3}'],
    "cn-1": [block('{1: "乙", 2: "甲", 3: "丙"}'), block('{1: "甲", 2: "乙", 3: "丙"}'),
             block('{"1": "乙", "2": "甲", "3": "丙"}'), '{1: "乙", 2: "甲", 3: "丙"}',
             "方案：{1: '乙', 2: '甲', 3: '丙'}。", block('{1: "乙", 2: "丙", 3: "甲"}'),
             block('{1: "丙", 2: "乙", 3: "甲"}'), block("{1: '乙', 2: '甲'}"),
             "<think>先试 {1: '甲', 2: '乙', 3: '丙'}</think>{1: '乙', 2: '甲', 3: '丙'}",
             block('seats = {1: "乙", 2: "甲", 3: "丙"}'), "我不知道。", block("{1: '乙', 2: '甲', 3: '丙', 4: None}")],
    "en-4": [block("['tea', 'juice', 'coffee']"), block("['coffee', 'tea', 'juice']"),
             "['tea', 'coffee', 'juice']", "I cannot order them."],
    "en-5": ['{"word": "untrue", "sure": true}', '{"word": "untrue", "sure": True}', "{'word': 'untrue', 'sure': True}",
             '{"word": "false", "sure": true}', '{"word": "untrue", "sure": false}', block("{'word': 'untrue'}"),
             "{'word': 'untrue', 'sure': 1}", block('{"word": "untrue", "sure": true}', "json"),
             "{'word': 'UNTRUE', 'sure': True}"],
}


# every order of the shelf, in a block and in plain text
RESPONSES["en-2"] += [form(str(list(order))) for order in itertools.permutations(["tea", "coffee", "juice"])
                      for form in (block, str)]


def puzzles() -> dict[str, dict]:
    sys.path.insert(0, str(HERE.parent))
    from fixtures.logic import AUTOLOGI_CN, AUTOLOGI_EN

    return {f"{p['lang']}-{p['idx']}": p for p in [*AUTOLOGI_EN, *AUTOLOGI_CN, TALKATIVE, WORD]}


def final_part(response: str) -> str:
    close = response.rfind("</think>")
    if close != -1:
        response = response[close + len("</think>"):]
    start = response.find("<think>")
    return response if start == -1 else response[:start]


def load_reference(root: Path, folder: Path):
    copy_pinned(root, REFERENCE, folder, flat=True)
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    spec = importlib.util.spec_from_file_location("autologi_release_eval", folder / "eval.py")  # not the project's
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verdict(module, puzzle: dict, response: str) -> int:
    code = puzzle["code"]
    example = module.InputExample(idx=puzzle["idx"], prompt=puzzle["prompt"],
                                  Inputs_Check_code=code["Inputs_Check_code"],
                                  Constraint_List_code=code["Constraint_List_code"],
                                  Traverse_code=code["Traverse_code"], lang=puzzle["lang"], gen=response)
    return int(module.compute_coding_pass1(example)["acc"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--autologi", required=True, type=Path, help="an 8188zq/AutoLogi checkout or git directory")
    args = parser.parse_args()
    root, table = args.autologi.resolve(), puzzles()
    records = []
    with tempfile.TemporaryDirectory() as folder:
        module = load_reference(root, Path(folder))
        for key, responses in RESPONSES.items():
            for response in responses:
                record = {"puzzle": key, "response": response,
                          "correct": verdict(module, table[key], final_part(response))}
                raw = verdict(module, table[key], response)
                if raw != record["correct"]:
                    record["raw"] = raw
                records.append(record)
        os.chdir(HERE)
    data = {"reference": REFERENCE, "puzzles": table,
            "accuracy": sum(record["correct"] for record in records) / len(records)}
    text = "{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                              for key, value in data.items())
    text += ',\n"cases": [\n' + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]\n}\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(records)} cases, accuracy {data['accuracy']:.4f}, {sum('raw' in r for r in records)} "
          "differ raw")


if __name__ == "__main__":
    main()
