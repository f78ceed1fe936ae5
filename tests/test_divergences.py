"""Every divergence against a float64 reference written here from the formula, gradients by gradcheck, TRL parity."""

import pytest
import torch

from dopd_vl import divergences

# Logit scales: 0.5 is a flat distribution (temperature 2 on unit logits), 8 a peaked one (temperature 1/8).
# Flatter than 0.5 at V = 151,936 the divergences are ~0.01 and float32 log-probabilities (|log p| ~ 12, ulp 1e-6)
# cannot hold 1e-5 relative error, whatever the implementation.
SHAPES = [(1, 7), (5, 64), (17, 1000), (3, 151_936)]
SCALES = [0.5, 1.0, 8.0]
RELATIVE_TOLERANCE = 1e-5


def _logits(shape, scale, seed):
    generator = torch.Generator().manual_seed(seed)
    student = torch.randn(shape, generator=generator) * scale
    target = torch.randn(shape, generator=generator) * scale
    return student, target


def _logp64(logits):
    return torch.log_softmax(logits.double(), dim=-1)


def reference_reverse_kl(student, target):
    log_s, log_t = _logp64(student), _logp64(target)
    return (log_s.exp() * (log_s - log_t)).sum(-1)


def reference_forward_kl(student, target):
    log_s, log_t = _logp64(student), _logp64(target)
    return (log_t.exp() * (log_t - log_s)).sum(-1)


def reference_generalized_jsd(student, target, beta):
    if beta == 0.0:
        return reference_forward_kl(student, target)
    if beta == 1.0:
        return reference_reverse_kl(student, target)
    p, t = _logp64(student).exp(), _logp64(target).exp()
    m = (1 - beta) * p + beta * t
    return beta * (t * (t / m).log()).sum(-1) + (1 - beta) * (p * (p / m).log()).sum(-1)


def reference_topk_reverse_kl(student, target, k, support, tail):
    p, t = _logp64(student).exp(), _logp64(target).exp()
    ids = torch.topk(student if support == "student" else target, k, dim=-1).indices
    in_topk = torch.zeros_like(p, dtype=torch.bool).scatter(-1, ids, True)
    p_k, t_k = p.gather(-1, ids), t.gather(-1, ids)
    if not tail:
        p_k, t_k = p_k / p_k.sum(-1, keepdim=True), t_k / t_k.sum(-1, keepdim=True)
        return (p_k * (p_k / t_k).log()).sum(-1)
    # The tail bucket: all the mass outside the K tokens, summed directly (not 1 - sum).
    p_tail, t_tail = (p * ~in_topk).sum(-1), (t * ~in_topk).sum(-1)
    return (p_k * (p_k / t_k).log()).sum(-1) + p_tail * (p_tail / t_tail).log()


def reference_sampled(student, target, token_ids):
    log_s = _logp64(student).gather(-1, token_ids[:, None]).squeeze(-1)
    log_t = _logp64(target).gather(-1, token_ids[:, None]).squeeze(-1)
    return 0.5 * (log_s - log_t) ** 2


def _assert_close(actual, expected):
    assert actual.dtype == torch.float32
    assert actual.shape == expected.shape
    relative_error = ((actual.double() - expected).abs() / expected.abs()).max().item()
    assert relative_error < RELATIVE_TOLERANCE, relative_error


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("scale", SCALES)
def test_full_vocabulary_divergences_match_float64_reference(shape, scale):
    student, target = _logits(shape, scale, seed=shape[-1] + int(10 * scale))
    _assert_close(divergences.reverse_kl(student, target), reference_reverse_kl(student, target))
    _assert_close(divergences.forward_kl(student, target), reference_forward_kl(student, target))
    for beta in (0.0, 0.1, 0.5, 0.9, 1.0):
        _assert_close(
            divergences.generalized_jsd(student, target, beta), reference_generalized_jsd(student, target, beta)
        )


