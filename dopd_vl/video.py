"""Video files to the sampled frames and metadata the Qwen3-VL processor takes (decoded with PyAV)."""

from __future__ import annotations

import functools
import os

import numpy as np

VIDEO_FRAMES = 32  # frames sampled per video unless a video part says `nframes` (lmms-eval's VSI-Bench setting)


def read_video(path, frames: int) -> tuple[np.ndarray, dict]:
    """`frames` frames of a video file, uniformly spaced from its first frame to its last (indices
    `round(linspace(0, total - 1, frames))`, the rule of Qwen3-VL's video processor and of qwen-vl-utils; every frame
    of a shorter video), as RGB uint8 `[T, H, W, 3]`, and `VideoMetadata` fields: the frame rate and the sampled
    frame indices give Qwen3-VL's `<t seconds>` timestamps. Decoded with PyAV; the last few videos are cached, as a
    benchmark asks many questions about each."""
    if frames < 2:
        raise ValueError(f"{path}: sample at least 2 frames from a video (Qwen3-VL's temporal patch), got {frames}")
    stat = os.stat(path)
    frames_THWC, metadata = _decoded_video(str(path), frames, stat.st_mtime_ns, stat.st_size)
    return frames_THWC.copy(), dict(metadata, frames_indices=list(metadata["frames_indices"]))


@functools.lru_cache(maxsize=4)
def _decoded_video(path: str, frames: int, mtime_ns: int, size: int) -> tuple[np.ndarray, dict]:
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else None
        total = stream.frames or sum(1 for packet in container.demux(stream) if packet.size)
    indices = _uniform_indices(total, frames)
    kept, decoded = _decode_frames(path, indices)
    if len(kept) < len(indices):  # the container declared more frames than it holds: sample those it holds
        total = decoded
        indices = _uniform_indices(total, frames)
        kept, _ = _decode_frames(path, indices)
    if not kept:
        raise ValueError(f"{path}: no video frame could be decoded")
    height, width = kept[indices[0]].shape[:2]
    metadata = {"total_num_frames": total, "fps": fps, "duration": total / fps if fps else None, "width": width,
                "height": height, "video_backend": "pyav", "frames_indices": indices}
    return np.stack([kept[i] for i in indices]), metadata


def _uniform_indices(total: int, frames: int) -> list[int]:
    return np.linspace(0, total - 1, min(frames, total)).round().astype(int).tolist() if total > 0 else []


def _decode_frames(path: str, indices: list[int]) -> tuple[dict[int, np.ndarray], int]:
    """The frames at `indices` (decoding stops after the last), and how many frames were decoded."""
    import av

    wanted, kept, decoded = set(indices), {}, 0
    if not indices:
        return kept, decoded
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for decoded, frame in enumerate(container.decode(stream), 1):
            if decoded - 1 in wanted:
                kept[decoded - 1] = frame.to_ndarray(format="rgb24")
            if decoded > indices[-1]:
                break
    return kept, decoded
