"""The built-in tiny pairs: deterministic builds (supervised training included), trained weights that reload
identically, vision forward and backward, rollout-safe generation."""

import hashlib
import json

import pytest
import torch
from PIL import Image, ImageDraw

from dopd_vl.models import vision_special_token_ids
from lab.tiny import (QWEN_ADDED_TOKENS, QWEN_SPECIAL_TOKENS, SFT_RECIPES, ensure_tiny_pair, make_tiny_models,
                          tiny_pair_dir)


def file_digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def shapes_image(size=(224, 160)):
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 90, 90), fill="red")
    draw.rectangle((120, 60, 200, 140), fill="blue")
    return image


def vision_inputs(processor, batch=1, question="How many shapes are there?"):
    image = shapes_image()
    messages = [{"role": "user", "content": [{"type": "image", "image": image}, {"type": "text", "text": question}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return processor(text=[prompt] * batch, images=[image] * batch, return_tensors="pt")


def test_build_is_deterministic_given_seed(tmp_path, monkeypatch):
    """The whole build, supervised training included (a few steps here; the built-in pairs run the recipes of
    lab.tiny.SFT_RECIPES), gives byte-identical files for a seed (build.json: all but the training times)."""

    def build_without_times(folder):
        build = json.loads((folder / "build.json").read_text())
        for summary in build["sft_summary"].values():
            assert summary.pop("seconds") > 0
        return build

    monkeypatch.setenv("DOPD_VL_CACHE", str(tmp_path / "a"))
    first = ensure_tiny_pair("tiny-text", seed=3, sft_steps=2)
    monkeypatch.setenv("DOPD_VL_CACHE", str(tmp_path / "b"))
    second = ensure_tiny_pair("tiny-text", seed=3, sft_steps=2)
    digests = [{name: digest for name, digest in file_digests(f).items() if name != "build.json"}
               for f in (first, second)]
    assert first != second and digests[0] == digests[1] and len(digests[0]) > 5
    assert build_without_times(first) == build_without_times(second)
    assert "teacher/model.safetensors" in file_digests(first)
    summary = json.loads((first / "build.json").read_text())["sft_summary"]
    assert summary["teacher"]["steps"] == summary["student"]["steps"] == 2
    untrained = ensure_tiny_pair("tiny-text", seed=3, sft_steps=0)
    assert json.loads((untrained / "build.json").read_text())["sft_summary"] == {}
    for role in ("teacher", "student"):  # the training changed the weights
        assert file_digests(untrained)[f"{role}/model.safetensors"] != file_digests(first)[f"{role}/model.safetensors"]
    other_seed = ensure_tiny_pair("tiny-text", seed=4, sft_steps=0)
    assert file_digests(other_seed)["student/model.safetensors"] != file_digests(untrained)["student/model.safetensors"]
    # the build leaves no staging folder behind
    assert sorted(p.name for p in other_seed.parent.iterdir()) == sorted([second.name, untrained.name,
                                                                          other_seed.name])


@pytest.mark.parametrize("name", ["tiny", "tiny-text"])
def test_builtin_pairs_are_trained_and_reload_identically(name, request):
    pair = request.getfixturevalue("tiny_vl_pair" if name == "tiny" else "tiny_text_pair")
    folder = tiny_pair_dir(name)
    assert pair.teacher_location.startswith(str(folder))
    build = json.loads((folder / "build.json").read_text())
    for role, recipe in SFT_RECIPES[name].items():  # trained by the recipe, and the training lowered the loss
        summary = build["sft_summary"][role]
        assert summary["steps"] == recipe["steps"] and summary["final_loss"] < summary["first_loss"] / 4
    processor, fresh = make_tiny_models(name, seed=0)
    input_ids = torch.tensor([[5, 17, 99, 250, 3, 42, 7]])
    with torch.no_grad():
        for role in ("teacher", "student"):
            loaded = getattr(pair, role)(input_ids=input_ids).logits
            again = type(getattr(pair, role)).from_pretrained(getattr(pair, f"{role}_location"))
            assert torch.equal(again.eval()(input_ids=input_ids).logits, loaded), role
            assert not torch.allclose(fresh[role].eval()(input_ids=input_ids).logits, loaded), role  # not the init
    # the student is smaller than the teacher; teachers untie embeddings, students tie them (as Qwen's 8B vs 2B)
    count = lambda model: sum(p.numel() for p in model.parameters())
    assert count(pair.student) < count(pair.teacher) / 3
    assert pair.student.lm_head.weight.data_ptr() == pair.student.get_input_embeddings().weight.data_ptr()
    assert pair.teacher.lm_head.weight.data_ptr() != pair.teacher.get_input_embeddings().weight.data_ptr()
    assert not any(p.requires_grad for p in pair.teacher.parameters())


def test_tokenizer_has_qwen_special_tokens_in_qwen_order(tiny_vl_pair):
    tokenizer = tiny_vl_pair.tokenizer
    ids = tokenizer.convert_tokens_to_ids(QWEN_SPECIAL_TOKENS + QWEN_ADDED_TOKENS)
    assert ids == list(range(ids[0], ids[0] + 26))
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"
    config = tiny_vl_pair.student.config
    assert config.image_token_id == tokenizer.convert_tokens_to_ids("<|image_pad|>")
    assert config.vision_start_token_id == tokenizer.convert_tokens_to_ids("<|vision_start|>")
    # byte-level: any text round-trips, including characters the corpus never had
    text = "Größe 3×4 = 12 ✓ {\"bbox_2d\": [1, 2, 3, 4]}"
    assert tokenizer.decode(tokenizer(text).input_ids) == text
    assert type(tiny_vl_pair.processor).__name__ == "Qwen3VLProcessor"


def test_vision_forward_and_backward(tiny_vl_pair):
    student = tiny_vl_pair.student
    inputs = vision_inputs(tiny_vl_pair.processor)
    image_token = student.config.image_token_id
    # 224x160 is shrunk under the tiny pair's 128x128-pixel budget to 128x96: 8x6 patches of 16 px,
    # merged 2x2 into 4x3 = 12 language tokens
    assert inputs.image_grid_thw.tolist() == [[1, 6, 8]]
    assert int((inputs.input_ids == image_token).sum()) == 12
    assert "mm_token_type_ids" in inputs
    student.zero_grad()
    logits = student(**inputs).logits
    assert logits.shape == (1, inputs.input_ids.shape[1], student.config.get_text_config().vocab_size)
    loss = torch.nn.functional.cross_entropy(logits[0, :-1], inputs.input_ids[0, 1:])
    loss.backward()
    assert torch.isfinite(loss)
    vision_grads = [p.grad for n, p in student.named_parameters() if "visual" in n]
    assert vision_grads and all(g is not None for g in vision_grads)
    assert sum(float(g.abs().sum()) for g in vision_grads) > 0
    student.zero_grad()
    # the image changes the answer distribution: the vision tower is wired in
    with torch.no_grad():
        other = vision_inputs(tiny_vl_pair.processor)
        other["pixel_values"] = torch.zeros_like(other["pixel_values"])
        assert not torch.allclose(student(**other).logits[0, -1], logits[0, -1].detach())


def test_generation_never_emits_vision_tokens(tiny_vl_pair):
    from transformers import LogitsProcessor, LogitsProcessorList

    class Favour(LogitsProcessor):
        """Make the vision tokens the policy's favourites (applied after suppression: -inf stays -inf)."""

        def __call__(self, input_ids, scores):
            scores[:, banned] += 100.0
            return scores

    student = tiny_vl_pair.student
    banned = vision_special_token_ids(tiny_vl_pair.tokenizer)
    batch = vision_inputs(tiny_vl_pair.processor, batch=8)
    favour = LogitsProcessorList([Favour()])
    prompt_length = batch.input_ids.shape[1]
    torch.manual_seed(0)
    free = student.generate(**batch, max_new_tokens=24, do_sample=True, min_new_tokens=24, logits_processor=favour)
    torch.manual_seed(0)
    safe = student.generate(**batch, max_new_tokens=24, do_sample=True, min_new_tokens=24, suppress_tokens=banned,
                            logits_processor=favour)
    assert torch.isin(free[:, prompt_length:], torch.tensor(banned)).any()  # the control: they do get sampled
    assert not torch.isin(safe[:, prompt_length:], torch.tensor(banned)).any()
    assert safe.shape == (8, prompt_length + 24)
