"""Every registered method equals its definition on materialised logits; gradient accumulation is exact."""

import dataclasses

import pytest
import torch

from dopd_vl import divergences, objectives, routing

LENGTHS = [5, 9, 7, 11]  # four sequences, 32 tokens
H, TEACHER_H, V, K = 10, 14, 200, 8
OPTIONS = objectives.MethodOptions(topk=K, chunk_size=6)


def _batch(seed=0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    num_tokens = sum(LENGTHS)

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=generator) * scale).to(dtype)

    student_hidden = randn(num_tokens, H).requires_grad_()
    return objectives.ObjectiveBatch(
        student_hidden_NH=student_hidden,
        student_lm_head_VH=randn(V, H, scale=0.7).requires_grad_(),
        token_ids_N=torch.randint(0, V, (num_tokens,), generator=generator),
        sequence_index_N=torch.repeat_interleave(torch.arange(len(LENGTHS)), torch.tensor(LENGTHS)),
        sequence_lengths_B=torch.tensor(LENGTHS),
        num_sequences=len(LENGTHS),
        teacher_hidden_NH=randn(num_tokens, TEACHER_H),
        teacher_lm_head_VH=randn(V, TEACHER_H, scale=0.7),
        # The privileged student shares the student's weights and sees a related prompt.
        privileged_student_hidden_NH=(student_hidden.detach() + randn(num_tokens, H)).contiguous(),
        reference_hidden_NH=randn(num_tokens, H),
        reference_lm_head_VH=randn(V, H, scale=0.7),
        coarse_teacher_hidden_NH=randn(num_tokens, TEACHER_H),  # VA-OPD: the teacher on pixelated images
        rewards_B=torch.tensor([1.0, 0.0, 0.0, 1.0]),  # two prompts of two rollouts, one correct in each
        per_prompt=2,
    )


def _run(name, batch, options=OPTIONS):
    method, options = objectives.resolve_method(name, options)
    signals = objectives.token_signals(method, batch, options, generator=torch.Generator().manual_seed(0))
    statistics = objectives.step_statistics(signals, options)
    return objectives.compute_objective(method, batch, signals, statistics, options)


class Logits:
    """The logits-level definition of each method, with the pure functions of dopd_vl.divergences."""

    def __init__(self, batch):
        self.batch = batch
        self.student = batch.student_hidden_NH @ batch.student_lm_head_VH.T
        self.teacher = (batch.teacher_hidden_NH @ batch.teacher_lm_head_VH.T).detach()
        self.privileged = (batch.privileged_student_hidden_NH @ batch.student_lm_head_VH.T).detach()
        self.reference = (batch.reference_hidden_NH @ batch.reference_lm_head_VH.T).detach()
        lengths = torch.tensor(LENGTHS, dtype=torch.float64)[batch.sequence_index_N]
        self.weights = 1.0 / (lengths * len(LENGTHS))  # mean over sequences of (1/|y|) sum_n

    def logprob(self, logits):
        return torch.log_softmax(logits, -1).gather(-1, self.batch.token_ids_N[:, None]).squeeze(-1)

    def regimes(self, options=OPTIONS):
        gap = routing.privilege_gap(self.logprob(self.teacher), self.logprob(self.privileged))
        confidences = self.logprob(self.teacher).exp(), self.logprob(self.privileged).exp()
        thresholds = routing.batch_thresholds(gap, *confidences, options.outlier_quantile, options.normalize)
        return gap, routing.assign_regimes(gap, *confidences, thresholds)

    def dopd(self, options=OPTIONS, self_target=None, kept=None, regimes_kept=routing.REGIMES, deep="js",
             light="topk"):
        _, regimes = self.regimes(options)
        self_target = self.privileged if self_target is None else self_target
        in_kept_regime = torch.tensor([regime in regimes_kept for regime in routing.REGIMES])[regimes]
        weights = self.weights * (1.0 if kept is None else kept) * in_kept_regime
        if light == "topk":
            light_loss = lambda target: divergences.topk_reverse_kl(self.student, target, K)  # noqa: E731
        else:
            light_loss = lambda target: divergences.reverse_kl(self.student, target)  # noqa: E731
        per_regime = [
            divergences.generalized_jsd(self.student, self.teacher, 0.5) if deep == "js"
            else divergences.reverse_kl(self.student, self.teacher),
            options.beta_l * light_loss(self.teacher),
            options.beta_l * light_loss(self_target),
            options.beta_w * light_loss(self_target),
        ]
        values = torch.stack(per_regime).gather(0, regimes[None]).squeeze(0)
        return (weights * values).sum()


