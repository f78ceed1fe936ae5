"""The `dopd-vl` command, in process and as the installed console script; and the wheel's package data."""

import shutil
import subprocess
import sys
import zipfile

import pytest

from dopd_vl.cli import main


def test_help_lists_only_working_commands(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    from dopd_vl.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert sorted(commands) == ["build-data", "check", "config", "eval", "experiment", "lab", "methods", "pairs",
                                "train"]
    for command in commands:
        assert f"    {command} " in out


def test_methods_lists_every_method_with_what_it_fixes(capsys):
    from dopd_vl.objectives import METHODS

    assert main(["methods"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in lines[2:len(METHODS) + 2]}
    assert list(rows) == list(METHODS)
    assert "regimes=light_self,weak_self" in rows["dopd_no_teacher"]
    assert "only the self regimes" in rows["dopd_no_teacher"]
    assert "teacher_privileged=false self_privileged=false" in rows["dopd_no_privileged"]
    assert rows["gkd"].split()[1:3] == ["teacher", "-"] and "generalized JSD" in rows["gkd"]


def test_pairs_lists_ten_pairs(capsys, tiny_vl_pair, tiny_text_pair):
    assert main(["pairs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in lines[2:]}
    assert len(rows) == 10
    assert "Qwen/Qwen3-VL-8B-Instruct" in rows["8b-2b"] and "Qwen/Qwen3-VL-2B-Instruct" in rows["8b-2b"]
    assert "8B / 2B (nominal)" in rows["8b-2b"] and "8B / 1.7B (nominal)" in rows["8b-1.7b"]
    teacher = sum(p.numel() for p in tiny_vl_pair.teacher.parameters())
    assert f"{teacher / 1e6:.2f}M" in rows["tiny"] and "cache:" in rows["tiny"]


def test_check_tiny_pair(capsys):
    assert main(["check", "--pair", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "pair 'tiny' (qwen3-vl) loaded" in out and "logits finite = True" in out


def test_config_prints_resolved_values_and_errors_without_traceback(capsys):
    assert main(["config", "--config", "tiny", "max_steps=3", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "max_steps: 3" in out and "seed: 5" in out and "pair: tiny" in out
    assert main(["config", "--config", "tiny", "max_stepz=3"]) == 2
    assert "did you mean 'max_steps'" in capsys.readouterr().err
    assert main(["config", "--fields"]) == 0
    assert "learning_rate = 5e-06" in capsys.readouterr().out


def test_console_script_is_installed():
    script = shutil.which("dopd-vl") or str(__import__("pathlib").Path(sys.executable).parent / "dopd-vl")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Dual On-policy Distillation" in result.stdout


def test_wheel_ships_configs_and_templates(tmp_path):
    """The installed wheel, not only an editable install, must find its YAML files and chat templates."""
    pytest.importorskip("setuptools")
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "wheel"), str(root)], check=True, timeout=300)
    wheel = next((tmp_path / "wheel").glob("dopd_vl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "dopd_vl/configs/pairs/8b-2b.yaml" in names and "dopd_vl/configs/recipes/tiny.yaml" in names
    assert "dopd_vl/templates/qwen3_vl.jinja" in names and "data_builders/__init__.py" in names
    assert "lab/tiny.py" in names and "lab/privilege.py" in names
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = ("from dopd_vl.models import pair_names; from dopd_vl.config import load_config; "
            "from lab.tiny import chat_template; import dopd_vl; "
            "print(dopd_vl.__file__, len(pair_names()), load_config('paper-text').pair, len(chat_template('qwen3')))")
    result = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); "
                             f"{code}"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    location, count, pair, template_length = result.stdout.split()
    assert location.startswith(str(tmp_path / "site")) and count == "10" and pair == "8b-1.7b"
    assert int(template_length) > 500


def test_library_noise_is_quiet_unless_verbose(monkeypatch):
    import torch
    from transformers.utils import logging as transformers_logging

    from dopd_vl.cli import build_parser, quiet_libraries

    commands = [["train"], ["eval", "--model", "m", "--benchmarks", "b", "--data-dir", "d"], ["lab"],
                ["experiment", "run", "x", "--output", "o"], ["build-data", "--task", "grounding", "--out", "o"]]
    for command in commands:
        assert build_parser().parse_known_args([*command, "--verbose"])[0].verbose is True
        assert build_parser().parse_known_args(command)[0].verbose is False
    monkeypatch.delenv("DS_ACCELERATOR", raising=False)
    transformers_logging.enable_progress_bar()  # an earlier command in this process may have turned it off
    try:
        quiet_libraries(verbose=True)
        assert "DS_ACCELERATOR" not in __import__("os").environ and transformers_logging.is_progress_bar_enabled()
        quiet_libraries(verbose=False)
        assert not transformers_logging.is_progress_bar_enabled()
        if not torch.cuda.is_available():  # DeepSpeed is told the accelerator instead of warning that it guessed
            assert __import__("os").environ["DS_ACCELERATOR"] == "cpu"
    finally:
        transformers_logging.enable_progress_bar()
