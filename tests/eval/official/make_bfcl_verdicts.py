"""Score the BFCL cross-check cases with the official package and write ``bfcl_official_verdicts.json``.

Run with a separate virtual environment that holds bfcl-eval (never a project dependency):

    python3 -m venv /tmp/venv-bfcl && /tmp/venv-bfcl/bin/pip install bfcl-eval==2026.3.23
    /tmp/venv-bfcl/bin/python tests/eval/official/make_bfcl_verdicts.py

The project's `bfcl` prompt is Qwen3's function-calling (FC) format, so each response goes through what the
leaderboard does for a locally served Qwen3 FC model (`Qwen/Qwen3-8B-FC` in bfcl_eval/constants/model_config.py:
`QwenFCHandler`, is_fc_model, underscore_to_dot False):

1. `QwenFCHandler._parse_query_response_prompting` (bfcl_eval/model_handler/local_inference/qwen_fc.py) turns the
   raw completion into the stored ``result`` (the text after the last ``</think>``);
2. `_evaluate_single_ast_entry` (bfcl_eval/eval_checker/eval_runner.py) decodes it with `QwenFCHandler.decode_ast`,
   checks the format and runs `ast_checker` with the Python rules.

It also records, per document, the prompt text `QwenFCHandler._format_prompt` builds, which the project's prompt
must equal once rendered by Qwen3's chat template.

Category accuracies and the project's section summary come from the same verdicts, combined with BFCL's own
`calculate_unweighted_accuracy` / `calculate_weighted_accuracy` (bfcl_eval/eval_checker/eval_runner_helper.py).

The cases are written here; ``lenient`` marks the ones whose verdict under ``--scoring lenient`` (the project's
forgiving decoder) differs from the official one. tests/eval/official/test_bfcl_official.py reads only the JSON.
"""

from __future__ import annotations

import copy
import importlib.metadata
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

OUTPUT = Path(__file__).with_name("bfcl_official_verdicts.json")
MODEL = "Qwen/Qwen3-8B-FC"


# ---------------------------------------------------------------------------------------------------------------------
# Function documents and possible answers (BFCL v3 record shapes).
# ---------------------------------------------------------------------------------------------------------------------


