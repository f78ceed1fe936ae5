"""Rollouts from the student's view, and re-scoring the same token ids under another view."""

import copy

import pytest
import torch
from PIL import Image, ImageDraw

from dopd_vl.models import vision_special_token_ids
from dopd_vl.rollout import (HFRolloutEngine, Rollouts, encode_prompts, image_counts, response_hidden_states,
                             scoring_batch)


def picture(color, size):
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).ellipse((8, 8, size[0] - 8, size[1] - 8), fill=color)
    return image


def conversations():
    """Prompts of different lengths, with one, two and no images."""
    return [
        [{"role": "user", "content": [{"type": "image", "image": picture("red", (96, 96))},
                                      {"type": "text", "text": "What colour is the shape?"}]}],
        [{"role": "user", "content": [{"type": "image", "image": picture("blue", (128, 64))},
                                      {"type": "image", "image": picture("green", (64, 64))},
                                      {"type": "text", "text": "Which image shows the larger shape? Explain."}]}],
        [{"role": "user", "content": "What is 2 + 3?"}],
    ]


def reference_logprobs(model, processor, conversation, response):
    """log P(response token) from one unpadded forward of prompt + response through the full model."""
    prompt = encode_prompts(processor, [conversation])
    inputs = dict(prompt, input_ids=torch.cat([prompt["input_ids"], torch.tensor([response])], 1))
    inputs["attention_mask"] = torch.ones_like(inputs["input_ids"])
    if "mm_token_type_ids" in prompt:
        inputs["mm_token_type_ids"] = torch.nn.functional.pad(prompt["mm_token_type_ids"], (0, len(response)))
    logits = model(**inputs).logits[0, prompt["input_ids"].shape[1] - 1:-1]
    return logits.log_softmax(-1).gather(1, torch.tensor(response)[:, None])[:, 0]


def test_rollouts_stop_at_end_of_turn_and_never_sample_vision_tokens():
    from lab.tiny import make_tiny_models

    # the untrained student (the built-in one has learnt to answer in two tokens): both kinds of ending occur
    processor, models = make_tiny_models("tiny", seed=0)
    student, tokenizer = models["student"], processor.tokenizer
    engine = HFRolloutEngine(student, tokenizer, max_new_tokens=40)
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    with torch.no_grad():  # make ending the turn likely
        student.lm_head.weight[im_end] *= 10
    student.train()
    torch.manual_seed(0)
    rollouts = engine.generate(encode_prompts(processor, conversations()), per_prompt=4)
    assert student.training  # sampled in eval mode, training mode restored
    assert (rollouts.prompts, rollouts.per_prompt, len(rollouts.response_ids)) == (3, 4, 12)
    banned = set(vision_special_token_ids(tokenizer))
    stopped = [r for r in rollouts.response_ids if r[-1] in engine.stop_ids]
    assert stopped and len(stopped) < 12, rollouts.lengths
    for response in rollouts.response_ids:
        assert not banned & set(response)
        assert not set(response[:-1]) & set(engine.stop_ids)  # nothing after the stop token
        assert response[-1] in engine.stop_ids or len(response) == 40


