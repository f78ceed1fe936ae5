"""LoRA students (`lora.*`): config, targets, what trains, accumulation, checkpoints, bit-exact resume, final/."""

import copy
import json
import shutil
import warnings

import pytest
import torch

from dopd_vl.config import ConfigError, LoraOptions, TrainConfig, load_config
from dopd_vl.models import PairError, add_lora
from dopd_vl.trainer import TrainingError, encode_view, own_weights, setup, step_records, train, train_step
from lab.tiny import resolve_config
from tests.test_trainer import ReplayEngine  # fixed responses, a function of the record id only

FAST = ["prompts_per_step=4", "rollouts_per_prompt=2", "max_new_tokens=8", "data_size=16", "sample_every=0",
        "report_to=none"]
LORA = ["lora.r=8", "lora.alpha=16", "learning_rate=1e-2"]


def replayed_setup(tmp_path, name, overrides, pair="tiny-text"):
    config = load_config(overrides=[f"pair={pair}", f"output={tmp_path / name}", *FAST, *LORA, *overrides])
    run, _ = setup(resolve_config(config), resume=False)
    return config, run


def replayed_step(run, config, step=0):
    records = step_records(run.records, step, config, 0, 1)
    size = len(records) // config.gradient_accumulation_steps
    run.engine = ReplayEngine([records[i:i + size] for i in range(0, len(records), size)])
    return train_step(run, step, records)


def test_lora_options_from_overrides_and_yaml(tmp_path):
    assert TrainConfig().lora == LoraOptions(r=0, alpha=16.0, dropout=0.0, targets="all-linear")
    assert not TrainConfig().lora.enabled  # full fine-tuning by default
    config = load_config(overrides=["lora.r=64", "--lora.alpha", "32", "lora.targets=q_proj, v_proj"])
    assert (config.lora.r, config.lora.alpha, config.lora.enabled) == (64, 32.0, True)
    assert config.lora.target_names == ["q_proj", "v_proj"]
    recipe = tmp_path / "lora.yaml"
    recipe.write_text("pair: tiny\nlora:\n  r: 16\n  dropout: 0.05\n")
    config = load_config(str(recipe), ["lora.r=4"])
    assert (config.lora.r, config.lora.dropout, config.lora.targets) == (4, 0.05, "all-linear")
    assert TrainConfig(**config.to_dict()).lora == config.lora  # a config written out and read back


@pytest.mark.parametrize("override, message", [
    ("lora.r=-1", r"lora.r must be an integer of at least 0 \(0: full fine-tuning\), got -1"),
    ("lora.r=2.5", "lora.r must be an integer, got '2.5'"),
    ("lora.alpha=0", "lora.alpha must be positive, got 0.0"),
    ("lora.dropout=1", r"lora.dropout must be in \[0, 1\), got 1.0"),
    ("lora.targets=all-linear,q_proj", "lora.targets must be all-linear or a comma-separated list"),
    ("lora.targets=,", "lora.targets must be all-linear or a comma-separated list"),
    ("lora.rnak=4", "unknown config key 'lora.rnak'; valid keys: r, alpha, dropout, targets"),
    ("lora=4", "'lora' must be a mapping of its options"),
])
def test_invalid_lora_options_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(overrides=[override])


