"""The training reward of SDPO and Uni-OPD: a rollout's correctness from its record's answer, by the benchmark
scorers."""

import pytest

from dopd_vl.records import Record
from eval.rewards import TASK_BENCHMARKS, RewardError, record_reward
from eval.benchmarks import BENCHMARKS


def test_each_task_is_scored_by_its_benchmark():
    assert all(BENCHMARKS[name].metrics.count(metric) == 1 for name, metric in TASK_BENCHMARKS.values())
    arith = Record(id="a1", task="arith", question="What is 17 + 25?", answer="42")
    assert record_reward(arith, "17 + 25 = 42. The answer is 42.") == 1.0
    assert record_reward(arith, "The answer is 41.") == 0.0
    shapes = Record(id="s1", task="shapes", question="What colour is the circle?", answer="red")
    assert record_reward(shapes, "Red") == 1.0 and record_reward(shapes, "blue") == 0.0
    gsm8k = Record(id="g1", task="gsm8k", question="How many?", answer="1000")
    assert record_reward(gsm8k, "So she has 1,000 apples.") == 1.0  # no "#### " needed
    maths = Record(id="m1", task="math", question="Simplify.", answer="\\frac{1}{2}")
    assert record_reward(maths, "So the answer is $\\boxed{0.5}$.") == 1.0
    assert record_reward(maths, "So the answer is $\\boxed{\\frac{1}{3}}$.") == 0.0
    # another task: the open-answer rule (the last boxed answer, numbers to two decimals)
    other = Record(id="o1", task="docvqa", question="Total?", answer="12.5")
    assert record_reward(other, "The total is \\boxed{12.50}") == 1.0 and record_reward(other, "\\boxed{13}") == 0.0


def test_a_record_without_an_answer_is_named():
    with pytest.raises(RewardError, match="record q7: .* has none"):
        record_reward(Record(id="q7", task="arith", question="What is 1 + 1?"), "2")
