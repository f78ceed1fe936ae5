"""BFCL v3, the Berkeley Function Calling Leaderboard (Yan et al. 2024), single-turn AST categories: `bfcl`.

Data: the Hugging Face dataset `gorilla-llm/Berkeley-Function-Calling-Leaderboard` as downloaded: one JSON object
per line in ``BFCL_v3_<category>.json`` ({id, question: [[messages of the one turn]], function: [schemas]}) and the
answers in ``possible_answer/BFCL_v3_<category>.json`` ({id, ground_truth: [{function name: {parameter: [allowed
values]}}]}; ``""`` among the allowed values marks an optional parameter). Categories: simple, multiple, parallel
(non-live) and live_simple, live_multiple, live_parallel (live). `limit` keeps the first N questions, in the category order above.

Prompt: Qwen3's function-calling (FC) format, as BFCL's Qwen FC handler renders it: the schemas, each description
ending with BFCL's " Note that the provided function is in Python 3 syntax.", go into the system message in the
``# Tools`` / ``<tools>`` section of Qwen3's chat template (after the question's own system message, if any), which
asks for ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``. The Qwen3 report evaluates BFCL in FC format.

Decoding, official (the default): exactly what the leaderboard does for a locally served Qwen3 model in FC mode
(``Qwen/Qwen3-8B-FC`` in bfcl_eval/constants/model_config.py: `QwenFCHandler`, bfcl-eval 2026.3.23), the handler our
prompt corresponds to (its `_format_prompt` renders the same system message; BFCL's prompting-mode `QwenHandler`
instead asks, in its own system prompt without a ``# Tools`` section, for ``[func(a=1)]``, which this prompt never
does): the text after the last ``</think>`` (case-sensitive; all of it when there is none, an unclosed ``<think>``
included), then every ``<tool_call>\\n...\\n</tool_call>`` block (the newlines required) parsed as JSON, unparsable
blocks skipped; the response fails to decode when a parsed block is not an object, or an object lacks ``name`` or
an object ``arguments`` (a JSON string of arguments fails). See `decode_qwen_fc`.

Decoding, lenient (``--scoring lenient``, the project's forgiving decoder, `decode_lenient`): after `strip_think`
(which also drops everything from an unclosed ``<think>``), every ``<tool_call>...</tool_call>`` block with or
without newlines holding a JSON object with a ``name`` and ``arguments`` (an object, or a JSON string of one), other
blocks skipped; with no such block, BFCL's prompting form ``[func(a=1), mod.func2(b="x")]`` (optionally in a code
fence), parsed with `ast` and never evaluated: literals, lists, tuples, dicts, ``-x``, arithmetic on numbers, bare
names as strings (a variable), calls without keywords as their source text, calls with keywords as nested calls. It
scores weaker models (distilled students above all) higher than the leaderboard does.

Scoring: BFCL's AST checker (bfcl_eval/eval_checker/ast_eval/ast_checker.py), Python rules:

- simple: exactly one call; multiple: exactly one call, of the function the answer names (choosing the right one
  among several); parallel: as many calls as answers, each answer matched by a distinct call in any order.
- a call: the right function name; every required parameter present; no parameter outside the schema or the
  answer; each value of the schema's type (string, integer, float, boolean, array, tuple, dict, any; exact types, an
  int is accepted for a float, a tuple for a tuple; array items checked one level deep); a value of another type
  that matches the answer's type counts as a variable name; strings compared after removing spaces and ``,./-_*^``,
  lower-casing and turning ``'`` into ``"``; lists element-wise the same way; dicts key by key against each allowed
  dict; other values by ``in``; every parameter the answer lists without ``""`` present.

Metrics: one per category (its accuracy), ``non_live`` = the unweighted mean of simple, multiple and parallel,
``live`` = the mean of live_simple, live_multiple and live_parallel weighted by their sample counts (BFCL's summary
rules for its non-live and live AST sections), and ``accuracy`` = the unweighted mean of ``non_live`` and ``live``
(BFCL's overall averages its sections unweighted). These six categories are a subset of BFCL v3 (no
parallel_multiple, irrelevance, relevance, Java/JavaScript, executable or multi-turn), so ``accuracy`` is not the
leaderboard's overall number.
"""

from __future__ import annotations

import ast
import copy
import json
import operator
import re
from pathlib import Path

from eval.base import Benchmark, Doc, EvalError, jsonl_records, record_error, require
from eval.metrics import strip_think

