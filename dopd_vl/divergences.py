"""Per-token divergences between the student's and a target's next-token distributions.

The public functions take student logits ``[N, V]`` and target logits ``[N, V]`` and return one value per token
``[N]``, differentiable with respect to the student logits only (the target is detached). Every distribution uses
temperature 1.0. Values are float32 (float64 when the logits are float64, so ``torch.autograd.gradcheck`` can run).
No divergence math runs in 16 bits: bf16 or float16 logits are upcast to float32 by ``normalize`` (the public
functions; the gradient is returned in the logits' dtype), and ``dopd_vl.chunked``'s bf16 path hands over float32
logits from its 16-bit matmuls. Log-normalisers and the top-K tail masses are float64 whatever the logits' dtype.

Each divergence is written once, as a ``*_value_and_grad`` function on log-probabilities that returns the value and its
analytic gradient with respect to the student's *logits*. The public functions attach that gradient with
``_AnalyticGradient``; ``dopd_vl.chunked`` calls the same functions on one token chunk at a time. The gradients are
the GKD-style analytic ones, so nothing of the softmax graph is kept for backward.

Conventions follow TRL's ``GKDTrainer.generalized_jsd_loss``: ``beta = 0`` is the forward KL(T || S), ``beta = 1``
the reverse KL(S || T), and in between the generalized JSD with mixture ``M = (1 - beta) P_S + beta P_T``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

# Floor of the top-K tail bucket's mass, which is `1 - sum(top-K probabilities)` in float64 (never log 0).
_MIN_TAIL_MASS = 1e-20
# Elements per float64 block in `log_normalizer` (32 rows of the Qwen3 vocabulary: 39 MB).
_FLOAT64_BLOCK_ELEMENTS = 32 * 151_936


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """The math dtype for logits of ``dtype``: at least float32 (bf16 and float16 logits are never used for the math).

    ``dopd_vl.chunked`` uses it for an ``lm_head``'s dtype too: a 16-bit head gives float32 logits, gradients and sums.
    """
    return torch.promote_types(dtype, torch.float32)


class NormalizedLogits(NamedTuple):
    """Log-probabilities kept as ``logits - log_normalizer``: logits ``[N, V]`` (or ``[N, K]``) and a float64 ``[N]``.

    Why not float32 log-probabilities: for a flat distribution over V = 151,936 tokens ``|log p| ~ 12`` and its float32
    rounding (~5e-7, the same for every token of a row) goes straight into a KL of ~0.02 (2e-5 relative, measured).
    Log-ratios are formed as ``(z_s - z_t) - (L_s - L_t)`` instead, where both terms are small and exact to ~1e-7.
    """

    logits: torch.Tensor
    log_normalizer: torch.Tensor

    @property
    def logp(self) -> torch.Tensor:
        """Log-probabilities in the logits' dtype (accurate enough to weight terms, not to difference them)."""
        return self.logits - self.log_normalizer.to(self.logits.dtype).unsqueeze(-1)

    def gather(self, ids_NK: torch.Tensor) -> "NormalizedLogits":
        """The same distribution's full-vocabulary log-probabilities at ``ids_NK``."""
        return NormalizedLogits(self.logits.gather(-1, ids_NK), self.log_normalizer)


