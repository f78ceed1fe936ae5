"""The chunked routine equals the logits-level composition of the pure divergences, and never holds [N, V]."""

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from dopd_vl import chunked, divergences

N, H, TEACHER_H, V, K = 37, 12, 20, 300, 8
CHUNK = 8  # does not divide N = 37


def _views(dtype, seed=0):
    generator = torch.Generator().manual_seed(seed)

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=generator) * scale).to(dtype)

    views = {
        "student_hidden": randn(N, H).requires_grad_(),
        "student_lm_head": randn(V, H, scale=0.6).requires_grad_(),
        "teacher_hidden": randn(N, TEACHER_H),
        "teacher_lm_head": randn(V, TEACHER_H, scale=0.6),
        "reference_hidden": randn(N, H),
        "reference_lm_head": randn(V, H, scale=0.6),
        "token_ids": torch.randint(0, V, (N,), generator=generator),
        "weights": torch.rand(N, generator=generator, dtype=torch.float64) * (torch.rand(N, generator=generator) > 0.3),
    }
    return views


def _target_view(views, name, topk=0):
    hidden, lm_head = views[f"{name}_hidden"], views[f"{name}_lm_head"]
    statistics = chunked.view_statistics(hidden, lm_head, views["token_ids"], topk=topk, chunk_size=CHUNK)
    return chunked.TargetView(hidden, lm_head, statistics)


def _reference_loss(views, divergence, **kwargs):
    """The same objective on materialised logits with the pure functions of dopd_vl.divergences."""
    student_logits = views["student_hidden"] @ views["student_lm_head"].T
    teacher_logits = views["teacher_hidden"] @ views["teacher_lm_head"].T
    if divergence == "generalized_jsd":
        values = divergences.generalized_jsd(student_logits, teacher_logits, kwargs["beta"])
    elif divergence == "reverse_kl":
        values = divergences.reverse_kl(student_logits, teacher_logits)
    elif divergence == "forward_kl":
        values = divergences.forward_kl(student_logits, teacher_logits)
    elif divergence == "topk_reverse_kl":
        values = divergences.topk_reverse_kl(student_logits, teacher_logits, K, kwargs["support"], kwargs["tail"])
    elif divergence == "topk_generalized_jsd":
        values = divergences.topk_generalized_jsd(student_logits, teacher_logits, K, kwargs["beta"], kwargs["support"],
                                                  kwargs["tail"])
    else:
        values = divergences.sampled_reverse_kl(student_logits, teacher_logits, views["token_ids"])
    return (values * views["weights"].to(values.dtype)).sum()


CASES = [
    ("generalized_jsd", {"beta": 0.5}),
    ("generalized_jsd", {"beta": 0.1}),
    ("reverse_kl", {}),
    ("forward_kl", {}),
    ("topk_reverse_kl", {"support": "student", "tail": True}),
    ("topk_reverse_kl", {"support": "target", "tail": True}),
    ("topk_reverse_kl", {"support": "student", "tail": False}),
    ("topk_generalized_jsd", {"beta": 0.5, "support": "student", "tail": True}),
    ("topk_generalized_jsd", {"beta": 0.0, "support": "target", "tail": True}),
    ("topk_generalized_jsd", {"beta": 0.5, "support": "student", "tail": False}),
    ("sampled_reverse_kl", {}),
]