NON_LIVE = ("simple", "multiple", "parallel")
LIVE = ("live_simple", "live_multiple", "live_parallel")
CATEGORIES = NON_LIVE + LIVE
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."
SOURCE = "https://huggingface.co/datasets/gorilla-llm/Berkeley-Function-Calling-Leaderboard"
LAYOUT = ("bfcl/ (huggingface-cli download --repo-type dataset gorilla-llm/Berkeley-Function-Calling-Leaderboard "
          "--local-dir DATA_DIR/bfcl): " + ", ".join(f"BFCL_v3_{c}.json" for c in CATEGORIES)
          + " and possible_answer/ with the same file names")

# The tools section of Qwen3's chat template (what `apply_chat_template(..., tools=...)` renders).
TOOLS_HEADER = ("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                "You are provided with function signatures within <tools></tools> XML tags:\n<tools>")
TOOLS_FOOTER = ("\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
                "<tool_call></tool_call> XML tags:\n<tool_call>\n"
                '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>')


def question_file(data_dir: Path, category: str) -> Path:
    return data_dir / "bfcl" / f"BFCL_v3_{category}.json"


def answer_file(data_dir: Path, category: str) -> Path:
    return data_dir / "bfcl" / "possible_answer" / f"BFCL_v3_{category}.json"


# ---------------------------------------------------------------------------------------------------------------------
# Loading.
# ---------------------------------------------------------------------------------------------------------------------


def _json_lines(path: Path):
    for line_number, record in jsonl_records("bfcl", path):
        if not isinstance(record.get("id"), str):
            raise record_error("bfcl", path, f"line {line_number}", "field 'id': missing; not a BFCL record")
        yield record


def _check_functions(functions, path: Path, record_id: str) -> None:
    def bad(problem: str) -> EvalError:
        return record_error("bfcl", path, record_id, f"field 'function': {problem}; re-download the file")

    if not isinstance(functions, list) or not functions:
        raise bad("not a non-empty list of function schemas")
    for function in functions:
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise bad("a schema without a 'name'")
        parameters = function.get("parameters")
        if not isinstance(parameters, dict) or not isinstance(parameters.get("properties"), dict):
            raise bad(f"'{function['name']}' has no 'parameters.properties' object")
        if not isinstance(parameters.get("required", []), list):
            raise bad(f"'{function['name']}': 'parameters.required' is not a list")


def _check_answer(answer: dict, functions: list, category: str, path: Path) -> list[dict]:
    truth = answer.get("ground_truth")
    names = {f["name"] for f in functions}
    if not isinstance(truth, list) or not truth or not all(
            isinstance(call, dict) and len(call) == 1 and isinstance(next(iter(call.values())), dict)
            and all(isinstance(v, list) for v in next(iter(call.values())).values()) for call in truth):
        raise record_error("bfcl", path, answer["id"], "field 'ground_truth': not a list of {function: {parameter: "
                                                       "[allowed values]}}; re-download the file")
    unknown = [name for call in truth for name in call if name not in names]
    if unknown:
        raise record_error("bfcl", path, answer["id"], f"field 'ground_truth': function(s) {unknown} are not among "
                                                       "the question's functions; re-download the file")
    if category.endswith("simple") and len(truth) != 1:
        raise record_error("bfcl", path, answer["id"], "field 'ground_truth': a simple question has one call")
    return truth


def _turn(question, path: Path, record_id: str) -> list[dict]:
    if not (isinstance(question, list) and len(question) == 1 and isinstance(question[0], list) and question[0]
            and all(isinstance(m, dict) and m.get("role") in ("system", "user") and isinstance(m.get("content"), str)
                    for m in question[0])):
        raise record_error("bfcl", path, record_id, "field 'question': not one turn of {role: system|user, content: "
                                                    "str} messages; re-download the file")
    return question[0]


def with_python_hint(functions: list[dict]) -> list[dict]:
    """BFCL's pre-processing of function documents for Python categories."""
    hinted = copy.deepcopy(functions)
    for function in hinted:
        function["description"] = function.get("description", "") + PYTHON_HINT
    return hinted


def prompt_messages(turn: list[dict], functions: list[dict]) -> list[dict]:
    """The question's messages with the tools section in the system message, as Qwen3's chat template renders tools."""
    system, messages = "", list(turn)
    if messages[0]["role"] == "system":
        system, messages = messages[0]["content"] + "\n\n", messages[1:]
    tools = "".join("\n" + json.dumps(function) for function in with_python_hint(functions))
    return [{"role": "system", "content": system + TOOLS_HEADER + tools + TOOLS_FOOTER},
            *({"role": m["role"], "content": m["content"]} for m in messages)]


def load_bfcl(data_dir: Path, limit: int | None) -> list[Doc]:
    paths = [p for c in CATEGORIES for p in (question_file(data_dir, c), answer_file(data_dir, c))]
    require(BFCL, data_dir, *paths)
    docs = []
    for category in CATEGORIES:
        questions_path, answers_path = question_file(data_dir, category), answer_file(data_dir, category)
        answers = {record["id"]: record for record in _json_lines(answers_path)}
        for record in _json_lines(questions_path):
            if limit is not None and len(docs) >= limit:
                return docs
            record_id = record["id"]
            turn = _turn(record.get("question"), questions_path, record_id)
            _check_functions(record.get("function"), questions_path, record_id)
            if record_id not in answers:
                raise record_error("bfcl", answers_path, record_id,
                                   f"no possible answer for this question of {questions_path.name}; re-download "
                                   "possible_answer/")
            truth = _check_answer(answers[record_id], record["function"], category, answers_path)
            document = {"id": record_id, "category": category, "functions": record["function"],
                        "ground_truth": truth}
            docs.append(Doc(record_id, prompt_messages(turn, record["function"]), json.dumps(truth), document))
    return docs


# ---------------------------------------------------------------------------------------------------------------------
# Decoding the response into calls: [{function name: {parameter: value}}].
# ---------------------------------------------------------------------------------------------------------------------

# Official: BFCL's QwenFCHandler (bfcl_eval/model_handler/local_inference/qwen_fc.py, bfcl-eval 2026.3.23).

_QWEN_FC_TOOL_CALL = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.DOTALL)


