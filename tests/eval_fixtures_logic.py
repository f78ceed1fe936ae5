"""Tiny fixtures in the published layouts of ZebraLogic, AutoLogi and LiveBench (written from code, nothing binary
committed). `WRITERS` maps each benchmark name to its writer, for tests and demo commands."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from datetime import datetime
from pathlib import Path

# ---------------------------------------------------------------------------------------------------------------------
# ZebraLogic: zebralogic/grid_mode/test-00000-of-00001.parquet (WildEval/ZebraLogic, config grid_mode).
# ---------------------------------------------------------------------------------------------------------------------

ZEBRA_PUZZLES = [
    {"id": "lgp-test-2x2-11", "size": "2*2",
     "puzzle": "There are 2 houses, numbered 1 to 2 from left to right, as seen from across the street. Each house is "
               "occupied by a different person. Each house has a unique attribute for each of the following "
               "characteristics:\n - Each person has a unique name: `Eric`, `Arnold`\n - Each person has a unique "
               "favorite color: `red`, `green`\n\n## Clues:\n1. Eric is in the first house.\n2. The person who loves "
               "green is Arnold.",
     "header": ["House", "Name", "Color"], "rows": [["1", "Eric", "red"], ["2", "Arnold", "green"]]},
    {"id": "lgp-test-3x3-7", "size": "3*3",
     "puzzle": "There are 3 houses, numbered 1 to 3 from left to right, as seen from across the street. Each house is "
               "occupied by a different person. Each house has a unique attribute for each of the following "
               "characteristics:\n - Each person has a unique name: `Peter`, `Alice`, `Bob`\n - People own unique car "
               "models: `tesla model 3`, `ford f150`, `toyota camry`\n - Each person has a favorite drink: `tea`, "
               "`coffee`, `milk`\n\n## Clues:\n1. Bob is in the third house.\n2. The person who owns a Tesla Model 3 "
               "is directly left of the coffee drinker.\n3. Alice drinks milk.\n4. Peter owns a Ford F150.\n5. The "
               "tea drinker is in the first house.",
     "header": ["House", "Name", "CarModel", "Drink"],
     "rows": [["1", "Peter", "ford f150", "tea"], ["2", "Alice", "tesla model 3", "milk"],
              ["3", "Bob", "toyota camry", "coffee"]]},
    {"id": "lgp-test-2x3-4", "size": "2*3",
     "puzzle": "There are 2 houses, numbered 1 to 2 from left to right, as seen from across the street. Each house is "
               "occupied by a different person. Each house has a unique attribute for each of the following "
               "characteristics:\n - Each person has a unique name: `Carol`, `Dave`\n - Each person has a unique "
               "hobby: `chess`, `gardening`\n - Each person has a unique pet: `bird`, `hamster`\n\n## Clues:\n1. Dave "
               "keeps the hamster.\n2. Carol lives in the second house.\n3. The gardener keeps the bird.",
     "header": ["House", "Name", "Hobby", "Pet"],
     "rows": [["1", "Dave", "chess", "hamster"], ["2", "Carol", "gardening", "bird"]]},
]


def write_zebra_parquet(path: Path, puzzles: list[dict]) -> None:
    """grid_mode rows: id, size, puzzle, solution {header, rows}, created_at (the dataset card's features)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("size", pa.string()), ("puzzle", pa.string()),
                        ("solution", pa.struct([("header", pa.list_(pa.string())),
                                                ("rows", pa.list_(pa.list_(pa.string())))])),
                        ("created_at", pa.string())])
    rows = [{"id": p["id"], "size": p["size"], "puzzle": p["puzzle"],
             "solution": {"header": p["header"], "rows": p["rows"]}, "created_at": "2024-07-03T21:21:27.477286"}
            for p in puzzles]
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def write_zebralogic(data_dir: Path) -> None:
    write_zebra_parquet(data_dir / "zebralogic" / "grid_mode" / "test-00000-of-00001.parquet", ZEBRA_PUZZLES)


