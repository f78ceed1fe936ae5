"""Tiny VSI-Bench fixtures in the published layout (`nyu-visionx/VSI-Bench` downloaded, its zips unzipped), from code.

`write_vsibench(data_dir)` writes `data_dir/vsibench/test.jsonl` (the current release; `layout="parquet"` writes the
first release's `test-00000-of-00001.parquet` instead) and one small mp4 per scene under
`data_dir/vsibench/<dataset>/<scene_name>.mp4`: `VIDEO_FRAMES_TOTAL` frames at `VIDEO_FPS`, a coloured square on
grey that moves `SQUARE_STEP` pixels right per frame, so a decoded frame tells which frame it is (`square_frame`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

VIDEO_FRAMES_TOTAL = 16
VIDEO_SIZE = 64
VIDEO_FPS = 8
SQUARE_SIZE = 16
SQUARE_STEP = 3

SCENES = {("arkitscenes", "41069025"): (255, 0, 0), ("scannet", "scene0011_00"): (0, 200, 0),
          ("scannetpp", "0a5c013435"): (0, 0, 255)}

# (id, dataset, scene, question type, question, options, ground truth): both kinds of answer on every dataset
RECORDS = [
    (0, "arkitscenes", "41069025", "object_counting", "How many table(s) are in this room?", None, "4"),
    (1, "scannet", "scene0011_00", "object_rel_direction_easy",
     "If I am standing by the stove and facing the sofa, is the tv to the left or the right of the sofa?",
     ["A. left", "B. right"], "B"),
    (2, "scannetpp", "0a5c013435", "room_size_estimation",
     "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the size of the "
     "combined space.", None, "23.4"),
    (3, "arkitscenes", "41069025", "object_rel_distance",
     "Measuring from the closest point of each object, which of these objects (sofa, stool, tv, table) is the "
     "closest to the lamp?", ["A. sofa", "B. stool", "C. tv", "D. table"], "C"),
    (4, "scannet", "scene0011_00", "obj_appearance_order",
     "What will be the first-time appearance order of the following categories in the video: chair, sofa, tv, "
     "table?", ["A. chair, sofa, tv, table", "B. sofa, chair, table, tv", "C. tv, table, chair, sofa",
                "D. table, tv, sofa, chair"], "D"),
    (5, "scannetpp", "0a5c013435", "object_abs_distance",
     "Measuring from the closest point of each object, what is the direct distance between the sofa and the tv "
     "(in meters)?", None, "1.7"),
    (6, "arkitscenes", "41069025", "object_rel_direction_hard",
     "If I am standing by the stool and facing the lamp, is the sofa to my front-left, front-right, back-left, or "
     "back-right?", ["A. front-left", "B. front-right", "C. back-left", "D. back-right"], "A"),
    (7, "scannet", "scene0011_00", "object_size_estimation",
     "What is the length of the longest dimension (length, width, or height) of the sofa, measured in "
     "centimeters?", None, "74"),
]
FIELDS = ("id", "dataset", "scene_name", "question_type", "question", "options", "ground_truth")


def records() -> list[dict]:
    return [dict(zip(FIELDS, row)) for row in RECORDS]


def write_video(path: Path, color: tuple[int, int, int], frames: int = VIDEO_FRAMES_TOTAL) -> None:
    """An H.264 mp4 (MPEG-4 part 2 where this FFmpeg has no x264): frame i has the square at x = SQUARE_STEP * i."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=VIDEO_FPS)
        stream.width, stream.height, stream.pix_fmt = VIDEO_SIZE, VIDEO_SIZE, "yuv420p"
        for i in range(frames):
            picture = np.full((VIDEO_SIZE, VIDEO_SIZE, 3), 96, dtype=np.uint8)
            x = SQUARE_STEP * i
            picture[24:24 + SQUARE_SIZE, x:x + SQUARE_SIZE] = color
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def square_frame(frame_HWC: np.ndarray) -> int:
    """Which frame of a fixture video a decoded frame is, from where its square starts."""
    distance_W = np.abs(frame_HWC[24 + SQUARE_SIZE // 2].astype(int) - 96).sum(-1)
    return round(int(np.flatnonzero(distance_W > 120)[0]) / SQUARE_STEP)


def write_vsibench(data_dir: Path, layout: str = "jsonl") -> None:
    folder = Path(data_dir) / "vsibench"
    folder.mkdir(parents=True, exist_ok=True)
    for (dataset, scene), color in SCENES.items():
        write_video(folder / dataset / f"{scene}.mp4", color)
    rows = records()
    if layout == "jsonl":  # the current release also has a `pruned` flag, which the loader ignores
        (folder / "test.jsonl").write_text("".join(json.dumps({**r, "pruned": r["id"] % 2 == 0}) + "\n"
                                                   for r in rows))
    elif layout == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("id", pa.int64()), ("dataset", pa.string()), ("scene_name", pa.string()),
                            ("question_type", pa.string()), ("question", pa.string()),
                            ("ground_truth", pa.string()), ("options", pa.list_(pa.string()))])
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "test-00000-of-00001.parquet")
    else:
        raise ValueError(f"layout {layout!r}: expected 'jsonl' or 'parquet'")


WRITERS = {"vsibench": write_vsibench}
