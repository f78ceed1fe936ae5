"""Privilege-gap routing (DOPD_METHOD.md): per-token signals, batch thresholds and the four regimes.

Signals on the sampled token ``y_n``: teacher confidence ``qT = T(y_n | x, p, y<n)``, privileged-student confidence
``qS = S(y_n | x, p, y<n)`` and the privilege advantage gap ``A = |log qT - log qS|``.

Thresholds are statistics of the optimizer step's *global* batch: the trainer gathers the signals of every
micro-batch and every process, calls ``batch_thresholds`` once, and routes each micro-batch with the result. Routing
with per-micro-batch statistics would make a token's regime depend on how the step was split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

DEEP_TEACHER, LIGHT_TEACHER, LIGHT_SELF, WEAK_SELF = 0, 1, 2, 3
REGIMES = ("deep_teacher", "light_teacher", "light_self", "weak_self")  # indexed by the regime codes above
# The one colour table of the regimes (run pages, lab and experiment plots): warm for the teacher's two, cool for the
# privileged student's two, the deep/light one darker; Okabe-Ito colours, told apart with colour-blindness.
REGIME_COLOURS = {"deep_teacher": "#d55e00", "light_teacher": "#e69f00", "light_self": "#0072b2",
                  "weak_self": "#56b4e9"}
REGIME_SHORT = {"deep_teacher": "DT", "light_teacher": "LT", "light_self": "LS", "weak_self": "WS"}  # terminal
NORMALIZATIONS = ("minmax", "zscore", "none")

# Keeps a constant signal (max == min, std == 0) from dividing by zero; every token then sits on the threshold.
_MIN_SCALE = 1e-12


def privilege_gap(teacher_logprob_N: torch.Tensor, privileged_student_logprob_N: torch.Tensor) -> torch.Tensor:
    """``A = |log qT - log qS|`` on the sampled token ``[N]``: both models see ``p``, so A measures ability."""
    return (teacher_logprob_N.float() - privileged_student_logprob_N.float()).abs()


def kept_values(values_N: torch.Tensor, outlier_quantile: float) -> torch.Tensor:
    """The values left after dropping the top ``1 - outlier_quantile`` share: the ``ceil(q N)`` smallest, sorted."""
    if values_N.numel() == 0:
        raise ValueError("batch thresholds need at least one response token in the optimizer step")
    if not 0.0 < outlier_quantile <= 1.0:
        raise ValueError(f"outlier_quantile must be in (0, 1], got {outlier_quantile}")
    # The small epsilon keeps 0.95 * 100 from becoming 96 through binary rounding.
    num_kept = max(1, math.ceil(outlier_quantile * values_N.numel() - 1e-9))
    return torch.sort(values_N.detach().flatten().double()).values[:num_kept]


@dataclass(frozen=True)
class Threshold:
    """How one signal is normalised (``(x - offset) / scale``) and the normalised value it is compared with."""

    normalize: str
    offset: float
    scale: float
    threshold: float

    def normalized(self, values_N: torch.Tensor) -> torch.Tensor:
        """Per-token values normalised like the kept values (min-max results clipped to [0, 1]) ``[N]``."""
        normalized_N = (values_N.double() - self.offset) / self.scale
        return normalized_N.clamp(0.0, 1.0) if self.normalize == "minmax" else normalized_N


def batch_threshold(values_N: torch.Tensor, outlier_quantile: float = 0.95, normalize: str = "minmax") -> Threshold:
    """Threshold of one signal over the step: drop the top 5% outliers, normalise the rest, take their mean.

    ``minmax``: ``(x - min) / (max - min)``; ``zscore``: ``(x - mean) / std``; ``none``: raw values. Outliers are
    only left out of the statistic; they are still routed (min-max clips them to 1).
    """
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")
    kept_K = kept_values(values_N, outlier_quantile)
    if normalize == "minmax":
        offset, scale = kept_K[0].item(), (kept_K[-1] - kept_K[0]).item()
    elif normalize == "zscore":
        offset, scale = kept_K.mean().item(), kept_K.std(correction=0).item()
    else:
        offset, scale = 0.0, 1.0
    scale = max(scale, _MIN_SCALE)
    return Threshold(normalize, offset, scale, ((kept_K - offset) / scale).mean().item())


@dataclass(frozen=True)
class RoutingThresholds:
    """The thresholds of one optimizer step: gap ``Ā``, teacher confidence ``q̄T``, student confidence ``q̄S``."""

    gap: Threshold
    teacher_confidence: Threshold
    student_confidence: Threshold


def batch_thresholds(
    gap_N: torch.Tensor,
    teacher_confidence_N: torch.Tensor,
    student_confidence_N: torch.Tensor,
    outlier_quantile: float = 0.95,
    normalize: str = "minmax",
) -> RoutingThresholds:
    """Thresholds from every valid response token of the optimizer step (gathered across micro-batches/processes)."""
    return RoutingThresholds(
        gap=batch_threshold(gap_N, outlier_quantile, normalize),
        teacher_confidence=batch_threshold(teacher_confidence_N, outlier_quantile, normalize),
        student_confidence=batch_threshold(student_confidence_N, outlier_quantile, normalize),
    )


def assign_regimes(
    gap_N: torch.Tensor,
    teacher_confidence_N: torch.Tensor,
    student_confidence_N: torch.Tensor,
    thresholds: RoutingThresholds,
) -> torch.Tensor:
    """One regime code per token ``[N]`` (int64, indexes ``REGIMES``); every token gets exactly one.

    - ``deep_teacher``: ``A >= Ā`` and ``qT >= qS`` (the teacher's edge is ability: learn its whole distribution);
    - ``light_self``:   ``A >= Ā`` and ``qT < qS``;
    - ``light_teacher``: ``A < Ā`` and ``qS + qT >= q̄S + q̄T`` (normalised values);
    - ``weak_self``:    ``A < Ā`` and ``qS + qT < q̄S + q̄T``.
    ``qT >= qS`` compares the raw probabilities; the sums compare normalised ones, as the thresholds do.
    """
    high_gap_N = thresholds.gap.normalized(gap_N) >= thresholds.gap.threshold
    teacher_ahead_N = teacher_confidence_N >= student_confidence_N
    confidence_sum_N = thresholds.teacher_confidence.normalized(
        teacher_confidence_N
    ) + thresholds.student_confidence.normalized(student_confidence_N)
    confident_N = confidence_sum_N >= thresholds.teacher_confidence.threshold + thresholds.student_confidence.threshold
    return torch.where(
        high_gap_N,
        torch.where(teacher_ahead_N, DEEP_TEACHER, LIGHT_SELF),
        torch.where(confident_N, LIGHT_TEACHER, WEAK_SELF),
    ).long()


def quantile_cutoff(values_N: torch.Tensor, quantile: float) -> float:
    """The value below which a ``quantile`` share of ``values_N`` lies (the ``ceil(q N)``-th smallest value)."""
    if values_N.numel() == 0:
        raise ValueError("quantile_cutoff needs at least one value")
    rank = min(values_N.numel(), max(1, math.ceil(quantile * values_N.numel() - 1e-9)))
    return torch.kthvalue(values_N.detach().flatten().double().cpu(), rank).values.item()