# ---------------------------------------------------------------------------------------------------------------------
# AutoLogi: autologi/testing-data/AutoLogi_{en,cn}.jsonl (GitHub 8188zq/AutoLogi).
# ---------------------------------------------------------------------------------------------------------------------

_TEAM_CHECK = '''def inputs_check(inputs):
    if not isinstance(inputs, dict) or set(inputs) != {"female", "male"}:
        return False
    if not isinstance(inputs["female"], set) or not isinstance(inputs["male"], set):
        return False
    if len(inputs["female"]) != 2 or len(inputs["male"]) != 3:
        return False
    return inputs["female"] <= {"Emily", "Sophia", "Olivia"} and \\
        inputs["male"] <= {"James", "Michael", "William", "David", "Robert"}'''
_TEAM_CONSTRAINTS = '''def constraint_1(inputs):
    return not ("Sophia" in inputs["female"] and "Robert" in inputs["male"])

def constraint_2(inputs):
    return not ("James" in inputs["male"] and "David" in inputs["male"])

def constraint_3(inputs):
    return not ("Michael" in inputs["male"] and "Robert" in inputs["male"])

constraint_list = [constraint_1, constraint_2, constraint_3]'''

_SHELF_CHECK = '''def inputs_check(inputs):
    return isinstance(inputs, list) and sorted(inputs) == ["coffee", "juice", "tea"]'''
_SHELF_CONSTRAINTS = '''def constraint_1(inputs):
    return inputs.index("tea") < inputs.index("coffee")

def constraint_2(inputs):
    return inputs[0] != "juice"

constraint_list = [constraint_1, constraint_2]'''

_FLAG_CHECK = '''def inputs_check(inputs):
    return isinstance(inputs, dict) and isinstance(inputs.get("open"), bool) and isinstance(inputs.get("floor"), int)'''
_FLAG_CONSTRAINTS = '''def constraint_1(inputs):
    return inputs["open"] is True and inputs["floor"] > 2

constraint_list = [constraint_1]'''

_SEATS_CHECK = '''def inputs_check(inputs):
    return isinstance(inputs, dict) and set(inputs) == {1, 2, 3} and sorted(inputs.values()) == ["丙", "乙", "甲"]'''
_SEATS_CONSTRAINTS = '''def position(inputs, name):
    return next(seat for seat, person in inputs.items() if person == name)

def constraint_1(inputs):
    return inputs[1] != "甲"

def constraint_2(inputs):
    return position(inputs, "乙") < position(inputs, "丙")

constraint_list = [constraint_1, constraint_2]'''

AUTOLOGI_EN = [
    {"idx": 1, "lang": "en",
     "prompt": "A class plans to select two girls from Emily, Sophia and Olivia, and three boys from James, Michael, "
               "William, David and Robert to form a five-person teaching team. Sophia and Robert cannot both be "
               "selected; James and David cannot both be selected; Michael and Robert cannot both be selected.\n\n"
               "### Output format\nGive one valid team as a Python dict with two keys: \"female\" (a set of 2 names) "
               "and \"male\" (a set of 3 names), in a ```python code block.",
     "code": {"Inputs_Check_code": _TEAM_CHECK, "Constraint_List_code": _TEAM_CONSTRAINTS,
              "Traverse_code": "def count_valid_arrangements():\n    return 0, 0"}},
    {"idx": 2, "lang": "en",
     "prompt": "Three drinks, tea, coffee and juice, are put on a shelf from left to right. Tea is to the left of "
               "coffee. Juice is not the leftmost.\n\n### Output format\nGive one valid order as a Python list of the "
               "three drinks, left to right, in a ```python code block.",
     "code": {"Inputs_Check_code": _SHELF_CHECK, "Constraint_List_code": _SHELF_CONSTRAINTS,
              "Traverse_code": "def count_valid_arrangements():\n    return 0, 0"}},
    {"idx": 3, "lang": "en",
     "prompt": "A shop is either open or closed and sits on one floor of a tower. It is open and above the second "
               "floor.\n\n### Output format\nGive a JSON object with keys \"open\" (a boolean) and \"floor\" (an "
               "integer).",
     "code": {"Inputs_Check_code": _FLAG_CHECK, "Constraint_List_code": _FLAG_CONSTRAINTS,
              "Traverse_code": "def count_valid_arrangements():\n    return 0, 0"}},
]
AUTOLOGI_CN = [
    {"idx": 1, "lang": "cn",
     "prompt": "甲、乙、丙三人坐在编号为1、2、3的三个座位上。甲不坐1号座位；乙的座位号小于丙的座位号。\n\n"
               "### 输出格式\n请用Python字典给出一种方案，键为座位号（整数），值为人名，放在```python代码块中。",
     "code": {"Inputs_Check_code": _SEATS_CHECK, "Constraint_List_code": _SEATS_CONSTRAINTS,
              "Traverse_code": "def count_valid_arrangements():\n    return 0, 0"}},
]