def _assert_same(name, expected, batch, options=OPTIONS):
    loss, metrics = _run(name, batch, options)
    grads = torch.autograd.grad(loss, (batch.student_hidden_NH, batch.student_lm_head_VH))
    expected_grads = torch.autograd.grad(expected, (batch.student_hidden_NH, batch.student_lm_head_VH))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-9)
    for grad, expected_grad in zip(grads, expected_grads):
        assert torch.allclose(grad, expected_grad, rtol=1e-7, atol=1e-12)
    assert metrics["loss"] == pytest.approx(loss.item())
    return metrics


@pytest.mark.parametrize("estimator", objectives.ESTIMATORS)
def test_opd(estimator):
    batch = _batch()
    logits = Logits(batch)
    options = objectives.MethodOptions(estimator=estimator, chunk_size=6)
    if estimator == "full":
        values = divergences.reverse_kl(logits.student, logits.teacher)
    else:
        values = divergences.sampled_reverse_kl(logits.student, logits.teacher, batch.token_ids_N)
    _assert_same("opd", (logits.weights * values).sum(), batch, options)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_gkd(beta):
    batch = _batch()
    logits = Logits(batch)
    expected = (logits.weights * divergences.generalized_jsd(logits.student, logits.teacher, beta)).sum()
    _assert_same("gkd", expected, batch, objectives.MethodOptions(beta=beta, chunk_size=6))


def test_opsd_targets_the_privileged_student():
    batch = _batch()
    logits = Logits(batch)
    expected = (logits.weights * divergences.generalized_jsd(logits.student, logits.privileged, 0.5)).sum()
    _assert_same("opsd", expected, batch)


@pytest.mark.parametrize("estimator", objectives.ESTIMATORS)
def test_exopd_extrapolates_past_the_teacher(estimator):
    batch = _batch()
    logits = Logits(batch)
    lam = 1.25
    target_logits = lam * torch.log_softmax(logits.teacher, -1) + (1 - lam) * torch.log_softmax(logits.reference, -1)
    if estimator == "full":
        values = divergences.reverse_kl(logits.student, target_logits)
    else:
        # The unnormalised target log-prob of the sampled token: lam log T(y) + (1 - lam) log R(y).
        log_ratio = logits.logprob(logits.student) - target_logits.gather(-1, batch.token_ids_N[:, None]).squeeze(-1)
        values = 0.5 * log_ratio**2
    options = objectives.MethodOptions(estimator=estimator, exopd_lambda=lam, chunk_size=6)
    _assert_same("exopd", (logits.weights * values).sum(), batch, options)


def test_eopd_adds_forward_kl_on_high_entropy_teacher_tokens():
    batch = _batch()
    logits = Logits(batch)
    teacher_logp = torch.log_softmax(logits.teacher, -1)
    entropy = -(teacher_logp.exp() * teacher_logp).sum(-1)
    high_entropy = entropy > entropy.mean()
    assert 0 < high_entropy.sum() < len(high_entropy)
    expected = (logits.weights * divergences.reverse_kl(logits.student, logits.teacher)).sum() + (
        logits.weights * high_entropy * divergences.forward_kl(logits.student, logits.teacher)
    ).sum()
    metrics = _assert_same("eopd", expected, batch)
    assert metrics["fraction/forward_kl"] == pytest.approx(high_entropy.double().mean().item())