@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
@pytest.mark.parametrize("divergence, kwargs", CASES)
def test_chunked_equals_logits_level_composition(divergence, kwargs, dtype, tolerance):
    views = _views(dtype)
    support = kwargs.get("support", "student")
    teacher = _target_view(views, "teacher", topk=K if support == "target" else 0)
    term = chunked.LossTerm("term", divergence, chunked.Target.of(teacher), views["weights"], topk=K, **kwargs)
    result = chunked.chunked_objective(
        views["student_hidden"], views["student_lm_head"], views["token_ids"], [term], chunk_size=CHUNK
    )
    grads = torch.autograd.grad(result.loss, (views["student_hidden"], views["student_lm_head"]))

    expected = _reference_loss(views, divergence, **kwargs)
    expected_grads = torch.autograd.grad(expected, (views["student_hidden"], views["student_lm_head"]))
    assert result.loss.dtype == dtype
    assert abs(result.loss.item() - expected.item()) <= tolerance * abs(expected.item())
    for grad, expected_grad in zip(grads, expected_grads):
        scale = expected_grad.abs().max().item()
        assert (grad - expected_grad).abs().max().item() <= tolerance * scale * 10
    # Per-token values: the unweighted divergence where the weight is non-zero, zero elsewhere.
    assert (result.values["term"][views["weights"] == 0] == 0).all()


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-5), (torch.bfloat16, 1e-5)])
@pytest.mark.parametrize("topk, gathered", [(8, True), (64, False)])
def test_target_topk_logits_gather_rows_or_take_full_logits(topk, gathered, dtype, tolerance, monkeypatch):
    """K logits per row come from K gathered lm_head rows where K is under an eighth of V (300 / 8), else from the
    row's full logits: the same values either way (float32 math; bf16 operands multiplied exactly)."""
    generator = torch.Generator().manual_seed(3)
    hidden_RH = torch.randn(N, TEACHER_H, generator=generator).to(dtype)
    lm_head_VH = torch.randn(V, TEACHER_H, generator=generator).to(dtype)
    ids_RK = torch.stack([torch.randperm(V, generator=generator)[:topk] for _ in range(N)])
    lookups = []
    embedding = torch.nn.functional.embedding
    monkeypatch.setattr(torch.nn.functional, "embedding", lambda *a, **k: lookups.append(1) or embedding(*a, **k))
    logits_RK = chunked._gathered_logits_RK(hidden_RH, lm_head_VH, ids_RK)
    expected_RK = (hidden_RH.double() @ lm_head_VH.double().T).gather(-1, ids_RK)
    assert bool(lookups) == gathered
    assert logits_RK.dtype == torch.float32
    assert (logits_RK.double() - expected_RK).abs().max().item() <= tolerance * expected_RK.abs().max().item()


def test_several_terms_and_an_extrapolated_target():
    """Terms share a chunk (EOPD-style reuse of the teacher's logits) and a two-view target (ExOPD) renormalises."""
    views = _views(torch.float64, seed=1)
    teacher, reference = _target_view(views, "teacher"), _target_view(views, "reference")
    lam = 1.25
    subset = views["weights"] * (torch.arange(N) % 3 == 0)
    terms = [
        chunked.LossTerm("reverse", "reverse_kl", chunked.Target.of(teacher), views["weights"]),
        chunked.LossTerm("forward", "forward_kl", chunked.Target.of(teacher), subset),
        chunked.LossTerm("extrapolated", "reverse_kl", chunked.Target((teacher, reference), (lam, 1 - lam)), subset),
    ]
    result = chunked.chunked_objective(
        views["student_hidden"], views["student_lm_head"], views["token_ids"], terms, chunk_size=CHUNK
    )

    student_logits = views["student_hidden"] @ views["student_lm_head"].T
    teacher_logits = views["teacher_hidden"] @ views["teacher_lm_head"].T
    reference_logits = views["reference_hidden"] @ views["reference_lm_head"].T
    extrapolated_logits = lam * torch.log_softmax(teacher_logits, -1) + (1 - lam) * torch.log_softmax(
        reference_logits, -1
    )
    expected = (
        (divergences.reverse_kl(student_logits, teacher_logits) * views["weights"]).sum()
        + (divergences.forward_kl(student_logits, teacher_logits) * subset).sum()
        + (divergences.reverse_kl(student_logits, extrapolated_logits) * subset).sum()
    )
    assert result.loss.item() == pytest.approx(expected.item(), rel=1e-10)
    grad = torch.autograd.grad(result.loss, views["student_hidden"])[0]
    expected_grad = torch.autograd.grad(expected, views["student_hidden"])[0]
    assert torch.allclose(grad, expected_grad, rtol=1e-9, atol=1e-12)


def test_view_statistics_match_full_logits():
    views = _views(torch.float32)
    statistics = chunked.view_statistics(
        views["teacher_hidden"], views["teacher_lm_head"], views["token_ids"], entropy=True, topk=K, chunk_size=CHUNK
    )
    logits = (views["teacher_hidden"] @ views["teacher_lm_head"].T).double()
    logp = torch.log_softmax(logits, -1)
    assert torch.allclose(statistics.log_normalizer_N, torch.logsumexp(logits, -1), atol=1e-5)
    assert torch.allclose(statistics.logprob_N, logp.gather(-1, views["token_ids"][:, None]).squeeze(-1), atol=1e-5)
    assert torch.allclose(statistics.entropy_N.double(), -(logp.exp() * logp).sum(-1), atol=1e-5)
    expected_ids = torch.topk(logits, K, dim=-1).indices.sort(-1).values
    assert torch.equal(statistics.topk_ids_NK.sort(-1).values, expected_ids)