def write_autologi(data_dir: Path) -> None:
    folder = data_dir / "autologi" / "testing-data"
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (("AutoLogi_en.jsonl", AUTOLOGI_EN), ("AutoLogi_cn.jsonl", AUTOLOGI_CN)):
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                   encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------------
# LiveBench: livebench/<category>/data/test-00000-of-00001.parquet (the livebench/<category> datasets).
# ---------------------------------------------------------------------------------------------------------------------

AMC_QUESTION = ("What is the sum of the first five odd numbers greater than zero minus ten? "
                "$\\textbf{(A) }12\\qquad\\textbf{(B) }15\\qquad\\textbf{(C) }18\\qquad\\textbf{(D) }21\\qquad"
                "\\textbf{(E) }24$ If you cannot determine the correct multiple-choice answer, take your best guess. "
                "Once you have your answer, please duplicate that letter five times in a single string. For example, "
                "if the answer is F, then write FFFFF.")
OLYMPIAD_QUESTION = ("You are given a question and its solution. The solution however has its formulae masked out "
                     "using the tag <missing X> where X indicates the identifier for the missing tag. ... "
                     "<expression 1> = n^2 \n<expression 2> = 2n \n<expression 3> = n+1 \n\nYour final answer should "
                     "be STRICTLY in the format:\n\nDetailed reasoning\n\nAnswer: <comma separated list of numbers "
                     "representing expression identifiers>")
TABLE_QUESTION = ("Please convert the Input Table from JSON format to CSV format. Please respond only with the table. "
                  "\n Input Table: {\"0\":{\"name\":\"Ann\",\"age\":31},\"1\":{\"name\":\"Bob\",\"age\":42}} \n "
                  "Output: \n")
TABLE_JSONL_QUESTION = ("Please convert the Input Table from CSV format to JSONL format. Please respond only with the "
                        "table. \n Input Table: city,population\nOslo,709000\nBergen,291000\n \n Output: \n")

_RELEASED = datetime(2024, 6, 24)
_NOV = datetime(2024, 11, 25)


def _q(question_id, category, task, question, truth, released=_RELEASED, removed="", **extra):
    return {"question_id": question_id, "category": category, "turns": [question], "ground_truth": truth,
            "task": task, "livebench_release_date": released, "livebench_removal_date": removed, **extra}