def qwen_fc_result(response: str) -> str:
    """What BFCL keeps of a Qwen completion as the model's result: the text after the last ``</think>`` (matched
    exactly, case-sensitive) with its leading newlines removed, or the whole response when there is no ``</think>``,
    an unclosed ``<think>`` and all (`QwenFCHandler._parse_query_response_prompting`)."""
    if "</think>" in response:
        return response.split("</think>")[-1].lstrip("\n")
    return response


def qwen_fc_blocks(result: str) -> list:
    """The JSON value of every ``<tool_call>\\n...\\n</tool_call>`` block, the newline after the opening tag and
    before the closing one required, shortest match first; a block that is not JSON is skipped
    (`QwenFCHandler._extract_tool_calls`)."""
    values = []
    for block in _QWEN_FC_TOOL_CALL.findall(result):
        try:
            values.append(json.loads(block))
        except (ValueError, RecursionError):  # BFCL skips a block on any exception
            continue
    return values


def decode_qwen_fc(response: str) -> list[dict] | None:
    """The calls BFCL decodes from a Qwen FC response, or None where its decoder fails (`QwenFCHandler.decode_ast`):
    every block must be a JSON object with a hashable ``name`` and an object ``arguments`` (a JSON string of arguments
    fails), else the whole response fails; no block at all decodes to no calls. Its output then always passes BFCL's
    format check (`is_function_calling_format_output`, bfcl_eval/utils.py)."""
    calls = []
    for value in qwen_fc_blocks(qwen_fc_result(response)):
        if type(value) is not dict or "name" not in value or type(value.get("arguments")) is not dict:
            return None
        if isinstance(value["name"], (dict, list)):  # unhashable: BFCL's dict of the call raises
            return None
        calls.append({value["name"]: dict(value["arguments"])})
    return calls


# Lenient: the project's forgiving decoder (`--scoring lenient`).

_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)
_FENCED = re.compile(r"```(?:python|py)?\s*(.*?)```", re.DOTALL)
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
               ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def _tool_calls(text: str) -> list[dict]:
    calls = []
    for block in _TOOL_CALL.findall(text):
        try:
            call = json.loads(block)
            arguments = call["arguments"]
            if isinstance(arguments, str):
                arguments = json.loads(arguments)
        except (ValueError, KeyError, TypeError, RecursionError):
            continue
        if isinstance(call.get("name"), str) and isinstance(arguments, dict):
            calls.append({call["name"]: arguments})
    return calls


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise ValueError("a call of something that is not a (dotted) name")
    return ".".join([node.id, *reversed(parts)])


