"""The baselines of the paper's Tables 1 and 2 (OPCD, SDFT, SDPO, Uni-OPD, TIP, Vision-OPD, VA-OPD): each equals its
definition on materialised float64 logits, and the part that makes it that method (skipped tokens, the sibling
feedback, the margin, the token selection, the visual advantage) is active."""

import math

import pytest
import torch
from test_objectives import LENGTHS, OPTIONS, K, Logits, _assert_same, _batch, _run

from dopd_vl import divergences, objectives, weighting


def _options(name, **explicit):
    """The options a run of `name` gets from a config that sets only these (the method's defaults under them)."""
    return objectives.method_options(name, **{"topk": K, "chunk_size": 6, **explicit})


def _positions():
    return torch.cat([torch.arange(length) for length in LENGTHS])


def test_opcd_is_top_k_reverse_kl_to_the_teacher_with_its_own_default_k():
    assert objectives.method_options("opcd").topk == 256
    assert objectives.method_options("opcd", topk=64).topk == 64  # a config's value wins over the method's default
    batch = _batch()
    logits = Logits(batch)
    expected = (logits.weights * divergences.topk_reverse_kl(logits.student, logits.teacher, K)).sum()
    _assert_same("opcd", expected, batch, _options("opcd"))


def test_sdft_is_forward_kl_to_the_demonstrated_self_teacher_without_its_first_three_tokens():
    options = _options("sdft")
    assert (options.beta, options.self_target, options.ema_rate, options.skip_first_tokens) == (0.0, "ema", 0.01, 3)
    assert objectives.resolve_method("sdft", options)[1].self_context == "demonstration"
    batch = _batch()
    # the EMA copy's lm_head scores the self-teacher's hidden states, not the live student's
    batch.privileged_student_lm_head_VH = batch.student_lm_head_VH.detach() + 0.3 * torch.randn(
        batch.student_lm_head_VH.shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    logits = Logits(batch)
    ema_teacher = batch.privileged_student_hidden_NH @ batch.privileged_student_lm_head_VH.T
    counted = _positions() >= 3
    expected = (logits.weights * counted * divergences.forward_kl(logits.student, ema_teacher)).sum()
    _assert_same("sdft", expected, batch, options)
    loss, _ = _run("sdft", batch, options)
    (gradient_NH,) = torch.autograd.grad(loss, batch.student_hidden_NH)
    assert (gradient_NH[~counted] == 0).all() and (gradient_NH[counted].abs().sum(-1) > 0).all()


def test_sdpo_teaches_only_rollouts_with_a_successful_sibling():
    options = _options("sdpo")
    assert (options.self_target, options.ema_rate) == ("ema", 0.05)
    assert objectives.method_options("sdpo").topk == 100
    batch = _batch()  # rewards [1, 0 | 0, 1]: rollouts 1 and 2 have a successful sibling, 0 and 3 only themselves
    logits = Logits(batch)
    taught = torch.tensor([False, True, True, False])[batch.sequence_index_N]
    expected = (logits.weights * taught * divergences.topk_generalized_jsd(logits.student, logits.privileged, K,
                                                                            0.5)).sum()
    metrics = _assert_same("sdpo", expected, batch, options)
    assert metrics["fraction/with_feedback"] == 0.5 and metrics["reward_mean"] == 0.5
    loss, _ = _run("sdpo", batch, options)
    (gradient_NH,) = torch.autograd.grad(loss, batch.student_hidden_NH)
    assert (gradient_NH[~taught] == 0).all() and (gradient_NH[taught].abs().sum(-1) > 0).all()


def test_successful_sibling_is_another_rollout_of_the_same_prompt():
    rewards_B = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.2, 0.7, 1.0])
    # prompt 0: rollouts 0 and 2 succeed, each the other's sibling; prompt 1: none; prompt 2: 7 first (0.5 threshold)
    assert weighting.successful_sibling_B(rewards_B, 3, 0.5).tolist() == [2, 0, 0, -1, -1, -1, 7, 8, 7]