def log_normalizer(logits_NV: torch.Tensor) -> torch.Tensor:
    """``logsumexp`` over the vocabulary ``[N]``, accurate to float64.

    The top-K tail bucket is ``1 - sum_K exp(z_k - L)``; for a confident distribution it is ~1e-9 and only an L exact
    to float64 resolves it (float32 ``exp`` leaves ~1e-8 of noise, measured). Rows go through float64 in blocks so the
    float64 copy stays small.
    """
    max_N1 = logits_NV.amax(-1, keepdim=True)
    sum_N = torch.empty(logits_NV.shape[:-1], dtype=torch.float64, device=logits_NV.device)
    rows_per_block = max(1, _FLOAT64_BLOCK_ELEMENTS // max(1, logits_NV.shape[-1]))
    for start in range(0, logits_NV.shape[0], rows_per_block):
        rows = slice(start, start + rows_per_block)
        sum_N[rows] = (logits_NV[rows].double() - max_N1[rows].double()).exp_().sum(-1)
    return max_N1.squeeze(-1).double() + sum_N.log()


def normalize(logits_NV: torch.Tensor) -> NormalizedLogits:
    """Logits in the math dtype, with their float64 log-normaliser."""
    logits_NV = logits_NV.to(compute_dtype(logits_NV.dtype))
    return NormalizedLogits(logits_NV, log_normalizer(logits_NV))


# --------------------------------------------------------------------------------------------------------------------
# Value and analytic gradient with respect to the student logits. Shared with dopd_vl.chunked.
# --------------------------------------------------------------------------------------------------------------------


def _rowwise_dot(a_NV: torch.Tensor, b_NV: torch.Tensor) -> torch.Tensor:
    # Not a batched matmul: its float32 accumulation over V = 151,936 errs by ~1e-4 relative, the pairwise sum of
    # `sum` by ~1e-6 (measured against float64).
    return (a_NV * b_NV).sum(-1)


def _log_ratio(student: NormalizedLogits, target: NormalizedLogits) -> torch.Tensor:
    """``log p - log t = (z_s - z_t) - (L_s - L_t)`` ``[N, V]``."""
    shift_N1 = (student.log_normalizer - target.log_normalizer).to(student.logits.dtype).unsqueeze(-1)
    return (student.logits - target.logits.to(student.logits.dtype)).sub_(shift_N1)


def reverse_kl_value_and_grad(
    student: NormalizedLogits, target: NormalizedLogits
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reverse KL ``KL(S || T) = sum_v p_v (log p_v - log t_v)`` and ``d/dz = p * (log p - log t - KL)``."""
    student_p_NV = student.logp.exp_()
    log_ratio_NV = _log_ratio(student, target)
    value_N = _rowwise_dot(student_p_NV, log_ratio_NV)
    grad_NV = log_ratio_NV.sub_(value_N.unsqueeze(-1)).mul_(student_p_NV)
    return value_N, grad_NV


def forward_kl_value_and_grad(
    student: NormalizedLogits, target: NormalizedLogits
) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward KL ``KL(T || S) = sum_v t_v (log t_v - log p_v)`` and ``d/dz = p - t``."""
    target_p_NV = target.logp.to(student.logits.dtype).exp_()
    value_N = -_rowwise_dot(target_p_NV, _log_ratio(student, target))
    grad_NV = student.logp.exp_().sub_(target_p_NV)
    return value_N, grad_NV


def generalized_jsd_value_and_grad(
    student: NormalizedLogits, target: NormalizedLogits, beta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized JSD ``beta KL(T || M) + (1 - beta) KL(S || M)`` with ``M = (1 - beta) S + beta T``.

    The gradient with respect to the student logits is ``(1 - beta) p * (log p - log m - KL(S || M))``: the terms in
    ``dM/dp`` cancel, leaving the reverse-KL form against the mixture. ``beta`` 0 and 1 are the forward and reverse KL
    (the mixture would need ``log 0``). Both log-ratios to the mixture depend only on ``r = log p - log t``:
    ``log p - log m = -log((1 - beta) + beta e^-r)`` and ``log t - log m = (log p - log m) - r``.
    """
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    if beta == 0.0:
        return forward_kl_value_and_grad(student, target)
    if beta == 1.0:
        return reverse_kl_value_and_grad(student, target)
    log_ratio_NV = _log_ratio(student, target)
    log_one_minus_beta = log_ratio_NV.new_tensor(math.log1p(-beta))
    student_to_mixture_NV = torch.logaddexp(math.log(beta) - log_ratio_NV, log_one_minus_beta).neg_()
    target_to_mixture_NV = log_ratio_NV.neg_().add_(student_to_mixture_NV)  # reuses the log-ratio's memory
    kl_target_N = _rowwise_dot(target.logp.to(student.logits.dtype).exp_(), target_to_mixture_NV)
    del target_to_mixture_NV, log_ratio_NV
    student_p_NV = student.logp.exp_()
    kl_student_N = _rowwise_dot(student_p_NV, student_to_mixture_NV)
    value_N = beta * kl_target_N + (1.0 - beta) * kl_student_N
    grad_NV = student_to_mixture_NV.sub_(kl_student_N.unsqueeze(-1)).mul_(student_p_NV).mul_(1.0 - beta)
    return value_N, grad_NV


def _tail_log_mass(topk: NormalizedLogits) -> torch.Tensor:
    # log(1 - sum_K p) in float64: the K largest probabilities can sum to 1 - 1e-9, where float32 would round to 1.
    mass_N = (topk.logits.double() - topk.log_normalizer.unsqueeze(-1)).exp().sum(-1)
    return (1.0 - mass_N).clamp_min(_MIN_TAIL_MASS).log()


def topk_reverse_kl_value_and_grad(
    student: NormalizedLogits, topk_ids_NK: torch.Tensor, target_topk: NormalizedLogits, tail: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reverse KL on the bucketed support ``topk_ids_NK`` (+ one tail bucket), given the target's logits there.

    ``target_topk`` holds the target's logits at ``topk_ids_NK`` ``[N, K]`` and its *full-vocabulary* log-normaliser,
    so the chunked routine needs only K gathered logits per token, never the target's ``[N, V]`` logits.

    With ``tail``: buckets b are the K tokens plus the rest, ``P_tail = 1 - sum_K p``, value
    ``sum_b P_b (log P_b - log T_b)`` (>= 0, zero iff equal on the buckets); the gradient is ``p_v (c_v - value)``
    with ``c_v`` the log-ratio of the bucket that holds ``v``. Without ``tail``: both distributions renormalised over
    the K tokens, value ``KL(S_K || T_K)``, gradient zero outside the K tokens.
    """
    student_topk = student.gather(topk_ids_NK)
    if not tail:
        value_N, grad_NK = reverse_kl_value_and_grad(
            normalize(student_topk.logits), normalize(target_topk.logits.to(student.logits.dtype))
        )
        return value_N, torch.zeros_like(student.logits).scatter_(-1, topk_ids_NK, grad_NK)
    log_ratio_NK = _log_ratio(student_topk, target_topk)
    student_tail_logp_N = _tail_log_mass(student_topk)
    tail_log_ratio_N = (student_tail_logp_N - _tail_log_mass(target_topk)).to(student.logits.dtype)
    student_p_NK = student_topk.logp.exp()
    student_tail_p_N = student_tail_logp_N.exp().to(student_p_NK.dtype)
    value_N = (student_p_NK * log_ratio_NK).sum(-1) + student_tail_p_N * tail_log_ratio_N
    # Every token first gets the tail bucket's coefficient, then the K tokens are overwritten with their own.
    grad_NV = student.logp.exp_().mul_((tail_log_ratio_N - value_N).unsqueeze(-1))
    grad_NV.scatter_(-1, topk_ids_NK, student_p_NK * (log_ratio_NK - value_N.unsqueeze(-1)))
    return value_N, grad_NV


def topk_generalized_jsd_value_and_grad(
    student: NormalizedLogits, topk_ids_NK: torch.Tensor, target_topk: NormalizedLogits, beta: float,
    tail: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized JSD (beta; 0 forward KL, 1 reverse KL) on the bucketed support ``topk_ids_NK`` (+ the tail bucket).

    The divergence is taken between the two bucket distributions ``[N, K + 1]`` (the K tokens' probabilities and the
    tail mass ``1 - sum_K``), whose log-probabilities act as logits of normaliser 0. Its gradient with respect to a
    bucket's logit is ``P_b (g_b - sum_b' P_b' g_b')``, and a token ``v`` of bucket ``b`` has ``d/dz_v = p_v (g_b -
    ...)``: the bucket's gradient for the K tokens (``p_v = P_b``), ``p_v / P_tail`` times the tail's for the rest.
    Without ``tail``, both distributions are renormalised over the K tokens, as ``topk_reverse_kl_value_and_grad``.
    Beta 1 is ``topk_reverse_kl_value_and_grad``, which forms the log-ratios more precisely.
    """
    if beta == 1.0:
        return topk_reverse_kl_value_and_grad(student, topk_ids_NK, target_topk, tail)
    dtype = student.logits.dtype
    student_topk = student.gather(topk_ids_NK)
    if not tail:
        value_N, grad_NK = generalized_jsd_value_and_grad(
            normalize(student_topk.logits), normalize(target_topk.logits.to(dtype)), beta)
        return value_N, torch.zeros_like(student.logits).scatter_(-1, topk_ids_NK, grad_NK)

    def buckets(topk: NormalizedLogits) -> NormalizedLogits:
        logp_NK = (topk.logits.double() - topk.log_normalizer.unsqueeze(-1)).to(dtype)
        logits_NB = torch.cat([logp_NK, _tail_log_mass(topk).to(dtype).unsqueeze(-1)], dim=-1)
        return NormalizedLogits(logits_NB, torch.zeros_like(topk.log_normalizer))

    student_buckets = buckets(student_topk)
    value_N, grad_NB = generalized_jsd_value_and_grad(student_buckets, buckets(target_topk), beta)
    tail_p_N = student_buckets.logits[:, -1].exp()
    grad_NV = student.logp.exp_().mul_((grad_NB[:, -1] / tail_p_N).unsqueeze(-1))
    grad_NV.scatter_(-1, topk_ids_NK, grad_NB[:, :-1])
    return value_N, grad_NV


def sampled_reverse_kl_value_and_grad(
    student: NormalizedLogits, token_ids_N: torch.Tensor, target_logprob_N: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sampled-token estimator of ``KL(S || T)``: value ``k2 = 0.5 (log S(y) - log T(y))^2``.

    Its gradient ``(log S(y) - log T(y)) (onehot(y) - p)`` is exactly the policy gradient ``-A * d log S(y)/dz`` of the
    OPD estimator with advantage ``A = -(log S(y) - log T(y))`` (see ``sampled_token_advantage``), and the value is
    Schulman's k2 estimate of the reverse KL, so the reported loss is >= 0 and meaningful.
    """
    student_logit_N = student.logits.gather(-1, token_ids_N.unsqueeze(-1)).squeeze(-1)
    student_logprob_N = student_logit_N.double() - student.log_normalizer
    log_ratio_N = (student_logprob_N - target_logprob_N.double()).to(student.logits.dtype)
    grad_NV = student.logp.exp_().neg_()
    grad_NV.scatter_add_(-1, token_ids_N.unsqueeze(-1), torch.ones_like(log_ratio_N).unsqueeze(-1))
    return 0.5 * log_ratio_N.square(), grad_NV.mul_(log_ratio_N.unsqueeze(-1))


# --------------------------------------------------------------------------------------------------------------------
# Public per-token divergences on logits.
# --------------------------------------------------------------------------------------------------------------------


class _AnalyticGradient(torch.autograd.Function):
    """Runs ``value_and_grad(normalize(student_logits), *args)`` without a graph; backward scales the saved gradient."""

    @staticmethod
    def forward(ctx, student_logits_NV, value_and_grad, *args):
        value_N, grad_NV = value_and_grad(normalize(student_logits_NV.detach()), *args)
        ctx.save_for_backward(grad_NV)
        ctx.logits_dtype = student_logits_NV.dtype
        ctx.num_args = len(args)
        return value_N

    @staticmethod
    def backward(ctx, grad_value_N):
        (grad_NV,) = ctx.saved_tensors
        grad_logits_NV = (grad_value_N.unsqueeze(-1) * grad_NV).to(ctx.logits_dtype)
        return (grad_logits_NV, None) + (None,) * ctx.num_args


def _normalized_target(student_logits_NV: torch.Tensor, target_logits_NV: torch.Tensor) -> NormalizedLogits:
    if student_logits_NV.shape != target_logits_NV.shape or student_logits_NV.dim() != 2:
        raise ValueError(
            f"student and target logits must both be [N, V]; got {tuple(student_logits_NV.shape)} and "
            f"{tuple(target_logits_NV.shape)}"
        )
    return normalize(target_logits_NV.detach().to(compute_dtype(student_logits_NV.dtype)))


def reverse_kl(student_logits_NV: torch.Tensor, target_logits_NV: torch.Tensor) -> torch.Tensor:
    """Per-token ``KL(S || T) = sum_v S_v (log S_v - log T_v)`` ``[N]``."""
    target = _normalized_target(student_logits_NV, target_logits_NV)
    return _AnalyticGradient.apply(student_logits_NV, reverse_kl_value_and_grad, target)


def forward_kl(student_logits_NV: torch.Tensor, target_logits_NV: torch.Tensor) -> torch.Tensor:
    """Per-token ``KL(T || S) = sum_v T_v (log T_v - log S_v)`` ``[N]``."""
    target = _normalized_target(student_logits_NV, target_logits_NV)
    return _AnalyticGradient.apply(student_logits_NV, forward_kl_value_and_grad, target)


def generalized_jsd(student_logits_NV: torch.Tensor, target_logits_NV: torch.Tensor, beta: float) -> torch.Tensor:
    """Per-token generalized JSD ``beta KL(T || M) + (1 - beta) KL(S || M)``, ``M = (1 - beta) S + beta T`` ``[N]``.

    Same convention as TRL's ``generalized_jsd_loss``: ``beta = 0`` forward KL, ``1`` reverse KL, ``0.5`` symmetric JS.
    """
    target = _normalized_target(student_logits_NV, target_logits_NV)
    return _AnalyticGradient.apply(student_logits_NV, generalized_jsd_value_and_grad, target, float(beta))


def topk_ids(student_logits_NV: torch.Tensor, target_logits_NV: torch.Tensor, k: int, support: str) -> torch.Tensor:
    """The bucketed support ``[N, K]``: the student's (``support="student"``) or the target's top-K token ids."""
    if support not in ("student", "target"):
        raise ValueError(f"support must be 'student' or 'target', got {support!r}")
    logits_NV = student_logits_NV if support == "student" else target_logits_NV
    return torch.topk(logits_NV.detach(), min(k, logits_NV.shape[-1]), dim=-1, sorted=False).indices


def topk_reverse_kl(
    student_logits_NV: torch.Tensor,
    target_logits_NV: torch.Tensor,
    k: int,
    support: str = "student",
    tail: bool = True,
) -> torch.Tensor:
    """Per-token reverse KL on the top-K support ``[N]``; see ``topk_reverse_kl_value_and_grad`` for the formula.

    The support is fixed (not differentiated): the student's or the target's K most likely tokens at each position.
    """
    target = _normalized_target(student_logits_NV, target_logits_NV)
    topk_ids_NK = topk_ids(student_logits_NV, target_logits_NV, k, support)
    return _AnalyticGradient.apply(
        student_logits_NV, topk_reverse_kl_value_and_grad, topk_ids_NK, target.gather(topk_ids_NK), bool(tail)
    )


def topk_generalized_jsd(
    student_logits_NV: torch.Tensor,
    target_logits_NV: torch.Tensor,
    k: int,
    beta: float,
    support: str = "student",
    tail: bool = True,
) -> torch.Tensor:
    """Per-token generalized JSD (beta) on the top-K support ``[N]``; see ``topk_generalized_jsd_value_and_grad``."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    target = _normalized_target(student_logits_NV, target_logits_NV)
    topk_ids_NK = topk_ids(student_logits_NV, target_logits_NV, k, support)
    return _AnalyticGradient.apply(student_logits_NV, topk_generalized_jsd_value_and_grad, topk_ids_NK,
                                   target.gather(topk_ids_NK), float(beta), bool(tail))


def sampled_reverse_kl(
    student_logits_NV: torch.Tensor, target_logits_NV: torch.Tensor, token_ids_N: torch.Tensor
) -> torch.Tensor:
    """Per-token sampled-token reverse KL ``0.5 (log S(y) - log T(y))^2`` ``[N]`` with the policy-gradient gradient.

    See ``sampled_reverse_kl_value_and_grad``: its gradient is the OPD policy gradient with advantage
    ``sampled_token_advantage``.
    """
    target = _normalized_target(student_logits_NV, target_logits_NV)
    target_logprob_N = target.logits.gather(-1, token_ids_N.unsqueeze(-1)).squeeze(-1).double() - target.log_normalizer
    return _AnalyticGradient.apply(student_logits_NV, sampled_reverse_kl_value_and_grad, token_ids_N, target_logprob_N)


def sampled_token_advantage(student_logprob_N: torch.Tensor, target_logprob_N: torch.Tensor) -> torch.Tensor:
    """OPD's per-token advantage ``A = -(log S(y_n) - log T(y_n))`` on the sampled token, detached ``[N]``.

    The policy-gradient loss ``-A * log S(y_n)`` has the same gradient as ``sampled_reverse_kl``.
    """
    dtype = compute_dtype(student_logprob_N.dtype)
    return target_logprob_N.detach().to(dtype) - student_logprob_N.detach().to(dtype)
