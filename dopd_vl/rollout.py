"""Prompts in, response token ids out, and the hidden states of any view over those same ids.

The rollout engine samples from the student's view (no privileged input). Each view then re-scores the *token ids*
appended to its own prompt ids (never re-tokenised text), so the three views align token for token.

Images and videos reach the processor through qwen-vl-utils (`fetch_image`, `fetch_video`: Qwen's reference
loading, resizing and frame sampling, with its video backends). Its resize is given the processor's own pixel range
and patch size (a part's own `min_pixels`, `max_pixels`, `resized_height`... win), so it lands on the size the
processor would pick and the processor's own resize is a no-op: the model gets the sizes, and so the token counts,
that its processor sets, never qwen-vl-utils' defaults (tuned for the full-size models).
"""

from __future__ import annotations

import functools
import inspect
import io
import logging
import math
import os
from dataclasses import dataclass

import torch
from PIL import Image
from qwen_vl_utils import extract_vision_info, fetch_image, fetch_video
from qwen_vl_utils import vision_process as qwen_vision

from dopd_vl.errors import DopdError
from dopd_vl.models import vision_special_token_ids

VISION_KEYS = ("pixel_values", "image_grid_thw", "pixel_values_videos", "video_grid_thw")
QWEN3_VL_PATCH = 16  # the patch size qwen-vl-utils sizes for when no processor says (its own default is Qwen2.5's 14)


def conversation_images(messages: list[dict], processor=None) -> list[Image.Image]:
    """The images of a conversation in order (PIL images, paths or encoded bytes), as `processor` receives them:
    qwen-vl-utils' `fetch_image`, RGB and resized into the processor's pixel range. Without a processor they are
    only opened, at their own size."""
    if processor is None:
        images = [_image(part["image"] if "image" in part else part["image_url"])
                  for part in _vision_parts(messages) if "video" not in part]
        return [qwen_vision.to_rgb(Image.open(i) if isinstance(i, str) else i) for i in images]
    patch, pixels = _patch_size(processor), _pixel_range(getattr(processor, "image_processor", None))
    return [fetch_image(_image_info(part, pixels), image_patch_size=patch)
            for part in _vision_parts(messages) if "video" not in part]


def conversation_videos(messages: list[dict], processor=None) -> list[tuple[torch.Tensor, dict]]:
    """The videos of a conversation in order, as `(frames_TCHW, metadata)` from qwen-vl-utils' `fetch_video`: the
    part's own `nframes` uniformly spaced from the first frame to the last (a benchmark sets it: VSI-Bench 32), or
    frames at the part's `fps` (qwen-vl-utils' 2 by default, at least 4 frames). qwen-vl-utils rounds a frame count
    to even and refuses one above the video's frame count. The metadata (`fps`, `frames_indices`,
    `total_num_frames`) gives Qwen3-VL's timestamps. Each frame is resized into the share
    of `processor`'s video pixel budget for that many frames (qwen-vl-utils' own range without a processor)."""
    patch = _patch_size(processor)
    pixels = _pixel_range(getattr(processor, "video_processor", None)) if processor is not None else (None, None)
    return [_video(_video_info(part, pixels, patch), patch)
            for part in _vision_parts(messages) if "video" in part]


def encode_prompts(processor, conversations: list[list[dict]], padding_side: str = "left",
                   enable_thinking: bool = False) -> dict[str, torch.Tensor]:
    """Chat-template and tokenize a batch of conversations (with their images and videos, for a vision processor).

    Images and videos are loaded here (`conversation_images`, `conversation_videos`) and handed to the processor
    already sized, videos as sampled frames with their metadata (`do_sample_frames=False`), so the processor neither
    decodes nor re-samples them and computes Qwen3-VL's frame timestamps from the true frame indices and rate."""
    tokenizer = getattr(processor, "tokenizer", processor)
    texts = [tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False,
                                           enable_thinking=enable_thinking) for c in conversations]
    images = [image for c in conversations for image in conversation_images(c, processor)]
    videos = [video for c in conversations for video in conversation_videos(c, processor)]
    previous_side, tokenizer.padding_side = tokenizer.padding_side, padding_side
    try:
        if images or videos:
            vision = {"images": images} if images else {}
            if videos:
                vision.update(videos=[frames for frames, _ in videos], do_sample_frames=False,
                              video_metadata=[metadata for _, metadata in videos])
            return dict(processor(text=texts, **vision, return_tensors="pt", padding=True))
        return dict(tokenizer(texts, return_tensors="pt", padding=True))
    finally:
        tokenizer.padding_side = previous_side