@pytest.mark.parametrize("shape", SHAPES[1:])
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("support", ["student", "target"])
@pytest.mark.parametrize("tail", [True, False])
def test_topk_reverse_kl_matches_float64_reference(shape, scale, support, tail):
    student, target = _logits(shape, scale, seed=7 * shape[-1] + int(scale))
    k = 16 if shape[-1] <= 1000 else 128
    actual = divergences.topk_reverse_kl(student, target, k, support=support, tail=tail)
    _assert_close(actual, reference_topk_reverse_kl(student, target, k, support, tail))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("scale", SCALES)
def test_sampled_reverse_kl_matches_float64_reference(shape, scale):
    student, target = _logits(shape, scale, seed=3)
    token_ids = torch.randint(0, shape[-1], (shape[0],), generator=torch.Generator().manual_seed(4))
    _assert_close(
        divergences.sampled_reverse_kl(student, target, token_ids), reference_sampled(student, target, token_ids)
    )


def test_topk_with_tail_is_a_true_divergence():
    student, target = _logits((6, 300), 2.0, seed=11)
    assert (divergences.topk_reverse_kl(student, target, 8) > 0).all()
    # Equal on the bucketed support (same K probabilities, tail mass spread differently) -> exactly zero.
    shuffled = student.clone()
    ids = torch.topk(student, 8, dim=-1).indices
    outside = torch.ones_like(student, dtype=torch.bool).scatter(-1, ids, False)
    for row in range(student.shape[0]):
        values = student[row][outside[row]]
        permutation = torch.randperm(values.numel(), generator=torch.Generator().manual_seed(row))
        shuffled[row][outside[row]] = values[permutation]
    assert divergences.topk_reverse_kl(student, shuffled, 8).abs().max().item() < 1e-6


def test_divergences_are_zero_for_identical_distributions():
    logits = torch.randn(4, 500, generator=torch.Generator().manual_seed(0)) * 3
    for value in (
        divergences.reverse_kl(logits, logits),
        divergences.forward_kl(logits, logits),
        divergences.generalized_jsd(logits, logits, 0.5),
        divergences.topk_reverse_kl(logits, logits, 32),
    ):
        assert value.abs().max().item() < 1e-6