def test_default_targets_are_the_language_models_linear_layers(tiny_vl_pair):
    """On the tiny Qwen3-VL student: every linear layer of every decoder layer of the language model carries an
    adapter; the vision tower, the embeddings and lm_head carry none; only the adapters train."""
    student = copy.deepcopy(tiny_vl_pair.student)
    text_config = student.config.get_text_config()
    adapters = add_lora(student, 4, 8.0, 0.0, ["all-linear"])
    adapted = sorted(name for name, module in student.named_modules() if hasattr(module, "lora_A"))
    projections = ["mlp.down_proj", "mlp.gate_proj", "mlp.up_proj", "self_attn.k_proj", "self_attn.o_proj",
                   "self_attn.q_proj", "self_attn.v_proj"]
    assert adapted == [f"model.language_model.layers.{i}.{p}" for i in range(text_config.num_hidden_layers)
                       for p in projections]
    trained = [name for name, p in student.named_parameters() if p.requires_grad]
    assert trained and all(".lora_A." in name or ".lora_B." in name for name in trained)
    assert not any(name.startswith("model.visual") for name in trained)
    assert student.get_output_embeddings().weight.requires_grad is False
    assert adapters.base_model.model is student  # the transformers model itself, its layers wrapped in place

    only_query = copy.deepcopy(tiny_vl_pair.student)
    with warnings.catch_warnings(record=True) as caught:  # PEFT's read of a deprecated transformers name is hushed
        warnings.simplefilter("always")
        add_lora(only_query, 4, 8.0, 0.0, ["q_proj"])
    assert not [w for w in caught if issubclass(w.category, FutureWarning)]
    assert sum(name.endswith("q_proj") for name, m in only_query.named_modules() if hasattr(m, "lora_A")) \
        == text_config.num_hidden_layers
    with pytest.raises(PairError, match="no linear layer named qkv; theirs: down_proj, gate_proj, k_proj"):
        add_lora(copy.deepcopy(tiny_vl_pair.student), 4, 8.0, 0.0, ["qkv"])  # the vision tower's: not a target


def test_a_step_moves_only_the_adapters(tmp_path):
    """One DOPD step of the tiny Qwen3-VL pair (images in the prompts): the optimizer holds the adapters only, and
    no base weight (language model, vision tower, embeddings, lm_head) moves."""
    config, run = replayed_setup(tmp_path, "run", [], pair="tiny")
    before = {name: p.detach().clone() for name, p in run.student.named_parameters()}
    optimized = [p for group in run.optimizer.param_groups for p in group["params"]]
    layers = run.student.config.get_text_config().num_hidden_layers
    assert len(optimized) == sum(".lora_" in name for name in before) == 2 * 7 * layers  # A and B, 7 per layer
    assert any("pixel_values" in key for key in encode_view(run, run.records[:1], "student"))
    metrics = replayed_step(run, config).metrics
    assert metrics["loss"] > 0 and metrics["grad_norm"] > 0
    for name, parameter in run.student.named_parameters():
        changed = not torch.equal(parameter, before[name])
        # lora_B starts at zero, so lora_A has no gradient in the first step: only B moves, and no base weight
        assert changed == (".lora_B." in name), name


def test_accumulation_equals_one_batch(tmp_path):
    gradients = {}
    for accumulation in (1, 2):
        config, run = replayed_setup(tmp_path, f"acc{accumulation}", [f"gradient_accumulation_steps={accumulation}"])
        captured, zero_grad = [], run.optimizer.zero_grad

        def capture_then_zero(*args, captured=captured, zero_grad=zero_grad, run=run, **kwargs):
            captured.extend(p.grad.clone() for p in run.student.parameters() if p.grad is not None)
            zero_grad(*args, **kwargs)

        run.optimizer.zero_grad = capture_then_zero
        gradients[accumulation] = (replayed_step(run, config).metrics, captured)
    (one, grads_one), (two, grads_two) = gradients[1], gradients[2]
    assert two["loss"] == pytest.approx(one["loss"], rel=1e-5)
    assert two["grad_norm"] == pytest.approx(one["grad_norm"], rel=1e-5)
    assert len(grads_one) == len(grads_two) == 28
    scale = max(g.abs().max().item() for g in grads_one)
    for a, b in zip(grads_one, grads_two):
        torch.testing.assert_close(b, a, atol=1e-5 * scale, rtol=1e-4)


def test_the_initial_privileged_student_is_the_student_with_its_adapters_off(tmp_path):
    """objective.self_target=initial under LoRA keeps no copy: the privileged view scores the base weights."""
    from dopd_vl.models import load_model
    from dopd_vl.rollout import frozen_hidden_states

    config, run = replayed_setup(tmp_path, "run", ["method=opsd", "objective.self_target=initial"])
    assert run.self_teacher is None and run.adapters is not None
    replayed_step(run, config)
    records = step_records(run.records, 1, config, 0, 1)
    prompts = encode_view(run, records, "privileged")
    rollouts = ReplayEngine([records]).generate(prompts, 2)
    pad_id = run.pair.tokenizer.pad_token_id
    with own_weights(run, run.student, initial=True):
        initial = frozen_hidden_states(run.student, prompts, rollouts, pad_id)
    with own_weights(run, run.student, initial=False):
        live = frozen_hidden_states(run.student, prompts, rollouts, pad_id)
    base, _ = load_model(run.pair.student_location, "qwen3")
    torch.testing.assert_close(initial, frozen_hidden_states(base, prompts, rollouts, pad_id), rtol=1e-5, atol=1e-6)
    assert (live - initial).abs().max() > 1e-3  # the adapters moved the live student away from it
    assert run.student.training  # scoring switched the student to eval mode and back