def test_student_entropy_and_logprob_outputs():
    views = _views(torch.float64)
    teacher = _target_view(views, "teacher")
    term = chunked.LossTerm("term", "reverse_kl", chunked.Target.of(teacher), views["weights"])
    result = chunked.chunked_objective(
        views["student_hidden"], views["student_lm_head"], views["token_ids"], [term], chunk_size=CHUNK
    )
    logp = torch.log_softmax(views["student_hidden"] @ views["student_lm_head"].T, -1).detach()
    assert torch.allclose(result.student_entropy_N.double(), -(logp.exp() * logp).sum(-1), atol=1e-5)
    assert torch.allclose(result.student_logprob_N.double(), logp.gather(-1, views["token_ids"][:, None]).squeeze(-1))


def test_gradient_reaches_the_student_only():
    views = _views(torch.float32)
    views["teacher_hidden"].requires_grad_()
    views["teacher_lm_head"].requires_grad_()
    teacher = _target_view(views, "teacher")
    term = chunked.LossTerm("term", "generalized_jsd", chunked.Target.of(teacher), views["weights"], beta=0.5)
    chunked.chunked_objective(
        views["student_hidden"], views["student_lm_head"], views["token_ids"], [term], chunk_size=CHUNK
    ).loss.backward()
    assert views["student_hidden"].grad.abs().sum() > 0 and views["student_lm_head"].grad.abs().sum() > 0
    assert views["teacher_hidden"].grad is None and views["teacher_lm_head"].grad is None


class _LargestTensor(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(tensor, torch.Tensor):
                self.largest = max(self.largest, tensor.numel())
        return out


def test_no_full_logits_tensor_is_ever_created():
    num_tokens, vocab, hidden, chunk = 96, 400, 8, 8
    generator = torch.Generator().manual_seed(0)
    student_hidden = torch.randn(num_tokens, hidden, generator=generator).requires_grad_()
    lm_head = torch.randn(vocab, hidden, generator=generator).requires_grad_()
    teacher_hidden = torch.randn(num_tokens, hidden, generator=generator)
    token_ids = torch.randint(0, vocab, (num_tokens,), generator=generator)
    weights = torch.ones(num_tokens, dtype=torch.float64)
    with _LargestTensor() as mode:
        teacher = chunked.TargetView(
            teacher_hidden, lm_head, chunked.view_statistics(teacher_hidden, lm_head, token_ids, chunk_size=chunk)
        )
        terms = [
            chunked.LossTerm("jsd", "generalized_jsd", chunked.Target.of(teacher), weights, beta=0.5),
            chunked.LossTerm("topk", "topk_reverse_kl", chunked.Target.of(teacher), weights, topk=16, support="student",
                             tail=True),
        ]
        chunked.chunked_objective(student_hidden, lm_head, token_ids, terms, chunk_size=chunk).loss.backward()
    # The largest tensors are one chunk's logits [chunk, V] and the lm_head gradient [V, H], never [N, V].
    assert mode.largest <= max(chunk * vocab, vocab * hidden) < num_tokens * vocab


def test_mismatched_views_are_rejected():
    views = _views(torch.float32)
    teacher = _target_view(views, "teacher")
    term = chunked.LossTerm("term", "reverse_kl", chunked.Target.of(teacher), views["weights"])
    with pytest.raises(ValueError, match="same response positions"):
        chunked.chunked_objective(views["student_hidden"][:-1], views["student_lm_head"], views["token_ids"], [term])
    with pytest.raises(ValueError, match="divergence must be one of"):
        chunked.LossTerm("term", "js", chunked.Target.of(teacher), views["weights"])


# --------------------------------------------------------------------------------------------------------------------
# The bf16 path: 16-bit operands into float32 matmul outputs, against float64 on the same bf16-rounded inputs.
# --------------------------------------------------------------------------------------------------------------------

# Realistic scale: logits of spread ~2.5 (a trained model's), 4 chunks, per-token weights ~1 / N as the objectives pass.
BF16_N, BF16_H, BF16_TEACHER_H, BF16_V, BF16_K, BF16_CHUNK = 64, 128, 96, 1024, 32, 16
BF16_UNIT_ROUNDOFF = 2.0**-9  # 8 significant bits
# The loss is float32 math on exact products (two bf16 significands of 8 bits multiply exactly in float32's 24), the
# float32 path's 1e-5 holds (measured <= 2e-7). A gradient is rounded to bf16 twice: the logit gradient before the two
# matmuls and the result (the hidden-state buffer; the lm_head's float32 sum in backward), each an error of relative
# RMS u / sqrt(3), so ~sqrt(2/3) u = 1.6e-3 in Frobenius norm; measured 2.8e-3 at most over BF16_CASES (the logit
# gradient's rows sum to zero and cancel a little in the matmuls), and per element 5.0e-3 of the largest element.
# Tested: 2u = 3.9e-3 in Frobenius norm, 4u = 7.8e-3 of the largest element per element.
BF16_LOSS_TOLERANCE = 1e-5
BF16_GRAD_FROBENIUS_TOLERANCE = 2 * BF16_UNIT_ROUNDOFF
BF16_GRAD_MAX_TOLERANCE = 4 * BF16_UNIT_ROUNDOFF


def _bf16_views(seed=0, vocabulary=BF16_V):
    generator = torch.Generator().manual_seed(seed)

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=generator) * scale).bfloat16()

    student_hidden = randn(BF16_N, BF16_H)
    return {
        "student_hidden": student_hidden,
        "student_lm_head": randn(vocabulary, BF16_H, scale=2.5 / BF16_H**0.5),
        "teacher_hidden": randn(BF16_N, BF16_TEACHER_H),
        "teacher_lm_head": randn(vocabulary, BF16_TEACHER_H, scale=2.5 / BF16_TEACHER_H**0.5),
        # the privileged student: the student's own head, a correlated view (small divergences, as in DOPD)
        "privileged_hidden": (student_hidden.float() + 0.5 * randn(BF16_N, BF16_H).float()).bfloat16(),
        "token_ids": torch.randint(0, vocabulary, (BF16_N,), generator=generator),
        "weights": (torch.rand(BF16_N, generator=generator, dtype=torch.float64) + 0.5) / BF16_N,
    }


