"""LiveBench's instruction_following category (process_results/instruction_following: strict IFEval results,
score_results)."""

from __future__ import annotations

import json
from pathlib import Path

from eval import ifeval
from eval.base import EvalError, record_error


def instruction_following_score(followed: list[bool]) -> float:
    """LiveBench's `score_results`: the mean of "all instructions followed" (0 or 1) and the fraction followed."""
    return (float(all(followed)) + sum(followed) / len(followed)) / 2


def score_instruction_following(answer: str, document: dict) -> tuple[str, float]:
    followed = ifeval.followed(answer, document["instruction_id_list"], document["kwargs"])
    verdicts = json.dumps([[instruction, verdict] for instruction, verdict in zip(document["instruction_id_list"],
                                                                                  followed)])
    return verdicts, instruction_following_score(followed)


def _instruction_following_question(row: dict, path: Path, record: str) -> tuple[dict, str]:
    """The instructions of a question with their checked arguments, and its target."""
    ids, kwargs = row.get("instruction_id_list"), row.get("kwargs")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise record_error("livebench", path, record, "field 'instruction_id_list': missing, empty or not strings")
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise record_error("livebench", path, record,
                           f"field 'kwargs': expected a list of {len(ids)} argument entries, one per instruction")
    arguments = []
    for index, (instruction, given) in enumerate(zip(ids, kwargs)):
        if instruction not in ifeval.INSTRUCTIONS:
            raise EvalError(f"benchmark 'livebench': {path}: record {record}: instruction {instruction!r} has no "
                            f"checker here; supported: {', '.join(ifeval.INSTRUCTIONS)}")
        if ifeval.INSTRUCTIONS[instruction].needs_langdetect and not ifeval.langdetect_available():
            raise EvalError(f"benchmark 'livebench': {path}: record {record}: instruction {instruction!r} detects "
                            "the response language with langdetect, as IFEval does, and langdetect is not "
                            "installed: pip install langdetect")
        if ifeval.INSTRUCTIONS[instruction].needs_punkt and ifeval.punkt_missing():
            raise EvalError(f"benchmark 'livebench': {path}: record {record}: instruction {instruction!r} splits the "
                            f"response with nltk's Punkt tokenizer, as IFEval does; {ifeval.punkt_missing()}")
        try:
            arguments.append(ifeval.instruction_arguments(instruction, given if isinstance(given, dict) else None))
        except ValueError as error:
            raise record_error("livebench", path, record, f"field 'kwargs'[{index}]: {error}") from None
    return {"instruction_id_list": ids, "kwargs": arguments}, "follows: " + ", ".join(ids)
