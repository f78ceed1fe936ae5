"""Per-rollout and per-token weights of the baselines (pure tensor functions, no models): which rollouts have a
successful sibling (SDPO), Uni-OPD's outcome-guided margin shift and correctness balancing, TIP's token selection,
VA-OPD's visual-advantage weights. `DOPD_METHOD.md` gives each formula and its source.

Rollouts are prompt-major (`Rollouts`): rollout ``b`` is prompt ``b // n``'s, so a prompt's ``n`` siblings are the
rows of ``tensor_B.view(-1, n)``.
"""

from __future__ import annotations

import math

import torch


def _groups(tensor_B: torch.Tensor, per_prompt: int) -> torch.Tensor:
    if tensor_B.shape[0] % per_prompt:
        raise ValueError(f"{tensor_B.shape[0]} rollouts are not whole groups of {per_prompt} siblings")
    return tensor_B.view(-1, per_prompt)


def successful_sibling_B(rewards_B: torch.Tensor, per_prompt: int, threshold: float) -> torch.Tensor:
    """Index of the first sibling (another rollout of the same prompt) whose reward is at least `threshold`, or -1
    when there is none (SDPO: a rollout is never its own demonstration). ``[B]`` long."""
    success_PN = _groups(rewards_B, per_prompt) >= threshold
    others_PNN = success_PN[:, None, :] & ~torch.eye(per_prompt, dtype=torch.bool, device=rewards_B.device)
    first_PN = torch.where(others_PNN.any(-1), others_PNN.int().argmax(-1), -1)
    offsets_P1 = torch.arange(success_PN.shape[0], device=rewards_B.device)[:, None] * per_prompt
    return torch.where(first_PN >= 0, first_PN + offsets_P1, -1).flatten()


def sequence_means_B(values_N: torch.Tensor, sequence_index_N: torch.Tensor, num_sequences: int) -> torch.Tensor:
    """Mean of a per-token value over each sequence's tokens (float64; 0 for a sequence without tokens)."""
    sums_B = torch.zeros(num_sequences, dtype=torch.float64, device=values_N.device)
    counts_B = torch.zeros_like(sums_B)
    sums_B.index_add_(0, sequence_index_N, values_N.double())
    counts_B.index_add_(0, sequence_index_N, torch.ones_like(values_N, dtype=torch.float64))
    return sums_B / counts_B.clamp_min(1.0)


def margin_shift_B(returns_B: torch.Tensor, correct_B: torch.Tensor, per_prompt: int, margin: float) -> torch.Tensor:
    """Uni-OPD's outcome-guided margin shift (group scope, mean mode, both directions): in a prompt whose correct
    rollouts' mean return is less than `margin` above its incorrect ones', ``s = margin - gap`` is split, ``+s/2`` on
    every token of a correct rollout and ``-s/2`` of an incorrect one, so the gap becomes exactly `margin`. Prompts
    with only correct or only incorrect rollouts are left as they are. Returns the per-rollout shift ``[B]``."""
    returns_PN, correct_PN = _groups(returns_B.double(), per_prompt), _groups(correct_B, per_prompt).bool()
    count_correct_P, count_incorrect_P = correct_PN.sum(-1), (~correct_PN).sum(-1)
    mean_correct_P = (returns_PN * correct_PN).sum(-1) / count_correct_P.clamp_min(1)
    mean_incorrect_P = (returns_PN * ~correct_PN).sum(-1) / count_incorrect_P.clamp_min(1)
    mixed_P = (count_correct_P > 0) & (count_incorrect_P > 0)
    shift_P = torch.where(mixed_P, (margin - (mean_correct_P - mean_incorrect_P)).clamp_min(0.0), 0.0)
    return torch.where(correct_PN, shift_P[:, None] / 2, -shift_P[:, None] / 2).flatten()


def balanced_rollouts_B(correct_B: torch.Tensor, per_prompt: int, keys_B: torch.Tensor) -> torch.Tensor:
    """Uni-OPD's online correctness balancing: in a prompt with both correct and incorrect rollouts, the majority
    class keeps as many rollouts as the minority has (those with the smallest random `keys_B`); prompts with one
    class keep all. 1 for kept rollouts, 0 for dropped ones, ``[B]`` float64."""
    correct_PN = _groups(correct_B, per_prompt).bool()
    keys_PN = _groups(keys_B.double(), per_prompt)
    minority_P = torch.minimum(correct_PN.sum(-1), (~correct_PN).sum(-1))
    kept_PN = torch.ones_like(correct_PN)
    for same_class_PN in (correct_PN, ~correct_PN):
        # rank of each rollout's key within its class (0 = smallest); other classes' keys pushed to the end
        masked_PN = torch.where(same_class_PN, keys_PN, math.inf)
        rank_PN = masked_PN.argsort(-1).argsort(-1)
        kept_PN &= ~same_class_PN | (minority_P[:, None] == 0) | (rank_PN < minority_P[:, None])
    return kept_PN.double().flatten()


