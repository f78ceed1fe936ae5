"""The LiveBench benchmark: the release and its categories, the dispatch of a question to its rule, loading and
aggregation."""

from __future__ import annotations

import importlib.util
import itertools
import re
from collections import defaultdict
from pathlib import Path
from typing import Callable

from eval import sandbox
from eval.base import Benchmark, Doc, EvalError, missing_message, parquet_rows, record_error
from eval.benchmarks.livebench.coding import _coding_question, score_coding
from eval.benchmarks.livebench import data_analysis, language, maths, reasoning
from eval.benchmarks.livebench.data_analysis import cta, table_formats, tablejoin, tablereformat
from eval.benchmarks.livebench.extraction import _literal
from eval.benchmarks.livebench.instruction_following import (_instruction_following_question,
                                                             score_instruction_following)
from eval.benchmarks.livebench.language import connections, connections_bold, plot_unscrambling, typos
from eval.benchmarks.livebench.maths import aime, amps_hard, math_contest, olympiad
from eval.benchmarks.livebench.reasoning import (house_traversal, spatial, web_of_lies_v2, web_of_lies_v3,
                                                 zebra_puzzle, zebra_puzzle_bold)
from eval.metrics import strip_think


RELEASE = "2024-11-25"
CATEGORIES = ("math", "reasoning", "data_analysis", "language", "coding", "instruction_following")
CODING_TASKS = ("LCB_generation", "coding_completion")
SUPPORTED_TASKS = ("math_comp (AMC, SMC, AIME subtasks)", "olympiad (IMO, USAMO subtasks)", "AMPS_Hard", "cta",
                   "tablejoin", "tablereformat", "web_of_lies_v2", "web_of_lies_v3", "house_traversal",
                   "zebra_puzzle", "spatial", "connections", "typos", "plot_unscrambling", *CODING_TASKS,
                   "any instruction_following task (paraphrase, simplify, story_generation, summarize)")
TABLE_FORMATS = ("json", "jsonl", "html", "csv", "markdown", "tsv")

RULES: dict[str, Callable[[str, str, str], tuple[str, float]]] = {
    "math_contest": math_contest, "aime": aime, "olympiad": olympiad, "amps_hard": amps_hard,
    "web_of_lies_v2": web_of_lies_v2, "web_of_lies_v3": web_of_lies_v3, "house_traversal": house_traversal,
    "zebra_puzzle": zebra_puzzle, "zebra_puzzle_bold": zebra_puzzle_bold, "spatial": spatial,
    "cta": cta, "tablejoin": tablejoin,
    "tablereformat_v1": lambda gt, answer, question: tablereformat(gt, answer, question, "v1"),
    "tablereformat_v2": lambda gt, answer, question: tablereformat(gt, answer, question, "v2"),
    "connections": connections, "connections_bold": connections_bold, "typos": typos,
    "plot_unscrambling": plot_unscrambling,
}
# `--scoring lenient`: the project's departures from LiveBench's rules, per rule (each category module's LENIENT);
# a rule absent here scores the same under both scorings
LENIENT_RULES: dict[str, Callable[[str, str, str], tuple[str, float]]] = {
    **maths.LENIENT, **reasoning.LENIENT, **data_analysis.LENIENT, **language.LENIENT}


def task_rule(task: str, subtask: str | None, release_date: str) -> str | None:
    """The rule that scores a question, as `gen_ground_truth_judgment.py` dispatches on the subtask (else the task)
    and, for zebra_puzzle, connections and tablereformat, on the question's release date; None if none applies."""
    key = subtask or task
    parts = key.split("_")
    if parts[0] in ("amc", "smc") or (len(parts) > 1 and parts[1] == "amc"):
        return "math_contest"
    if parts[0] == "aime":
        return "aime"
    if parts[0] in ("imo", "usamo"):
        return "olympiad"
    if key in ("cta", "tablejoin"):
        return key
    if key == "tablereformat":
        return "tablereformat_v2" if release_date >= "2025-04-25" else "tablereformat_v1"
    if "amps_hard" in key or "amps_hard" in task:
        return "amps_hard"
    if key in ("web_of_lies_v2", "web_of_lies_v3", "house_traversal", "spatial", "typos", "plot_unscrambling"):
        return key
    if "zebra_puzzle" in key:
        return "zebra_puzzle" if release_date >= "2024-11-25" else "zebra_puzzle_bold"
    if key == "connections":
        return "connections" if release_date >= "2024-11-25" else "connections_bold"
    return None