def read_losses(output):
    return {m["step"]: m["loss"] for m in map(json.loads, (output / "metrics.jsonl").read_text().splitlines())}


def test_resume_is_bit_exact_checkpoints_hold_adapters_and_final_is_the_merged_student(tmp_path):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    overrides = [*FAST, *LORA, "pair=tiny-text", "max_steps=2", "save_steps=1", "max_new_tokens=4"]
    straight = tmp_path / "straight"
    train(resolve_config(load_config(overrides=[*overrides, f"output={straight}"])))
    checkpoint = straight / "checkpoints" / "step-00000001"
    state = load_file(checkpoint / "state" / "model.safetensors")
    assert state and all(".lora_A." in key or ".lora_B." in key for key in state)  # no frozen base weights
    assert (checkpoint / "student" / "adapter_model.safetensors").is_file()
    assert not (checkpoint / "student" / "model.safetensors").exists()

    resumed = tmp_path / "resumed"  # a run killed after its step-1 checkpoint
    shutil.copytree(checkpoint, resumed / "checkpoints" / checkpoint.name)
    lines = (straight / "metrics.jsonl").read_text().splitlines()
    (resumed / "metrics.jsonl").write_text("".join(line + "\n" for line in lines[:1]))
    final = train(resolve_config(load_config(overrides=[*overrides, f"output={resumed}"])), resume=True)
    assert read_losses(resumed) == read_losses(straight)  # bit for bit
    with pytest.raises(TrainingError, match=r"holds 28 weights, not this run's 8 LoRA adapters: resume with the "
                                            r"lora.\* options"):
        setup(resolve_config(load_config(overrides=[*overrides, f"output={straight}", "lora.targets=q_proj,v_proj"])),
              resume=True)
    adapters, resumed_adapters = (load_file(f / "final" / "adapter" / "adapter_model.safetensors")
                                  for f in (straight, resumed))
    assert adapters.keys() == resumed_adapters.keys() and all(torch.equal(adapters[k], resumed_adapters[k])
                                                              for k in adapters)

    merged = AutoModelForCausalLM.from_pretrained(final).eval()
    base_location = json.loads((final / "adapter" / "adapter_config.json").read_text())["base_model_name_or_path"]
    base = AutoModelForCausalLM.from_pretrained(base_location).eval()
    ids = torch.tensor([[5, 17, 42, 99, 7, 3, 250]])
    with torch.no_grad():
        base_logits = base(ids).logits
        adapted_logits = PeftModel.from_pretrained(base, final / "adapter").eval()(ids).logits
        merged_logits = merged(ids).logits
    torch.testing.assert_close(merged_logits, adapted_logits, rtol=1e-4, atol=1e-4)
    assert (merged_logits - base_logits).abs().max() > 1e-2  # the adapters changed the student
    # a checkpoint's adapter folder loads as a model too (`dopd-vl eval --model`, the experiments' learning curves):
    # the adapters merged into the base student they were trained on
    from dopd_vl.models import load_model, resolve_model

    location, family = resolve_model(str(checkpoint / "student"))
    assert family == "qwen3" and location == str(checkpoint / "student")
    from_checkpoint, _ = load_model(location, family)
    fresh_base = AutoModelForCausalLM.from_pretrained(base_location).eval()
    with torch.no_grad():
        expected_logits = PeftModel.from_pretrained(fresh_base, checkpoint / "student").eval()(ids).logits
        torch.testing.assert_close(from_checkpoint(ids).logits, expected_logits, rtol=1e-4, atol=1e-4)
        assert (expected_logits - base_logits).abs().max() > 1e-3  # the step-1 adapters are not zero