def test_scoring_aligns_response_tokens_with_an_unpadded_forward(tiny_vl_pair):
    processor, student = tiny_vl_pair.processor, tiny_vl_pair.student
    responses = [[5, 9, 300], [7], [11, 12, 13, 14, 15], [20, 21], [30, 31, 32, 33], [40]]
    rollouts = Rollouts(responses, prompts=3, per_prompt=2)
    prompts = encode_prompts(processor, conversations(), padding_side="right")
    assert image_counts(prompts) == [1, 2, 0]
    batch = scoring_batch(prompts, rollouts, tiny_vl_pair.tokenizer.pad_token_id)
    assert batch.token_ids_N.tolist() == [t for r in responses for t in r]
    assert batch.inputs["image_grid_thw"].shape[0] == 2 * 3  # each prompt's images repeated per response
    with torch.no_grad():
        hidden_NH = response_hidden_states(student, batch)
        logprobs_N = student.lm_head(hidden_NH).log_softmax(-1).gather(1, batch.token_ids_N[:, None])[:, 0]
        expected_N = torch.cat([reference_logprobs(student, processor, conversations()[i // 2], r)
                                for i, r in enumerate(responses)])
    assert hidden_NH.shape == (16, student.config.get_text_config().hidden_size)
    torch.testing.assert_close(logprobs_N, expected_N, atol=1e-5, rtol=1e-5)


def test_scoring_text_pair(tiny_text_pair):
    tokenizer, student = tiny_text_pair.tokenizer, tiny_text_pair.student
    texts = [[{"role": "user", "content": "What is 12 + 30?"}], [{"role": "user", "content": "Add 1 and 2, then double."}]]
    rollouts = Rollouts([[100, 101], [102, 103, 104, 105]], prompts=2, per_prompt=1)
    batch = scoring_batch(encode_prompts(tokenizer, texts, padding_side="right"), rollouts, tokenizer.pad_token_id)
    with torch.no_grad():
        logprobs_N = student.lm_head(response_hidden_states(student, batch)).log_softmax(-1)
        logprobs_N = logprobs_N.gather(1, batch.token_ids_N[:, None])[:, 0]
        expected_N = torch.cat([reference_logprobs(student, tokenizer, c, r.copy())
                                for c, r in zip(texts, rollouts.response_ids)])
    torch.testing.assert_close(logprobs_N, expected_N, atol=1e-5, rtol=1e-5)


def test_frozen_views_share_each_prompt_over_its_responses(tiny_text_pair):
    """The cached-prompt path gives the hidden states of scoring every prompt + response sequence whole."""
    from dopd_vl.rollout import frozen_hidden_states

    tokenizer, teacher = tiny_text_pair.tokenizer, tiny_text_pair.teacher
    texts = [[{"role": "user", "content": "What is 12 + 30?"}],
             [{"role": "user", "content": "Add 1 and 2, then double the result and subtract four."}]]
    rollouts = Rollouts([[100, 101], [102, 103, 104, 105, 7], [5], [9, 8, 7]], prompts=2, per_prompt=2)
    left = encode_prompts(tokenizer, texts, padding_side="left")
    assert not bool(left["attention_mask"][:, 0].all())  # the prompts differ in length: padding is exercised
    with torch.no_grad():
        whole_NH = response_hidden_states(teacher, scoring_batch(left, rollouts, tokenizer.pad_token_id))
        shared_NH = frozen_hidden_states(teacher, left, rollouts, tokenizer.pad_token_id)
    assert shared_NH.shape == whole_NH.shape == (11, teacher.config.hidden_size)
    torch.testing.assert_close(shared_NH, whole_NH, atol=1e-5, rtol=1e-4)


def test_frozen_vision_views_share_each_prompt_and_its_images(tiny_vl_pair):
    """Qwen3-VL: the cached-prompt path (multimodal rotary positions continued after the prompt) gives the hidden
    states of scoring every prompt + response whole, for prompts with two, one and no images."""
    from dopd_vl.rollout import frozen_hidden_states

    processor, teacher = tiny_vl_pair.processor, tiny_vl_pair.teacher
    rollouts = Rollouts([[5, 9, 300], [7], [11, 12, 13, 14, 15], [20, 21], [30, 31, 32, 33], [40]],
                        prompts=3, per_prompt=2)
    left = encode_prompts(processor, conversations(), padding_side="left")
    with torch.no_grad():
        whole_NH = response_hidden_states(teacher, scoring_batch(left, rollouts, tiny_vl_pair.tokenizer.pad_token_id))
        shared_NH = frozen_hidden_states(teacher, left, rollouts, tiny_vl_pair.tokenizer.pad_token_id)
    assert shared_NH.shape == whole_NH.shape == (16, teacher.config.text_config.hidden_size)
    torch.testing.assert_close(shared_NH, whole_NH, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("pair_name", ["tiny_text_pair", "tiny_vl_pair"])
def test_the_students_shared_prompt_forward_has_the_gradients_of_whole_scoring(pair_name, request):
    """With gradient (the student's forward): each prompt run once and its KV cache repeated for its responses gives
    the hidden states and the parameter gradients of scoring every prompt + response whole."""
    from dopd_vl.rollout import shared_prompt_hidden_states

    pair = request.getfixturevalue(pair_name)
    student, processor = copy.deepcopy(pair.student).train(), pair.processor
    texts = conversations() if pair_name == "tiny_vl_pair" else \
        [[{"role": "user", "content": "What is 12 + 30?"}], [{"role": "user", "content": "Add 1 and 2, twice."}]]
    per_prompt = 2
    responses = [[5, 9, 30], [7], [11, 12, 13, 14, 15], [20, 21], [30, 31, 32, 33], [40]][:len(texts) * per_prompt]
    rollouts = Rollouts(responses, prompts=len(texts), per_prompt=per_prompt)
    left = encode_prompts(processor, texts, padding_side="left")
    pad_id = pair.tokenizer.pad_token_id
    weights_NH = torch.randn(sum(rollouts.lengths), student.config.get_text_config().hidden_size,
                             generator=torch.Generator().manual_seed(0))

    def hidden_and_gradients(score):
        student.zero_grad(set_to_none=True)
        hidden_NH = score()
        (hidden_NH * weights_NH).sum().backward()
        return hidden_NH.detach(), {name: p.grad.clone() for name, p in student.named_parameters() if p.grad is not None}

    whole_NH, whole = hidden_and_gradients(lambda: response_hidden_states(student, scoring_batch(left, rollouts, pad_id)))
    shared_NH, shared = hidden_and_gradients(lambda: shared_prompt_hidden_states(student, left, rollouts, pad_id))
    torch.testing.assert_close(shared_NH, whole_NH, atol=1e-5, rtol=1e-4)
    assert shared.keys() == whole.keys() and len(whole) > 10
    if pair_name == "tiny_vl_pair":
        assert any(name.startswith("model.visual.") for name in whole)  # the images' gradients are in it too
    for name, gradient in whole.items():
        # float32 sums in another order: about 1e-6 of the largest element measured
        assert (shared[name] - gradient).abs().max() <= 1e-5 * gradient.abs().max(), name