TIP_RULES = ("soft_or", "entropy", "q3")


def min_max(values_N: torch.Tensor) -> torch.Tensor:
    low, high = values_N.min(), values_N.max()
    return (values_N - low) / (high - low) if high > low else torch.zeros_like(values_N)


def tip_kept_N(student_entropy_N: torch.Tensor, divergence_N: torch.Tensor, rule: str, keep: float) -> torch.Tensor:
    """TIP's token selection from the student's entropy and its divergence from the teacher (both min-max
    normalised over the tokens given, the step's): ``soft_or`` keeps the `keep` share with the highest
    ``h + d - h d``, ``entropy`` the `keep` share with the highest entropy, ``q3`` the overconfident-and-wrong
    quadrant (entropy at or below its median and divergence above its median, whatever its size). Ties at the cut
    are kept. 1 for kept tokens, 0 for the rest, ``[N]`` float64."""
    if rule not in TIP_RULES:
        raise ValueError(f"TIP rule must be one of {TIP_RULES}, got {rule!r}")
    entropy_N, divergence_N = min_max(student_entropy_N.double()), min_max(divergence_N.double())
    if rule == "q3":
        low_entropy_N = entropy_N <= entropy_N.median()
        return (low_entropy_N & (divergence_N > divergence_N.median())).double()
    score_N = entropy_N + divergence_N - entropy_N * divergence_N if rule == "soft_or" else entropy_N
    count = max(1, math.ceil(keep * score_N.numel() - 1e-9))
    cutoff = score_N.topk(count).values[-1]
    return (score_N >= cutoff).double()


def visual_advantage_N(teacher_logprob_N: torch.Tensor, coarse_teacher_logprob_N: torch.Tensor) -> torch.Tensor:
    """VA-OPD's visual advantage of each sampled token: ``max(log T(y | image) - log T(y | pixelated image), 0)``."""
    return (teacher_logprob_N.double() - coarse_teacher_logprob_N.double()).clamp_min(0.0)


def visual_advantage_weights_N(advantage_N: torch.Tensor, sequence_index_N: torch.Tensor, num_sequences: int,
                               per_prompt: int, share: float, lam: float, temperature: float) -> torch.Tensor:
    """VA-OPD's per-token weights: rollout weight times group weight, scaled so that uniform rollout weights give
    each rollout weight 1 (the loss is then ``sum_n weight_N KL_n / num_sequences``).

    - rollout weight: ``n * softmax_k(z_k / temperature)`` over a prompt's n siblings, ``z`` their mean visual
      advantage standardised within the group (population std + 1e-6);
    - group weight: the ``ceil(share * |y|)`` tokens of a rollout with the highest visual advantage (ties broken by
      position) get ``lam / |V|``, the rest ``(1 - lam) / |L|``; a rollout whose L is empty gives V weight ``1/|V|``.
    """
    advantage_N = advantage_N.double()
    mean_B = sequence_means_B(advantage_N, sequence_index_N, num_sequences)
    mean_PN = _groups(mean_B, per_prompt)
    centred_PN = mean_PN - mean_PN.mean(-1, keepdim=True)
    z_PN = centred_PN / (mean_PN.std(-1, unbiased=False, keepdim=True) + 1e-6)
    rollout_B = (per_prompt * torch.softmax(z_PN / temperature, -1)).flatten()
    # each token's rank by advantage within its rollout (0 = highest): sort by advantage, then stably by rollout, so
    # equal advantages keep their position order (ties go to the earlier token)
    by_advantage_N = torch.sort(-advantage_N, stable=True).indices
    order_N = by_advantage_N[torch.sort(sequence_index_N[by_advantage_N], stable=True).indices]
    lengths_B = torch.bincount(sequence_index_N, minlength=num_sequences)
    starts_B = torch.cumsum(lengths_B, 0) - lengths_B
    rank_N = torch.empty_like(sequence_index_N)
    rank_N[order_N] = torch.arange(order_N.numel(), device=order_N.device) - starts_B[sequence_index_N[order_N]]
    visual_B = torch.ceil(share * lengths_B.double() - 1e-9).clamp_min(1)
    rest_B = lengths_B.double() - visual_B
    visual_weight_B = torch.where(rest_B > 0, lam / visual_B, 1.0 / visual_B)  # L empty: all weight to V
    rest_weight_B = (1 - lam) / rest_B.clamp_min(1)
    in_visual_N = rank_N < visual_B[sequence_index_N]
    token_weights_N = torch.where(in_visual_N, visual_weight_B[sequence_index_N], rest_weight_B[sequence_index_N])
    return token_weights_N * rollout_B[sequence_index_N]