def test_dopd_routes_and_weights_every_regime():
    batch = _batch()
    logits = Logits(batch)
    _, regimes = logits.regimes()
    counts = torch.bincount(regimes, minlength=4)
    assert (counts > 0).all(), counts  # the batch exercises all four regimes
    metrics = _assert_same("dopd", logits.dopd(), batch)
    for code, regime in enumerate(routing.REGIMES):
        assert metrics[f"fraction/{regime}"] == pytest.approx(counts[code].item() / regimes.numel())
    assert {"gap_mean", "teacher_confidence_mean", "student_confidence_mean", "student_entropy_mean"} <= set(metrics)


def test_dopd_target_support_and_no_tail():
    batch = _batch()
    logits = Logits(batch)
    _, regimes = logits.regimes()
    options = objectives.MethodOptions(topk=K, topk_support="target", topk_tail=False, chunk_size=6)
    topk = lambda target: divergences.topk_reverse_kl(logits.student, target, K, "target", False)  # noqa: E731
    per_regime = [
        divergences.generalized_jsd(logits.student, logits.teacher, 0.5),
        0.6 * topk(logits.teacher),
        0.6 * topk(logits.privileged),
        0.3 * topk(logits.privileged),
    ]
    expected = (logits.weights * torch.stack(per_regime).gather(0, regimes[None]).squeeze(0)).sum()
    _assert_same("dopd", expected, batch, options)


def test_dopd_ablations():
    batch = _batch()
    # Routing off: every token is deep_teacher, i.e. GKD with beta 0.5.
    logits = Logits(batch)
    expected = (logits.weights * divergences.generalized_jsd(logits.student, logits.teacher, 0.5)).sum()
    assert _assert_same("dopd_no_routing", expected, batch)["fraction/deep_teacher"] == 1.0
    # No self stream: the self regimes learn from the teacher.
    logits = Logits(batch)
    _assert_same("dopd_no_self", logits.dopd(self_target=logits.teacher), batch)
    # Drop the 20% highest / lowest-gap tokens: exactly those lose their loss (ranks 27..32 / 1..7 of 32 here).
    gap, _ = logits.regimes()
    order = gap.argsort()
    for name, dropped in [("dopd_drop_high_gap", order[26:]), ("dopd_drop_low_gap", order[:7])]:
        kept = torch.ones_like(gap, dtype=torch.float64).index_fill(0, dropped, 0.0)
        metrics = _assert_same(name, Logits(batch).dopd(kept=kept), batch)
        assert metrics["fraction/dropped"] == pytest.approx(len(dropped) / len(gap))
    _, metrics = _run("dopd_drop_random", batch)
    assert metrics["fraction/dropped"] == pytest.approx(6 / 32)


@pytest.mark.parametrize("kept", [("deep_teacher",), ("light_teacher", "weak_self"), ("light_self", "weak_self"),
                                  routing.REGIMES])
def test_dopd_keeps_exactly_the_regimes_asked_for(kept):
    """Table 6: objective.regimes keeps a subset of the regimes; the other tokens get no loss and no gradient."""
    batch = _batch()
    logits = Logits(batch)
    options = dataclasses.replace(OPTIONS, regimes=",".join(kept))
    metrics = _assert_same("dopd", logits.dopd(regimes_kept=kept), batch, options)
    assert set(metrics) >= {f"loss/{regime}" for regime in kept}
    assert not set(metrics) & {f"loss/{regime}" for regime in routing.REGIMES if regime not in kept}
    loss, _ = _run("dopd", batch, options)
    (gradient_NH,) = torch.autograd.grad(loss, batch.student_hidden_NH)
    _, regimes = logits.regimes()
    outside = ~torch.tensor([regime in kept for regime in routing.REGIMES])[regimes]
    assert (gradient_NH[outside] == 0).all() and (gradient_NH[~outside].abs().sum(-1) > 0).all()