def _vision_parts(messages: list[dict]) -> list[dict]:
    """The image and video parts of a conversation in order, by qwen-vl-utils' rule."""
    return extract_vision_info([messages]) if messages else []


def _image(image) -> Image.Image | str:
    """A part's image as `fetch_image` takes it: encoded bytes opened, a path as text."""
    if isinstance(image, bytes):
        return Image.open(io.BytesIO(image))
    if isinstance(image, os.PathLike):
        return os.fspath(image)
    return image if isinstance(image, (Image.Image, str)) else Image.open(image)


def _patch_size(processor) -> int:
    """The patch size qwen-vl-utils sizes for (its factor is patch x 2): the processor's, or Qwen3-VL's."""
    part = getattr(processor, "image_processor", None) or getattr(processor, "video_processor", None)
    if part is None or getattr(part, "patch_size", None) is None:
        return QWEN3_VL_PATCH
    merge = getattr(part, "merge_size", qwen_vision.SPATIAL_MERGE_SIZE)
    if merge != qwen_vision.SPATIAL_MERGE_SIZE:
        raise DopdError(f"processor merge size {merge}: qwen-vl-utils sizes images for a merge size of "
                        f"{qwen_vision.SPATIAL_MERGE_SIZE}")
    return int(part.patch_size)


def _pixel_range(part) -> tuple[int | None, int | None]:
    """An image or video processor's `(min, max)` pixels: its `min_pixels`/`max_pixels`, else its `size`'s
    `shortest_edge`/`longest_edge` (Qwen's processors use these names for pixel counts)."""
    size = getattr(part, "size", None) or {}

    def pick(*names):
        for source in (part, size):
            for name in names:
                value = source.get(name) if isinstance(source, dict) else getattr(source, name, None)
                if value:
                    return int(value)
        return None

    return pick("min_pixels", "shortest_edge"), pick("max_pixels", "longest_edge")


def _image_info(part: dict, pixels: tuple[int | None, int | None]) -> dict:
    """The part as `fetch_image` takes it, with the processor's pixel range unless the part sets its own size."""
    info = dict(part)
    key = "image" if "image" in info else "image_url"
    info[key] = _image(info[key])
    return _with_range(info, *pixels)


def _with_range(info: dict, low: int | None, high: int | None) -> dict:
    """`info` with `min_pixels` and `max_pixels` where it sets none, kept apart from the ones it sets."""
    if "max_pixels" in info and low is not None:
        low = min(low, info["max_pixels"])
    if "min_pixels" in info and high is not None:
        high = max(high, info["min_pixels"])
    for name, value in (("min_pixels", low), ("max_pixels", high)):
        if value is not None:
            info.setdefault(name, value)
    return info


