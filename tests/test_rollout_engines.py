"""The rollout engines (`rollout_engine = hf | hf_static | hf_continuous`): greedy outputs token for token equal to
plain `generate`, and samples drawn from the student's distribution at the sampling temperature."""

import math

import pytest
import torch

from dopd_vl.errors import DopdError
from dopd_vl.models import vision_special_token_ids
from dopd_vl.rollout import ContinuousRolloutEngine, HFRolloutEngine, encode_prompts, rollout_engine

ENGINES = ("hf", "hf_static", "hf_continuous")
QUESTIONS = ["What is 12 + 30?", "Add 1 and 2, then double the result.", "7 * 6 =", "Subtract 9 from 100, twice.",
             "What is 3 + 4 + 5 + 6 + 7 + 8?", "Is 91 prime?"]


def plain_greedy(model, tokenizer, prompt_inputs, max_new_tokens, stop_ids) -> list[list[int]]:
    """Hugging Face `generate` with nothing but greedy decoding, the stop tokens and the suppressed vision tokens."""
    with torch.no_grad():
        output_BT = model.generate(**prompt_inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                   eos_token_id=stop_ids, pad_token_id=tokenizer.pad_token_id,
                                   suppress_tokens=vision_special_token_ids(tokenizer))
    responses = []
    for tokens in output_BT[:, prompt_inputs["input_ids"].shape[1]:].tolist():
        stop = next((i for i, t in enumerate(tokens) if t in stop_ids), None)
        responses.append(tokens if stop is None else tokens[: stop + 1])
    return responses


@pytest.mark.parametrize("name", ENGINES)
def test_greedy_rollouts_are_token_identical_to_plain_generate(tiny_text_pair, name):
    model, tokenizer = tiny_text_pair.student, tiny_text_pair.tokenizer
    prompts = encode_prompts(tokenizer, [[{"role": "user", "content": q}] for q in QUESTIONS])
    assert not bool(prompts["attention_mask"][:, 0].all())  # prompts of several lengths: left padding exercised
    engine = rollout_engine(name, model, tokenizer, max_new_tokens=24, temperature=0.0)
    expected = plain_greedy(model, tokenizer, prompts, 24, engine.stop_ids)
    assert any(r[-1] in engine.stop_ids for r in expected) and any(len(r) == 24 for r in expected)
    model.train()
    try:
        assert engine.generate(prompts, per_prompt=1).response_ids == expected
        assert model.training  # the engine samples in eval mode and gives the model back in the mode it found
        assert engine.generate(prompts, per_prompt=1).response_ids == expected  # again (hf_static: on its kept cache)
    finally:
        model.eval()


def test_static_engine_is_token_identical_on_the_vision_pair(tiny_vl_pair):
    from tests.test_rollout import conversations

    model, processor, tokenizer = tiny_vl_pair.student, tiny_vl_pair.processor, tiny_vl_pair.tokenizer
    prompts = encode_prompts(processor, conversations())
    assert "pixel_values" in prompts
    engine = rollout_engine("hf_static", model, tokenizer, max_new_tokens=16, temperature=0.0)
    assert engine.generate(prompts, per_prompt=1).response_ids == \
        plain_greedy(model, tokenizer, prompts, 16, engine.stop_ids)
    with pytest.raises(DopdError, match="text prompts only"):
        rollout_engine("hf_continuous", model, tokenizer, 16).generate(prompts, per_prompt=1)


def binomial_bound(p: float, draws: int, sigmas: float = 4.5) -> float:
    """How far a frequency over `draws` may stray from its probability `p` (normal approximation, 4.5 sigma: about
    one chance in 150,000 per token for a correct sampler)."""
    return sigmas * math.sqrt(p * (1 - p) / draws) + 1.0 / draws


