"""Tiny fixtures in the published layouts of the code benchmarks: LiveCodeBench's code_generation_lite release files
(JSON lines, private tests base64(zlib(pickle(JSON text)))) and BFCL v3's question and possible-answer files."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

# ---------------------------------------------------------------------------------------------------------------------
# LiveCodeBench: livecodebench/test.jsonl ... test5.jsonl
# ---------------------------------------------------------------------------------------------------------------------


def encode_private(tests: list[dict]) -> str:
    """How code_generation_lite stores private tests: base64 of zlib-compressed pickled JSON text."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def stdin_tests(pairs):
    return [{"input": i, "output": o, "testtype": "stdin"} for i, o in pairs]


def functional_tests(pairs):
    return [{"input": i, "output": o, "testtype": "functional"} for i, o in pairs]


def lcb_problem(question_id: str, date: str, difficulty: str, public: list[dict], private: list[dict],
                starter_code: str = "", func_name: str | None = None, platform: str = "atcoder",
                title: str = "", content: str = "") -> dict:
    return {"question_title": title or f"Problem {question_id}",
            "question_content": content or f"Statement of {question_id}.",
            "platform": platform, "question_id": question_id, "contest_id": f"contest-{question_id}",
            "contest_date": date, "starter_code": starter_code, "difficulty": difficulty,
            "public_test_cases": json.dumps(public), "private_test_cases": encode_private(private),
            "metadata": json.dumps({"func_name": func_name} if func_name else {})}


ADD_STARTER = "class Solution:\n    def addAll(self, nums: List[int], k: int) -> List[int]:\n        "

# question_id: (file, problem). In the 2024-08-01..2025-02-01 window: abc_sum, lc_add, cf_half, abc_max (4);
# in the Qwen3 window 2024-10-01..2025-02-01: lc_add, cf_half, abc_max (3); outside: old_one, late_one.
LCB_PROBLEMS = {
    "old_one": ("test.jsonl", lcb_problem("old_one", "2023-05-07T00:00:00", "easy",
                                          stdin_tests([("1\n", "1\n")]), stdin_tests([("2\n", "2\n")]))),
    "abc_sum": ("test4.jsonl", lcb_problem(
        "abc_sum", "2024-08-17T00:00:00", "easy",
        stdin_tests([("1 2\n", "3\n")]),
        stdin_tests([("10 20\n", "30\n"), ("-5 5\n", "0\n"), ("1000000000 1000000000\n", "2000000000\n")]),
        content="Read two integers A and B and print A+B.")),
    "lc_add": ("test4.jsonl", lcb_problem(
        "lc_add", "2024-10-12T00:00:00", "medium",
        functional_tests([("[1, 2, 3]\n2", "[3, 4, 5]")]),
        functional_tests([("[]\n5", "[]"), ("[-1]\n1", "[0]")]),
        starter_code=ADD_STARTER, func_name="addAll", platform="leetcode",
        content="Given nums and k, return the list of nums[i] + k.")),
    "cf_half": ("test5.jsonl", lcb_problem(
        "cf_half", "2025-01-20T00:00:00", "hard",
        stdin_tests([("3\n", "1.5\n")]), stdin_tests([("4\n", "2.0\n"), ("1\n", "0.5\n")]),
        platform="codeforces", content="Print N/2.")),
    "abc_max": ("test5.jsonl", lcb_problem(
        "abc_max", "2025-01-31T12:00:00", "medium",
        stdin_tests([("3\n1 5 2\n", "5\n")]), stdin_tests([("1\n7\n", "7\n")]),
        content="Print the maximum of the N numbers.")),
    "late_one": ("test5.jsonl", lcb_problem("late_one", "2025-02-01T00:00:00", "easy",
                                            stdin_tests([("1\n", "1\n")]), stdin_tests([]))),
}


def write_livecodebench(data_dir: Path) -> None:
    folder = Path(data_dir) / "livecodebench"
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: [] for name in ("test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl", "test5.jsonl")}
    for name, problem in LCB_PROBLEMS.values():
        files[name].append(problem)
    for name, problems in files.items():
        (folder / name).write_text("".join(json.dumps(p) + "\n" for p in problems), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------------
# BFCL v3: bfcl/BFCL_v3_<category>.json and bfcl/possible_answer/BFCL_v3_<category>.json
# ---------------------------------------------------------------------------------------------------------------------


def schema(name: str, description: str, properties: dict, required: list[str]) -> dict:
    return {"name": name, "description": description,
            "parameters": {"type": "dict", "properties": properties, "required": required}}


TRIANGLE = schema("calculate_triangle_area", "Calculate the area of a triangle.",
                  {"base": {"type": "integer", "description": "The base."},
                   "height": {"type": "integer", "description": "The height."},
                   "unit": {"type": "string", "description": "The unit (default 'units')."}}, ["base", "height"])
INTEREST = schema("finance.compound_interest", "Compound interest.",
                  {"principal": {"type": "float", "description": "Principal."},
                   "rate": {"type": "float", "description": "Rate."},
                   "years": {"type": "integer", "description": "Years."}}, ["principal", "rate", "years"])
WEATHER = schema("get_weather", "Current weather of a city.",
                 {"city": {"type": "string", "description": "The city."},
                  "days": {"type": "array", "items": {"type": "integer"}, "description": "Days ahead."}}, ["city"])
PLAY = schema("spotify.play", "Play songs of an artist.",
              {"artist": {"type": "string", "description": "The artist."},
               "duration": {"type": "integer", "description": "Minutes."}}, ["artist", "duration"])
HOUSEHOLD = schema("waste.calculate", "Household waste.",
                   {"population": {"type": "dict", "description": "People.",
                                   "properties": {"adults": {"type": "integer"}, "children": {"type": "integer"}}},
                    "location": {"type": "string", "description": "Where."}}, ["population", "location"])
TICKET = schema("create_ticket", "Open a support ticket.",
                {"title": {"type": "string", "description": "Title."},
                 "priority": {"type": "string", "description": "low, medium or high."},
                 "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags."}}, ["title"])


