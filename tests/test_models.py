"""Pair cards and the start-up checks of `load_pair`."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from dopd_vl.models import PairError, load_pair, load_pair_spec, model_locations, pair_dir, pair_names
from lab.tiny import resolve_pair

REAL_PAIRS = ["1.7b-0.6b", "4b-0.6b", "4b-1.7b", "4b-2b", "8b-0.6b", "8b-1.7b", "8b-2b", "8b-4b"]


def test_all_ten_pairs_parse_with_consistent_families():
    assert pair_names() == sorted(REAL_PAIRS + ["tiny", "tiny-text"])
    for name in REAL_PAIRS:
        spec = load_pair_spec(name)
        teacher_size, student_size = name.split("-")
        assert spec.teacher.startswith("Qwen/") and spec.student.startswith("Qwen/")
        vision = spec.family == "qwen3-vl"
        for model, size in ((spec.teacher, teacher_size), (spec.student, student_size)):
            assert ("Qwen3-VL-" in model) == vision, (name, model)
            assert model.endswith(f"-{size.upper()}-Instruct" if vision else f"-{size.upper()}"), (name, model)
        assert spec.params == (teacher_size.upper(), student_size.upper())
        assert spec.dtype == "bfloat16" and spec.attn_implementation == "sdpa"
    assert load_pair_spec("8b-2b").family == "qwen3-vl" and load_pair_spec("8b-1.7b").family == "qwen3"
    assert load_pair_spec("tiny").is_builtin and load_pair_spec("tiny").dtype == "float32"


def test_unknown_pair_suggests_the_closest():
    with pytest.raises(PairError, match=r"unknown pair '8b-2B'.*Did you mean '8b-2b'"):
        load_pair_spec("8b-2B")


def test_bad_pair_yaml_names_file_and_field(tmp_path):
    card = tmp_path / "mine.yaml"
    card.write_text("family: qwen3\nteacher: a/b\nstudent: c/d\ndtype: fp8\n")
    with pytest.raises(PairError, match=r"mine.yaml: field 'dtype' is 'fp8'"):
        load_pair_spec(str(card))
    card.write_text("family: qwen3\nteacher: a/b\nstudnet: c/d\n")
    with pytest.raises(PairError, match=r"mine.yaml: unknown field\(s\) \['studnet'\]"):
        load_pair_spec(str(card))


def copy_pair(tmp_path, name="tiny"):
    """A local-path pair YAML over a copy of a built tiny pair, to be damaged by the test."""
    teacher, student = model_locations(resolve_pair(load_pair_spec(name)))
    shutil.copytree(teacher, tmp_path / "teacher")
    shutil.copytree(student, tmp_path / "student")
    card = tmp_path / "pair.yaml"
    family = "qwen3-vl" if name == "tiny" else "qwen3"
    card.write_text(yaml.safe_dump({"family": family, "teacher": str(tmp_path / "teacher"),
                                    "student": str(tmp_path / "student"), "dtype": "float32"}))
    return card


def test_local_path_pair_loads_like_the_builtin(tmp_path, tiny_text_pair):
    pair = load_pair(load_pair_spec(str(copy_pair(tmp_path, "tiny-text"))))
    assert pair.teacher_location == str(tmp_path / "teacher")
    first = next(pair.student.parameters())
    assert first.equal(next(tiny_text_pair.student.parameters()))


def test_vocabulary_mismatch_is_refused(tmp_path):
    card = copy_pair(tmp_path)
    config_path = tmp_path / "student" / "config.json"
    config = json.loads(config_path.read_text())
    vocabulary = config["text_config"]["vocab_size"]
    config["text_config"]["vocab_size"] += 64
    config_path.write_text(json.dumps(config))
    expected = rf"differ in vocabulary size \(teacher {vocabulary}, student {vocabulary + 64}\)"
    with pytest.raises(PairError, match=expected):
        load_pair(load_pair_spec(str(card)))


def test_chat_template_mismatch_is_refused(tmp_path):
    card = copy_pair(tmp_path)
    template = tmp_path / "teacher" / "chat_template.jinja"
    template.write_text(template.read_text().replace("'<|im_start|>' + message.role", "'<|im_start|>' + 'x'"))
    with pytest.raises(PairError, match=r"differ in chat template \(they first differ at character \d+"):
        load_pair(load_pair_spec(str(card)))


def test_missing_local_folder_names_role_and_path(tmp_path):
    with pytest.raises(PairError, match=r"teacher of pair 'tiny': .*nowhere is not a model folder"):
        load_pair(resolve_pair(load_pair_spec("tiny", teacher=str(tmp_path / "nowhere"))))


def test_the_core_never_builds_a_builtin_pair():
    """`builtin` models are the face's to resolve (lab.tiny.resolve_pair): the core refuses them with the way out."""
    with pytest.raises(PairError, match=r"pair 'tiny' is built by the project: run it through `dopd-vl`"):
        load_pair(load_pair_spec("tiny"))


def test_hub_pair_without_network_fails_fast_with_instructions(tmp_path):
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT="http://127.0.0.1:9")  # nothing listens
    env.pop("HF_HUB_OFFLINE", None)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "dopd_vl.cli", "check", "--pair", "8b-2b"],
                            capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.perf_counter() - started
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "teacher of pair '8b-2b' is the hub model Qwen/Qwen3-VL-8B-Instruct" in result.stderr
    assert "hf download Qwen/Qwen3-VL-8B-Instruct" in result.stderr
    assert "--teacher /models/Qwen3-VL-8B-Instruct" in result.stderr
    assert elapsed < 30, f"took {elapsed:.0f} s: the hub client's retries were not avoided"


def test_pair_dir_is_package_data():
    assert pair_dir().joinpath("8b-2b.yaml").is_file()


def test_a_tokenizer_without_qwens_vision_tokens_has_none_to_suppress():
    """A text model of another family (SmolLM2) trains and evaluates: there is nothing to suppress in its rollouts."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    from dopd_vl.models import vision_special_token_ids

    vocab = {"<unk>": 0, "<|im_start|>": 1, "<|im_end|>": 2, "<|vision_start|>": 3, "hello": 4}
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="<unk>")),
                                        unk_token="<unk>")
    assert vision_special_token_ids(tokenizer) == [3]  # only the one it has
    del vocab["<|vision_start|>"]
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="<unk>")),
                                        unk_token="<unk>")
    assert vision_special_token_ids(tokenizer) == []
