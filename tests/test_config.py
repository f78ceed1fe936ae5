"""TrainConfig: recipes, overrides, unknown keys and validation."""

import dataclasses

import pytest

from dopd_vl.config import ConfigError, TrainConfig, field_docs, load_config, parse_overrides, recipe_names


def test_defaults_follow_the_method_spec():
    config = TrainConfig()
    assert (config.learning_rate, config.rollouts_per_prompt, config.temperature, config.top_p) == (5e-6, 4, 1.0, 1.0)
    assert config.warmup_steps == 0 and config.enable_thinking is False


def test_every_field_is_documented():
    docs = field_docs()
    assert [f.name for f in dataclasses.fields(TrainConfig)] == list(docs)
    assert all(len(text) > 10 for text in docs.values())


def test_recipes_load_with_the_paper_settings():
    assert {"tiny", "tiny-text", "paper-text", "paper-vision"} <= set(recipe_names())
    text, vision = load_config("paper-text"), load_config("paper-vision")
    assert (text.pair, text.prompts_per_step, text.max_steps, text.max_new_tokens) == ("8b-1.7b", 128, 200, 1024)
    assert (vision.pair, vision.prompts_per_step, vision.max_steps, vision.max_new_tokens) == ("8b-2b", 64, 300, 512)
    assert text.learning_rate == vision.learning_rate == 5e-6
    assert load_config("tiny").learning_rate == 3e-4  # YAML "3.0e-4" is a float


def test_override_forms_and_types():
    config = load_config("tiny", ["max_steps=3", "--learning-rate", "1e-3", "--bf16=true", "teacher=/m/t",
                                  "dtype=bfloat16", "temperature=0.7"])
    assert (config.max_steps, config.learning_rate, config.bf16, config.teacher) == (3, 1e-3, True, "/m/t")
    assert (config.dtype, config.temperature, config.pair) == ("bfloat16", 0.7, "tiny")
    assert load_config(overrides=["teacher=none"]).teacher is None
    assert load_config(max_steps=7, overrides=["max_steps=9"]).max_steps == 9  # overrides come last
    assert parse_overrides(["a=b=c", "--x", "1"]) == [("a", "b=c"), ("x", "1")]


def test_unknown_key_names_the_closest_valid_one(tmp_path):
    with pytest.raises(ConfigError, match=r"command line: unknown config key 'learnig_rate'; did you mean "
                                          r"'learning_rate'\?"):
        load_config(overrides=["learnig_rate=1"])
    recipe = tmp_path / "mine.yaml"
    recipe.write_text("pair: tiny\nmax_step: 3\n")
    with pytest.raises(ConfigError, match=r"mine.yaml: unknown config key 'max_step'; did you mean 'max_steps'"):
        load_config(str(recipe))
    with pytest.raises(ConfigError, match=r"unknown config key 'zzz'; valid keys: pair, "):
        load_config(overrides=["zzz=1"])


@pytest.mark.parametrize("override, message", [
    ("max_steps=1.5", "max_steps must be an integer, got '1.5'"),
    ("bf16=maybe", "bf16 must be true or false"),
    ("max_steps=0", "max_steps must be at least 1"),
    ("temperature=0", "temperature must be positive"),
    ("top_p=1.5", r"top_p must be 1.0, got 1.5: .*off-policy"),
    ("top_p=0.9", r"top_p must be 1.0, got 0.9"),
    ("dtype=fp8", "dtype must be float32, bfloat16 or float16"),
    ("gradient_accumulation_steps=3", r"prompts_per_step \(8\) must be divisible by gradient_accumulation_steps"),
])
def test_invalid_values_are_refused(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(overrides=[override])


def test_dangling_flag_is_an_error():
    with pytest.raises(ConfigError, match="cannot read override '--max-steps'"):
        load_config(overrides=["--max-steps"])


def test_objective_section_from_yaml_and_overrides(tmp_path):
    recipe = tmp_path / "mine.yaml"
    recipe.write_text("method: opd\nobjective:\n  estimator: full\n  topk: 32\n")
    config = load_config(str(recipe), ["objective.topk=64", "--objective.beta_l", "0.5"])
    assert (config.method, config.objective.estimator, config.objective.topk, config.objective.beta_l) == \
        ("opd", "full", 64, 0.5)
    assert config.objective.beta_w == 0.3 and config.objective.outlier_quantile == 0.95  # spec defaults kept
    with pytest.raises(ConfigError, match=r"unknown config key 'objective.topc'; did you mean 'objective.topk'"):
        load_config(overrides=["objective.topc=3"])
    with pytest.raises(ConfigError, match=r"objective: method option normalize must be one of"):
        load_config(overrides=["objective.normalize=l2"])
    with pytest.raises(ConfigError, match=r"'objective' must be a mapping"):
        recipe.write_text("objective: 3\n")
        load_config(str(recipe))


def test_unknown_method_names_the_closest():
    with pytest.raises(ConfigError, match=r"unknown method 'dopd_norouting'; did you mean 'dopd_no_routing'"):
        load_config(overrides=["method=dopd_norouting"])


def test_report_to_names_trackers_and_refuses_unknown_or_missing_ones(monkeypatch):
    from dopd_vl.trainer import TrainingError, check_trackers

    assert load_config(None, ["report_to=none"]).trackers == []
    assert load_config(None, ["report_to=tensorboard, mlflow"]).trackers == ["tensorboard", "mlflow"]
    for bad in ("tb", "none,wandb"):
        with pytest.raises(ConfigError, match="report_to must be none or"):
            load_config(None, [f"report_to={bad}"])
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wandb" else real(name, *a))
    with pytest.raises(TrainingError, match="needs the package.s. wandb: pip install wandb"):
        check_trackers(load_config(None, ["report_to=tensorboard,wandb"]))
    check_trackers(load_config(None, ["report_to=tensorboard"]))
