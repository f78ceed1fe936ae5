"""Images and videos reach the processor exactly as qwen-vl-utils' `fetch_image` / `fetch_video` give them, sized for
the processor (the tiny pair's: images of 64 x 64 to 128 x 128 pixels, patch 16, merge 2), so its own resize is a
no-op."""

import numpy as np
import pytest
import torch
from PIL import Image
from qwen_vl_utils import fetch_image, fetch_video

from dopd_vl.errors import DopdError
from dopd_vl.rollout import conversation_images, conversation_videos, encode_prompts

MIN_PIXELS, MAX_PIXELS = 64 * 64, 128 * 128  # the tiny processor's range, for images and (over all frames) videos
FPS, FRAMES, SIZE = 8, 16, 64
COLOURS = [(16 * i, 255 - 16 * i, (96 + 40 * i) % 256) for i in range(FRAMES)]  # frame i's colour


@pytest.fixture(scope="module")
def processor():
    from lab.tiny import build_processor, train_tokenizer

    return build_processor("qwen3-vl", train_tokenizer(0))


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    """(path, size the processor gives it): one enlarged, one shrunk to the budget, one already a multiple of 32."""
    folder, rng = tmp_path_factory.mktemp("images"), np.random.default_rng(0)
    files = []
    for (height, width), expected in [((50, 40), (96, 64)), ((70, 300), (32, 256)), ((96, 128), (96, 128))]:
        path = folder / f"{height}x{width}.png"
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(path)
        files.append((path, expected))
    return files