def _date(value) -> str:
    """A release/removal date as YYYY-MM-DD ("" for none): Parquet timestamps and strings alike."""
    if value is None:
        return ""
    return (value.isoformat() if hasattr(value, "isoformat") else str(value)).strip()[:10]


def _html_tables_readable() -> bool:
    return importlib.util.find_spec("lxml") is not None or (
        importlib.util.find_spec("bs4") is not None and importlib.util.find_spec("html5lib") is not None)


def _check_ground_truth(rule: str, ground_truth: str, question: str, path: Path, record: str) -> None:
    """Refuse a record its rule could not score, as LiveBench's scorer would fail on it."""
    def bad(problem):
        return record_error("livebench", path, record, problem)
    if rule == "math_contest" and not (len(ground_truth) == 1 and "A" <= ground_truth <= "E"):
        raise bad(f"field 'ground_truth': {ground_truth!r}; an AMC/SMC answer is one letter A-E")
    if rule == "olympiad" and not re.fullmatch(r"\s*\d+\s*(,\s*\d+\s*)*", ground_truth):
        raise bad(f"field 'ground_truth': {ground_truth[:60]!r}; expected comma-separated expression numbers")
    if rule == "tablejoin" and not isinstance(_literal(ground_truth), dict):
        raise bad("field 'ground_truth': not a Python dict literal of the column mapping")
    if rule.startswith("tablereformat"):
        version = rule.rsplit("_", 1)[1]
        try:
            target = table_formats(question, version)[1]
        except IndexError:
            raise bad("field 'turns': the question names no source/target table format") from None
        if target not in TABLE_FORMATS:
            raise bad(f"field 'turns': unknown target table format {target!r}; expected one of {TABLE_FORMATS}")
        if target == "html" and not _html_tables_readable():
            raise EvalError(f"benchmark 'livebench': {path}: record {record}: the answer is an HTML table, which "
                            "LiveBench reads with pandas.read_html; install lxml (pip install lxml) to score it")


def _question(row: dict, path: Path, category: str) -> tuple[dict, str] | None:
    """One question as (the scorer's document, the target), or None when it is not part of release `RELEASE`."""
    record = str(row.get("question_id") or "?")
    if not isinstance(row.get("question_id"), str) or not row["question_id"]:
        raise record_error("livebench", path, record, "field 'question_id': missing or empty")
    released, removed = _date(row.get("livebench_release_date")), _date(row.get("livebench_removal_date"))
    if not released:
        raise record_error("livebench", path, record, "field 'livebench_release_date': missing")
    if released > RELEASE or (removed and removed <= RELEASE):
        return None
    if row.get("category") != category:
        raise record_error("livebench", path, record,
                           f"field 'category': {row.get('category')!r} in the {category}/ folder")
    turns = row.get("turns")
    if not isinstance(turns, list) or len(turns) != 1 or not isinstance(turns[0], str) or not turns[0].strip():
        raise record_error("livebench", path, record, "field 'turns': expected one non-empty question turn")
    if not isinstance(row.get("task"), str) or not row["task"].strip():
        raise record_error("livebench", path, record, "field 'task': missing or empty")
    common = {"question_id": row["question_id"], "category": category, "task": row["task"],
              "release_date": released, "question": turns[0]}
    if category == "instruction_following":
        fields, target = _instruction_following_question(row, path, record)
        return {**common, "subtask": None, "rule": "instruction_following", **fields}, target
    subtask = row.get("subtask") or None
    if category == "coding":
        rule = "coding" if row["task"] in CODING_TASKS else None
    else:
        rule = task_rule(row["task"], subtask, released)
    if rule is None:
        raise EvalError(f"benchmark 'livebench': {path}: record {record}: task {subtask or row['task']!r} "
                        f"(release {released}) has no rule-based scorer here; supported: {', '.join(SUPPORTED_TASKS)}")
    if rule == "coding":
        fields, target = _coding_question(row, path, record)
        return {**common, "subtask": subtask, "rule": rule, **fields}, target
    if not isinstance(row.get("ground_truth"), str) or not row["ground_truth"].strip():
        raise record_error("livebench", path, record, "field 'ground_truth': missing or empty")
    _check_ground_truth(rule, row["ground_truth"], turns[0], path, record)
    return {**common, "subtask": subtask, "rule": rule, "ground_truth": row["ground_truth"]}, row["ground_truth"]