def fixture_module():
    """tests/eval/fixtures/code.py (standard library only), loaded by path: its name would shadow the `code` module."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "code.py"
    spec = importlib.util.spec_from_file_location("bfcl_fixture_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIXTURE = fixture_module()
schema, user = FIXTURE.schema, FIXTURE.user  # the function documents the benchmark's fixture uses, and two more
TRIANGLE, INTEREST, WEATHER, PLAY, HOUSEHOLD, TICKET = (FIXTURE.TRIANGLE, FIXTURE.INTEREST, FIXTURE.WEATHER,
                                                        FIXTURE.PLAY, FIXTURE.HOUSEHOLD, FIXTURE.TICKET)
ALARM = schema("clock.set_alarm", "Set an alarm.",
               {"time": {"type": "string", "description": "HH:MM."},
                "enabled": {"type": "boolean", "description": "On or off."},
                "window": {"type": "tuple", "items": {"type": "integer"}, "description": "(start hour, end hour)."},
                "label": {"type": "any", "description": "A label."}}, ["time"])
ORDER = schema("shop.order", "Order items.",
               {"items": {"type": "array", "items": {"type": "dict"}, "description": "[{sku, qty}]."},
                "express": {"type": "boolean", "description": "Express delivery."}}, ["items"])


# id: (category, question, functions, ground truth)
DOCS = {
    "simple_0": ("simple", user("Area of a triangle with base 10 and height 5."), [TRIANGLE],
                 [{"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}]),
    "simple_1": ("simple", user("Compound interest on 1000 at 5% for 3 years."), [INTEREST],
                 [{"finance.compound_interest": {"principal": [1000.0], "rate": [0.05], "years": [3]}}]),
    "simple_2": ("simple", user("Weather in San Francisco for the next 1 and 2 days."), [WEATHER],
                 [{"get_weather": {"city": ["San Francisco", "San Francisco, CA", "SF"], "days": [[1, 2], ""]}}]),
    "simple_3": ("simple", user("Order 2 of A1 and 1 of B2."), [ORDER],
                 [{"shop.order": {"items": [[{"sku": ["A1"], "qty": [2]}, {"sku": ["B2"], "qty": [1, ""]}]],
                                  "express": [False, ""]}}]),
    "multiple_0": ("multiple", user("Play Taylor Swift for 20 minutes."), [TRIANGLE, PLAY, WEATHER],
                   [{"spotify.play": {"artist": ["Taylor Swift"], "duration": [20]}}]),
    "parallel_0": ("parallel", user("Play Taylor Swift for 20 minutes and Maroon 5 for 15."), [PLAY],
                   [{"spotify.play": {"artist": ["Taylor Swift"], "duration": [20]}},
                    {"spotify.play": {"artist": ["Maroon 5"], "duration": [15]}}]),
    "parallel_1": ("parallel", user("Waste for 2 adults and 2 children in LA, and 1 adult in NYC."), [HOUSEHOLD],
                   [{"waste.calculate": {"population": [{"adults": [2], "children": [2]}],
                                         "location": ["Los Angeles", "LA"]}},
                    {"waste.calculate": {"population": [{"adults": [1], "children": [0, ""]}], "location": ["NYC"]}}]),
    "live_simple_0-0-0": ("live_simple", [[{"role": "system", "content": "You are a helpdesk assistant."},
                                           {"role": "user", "content": "Open a high priority ticket 'Login fails'."}]],
                          [TICKET], [{"create_ticket": {"title": ["Login fails"], "priority": ["high"],
                                                        "tags": ["", []]}}]),
    "live_simple_1-1-0": ("live_simple", user("Alarm at 7:30, on, between 6 and 8."), [ALARM],
                          [{"clock.set_alarm": {"time": ["07:30", "7:30"], "enabled": [True, ""],
                                                "window": [[6, 8], ""], "label": ["", "wake up"]}}]),
    "live_multiple_0-0-0": ("live_multiple", user("Ticket: 'VPN down', tags vpn and network."), [WEATHER, TICKET],
                            [{"create_ticket": {"title": ["VPN down"], "priority": [""],
                                                "tags": [["vpn", "network"], ["network", "vpn"]]}}]),
    "live_parallel_0-0-0": ("live_parallel", user("Weather in Paris and in Rome."), [WEATHER],
                            [{"get_weather": {"city": ["Paris"], "days": [""]}},
                             {"get_weather": {"city": ["Rome"], "days": [""]}}]),
}


# ---------------------------------------------------------------------------------------------------------------------
# Responses.
# ---------------------------------------------------------------------------------------------------------------------


def block(payload) -> str:
    """One tool call as Qwen3's chat template writes it."""
    return "<tool_call>\n" + (payload if isinstance(payload, str) else json.dumps(payload)) + "\n</tool_call>"


def fc(*calls: tuple[str, dict]) -> str:
    return "\n".join(block({"name": name, "arguments": arguments}) for name, arguments in calls)


TRI = ("calculate_triangle_area", {"base": 10, "height": 5})
TRI_JSON = json.dumps({"name": TRI[0], "arguments": TRI[1]})
TAYLOR, MAROON = ("spotify.play", {"artist": "Taylor Swift", "duration": 20}), \
    ("spotify.play", {"artist": "Maroon 5", "duration": 15})
