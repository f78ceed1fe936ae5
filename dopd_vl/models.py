"""Model pairs: the YAML cards in `configs/pairs/`, and the one function that loads a teacher, a student and their
processor (or tokenizer) through the Auto classes, for hub ids, local folders and the built-in tiny pairs alike."""

from __future__ import annotations

import json
import os
import socket
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import torch
import yaml

from dopd_vl.errors import DopdError

FAMILIES = ("qwen3-vl", "qwen3")
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
ATTENTION = ("sdpa", "eager", "flash_attention_2", "flash_attention_3")
PAIR_FIELDS = {"family", "teacher", "student", "params", "dtype", "attn_implementation", "description"}


class PairError(DopdError):
    """A pair that cannot be found, loaded or used together."""


@dataclass(frozen=True)
class PairSpec:
    """One teacher/student pair, as written in `configs/pairs/<name>.yaml`.

    `teacher` and `student` are hub ids or local folders; the tiny pairs, which the project builds, say `builtin`
    (the face resolves them into folders, `lab.tiny.resolve_pair`, before anything loads). `params` holds the
    nominal sizes shown by `dopd-vl pairs`.
    """

    name: str
    family: str
    teacher: str
    student: str
    dtype: str = "bfloat16"
    attn_implementation: str = "sdpa"
    params: tuple[str, str] = ("?", "?")
    description: str = ""
    source: str = ""  # the YAML file it was read from

    @property
    def is_builtin(self) -> bool:
        return self.teacher == "builtin"

    @property
    def is_vision(self) -> bool:
        return self.family == "qwen3-vl"


def pair_dir():
    return resources.files("dopd_vl.configs").joinpath("pairs")


def pair_names() -> list[str]:
    return sorted(p.name[: -len(".yaml")] for p in pair_dir().iterdir() if p.name.endswith(".yaml"))