def test_dopd_component_ablations():
    """Table 8: the self regimes only, reverse KL in every regime, the full vocabulary in every regime."""
    batch = _batch()
    _assert_same("dopd_no_teacher", Logits(batch).dopd(regimes_kept=("light_self", "weak_self")), batch)
    _assert_same("dopd_single_divergence", Logits(batch).dopd(deep="rkl"), batch)
    _assert_same("dopd_single_support", Logits(batch).dopd(light="full"), batch)
    # exact equivalences: generalized JSD at beta 1 is the reverse KL, and top-K over the whole vocabulary is it too
    single_divergence, _ = _run("dopd_single_divergence", batch)
    assert _run("dopd", batch, dataclasses.replace(OPTIONS, beta=1.0))[0].item() == pytest.approx(
        single_divergence.item(), rel=1e-9)
    single_support, _ = _run("dopd_single_support", batch)
    assert _run("dopd", batch, dataclasses.replace(OPTIONS, topk=V))[0].item() == pytest.approx(
        single_support.item(), rel=1e-9)
    # routing off is GKD with beta 0.5, and the privileged views' prompts are the trainer's business
    assert _run("dopd_no_routing", batch)[0].item() == pytest.approx(_run("gkd", batch)[0].item(), rel=1e-12)
    assert _run("dopd_no_privileged", batch)[0].item() == pytest.approx(_run("dopd", batch)[0].item(), rel=1e-12)


def test_gradient_accumulation_over_four_micro_batches_equals_one_batch():
    batch = _batch(seed=3)
    full_loss, _ = _run("dopd", batch)
    full_grads = torch.autograd.grad(full_loss, (batch.student_hidden_NH, batch.student_lm_head_VH))

    # The same step as four micro-batches of one sequence each; the leaf tensors are shared, gradients accumulate.
    bounds = torch.cumsum(torch.tensor([0] + LENGTHS), 0).tolist()
    micro_batches = []
    for index, (start, end) in enumerate(zip(bounds[:-1], bounds[1:])):
        rows = slice(start, end)
        micro_batches.append(
            objectives.ObjectiveBatch(
                student_hidden_NH=batch.student_hidden_NH[rows],
                student_lm_head_VH=batch.student_lm_head_VH,
                token_ids_N=batch.token_ids_N[rows],
                sequence_index_N=torch.zeros(end - start, dtype=torch.long),
                sequence_lengths_B=torch.tensor([LENGTHS[index]]),
                num_sequences=len(LENGTHS),  # the step's count, not the micro-batch's
                teacher_hidden_NH=batch.teacher_hidden_NH[rows],
                teacher_lm_head_VH=batch.teacher_lm_head_VH,
                privileged_student_hidden_NH=batch.privileged_student_hidden_NH[rows],
            )
        )
    dopd, options = objectives.resolve_method("dopd", OPTIONS)
    signals = [objectives.token_signals(dopd, mb, options) for mb in micro_batches]
    statistics = objectives.step_statistics(objectives.TokenSignals.cat(signals), options)
    # Per-micro-batch thresholds would route differently: the test would catch them.
    local = objectives.step_statistics(signals[0], options)
    assert local.thresholds != statistics.thresholds

    losses = [
        objectives.compute_objective(dopd, micro_batch, micro_signals, statistics, options)[0]
        for micro_batch, micro_signals in zip(micro_batches, signals)
    ]
    summed = torch.stack(losses).sum()
    grads = torch.autograd.grad(summed, (batch.student_hidden_NH, batch.student_lm_head_VH))
    assert summed.item() == pytest.approx(full_loss.item(), rel=1e-12)
    for grad, full_grad in zip(grads, full_grads):
        assert torch.allclose(grad, full_grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("topk_support", objectives.TOPK_SUPPORTS)
def test_float32_batch_runs_every_method(topk_support):
    options = objectives.MethodOptions(topk=K, topk_support=topk_support, chunk_size=6)
    for name in objectives.METHODS:
        batch = _batch(dtype=torch.float32)
        # Only the views the method lists are scored: a method must not read any other.
        for view in set(objectives.VIEWS) - set(objectives.METHODS[name].views):
            setattr(batch, f"{view}_hidden_NH", None)
        loss, metrics = _run(name, batch, options)
        loss.backward()
        assert loss.dtype == torch.float32 and torch.isfinite(loss)
        assert batch.student_hidden_NH.grad is not None and torch.isfinite(batch.student_lm_head_VH.grad).all()
        assert metrics["num_tokens"] == sum(LENGTHS)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="estimator"):
        objectives.MethodOptions(estimator="exact")
    with pytest.raises(ValueError, match="unknown method"):
        _run("dpo", _batch())
    batch = _batch()
    batch.privileged_student_hidden_NH = None
    with pytest.raises(ValueError, match="privileged_student"):
        _run("dopd", batch)
    with pytest.raises(ValueError, match="same response tokens"):
        objectives.ObjectiveBatch(
            student_hidden_NH=torch.zeros(3, H),
            student_lm_head_VH=torch.zeros(V, H),
            token_ids_N=torch.zeros(4, dtype=torch.long),
            sequence_index_N=torch.zeros(4, dtype=torch.long),
            sequence_lengths_B=torch.tensor([4]),
            num_sequences=1,
        )