def _objective_and_grads(views, dtype, target_name, divergence, kwargs):
    """The chunked objective with every input cast to ``dtype`` (the target view sharing the student's head or not)."""
    student_hidden = views["student_hidden"].to(dtype).requires_grad_()
    student_lm_head = views["student_lm_head"].to(dtype).requires_grad_()
    if target_name == "teacher":
        hidden, lm_head = views["teacher_hidden"].to(dtype), views["teacher_lm_head"].to(dtype)
    else:
        hidden, lm_head = views["privileged_hidden"].to(dtype), student_lm_head
    topk = BF16_K if kwargs.get("support") == "target" else 0
    statistics = chunked.view_statistics(hidden, lm_head, views["token_ids"], topk=topk, chunk_size=BF16_CHUNK)
    target = chunked.Target.of(chunked.TargetView(hidden, lm_head, statistics))
    term = chunked.LossTerm("term", divergence, target, views["weights"], topk=BF16_K, **kwargs)
    result = chunked.chunked_objective(student_hidden, student_lm_head, views["token_ids"], [term], BF16_CHUNK)
    return result.loss, torch.autograd.grad(result.loss, (student_hidden, student_lm_head))


# Each way the bf16 path reaches a target (full-vocabulary logits, gathered top-K rows on either support, the sampled
# token), against a separate teacher and against the privileged view (the student's own head); the divergence math
# itself is the float32 path's, tested per divergence above.
BF16_CASES = [("teacher", *CASES[0]), ("teacher", *CASES[5]), ("teacher", *CASES[7]), ("teacher", *CASES[10]),
              ("privileged", *CASES[0]), ("privileged", *CASES[5])]


def test_bf16_objective_is_within_the_bound_of_float64():
    views = _bf16_views()
    for case in BF16_CASES:
        target_name, divergence, kwargs = case
        loss, grads = _objective_and_grads(views, torch.bfloat16, target_name, divergence, kwargs)
        expected, expected_grads = _objective_and_grads(views, torch.float64, target_name, divergence, kwargs)
        assert loss.dtype == torch.float32
        assert abs(loss.item() - expected.item()) <= BF16_LOSS_TOLERANCE * abs(expected.item()), case
        for grad, expected_grad in zip(grads, expected_grads):
            assert grad.dtype == torch.bfloat16
            error = grad.double() - expected_grad
            assert error.norm() <= BF16_GRAD_FROBENIUS_TOLERANCE * expected_grad.norm(), case
            assert error.abs().max() <= BF16_GRAD_MAX_TOLERANCE * expected_grad.abs().max(), case


