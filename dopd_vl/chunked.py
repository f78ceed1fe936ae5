"""The one chunked routine: per-token divergences from hidden states and ``lm_head`` weights, in token chunks.

No ``[N, V]`` tensor of any model exists in full. Per chunk of C tokens the student's logits ``[C, V]`` are computed
from its hidden states (``hidden_CH @ lm_head_VH.T``, float32 output or better), every loss term is evaluated on the
rows where its weight is non-zero, and the gradient with respect to those logits (analytic, from
``dopd_vl.divergences``) goes straight into the gradients of the student's hidden states and ``lm_head`` weight,
preallocated buffers that backward only scales. Targets are computed for the rows that need them only: full-vocabulary
logits for full-vocabulary divergences, K gathered logits (``hidden . lm_head[topk_ids]``) plus the log-normaliser of
a first pass (``view_statistics``) for top-K divergences, and the sampled token's log-prob for the sampled estimator.

Precision. float32 and float64 inputs take plain matmuls in their own dtype. bf16 (or float16) hidden states and
``lm_head`` of one dtype take the 16-bit path: the logit matmul multiplies the 16-bit operands and returns float32
logits (on CUDA ``torch.mm(..., out_dtype=torch.float32)``: tensor cores, float32 accumulation; elsewhere the operands
are upcast in blocks of ``_UPCAST_BLOCK_ELEMENTS``, which yields the same exact products and float32 sums, since two
8-bit significands multiply exactly in float32's 24). No float32 copy of an ``lm_head`` or of the ``[N, H]`` hidden
states is made; the softmax and divergence math stays float32, and the log-normalisers float64
(``dopd_vl.divergences``), so the loss is as exact as the float32 path's (1e-5 relative to float64 tested, ~1e-7
measured). For bf16, the gradient matmuls take the chunk's logit gradient rounded to bf16 (``dhidden = dlogits @ W``,
``dW += dlogits.T @ hidden``, float32 output), and the hidden-state gradient is a bf16 buffer whose rows are written
once, rounded once; both gradients then err by ~2e-3 relative to float64 in Frobenius norm, about the two bf16
roundings' sqrt(2/3) u (u = 2^-9; tests/test_chunked.py tests 2u and measures 2.8e-3 at most). The ``lm_head``
gradient buffer ``[V, H]`` stays float32: it sums N / chunk_size chunk products, and in bf16 each sum rounds again
(measured 3.1e-3 with 4 chunks, 4.6e-3 with 16, against 2.3e-3 with float32). float16 rounds neither the logit
gradient nor the hidden-state buffer (float32, as for float32 inputs): its range would flush logit gradients of
~1e-11 (a token weight ~1e-5 times p ~1e-6) to zero before backward applies a loss scale. Mixed dtypes upcast the
16-bit operand in blocks, in the math dtype of the ``lm_head`` (``compute_dtype``).

Two passes per optimizer step, which the trainer runs in this order:
1. ``view_statistics`` (no grad) for each frozen view: log-normaliser, sampled-token log-prob, optionally entropy and
   top-K ids. The routing signals of the whole step come from here, before any token is routed.
2. ``chunked_objective`` per micro-batch with the student's hidden states (grad) and the loss terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch

from .divergences import (
    NormalizedLogits,
    compute_dtype,
    forward_kl_value_and_grad,
    generalized_jsd_value_and_grad,
    normalize,
    reverse_kl_value_and_grad,
    sampled_reverse_kl_value_and_grad,
    topk_generalized_jsd_value_and_grad,
    topk_reverse_kl_value_and_grad,
)

# Elements of a chunk's [C, V] logits when no chunk size (tokens) is given: 256 tokens at Qwen's vocabulary of 151,936
# (155 MB per float32 tile; the matmul still streams lm_head only N / 256 times). A small vocabulary gets more tokens
# per chunk and so fewer chunks: at the tiny pair's V 640 (60,781 tokens) the DOPD objective of an 8 x 4 x 64 batch
# took 35 ms in one chunk against 67-69 ms in eight of 256 tokens (forward and backward, CPU, 2 threads).
DEFAULT_CHUNK_ELEMENTS = 256 * 151_936


def chunk_tokens(chunk_size: int | None, vocabulary: int) -> int:
    """Tokens per chunk: `chunk_size`, or as many as fit ``DEFAULT_CHUNK_ELEMENTS`` logits of `vocabulary`."""
    return chunk_size or max(1, DEFAULT_CHUNK_ELEMENTS // vocabulary)


FULL_VOCABULARY_DIVERGENCES = ("generalized_jsd", "reverse_kl", "forward_kl")
TOPK_DIVERGENCES = ("topk_reverse_kl", "topk_generalized_jsd")
DIVERGENCES = FULL_VOCABULARY_DIVERGENCES + TOPK_DIVERGENCES + ("sampled_reverse_kl",)


# Elements per float32 block of a 16-bit operand upcast off CUDA (64 MB): the whole operand is never copied at once.
# 2^24 rather than 2^22: case a16 of bench/divergence.py --quick took 18-20 s against 23-26 s (CPU, fewer small GEMMs).
_UPCAST_BLOCK_ELEMENTS = 1 << 24
# Elements per float32 product block added into the lm_head gradient on CUDA (256 MB: 32768 rows of H = 2048, large
# enough GEMMs; the whole [V, H] product would be a second 1.2 GB buffer for a 2B student).
_CUDA_PRODUCT_BLOCK_ELEMENTS = 1 << 26


def _math_dtype(lm_head_VH: torch.Tensor) -> torch.dtype:
    return compute_dtype(lm_head_VH.dtype)


def _matmul_MP(a_MK: torch.Tensor, b_KP: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``a_MK @ b_KP`` with output and accumulation in ``dtype``; 16-bit operands are never copied whole to ``dtype``.

    Operands already in ``dtype`` take a plain matmul (the float32 and float64 paths). Two 16-bit operands of one dtype
    on CUDA take the tensor-core matmul with float32 output (``out_dtype``): exact products, float32 accumulation, no
    rounding of the result to 16 bits. Elsewhere (CPU, mixed dtypes; CPU bf16 GEMMs round their output to bf16) the
    operands are upcast in blocks along the largest of M, K, P, which computes the same exact products and float32 sums.
    """
    if a_MK.dtype == b_KP.dtype == dtype:
        return a_MK @ b_KP
    if a_MK.is_cuda and a_MK.dtype == b_KP.dtype:
        return torch.mm(a_MK, b_KP, out_dtype=dtype)
    (m, k), p = a_MK.shape, b_KP.shape[1]
    largest = max(m, k, p)
    block = max(1, _UPCAST_BLOCK_ELEMENTS // max(1, (m * k + k * p + m * p) // largest))
    if largest == p:
        a_MK = a_MK.to(dtype)
        return torch.cat([a_MK @ b_KP[:, cols].to(dtype) for cols in _blocks(p, block)], dim=1)
    if largest == m:
        b_KP = b_KP.to(dtype)
        return torch.cat([a_MK[rows].to(dtype) @ b_KP for rows in _blocks(m, block)], dim=0)
    out_MP = torch.zeros(m, p, dtype=dtype, device=a_MK.device)
    for inner in _blocks(k, block):
        out_MP.addmm_(a_MK[:, inner].to(dtype), b_KP[inner].to(dtype))
    return out_MP


def _blocks(size: int, block: int) -> list[slice]:
    return [slice(start, min(start + block, size)) for start in range(0, size, block)]


def _add_matmul_(out_MP: torch.Tensor, a_MK: torch.Tensor, b_KP: torch.Tensor) -> None:
    """``out_MP += a_MK @ b_KP`` in ``out_MP``'s dtype; for 16-bit operands one block of M rows at a time.

    The blocks bound the float32 product temporary: ``addmm``'s ``out_dtype`` variant requires ``self`` in the
    operands' dtype (ATen ``_addmm_dtype_out_cuda``), so it cannot add into the float32 buffer itself.
    """
    if a_MK.dtype == b_KP.dtype == out_MP.dtype:
        out_MP.addmm_(a_MK, b_KP)
        return
    block_elements = _CUDA_PRODUCT_BLOCK_ELEMENTS if out_MP.is_cuda else _UPCAST_BLOCK_ELEMENTS
    rows_per_block = max(1, block_elements // max(1, out_MP.shape[1]))
    for rows in _blocks(out_MP.shape[0], rows_per_block):
        out_MP[rows] += _matmul_MP(a_MK[rows], b_KP, out_MP.dtype)


def _gathered_logits_RK(hidden_RH: torch.Tensor, lm_head_VH: torch.Tensor, ids_RK: torch.Tensor) -> torch.Tensor:
    """The logits of K tokens per row, ``hidden_R . lm_head[ids_RK]``, from K gathered ``lm_head`` rows per token, or
    where K is at least an eighth of the vocabulary from the row's full logits (one matmul beats gathering a fifth of
    ``lm_head`` per token: R 256 x K 128, H 64 to 1024, CPU: 0.3 to 3.4 ms against 1.2 to 101 ms at V 640; gathering
    won from V/K 20 at H 64 and 128, between V/K 80 and 320 at H 1024, and wins at Qwen's V/K of about 1187)."""
    dtype = _math_dtype(lm_head_VH)
    if 8 * ids_RK.shape[-1] >= lm_head_VH.shape[0]:
        return _logits_CV(hidden_RH, lm_head_VH).gather(-1, ids_RK)
    # an embedding lookup gathers whole rows faster than advanced indexing, with the same values (CPU, R 256 x K
    # 128: 0.5 ms against 2.1-2.6 ms at H 64, V 640; 86 ms against 109-118 ms at H 1024, V 151,936)
    hidden_RH, rows_RKH = hidden_RH.detach(), torch.nn.functional.embedding(ids_RK, lm_head_VH.detach())
    if hidden_RH.is_cuda and hidden_RH.dtype == rows_RKH.dtype != dtype:
        return torch.bmm(rows_RKH, hidden_RH.unsqueeze(-1), out_dtype=dtype).squeeze(-1)
    # Upcast per chunk (the gathered rows only): exact products of 16-bit operands, summed in the math dtype.
    return torch.einsum("rh,rkh->rk", hidden_RH.to(dtype), rows_RKH.to(dtype))


def _logits_CV(hidden_CH: torch.Tensor, lm_head_VH: torch.Tensor) -> torch.Tensor:
    """One chunk's logits in the math dtype of ``lm_head_VH`` (``compute_dtype``: float32 for a 16-bit head)."""
    dtype = _math_dtype(lm_head_VH)
    hidden_CH = hidden_CH.detach()
    if hidden_CH.dtype != lm_head_VH.dtype:
        hidden_CH = hidden_CH.to(dtype)
    return _matmul_MP(hidden_CH, lm_head_VH.detach().T, dtype)


class ViewStatistics(NamedTuple):
    """First-pass statistics of one view at the N scored positions (no gradient)."""

    logprob_N: torch.Tensor  # float64, log P(y_n): the routing signal and the sampled estimator's target
    log_normalizer_N: torch.Tensor  # float64, logsumexp of the logits: top-K targets need no full logits later
    entropy_N: torch.Tensor | None = None  # float32, when asked for (EOPD's teacher-entropy gate, metrics)
    topk_ids_NK: torch.Tensor | None = None  # when asked for (top-K support "target")

    @staticmethod
    def cat(statistics: list[ViewStatistics]) -> ViewStatistics:
        """Concatenates micro-batches (fields that are ``None`` in the first stay ``None``)."""
        fields = zip(*statistics)
        return ViewStatistics(*(None if parts[0] is None else torch.cat(parts) for parts in fields))


@torch.no_grad()
def view_statistics(
    hidden_NH: torch.Tensor,
    lm_head_VH: torch.Tensor,
    token_ids_N: torch.Tensor,
    *,
    entropy: bool = False,
    topk: int = 0,
    chunk_size: int | None = None,
) -> ViewStatistics:
    """Log-normaliser and sampled-token log-prob of one view, chunked (`chunk_tokens`); optionally entropy and
    top-``topk`` ids."""
    _check_rows(hidden_NH, token_ids_N, "hidden states")
    num_tokens = token_ids_N.shape[0]
    chunk_size = chunk_tokens(chunk_size, lm_head_VH.shape[0])
    logprob_N = torch.empty(num_tokens, dtype=torch.float64, device=hidden_NH.device)
    log_normalizer_N = torch.empty_like(logprob_N)
    entropy_N = torch.empty(num_tokens, dtype=torch.float32, device=hidden_NH.device) if entropy else None
    topk_ids_NK = None
    if topk:
        topk_ids_NK = torch.empty(num_tokens, topk, dtype=torch.long, device=hidden_NH.device)
    for start in range(0, num_tokens, chunk_size):
        rows = slice(start, start + chunk_size)
        view = normalize(_logits_CV(hidden_NH[rows], lm_head_VH))
        log_normalizer_N[rows] = view.log_normalizer
        logprob_N[rows] = _sampled_logprob(view, token_ids_N[rows])
        if entropy_N is not None:
            entropy_N[rows] = _entropy(view)
        if topk_ids_NK is not None:
            topk_ids_NK[rows] = torch.topk(view.logits, topk, dim=-1, sorted=False).indices
    return ViewStatistics(logprob_N, log_normalizer_N, entropy_N, topk_ids_NK)


def _sampled_logprob(view: NormalizedLogits, token_ids_C: torch.Tensor) -> torch.Tensor:
    return view.logits.gather(-1, token_ids_C.unsqueeze(-1)).squeeze(-1).double() - view.log_normalizer


def _entropy(view: NormalizedLogits) -> torch.Tensor:
    # H = L - sum_v p_v z_v
    expected_logit_C = (view.logp.exp_() * view.logits).sum(-1)
    return (view.log_normalizer - expected_logit_C.double()).float()


@dataclass(frozen=True)
class TargetView:
    """A view the student is distilled towards (no gradient): hidden states, ``lm_head`` and first-pass statistics.

    The privileged student's view holds the student's own (live) ``lm_head`` weight; it is read without gradient.
    """

    hidden_NH: torch.Tensor
    lm_head_VH: torch.Tensor
    statistics: ViewStatistics


@dataclass(frozen=True)
class Target:
    """Target log-probs ``log T = sum_i c_i log P_i`` (renormalised over V): one view, or ExOPD's extrapolation."""

    views: tuple[TargetView, ...]
    coefficients: tuple[float, ...] = (1.0,)

    @staticmethod
    def of(view: TargetView) -> Target:
        return Target((view,))


@dataclass(frozen=True)
class LossTerm:
    """``weight_N[n] * divergence(student_n, target_n)``, evaluated only where ``weight_N`` is non-zero.

    ``weight_N`` carries everything per token: the regime mask and weight, and the ``1 / (|y| * num_sequences)``
    normalisation. ``beta`` is for the two JSDs; ``topk``, ``support``, ``tail`` for the top-K divergences: the
    divergence's options have no defaults here, the objectives pass theirs (``MethodOptions``, DOPD_METHOD.md's).
    """

    name: str
    divergence: str
    target: Target
    weight_N: torch.Tensor
    beta: float | None = None
    topk: int | None = None
    support: str | None = None
    tail: bool | None = None
    target_shift_N: torch.Tensor | None = None  # sampled_reverse_kl: added to log T(y), i.e. to minus the advantage

    def __post_init__(self):
        if self.divergence not in DIVERGENCES:
            raise ValueError(
                f"loss term {self.name!r}: divergence must be one of {DIVERGENCES}, got {self.divergence!r}"
            )
        needed = {"generalized_jsd": ("beta",), "topk_reverse_kl": ("topk", "support", "tail"),
                  "topk_generalized_jsd": ("beta", "topk", "support", "tail")}.get(self.divergence, ())
        missing = [option for option in needed if getattr(self, option) is None]
        if missing:
            raise ValueError(f"loss term {self.name!r}: {self.divergence} needs {', '.join(missing)}")
        if self.target_shift_N is not None and self.divergence != "sampled_reverse_kl":
            raise ValueError(f"loss term {self.name!r}: target_shift_N is for sampled_reverse_kl only")
        if len(self.target.views) != len(self.target.coefficients):
            raise ValueError(f"loss term {self.name!r}: one coefficient per target view")
        if self.divergence in TOPK_DIVERGENCES and len(self.target.views) != 1:
            raise ValueError(f"loss term {self.name!r}: top-K needs a single target view (its log-normaliser)")
        if self.divergence in TOPK_DIVERGENCES and self.support == "target":
            if self.target.views[0].statistics.topk_ids_NK is None:
                raise ValueError(f"loss term {self.name!r}: support 'target' needs view_statistics(topk=K) ids")


class ChunkedResult(NamedTuple):
    """``loss`` is ``sum_terms sum_n weight_N * value_N`` (differentiable); the rest is detached, per token.

    ``loss`` and ``values`` are float32 (float64 for float64 inputs), accumulated in float64 over tokens.
    """

    loss: torch.Tensor
    student_entropy_N: torch.Tensor
    student_logprob_N: torch.Tensor
    values: dict[str, torch.Tensor]  # per term name: the unweighted divergence [N] (0 where the weight is 0)


def chunked_objective(
    student_hidden_NH: torch.Tensor,
    student_lm_head_VH: torch.Tensor,
    token_ids_N: torch.Tensor,
    terms: list[LossTerm],
    chunk_size: int | None = None,
) -> ChunkedResult:
    """The weighted sum of the loss terms over the N response tokens, from the student's hidden states, in chunks of
    `chunk_tokens` tokens.

    Gradients reach ``student_hidden_NH`` and ``student_lm_head_VH`` (when they require grad) and nothing else. The
    ``[N, H]`` and ``[V, H]`` gradients are computed during the forward pass, so backward costs one scaling.
    """
    _check_rows(student_hidden_NH, token_ids_N, "student hidden states")
    for term in terms:
        _check_rows(term.weight_N, token_ids_N, f"weights of loss term {term.name!r}")
        for view in term.target.views:
            _check_rows(view.hidden_NH, token_ids_N, f"target hidden states of loss term {term.name!r}")
    loss, entropy_N, logprob_N, values_TN = _ChunkedObjective.apply(
        student_hidden_NH, student_lm_head_VH, token_ids_N, terms, chunk_tokens(chunk_size, student_lm_head_VH.shape[0])
    )
    return ChunkedResult(loss, entropy_N, logprob_N, {term.name: values_TN[i] for i, term in enumerate(terms)})


def _check_rows(tensor: torch.Tensor, token_ids_N: torch.Tensor, what: str) -> None:
    # The views share the response tokens but not the prefix: equal counts are the one alignment check possible here.
    if tensor.shape[0] != token_ids_N.shape[0]:
        raise ValueError(
            f"{what} have {tensor.shape[0]} rows but there are {token_ids_N.shape[0]} scored response tokens; every "
            "view must be taken at the same response positions"
        )


class _ChunkedObjective(torch.autograd.Function):
    @staticmethod
    def forward(ctx, student_hidden_NH, student_lm_head_VH, token_ids_N, terms, chunk_size):
        dtype = _math_dtype(student_lm_head_VH)
        lm_head_VH = student_lm_head_VH.detach()
        num_tokens, device = token_ids_N.shape[0], token_ids_N.device
        wants_hidden_grad, wants_lm_head_grad = ctx.needs_input_grad[:2]
        # 16-bit hidden states and head of one dtype: the logit matmul takes them as they are (float32 output).
        low_precision = student_hidden_NH.dtype == lm_head_VH.dtype != dtype
        # bf16 only: the gradient matmuls take the logit gradient rounded to bf16, and each row of the hidden-state
        # gradient, written once, is rounded once into a bf16 buffer (once more by backward's scale unless it is 1;
        # bf16 has float32's range, so that costs u of precision, no underflow). float16 keeps both in float32: its
        # range would flush logit gradients of ~1e-11 (token weight ~1e-5 times p ~1e-6) to zero before backward's
        # loss scale. The lm_head gradient sums N / chunk_size chunks and stays in the math dtype (module docstring).
        bf16_gradients = low_precision and lm_head_VH.dtype == torch.bfloat16
        hidden_grad_dtype = torch.bfloat16 if bf16_gradients else dtype
        grad_hidden_NH = None
        if wants_hidden_grad:
            grad_hidden_NH = torch.zeros(student_hidden_NH.shape, dtype=hidden_grad_dtype, device=device)
        grad_lm_head_VH = torch.zeros(lm_head_VH.shape, dtype=dtype, device=device) if wants_lm_head_grad else None
        loss = torch.zeros((), dtype=torch.float64, device=device)
        entropy_N = torch.empty(num_tokens, dtype=torch.float32, device=device)
        logprob_N = torch.empty(num_tokens, dtype=torch.float32, device=device)
        values_TN = torch.zeros(len(terms), num_tokens, dtype=dtype, device=device)

        for start in range(0, num_tokens, chunk_size):
            rows = slice(start, min(start + chunk_size, num_tokens))
            hidden_CH = student_hidden_NH[rows].detach()
            if not low_precision:
                hidden_CH = hidden_CH.to(dtype)
            student = normalize(_logits_CV(hidden_CH, lm_head_VH))
            entropy_N[rows] = _entropy(student)
            logprob_N[rows] = _sampled_logprob(student, token_ids_N[rows]).float()
            grad_logits_CV = torch.zeros_like(student.logits) if (wants_hidden_grad or wants_lm_head_grad) else None
            full_targets = {}  # per Target: the rows whose full-vocabulary target logits are already computed
            for term_index, term in enumerate(terms):
                weight_C = term.weight_N[rows].to(dtype)
                row_ids = weight_C.nonzero().squeeze(-1)
                if row_ids.numel() == 0:
                    continue
                every_row = row_ids.numel() == weight_C.numel()
                term_student = (
                    student
                    if every_row
                    else NormalizedLogits(student.logits[row_ids], student.log_normalizer[row_ids])
                )
                value_R, grad_RV = _term_value_and_grad(term, term_student, start + row_ids, token_ids_N, full_targets)
                term_weight_R = weight_C[row_ids]
                values_TN[term_index, start + row_ids] = value_R.to(dtype)
                loss += (term_weight_R.double() * value_R.double()).sum()
                if grad_logits_CV is not None:
                    grad_RV.mul_(term_weight_R.unsqueeze(-1))
                    if every_row:
                        grad_logits_CV.add_(grad_RV)
                    else:
                        grad_logits_CV.index_add_(0, row_ids, grad_RV)
                del grad_RV, term_student
            del student
            if grad_logits_CV is None:
                continue
            if bf16_gradients:
                grad_logits_CV = grad_logits_CV.to(torch.bfloat16)
            if grad_hidden_NH is not None:
                grad_hidden_NH[rows] = _matmul_MP(grad_logits_CV, lm_head_VH, dtype)
            if grad_lm_head_VH is not None:
                _add_matmul_(grad_lm_head_VH, grad_logits_CV.T, hidden_CH)

        ctx.grad_hidden_NH, ctx.grad_lm_head_VH = grad_hidden_NH, grad_lm_head_VH
        ctx.dtypes = student_hidden_NH.dtype, student_lm_head_VH.dtype
        ctx.mark_non_differentiable(entropy_N, logprob_N, values_TN)
        return loss.to(dtype), entropy_N, logprob_N, values_TN

    @staticmethod
    def backward(ctx, grad_loss, *_):
        hidden_dtype, lm_head_dtype = ctx.dtypes
        grad_hidden_NH, grad_lm_head_VH = ctx.grad_hidden_NH, ctx.grad_lm_head_VH
        # Scaled in place (no second [V, H] buffer); dropping the references makes a second backward fail loudly.
        ctx.grad_hidden_NH = ctx.grad_lm_head_VH = None
        if grad_hidden_NH is not None:
            grad_hidden_NH = grad_hidden_NH.mul_(grad_loss).to(hidden_dtype)
        if grad_lm_head_VH is not None:
            grad_lm_head_VH = grad_lm_head_VH.mul_(grad_loss).to(lm_head_dtype)
        return grad_hidden_NH, grad_lm_head_VH, None, None, None


def _full_target(target: Target, token_rows_R: torch.Tensor, full_targets: dict) -> NormalizedLogits:
    """Full-vocabulary target for the given token rows, reusing rows computed for an earlier term of this chunk."""
    cached = full_targets.get(id(target))
    if cached is not None:
        cached_rows, cached_target = cached
        positions = torch.searchsorted(cached_rows, token_rows_R)
        positions = positions.clamp_max(cached_rows.numel() - 1)
        if torch.equal(cached_rows[positions], token_rows_R):
            return NormalizedLogits(cached_target.logits[positions], cached_target.log_normalizer[positions])
    parts = []
    for coefficient, view in zip(target.coefficients, target.views):
        logits_RV = _logits_CV(view.hidden_NH[token_rows_R], view.lm_head_VH)
        parts.append((coefficient, NormalizedLogits(logits_RV, view.statistics.log_normalizer_N[token_rows_R])))
    if len(parts) == 1 and parts[0][0] == 1.0:
        normalized = parts[0][1]  # the first pass's log-normaliser: no second logsumexp over V
    else:
        combined_logp_RV = sum(coefficient * view.logp for coefficient, view in parts)
        normalized = normalize(combined_logp_RV)
    full_targets[id(target)] = (token_rows_R, normalized)
    return normalized


def _term_value_and_grad(
    term: LossTerm,
    student: NormalizedLogits,
    token_rows_R: torch.Tensor,
    token_ids_N: torch.Tensor,
    full_targets: dict,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One term on the rows ``token_rows_R`` (indices into N): per-token value and gradient wrt student logits."""
    if term.divergence in FULL_VOCABULARY_DIVERGENCES:
        target = _full_target(term.target, token_rows_R, full_targets)
        if term.divergence == "generalized_jsd":
            return generalized_jsd_value_and_grad(student, target, term.beta)
        if term.divergence == "reverse_kl":
            return reverse_kl_value_and_grad(student, target)
        return forward_kl_value_and_grad(student, target)
    if term.divergence == "sampled_reverse_kl":
        target_logprob_R = sum(
            coefficient * view.statistics.logprob_N[token_rows_R]
            for coefficient, view in zip(term.target.coefficients, term.target.views)
        )
        if term.target_shift_N is not None:  # Uni-OPD: the advantage log T - log S plus a per-rollout shift
            target_logprob_R = target_logprob_R + term.target_shift_N[token_rows_R].double()
        return sampled_reverse_kl_value_and_grad(student, token_ids_N[token_rows_R], target_logprob_R)
    # the top-K divergences: the target's K logits by a gathered matmul, normalised by the first pass's normaliser.
    (view,) = term.target.views
    if term.support == "student":
        k = min(term.topk, student.logits.shape[-1])
        topk_ids_RK = torch.topk(student.logits, k, dim=-1, sorted=False).indices
    else:
        topk_ids_RK = view.statistics.topk_ids_NK[token_rows_R]
    target_logits_RK = _gathered_logits_RK(view.hidden_NH[token_rows_R], view.lm_head_VH, topk_ids_RK)
    target_topk = NormalizedLogits(target_logits_RK, view.statistics.log_normalizer_N[token_rows_R])
    if term.divergence == "topk_generalized_jsd":
        return topk_generalized_jsd_value_and_grad(student, topk_ids_RK, target_topk, term.beta, term.tail)
    return topk_reverse_kl_value_and_grad(student, topk_ids_RK, target_topk, term.tail)