def user(text: str) -> list[list[dict]]:
    return [[{"role": "user", "content": text}]]


# category: [(question record, ground truth)]
BFCL_RECORDS = {
    "simple": [
        ({"id": "simple_0", "question": user("Find the area of a triangle with base 10 and height 5."),
          "function": [TRIANGLE]},
         [{"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}]),
        ({"id": "simple_1", "question": user("Compound interest on 1000 at 5% for 3 years."),
          "function": [INTEREST]},
         [{"finance.compound_interest": {"principal": [1000.0], "rate": [0.05], "years": [3]}}]),
        ({"id": "simple_2", "question": user("Weather in New York for the next 1 and 2 days."),
          "function": [WEATHER]},
         [{"get_weather": {"city": ["New York, NY", "New York"], "days": [[1, 2], [2, 1]]}}]),
    ],
    "multiple": [
        ({"id": "multiple_0", "question": user("Play Taylor Swift for 20 minutes."),
          "function": [TRIANGLE, PLAY, WEATHER]},
         [{"spotify.play": {"artist": ["Taylor Swift"], "duration": [20]}}]),
        ({"id": "multiple_1", "question": user("Triangle with base 3 and height 4, in cm."),
          "function": [PLAY, TRIANGLE]},
         [{"calculate_triangle_area": {"base": [3], "height": [4], "unit": ["cm", "centimeters"]}}]),
    ],
    "parallel": [
        ({"id": "parallel_0", "question": user("Play Taylor Swift for 20 minutes and Maroon 5 for 15."),
          "function": [PLAY]},
         [{"spotify.play": {"artist": ["Taylor Swift"], "duration": [20]}},
          {"spotify.play": {"artist": ["Maroon 5"], "duration": [15]}}]),
        ({"id": "parallel_1", "question": user("Waste for 2 adults and 2 children in LA, and 1 adult in NYC."),
          "function": [HOUSEHOLD]},
         [{"waste.calculate": {"population": [{"adults": [2], "children": [2]}], "location": ["Los Angeles", "LA"]}},
          {"waste.calculate": {"population": [{"adults": [1], "children": [0, ""]}], "location": ["NYC"]}}]),
    ],
    "live_simple": [
        ({"id": "live_simple_0-0-0",
          "question": [[{"role": "system", "content": "You are a helpdesk assistant."},
                        {"role": "user", "content": "Open a high priority ticket titled 'Login fails'."}]],
          "function": [TICKET]},
         [{"create_ticket": {"title": ["Login fails"], "priority": ["high"], "tags": ["", []]}}]),
    ],
    "live_multiple": [
        ({"id": "live_multiple_0-0-0", "question": user("What's the weather in Paris?"),
          "function": [TICKET, WEATHER]},
         [{"get_weather": {"city": ["Paris", "Paris, France"], "days": [""]}}]),
        ({"id": "live_multiple_1-0-1", "question": user("Ticket: 'VPN down', tags vpn and network."),
          "function": [WEATHER, TICKET]},
         [{"create_ticket": {"title": ["VPN down"], "priority": [""],
                             "tags": [["vpn", "network"], ["network", "vpn"]]}}]),
    ],
    "live_parallel": [
        ({"id": "live_parallel_0-0-0", "question": user("Weather in Paris and in Rome."), "function": [WEATHER]},
         [{"get_weather": {"city": ["Paris"], "days": [""]}}, {"get_weather": {"city": ["Rome"], "days": [""]}}]),
    ],
}


def write_bfcl(data_dir: Path) -> None:
    folder = Path(data_dir) / "bfcl"
    (folder / "possible_answer").mkdir(parents=True, exist_ok=True)
    for category, records in BFCL_RECORDS.items():
        (folder / f"BFCL_v3_{category}.json").write_text(
            "".join(json.dumps(question) + "\n" for question, _ in records), encoding="utf-8")
        (folder / "possible_answer" / f"BFCL_v3_{category}.json").write_text(
            "".join(json.dumps({"id": q["id"], "ground_truth": truth}) + "\n" for q, truth in records),
            encoding="utf-8")


WRITERS = {"livecodebench": write_livecodebench, "livecodebench_qwen3": write_livecodebench, "bfcl": write_bfcl}