def test_float16_rounds_only_the_result():
    """float16 keeps the logit gradient and the hidden-state buffer in float32 (its range would flush them to zero):
    the gradients are float64's rounded to float16, up to float32 noise far below float16's roundoff."""
    views = {name: value.half() if value.dtype == torch.bfloat16 else value for name, value in _bf16_views().items()}
    loss, grads = _objective_and_grads(views, torch.float16, "teacher", "reverse_kl", {})
    expected, expected_grads = _objective_and_grads(views, torch.float64, "teacher", "reverse_kl", {})
    assert abs(loss.item() - expected.item()) <= BF16_LOSS_TOLERANCE * abs(expected.item())
    for grad, expected_grad in zip(grads, expected_grads):
        rounded = expected_grad.half()
        # where float32 noise tips a float16 rounding the other way: one float16 step (2u relative, or one subnormal)
        assert (grad != rounded).double().mean() <= 0.02
        torch.testing.assert_close(grad, rounded, rtol=2 * 2**-11, atol=2**-24)


class _Allocations(TorchDispatchMode):
    """(shape, dtype) of every tensor an operator allocates: views and in-place or ``out=`` results are not counted."""

    def __init__(self):
        super().__init__()
        self.allocated = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if not func.is_view and not func._schema.is_mutable:
            for tensor in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(tensor, torch.Tensor):
                    self.allocated.append((tuple(tensor.shape), tensor.dtype))
        return out


@pytest.mark.parametrize("lm_head_grad", [True, False])
def test_bf16_path_copies_no_hidden_states_or_lm_head_to_float32(monkeypatch, lm_head_grad):
    # Off CUDA, 16-bit operands are upcast in blocks; small blocks here, so a whole-tensor copy would show.
    monkeypatch.setattr(chunked, "_UPCAST_BLOCK_ELEMENTS", BF16_N // 2 * BF16_H)
    vocabulary = 256
    views = _bf16_views(vocabulary=vocabulary)
    student_hidden = views["student_hidden"].requires_grad_()
    student_lm_head = views["student_lm_head"].requires_grad_(lm_head_grad)
    with _Allocations() as mode:
        terms = []
        for name in ("teacher", "privileged"):
            hidden = views[f"{name}_hidden"]
            lm_head = views["teacher_lm_head"] if name == "teacher" else student_lm_head
            statistics = chunked.view_statistics(hidden, lm_head, views["token_ids"], topk=BF16_K,
                                                 chunk_size=BF16_CHUNK)
            target = chunked.Target.of(chunked.TargetView(hidden, lm_head, statistics))
            terms += [
                chunked.LossTerm(f"{name}_jsd", "generalized_jsd", target, views["weights"], beta=0.5),
                chunked.LossTerm(f"{name}_topk", "topk_reverse_kl", target, views["weights"], topk=BF16_K,
                                 support="target", tail=True),
            ]
        result = chunked.chunked_objective(student_hidden, student_lm_head, views["token_ids"], terms, BF16_CHUNK)
        result.loss.backward()

    hidden_sizes = (BF16_H, BF16_TEACHER_H)
    float_copies = [
        (shape, dtype) for shape, dtype in mode.allocated
        if dtype in (torch.float32, torch.float64) and len(shape) == 2 and any(size in shape for size in hidden_sizes)
        and torch.Size(shape).numel() >= BF16_N * BF16_H
    ]
    # The lm_head gradient's float32 buffer [V, H] is the one, when the head trains (its N / chunk sums need float32).
    assert float_copies == ([((vocabulary, BF16_H), torch.float32)] if lm_head_grad else [])
    assert student_hidden.grad.dtype == torch.bfloat16
    assert (student_lm_head.grad is not None) == lm_head_grad


@pytest.mark.parametrize("shape_MKP", [(8, 16, 300), (300, 8, 16), (8, 300, 16)])
def test_blocked_upcast_matmul_is_a_float32_matmul(monkeypatch, shape_MKP):
    """Off CUDA, 16-bit operands are upcast in blocks along the largest dimension (each case one of the three)."""
    monkeypatch.setattr(chunked, "_UPCAST_BLOCK_ELEMENTS", 64)
    m, k, p = shape_MKP
    generator = torch.Generator().manual_seed(0)
    a_MK = torch.randn(m, k, generator=generator).bfloat16()
    b_KP = torch.randn(k, p, generator=generator).bfloat16()
    product_MP = chunked._matmul_MP(a_MK, b_KP, torch.float32)
    assert product_MP.dtype == torch.float32
    torch.testing.assert_close(product_MP.double(), a_MK.double() @ b_KP.double(), rtol=1e-6, atol=1e-5)
    out_MP = torch.ones(m, p)
    chunked._add_matmul_(out_MP, a_MK, b_KP)
    torch.testing.assert_close(out_MP.double(), 1 + a_MK.double() @ b_KP.double(), rtol=1e-6, atol=1e-5)