def load_pair_spec(name_or_path: str, teacher: str | None = None, student: str | None = None) -> PairSpec:
    """Read a pair by name (`8b-2b`) or from a YAML file; `teacher`/`student` replace its models (local folders)."""
    path = Path(name_or_path).expanduser()
    if name_or_path.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise PairError(f"pair file {path} does not exist")
        text, source, name = path.read_text(), str(path), path.stem
    else:
        card = pair_dir().joinpath(f"{name_or_path}.yaml")
        if not card.is_file():
            import difflib

            close = difflib.get_close_matches(name_or_path, pair_names(), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise PairError(f"unknown pair {name_or_path!r}.{hint} Known pairs: {', '.join(pair_names())}; "
                            "or pass a YAML file of your own (see configs/pairs/ for the fields).")
        text, source, name = card.read_text(), f"configs/pairs/{name_or_path}.yaml", name_or_path
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise PairError(f"{source}: not valid YAML: {error}") from None
    unknown = set(raw) - PAIR_FIELDS
    if unknown:
        raise PairError(f"{source}: unknown field(s) {sorted(unknown)}; expected {sorted(PAIR_FIELDS)}")
    for field in ("family", "teacher", "student"):
        if not raw.get(field):
            raise PairError(f"{source}: field '{field}' is missing")
    if raw["family"] not in FAMILIES:
        raise PairError(f"{source}: field 'family' is {raw['family']!r}; expected one of {FAMILIES}")
    if raw.get("dtype", "bfloat16") not in DTYPES:
        raise PairError(f"{source}: field 'dtype' is {raw['dtype']!r}; expected one of {sorted(DTYPES)}")
    if raw.get("attn_implementation", "sdpa") not in ATTENTION:
        raise PairError(f"{source}: field 'attn_implementation' is {raw['attn_implementation']!r}; "
                        f"expected one of {ATTENTION}")
    params = raw.get("params") or {}
    spec = PairSpec(name=name, family=raw["family"], teacher=str(raw["teacher"]), student=str(raw["student"]),
                    dtype=raw.get("dtype", "bfloat16"), attn_implementation=raw.get("attn_implementation", "sdpa"),
                    params=(str(params.get("teacher", "?")), str(params.get("student", "?"))),
                    description=raw.get("description", ""), source=source)
    if spec.is_builtin != (spec.student == "builtin"):
        raise PairError(f"{source}: 'builtin' must name both models or neither")
    if teacher or student:
        from dataclasses import replace

        spec = replace(spec, teacher=teacher or spec.teacher, student=student or spec.student)
    return spec


@dataclass
class LoadedPair:
    spec: PairSpec
    teacher: torch.nn.Module
    student: torch.nn.Module
    processor: object  # Qwen3VLProcessor for vision pairs, the tokenizer for text pairs
    teacher_location: str
    student_location: str

    @property
    def tokenizer(self):
        return getattr(self.processor, "tokenizer", self.processor)


def model_locations(spec: PairSpec) -> tuple[str, str]:
    """Where teacher and student weights are read from: hub ids or local folders."""
    if "builtin" in (spec.teacher, spec.student):
        raise PairError(f"pair '{spec.name}' is built by the project: run it through `dopd-vl` (or resolve it with "
                        "`lab.tiny.resolve_pair`), which builds it and passes its folders as teacher and student")
    return spec.teacher, spec.student


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def hub_reachable(timeout: float = 3.0) -> bool:
    """A TCP connection to the hub within `timeout` seconds; hub libraries would retry for half a minute instead."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    url = urlparse(hub_endpoint())
    try:
        socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)),
                                 timeout=timeout).close()
        return True
    except OSError:
        return False


def is_hub_id(location: str) -> bool:
    return location.count("/") == 1 and not location.startswith((".", "/", "~")) and not Path(location).exists()


def cached_on_disk(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


def resolve_location(location: str, role: str, spec: PairSpec) -> tuple[str, bool]:
    """Check that `location` can be loaded without hanging; return it and whether to load from local files only."""
    if not is_hub_id(location):
        folder = Path(location).expanduser()
        if not (folder / "config.json").is_file():
            raise PairError(f"{role} of pair '{spec.name}': {folder} is not a model folder (no config.json). "
                            f"Point {role}= at a folder written by save_pretrained or `hf download`.")
        return str(folder), True
    if cached_on_disk(location):
        return location, not hub_reachable()
    if not hub_reachable():
        raise PairError(
            f"{role} of pair '{spec.name}' is the hub model {location}, which is not in the local Hugging Face cache, "
            f"and {hub_endpoint()} cannot be reached from this machine.\n"
            f"Download it where there is network (`hf download {location} --local-dir /models/{location.split('/')[-1]}`)"
            f", copy the folder here and point the pair at it, e.g. `--pair {spec.name} "
            f"--{role} /models/{location.split('/')[-1]}`, or write your own pair YAML with local paths "
            "(configs/pairs/ shows the fields). Built-in pairs that need no download: tiny, tiny-text.")
    return location, False


def load_processor(location: str, family: str, local_only: bool):
    from transformers import AutoProcessor, AutoTokenizer

    auto = AutoProcessor if family == "qwen3-vl" else AutoTokenizer
    return auto.from_pretrained(location, local_files_only=local_only)


def check_compatible(spec: PairSpec, teacher_config, student_config, teacher_processor, student_processor) -> None:
    """Refuse a pair whose teacher and student could not score the same token ids with the same prompts."""
    teacher_vocab = teacher_config.get_text_config().vocab_size
    student_vocab = student_config.get_text_config().vocab_size
    if teacher_vocab != student_vocab:
        raise PairError(f"pair '{spec.name}': teacher and student differ in vocabulary size "
                        f"(teacher {teacher_vocab}, student {student_vocab}); distillation compares their "
                        "distributions token by token, so both must use the same tokenizer and vocabulary.")
    teacher_template = getattr(teacher_processor, "chat_template", None)
    student_template = getattr(student_processor, "chat_template", None)
    if teacher_template != student_template:
        if not teacher_template or not student_template:
            where = "teacher" if not teacher_template else "student"
            detail = f"the {where} has no chat template"
        else:
            at = next(i for i, (a, b) in enumerate(zip(teacher_template + "\0", student_template + "\1")) if a != b)
            detail = (f"they first differ at character {at}: teacher {teacher_template[at:at + 40]!r} vs "
                      f"student {student_template[at:at + 40]!r}")
        raise PairError(f"pair '{spec.name}': teacher and student differ in chat template ({detail}); the privileged "
                        "and student prompts must be rendered the same way for both models.")


def load_pair(spec: PairSpec, dtype: str | None = None, device: str | torch.device = "cpu") -> LoadedPair:
    """Load teacher, student and processor of `spec` after the start-up checks; the teacher is frozen in eval mode."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText

    teacher_location, student_location = model_locations(spec)
    teacher_location, teacher_local = resolve_location(teacher_location, "teacher", spec)
    student_location, student_local = resolve_location(student_location, "student", spec)
    teacher_config = AutoConfig.from_pretrained(teacher_location, local_files_only=teacher_local)
    student_config = AutoConfig.from_pretrained(student_location, local_files_only=student_local)
    teacher_processor = load_processor(teacher_location, spec.family, teacher_local)
    student_processor = load_processor(student_location, spec.family, student_local)
    check_compatible(spec, teacher_config, student_config, teacher_processor, student_processor)

    auto = AutoModelForImageTextToText if spec.is_vision else AutoModelForCausalLM
    torch_dtype = DTYPES[dtype or spec.dtype]
    common = dict(dtype=torch_dtype, attn_implementation=spec.attn_implementation)
    teacher = auto.from_pretrained(teacher_location, local_files_only=teacher_local, **common).to(device)
    student = auto.from_pretrained(student_location, local_files_only=student_local, **common).to(device)
    teacher.eval().requires_grad_(False)
    return LoadedPair(spec, teacher, student, student_processor, teacher_location, student_location)


def resolve_model(reference: str) -> tuple[str, str]:
    """One model named by `PAIR:teacher`, `PAIR:student`, a local folder or a hub id: (location, family)."""
    from transformers import AutoConfig

    if ":" in reference and not Path(reference).expanduser().exists():
        pair_name, role = reference.rsplit(":", 1)
        if role not in ("teacher", "student"):
            raise PairError(f"{reference!r}: write PAIR:teacher, PAIR:student, a model folder or a hub id")
        spec = load_pair_spec(pair_name)
        location = dict(zip(("teacher", "student"), model_locations(spec)))[role]
        return resolve_location(location, role, spec)[0], spec.family
    if is_hub_id(reference):
        spec = PairSpec(name=reference, family="qwen3", teacher=reference, student=reference)
        location, local_only = resolve_location(reference, "model", spec)
        config = AutoConfig.from_pretrained(location, local_files_only=local_only)
    else:
        folder = Path(reference).expanduser()
        base = adapter_base(folder)
        if not (folder / "config.json").is_file() and base is None:
            raise PairError(f"{reference!r} is not a model folder (no config.json), a LoRA checkpoint (no "
                            f"adapter_config.json), a hub id (owner/name) or PAIR:teacher / PAIR:student (e.g. "
                            f"tiny:student)")
        location, config = str(folder), AutoConfig.from_pretrained(base or folder, local_files_only=base is None)
    return location, "qwen3-vl" if hasattr(config, "vision_config") else "qwen3"


def load_model(location: str, family: str, device: str | torch.device = "cpu", dtype: str | None = None):
    """One model in eval mode and its processor (vision family) or tokenizer; float32 on the CPU and bfloat16
    elsewhere unless `dtype` says otherwise."""
    from transformers import AutoModelForCausalLM, AutoModelForImageTextToText

    local_only = not is_hub_id(location) or not hub_reachable()
    processor = load_processor(location, family, local_only)
    auto = AutoModelForImageTextToText if family == "qwen3-vl" else AutoModelForCausalLM
    torch_dtype = DTYPES[dtype] if dtype else torch.float32 if str(device) == "cpu" else torch.bfloat16
    base = adapter_base(Path(location)) if not is_hub_id(location) else None
    model = auto.from_pretrained(base or location, dtype=torch_dtype, local_files_only=local_only).to(device)
    if base is not None:  # a LoRA run's checkpoint: its adapters merged into the base student they were trained on
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, location).merge_and_unload()
    return model.eval(), processor


