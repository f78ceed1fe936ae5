"""`TrainConfig`: every knob of a run in one documented dataclass, read from a YAML recipe in `configs/recipes/`
(or any YAML file) and overridden on the command line with `key=value` or `--key value`."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from dopd_vl.errors import DopdError
from dopd_vl.objectives import METHODS, MethodOptions, method_options


ROLLOUT_ENGINES = ("hf", "hf_static", "hf_continuous")
TRACKERS = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow", "trackio": "trackio"}  # -> package


class ConfigError(DopdError):
    """A config file or override that names an unknown key or holds an invalid value."""


@dataclass
class LoraOptions:
    """LoRA adapters on the student, through PEFT: only the adapters train; the privileged student is the same
    adapter-carrying model, and checkpoints hold the adapters. r = 0 trains every weight (full fine-tuning)."""

    r: int = 0
    """Rank of each adapter; 0 turns LoRA off and trains every weight of the student."""
    alpha: float = 16.0
    """Adapter scale numerator: each adapted layer computes W x + (alpha / r) B A x."""
    dropout: float = 0.0
    """Dropout on each adapter's input in the student's forward with gradient (the no-gradient views score without
    it)."""
    targets: str = "all-linear"
    """Layers that carry adapters, all inside the language model's decoder layers (never the vision tower, the
    embeddings or lm_head): all-linear (every linear layer there: the attention and MLP projections) or a
    comma-separated list of layer names (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj)."""

    def __post_init__(self) -> None:
        if isinstance(self.r, bool) or not isinstance(self.r, int) or self.r < 0:
            raise ConfigError(f"lora.r must be an integer of at least 0 (0: full fine-tuning), got {self.r!r}")
        if not self.alpha > 0:
            raise ConfigError(f"lora.alpha must be positive, got {self.alpha!r}")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"lora.dropout must be in [0, 1), got {self.dropout!r}")
        names = self.target_names
        if not names or (len(names) > 1 and "all-linear" in names):
            raise ConfigError(f"lora.targets must be all-linear or a comma-separated list of layer names such as "
                              f"q_proj,v_proj, got {self.targets!r}")

    @property
    def enabled(self) -> bool:
        return self.r > 0

    @property
    def target_names(self) -> list[str]:
        """The layer names of `targets` (["all-linear"] for the default)."""
        return [name.strip() for name in self.targets.split(",") if name.strip()]


@dataclass
class TrainConfig:
    """One training run. Defaults follow `DOPD_METHOD.md` where the paper gives a value, and a small CPU run
    where it does not (batch sizes, steps and lengths; the `paper-*` recipes hold the paper's values)."""

    # --- what to train
    pair: str = "tiny"
    """Model pair: a name from `dopd-vl pairs` or a pair YAML file."""
    teacher: str | None = None
    """Replace the pair's teacher with this hub id or local folder."""
    student: str | None = None
    """Replace the pair's student with this hub id or local folder."""
    method: str = "dopd"
    """Distillation objective: dopd, a baseline (opd, gkd, sdft, sdpo, ...) or a DOPD ablation (`dopd-vl methods`)."""
    objective: MethodOptions = field(default_factory=MethodOptions)
    """Options of the objectives, with DOPD_METHOD.md's defaults; set them as objective.topk=64 and so on."""
    lora: LoraOptions = field(default_factory=LoraOptions)
    """LoRA adapters instead of full fine-tuning (lora.r=64, lora.alpha, lora.dropout, lora.targets; r = 0: off)."""
    data: str | None = None
    """Dataset folder written by `dopd-vl build-data`, or several comma-separated (their records mixed, as the
    paper's text mix of three sets); none: `dopd-vl train` builds the family's synthetic set."""
    data_size: int = 256
    """Records of the built-in synthetic set (shapes for vision pairs, arith for text pairs) when data is none."""
    output: str = "outputs/run"
    """Run folder: checkpoints, metrics.jsonl, the resolved config."""
    seed: int = 0
    """Seed of data order, sampling and initialisation."""
    dtype: str | None = None
    """Weights dtype (float32, bfloat16, float16); none keeps the pair's."""

    # --- rollouts (sampled from the student without privileged input)
    prompts_per_step: int = 8
    """Prompts per optimizer step, across all processes (paper: 128 text, 64 vision)."""
    rollouts_per_prompt: int = 4
    """Responses sampled per prompt (paper: 4)."""
    max_new_tokens: int = 64
    """Longest response (paper defaults: 1024 text, 512 vision)."""
    temperature: float = 1.0
    """Sampling temperature (the paper leaves it open: 1.0). Every view is scored at it too (the logits divided by
    it, as TRL's trainers do), so that the sampled divergence estimates stay on-policy."""
    top_p: float = 1.0
    """Nucleus sampling mass: only 1.0 (off). A truncated sampling distribution is not the one scored, which would
    bias the sampled estimates; the key stays so that recipes can state it."""
    enable_thinking: bool = False
    """Qwen3 thinking mode in prompts; the paper runs non-thinking."""
    rollout_engine: str | None = None
    """How rollouts are sampled, all through transformers: hf (`generate` with its dynamic KV cache), hf_static
    (`generate` with a static KV cache and a compiled decoding step, CUDA graphs on GPU) or hf_continuous
    (transformers' continuous batching, `generate_batch`); none picks hf_static on GPU and hf on CPU."""

    # --- optimisation
    max_steps: int = 200
    """Optimizer steps (paper: 200 text, 300 vision)."""
    learning_rate: float = 5e-6
    """AdamW peak learning rate (paper: 5e-6)."""
    warmup_steps: int = 0
    """Linear warm-up steps before the cosine decay (paper: not given, 0)."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    max_grad_norm: float = 1.0
    """Gradient clipping norm; 0 turns clipping off."""
    gradient_accumulation_steps: int = 1
    """Micro-batches per optimizer step on each process."""
    gradient_checkpointing: bool = False
    """Recompute activations in backward to save memory."""
    bf16: bool = False
    """bf16 autocast for the forward passes."""
    save_steps: int = 50
    """Checkpoint every this many steps (0 = only at the end)."""
    logging_steps: int = 1
    """Write metrics every this many steps."""
    sample_every: int = 10
    """Write samples/step_N.html (rollouts coloured by regime) every this many steps (0 = never)."""
    report_to: str = "tensorboard"
    """Trackers that receive the metrics besides metrics.jsonl, comma-separated: tensorboard (<output>/tensorboard),
    wandb, mlflow, trackio (each through accelerate's trackers; its package must be installed), or none."""
    run_name: str | None = None
    """The run's name in the trackers (default: the output folder's name; `dopd-vl experiment` sets EXPERIMENT/RUN)."""

    def __post_init__(self) -> None:
        if isinstance(self.lora, dict):  # a config written out by `to_dict` and read back (the experiment runner)
            self.lora = LoraOptions(**self.lora)
        positive = ["prompts_per_step", "rollouts_per_prompt", "max_new_tokens", "max_steps",
                    "gradient_accumulation_steps", "logging_steps"]
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ["warmup_steps", "save_steps", "weight_decay", "max_grad_norm", "sample_every"]:
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.temperature <= 0:
            raise ConfigError(f"temperature must be positive, got {self.temperature}")
        if self.top_p != 1.0:
            raise ConfigError(f"top_p must be 1.0, got {self.top_p}: the objective scores the student's whole "
                              "distribution, so rollouts drawn from its nucleus would make the sampled estimates "
                              "off-policy; change the temperature instead (every view is scored at it)")
        if self.rollout_engine not in (None, *ROLLOUT_ENGINES):
            raise ConfigError(f"rollout_engine must be one of {', '.join(ROLLOUT_ENGINES)} (or none: the fastest for "
                              f"the device), got {self.rollout_engine!r}")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.dtype not in (None, "float32", "bfloat16", "float16"):
            raise ConfigError(f"dtype must be float32, bfloat16 or float16, got {self.dtype!r}")
        unknown = [name for name in self.trackers if name not in TRACKERS]
        if unknown or (self.trackers and "none" in self.report_to.split(",")):
            raise ConfigError(f"report_to must be none or a comma-separated list of {', '.join(TRACKERS)}, got "
                              f"{self.report_to!r}")
        if self.method not in METHODS:
            close = difflib.get_close_matches(self.method, list(METHODS), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ConfigError(f"unknown method '{self.method}'; {hint}methods: {', '.join(sorted(METHODS))}")
        if self.prompts_per_step % self.gradient_accumulation_steps:
            raise ConfigError(f"prompts_per_step ({self.prompts_per_step}) must be divisible by "
                              f"gradient_accumulation_steps ({self.gradient_accumulation_steps})")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def trackers(self) -> list[str]:
        """The trackers of `report_to` ([] for none)."""
        return [name.strip() for name in self.report_to.split(",") if name.strip() not in ("", "none")]


def field_docs(cls=TrainConfig) -> dict[str, str]:
    """Each field's documentation: the string literal under it, or else the comment at the end of its line."""
    import ast
    import inspect

    source = inspect.getsource(cls)
    lines = source.splitlines()
    body = ast.parse(source).body[0].body
    docs = {}
    for node, after in zip(body, body[1:] + [None]):
        if not isinstance(node, ast.AnnAssign):
            continue
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[node.target.id] = after.value.value
        elif "#" in lines[node.lineno - 1]:
            docs[node.target.id] = lines[node.lineno - 1].split("#", 1)[1].strip()
    return docs


def recipe_dir():
    return resources.files("dopd_vl.configs").joinpath("recipes")


def recipe_names() -> list[str]:
    return sorted(p.name[: -len(".yaml")] for p in recipe_dir().iterdir() if p.name.endswith(".yaml"))


def read_yaml(name_or_path: str) -> tuple[dict, str]:
    """A recipe by name (`tiny`, `paper-vision`) or a YAML file; returns its mapping and where it came from."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        text, source = path.read_text(), str(path)
    elif recipe_dir().joinpath(f"{name_or_path}.yaml").is_file():
        text, source = recipe_dir().joinpath(f"{name_or_path}.yaml").read_text(), f"configs/recipes/{name_or_path}.yaml"
    else:
        raise ConfigError(f"config {name_or_path!r} is neither a file nor a recipe; recipes: {', '.join(recipe_names())}")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of config keys, got {type(data).__name__}")
    return data, source


def parse_overrides(tokens: list[str]) -> list[tuple[str, str]]:
    """`key=value`, `--key=value` and `--key value` tokens as (key, raw value) pairs, in order."""
    pairs, i = [], 0
    while i < len(tokens):
        token = tokens[i]
        body = token[2:] if token.startswith("--") else token
        if "=" in body:
            key, value = body.split("=", 1)
            i += 1
        elif token.startswith("--") and i + 1 < len(tokens):
            key, value = body, tokens[i + 1]
            i += 2
        else:
            raise ConfigError(f"cannot read override {token!r}: write key=value or --key value")
        pairs.append((key.replace("-", "_"), value))
    return pairs


def coerce(cls, name: str, raw, source: str, key: str | None = None):
    """Convert a YAML or command-line value to the type of field `name` of dataclass `cls`; errors name it `key`
    (default `name`; `objective.topk` for a section's field)."""
    key = key or name
    hint = typing.get_type_hints(cls)[name]
    optional = type(None) in typing.get_args(hint)
    kind = next((t for t in typing.get_args(hint) if t is not type(None)), hint)
    if raw is None or (isinstance(raw, str) and raw.lower() in ("none", "null", "~") and optional):
        if optional:
            return None
        raise ConfigError(f"{source}: {key} cannot be empty")
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("true", "1", "yes", "on"):
                return True
            if str(raw).lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            return int(float(raw)) if isinstance(raw, str) and "e" in raw.lower() else int(raw)
        if kind is float:
            if isinstance(raw, bool):
                raise ValueError
            return float(raw)
        return str(raw)
    except ValueError:
        expected = {int: "an integer", float: "a number", bool: "true or false"}.get(kind, "a string")
        raise ConfigError(f"{source}: {key} must be {expected}, got {raw!r}") from None


# nested dataclass fields: YAML mappings, `objective.topk=64` and `lora.r=64` overrides
SECTIONS = {"objective": MethodOptions, "lora": LoraOptions}


def check_key(cls, key: str, source: str, prefix: str = "") -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    if key not in names:
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
        hint = f"; did you mean '{prefix}{close[0]}'?" if close else f"; valid keys: {', '.join(names)}"
        raise ConfigError(f"{source}: unknown config key '{prefix}{key}'{hint}")


def set_value(values: dict, sections: dict, key: str, raw, source: str) -> None:
    """Check and convert one `key` (or `section.key`) and store it in `values` or its section."""
    section, _, sub_key = key.partition(".")
    if sub_key:
        check_key(TrainConfig, section, source)
        if section not in SECTIONS:
            raise ConfigError(f"{source}: '{section}' has no sub-keys (in '{key}')")
        check_key(SECTIONS[section], sub_key, source, prefix=f"{section}.")
        sections.setdefault(section, {})[sub_key] = coerce(SECTIONS[section], sub_key, raw, source, key)
    elif key in SECTIONS:
        if not isinstance(raw, dict):
            example = {"objective": "topk: 64", "lora": "r: 64"}[key]
            raise ConfigError(f"{source}: '{key}' must be a mapping of its options, e.g. {key}: {{{example}}}")
        for sub_key, sub_raw in raw.items():
            set_value(values, sections, f"{key}.{sub_key}", sub_raw, source)
    else:
        check_key(TrainConfig, key, source)
        values[key] = coerce(TrainConfig, key, raw, source)


def load_config(config: str | None = None, overrides: list[str] | None = None, **fixed) -> TrainConfig:
    """Defaults, then the YAML `config`, then keyword `fixed` values (from named CLI flags), then `overrides`."""
    values: dict = {}
    sections: dict = {section: {} for section in SECTIONS}
    if config:
        data, source = read_yaml(config)
        for key, raw in data.items():
            set_value(values, sections, str(key), raw, source)
    for key, raw in fixed.items():
        if raw is not None:
            set_value(values, sections, key, raw, "command line")
    for key, raw in parse_overrides(overrides or []):
        set_value(values, sections, key, raw, "command line")
    # the method's own defaults (sdpo: top-K 100, ...) under what the config sets
    builders = dict(SECTIONS, objective=functools.partial(method_options, values.get("method", TrainConfig.method)))
    for section, options in sections.items():
        try:
            values[section] = builders[section](**options)
        except ValueError as error:
            raise ConfigError(f"{section}: {error}") from None
    return TrainConfig(**values)