def _video_info(part: dict, pixels: tuple[int | None, int | None], patch: int) -> dict:
    """The part as `fetch_video` takes it and, when it sets `nframes`, per-frame pixels of `1/T` of the processor's
    video budget for its `T` frames, as the Qwen3-VL video processor spreads its `size` over all frames (unless the
    part sets its own). A share under four merged patches (the least qwen-vl-utils gives an image) would make its
    resize shrink a side to 0: such frames keep qwen-vl-utils' own range, and the processor shrinks them to its
    budget itself, as it did before."""
    info = {key: value for key, value in part.items() if key != "type"}
    if isinstance(info["video"], os.PathLike):
        info["video"] = os.fspath(info["video"])
    if "nframes" not in info:  # sampled by fps: the frame count is known only once the video is open
        return info
    info["nframes"] = int(info["nframes"])
    count = max(qwen_vision.round_by_factor(info["nframes"], qwen_vision.FRAME_FACTOR), qwen_vision.FRAME_FACTOR)
    low, high = pixels
    least = qwen_vision.IMAGE_MIN_TOKEN_NUM * (patch * qwen_vision.SPATIAL_MERGE_SIZE) ** 2
    if high is not None and high // count >= least:
        return _with_range(info, math.ceil(low / count) if low is not None else None, high // count)
    return info


def _video(info: dict, patch: int) -> tuple[torch.Tensor, dict]:
    """`fetch_video`'s frames and metadata; a video file's last few are cached, as a benchmark asks many questions
    about each."""
    if not isinstance(info["video"], str) or info["video"].startswith(("http://", "https://")):
        return _fetch_video(info, patch)
    path = info["video"].removeprefix("file://")
    stat = os.stat(path)
    frames, metadata = _cached_video(tuple(sorted(info.items())), patch, stat.st_mtime_ns, stat.st_size)
    return frames.clone(), dict(metadata)


@functools.lru_cache(maxsize=4)
def _cached_video(info: tuple, patch: int, mtime_ns: int, size: int) -> tuple[torch.Tensor, dict]:
    return _fetch_video(dict(info), patch)


def _fetch_video(info: dict, patch: int) -> tuple[torch.Tensor, dict]:
    """`fetch_video` with `return_video_metadata`, its frame indices as a list; a DopdError naming the video and the
    backend's own error when it fails, or when qwen-vl-utils has no backend that can read videos here."""
    backend = qwen_vision.get_video_reader_backend()
    if backend == "torchvision" and not hasattr(qwen_vision.io, "read_video"):
        raise DopdError("no video reader for qwen-vl-utils: it would use torchvision (torchcodec and decord are not "
                        "installed, or FORCE_QWENVL_VIDEO_READER says so), and torchvision "
                        f"{qwen_vision.torchvision.__version__} has no read_video; install decord "
                        "(`pip install 'qwen-vl-utils[decord]'`) or torchcodec (with FFmpeg's libraries)")
    warnings = _Warnings()
    logger = logging.getLogger(qwen_vision.__name__)
    logger.addHandler(warnings)
    try:
        frames, metadata = fetch_video(info, image_patch_size=patch, return_video_metadata=True)
    except Exception as error:  # a backend's own error is only logged, then torchvision is tried (and fails)
        problem = warnings.messages[-1].split("msg: ", 1)[-1] if warnings.messages else f"{error!r}"
        raise DopdError(f"video {info['video']}: qwen-vl-utils ({backend}) could not read it: {problem}") from error
    finally:
        logger.removeHandler(warnings)
    return frames, dict(metadata, frames_indices=[int(i) for i in metadata["frames_indices"]])


class _Warnings(logging.Handler):
    """Collects qwen-vl-utils' warnings, where a failing video backend's error goes."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@dataclass
class Rollouts:
    """`n` sampled responses per prompt, flattened prompt-major: row `i * n + j` is prompt i's j-th response."""

    response_ids: list[list[int]]  # each ends with the stop token when the model stopped before the length cap
    prompts: int
    per_prompt: int

    @property
    def lengths(self) -> list[int]:
        return [len(r) for r in self.response_ids]


class RolloutEngine:
    """Samples `per_prompt` responses for each prompt row (left-padded, as `encode_prompts` gives them) from the
    student's current weights, at `temperature` over the whole vocabulary, vision tokens suppressed, each response
    cut after its first stop token; temperature 0 is greedy. An engine is this one method: a vLLM engine would be
    one more subclass."""

    def __init__(self, model, tokenizer, max_new_tokens: int, temperature: float = 1.0):
        self.model, self.tokenizer = model, tokenizer
        self.stop_ids = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
        sampling = dict(do_sample=True, temperature=temperature, top_p=1.0, top_k=0) if temperature > 0 else \
            dict(do_sample=False)
        self.sampling = dict(max_new_tokens=max_new_tokens, suppress_tokens=vision_special_token_ids(tokenizer),
                             eos_token_id=self.stop_ids, pad_token_id=tokenizer.pad_token_id, **sampling)

    def generate(self, prompt_inputs: dict[str, torch.Tensor], per_prompt: int) -> Rollouts:
        raise NotImplementedError

    def cut_at_stop(self, tokens: list[int]) -> list[int]:
        """A response up to and including its first stop token."""
        stop = next((i for i, t in enumerate(tokens) if t in self.stop_ids), None)
        return tokens if stop is None else tokens[: stop + 1]


class HFRolloutEngine(RolloutEngine):
    """`rollout_engine=hf`: Hugging Face `generate` on the batch of left-padded prompts, its dynamic KV cache.
    `generate_options` go to every `generate` call (the static engine's cache and compilation, `synced_gpus`)."""

    def __init__(self, model, tokenizer, max_new_tokens: int, temperature: float = 1.0, **generate_options):
        super().__init__(model, tokenizer, max_new_tokens, temperature)
        self.sampling.update(generate_options)

    # inference mode, not only no_grad: decoding runs thousands of small ops, each without autograd's version
    # counters and view tracking (8 x 64 tokens of the tiny student, CPU: 0.89x the time under no_grad, paired runs)
    @torch.inference_mode()
    def generate(self, prompt_inputs: dict[str, torch.Tensor], per_prompt: int) -> Rollouts:
        was_training = self.model.training
        self.model.eval()
        try:
            inputs = {key: value.to(self.model.device) for key, value in prompt_inputs.items()}
            output_BT = self.model.generate(**inputs, num_return_sequences=per_prompt, use_cache=True,
                                            **self.sampling)
        finally:
            self.model.train(was_training)
        new_tokens_BT = output_BT[:, prompt_inputs["input_ids"].shape[1]:].tolist()
        return Rollouts([self.cut_at_stop(tokens) for tokens in new_tokens_BT],
                        prompts=prompt_inputs["input_ids"].shape[0], per_prompt=per_prompt)


class ContinuousRolloutEngine(RolloutEngine):
    """`rollout_engine=hf_continuous`: transformers' continuous batching (`generate_batch`: a paged KV cache, each
    sequence leaves the batch when it stops and a waiting one takes its place). It takes token ids only, so text
    prompts only. Each call starts a manager sized for its workload, which seeds torch's global generator from that
    generator's own state: the samples are a function of the RNG state at the call, so a resumed run draws what the
    uninterrupted one drew (a manager kept between steps would seed only once, at the first step after a start)."""

    def __init__(self, model, tokenizer, max_new_tokens: int, temperature: float = 1.0):
        super().__init__(model, tokenizer, max_new_tokens, temperature)
        from transformers import GenerationConfig

        self.generation_config = GenerationConfig(**self.sampling, num_return_sequences=1)

    @torch.no_grad()
    def generate(self, prompt_inputs: dict[str, torch.Tensor], per_prompt: int) -> Rollouts:
        if any(key in prompt_inputs for key in VISION_KEYS):
            raise DopdError("rollout_engine=hf_continuous takes text prompts only (transformers' continuous batching "
                            "reads token ids, not images): use rollout_engine=hf or hf_static for a vision pair")
        from transformers.generation.configuration_utils import ContinuousBatchingConfig

        ids_BT, mask_BT = prompt_inputs["input_ids"], prompt_inputs["attention_mask"].bool()
        prompts = [ids_BT[row][mask_BT[row]].tolist() for row in range(ids_BT.shape[0])]
        self.generation_config.num_return_sequences = per_prompt
        sizes = {}
        if self.model.device.type != "cuda":  # sized from free GPU memory otherwise; here: room for every sequence
            page = ContinuousBatchingConfig().page_size
            sizes = dict(num_blocks=per_prompt * sum(-(-(len(p) + self.sampling["max_new_tokens"]) // page)
                                                     for p in prompts))
        was_training = self.model.training
        self.model.eval()
        try:
            results = self.model.generate_batch(
                prompts, generation_config=self.generation_config, progress_bar=False,
                warmup=self.model.device.type == "cuda", continuous_batching_config=ContinuousBatchingConfig(**sizes))
        finally:
            self.model.train(was_training)
        if len(results) != len(prompts) * per_prompt or any(r.error for r in results.values()):
            failed = [f"{key}: {r.error}" for key, r in results.items() if r.error]
            raise DopdError(f"continuous batching returned {len(results)} of {len(prompts) * per_prompt} responses"
                            + (f"; {'; '.join(failed)}" if failed else ""))
        # prompt-major: each prompt's results are adjacent (its forked children, then itself)
        responses = [self.cut_at_stop(list(result.generated_tokens)) for result in results.values()]
        return Rollouts(responses, prompts=len(prompts), per_prompt=per_prompt)


def rollout_engine(name: str | None, model, tokenizer, max_new_tokens: int, temperature: float = 1.0,
                   synced_gpus: bool = False) -> RolloutEngine:
    """The engine `name` (`rollout_engine` of the config); none: hf_static on GPU, hf on CPU (where a static cache
    measured no faster, and there is nothing to compile into CUDA graphs)."""
    name = name or ("hf_static" if model.device.type == "cuda" else "hf")
    options = {"synced_gpus": True} if synced_gpus else {}
    if name == "hf":
        return HFRolloutEngine(model, tokenizer, max_new_tokens, temperature, **options)
    if name == "hf_static":
        from transformers import CompileConfig

        # on GPU generate compiles the decoding step (CUDA graphs: mode reduce-overhead); on CPU it does not compile
        compile_config = CompileConfig() if model.device.type == "cuda" else None
        return HFRolloutEngine(model, tokenizer, max_new_tokens, temperature, cache_implementation="static",
                               compile_config=compile_config, **options)
    if name == "hf_continuous":
        if synced_gpus:
            raise DopdError("rollout_engine=hf_continuous cannot run under ZeRO-3 with several processes (every rank "
                            "must join each sharded forward): use rollout_engine=hf or hf_static")
        return ContinuousRolloutEngine(model, tokenizer, max_new_tokens, temperature)
    raise DopdError(f"unknown rollout_engine {name!r}: hf, hf_static or hf_continuous")


@torch.no_grad()
def generate_replies(model, processor, conversations: list[list[dict]], max_new_tokens: int,
                     temperature: float = 0.0, top_p: float = 1.0) -> list[tuple[str, str]]:
    """One batch of replies as `(text, finish_reason)`, the reason `stop` (the model ended its turn) or `length`
    (cut at `max_new_tokens`), like the chat-completions protocol. Greedy when `temperature` is 0; left padding,
    vision tokens suppressed, special tokens left out of the text."""
    tokenizer = getattr(processor, "tokenizer", processor)
    stop_ids = [i for i in tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
                if i is not None and i != tokenizer.unk_token_id] or [tokenizer.eos_token_id]
    sampling = dict(do_sample=True, temperature=temperature, top_p=top_p, top_k=0) if temperature > 0 else \
        dict(do_sample=False)
    inputs = {key: value.to(model.device) for key, value in encode_prompts(processor, conversations).items()}
    output_BT = model.generate(**inputs, max_new_tokens=max_new_tokens, eos_token_id=stop_ids,
                               pad_token_id=tokenizer.pad_token_id, suppress_tokens=vision_special_token_ids(tokenizer),
                               **sampling)
    new_tokens_BT = output_BT[:, inputs["input_ids"].shape[1]:].tolist()
    replies = []
    for tokens in new_tokens_BT:
        stop = next((i for i, t in enumerate(tokens) if t in stop_ids), None)
        text = tokenizer.decode(tokens if stop is None else tokens[:stop], skip_special_tokens=True)
        replies.append((text, "length" if stop is None else "stop"))
    return replies


@dataclass
class ScoringBatch:
    """One view's prompts with the shared responses appended, right-padded, and where the response tokens sit."""

    inputs: dict[str, torch.Tensor]
    rows_N: torch.Tensor  # batch row of each response token
    positions_N: torch.Tensor  # position whose hidden state predicts that token (one before it)
    token_ids_N: torch.Tensor


def scoring_batch(prompt_inputs: dict[str, torch.Tensor], rollouts: Rollouts, pad_id: int) -> ScoringBatch:
    """Append each response's ids to its prompt's ids: one right-padded row per response, whatever the prompts'
    padding side (each prompt's real tokens are taken by its attention mask)."""
    prompt_ids_BT, prompt_mask_BT = prompt_inputs["input_ids"], prompt_inputs["attention_mask"].bool()
    prompts = [prompt_ids_BT[i][prompt_mask_BT[i]] for i in range(prompt_ids_BT.shape[0])]
    types = [prompt_inputs["mm_token_type_ids"][i][prompt_mask_BT[i]] for i in range(len(prompts))] \
        if "mm_token_type_ids" in prompt_inputs else None
    n = rollouts.per_prompt
    lengths = [len(prompts[i // n]) + len(r) for i, r in enumerate(rollouts.response_ids)]
    rows = len(rollouts.response_ids)
    input_ids_BT = torch.full((rows, max(lengths)), pad_id, dtype=prompt_ids_BT.dtype)
    attention_mask_BT = torch.zeros((rows, max(lengths)), dtype=prompt_inputs["attention_mask"].dtype)
    token_type_BT = torch.zeros_like(input_ids_BT) if types is not None else None
    rows_N, positions_N, token_ids_N = [], [], []
    for row, response in enumerate(rollouts.response_ids):
        prompt = prompts[row // n]
        length = len(prompt)
        input_ids_BT[row, :length] = prompt
        input_ids_BT[row, length:length + len(response)] = torch.tensor(response, dtype=input_ids_BT.dtype)
        attention_mask_BT[row, :length + len(response)] = 1
        if token_type_BT is not None:  # responses are text: type 0
            token_type_BT[row, :length] = types[row // n]
        rows_N += [row] * len(response)
        positions_N += range(length - 1, length - 1 + len(response))
        token_ids_N += response
    inputs = {"input_ids": input_ids_BT, "attention_mask": attention_mask_BT}
    if token_type_BT is not None:
        inputs["mm_token_type_ids"] = token_type_BT
    inputs.update(repeat_vision_inputs(prompt_inputs, n))
    return ScoringBatch(inputs, torch.tensor(rows_N), torch.tensor(positions_N), torch.tensor(token_ids_N))


def repeat_vision_inputs(prompt_inputs: dict[str, torch.Tensor], n: int) -> dict[str, torch.Tensor]:
    """Repeat each prompt's images `n` times, keeping prompt-major order (pixel rows are grouped by image)."""
    if "pixel_values_videos" in prompt_inputs:  # a video's frame groups are split by timestamp text: not counted here
        raise ValueError("training on video prompts is not supported yet (evaluation is: `dopd-vl eval`)")
    if "pixel_values" not in prompt_inputs:
        return {}
    grid_G3 = prompt_inputs["image_grid_thw"]
    per_image = torch.split(prompt_inputs["pixel_values"], grid_G3.prod(-1).tolist())
    pixel_groups, grid_groups, start = [], [], 0
    for count in image_counts(prompt_inputs):
        pixel_groups += [torch.cat(per_image[start:start + count])] * n if count else []
        grid_groups += [grid_G3[start:start + count]] * n if count else []
        start += count
    return {"pixel_values": torch.cat(pixel_groups), "image_grid_thw": torch.cat(grid_groups)}


def image_counts(prompt_inputs: dict[str, torch.Tensor]) -> list[int]:
    """How many images each prompt row holds: each image is one run of consecutive image tokens (type 1)."""
    types_BT = prompt_inputs["mm_token_type_ids"]
    starts_BT = (types_BT == 1) & torch.nn.functional.pad(types_BT[:, :-1] != 1, (1, 0), value=True)
    return starts_BT.sum(1).tolist()


def response_hidden_states(model, batch: ScoringBatch) -> torch.Tensor:
    """Final-layer hidden states `[N, H]` at the positions that predict the response tokens; no logits computed.

    The rows are right-padded, so under causal attention no real token sees a pad (they all come after it): the
    padding mask changes nothing at the positions read here and is left out, and attention runs its causal kernel
    with no mask to build (the same hidden states bit for bit, gradients equal to float32 rounding; the tiny
    teacher's forward at 8 x 1 took 0.92x the time)."""
    device = model.device
    inputs = {key: value.to(device) for key, value in batch.inputs.items() if key != "attention_mask"}
    hidden_BTH = model.model(**inputs, use_cache=False).last_hidden_state
    return hidden_BTH[batch.rows_N.to(device), batch.positions_N.to(device)]


def at_temperature(hidden_NH: torch.Tensor, temperature: float) -> torch.Tensor:
    """Hidden states whose logits through an `lm_head` without bias are the logits divided by `temperature`
    (``(h / T) W^T = (h W^T) / T``): every view is scored at the temperature the student sampled with, as TRL's
    trainers divide the logits, so the sampled estimates stay on-policy. Temperature 1 returns the tensor itself."""
    return hidden_NH if temperature == 1.0 else hidden_NH / temperature


@torch.no_grad()
def frozen_hidden_states(model, prompt_inputs: dict[str, torch.Tensor], rollouts: Rollouts,
                         pad_id: int) -> torch.Tensor:
    """`shared_prompt_hidden_states` for a frozen view: no gradient."""
    return shared_prompt_hidden_states(model, prompt_inputs, rollouts, pad_id)


def shared_prompt_hidden_states(model, prompt_inputs: dict[str, torch.Tensor], rollouts: Rollouts,
                                pad_id: int) -> torch.Tensor:
    """`response_hidden_states`, with each prompt run once: its KV cache is repeated for its n responses, so the
    prompt's tokens (and images) are not scored n times. Under autograd the gradient flows back through the repeat
    (each prompt's keys and values get the sum over its responses), so the student's forward with gradient shares
    its prompts too. Prompts must be left-padded (one row per prompt). With one response per prompt there is
    nothing to share: one forward over each prompt and its response (the same tokens as a prefill and a
    continuation, in one pass instead of two)."""
    mask_BP = prompt_inputs["attention_mask"]
    if not bool(mask_BP[:, -1].all()):
        raise ValueError("shared_prompt_hidden_states needs left-padded prompts (padding_side='left')")
    device, n = model.device, rollouts.per_prompt
    if n == 1:
        return response_hidden_states(model, scoring_batch(prompt_inputs, rollouts, pad_id))
    cache_name = "cache" if "cache" in inspect.signature(model.model.forward).parameters else "past_key_values"
    prefill = model.model(**{key: value.to(device) for key, value in prompt_inputs.items()}, use_cache=True)
    cache = getattr(prefill, cache_name)
    cache.batch_repeat_interleave(n)
    lengths = rollouts.lengths
    responses_BR = torch.full((len(lengths), max(lengths)), pad_id, dtype=torch.long)
    response_mask_BR = torch.zeros_like(responses_BR)
    for row, response in enumerate(rollouts.response_ids):
        responses_BR[row, :len(response)] = torch.tensor(response)
        response_mask_BR[row, :len(response)] = 1
    steps_1R = torch.arange(responses_BR.shape[1])[None]
    if any(key in prompt_inputs for key in VISION_KEYS):
        # Qwen3-VL's multimodal rotary positions: text after the prompt continues from the prompt's last position,
        # which is the rope delta the prefill just computed (per row) plus the prompt's real length
        first_B1 = model.model.rope_deltas.cpu() + mask_BP.sum(1, keepdim=True)
        positions = (first_B1.repeat_interleave(n, 0) + steps_1R)[None].expand(3, -1, -1)
    else:
        # positions continue the prefill's (which counted the left padding: a constant shift per row, which rotary
        # attention does not see)
        positions = mask_BP.shape[1] + steps_1R
    attention_mask = torch.cat([mask_BP.repeat_interleave(n, 0), response_mask_BR], dim=1).to(device)
    continued_BRH = model.model(input_ids=responses_BR.to(device), attention_mask=attention_mask,
                                position_ids=positions.to(device), use_cache=True,
                                **{cache_name: cache}).last_hidden_state
    # token j of a response is predicted by the hidden state before it: the prompt's last, then the response's own
    last_prompt_BH = prefill.last_hidden_state[:, -1].repeat_interleave(n, 0)
    predicting_BRH = torch.cat([last_prompt_BH[:, None], continued_BRH[:, :-1]], dim=1)
    return predicting_BRH[response_mask_BR.bool().to(device)]