@pytest.fixture(scope="module")
def video_file(tmp_path_factory):
    """An mp4 of `FRAMES` frames at `FPS`, frame i all `COLOURS[i]`."""
    import av

    path = tmp_path_factory.mktemp("videos") / "colours.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = SIZE, SIZE, "yuv420p"
        for colour in COLOURS:
            picture = np.full((SIZE, SIZE, 3), colour, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def user(*parts) -> list[dict]:
    return [{"role": "user", "content": [*parts, {"type": "text", "text": "What is it?"}]}]


class Recording:
    """The processor, recording what each call hands it."""

    def __init__(self, processor):
        self.processor, self.calls = processor, []

    def __getattr__(self, name):
        return getattr(self.processor, name)

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.processor(**kwargs)


def frame_numbers(frames_TCHW: torch.Tensor) -> list[int]:
    """Which frame of the colour video each frame is: the nearest colour to its mean."""
    means_T3 = frames_TCHW.float().mean((2, 3))
    return torch.cdist(means_T3, torch.tensor(COLOURS, dtype=torch.float)).argmin(1).tolist()


def test_images_are_fetch_image_sized_for_the_processor(processor, image_files):
    for path, (height, width) in image_files:
        expected = fetch_image({"image": str(path), "min_pixels": MIN_PIXELS, "max_pixels": MAX_PIXELS},
                               image_patch_size=16)
        assert expected.size == (width, height)
        as_pil, as_bytes = Image.open(path), path.read_bytes()
        for given in (str(path), path, as_pil, as_bytes):
            (image,) = conversation_images(user({"type": "image", "image": given}), processor)
            assert image.mode == "RGB" and image.size == expected.size
            assert np.array_equal(np.asarray(image), np.asarray(expected))
    # without a processor the images are only opened, at their own size
    assert [i.size for i in conversation_images(user(*({"type": "image", "image": p} for p, _ in image_files)))] == [
        (40, 50), (300, 70), (128, 96)]


def test_a_parts_own_size_wins(processor, image_files):
    path, _ = image_files[2]  # 96 x 128, inside the processor's range
    (image,) = conversation_images(user({"type": "image", "image": str(path), "max_pixels": 64 * 96}), processor)
    assert image.size == (64, 64)
    (image,) = conversation_images(user({"type": "image", "image": str(path), "max_pixels": 32 * 64}), processor)
    assert image.size == (32, 32)  # under the processor's least: its minimum gives way (the processor enlarges it)
    (image,) = conversation_images(user({"type": "image", "image": str(path), "resized_height": 64,
                                         "resized_width": 96}), processor)
    assert image.size == (96, 64)


def test_the_processor_receives_the_fetched_images_and_keeps_their_size(processor, image_files):
    recording = Recording(processor)
    conversations = [user({"type": "image", "image": path.read_bytes()}) for path, _ in image_files]
    inputs = encode_prompts(recording, conversations + [[{"role": "user", "content": "Hi"}]])
    (call,) = recording.calls
    fetched = [fetch_image({"image": str(path), "min_pixels": MIN_PIXELS, "max_pixels": MAX_PIXELS},
                           image_patch_size=16) for path, _ in image_files]
    assert [np.asarray(i).tolist() for i in call["images"]] == [np.asarray(i).tolist() for i in fetched]
    # one 16 x 16 patch grid per image at the fetched size: the processor did not resize again
    assert inputs["image_grid_thw"].tolist() == [[1, h // 16, w // 16] for _, (h, w) in image_files]
    # an image already at the processor's size reaches the model exactly as the processor alone would give it
    path, _ = image_files[2]
    alone = processor.image_processor(images=[Image.open(path).convert("RGB")], return_tensors="pt")
    assert torch.equal(inputs["pixel_values"][-alone["pixel_values"].shape[0]:], alone["pixel_values"])


def test_videos_are_fetch_video_frames_sized_for_the_processor(processor, video_file):
    part = {"type": "video", "video": str(video_file), "nframes": 4}
    ((frames_TCHW, metadata),) = conversation_videos(user(part), processor=processor)
    # 4 frames share the processor's budget: each gets a quarter of its pixel range
    expected_TCHW, expected_metadata = fetch_video(
        {"video": str(video_file), "nframes": 4, "min_pixels": MIN_PIXELS // 4, "max_pixels": MAX_PIXELS // 4},
        image_patch_size=16, return_video_metadata=True)
    assert torch.equal(frames_TCHW, expected_TCHW) and tuple(frames_TCHW.shape) == (4, 3, 64, 64)
    assert metadata == dict(expected_metadata, frames_indices=[0, 5, 10, 15])
    assert (metadata["fps"], metadata["total_num_frames"]) == (FPS, FRAMES)
    assert frame_numbers(frames_TCHW) == [0, 5, 10, 15]
    # another frame count, and a second read (cached) of the same video
    for _ in range(2):
        ((frames_TCHW, metadata),) = conversation_videos(user({"type": "video", "video": video_file, "nframes": 6}),
                                                         processor)
        assert metadata["frames_indices"] == [0, 3, 6, 9, 12, 15] and frame_numbers(frames_TCHW) == [0, 3, 6, 9, 12, 15]


def test_the_processor_receives_the_fetched_frames_with_their_metadata(processor, video_file):
    recording = Recording(processor)
    part = {"type": "video", "video": str(video_file), "nframes": 4}
    inputs = encode_prompts(recording, [user(part)])
    (call,) = recording.calls
    ((frames_TCHW, metadata),) = conversation_videos(user(part), processor=processor)
    assert call["do_sample_frames"] is False and call["video_metadata"] == [metadata]
    assert len(call["videos"]) == 1 and torch.equal(call["videos"][0], frames_TCHW)
    assert inputs["video_grid_thw"].tolist() == [[2, 4, 4]]  # 4 frames of 64 x 64: 2 temporal patches of 4 x 4
    text = processor.tokenizer.decode(inputs["input_ids"][0])
    assert "<0.3 seconds>" in text and "<1.6 seconds>" in text  # frames 0, 5 and 10, 15 at 8 fps


def test_a_missing_video_reader_is_named(monkeypatch, video_file):
    from dopd_vl import rollout

    monkeypatch.setattr(rollout.qwen_vision, "get_video_reader_backend", lambda: "torchvision")
    monkeypatch.delattr(rollout.qwen_vision.io, "read_video", raising=False)
    rollout._cached_video.cache_clear()
    with pytest.raises(DopdError, match=r"no video reader for qwen-vl-utils.*pip install 'qwen-vl-utils\[decord\]'"):
        conversation_videos(user({"type": "video", "video": str(video_file), "nframes": 2}))
