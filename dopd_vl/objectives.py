"""The objective registry: each distillation method is one small function, chosen by name.

The trainer resolves a method ``name`` (see ``METHODS``) once, ``method, options = resolve_method(name, options)``
(the method's fixed options applied), then per optimizer step runs:

1. ``signals = token_signals(method, batch, options)`` for every micro-batch: a no-grad, chunked first pass over the
   frozen views (teacher, privileged student, reference, coarse teacher) that the method lists in ``method.views``;
2. ``statistics = step_statistics(TokenSignals.cat(all_signals), options)`` once, over the step's *global*
   batch: concatenate every micro-batch, and gather across processes first (``step_statistics`` reads only the
   ``[N]`` fields: ``logprob_N`` of teacher and privileged student, the teacher's ``entropy_N``, ``random_key_N``);
3. ``loss, metrics = compute_objective(method, batch, signals, statistics, options)`` per micro-batch, then
   ``loss.backward()``.

Normalisation: the loss of a micro-batch is ``sum_n weight(regime_n) * loss_n / (|y_seq(n)| * num_sequences)``, so
summing the micro-batch losses of a step gives the single-big-batch value ``mean over sequences of (1/|y|) sum_n``.
Pass ``num_sequences`` = the step's sequence count over all micro-batches and processes; if the distributed backend
*averages* gradients over W processes (DDP, DeepSpeed), pass ``num_sequences / W`` instead (or scale the loss by W).
The baselines that weight rollouts or select tokens (``weighting.py``) keep this normaliser: a dropped token or
rollout still counts in ``|y|`` and ``num_sequences``; their per-rollout choices are made within a micro-batch, which
holds every rollout of its prompts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import torch

from . import routing, weighting
from .chunked import ChunkedResult, LossTerm, Target, TargetView, ViewStatistics
from .chunked import chunked_objective, view_statistics

VIEWS = ("teacher", "privileged_student", "reference", "coarse_teacher")
ESTIMATORS = ("sampled", "full")
TOPK_SUPPORTS = ("student", "target")
DROP_TOKENS = ("none", "high_gap", "low_gap", "random")
DEEP_DIVERGENCES = ("js", "rkl")  # deep_teacher: generalized JSD (beta) | full-vocabulary reverse KL
LIGHT_SUPPORTS = ("topk", "full")  # light and weak regimes: top-K reverse KL | full-vocabulary reverse KL
ALL_REGIMES = ",".join(routing.REGIMES)
UNIFORM_DIVERGENCES = {"fkl": 0.0, "rkl": 1.0, "js": None}  # uniform: the generalized-JSD beta of each (js: beta)
UNIFORM_SUPPORTS = ("sampled", "topk", "full")
SELF_TARGETS = ("live", "initial", "ema")  # the privileged student's weights: the student's own, a frozen copy of the
#                                           initial student, or an EMA of the student's (trainer: Run.self_teacher)
# what the privileged student's prompt adds: the record's privileged input, SDFT's demonstration, SDPO's successful
# sibling, Vision-OPD's crops of the boxes (trainer.view_messages)
SELF_CONTEXTS = ("privileged", "demonstration", "feedback", "crops")


@dataclass
class MethodOptions:
    """Knobs of the objectives, with the defaults of DOPD_METHOD.md (the trainer's config passes them through)."""

    beta: float = 0.5  # generalized-JSD interpolation: gkd, opsd, and DOPD's deep_teacher regime (JS)
    topk: int = 128  # K of the top-K reverse KL (DOPD's light and weak regimes)
    topk_support: str = "student"  # whose top-K tokens form the support: "student" | "target"
    topk_tail: bool = True  # one tail bucket with the remaining mass; False renormalises over K
    beta_l: float = 0.6  # weight of light_teacher and light_self
    beta_w: float = 0.3  # weight of weak_self
    outlier_quantile: float = 0.95  # routing statistics ignore values above this quantile
    normalize: str = "minmax"  # routing-signal normalisation: "minmax" | "zscore" | "none"
    exopd_lambda: float = 1.25  # ExOPD target log T^lam R^(1 - lam), R = the initial student
    estimator: str = "sampled"  # opd / exopd: "sampled" (policy gradient on y_n) | "full" (analytic over V)
    teacher_privileged: bool = True  # whether the teacher's prompt has p (read by the trainer, not here)
    self_privileged: bool = True  # whether the privileged student's prompt has p (read by the trainer)
    student_privileged: bool = False  # the student samples and trains under the privileged prompt (the trainer)
    routing: bool = True  # DOPD ablation: False routes every token to deep_teacher
    self_stream: bool = True  # DOPD ablation: False sends the self regimes to the teacher instead
    regimes: str = ALL_REGIMES  # DOPD: the regimes that keep their loss, comma-separated (the paper's Table 6)
    adaptive: bool = True  # DOPD: each regime its own loss and weight; False: top-K JS (beta), weight 1, for all
    deep_divergence: str = "js"  # DOPD's deep_teacher loss: "js" (generalized JSD, beta) | "rkl" (full reverse KL)
    light_support: str = "topk"  # DOPD's light and weak regimes: "topk" (top-K reverse KL) | "full" (full vocabulary)
    divergence: str = "js"  # uniform: "fkl" | "rkl" | "js" (beta) for every token (the paper's Table 7)
    support: str = "full"  # uniform: "sampled" (the sampled token, rkl only) | "topk" (K, topk_support...) | "full"
    drop_tokens: str = "none"  # DOPD ablation: drop the "high_gap" | "low_gap" | "random" share of tokens
    drop_fraction: float = 0.2
    self_target: str = "live"  # the privileged student's weights: "live" | "initial" (frozen) | "ema" (SDFT, SDPO)
    ema_rate: float = 0.05  # self_target=ema: after each step, theta_T <- (1 - rate) theta_T + rate theta
    self_context: str = "privileged"  # its prompt adds "privileged" input | "demonstration" | "feedback" | "crops"
    skip_first_tokens: int = 0  # SDFT: the first response tokens get no loss (they still count in |y|)
    success_threshold: float = 0.5  # SDPO, Uni-OPD: a rollout is correct when its reward is at least this
    margin: float = 0.4  # Uni-OPD: the least gap between correct and incorrect rollouts' mean token advantage
    balance_rollouts: bool = True  # Uni-OPD: keep as many correct as incorrect rollouts in a mixed prompt
    max_log_ratio: float = 10.0  # Uni-OPD: tokens with |log S(y) - log T(y)| at or above this get no loss
    tip_rule: str = "soft_or"  # TIP: "soft_or" (entropy or divergence) | "entropy" | "q3" (confident and wrong)
    tip_keep: float = 0.5  # TIP: the share of tokens kept (soft_or, entropy)
    pixelate: float = 0.1  # VA-OPD: the coarse teacher's images are shrunk to this share of each side and back
    va_share: float = 0.2  # VA-OPD: the share of each rollout's tokens in its high-visual-advantage group
    va_lambda: float = 0.5  # VA-OPD: the high group's share of a rollout's loss
    va_temperature: float = 1.0  # VA-OPD: softmax temperature of the rollout weights
    chunk_size: int | None = None  # tokens per [chunk, V] logits; None: as many as fit 256 x 151,936 (Qwen: 256)

    def __post_init__(self):
        choices = {
            "topk_support": TOPK_SUPPORTS,
            "normalize": routing.NORMALIZATIONS,
            "estimator": ESTIMATORS,
            "drop_tokens": DROP_TOKENS,
            "deep_divergence": DEEP_DIVERGENCES,
            "light_support": LIGHT_SUPPORTS,
            "divergence": tuple(UNIFORM_DIVERGENCES),
            "support": UNIFORM_SUPPORTS,
            "self_target": SELF_TARGETS,
            "self_context": SELF_CONTEXTS,
            "tip_rule": weighting.TIP_RULES,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"method option {name} must be one of {allowed}, got {getattr(self, name)!r}")
        for name in ("beta", "drop_fraction", "ema_rate", "tip_keep", "va_share", "va_lambda"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"method option {name} must be in [0, 1], got {getattr(self, name)}")
        if not 0.0 < self.outlier_quantile <= 1.0:
            raise ValueError(f"method option outlier_quantile must be in (0, 1], got {self.outlier_quantile}")
        if self.support == "sampled" and self.divergence != "rkl":
            raise ValueError(f"method option support 'sampled' has a reverse-KL estimator only (divergence=rkl), got "
                             f"divergence={self.divergence!r}; use support=topk or full for fkl and js")
        unknown = [name for name in self.kept_regimes if name not in routing.REGIMES]
        if unknown or not self.kept_regimes:
            raise ValueError(f"method option regimes must name some of {routing.REGIMES}, got {self.regimes!r}")
        if not 0.0 < self.pixelate < 1.0 or self.va_temperature <= 0 or self.skip_first_tokens < 0:
            raise ValueError(f"method options: pixelate must be in (0, 1), va_temperature positive, skip_first_tokens "
                             f">= 0; got {self.pixelate}, {self.va_temperature}, {self.skip_first_tokens}")
        if self.topk < 1 or (self.chunk_size is not None and self.chunk_size < 1):
            raise ValueError(f"method options topk and chunk_size must be >= 1, got {self.topk}, {self.chunk_size}")

    @property
    def kept_regimes(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.regimes.split(",") if name.strip())


@dataclass
class ObjectiveBatch:
    """One micro-batch: every view's hidden states at the same N scored response positions, in the same order.

    ``student_hidden_NH`` carries the gradient; the other views are read without it. The privileged student uses the
    student's own ``lm_head`` (same live weights, stop-gradient). ``sequence_index_N`` maps each token to its
    sequence in this micro-batch (``0 .. B-1``), ``sequence_lengths_B`` is ``|y|`` of each sequence and
    ``num_sequences`` the normaliser of the whole optimizer step (see the module docstring).
    """

    student_hidden_NH: torch.Tensor
    student_lm_head_VH: torch.Tensor
    token_ids_N: torch.Tensor
    sequence_index_N: torch.Tensor
    sequence_lengths_B: torch.Tensor
    num_sequences: float
    teacher_hidden_NH: torch.Tensor | None = None
    teacher_lm_head_VH: torch.Tensor | None = None
    privileged_student_hidden_NH: torch.Tensor | None = None
    reference_hidden_NH: torch.Tensor | None = None  # ExOPD: the initial student, frozen
    reference_lm_head_VH: torch.Tensor | None = None
    privileged_student_lm_head_VH: torch.Tensor | None = None  # self_target initial|ema: the copy's (None: student's)
    coarse_teacher_hidden_NH: torch.Tensor | None = None  # VA-OPD: the teacher on pixelated images (its lm_head)
    rewards_B: torch.Tensor | None = None  # SDPO, Uni-OPD: each rollout's verifiable reward
    per_prompt: int = 1  # rollouts per prompt: sequence b is prompt b // per_prompt's

    def __post_init__(self):
        num_tokens = self.token_ids_N.shape[0]
        per_token = ("student_hidden_NH", "sequence_index_N", "teacher_hidden_NH", "privileged_student_hidden_NH",
                     "coarse_teacher_hidden_NH")
        for name in per_token + ("reference_hidden_NH",):
            tensor = getattr(self, name)
            if tensor is not None and tensor.shape[0] != num_tokens:
                raise ValueError(
                    f"ObjectiveBatch.{name} has {tensor.shape[0]} rows for {num_tokens} scored response tokens: "
                    "every view must score the same response tokens"
                )
        if (self.sequence_lengths_B <= 0).any() or self.num_sequences <= 0:
            raise ValueError("ObjectiveBatch: sequence_lengths_B and num_sequences must be positive")

    def token_weights_N(self) -> torch.Tensor:
        """``1 / (|y| * num_sequences)`` per token (float64)."""
        lengths_N = self.sequence_lengths_B.to(self.token_ids_N.device, torch.float64)[self.sequence_index_N]
        return 1.0 / (lengths_N * float(self.num_sequences))

    def positions_N(self) -> torch.Tensor:
        """Each token's position in its response (0 for the first); tokens are in sequence order."""
        starts_B = torch.cumsum(self.sequence_lengths_B.to(self.token_ids_N.device), 0) - self.sequence_lengths_B.to(
            self.token_ids_N.device)
        return torch.arange(self.token_ids_N.shape[0], device=self.token_ids_N.device) - starts_B[self.sequence_index_N]


@dataclass
class TokenSignals:
    """First-pass statistics of the frozen views of one micro-batch (or, concatenated, of the whole step)."""

    teacher: ViewStatistics | None = None
    privileged_student: ViewStatistics | None = None
    reference: ViewStatistics | None = None
    coarse_teacher: ViewStatistics | None = None
    random_key_N: torch.Tensor | None = None  # drop_tokens="random": uniform keys, dropped above a step quantile

    @property
    def gap_N(self) -> torch.Tensor:
        """Privilege advantage gap ``|log qT - log qS|``."""
        return routing.privilege_gap(self.teacher.logprob_N, self.privileged_student.logprob_N)

    @property
    def has_gap(self) -> bool:
        return self.teacher is not None and self.privileged_student is not None

    def regimes_N(self, thresholds: routing.RoutingThresholds) -> torch.Tensor:
        """Each token's DOPD regime code (indexes ``routing.REGIMES``) under the step's thresholds."""
        return routing.assign_regimes(
            self.gap_N, self.teacher.logprob_N.exp(), self.privileged_student.logprob_N.exp(), thresholds
        )

    @staticmethod
    def cat(signals: list[TokenSignals]) -> TokenSignals:
        """Concatenates micro-batches (and processes, once gathered) into the step's signals."""

        def cat_field(name):
            parts = [getattr(s, name) for s in signals]
            if parts[0] is None:
                return None
            return ViewStatistics.cat(parts) if isinstance(parts[0], ViewStatistics) else torch.cat(parts)

        return TokenSignals(*(cat_field(f.name) for f in dataclasses.fields(TokenSignals)))


@dataclass(frozen=True)
class StepStatistics:
    """Statistics of the optimizer step's global batch that every micro-batch's objective shares."""

    thresholds: routing.RoutingThresholds | None = None  # when the privileged student is scored
    teacher_entropy_mean: float | None = None  # EOPD's gate
    drop_cutoff: float | None = None  # DOPD's token-drop ablations: a gap (or random-key) quantile


Objective = Callable[[ObjectiveBatch, TokenSignals, StepStatistics, MethodOptions], "tuple[torch.Tensor, dict]"]


@dataclass(frozen=True)
class Method:
    """A registered method: its objective, the frozen views the trainer must score, and options it fixes."""

    name: str
    objective: Objective
    views: tuple[str, ...]
    overrides: dict = field(default_factory=dict)  # options it fixes
    defaults: dict = field(default_factory=dict)  # options it defaults to, where the config does not set them
    needs_reward: bool = False  # the trainer scores each rollout with the verifiable-reward function
    teacher_entropy: bool = False  # the first pass also computes the teacher's entropy
    uses_topk: bool = False  # the first pass also computes top-K ids when topk_support is "target"
    description: str = ""  # one line for `dopd-vl methods` (default: the first line of the objective's docstring)

    @property
    def summary(self) -> str:
        return self.description or (self.objective.__doc__ or "").strip().splitlines()[0]


METHODS: dict[str, Method] = {}


def register(name: str, views: tuple[str, ...], **flags) -> Callable[[Objective], Objective]:
    """Decorator: adds an objective to ``METHODS`` under ``name``."""

    def decorate(objective: Objective) -> Objective:
        METHODS[name] = Method(name, objective, views, **flags)
        return objective

    return decorate


def method_options(name: str, **explicit) -> MethodOptions:
    """The options of a run of method `name`: the explicit ones, over the method's defaults, over MethodOptions'."""
    method = METHODS.get(name)
    return MethodOptions(**{**(method.defaults if method else {}), **explicit})


def resolve_method(name: str, options: MethodOptions) -> tuple[Method, MethodOptions]:
    """The registered method and the options it runs with (its fixed options over `options`)."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose one of {sorted(METHODS)}")
    method = METHODS[name]
    return method, dataclasses.replace(options, **method.overrides) if method.overrides else options


# --------------------------------------------------------------------------------------------------------------------
# The three calls of a training step.
# --------------------------------------------------------------------------------------------------------------------


def token_signals(
    method: Method, batch: ObjectiveBatch, options: MethodOptions, generator: torch.Generator | None = None
) -> TokenSignals:
    """First pass (no grad): statistics of each frozen view the method needs, for one micro-batch."""
    topk = options.topk if method.uses_topk and options.topk_support == "target" else 0
    sources = {
        "teacher": (batch.teacher_hidden_NH, batch.teacher_lm_head_VH),
        "privileged_student": (batch.privileged_student_hidden_NH, batch.student_lm_head_VH),
        "reference": (batch.reference_hidden_NH, batch.reference_lm_head_VH),
        "coarse_teacher": (batch.coarse_teacher_hidden_NH, batch.teacher_lm_head_VH),
    }
    if batch.privileged_student_lm_head_VH is not None:
        sources["privileged_student"] = (batch.privileged_student_hidden_NH, batch.privileged_student_lm_head_VH)
    statistics = {}
    for view in method.views:
        hidden_NH, lm_head_VH = sources[view]
        if hidden_NH is None or lm_head_VH is None:
            raise ValueError(f"method {method.name!r} needs the {view} view: set ObjectiveBatch.{view}_hidden_NH")
        statistics[view] = view_statistics(
            hidden_NH,
            lm_head_VH,
            batch.token_ids_N,
            entropy=method.teacher_entropy and view == "teacher",
            topk=topk,
            chunk_size=options.chunk_size,
        )
    random_key_N = None
    if options.drop_tokens == "random":
        random_key_N = torch.rand(batch.token_ids_N.shape[0], generator=generator).to(batch.token_ids_N.device)
    return TokenSignals(random_key_N=random_key_N, **statistics)


def step_statistics(signals: TokenSignals, options: MethodOptions) -> StepStatistics:
    """Thresholds and cutoffs from the signals of the optimizer step's global batch (see the module docstring)."""
    thresholds = None
    if signals.has_gap:
        thresholds = routing.batch_thresholds(
            signals.gap_N,
            signals.teacher.logprob_N.exp(),
            signals.privileged_student.logprob_N.exp(),
            options.outlier_quantile,
            options.normalize,
        )
    teacher_entropy_mean = None
    if signals.teacher is not None and signals.teacher.entropy_N is not None:
        teacher_entropy_mean = signals.teacher.entropy_N.double().mean().item()
    drop_cutoff = None
    if options.drop_tokens == "random":
        drop_cutoff = routing.quantile_cutoff(signals.random_key_N, 1.0 - options.drop_fraction)
    elif options.drop_tokens != "none":
        if not signals.has_gap:
            raise ValueError(f"drop_tokens={options.drop_tokens!r} needs the privileged student's signals for the gap")
        quantile = 1.0 - options.drop_fraction if options.drop_tokens == "high_gap" else options.drop_fraction
        drop_cutoff = routing.quantile_cutoff(signals.gap_N, quantile)
    return StepStatistics(thresholds, teacher_entropy_mean, drop_cutoff)


def compute_objective(
    method: Method, batch: ObjectiveBatch, signals: TokenSignals, statistics: StepStatistics, options: MethodOptions
) -> tuple[torch.Tensor, dict[str, float]]:
    """The micro-batch's scalar loss (differentiable wrt the student) and its metrics."""
    return method.objective(batch, signals, statistics, options)


# --------------------------------------------------------------------------------------------------------------------
# Shared pieces.
# --------------------------------------------------------------------------------------------------------------------


def _teacher(batch: ObjectiveBatch, signals: TokenSignals) -> TargetView:
    return TargetView(batch.teacher_hidden_NH, batch.teacher_lm_head_VH, signals.teacher)


def _privileged_student(batch: ObjectiveBatch, signals: TokenSignals) -> TargetView:
    lm_head_VH = batch.privileged_student_lm_head_VH  # the EMA copy's, or None: the student's own
    lm_head_VH = batch.student_lm_head_VH if lm_head_VH is None else lm_head_VH
    return TargetView(batch.privileged_student_hidden_NH, lm_head_VH, signals.privileged_student)


def _run(
    batch: ObjectiveBatch, signals: TokenSignals, terms: list[LossTerm], options: MethodOptions, **extra: float
) -> tuple[torch.Tensor, dict[str, float]]:
    result = chunked_objective(
        batch.student_hidden_NH, batch.student_lm_head_VH, batch.token_ids_N, terms, options.chunk_size
    )
    return result.loss, _metrics(result, terms, signals, **extra)


def _metrics(result: ChunkedResult, terms: list[LossTerm], signals: TokenSignals, **extra: float) -> dict[str, float]:
    """Loss per term (mean divergence over its tokens), student entropy, gap and confidence means."""
    metrics = {"loss": result.loss.item(), "num_tokens": float(result.student_entropy_N.numel())}
    for term in terms:
        active_N = term.weight_N != 0
        metrics[f"loss/{term.name}"] = result.values[term.name][active_N].double().mean().nan_to_num().item()
    metrics["student_entropy_mean"] = result.student_entropy_N.double().mean().item()
    if signals.teacher is not None:
        metrics["teacher_confidence_mean"] = signals.teacher.logprob_N.exp().mean().item()
    if signals.has_gap:
        metrics["gap_mean"] = signals.gap_N.double().mean().item()
        metrics["student_confidence_mean"] = signals.privileged_student.logprob_N.exp().mean().item()
    return metrics | extra


def _single_term(
    name: str, divergence: str, target: Target, batch: ObjectiveBatch, signals, options: MethodOptions,
    weights_N: torch.Tensor | None = None, metrics: dict | None = None, **kwargs
) -> tuple[torch.Tensor, dict[str, float]]:
    weights_N = batch.token_weights_N() if weights_N is None else weights_N
    term = LossTerm(name, divergence, target, weights_N, **kwargs)
    return _run(batch, signals, [term], options, **(metrics or {}))


# --------------------------------------------------------------------------------------------------------------------
# The methods.
# --------------------------------------------------------------------------------------------------------------------


@register("opd", views=("teacher",))
def opd(batch, signals, statistics, options):
    """Vanilla on-policy distillation: per-token reverse KL to the teacher (sampled-token or full estimator)."""
    divergence = "sampled_reverse_kl" if options.estimator == "sampled" else "reverse_kl"
    return _single_term("reverse_kl", divergence, Target.of(_teacher(batch, signals)), batch, signals, options)


@register("gkd", views=("teacher",))
def gkd(batch, signals, statistics, options):
    """GKD: generalized JSD(beta) to the teacher (0 forward KL, 1 reverse KL)."""
    target = Target.of(_teacher(batch, signals))
    return _single_term("generalized_jsd", "generalized_jsd", target, batch, signals, options, beta=options.beta)


@register("opsd", views=("privileged_student",))
def opsd(batch, signals, statistics, options):
    """On-policy self-distillation: JS (beta) to the privileged student, stop-gradient."""
    target = Target.of(_privileged_student(batch, signals))
    return _single_term("generalized_jsd", "generalized_jsd", target, batch, signals, options, beta=options.beta)


@register("exopd", views=("teacher", "reference"))
def exopd(batch, signals, statistics, options):
    """ExOPD: reverse KL to the extrapolated target ``lam log T + (1 - lam) log R``, R the initial student."""
    reference = TargetView(batch.reference_hidden_NH, batch.reference_lm_head_VH, signals.reference)
    lam = options.exopd_lambda
    target = Target((_teacher(batch, signals), reference), (lam, 1.0 - lam))
    divergence = "sampled_reverse_kl" if options.estimator == "sampled" else "reverse_kl"
    return _single_term("reverse_kl", divergence, target, batch, signals, options)


@register("eopd", views=("teacher",), teacher_entropy=True)
def eopd(batch, signals, statistics, options):
    """EOPD: reverse KL on every token, plus forward KL where the teacher's entropy is above the step mean."""
    weights_N = batch.token_weights_N()
    high_entropy_N = signals.teacher.entropy_N.double() > statistics.teacher_entropy_mean
    teacher = Target.of(_teacher(batch, signals))
    # The reverse-KL term comes first: its full teacher logits cover the forward-KL rows, which reuse them.
    terms = [
        LossTerm("reverse_kl", "reverse_kl", teacher, weights_N),
        LossTerm("forward_kl", "forward_kl", teacher, weights_N * high_entropy_N),
    ]
    return _run(batch, signals, terms, options, **{"fraction/forward_kl": high_entropy_N.double().mean().item()})


@register("uniform", views=("teacher",), uses_topk=True)
def uniform(batch, signals, statistics, options):
    """One divergence on one support for every token (Table 7): objective.divergence, objective.support."""
    target = Target.of(_teacher(batch, signals))
    if options.support == "sampled":
        return _single_term("sampled_reverse_kl", "sampled_reverse_kl", target, batch, signals, options)
    beta = UNIFORM_DIVERGENCES[options.divergence]
    beta = options.beta if beta is None else beta
    if options.support == "full":
        return _single_term("generalized_jsd", "generalized_jsd", target, batch, signals, options, beta=beta)
    return _single_term("topk_generalized_jsd", "topk_generalized_jsd", target, batch, signals, options, beta=beta,
                        topk=options.topk, support=options.topk_support, tail=options.topk_tail)


@register("dopd", views=("teacher", "privileged_student"), uses_topk=True)
def dopd(batch, signals, statistics, options):
    """DOPD: route each token by privilege gap and confidences; see DOPD_METHOD.md for the four regimes."""
    num_tokens = batch.token_ids_N.shape[0]
    if options.routing:
        regimes_N = signals.regimes_N(statistics.thresholds)
    else:
        regimes_N = torch.full((num_tokens,), routing.DEEP_TEACHER, device=batch.token_ids_N.device)
    kept_N = kept_tokens(signals, statistics, options)
    weights_N = batch.token_weights_N() * kept_N
    teacher = Target.of(_teacher(batch, signals))
    # Without routing no token is a self regime, and the privileged student may not have been scored at all.
    use_self_stream = options.self_stream and options.routing
    self_target = Target.of(_privileged_student(batch, signals)) if use_self_stream else teacher
    topk = {"topk": options.topk, "support": options.topk_support, "tail": options.topk_tail}
    deep = ("generalized_jsd", {"beta": options.beta}) if options.deep_divergence == "js" else ("reverse_kl", {})
    light = ("topk_reverse_kl", topk) if options.light_support == "topk" else ("reverse_kl", {})
    weights = {"deep_teacher": 1.0, "light_teacher": options.beta_l, "light_self": options.beta_l,
               "weak_self": options.beta_w}
    if not options.adaptive:  # one objective for every token (Table 6): top-K JS, weight 1, to its regime's target
        deep = light = ("topk_generalized_jsd", dict(topk, beta=options.beta))
        weights = dict.fromkeys(weights, 1.0)
    regime_losses = [  # regime, (divergence, its options), target, weight
        ("deep_teacher", deep, teacher, weights["deep_teacher"]),
        ("light_teacher", light, teacher, weights["light_teacher"]),
        ("light_self", light, self_target, weights["light_self"]),
        ("weak_self", light, self_target, weights["weak_self"]),
    ]
    # a regime left out (objective.regimes) contributes nothing and is not computed; its tokens still count in |y|
    terms = [
        LossTerm(regime, divergence, target, weight * weights_N * (regimes_N == routing.REGIMES.index(regime)), **kw)
        for regime, (divergence, kw), target, weight in regime_losses if regime in options.kept_regimes
    ]
    fractions = {
        f"fraction/{regime}": (regimes_N == code).double().mean().item() for code, regime in enumerate(routing.REGIMES)
    }
    fractions["fraction/dropped"] = 1.0 - kept_N.double().mean().item()
    return _run(batch, signals, terms, options, **fractions)


def kept_tokens(signals: TokenSignals, statistics: StepStatistics, options: MethodOptions) -> torch.Tensor:
    """1 for tokens that keep their loss, 0 for the DOPD drop ablations' dropped share (their |y| is unchanged)."""
    if options.drop_tokens == "none":
        return torch.ones_like(signals.teacher.logprob_N, dtype=torch.float64)
    if options.drop_tokens == "random":
        dropped_N = signals.random_key_N.double() > statistics.drop_cutoff
    elif options.drop_tokens == "high_gap":
        dropped_N = signals.gap_N.double() > statistics.drop_cutoff
    else:
        dropped_N = signals.gap_N.double() <= statistics.drop_cutoff
    return (~dropped_N).double()


# The DOPD ablations of the paper, by name: DOPD with some options fixed (Table 8 and the token-drop study).
DOPD_ABLATIONS = {  # name: (fixed options, what it tests)
    "dopd_no_routing": ({"routing": False}, "every token as deep_teacher: JS to the teacher (equals gkd, beta 0.5)"),
    "dopd_no_self": ({"self_stream": False}, "the self regimes' tokens go to the teacher instead"),
    "dopd_no_teacher": ({"regimes": "light_self,weak_self"}, "only the self regimes keep their loss"),
    "dopd_no_privileged": ({"teacher_privileged": False, "self_privileged": False},
                           "teacher and privileged student both read the student's prompt"),
    "dopd_single_divergence": ({"deep_divergence": "rkl"}, "reverse KL in every regime (full-vocabulary for "
                                                           "deep_teacher)"),
    "dopd_single_support": ({"light_support": "full"}, "the full vocabulary in every regime (no top-K)"),
    "dopd_drop_high_gap": ({"drop_tokens": "high_gap"}, "the 20% highest-gap tokens dropped"),
    "dopd_drop_low_gap": ({"drop_tokens": "low_gap"}, "the 20% lowest-gap tokens dropped"),
    "dopd_drop_random": ({"drop_tokens": "random"}, "a random 20% of tokens dropped"),
}
for _name, (_overrides, _description) in DOPD_ABLATIONS.items():
    # routing off needs no privileged student: the gap is never computed
    _views = ("teacher",) if _overrides.get("routing") is False else ("teacher", "privileged_student")
    METHODS[_name] = Method(_name, dopd, _views, _overrides, uses_topk=True,
                            description=f"DOPD ablation: {_description}")


# --------------------------------------------------------------------------------------------------------------------
# The baselines of the paper's Tables 1 and 2, each from its own paper (DOPD_METHOD.md: formulas, defaults, sources).
# --------------------------------------------------------------------------------------------------------------------


def _topk(options: MethodOptions) -> dict:
    return {"topk": options.topk, "support": options.topk_support, "tail": options.topk_tail}


def _self_topk_jsd(batch, signals, options, weights_N, metrics=None):
    """Top-K generalized JSD (beta) to the privileged student (SDPO, Vision-OPD: their logit-level distillation)."""
    target = Target.of(_privileged_student(batch, signals))
    return _single_term("topk_generalized_jsd", "topk_generalized_jsd", target, batch, signals, options,
                        weights_N=weights_N, metrics=metrics, beta=options.beta, **_topk(options))


def _correct_B(batch: ObjectiveBatch, name: str, options: MethodOptions) -> torch.Tensor:
    if batch.rewards_B is None:
        raise ValueError(f"{name} needs each rollout's reward (ObjectiveBatch.rewards_B)")
    return batch.rewards_B >= options.success_threshold


@register("opcd", views=("teacher",), uses_topk=True, defaults={"topk": 256})
def opcd(batch, signals, statistics, options):
    """OPCD: reverse KL to the context-conditioned teacher on the student's top-K tokens (K 256, tail bucket)."""
    target = Target.of(_teacher(batch, signals))
    return _single_term("topk_reverse_kl", "topk_reverse_kl", target, batch, signals, options, **_topk(options))


@register("sdft", views=("privileged_student",), overrides={"self_context": "demonstration"},
          defaults={"self_target": "ema", "ema_rate": 0.01, "skip_first_tokens": 3, "beta": 0.0})
def sdft(batch, signals, statistics, options):
    """SDFT: forward KL (beta 0) to the self-teacher (EMA) shown a demonstration; the first 3 tokens skipped."""
    weights_N = batch.token_weights_N() * (batch.positions_N() >= options.skip_first_tokens)
    target = Target.of(_privileged_student(batch, signals))
    return _single_term("generalized_jsd", "generalized_jsd", target, batch, signals, options, weights_N=weights_N,
                        beta=options.beta)


@register("sdpo", views=("privileged_student",), overrides={"self_context": "feedback"}, needs_reward=True,
          uses_topk=True, defaults={"self_target": "ema", "ema_rate": 0.05, "topk": 100})
def sdpo(batch, signals, statistics, options):
    """SDPO: top-K JS to the self-teacher (EMA) shown a successful sibling; rollouts without one get no loss."""
    _correct_B(batch, "sdpo", options)
    sibling_B = weighting.successful_sibling_B(batch.rewards_B, batch.per_prompt, options.success_threshold)
    taught_N = (sibling_B >= 0)[batch.sequence_index_N]
    metrics = {"fraction/with_feedback": (sibling_B >= 0).double().mean().item(),
               "reward_mean": batch.rewards_B.double().mean().item()}
    return _self_topk_jsd(batch, signals, options, batch.token_weights_N() * taught_N, metrics)


@register("uni_opd", views=("teacher",), needs_reward=True)
def uni_opd(batch, signals, statistics, options):
    """Uni-OPD: OPD's sampled-token policy gradient, advantages shifted so that correct rollouts lead by a margin."""
    correct_B = _correct_B(batch, "uni_opd", options)
    num_sequences = batch.sequence_lengths_B.shape[0]
    student_logprob_N = view_statistics(batch.student_hidden_NH.detach(), batch.student_lm_head_VH.detach(),
                                        batch.token_ids_N, chunk_size=options.chunk_size).logprob_N
    advantage_N = signals.teacher.logprob_N.double() - student_logprob_N.double()  # r_t = log T(y) - log S(y)
    returns_B = weighting.sequence_means_B(advantage_N, batch.sequence_index_N, num_sequences)
    shift_B = weighting.margin_shift_B(returns_B, correct_B, batch.per_prompt, options.margin)
    kept_B = torch.ones(num_sequences, dtype=torch.float64, device=advantage_N.device)
    if options.balance_rollouts:
        keys_B = torch.rand(num_sequences, dtype=torch.float64).to(advantage_N.device)
        kept_B = weighting.balanced_rollouts_B(correct_B, batch.per_prompt, keys_B)
    in_range_N = advantage_N.abs() < options.max_log_ratio
    weights_N = batch.token_weights_N() * kept_B[batch.sequence_index_N] * in_range_N
    metrics = {"reward_mean": batch.rewards_B.double().mean().item(), "margin_shift_mean": shift_B.abs().mean().item(),
               "fraction/kept_rollouts": kept_B.mean().item()}
    return _single_term("sampled_reverse_kl", "sampled_reverse_kl", Target.of(_teacher(batch, signals)), batch,
                        signals, options, weights_N=weights_N, metrics=metrics,
                        target_shift_N=shift_B[batch.sequence_index_N])


@register("tip", views=("teacher",))
def tip(batch, signals, statistics, options):
    """TIP: reverse KL to the teacher on the informative tokens only (student entropy or divergence, Soft-OR)."""
    teacher = Target.of(_teacher(batch, signals))
    with torch.no_grad():  # a first pass for the student's entropy and its reverse KL to the teacher at each token
        ones_N = torch.ones_like(batch.token_ids_N, dtype=torch.float64)
        probe = chunked_objective(batch.student_hidden_NH.detach(), batch.student_lm_head_VH.detach(),
                                  batch.token_ids_N, [LossTerm("reverse_kl", "reverse_kl", teacher, ones_N)],
                                  options.chunk_size)
    kept_N = weighting.tip_kept_N(probe.student_entropy_N, probe.values["reverse_kl"], options.tip_rule,
                                  options.tip_keep)
    return _single_term("reverse_kl", "reverse_kl", teacher, batch, signals, options,
                        weights_N=batch.token_weights_N() * kept_N, metrics={"fraction/kept": kept_N.mean().item()})


@register("vision_opd", views=("privileged_student",), overrides={"self_context": "crops"}, uses_topk=True,
          defaults={"self_target": "ema", "ema_rate": 0.05, "topk": 100})
def vision_opd(batch, signals, statistics, options):
    """Vision-OPD: top-K JS to the self-teacher (EMA) that also sees each box's crop."""
    return _self_topk_jsd(batch, signals, options, batch.token_weights_N())


@register("va_opd", views=("teacher", "coarse_teacher"), defaults={"teacher_privileged": False})
def va_opd(batch, signals, statistics, options):
    """VA-OPD: reverse KL to the teacher, rollouts and tokens weighted by visual advantage (image vs pixelated)."""
    advantage_N = weighting.visual_advantage_N(signals.teacher.logprob_N, signals.coarse_teacher.logprob_N)
    weights_N = weighting.visual_advantage_weights_N(
        advantage_N, batch.sequence_index_N, batch.sequence_lengths_B.shape[0], batch.per_prompt, options.va_share,
        options.va_lambda, options.va_temperature) / float(batch.num_sequences)
    return _single_term("reverse_kl", "reverse_kl", Target.of(_teacher(batch, signals)), batch, signals, options,
                        weights_N=weights_N, metrics={"visual_advantage_mean": advantage_N.mean().item()})