LIVEBENCH_QUESTIONS = {
    "math": [
        _q("m-amps-1", "math", "AMPS_Hard",
           "Differentiate the following function: $\\sin (5 x)$. Please put your final answer in a $\\boxed{}$.",
           "5 \\cos (5 x)", subtask="amps_hard_derivatives", expressions="", hardness=None),
        _q("m-amc-1", "math", "math_comp", AMC_QUESTION, "B", subtask="updated_amc_12a_2023", expressions="",
           hardness=None),
        _q("m-aime-1", "math", "math_comp",
           "Find the number of ordered pairs ... Please think step by step, and then display the answer at the very "
           "end of your response. The answer is an integer consisting of exactly 3 digits (including leading zeros), "
           "ranging from 000 to 999, inclusive.", "204", subtask="aime_i_2024", expressions="", hardness=None),
        _q("m-imo-1", "math", "olympiad", OLYMPIAD_QUESTION, "3,1,2", released=datetime(2024, 8, 31), subtask="imo",
           expressions="<expression 1> = n^2", hardness=0.5),
        _q("m-removed-1", "math", "math_comp", AMC_QUESTION, "C", removed="2024-08-31", subtask="amc_12a_2023",
           expressions="", hardness=None),
        _q("m-future-1", "math", "integrals_with_game", "Integrate ...", "x", released=datetime(2025, 4, 2),
           subtask="integrals_with_game", expressions="", hardness=None),
    ],
    "reasoning": [
        _q("r-wol-1", "reasoning", "web_of_lies_v2",
           "In this question, assume each person either always tells the truth or always lies. ... Does the person at "
           "the school tell the truth? Does the person at the park tell the truth? Does the person at the zoo tell "
           "the truth? Think step by step, and then put your answer in **bold** as a list of three words, yes or no "
           "(for example, **yes, no, yes**). If you don't know, guess.", "yes, no, yes"),
        _q("r-zebra-1", "reasoning", "zebra_puzzle",
           "There are 3 people standing in a line numbered 1 through 3 ... At what position is the person who likes "
           "skiing? What color does the person at position 2 like? At what position is the teacher? Return your "
           "answers as a comma-separated list in <solution></solution> tags, like <solution>X, Y, Z</solution>.",
           "3,purple,2", released=_NOV),
        _q("r-zebra-old", "reasoning", "zebra_puzzle", "Old zebra puzzle ... ***answer***", "three",
           removed="2024-11-25"),
        _q("r-spatial-1", "reasoning", "spatial",
           "Suppose I have a physical, solid square with vertices ABCD, and I make two cuts through AC and BD. Of the "
           "resulting pieces, how many triangles are there? Think step by step, and then put your answer in **bold** "
           "as a single integer (for example, **0**). If you don't know, guess.", "4", released=datetime(2024, 7, 26)),
    ],
    "data_analysis": [
        _q("d-cta-1", "data_analysis", "cta",
           "Pick the column's class based on the provided column sample. Choose exactly one of the listed classes. "
           "Please respond only with the name of the class. \n Column sample: [['1990-04-02'], ['1985-11-30']] \n "
           "Classes: ['BirthDate' 'name' 'city'] \n Output: \n", "BirthDate"),
        _q("d-join-1", "data_analysis", "tablejoin",
           "Please create a valid join mapping between CSV Table A and CSV Table B. ... Return your response as a "
           "Python dictionary, formatted as {col_name_in_df_a : col_name_in_df_b}. Please return only the dictionary.",
           "{'emp_id': 'id', 'dept': 'department_code'}"),
        _q("d-reformat-1", "data_analysis", "tablereformat", TABLE_QUESTION, "name,age\nAnn,31\nBob,42\n"),
        _q("d-reformat-2", "data_analysis", "tablereformat", TABLE_JSONL_QUESTION,
           '{"city":"Oslo","population":709000}\n{"city":"Bergen","population":291000}\n'),
    ],
    "language": [
        _q("l-conn-1", "language", "connections",
           "You are given 12 words/phrases below. Find three groups of four items that share something in common. "
           "... Put your solution in <solution></solution> tags as a comma-separated list of the 12 items, grouped "
           "four by four.\n\nWords: red, apple, one, blue, banana, two, green, cherry, three, yellow, grape, four",
           "red, blue, green, yellow, apple, banana, cherry, grape, one, two, three, four", released=_NOV),
        _q("l-typos-1", "language", "typos",
           "Please output this exact text, with no changes at all except for fixing the misspellings. Please leave "
           "all other stylistic decisions like commas and US vs British spellings as in the original text.\n\nThe "
           "quikc brown fox jumsp over the lazy dog.", "The quick brown fox jumps over the lazy dog."),
        _q("l-plot-1", "language", "plot_unscrambling",
           "The following plot summary of a movie has had the sentences randomly reordered. Rewrite the plot summary "
           "with the sentences correctly ordered. Begin the plot summary with <PLOT_SUMMARY>.\n\nThe sentences are:"
           "\n\nA storm hits. They return home. A meets B. They travel north.",
           "A meets B. They travel north. A storm hits. They return home."),
    ],
    "coding": [],  # filled below
    "instruction_following": [],  # filled below
}