def adapter_base(folder: Path) -> str | None:
    """The base model of a PEFT adapter folder (a LoRA run's checkpoint: `adapter_config.json`, no `config.json`),
    or None for any other folder."""
    if (folder / "config.json").is_file() or not (folder / "adapter_config.json").is_file():
        return None
    base = json.loads((folder / "adapter_config.json").read_text()).get("base_model_name_or_path")
    if not base:
        raise PairError(f"{folder}/adapter_config.json names no base_model_name_or_path: cannot load the adapters")
    return base


def vision_special_token_ids(tokenizer) -> list[int]:
    """Ids a policy must never sample: the vision placeholders, which would break re-scoring with images. A tokenizer
    without them (a text-only model from another family, e.g. SmolLM2) has none to suppress."""
    names = ["<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]
    ids = tokenizer.convert_tokens_to_ids(names)
    return [i for i in ids if i is not None and i != tokenizer.unk_token_id]


def count_parameters(location: str, family: str) -> int | None:
    """Exact parameter count from a local config (weights are not read: the model is built on the meta device)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText

    try:
        config = AutoConfig.from_pretrained(location, local_files_only=True)
    except OSError:
        return None
    auto = AutoModelForImageTextToText if family == "qwen3-vl" else AutoModelForCausalLM
    with torch.device("meta"):
        model = auto.from_config(config)
    return sum(p.numel() for p in model.parameters())


def lora_target_pattern(model, names: list[str]) -> str:
    """PEFT's `target_modules` for `lora.targets`: a regex over module names that matches the linear layers called
    `names` (every one for ["all-linear"]) inside the decoder layers of the language model, and nothing in the vision
    tower, the embeddings or lm_head."""
    import re

    decoder = model.get_decoder()  # Qwen3: model; Qwen3-VL: model.language_model
    prefix = next(name for name, module in model.named_modules() if module is decoder)
    layers = f"{prefix}.layers." if prefix else "layers."
    available = sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                        if isinstance(module, torch.nn.Linear) and name.startswith(layers)})
    wanted = available if names == ["all-linear"] else names
    missing = [name for name in wanted if name not in available]
    if missing or not wanted:
        raise PairError(f"lora.targets: the language model's decoder layers have no linear layer named "
                        f"{', '.join(missing) or '(none)'}; theirs: {', '.join(available)}")
    return rf"{re.escape(layers)}\d+\.(?:.*\.)?(?:{'|'.join(map(re.escape, wanted))})"


def add_lora(model, r: int, alpha: float, dropout: float, targets: list[str]):
    """LoRA adapters on `model`'s language model (PEFT), in place: `model` stays the transformers model, its target
    layers now LoRA layers, every other weight frozen. Returns the `PeftModel` around it (saving the adapters,
    switching them off)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, bias="none",
                        target_modules=lora_target_pattern(model, targets))
    with warnings.catch_warnings():  # PEFT 0.21 reads transformers' deprecated name; nothing a user can act on
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        adapted = get_peft_model(model, config)
    assert adapted.base_model.model is model
    return adapted


def merged_lora_state(state: dict[str, torch.Tensor], adapted) -> dict[str, torch.Tensor]:
    """The weights of the adapted model `adapted` (a `PeftModel`) with each adapter merged into its layer,
    ``W + (alpha / r) B A``, named as the plain transformers model names them: a `from_pretrained` checkpoint. `state`
    is the transformers model's state dict (adapters included), e.g. gathered from ZeRO shards."""
    from peft.tuners.lora import LoraLayer

    merged = {key: value for key, value in state.items() if ".lora_" not in key}
    for name, module in adapted.base_model.model.named_modules():
        if not isinstance(module, LoraLayer):
            continue
        base = merged.pop(f"{name}.base_layer.weight")
        weight = base.float()
        for adapter in module.active_adapters:
            lora_A = state[f"{name}.lora_A.{adapter}.weight"].float()
            lora_B = state[f"{name}.lora_B.{adapter}.weight"].float()
            weight = weight + (lora_B @ lora_A) * module.scaling[adapter]
        merged[f"{name}.weight"] = weight.to(base.dtype)
    return {key.replace(".base_layer.", "."): value for key, value in merged.items()}