def _value(node: ast.expr):
    """A parameter value from its syntax tree, never evaluated as code."""
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand)
        if not isinstance(operand, (int, float)) or isinstance(operand, bool):
            raise ValueError("a sign before something that is not a number")
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.List):
        return [_value(item) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(item) for item in node.elts)
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise ValueError("** inside a dict")
        return {_value(key): _value(value) for key, value in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _value(node.left), _value(node.right)
        numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (left, right))
        if not numbers or (isinstance(node.op, ast.Pow) and abs(right) > 64):
            raise ValueError("arithmetic on something other than small numbers")
        return _ARITHMETIC[type(node.op)](left, right)
    if isinstance(node, ast.Name):
        return node.id  # a variable: BFCL keeps its name
    if isinstance(node, ast.Call):
        if not node.keywords:
            return ast.unparse(node)
        return _call(node)
    raise ValueError(f"unsupported value {type(node).__name__}")


def _call(node: ast.Call) -> dict:
    if any(keyword.arg is None for keyword in node.keywords):
        raise ValueError("**kwargs in a call")
    return {_dotted(node.func): {keyword.arg: _value(keyword.value) for keyword in node.keywords}}


def _python_calls(text: str) -> list[dict] | None:
    text = text.strip()
    fenced = _FENCED.search(text)
    if fenced:
        text = fenced.group(1).strip()
    if not text.startswith("["):
        text = f"[{text}]"
    try:
        tree = ast.parse(text, mode="eval").body
        if not isinstance(tree, ast.List) or not all(isinstance(item, ast.Call) for item in tree.elts):
            return None
        return [_call(item) for item in tree.elts]
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, RecursionError, MemoryError):
        return None


def decode_lenient(response: str) -> list[dict] | None:
    """The calls in a response, forgivingly: after `strip_think`, <tool_call> blocks with or without newlines
    (``arguments`` may be a JSON string), else the python-call form; None when neither is there."""
    text = strip_think(response)
    if "<tool_call>" in text:
        return _tool_calls(text)
    return _python_calls(text)


# ---------------------------------------------------------------------------------------------------------------------
# BFCL's AST checker (Python rules). Each check returns None when valid, else the reason.
# ---------------------------------------------------------------------------------------------------------------------

TYPES = {"string": str, "integer": int, "float": float, "boolean": bool, "array": list, "tuple": list, "dict": dict,
         "any": str}
NESTED_TYPES = ("array", "tuple")


def standardize(text: str) -> str:
    """BFCL's string normalisation: no spaces or ``,./-_*^``, lower case, ``'`` as ``"``."""
    return re.sub(r"[ ,./\-_*^]", "", text).lower().replace("'", '"')


def _answer_type(allowed: list):
    return next((type(value) for value in allowed if value != ""), None)


def _type_ok(value, allowed: list, expected: type | None, nested: type | None) -> tuple[bool, bool]:
    """(valid, is_variable), BFCL's `type_checker`."""
    answer_type = _answer_type(allowed)
    is_variable = answer_type is not None and answer_type != expected
    if type(value) is expected:
        if nested is None:
            return True, is_variable
        for allowed_item in allowed:
            if type(allowed_item) is list and not all(_type_ok(item, allowed_item, nested, None)[0] for item in value):
                continue
            return True, is_variable
        return False, False
    if answer_type is not None and type(value) is answer_type:
        return True, True
    return False, False


def _standardized(value):
    return standardize(value) if type(value) is str else value


def _string_ok(value: str, allowed: list) -> bool:
    return standardize(value) in [standardize(a) for a in allowed if type(a) is str]


def _list_ok(value: list, allowed: list) -> bool:
    options = [[_standardized(item) for item in option] for option in allowed if isinstance(option, (list, str))]
    return [_standardized(item) for item in value] in options


def _dict_ok(value: dict, allowed: list) -> bool:
    for option in allowed:
        if option == "" or not isinstance(option, dict):
            continue
        if all(key in option and isinstance(option[key], list)
               and _standardized(item) in [_standardized(a) for a in option[key]] for key, item in value.items()) \
                and all(key in value or "" in values for key, values in option.items()):
            return True
    return False


def _list_of_dicts_ok(value: list, allowed: list) -> bool:
    for option in allowed:
        if not isinstance(option, (list, str)) or len(option) != len(value):
            continue
        pairs = zip(value, option, strict=True)
        if all(isinstance(item, dict) and _dict_ok(item, [expected]) for item, expected in pairs):
            return True
    return False