@pytest.mark.parametrize("name", ENGINES)
def test_sampled_tokens_follow_the_students_distribution_at_the_temperature(tiny_text_pair, name):
    """Per position, the frequency of every token of probability >= 1% lies within a binomial bound of the model's
    probability at temperature 0.7 (vision tokens suppressed): the first token over all samples, the second over the
    samples that start with the most frequent first token."""
    model, tokenizer = tiny_text_pair.student, tiny_text_pair.tokenizer
    temperature, draws = 0.7, 400
    prompt = encode_prompts(tokenizer, [[{"role": "user", "content": "What is 12 + 30?"}]])
    engine = rollout_engine(name, model, tokenizer, max_new_tokens=2, temperature=temperature)
    torch.manual_seed(0)
    samples = engine.generate(prompt, per_prompt=draws).response_ids
    assert len(samples) == draws

    def probabilities(prefix: list[int]) -> torch.Tensor:
        ids = torch.cat([prompt["input_ids"], torch.tensor([prefix], dtype=torch.long)], dim=1)
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, -1].double() / temperature
        logits[vision_special_token_ids(tokenizer)] = -math.inf
        return logits.softmax(-1)

    first = torch.tensor([s[0] for s in samples])
    p_first = probabilities([])
    common = torch.mode(first).values.item()
    second = torch.tensor([s[1] for s in samples if s[0] == common and len(s) > 1])
    checked = 0
    for observed, p in ((first, p_first), (second, probabilities([common]))):
        assert len(observed) >= 100
        frequency = torch.bincount(observed, minlength=p.shape[0]).double() / len(observed)
        for token in torch.nonzero(p >= 0.01).flatten().tolist():
            assert abs(frequency[token] - p[token]) <= binomial_bound(p[token].item(), len(observed)), \
                (name, token, frequency[token].item(), p[token].item())
            checked += 1
        rare = p < 0.01  # the tail together, too
        assert abs(frequency[rare].sum() - p[rare].sum()) <= binomial_bound(p[rare].sum().item(), len(observed))
    assert checked >= 4


@pytest.mark.parametrize("name", ENGINES)
def test_samples_are_a_function_of_the_rng_state_at_the_call(tiny_text_pair, name):
    """What an exact resume needs: a resumed run (a new process: a new engine, nothing kept in the model) given the
    RNG state a checkpoint restores draws what the uninterrupted run drew at that step. A continuous-batching
    manager kept between calls would not: it seeds torch's generator once, when it starts."""
    model, tokenizer = tiny_text_pair.student, tiny_text_pair.tokenizer
    prompts = encode_prompts(tokenizer, [[{"role": "user", "content": q}] for q in QUESTIONS[:3]])
    engine = rollout_engine(name, model, tokenizer, max_new_tokens=6)
    torch.manual_seed(1)
    engine.generate(prompts, per_prompt=2)  # an earlier step of the uninterrupted run
    state = torch.get_rng_state()
    first = engine.generate(prompts, per_prompt=2).response_ids
    model.destroy_cached_continuous_batching_manager()  # what a new process would not have
    torch.set_rng_state(state)
    resumed = rollout_engine(name, model, tokenizer, max_new_tokens=6)
    assert resumed.generate(prompts, per_prompt=2).response_ids == first
    torch.manual_seed(2)
    assert resumed.generate(prompts, per_prompt=2).response_ids != first  # they do depend on it


def test_engine_names_and_defaults(tiny_text_pair):
    model, tokenizer = tiny_text_pair.student, tiny_text_pair.tokenizer
    assert type(rollout_engine(None, model, tokenizer, 8)) is HFRolloutEngine  # CPU: plain generate
    assert "cache_implementation" not in rollout_engine("hf", model, tokenizer, 8).sampling
    static = rollout_engine("hf_static", model, tokenizer, 8)
    assert static.sampling["cache_implementation"] == "static" and static.sampling["compile_config"] is None
    assert isinstance(rollout_engine("hf_continuous", model, tokenizer, 8), ContinuousRolloutEngine)
    with pytest.raises(DopdError, match="ZeRO-3"):
        rollout_engine("hf_continuous", model, tokenizer, 8, synced_gpus=True)
    with pytest.raises(DopdError, match="unknown rollout_engine"):
        rollout_engine("vllm", model, tokenizer, 8)
