"""Routing: batch thresholds, outliers, and the four regimes partitioning every token."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dopd_vl import routing
from dopd_vl.routing import DEEP_TEACHER, LIGHT_SELF, LIGHT_TEACHER, WEAK_SELF

probabilities = st.floats(min_value=1e-6, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    confidences=st.lists(st.tuples(probabilities, probabilities), min_size=1, max_size=64),
    normalize=st.sampled_from(routing.NORMALIZATIONS),
    outlier_quantile=st.sampled_from([0.5, 0.95, 1.0]),
)
def test_regimes_partition_every_token(confidences, normalize, outlier_quantile):
    teacher_confidence = torch.tensor([c[0] for c in confidences])
    student_confidence = torch.tensor([c[1] for c in confidences])
    gap = routing.privilege_gap(teacher_confidence.log(), student_confidence.log())
    thresholds = routing.batch_thresholds(gap, teacher_confidence, student_confidence, outlier_quantile, normalize)
    regimes = routing.assign_regimes(gap, teacher_confidence, student_confidence, thresholds)

    assert regimes.shape == gap.shape and regimes.dtype == torch.int64
    assert set(regimes.tolist()) <= {DEEP_TEACHER, LIGHT_TEACHER, LIGHT_SELF, WEAK_SELF}
    # Each code holds exactly when its row of the table in DOPD_METHOD.md holds.
    high_gap = thresholds.gap.normalized(gap) >= thresholds.gap.threshold
    confident = thresholds.teacher_confidence.normalized(teacher_confidence) + thresholds.student_confidence.normalized(
        student_confidence
    ) >= (thresholds.teacher_confidence.threshold + thresholds.student_confidence.threshold)
    teacher_ahead = teacher_confidence >= student_confidence
    assert torch.equal(regimes == DEEP_TEACHER, high_gap & teacher_ahead)
    assert torch.equal(regimes == LIGHT_SELF, high_gap & ~teacher_ahead)
    assert torch.equal(regimes == LIGHT_TEACHER, ~high_gap & confident)
    assert torch.equal(regimes == WEAK_SELF, ~high_gap & ~confident)


def test_privilege_gap_is_absolute_log_ratio():
    gap = routing.privilege_gap(torch.tensor([-0.1, -3.0]), torch.tensor([-2.1, -1.0]))
    assert torch.allclose(gap, torch.tensor([2.0, 2.0]))


def test_minmax_threshold_is_mean_of_normalised_kept_values():
    values = torch.arange(20, dtype=torch.float32)  # the top 5% is the single value 19
    threshold = routing.batch_threshold(values, 0.95, "minmax")
    assert threshold.offset == 0.0 and threshold.scale == 18.0
    assert threshold.threshold == pytest.approx(9.0 / 18.0)
    assert torch.allclose(threshold.normalized(torch.tensor([-5.0, 9.0, 19.0])).float(), torch.tensor([0.0, 0.5, 1.0]))


def test_zscore_and_none_thresholds():
    values = torch.tensor([1.0, 2.0, 3.0, 4.0, 100.0])
    zscore = routing.batch_threshold(values, 0.8, "zscore")
    assert zscore.offset == pytest.approx(2.5) and zscore.scale == pytest.approx(math.sqrt(1.25))
    assert zscore.threshold == pytest.approx(0.0, abs=1e-12)
    none = routing.batch_threshold(values, 0.8, "none")
    assert none.threshold == pytest.approx(2.5) and none.normalized(torch.tensor([7.0])).item() == 7.0


@pytest.mark.parametrize("normalize", routing.NORMALIZATIONS)
def test_thresholds_ignore_the_top_five_percent(normalize):
    generator = torch.Generator().manual_seed(0)
    values = torch.rand(95, generator=generator)
    with_outliers = torch.cat([values, torch.full((5,), 1e6)])[torch.randperm(100, generator=generator)]
    assert routing.batch_threshold(with_outliers, 0.95, normalize) == routing.batch_threshold(values, 1.0, normalize)
    # Without dropping them, the outliers would dominate the statistic.
    assert routing.batch_threshold(with_outliers, 1.0, normalize) != routing.batch_threshold(values, 1.0, normalize)


def test_outlier_tokens_are_still_routed():
    gap = torch.cat([torch.linspace(0.0, 1.0, 19), torch.tensor([50.0])])
    confidence = torch.full((20,), 0.5)
    thresholds = routing.batch_thresholds(gap, confidence, confidence * 0.5)
    regimes = routing.assign_regimes(gap, confidence, confidence * 0.5, thresholds)
    assert regimes[-1].item() == DEEP_TEACHER  # the outlier gap is clipped to 1 and routed as a high gap


def test_hand_made_batch_lands_in_expected_regimes():
    # Ten tokens; thresholds over the batch: gap values 0..1 (mean 0.5 after min-max), confidences as below.
    teacher_logprob = torch.tensor([-0.1, -0.2, -3.0, -4.0, -0.1, -0.3, -2.0, -2.5, -0.05, -1.0])
    student_logprob = torch.tensor([-2.1, -2.0, -0.2, -0.5, -0.2, -0.1, -2.2, -2.4, -0.05, -1.2])
    gap = routing.privilege_gap(teacher_logprob, student_logprob)
    teacher_confidence, student_confidence = teacher_logprob.exp(), student_logprob.exp()
    thresholds = routing.batch_thresholds(gap, teacher_confidence, student_confidence, outlier_quantile=1.0)
    regimes = routing.assign_regimes(gap, teacher_confidence, student_confidence, thresholds)
    expected = [
        DEEP_TEACHER,  # large gap, the teacher is sure and the privileged student is not
        DEEP_TEACHER,
        LIGHT_SELF,  # large gap, the privileged student is the more confident one
        LIGHT_SELF,
        LIGHT_TEACHER,  # small gap, both confident
        LIGHT_TEACHER,
        WEAK_SELF,  # small gap, both unsure
        WEAK_SELF,
        LIGHT_TEACHER,
        WEAK_SELF,
    ]
    assert regimes.tolist() == expected


def test_quantile_cutoff():
    values = torch.arange(1, 101, dtype=torch.float32)
    assert routing.quantile_cutoff(values, 0.8) == 80.0
    assert routing.quantile_cutoff(values, 0.2) == 20.0


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="normalize"):
        routing.batch_threshold(torch.ones(3), normalize="max")
    with pytest.raises(ValueError, match="at least one"):
        routing.batch_threshold(torch.ones(0))