def _gradcheck(function, *args):
    student, target = _logits((3, 11), 1.5, seed=5)
    student = student.double().requires_grad_()
    assert torch.autograd.gradcheck(lambda s: function(s, target.double(), *args), (student,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_generalized_jsd_gradient(beta):
    _gradcheck(divergences.generalized_jsd, beta)


def test_kl_gradients():
    _gradcheck(divergences.reverse_kl)
    _gradcheck(divergences.forward_kl)


@pytest.mark.parametrize("support", ["student", "target"])
@pytest.mark.parametrize("tail", [True, False])
def test_topk_reverse_kl_gradient(support, tail):
    # The support is a discrete choice; gradcheck's 1e-6 perturbations never change the top-4 of these logits.
    _gradcheck(divergences.topk_reverse_kl, 4, support, tail)


def test_sampled_reverse_kl_gradient_is_the_policy_gradient():
    _gradcheck(divergences.sampled_reverse_kl, torch.tensor([0, 5, 10]))
    student, target = _logits((3, 11), 1.5, seed=5)
    token_ids = torch.tensor([0, 5, 10])
    student.requires_grad_()
    divergences.sampled_reverse_kl(student, target, token_ids).sum().backward()
    # REINFORCE: gradient of -A * log S(y) with the detached advantage A.
    student_logprob = torch.log_softmax(student, -1).gather(-1, token_ids[:, None]).squeeze(-1)
    target_logprob = torch.log_softmax(target, -1).gather(-1, token_ids[:, None]).squeeze(-1)
    advantage = divergences.sampled_token_advantage(student_logprob, target_logprob)
    assert torch.allclose(advantage, target_logprob.detach() - student_logprob.detach())
    (expected,) = torch.autograd.grad((-advantage * student_logprob).sum(), student)
    assert torch.allclose(student.grad, expected, atol=1e-6)


def test_gradient_flows_to_student_only():
    student, target = _logits((2, 9), 1.0, seed=1)
    student.requires_grad_()
    target.requires_grad_()
    divergences.generalized_jsd(student, target, 0.5).sum().backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert target.grad is None


def test_bf16_logits_use_float32_math():
    student, target = _logits((4, 1000), 1.0, seed=2)
    value = divergences.reverse_kl(student.bfloat16(), target.bfloat16())
    assert value.dtype == torch.float32
    _assert_close(value, reference_reverse_kl(student.bfloat16().float(), target.bfloat16().float()))


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_generalized_jsd_matches_trl(beta):
    gkd_trainer = pytest.importorskip("trl.experimental.gkd.gkd_trainer")
    student, target = _logits((2, 13, 700), 2.0, seed=int(100 * beta))
    expected = gkd_trainer.GKDTrainer.generalized_jsd_loss(student, target, beta=beta, reduction="none").sum(-1)
    actual = divergences.generalized_jsd(student.view(-1, 700), target.view(-1, 700), beta).view(2, 13)
    assert torch.allclose(actual, expected, rtol=1e-5, atol=1e-6), (actual - expected).abs().max()
    # Gradients too: TRL differentiates through autograd, we use the analytic gradient.
    student_a, student_b = student.clone().requires_grad_(), student.clone().requires_grad_()
    gkd_trainer.GKDTrainer.generalized_jsd_loss(student_a, target, beta=beta, reduction="sum").backward()
    divergences.generalized_jsd(student_b.view(-1, 700), target.view(-1, 700), beta).sum().backward()
    assert torch.allclose(student_a.grad, student_b.grad, rtol=1e-4, atol=1e-7)


def reference_topk_generalized_jsd(student, target, k, beta, support, tail):
    """Generalized JSD between the bucket distributions (the K tokens and the tail, or the K renormalised), float64."""
    p, t = _logp64(student).exp(), _logp64(target).exp()
    ids = torch.topk(student if support == "student" else target, k, dim=-1).indices
    in_topk = torch.zeros_like(p, dtype=torch.bool).scatter(-1, ids, True)
    p_b, t_b = p.gather(-1, ids), t.gather(-1, ids)
    if tail:
        p_b = torch.cat([p_b, (p * ~in_topk).sum(-1, keepdim=True)], -1)
        t_b = torch.cat([t_b, (t * ~in_topk).sum(-1, keepdim=True)], -1)
    else:
        p_b, t_b = p_b / p_b.sum(-1, keepdim=True), t_b / t_b.sum(-1, keepdim=True)
    return reference_generalized_jsd(p_b.log(), t_b.log(), beta)


@pytest.mark.parametrize("shape", SHAPES[1:3])
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("support, tail", [("student", True), ("target", True), ("student", False)])
def test_topk_generalized_jsd_matches_float64_reference_value_and_gradient(shape, scale, beta, support, tail):
    student, target = _logits(shape, scale, seed=5 * shape[-1] + int(scale))
    k = 16
    student.requires_grad_()
    actual = divergences.topk_generalized_jsd(student, target, k, beta, support=support, tail=tail)
    expected = reference_topk_generalized_jsd(student.detach(), target, k, beta, support, tail)
    # 1e-4, not 1e-5: the buckets' float32 log-probabilities are differenced as they are (the reverse KL, beta 1,
    # forms its log-ratios from logits and float64 normalisers instead)
    assert actual.dtype == torch.float32 and ((actual.double() - expected).abs() / expected.abs()).max() < 1e-4
    # the analytic gradient against autograd through the float64 reference (the support is fixed, as in the code)
    weights = torch.rand(shape[0], generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    (grad,) = torch.autograd.grad((actual.double() * weights).sum(), student)
    student64 = student.detach().double().requires_grad_()
    reference = reference_topk_generalized_jsd(student64, target, k, beta, support, tail)
    (expected_grad,) = torch.autograd.grad((reference * weights).sum(), student64)
    assert (grad.double() - expected_grad).abs().max() < 1e-4 * expected_grad.abs().max()
