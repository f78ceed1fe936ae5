"""LiveBench's instruction_following category (process_results/instruction_following: strict IFEval results,
score_results)."""

from __future__ import annotations

import json
from pathlib import Path

from eval import ifeval


def instruction_following_score(followed: list[bool]) -> float:
    """LiveBench's `score_results`: the mean of "all instructions followed" (0 or 1) and the fraction followed."""
    return (float(all(followed)) + sum(followed) / len(followed)) / 2


def score_instruction_following(answer: str, document: dict) -> tuple[str, float]:
    followed = ifeval.followed(answer, document["instruction_id_list"], document["kwargs"])
    verdicts = json.dumps([[instruction, verdict] for instruction, verdict in zip(document["instruction_id_list"],
                                                                                  followed)])
    return verdicts, instruction_following_score(followed)


def _instruction_following_question(row: dict, path: Path, record: str) -> tuple[dict, str]:
    """The instructions of a question with their checked arguments (:func:`eval.ifeval.checked_instructions`), and
    its target."""
    ids, arguments = ifeval.checked_instructions("livebench", path, record, row)
    return {"instruction_id_list": ids, "kwargs": arguments}, "follows: " + ", ".join(ids)
