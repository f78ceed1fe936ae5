"""Verifiable rewards for training: a rollout's correctness from its record's answer, through the benchmarks'
scorers (SDPO's successful siblings, Uni-OPD's correct and incorrect rollouts). `dopd-vl train` passes
`record_reward` to the trainer."""

from __future__ import annotations

from dopd_vl.errors import DopdError
from dopd_vl.records import Record
from eval.base import Doc
from eval.benchmarks import BENCHMARKS
from eval.choice_scoring import open_answer_correct


# a record task -> the benchmark whose scorer reads its answer, and the metric that is the reward (the scorers read
# only the response and the target); GSM8K's flexible match, since a chat model seldom writes "#### N"
TASK_BENCHMARKS = {"arith": ("arith", "accuracy"), "shapes": ("shapes", "exact_match"),
                   "gsm8k": ("gsm8k", "flexible_extract"), "math": ("math500", "accuracy")}


class RewardError(DopdError):
    """A record that cannot be scored (it has no answer)."""


def record_reward(record: Record, response: str) -> float:
    """1.0 when `response` answers `record` correctly, else 0.0: the scorer of its task's benchmark
    (`TASK_BENCHMARKS`: arith, shapes, GSM8K's flexible match, MATH-500's math-verify for math), otherwise the
    free-form rule of MMMU's open questions (`open_answer_correct`: the last boxed answer or the answer sentence's
    tail, numbers to two decimals)."""
    if record.answer is None or not str(record.answer).strip():
        raise RewardError(f"record {record.id}: the method scores rollouts against the record's answer, and it has "
                          "none; give every record an `answer` (or choose a method without rewards)")
    if record.task not in TASK_BENCHMARKS:
        return float(open_answer_correct(response, str(record.answer))[1])
    name, metric = TASK_BENCHMARKS[record.task]
    doc = Doc(record.id, [], str(record.answer).strip(), {"question": record.question, "target": record.answer})
    return float(BENCHMARKS[name].score(response, doc)[1][metric])
