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