def check_call(function: dict, call: dict, answer: dict) -> str | None:
    """One call against one function schema and its answer {name: {parameter: [allowed]}} (BFCL's
    `simple_function_checker`)."""
    name = function["name"]
    allowed_parameters = next(iter(answer.values()))
    if name not in call:
        return f"wrong function: expected {name}, got {list(call)}"
    arguments = call[name]
    properties = function["parameters"]["properties"]
    for required in function["parameters"].get("required", []):
        if required not in arguments:
            return f"missing required parameter {required!r}"
    for parameter, value in arguments.items():
        if parameter not in properties or parameter not in allowed_parameters:
            return f"unexpected parameter {parameter!r}"
        allowed = allowed_parameters[parameter]
        kind = properties[parameter].get("type")
        expected = TYPES.get(kind)
        nested = TYPES.get((properties[parameter].get("items") or {}).get("type")) if kind in NESTED_TYPES else None
        if kind == "tuple" and type(value) is tuple:
            value = list(value)
        if kind == "float" and type(value) is int:
            value = float(value)
        is_variable = False
        if expected is not None:
            valid, is_variable = _type_ok(value, allowed, expected, nested)
            if not valid:
                return f"parameter {parameter!r}: {value!r} is not of type {kind}"
        if not is_variable and expected is dict:
            valid = _dict_ok(value, allowed)
        elif not is_variable and expected is list and nested is dict:
            valid = _list_of_dicts_ok(value, allowed)
        elif not is_variable and expected is str:
            valid = _string_ok(value, allowed)
        elif not is_variable and expected is list:
            valid = _list_ok(value, allowed)
        else:
            valid = value in allowed
        if not valid:
            return f"parameter {parameter!r}: {value!r} is not one of {allowed}"
    for parameter, allowed in allowed_parameters.items():
        if parameter not in arguments and "" not in allowed:
            return f"parameter {parameter!r} is not optional and was not given"
    return None


def _schema(functions: list[dict], name: str) -> dict:
    return next(function for function in functions if function["name"] == name)


def check(calls: list[dict], document: dict) -> str | None:
    """The calls against the question's answer, by its category's rule; None when correct, else the reason."""
    functions, truth, category = document["functions"], document["ground_truth"], document["category"]
    if len(calls) != len(truth):
        return f"wrong number of calls: {len(calls)}, expected {len(truth)}"
    if category.endswith("simple"):
        return check_call(functions[0], calls[0], truth[0])
    if category.endswith("multiple"):
        return check_call(_schema(functions, next(iter(truth[0]))), calls[0], truth[0])
    matched = set()
    for answer in truth:  # parallel: each answer needs its own call, in any order
        schema = _schema(functions, next(iter(answer)))
        found = next((i for i, call in enumerate(calls)
                      if i not in matched and check_call(schema, call, answer) is None), None)
        if found is None:
            return f"no call matches {answer}"
        matched.add(found)
    return None


def _scored(calls: list[dict] | None, doc: Doc) -> tuple[str, dict[str, float]]:
    correct = calls is not None and check(calls, doc.document) is None
    try:
        extracted = json.dumps(calls) if calls is not None else ""
    except (TypeError, ValueError):  # a dict with tuple keys, say: still shown
        extracted = repr(calls)
    return extracted, {"accuracy": float(correct), doc.document["category"]: float(correct)}


def score_bfcl(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Official: BFCL's Qwen FC decoding (`decode_qwen_fc`), then its AST checker."""
    return _scored(decode_qwen_fc(response), doc)


def score_bfcl_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Lenient: the project's forgiving decoding (`decode_lenient`), then the same AST checker."""
    return _scored(decode_lenient(response), doc)


def summarize_bfcl(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """Each category's accuracy; non_live unweighted over its categories, live weighted by sample counts (BFCL's
    section rules), accuracy the unweighted mean of the two sections."""
    per_category = {c: [s[c] for s in scores if c in s] for c in CATEGORIES}
    accuracy = {c: sum(v) / len(v) for c, v in per_category.items() if v}
    summary = {}
    non_live = [accuracy[c] for c in NON_LIVE if c in accuracy]
    if non_live:
        summary["non_live"] = sum(non_live) / len(non_live)
    live = [value for c in LIVE for value in per_category[c]]
    if live:
        summary["live"] = sum(live) / len(live)
    sections = [summary[s] for s in ("non_live", "live") if s in summary]
    if sections:
        summary = {"accuracy": sum(sections) / len(sections), **summary}
    return {**summary, **accuracy}


BFCL = Benchmark(
    "bfcl", ("accuracy", "non_live", "live", *CATEGORIES), layout=LAYOUT, source=SOURCE,
    load=load_bfcl, score=score_bfcl, lenient=score_bfcl_lenient,
    files=lambda data_dir: [p for c in CATEGORIES for p in (question_file(data_dir, c), answer_file(data_dir, c))],
    aggregate=summarize_bfcl, max_new_tokens=512, version=2)

BENCHMARKS = [BFCL]