LA = ("waste.calculate", {"population": {"adults": 2, "children": 2}, "location": "LA"})
NYC = ("waste.calculate", {"population": {"adults": 1}, "location": "NYC"})
PARIS, ROME = ("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})
THOUGHT = "<think>\nThe user wants a call; the function is listed in <tools>.\n</think>\n\n"

# (doc, response, lenient verdict where it differs from the official one)
CASES: list[tuple[str, str, bool | None]] = [
    # --- the forms the issue names: Python-form calls, tags without newlines, string arguments, fences, <think> ----
    ("simple_0", "[calculate_triangle_area(base=10, height=5)]", True),
    ("simple_0", "calculate_triangle_area(base=10, height=5)", True),
    ("simple_0", "```python\n[calculate_triangle_area(base=10, height=5)]\n```", True),
    ("simple_0", "```\ncalculate_triangle_area(base=10, height=5, unit='units')\n```", True),
    ("parallel_0", "[spotify.play(artist='Taylor Swift', duration=20), spotify.play(artist='Maroon 5', duration=15)]",
     True),
    ("live_parallel_0-0-0", "[get_weather(city='Rome'), get_weather(city='Paris')]", True),
    ("simple_2", "[get_weather(city='San' + 'Francisco')]", None),
    ("simple_2", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"San\" + \"Francisco\"}}\n"
                 "</tool_call>", None),
    ("simple_0", f"<tool_call>{TRI_JSON}</tool_call>", True),
    ("simple_0", f"<tool_call> {TRI_JSON} </tool_call>", True),
    ("simple_0", f"<tool_call>\n{TRI_JSON}</tool_call>", True),
    ("simple_0", f"<tool_call>{TRI_JSON}\n</tool_call>", True),
    ("parallel_0", "".join(f"<tool_call>{json.dumps({'name': n, 'arguments': a})}</tool_call>"
                           for n, a in (TAYLOR, MAROON)), True),
    ("simple_0", block({"name": TRI[0], "arguments": json.dumps(TRI[1])}), True),
    ("multiple_0", block({"name": TAYLOR[0], "arguments": json.dumps(TAYLOR[1])}), True),
    ("simple_0", f"```json\n{block(json.loads(TRI_JSON))}\n```", None),
    ("simple_0", f"```json\n{TRI_JSON}\n```", None),
    ("simple_0", "<think>\nI should call the area function." + "\n" + fc(TRI), False),
    ("simple_0", "<think>\nbase 10, height 5, so I call it.\n\n" + fc(TRI) + "\n", False),
    ("simple_0", "<think>\nStill thinking about which function", None),
    ("parallel_0", "<think>\nTwo calls." + "\n" + fc(TAYLOR, MAROON), False),
    # --- thinking blocks ----------------------------------------------------------------------------------------------
    ("simple_0", THOUGHT + fc(TRI), None),
    ("simple_0", "Let me think.\n</think>\n\n" + fc(TRI), None),
    ("simple_0", "<think>\n" + fc(("calculate_triangle_area", {"base": 1, "height": 1})) + "\n</think>\n\n" + fc(TRI),
     None),
    ("simple_0", "<think>\n" + fc(TRI) + "\n</think>\n\nI will compute it for you.", None),
    ("simple_0", "<think>a</think>\n<think>b</think>\n" + fc(TRI), None),
    ("simple_0", "<THINK>\n" + fc(("calculate_triangle_area", {"base": 1, "height": 1})) + "\n</THINK>\n" + fc(TRI),
     True),
    ("live_simple_0-0-0", block({"name": "create_ticket", "arguments": {"title": "Login </think> fails",
                                                                        "priority": "high"}}), None),
    ("simple_0", THOUGHT + "\n\n\n" + fc(TRI), None),
    ("multiple_0", THOUGHT + fc(TAYLOR), None),
    ("parallel_0", THOUGHT + fc(MAROON, TAYLOR), None),
    # --- layout of the tags -------------------------------------------------------------------------------------------
    ("simple_0", fc(TRI), None),
    ("simple_0", fc(TRI) + "\n", None),
    ("simple_0", "\n\n" + fc(TRI), None),
    ("simple_0", f"<tool_call>\n\n{TRI_JSON}\n\n</tool_call>", None),
    ("simple_0", f"<tool_call>\n  {TRI_JSON}  \n</tool_call>", None),
    ("simple_0", f"<tool_call>\r\n{TRI_JSON}\r\n</tool_call>", True),
    ("simple_0", f"<tool_call>\n{json.dumps(json.loads(TRI_JSON), indent=2)}\n</tool_call>", None),
    ("simple_0", f"<TOOL_CALL>\n{TRI_JSON}\n</TOOL_CALL>", None),
    ("simple_0", f"<tool_call>\n{TRI_JSON}\n", None),
    ("simple_0", f"<tool_call>\n<tool_call>\n{TRI_JSON}\n</tool_call>", None),
    ("simple_0", f"```\n{fc(TRI)}\n```", None),
    ("parallel_0", block({"name": TAYLOR[0], "arguments": TAYLOR[1]}) + block({"name": MAROON[0],
                                                                              "arguments": MAROON[1]}), None),
    ("parallel_0", f"<tool_call>\n{json.dumps({'name': TAYLOR[0], 'arguments': TAYLOR[1]})}</tool_call>\n"
                   + block({"name": MAROON[0], "arguments": MAROON[1]}), True),
    ("parallel_0", "<tool_call>\n" + json.dumps({"name": TAYLOR[0], "arguments": TAYLOR[1]}) + "\n"
     + json.dumps({"name": MAROON[0], "arguments": MAROON[1]}) + "\n</tool_call>", None),
    # --- prose around the calls ---------------------------------------------------------------------------------------
    ("simple_0", "Sure, here is the call:\n" + fc(TRI) + "\nThe area will be 25.", None),
    ("simple_0", "I'll call calculate_triangle_area." + fc(TRI), None),
    ("simple_0", "The area is 25 square units.", None),
    ("simple_0", "", None),
    ("simple_0", "I cannot call any function for this.", None),
    ("multiple_0", "Playing now: " + fc(TAYLOR) + " Enjoy!", None),
    # --- malformed JSON and odd shapes --------------------------------------------------------------------------------
    ("simple_0", block('{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}'), None),
    ("simple_0", block("{'name': 'calculate_triangle_area', 'arguments': {'base': 10, 'height': 5}}"), None),
    ("simple_0", block('{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5,}}'), None),
    ("simple_0", block(TRI_JSON + " extra"), None),
    ("simple_0", block("not json") + "\n" + fc(TRI), None),
    ("simple_0", block("[" * 3000) + "\n" + fc(TRI), None),  # too deep for the JSON parser: skipped
    ("simple_0", block('"just a string"') + "\n" + fc(TRI), True),
    ("simple_0", block("42") + "\n" + fc(TRI), True),
    ("simple_0", block("null") + "\n" + fc(TRI), True),
    ("simple_0", block([json.loads(TRI_JSON)]), None),
    ("parallel_0", block([{"name": n, "arguments": a} for n, a in (TAYLOR, MAROON)]), None),
    ("simple_0", block({"name": TRI[0], "parameters": TRI[1]}), None),
    ("simple_0", block({"function": TRI[0], "arguments": TRI[1]}), None),
    ("simple_0", block({"name": TRI[0]}), None),
    ("simple_0", block({"name": TRI[0], "arguments": None}), None),
    ("simple_0", block({"name": TRI[0], "arguments": [10, 5]}), None),
    ("simple_0", block({"name": TRI[0], "arguments": {}}), None),
    ("simple_0", block({"name": 5, "arguments": TRI[1]}), None),
    ("simple_0", block({"name": [TRI[0]], "arguments": TRI[1]}), None),
    ("simple_0", block({"name": {"n": TRI[0]}, "arguments": TRI[1]}) + "\n" + fc(TRI), True),
    ("simple_0", block({"name": TRI[0], "arguments": "{\"base\": 10, \"height\": 5"}), None),
    ("simple_0", block({"name": TRI[0], "arguments": json.dumps(TRI[1])}) + "\n" + fc(TRI), None),
    ("simple_0", block('{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}, '
                       '"name": "calculate_area"}'), None),
    ("simple_0", block('{"name": "calculate_triangle_area", "arguments": {"base": 3, "height": 5, "base": 10}}'), None),
    ("simple_0", block({"name": TRI[0], "arguments": TRI[1], "id": "call_1"}), None),
    ("simple_1", block('{"name": "finance.compound_interest", "arguments": {"principal": 1000, "rate": NaN, '
                       '"years": 3}}'), None),
    ("simple_1", block('{"name": "finance.compound_interest", "arguments": {"principal": 1e400, "rate": 0.05, '
                       '"years": 3}}'), None),
    # --- types ----------------------------------------------------------------------------------------------------
    ("simple_0", fc(("calculate_triangle_area", {"base": "10", "height": 5})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10.0, "height": 5})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": True, "height": 5})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": None, "height": 5})), None),
    ("simple_1", fc(("finance.compound_interest", {"principal": 1000, "rate": 0.05, "years": 3})), None),
    ("simple_1", fc(("finance.compound_interest", {"principal": 1000.0, "rate": 0.05, "years": 3})), None),
    ("simple_1", fc(("finance.compound_interest", {"principal": 1000.0, "rate": 5, "years": 3})), None),
    ("simple_1", fc(("finance.compound_interest", {"principal": 1000.0, "rate": 0.05, "years": 3.0})), None),
    ("simple_1", fc(("finance.compound_interest", {"principal": "1000", "rate": 0.05, "years": 3})), None),
    ("simple_1", fc(("finance.compound_interest", {"principal": False, "rate": 0.05, "years": 3})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "enabled": True, "window": [6, 8]})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "7:30"})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "enabled": "true"})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "enabled": 1})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "enabled": False})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "window": [8, 6]})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "window": [6.0, 8.0]})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "window": ["6", "8"]})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "label": "Wake-Up"})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "label": 7})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "0730"})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": 730})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"enabled": True})), None),
    # --- strings and lists --------------------------------------------------------------------------------------------
    ("simple_2", fc(("get_weather", {"city": "san francisco"})), None),
    ("simple_2", fc(("get_weather", {"city": "San-Francisco"})), None),
    ("simple_2", fc(("get_weather", {"city": "S.F."})), None),
    ("simple_2", fc(("get_weather", {"city": "San Francisco, California"})), None),
    ("simple_2", fc(("get_weather", {"city": "San Francisco", "days": [1, 2]})), None),
    ("simple_2", fc(("get_weather", {"city": "San Francisco", "days": [2, 1]})), None),
    ("simple_2", fc(("get_weather", {"city": "San Francisco", "days": []})), None),
    ("simple_2", fc(("get_weather", {"city": "San Francisco", "days": [1, "2"]})), None),
    ("simple_2", fc(("get_weather", {"city": "San Francisco", "days": 2})), None),
    ("simple_2", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"San Fr\\u0061ncisco\"}}\n"
                 "</tool_call>", None),
    ("live_simple_0-0-0", fc(("create_ticket", {"title": "login fails", "priority": "High"})), None),
    ("live_simple_0-0-0", fc(("create_ticket", {"title": "Login fails", "priority": "high", "tags": []})), None),
    ("live_simple_0-0-0", fc(("create_ticket", {"title": "Login fails", "priority": "high", "tags": ["x"]})), None),
    ("live_simple_0-0-0", fc(("create_ticket", {"title": "Login fails"})), None),
    ("live_simple_0-0-0", fc(("create_ticket", {"title": "Login 'fails'", "priority": "high"})), None),
    ("live_multiple_0-0-0", fc(("create_ticket", {"title": "VPN down", "tags": ["Network", "VPN"]})), None),
    ("live_multiple_0-0-0", fc(("create_ticket", {"title": "VPN down", "tags": ["vpn"]})), None),
    ("live_multiple_0-0-0", fc(("create_ticket", {"title": "VPN down", "tags": ["vpn", "network"],
                                                  "priority": "low"})), None),
    ("live_multiple_0-0-0", fc(("get_weather", {"city": "VPN down"})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10, "height": 5, "unit": ""})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10, "height": 5, "unit": "Units."})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10, "height": 5, "unit": None})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10, "height": 5, "unit": 3})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "label": {"text": "wake up"}})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "label": "wake_up"})), None),
    ("live_simple_1-1-0", fc(("clock.set_alarm", {"time": "07:30", "window": []})), None),
    ("live_simple_0-0-0", fc(("create_ticket", {"title": "Login fails", "priority": "high", "tags": [1]})), None),
    ("live_simple_0-0-0", fc(("create_ticket", {"title": "Login fails", "priority": None})), None),
    ("parallel_1", fc(("waste.calculate", {"population": [{"adults": 1}], "location": "NYC"}), LA), None),
    ("parallel_1", fc(("waste.calculate", {"population": {"adults": "1"}, "location": "NYC"}), LA), None),
    ("parallel_1", fc(("waste.calculate", {"population": {"adults": 1.0}, "location": "NYC"}), LA), None),
    # --- missing and unexpected parameters ----------------------------------------------------------------------------
    ("simple_0", fc(("calculate_triangle_area", {"base": 10, "height": 5, "unit": "units"})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10, "height": 5, "unit": "cm"})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10})), None),
    ("simple_0", fc(("calculate_triangle_area", {"base": 10, "height": 5, "color": "red"})), None),
    ("simple_0", fc(("calculate_area", {"base": 10, "height": 5})), None),
    ("simple_0", fc(TRI, TRI), None),
    # --- nested arguments ---------------------------------------------------------------------------------------------
    ("simple_3", fc(("shop.order", {"items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}]})), None),
    ("simple_3", fc(("shop.order", {"items": [{"sku": "a1", "qty": 2}, {"sku": "B2"}], "express": False})), None),
    ("simple_3", fc(("shop.order", {"items": [{"sku": "B2", "qty": 1}, {"sku": "A1", "qty": 2}]})), None),
    ("simple_3", fc(("shop.order", {"items": [{"sku": "A1", "qty": 2}]})), None),
    ("simple_3", fc(("shop.order", {"items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1, "gift": True}]})),
     None),
    ("simple_3", fc(("shop.order", {"items": [{"sku": "A1", "qty": "2"}, {"sku": "B2", "qty": 1}]})), None),
    ("simple_3", fc(("shop.order", {"items": {"sku": "A1", "qty": 2}})), None),
    ("simple_3", fc(("shop.order", {"items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}], "express": 0})),
     None),
    # --- multiple: choosing the function ------------------------------------------------------------------------------
    ("multiple_0", fc(TAYLOR), None),
    ("multiple_0", fc(("spotify_play", TAYLOR[1])), None),
    ("multiple_0", fc(("calculate_triangle_area", {"base": 20, "height": 20})), None),
    ("multiple_0", fc(TAYLOR, ("get_weather", {"city": "Paris"})), None),
    ("multiple_0", fc(("spotify.play", {"artist": "taylor swift", "duration": 20})), None),
    ("multiple_0", fc(("spotify.play", {"artist": "Taylor Swift", "duration": "20 minutes"})), None),
    # --- parallel calls -----------------------------------------------------------------------------------------------
    ("parallel_0", fc(TAYLOR, MAROON), None),
    ("parallel_0", fc(MAROON, TAYLOR), None),
    ("parallel_0", fc(TAYLOR), None),
    ("parallel_0", fc(TAYLOR, TAYLOR), None),
    ("parallel_0", fc(TAYLOR, MAROON, MAROON), None),
    ("parallel_0", fc(TAYLOR) + "\nAnd the second one:\n" + fc(MAROON), None),
    ("parallel_1", fc(NYC, LA), None),
    ("parallel_1", fc(("waste.calculate", {"population": {"adults": 1, "children": 0}, "location": "nyc"}), LA), None),
    ("parallel_1", fc(("waste.calculate", {"population": {"adults": 1, "pets": 1}, "location": "NYC"}), LA), None),
    ("parallel_1", fc(NYC, ("waste.calculate", {"population": {"adults": 2}, "location": "LA"})), None),
    ("parallel_1", fc(NYC, ("waste.calculate", {"population": {"adults": 2, "children": 2},
                                                "location": "Los Angeles"})), None),
    ("live_parallel_0-0-0", fc(PARIS, ROME), None),
    ("live_parallel_0-0-0", fc(ROME, PARIS), None),
    ("live_parallel_0-0-0", fc(PARIS, ("get_weather", {"city": "Rome", "days": [1]})), None),
    ("live_parallel_0-0-0", fc(PARIS), None),
    ("live_parallel_0-0-0", THOUGHT + fc(PARIS) + "\n" + block("oops") + "\n" + fc(ROME), None),
]


# ---------------------------------------------------------------------------------------------------------------------
# The official verdicts.
# ---------------------------------------------------------------------------------------------------------------------


def official_verdict(handler, case_id: str, doc: tuple, response: str) -> dict:
    from bfcl_eval.constants.enums import Language, ReturnFormat
    from bfcl_eval.eval_checker.eval_runner import _evaluate_single_ast_entry

    category, question, functions, truth = doc
    completion = SimpleNamespace(choices=[SimpleNamespace(text=response)],
                                 usage=SimpleNamespace(prompt_tokens=0, completion_tokens=0))
    result = handler._parse_query_response_prompting(completion)["model_responses"]
    prompt_entry = {"id": case_id, "question": question, "function": functions}
    verdict = _evaluate_single_ast_entry(handler, case_id, result, truth, prompt_entry, MODEL.replace("/", "_"),
                                         category, language=Language.PYTHON, return_format=ReturnFormat.PYTHON)
    return {"official": verdict["valid"], "error_type": verdict.get("error_type")}


def official_prompt(handler, doc: tuple) -> str:
    """The prompt text BFCL's Qwen FC handler sends for the document: the function documents with its Python hint
    (`_func_doc_language_specific_pre_processing`, bfcl_eval/utils.py), then `QwenFCHandler._format_prompt`."""
    from bfcl_eval.utils import _func_doc_language_specific_pre_processing

    category, question, functions, _ = doc
    hinted = _func_doc_language_specific_pre_processing(copy.deepcopy(functions), category)
    return handler._format_prompt(copy.deepcopy(question[0]), hinted)


def summary(verdicts: list[dict]) -> dict:
    """Category accuracies, then the project's sections with BFCL's own unweighted/weighted helpers."""
    from bfcl_eval.eval_checker.eval_runner_helper import calculate_unweighted_accuracy, calculate_weighted_accuracy

    scores = {}
    for category in ("simple", "multiple", "parallel", "live_simple", "live_multiple", "live_parallel"):
        valid = [v["official"] for v in verdicts if DOCS[v["doc"]][0] == category]
        scores[category] = {"accuracy": sum(valid) / len(valid), "total_count": len(valid),
                            "display_accuracy": sum(valid) / len(valid)}
    non_live = calculate_unweighted_accuracy([scores[c] for c in ("simple", "multiple", "parallel")])
    live = calculate_weighted_accuracy([scores[c] for c in ("live_simple", "live_multiple", "live_parallel")])
    overall = calculate_unweighted_accuracy([non_live, live])
    return {"accuracy": overall["accuracy"], "non_live": non_live["accuracy"], "live": live["accuracy"],
            **{category: score["accuracy"] for category, score in scores.items()}}


def main() -> None:
    from bfcl_eval.constants.model_config import MODEL_CONFIG_MAPPING

    config = MODEL_CONFIG_MAPPING[MODEL]
    handler = config.model_handler(model_name=config.model_name, temperature=0.001, registry_name=MODEL,
                                   is_fc_model=config.is_fc_model)
    verdicts = []
    for number, (doc_id, response, lenient) in enumerate(CASES):
        case_id = f"{number:03d}-{doc_id}"
        verdict = {"id": case_id, "doc": doc_id, "response": response,
                   **official_verdict(handler, case_id, DOCS[doc_id], response)}
        if lenient is not None:
            verdict["lenient"] = lenient
        verdicts.append(verdict)
    record = {
        "package": "bfcl-eval", "version": importlib.metadata.version("bfcl-eval"),
        "model": MODEL, "handler": f"{type(handler).__module__}.{type(handler).__name__}",
        "underscore_to_dot": config.underscore_to_dot,
        "scored_with": "QwenFCHandler._parse_query_response_prompting, then eval_runner._evaluate_single_ast_entry "
                       "(decode_ast, is_function_calling_format_output, ast_checker; Language.PYTHON)",
        "docs": {doc_id: {"category": c, "question": q, "function": f, "ground_truth": t,
                          "prompt": official_prompt(handler, (c, q, f, t))}
                 for doc_id, (c, q, f, t) in DOCS.items()},
        "summary": summary(verdicts),
        "cases": verdicts,
    }
    OUTPUT.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    correct = sum(v["official"] for v in verdicts)
    print(f"{len(verdicts)} cases, {correct} correct officially; wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