# coding: an AtCoder-style stdin problem (LCB_generation) and a LeetCode-style completion (coding_completion).
LCB_INSTRUCTIONS = ("### Instructions: You will be given a question (problem specification) and will generate a "
                    "correct Python program that matches the specification and passes all tests.\n\n")
SUM_CONTENT = ("You are given two integers A and B. Print A + B.\n\nInput\n\nThe input is given from Standard Input "
               "in the following format:\nA B\n\nSample Input 1\n\n1 2\n\nSample Output 1\n\n3")
SUM_QUESTION = (LCB_INSTRUCTIONS + "### Question:\n" + SUM_CONTENT + "\n\n### Format: Read the inputs from stdin, "
                "solve the problem and write the answer to stdout. Enclose your code within delimiters as follows.\n"
                "```python\n# YOUR CODE HERE\n```\n\n### Answer: (use the provided format with backticks)\n\n")
GAP_CONTENT = ("Given an integer array nums, return the largest difference between two successive elements of its "
               "sorted form.\n\nExample 1:\n\nInput: nums = [3,9,1]\nOutput: 6")
GAP_PARTIAL = "class Solution:\n    def largestGap(self, nums: List[int]) -> int:\n        nums = sorted(nums)\n"
GAP_REMAINDER = "        return max(b - a for a, b in zip(nums, nums[1:]))\n"
GAP_QUESTION = ("### Instructions: You will be given a question (problem specification) and the first lines of a "
                "Python solution, and will write the remaining lines of the program.\n\n### Question:\n"
                + GAP_CONTENT + "\n\n### Format: You will use the following starter code to write the solution "
                "and enclose your code within delimiters.\n```python\n" + GAP_PARTIAL + "```\n\n### Answer: (only "
                "write the missing portion of the code; appending it to the partial code must give a working "
                "solution)\n\n")