@pytest.mark.parametrize("divergence", ["fkl", "rkl", "js"])
@pytest.mark.parametrize("support", ["sampled", "topk", "full"])
def test_uniform_is_one_divergence_on_one_support_for_every_token(divergence, support):
    """Table 7: method=uniform with objective.divergence x objective.support, against its definition."""
    batch = _batch()
    logits = Logits(batch)
    if support == "sampled" and divergence != "rkl":
        with pytest.raises(ValueError, match="support 'sampled' has a reverse-KL estimator only"):
            objectives.MethodOptions(divergence=divergence, support=support)
        return
    options = objectives.MethodOptions(divergence=divergence, support=support, topk=K, chunk_size=6)
    beta = {"fkl": 0.0, "rkl": 1.0, "js": 0.5}[divergence]
    if support == "sampled":
        values = divergences.sampled_reverse_kl(logits.student, logits.teacher, batch.token_ids_N)
    elif support == "full":
        values = divergences.generalized_jsd(logits.student, logits.teacher, beta)
    else:
        values = divergences.topk_generalized_jsd(logits.student, logits.teacher, K, beta)
    _assert_same("uniform", (logits.weights * values).sum(), batch, options)


def test_uniform_js_on_the_full_vocabulary_is_gkd():
    batch = _batch()
    options = objectives.MethodOptions(divergence="js", support="full", chunk_size=6)
    assert _run("uniform", batch, options)[0].item() == pytest.approx(_run("gkd", batch)[0].item(), rel=1e-12)


def test_dopd_without_adaptive_losses_gives_every_token_top_k_js():
    """Table 6: objective.adaptive=false, every kept token's loss is top-K JS (beta 0.5, weight 1) to its regime's
    target; with all four regimes and adaptive losses, DOPD is DOPD."""
    batch = _batch()
    logits = Logits(batch)
    _, regimes = logits.regimes()
    js = lambda target: divergences.topk_generalized_jsd(logits.student, target, K, 0.5)  # noqa: E731
    per_regime = [js(logits.teacher), js(logits.teacher), js(logits.privileged), js(logits.privileged)]
    kept = torch.tensor([regime != "weak_self" for regime in routing.REGIMES])[regimes]
    expected = (logits.weights * kept * torch.stack(per_regime).gather(0, regimes[None]).squeeze(0)).sum()
    options = dataclasses.replace(OPTIONS, adaptive=False, regimes="deep_teacher,light_teacher,light_self")
    _assert_same("dopd", expected, batch, options)
    # the four regimes named in any order, with spaces, are all of them
    everything = dataclasses.replace(OPTIONS, regimes=" weak_self, light_self,light_teacher , deep_teacher")
    assert everything.regimes != OPTIONS.regimes and set(everything.kept_regimes) == set(routing.REGIMES)
    assert _run("dopd", batch, everything)[0].item() == _run("dopd", batch)[0].item()