def _category_files(data_dir: Path, category: str) -> list[Path]:
    return sorted((data_dir / "livebench" / category / "data").glob("test-*.parquet"))


def _livebench_files(data_dir: Path) -> list[Path]:
    return [path for category in CATEGORIES for path in _category_files(data_dir, category)]


def _livebench_docs(data_dir: Path):
    for category in CATEGORIES:
        for path in _category_files(data_dir, category):
            for row in parquet_rows(path):
                question = _question(row, path, category)
                if question is not None:
                    document, target = question
                    yield Doc(document["question_id"], [{"role": "user", "content": document["question"]}], target,
                              document)


def load_livebench(data_dir: Path, limit: int | None) -> list[Doc]:
    if not all(_category_files(data_dir, category) for category in CATEGORIES):
        raise EvalError(missing_message(LIVEBENCH, data_dir))
    docs = list(itertools.islice(_livebench_docs(data_dir), limit))
    if any(doc.document["rule"] == "coding" for doc in docs):
        sandbox.isolation()  # a machine that cannot run untrusted code safely says so now, before any generation
    return docs


def _score(response: str, doc: Doc, lenient: bool) -> tuple[str, dict[str, float]]:
    document, answer = doc.document, strip_think(response)
    if document["rule"] == "coding":
        extracted, value = score_coding(answer, document, lenient=lenient)
    elif document["rule"] == "instruction_following":
        extracted, value = score_instruction_following(answer.strip(), document)  # LiveBench strips the answer
    else:
        rule = (LENIENT_RULES if lenient else RULES).get(document["rule"], RULES[document["rule"]])
        extracted, value = rule(document["ground_truth"], answer, document["question"])
    return extracted, {"score": float(value)}


def score_livebench(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """The question's LiveBench rule (:func:`task_rule`, :data:`RULES`, or the coding and instruction_following
    scorers) on the response after `<think>` removal, a score in [0, 1] (partial credit for olympiad, zebra_puzzle,
    web_of_lies_v3, tablejoin, connections, plot_unscrambling and instruction_following)."""
    return _score(response, doc, lenient=False)


def score_livebench_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """``--scoring lenient``: the project's departures (:data:`LENIENT_RULES`, coding's earlier rule) where it keeps
    one."""
    return _score(response, doc, lenient=True)


def aggregate_livebench(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """LiveBench's summary: task = mean over its questions, category = mean over its tasks, `average` = mean over
    the categories present (all six on a full run); every category and every task (`category/task`) is reported
    too."""
    by_task: dict[tuple[str, str], list[float]] = defaultdict(list)
    for doc, score in zip(docs, scores):
        by_task[(doc.document["category"], doc.document["task"])].append(score["score"])
    tasks = {key: sum(values) / len(values) for key, values in sorted(by_task.items())}
    by_category: dict[str, list[float]] = defaultdict(list)
    for (category, _), value in tasks.items():
        by_category[category].append(value)
    categories = {c: sum(by_category[c]) / len(by_category[c]) for c in CATEGORIES if c in by_category}
    return {"average": sum(categories.values()) / len(categories), **categories,
            **{f"{category}/{task}": value for (category, task), value in tasks.items()}}


LIVEBENCH = Benchmark(
    "livebench", ("average",) + CATEGORIES,
    layout="livebench/{math,reasoning,data_analysis,language,coding,instruction_following}/data/test-*.parquet "
           "(each the Hugging Face dataset livebench/<category> as downloaded)",
    source="https://huggingface.co/datasets/livebench (for each category: huggingface-cli download --repo-type "
           "dataset livebench/<category> --local-dir DATA_DIR/livebench/<category>)",
    load=load_livebench, score=score_livebench, lenient=score_livebench_lenient, files=_livebench_files,
    aggregate=aggregate_livebench,
    max_new_tokens=4096, version=2)

BENCHMARKS = [LIVEBENCH]