def encode_private(tests: list[dict]) -> str:
    """LiveCodeBench's private-test encoding: base64 of zlib-compressed pickled JSON text."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def _tests(kind: str, pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"input": i, "output": o, "testtype": kind} for i, o in pairs]


def _coding(question_id, task, question, title, content, public, private, metadata, partial=None, remainder="",
            released=_RELEASED, removed=""):
    original = {"question_title": title, "question_content": content, "platform": "atcoder" if not partial else
                "leetcode", "question_id": question_id, "contest_id": "c1", "contest_date": datetime(2024, 5, 4),
                "starter_code": "", "difficulty": "easy", "metadata": json.dumps(metadata)}
    return {"question_id": question_id, "category": "coding", "turns": [question], "question_title": title,
            "public_test_cases": json.dumps(public), "private_test_cases": private, "original_json": original,
            "release_date": datetime(2024, 5, 4), "citation": "LiveCodeBench", "task": task,
            "livebench_release_date": released, "livebench_removal_date": removed, "remainder": remainder,
            "solution": (partial or "") + remainder, "partial_solution": partial}


LIVEBENCH_QUESTIONS["coding"] = [
    _coding("c-lcb-1", "LCB_generation", SUM_QUESTION, "A + B", SUM_CONTENT, _tests("stdin", [("1 2\n", "3\n")]),
            encode_private(_tests("stdin", [("5 7\n", "12\n"), ("-4 4\n", "0\n")])), {}),
    _coding("c-comp-1", "coding_completion", GAP_QUESTION, "Largest Gap", GAP_CONTENT,
            _tests("functional", [("[3, 9, 1]", "6")]),
            json.dumps(_tests("functional", [("[1, 2, 10, 4]", "6"), ("[5, 5]", "0")])),  # the plain-JSON form
            {"func_name": "largestGap"}, partial=GAP_PARTIAL, remainder=GAP_REMAINDER, released=datetime(2024, 7, 26)),
    _coding("c-removed-1", "LCB_generation", SUM_QUESTION, "A + B", SUM_CONTENT, _tests("stdin", [("1 2\n", "3\n")]),
            encode_private([]), {}, removed="2024-07-26"),
    _coding("c-future-1", "code_generation", "Write a function ...", "BigCodeBench", "...", [], "[]", {},
            released=datetime(2025, 4, 25)),
]

# instruction_following: news-article prompts with IFEval instructions and their kwargs, as LiveBench builds them.
ARTICLE = ("The council approved a new cycle lane on Monday. Work starts in spring. Residents had campaigned for it "
           "for years.")
REPEAT_SENTENCE = ("First repeat the request word for word without change, then give your answer (1. do not say any "
                   "words or characters before repeating the request; 2. the request you need to repeat does not "
                   "include this sentence)")


def if_prompt(task_prompt: str, instructions: str) -> str:
    return ("The following are the beginning sentences of a news article from the Guardian.\n-------\n " + ARTICLE
            + "\n-------\n" + task_prompt + " " + instructions)


SUMMARY_PROMPT = if_prompt("Please summarize based on the sentences provided.",
                           "In your entire response refrain from the use of any commas. " + REPEAT_SENTENCE)
SUMMARY_REQUEST = SUMMARY_PROMPT.split("First repeat the request word for word without change,")[0]


def _if(question_id, task, task_prompt, instructions, ids, kwargs, released=_RELEASED, removed="", prompt=None):
    return {"question_id": question_id, "task": task, "turns": [prompt or if_prompt(task_prompt, instructions)],
            "category": "instruction_following", "instruction_id_list": ids, "kwargs": kwargs,
            "task_prompt": task_prompt, "livebench_release_date": released, "livebench_removal_date": removed}


LIVEBENCH_QUESTIONS["instruction_following"] = [
    _if("i-para-1", "paraphrase", "Please paraphrase based on the sentences provided.",
        "Your response should contain less than 3 sentences. Your answer must contain a title, wrapped in double "
        "angular brackets, such as <<poem of joy>>. In your entire response, refrain from the use of any commas.",
        ["length_constraints:number_sentences", "detectable_format:title", "punctuation:no_comma"],
        [{"num_sentences": 3, "relation": "less than"}, {}, {}]),
    _if("i-story-1", "story_generation", "Please generate a story based on the sentences provided.",
        "There should be 2 paragraphs. Paragraphs and only paragraphs are separated with each other by two new lines "
        "as if it was '\\n\\n' in python. Paragraph 2 must start with word then. Finish your response with this "
        "exact phrase Is there anything else I can help with?. No other words should follow this phrase.",
        ["length_constraints:nth_paragraph_first_word", "startend:end_checker"],
        [{"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
         {"end_phrase": "Is there anything else I can help with?"}], released=datetime(2024, 7, 26)),
    _if("i-summ-1", "summarize", "Please summarize based on the sentences provided.", "",
        ["combination:repeat_prompt", "punctuation:no_comma"], [{"prompt_to_repeat": SUMMARY_REQUEST}, {}],
        prompt=SUMMARY_PROMPT, released=datetime(2024, 8, 31)),
    _if("i-summ-2", "summarize", "Please summarize based on the sentences provided.",
        "Do not include keywords ['council'] in the response. Answer with at least 10 words.",
        ["keywords:forbidden_words", "length_constraints:number_words"],
        [{"forbidden_words": ["council"]}, {"num_words": 10, "relation": "at least"}], released=datetime(2024, 8, 31)),
    _if("i-simp-1", "simplify", "Please explain in simpler terms what this text means.",
        "Your answer must contain exactly 2 bullet points. Use the markdown bullet points such as:\n* This is point "
        "1. \n* This is point 2 Include keywords ['lane', 'spring'] in the response. At the end of your response, "
        "please explicitly add a postscript starting with P.S.",
        ["detectable_format:number_bullet_lists", "keywords:existence", "detectable_content:postscript"],
        [{"num_bullets": 2}, {"keywords": ["spring", "lane"]}, {"postscript_marker": "P.S."}], released=_NOV),
    _if("i-simp-2", "simplify", "Please explain in simpler terms what this text means.",
        "Your response must have 2 sections. Mark the beginning of each section with SECTION X, such as:\nSECTION 1"
        "\n[content of section 1]\nSECTION 2\n[content of section 2] There should be 2 paragraphs. Paragraphs are "
        "separated with the markdown divider: ***",
        ["detectable_format:multiple_sections", "length_constraints:number_paragraphs"],
        [{"section_spliter": "SECTION", "num_sections": 2}, {"num_paragraphs": 2}], released=_NOV),
    _if("i-old-1", "paraphrase", "Please paraphrase based on the sentences provided.", "Wrap your entire response "
        "with double quotation marks.", ["startend:quotation"], [{}], removed="2024-11-25"),
    _if("i-future-1", "paraphrase", "Please paraphrase based on the sentences provided.", "...",
        ["new:instruction"], [{}], released=datetime(2025, 11, 25)),
]

# the kwargs struct of the livebench/instruction_following dataset card
_IF_KWARGS = [
    ("end_phrase", "string"), ("forbidden_words", "list"), ("num_words", "int"), ("relation", "string"),
    ("num_sentences", "int"), ("num_paragraphs", "int"), ("nth_paragraph", "int"), ("first_word", "string"),
    ("keywords", "list"), ("num_bullets", "int"), ("postscript_marker", "string"), ("prompt_to_repeat", "string"),
    ("section_spliter", "string"), ("num_sections", "int")]


def _livebench_schema(category: str):
    """The Hugging Face column types of one category (turns a list of strings, dates timestamp[s], the removal date a
    string, coding's original_json a struct, instruction_following's kwargs a list of structs)."""
    import pyarrow as pa

    types = {"string": pa.string(), "int": pa.int64(), "list": pa.list_(pa.string())}
    dates = [("livebench_release_date", pa.timestamp("s")), ("livebench_removal_date", pa.string())]
    if category == "coding":
        original = pa.struct([("question_title", pa.string()), ("question_content", pa.string()),
                              ("platform", pa.string()), ("question_id", pa.string()), ("contest_id", pa.string()),
                              ("contest_date", pa.timestamp("s")), ("starter_code", pa.string()),
                              ("difficulty", pa.string()), ("metadata", pa.string())])
        return pa.schema([("question_id", pa.string()), ("category", pa.string()), ("turns", pa.list_(pa.string())),
                          ("question_title", pa.string()), ("public_test_cases", pa.string()),
                          ("private_test_cases", pa.string()), ("original_json", original),
                          ("release_date", pa.timestamp("s")), ("citation", pa.string()), ("task", pa.string()),
                          *dates, ("remainder", pa.string()), ("solution", pa.string()),
                          ("partial_solution", pa.string())])
    if category == "instruction_following":
        kwargs = pa.list_(pa.struct([(name, types[kind]) for name, kind in _IF_KWARGS]))
        return pa.schema([("question_id", pa.string()), ("task", pa.string()), ("turns", pa.list_(pa.string())),
                          ("category", pa.string()), ("instruction_id_list", pa.list_(pa.string())),
                          ("kwargs", kwargs), ("task_prompt", pa.string()), *dates])
    fields = [("question_id", pa.string()), ("category", pa.string()), ("turns", pa.list_(pa.string())),
              ("ground_truth", pa.string()), ("task", pa.string()), *dates]
    if category == "math":
        fields += [("subtask", pa.string()), ("expressions", pa.string()), ("hardness", pa.float64())]
    return pa.schema(fields)


def write_livebench_category(data_dir: Path, category: str, questions: list[dict]) -> Path:
    """One category's `data/test-00000-of-00001.parquet` with the Hugging Face column types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = data_dir / "livebench" / category / "data" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(questions, schema=_livebench_schema(category)), path)
    return path


def write_livebench(data_dir: Path) -> None:
    for category, questions in LIVEBENCH_QUESTIONS.items():
        write_livebench_category(data_dir, category, questions)


WRITERS = {"zebralogic": write_zebralogic, "autologi": write_autologi, "livebench": write_livebench}