def _uni_opd_expected(logits, batch, options, kept_B):
    student_logprob, teacher_logprob = logits.logprob(logits.student), logits.logprob(logits.teacher)
    advantage = (teacher_logprob - student_logprob).detach()
    correct = [reward >= 0.5 for reward in batch.rewards_B.tolist()]
    returns = [advantage[batch.sequence_index_N == b].mean().item() for b in range(len(LENGTHS))]
    shift = []
    for prompt in range(len(LENGTHS) // 2):
        rows = [2 * prompt, 2 * prompt + 1]
        good = [returns[b] for b in rows if correct[b]]
        bad = [returns[b] for b in rows if not correct[b]]
        s = max(options.margin - (sum(good) / len(good) - sum(bad) / len(bad)), 0.0) if good and bad else 0.0
        shift += [s / 2 if correct[b] else -s / 2 for b in rows]
    shift_N = torch.tensor(shift, dtype=torch.float64)[batch.sequence_index_N]
    in_range = advantage.abs() < options.max_log_ratio
    # the sampled-token loss 0.5 (log S - (log T + s))^2: its gradient is -(A + s) d log S, A = log T - log S
    values = 0.5 * (student_logprob - teacher_logprob - shift_N) ** 2
    return (logits.weights * kept_B[batch.sequence_index_N] * in_range * values).sum(), shift_N, in_range


def test_uni_opd_shifts_advantages_so_correct_rollouts_lead_by_the_margin():
    batch = _batch()
    options = _options("uni_opd", balance_rollouts=False, margin=3.0)
    logits = Logits(batch)
    expected, shift_N, in_range = _uni_opd_expected(logits, batch, options, torch.ones(4, dtype=torch.float64))
    assert (shift_N != 0).all() and in_range.all()  # the margin binds in both prompts
    metrics = _assert_same("uni_opd", expected, batch, options)
    assert metrics["fraction/kept_rollouts"] == 1.0
    # after the shift, correct rollouts' mean shifted advantage leads the incorrect ones' by exactly the margin
    advantage = (logits.logprob(logits.teacher) - logits.logprob(logits.student)).detach() + shift_N
    means = [advantage[batch.sequence_index_N == b].mean().item() for b in range(4)]
    assert means[0] - means[1] == pytest.approx(3.0) and means[3] - means[2] == pytest.approx(3.0)
    # tokens whose |log S - log T| reaches max_log_ratio get no loss
    options = _options("uni_opd", balance_rollouts=False, max_log_ratio=2.0)
    expected, _, in_range = _uni_opd_expected(Logits(batch), batch, options, torch.ones(4, dtype=torch.float64))
    assert 0 < in_range.sum() < len(in_range)
    _assert_same("uni_opd", expected, batch, options)
    loss, _ = _run("uni_opd", batch, options)
    (gradient_NH,) = torch.autograd.grad(loss, batch.student_hidden_NH)
    assert (gradient_NH[~in_range] == 0).all()


def test_margin_shift_and_balancing_touch_mixed_prompts_only():
    returns_B = torch.tensor([0.1, 0.3, -0.2, 2.0, 1.0, 1.0, 0.0, 5.0, 4.0])
    correct_B = torch.tensor([1, 1, 0, 1, 0, 0, 0, 0, 0], dtype=torch.bool)
    shift_B = weighting.margin_shift_B(returns_B, correct_B, 3, 0.4)
    # prompt 0: gap 0.2 - (-0.2) = 0.4 already, no shift; prompt 1: gap 1.0 -> none; prompt 2: all incorrect
    assert shift_B.abs().max().item() == pytest.approx(0.0, abs=1e-12)
    shift_B = weighting.margin_shift_B(returns_B, correct_B, 3, 1.5)
    assert shift_B[:3].tolist() == pytest.approx([0.55, 0.55, -0.55]) and shift_B[3:].tolist() == pytest.approx(
        [0.25, -0.25, -0.25, 0, 0, 0])
    correct_B = torch.tensor([1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1], dtype=torch.bool)
    keys_B = torch.tensor([0.9, 0.1, 0.5, 0.3, 0.2, 0.8, 0.7, 0.4, 0.6, 0.5, 0.1, 0.2])
    kept_B = weighting.balanced_rollouts_B(correct_B, 4, keys_B)
    # each prompt has one rollout of the minority class, so the majority keeps one: the smallest key (1; 7; 10)
    assert kept_B.tolist() == [0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0]


@pytest.mark.parametrize("rule", weighting.TIP_RULES)
def test_tip_keeps_exactly_its_token_types(rule):
    batch = _batch()
    logits = Logits(batch)
    options = _options("tip", tip_rule=rule)
    divergence = divergences.reverse_kl(logits.student, logits.teacher).detach()
    logp = torch.log_softmax(logits.student.detach(), -1)
    entropy = -(logp.exp() * logp).sum(-1)
    h = (entropy - entropy.min()) / (entropy.max() - entropy.min())
    d = (divergence - divergence.min()) / (divergence.max() - divergence.min())
    if rule == "q3":  # low entropy (at most the median) and high divergence (above the median): confident and wrong
        kept = (h <= h.median()) & (d > d.median())
        assert 0 < kept.sum() < len(kept)
    else:  # the half of the tokens with the highest score
        score = h + d - h * d if rule == "soft_or" else h
        kept = torch.zeros(len(score), dtype=torch.bool)
        kept[score.argsort(descending=True)[: math.ceil(0.5 * len(score))]] = True
        assert kept.sum() == 16
    expected = (logits.weights * kept * divergences.reverse_kl(logits.student, logits.teacher)).sum()
    metrics = _assert_same("tip", expected, batch, options)
    assert metrics["fraction/kept"] == pytest.approx(kept.double().mean().item())


def test_vision_opd_is_top_k_js_to_the_self_teacher_that_sees_the_crops():
    options = _options("vision_opd")
    assert objectives.resolve_method("vision_opd", options)[1].self_context == "crops"
    assert (options.self_target, options.ema_rate, objectives.method_options("vision_opd").topk) == ("ema", 0.05, 100)
    batch = _batch()
    logits = Logits(batch)
    expected = (logits.weights * divergences.topk_generalized_jsd(logits.student, logits.privileged, K, 0.5)).sum()
    _assert_same("vision_opd", expected, batch, options)


def _va_opd_weights(advantage, batch, share=0.2, lam=0.5, temperature=1.0):
    """VA-OPD's weights written out rollout by rollout (divided by the number of rollouts)."""
    means = [advantage[batch.sequence_index_N == b].mean().item() for b in range(len(LENGTHS))]
    rollout = []
    for prompt in range(2):
        group = means[2 * prompt: 2 * prompt + 2]
        mean = sum(group) / 2
        std = math.sqrt(sum((x - mean) ** 2 for x in group) / 2)
        z = [(x - mean) / (std + 1e-6) / temperature for x in group]
        rollout += [2 * math.exp(v) / sum(math.exp(u) for u in z) for v in z]
    weights = torch.zeros(len(advantage), dtype=torch.float64)
    start = 0
    for b, length in enumerate(LENGTHS):
        values = advantage[start: start + length].tolist()
        top = math.ceil(share * length)
        high = sorted(range(length), key=lambda t: (-values[t], t))[:top]
        for t in range(length):
            weights[start + t] = rollout[b] * (lam / top if t in high else (1 - lam) / (length - top))
        start += length
    return weights / len(LENGTHS)


def test_va_opd_weights_rollouts_and_tokens_by_visual_advantage():
    options = _options("va_opd")
    assert options.teacher_privileged is False
    batch = _batch()
    logits = Logits(batch)
    coarse = (batch.coarse_teacher_hidden_NH @ batch.teacher_lm_head_VH.T).detach()
    advantage = (logits.logprob(logits.teacher) - logits.logprob(coarse)).clamp_min(0).detach()
    assert 0 < (advantage > 0).sum() < len(advantage)
    weights = _va_opd_weights(advantage, batch)
    expected = (weights * divergences.reverse_kl(logits.student, logits.teacher)).sum()
    _assert_same("va_opd", expected, batch, options)
    # each rollout's token weights sum to its rollout weight / B, and a prompt's rollout weights to its size
    per_rollout = torch.zeros(4, dtype=torch.float64).index_add_(0, batch.sequence_index_N, weights) * 4
    assert per_rollout.sum().item() == pytest.approx(4.0) and per_rollout[:2].sum().item() == pytest.approx(2.0)


def test_va_opd_ties_go_to_the_earlier_position_and_all_weight_to_v_when_l_is_empty():
    advantage_N = torch.tensor([0.0, 1.0, 1.0, 0.5, 2.0])  # one rollout of 5 tokens; V = ceil(0.4 * 5) = 2 tokens
    index_N = torch.zeros(5, dtype=torch.long)
    weights_N = weighting.visual_advantage_weights_N(advantage_N, index_N, 1, 1, 0.4, 0.5, 1.0)
    assert weights_N.tolist() == pytest.approx([0.5 / 3, 0.25, 0.5 / 3, 0.5 / 3, 0.25])  # token 1 beats token 2
    weights_N = weighting.visual_advantage_weights_N(advantage_N, index_N, 1, 1, 1.0, 0.5, 1.0)
    assert weights_N.tolist() == pytest.approx([0.2] * 5)


def test_baselines_name_what_they_are_missing():
    batch = _batch()
    batch.rewards_B = None
    for name in ("sdpo", "uni_opd"):
        assert objectives.METHODS[name].needs_reward
        with pytest.raises(ValueError, match=f"{name} needs each rollout's reward"):
            _run(name, batch, _options(name))
    with pytest.raises(ValueError, match="tip_rule"):
        objectives.MethodOptions(tip_rule="q2")
    with pytest.raises(ValueError, match="self_context"):
        objectives.MethodOptions(self_context="hint")
    assert OPTIONS.self_context == "privileged"
