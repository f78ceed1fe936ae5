"""VSI-Bench: its published layout, video prompts through the Qwen3-VL processor, scoring and aggregation."""

import json

import pytest

from eval.base import Doc, EvalError
from eval.benchmarks import BENCHMARKS
from eval.benchmarks import video as video_module
from eval.harness import run_eval
from lab.tiny import resolve_model
from fixtures.video import RECORDS, VIDEO_FPS, square_frames, write_vsibench

VSIBENCH = BENCHMARKS["vsibench"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vsibench-data")
    write_vsibench(folder)
    return folder


def numbered(docs):
    return {doc.doc_id: doc for doc in docs}


def test_loader_reads_the_published_layout(data_dir):
    docs = VSIBENCH.load(data_dir, None)
    assert [d.doc_id for d in docs] == [str(r[0]) for r in RECORDS]
    assert [d.target for d in docs] == [r[6] for r in RECORDS]
    for doc, (_, dataset, scene, question_type, question, options, truth) in zip(docs, RECORDS):
        (message,) = doc.messages
        video, text = message["content"]
        assert video["type"] == "video" and video["nframes"] == video_module.VIDEO_FRAMES == 32
        assert video["video"] == str(data_dir / "vsibench" / dataset / f"{scene}.mp4")
        assert video["ref"] == f"vsibench/{dataset}/{scene}.mp4"
        assert text["text"].startswith(f"These are frames of a video.\n{question}\n")
        if options is None:
            assert text["text"].endswith("\nPlease answer the question using a single word or phrase.")
            assert truth not in text["text"]  # a numerical answer never leaks into the prompt
        else:
            assert "\nOptions:\n" + "\n".join(options) + "\nAnswer with the option's letter" in text["text"]
        assert "pruned" not in json.dumps(doc.messages) and "ground_truth" not in json.dumps(doc.messages)
        assert doc.document["question_type"] == question_type and doc.document["ground_truth"] == truth
    assert [d.doc_id for d in VSIBENCH.load(data_dir, 3)] == ["0", "1", "2"]
    assert VSIBENCH.files(data_dir) == [data_dir / "vsibench" / "test.jsonl"]


def test_loader_reads_the_first_release_parquet(data_dir, tmp_path):
    write_vsibench(tmp_path, layout="parquet")
    docs = VSIBENCH.load(tmp_path, None)
    assert [d.document for d in docs] == [d.document for d in VSIBENCH.load(data_dir, None)]
    assert VSIBENCH.files(tmp_path) == [tmp_path / "vsibench" / "test-00000-of-00001.parquet"]


def test_missing_files_name_the_layout_and_the_source(data_dir, tmp_path):
    with pytest.raises(EvalError, match=r"benchmark 'vsibench': its files are not in .*vsibench/test\.jsonl .*"
                                        r"vsibench/\{arkitscenes,scannet,scannetpp\}/<scene_name>\.mp4.*Public "
                                        r"copy: https://huggingface\.co/datasets/nyu-visionx/VSI-Bench"):
        VSIBENCH.load(tmp_path, None)
    write_vsibench(tmp_path)
    (tmp_path / "vsibench" / "scannet" / "scene0011_00.mp4").unlink()
    assert len(VSIBENCH.load(tmp_path, 1)) == 1  # the first question's video is there
    with pytest.raises(EvalError, match=r"Missing video: .*vsibench/scannet/scene0011_00\.mp4 \(question 1\); "
                                        r"unzip scannet\.zip"):
        VSIBENCH.load(tmp_path, None)


@pytest.mark.parametrize("change, problem", [
    ({"ground_truth": "E"}, r"field 'ground_truth': 'E' is not one of the option letters \['A', 'B'\]"),
    ({"options": ["left", "right"]}, r"field 'options': option 'left' is not 'L. text'"),
    ({"question_type": "object_height"}, r"field 'question_type': unknown 'object_height'"),
    ({"question_type": "object_counting", "ground_truth": "B"}, r"field 'ground_truth': 'B' is not a number"),
    ({"scene_name": ""}, r"field 'scene_name': missing or empty"),
])
def test_malformed_records_name_file_record_and_field(tmp_path, change, problem):
    write_vsibench(tmp_path)
    path = tmp_path / "vsibench" / "test.jsonl"
    lines = path.read_text().splitlines()
    lines[1] = json.dumps({**json.loads(lines[1]), **change})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(EvalError, match=r"benchmark 'vsibench': .*test\.jsonl: record 1 \(line 2\): " + problem):
        VSIBENCH.load(tmp_path, None)


def test_a_broken_json_line_is_named(tmp_path):
    write_vsibench(tmp_path)
    path = tmp_path / "vsibench" / "test.jsonl"
    path.write_text(path.read_text() + '{"id": 8, "dataset": \n')
    with pytest.raises(EvalError, match=r"test\.jsonl: record on line 9: not valid JSON"):
        VSIBENCH.load(tmp_path, None)


def test_a_malformed_parquet_row_is_named(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_vsibench(tmp_path, layout="parquet")
    path = tmp_path / "vsibench" / "test-00000-of-00001.parquet"
    rows = pq.read_table(path).to_pylist()
    rows[2]["ground_truth"] = "many"
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)
    with pytest.raises(EvalError, match=r"test-00000-of-00001\.parquet: record 2 \(row 3\): field 'ground_truth': "
                                        r"'many' is not a number \(room_size_estimation answers are numbers\)"):
        VSIBENCH.load(tmp_path, None)


def test_multiple_choice_scoring(data_dir):
    docs = numbered(VSIBENCH.load(data_dir, None))
    direction = docs["1"]  # options A. left / B. right, answer B
    lenient = VSIBENCH.scorer("lenient")
    for score in (VSIBENCH.score, lenient):
        assert score("B", direction) == ("B", {"accuracy": 1.0})
        assert score("B.", direction) == ("B", {"accuracy": 1.0})  # the reference's form: first word, '.'
        assert score("<think>A or B? B.</think>A", direction) == ("A", {"accuracy": 0.0})
        assert score("", docs["3"]) == ("", {"accuracy": 0.0})
        assert score("C", docs["3"]) == ("C", {"accuracy": 1.0})
    # official (thinking-in-space's fuzzy_matching): the first word against the letter, case ignored
    assert VSIBENCH.score("b", direction) == ("b", {"accuracy": 1.0})
    assert VSIBENCH.score("The answer is B. right", direction) == ("The", {"accuracy": 0.0})
    assert VSIBENCH.score("right", direction) == ("right", {"accuracy": 0.0})
    assert VSIBENCH.score("(A) or (B)", direction) == ("(A)", {"accuracy": 0.0})
    # lenient (extract_choice): an answer cue, the option's own text; never a guess
    assert lenient("The answer is B. right", direction) == ("B", {"accuracy": 1.0})
    assert lenient("right", direction) == ("B", {"accuracy": 1.0})
    assert lenient("(A) or (B)", direction) == ("", {"accuracy": 0.0})  # names two options: no guess


def test_numerical_scoring_is_mean_relative_accuracy_of_the_first_word(data_dir):
    docs = numbered(VSIBENCH.load(data_dir, None))
    counting, room, distance = docs["0"], docs["2"], docs["5"]  # answers 4, 23.4 and 1.7
    lenient = VSIBENCH.scorer("lenient")
    for score in (VSIBENCH.score, lenient):
        assert score("4", counting) == ("4", {"mra": 1.0})
        # |5 - 4| / 4 = 0.25 meets 1 - C for C = 0.50 ... 0.75 (<=, thinking-in-space's code): 6 of the 10
        assert score("5", counting) == ("5", {"mra": pytest.approx(0.6)})
        assert score("<think>maybe 9</think>23.4 square meters", room) == ("23.4", {"mra": 1.0})
        assert score("2", counting) == ("2", {"mra": pytest.approx(0.1)})  # relative error 0.5 meets 1 - 0.50
        assert score("1.6", distance) == ("1.6", {"mra": pytest.approx(0.9)})  # error 0.0588 <= 0.10 ... 0.50
        assert score("no idea", distance) == ("", {"mra": 0.0})
    # official: Python float of the first word; lenient: the first number anywhere
    assert VSIBENCH.score("About 5 tables, not 4.", counting) == ("", {"mra": 0.0})
    assert lenient("About 5 tables, not 4.", counting) == ("5", {"mra": pytest.approx(0.6)})
    assert VSIBENCH.score("5.", counting) == ("5", {"mra": pytest.approx(0.6)})  # trailing periods removed


def test_aggregate_averages_the_papers_tasks(data_dir):
    def doc(question_type):
        return Doc("d", [], "", {"question_type": question_type})

    samples = [("object_rel_direction_easy", {"accuracy": 1.0}), ("object_rel_direction_easy", {"accuracy": 1.0}),
               ("object_rel_direction_medium", {"accuracy": 0.0}), ("object_rel_direction_hard", {"accuracy": 0.0}),
               ("object_rel_distance", {"accuracy": 1.0}), ("object_counting", {"mra": 1.0}),
               ("object_counting", {"mra": 0.5}), ("room_size_estimation", {"mra": 0.2})]
    summary = VSIBENCH.summarize([doc(kind) for kind, _ in samples], [score for _, score in samples])
    direction = (1.0 + 0.0 + 0.0) / 3  # the mean of the three direction types' means, not of their 4 questions
    assert summary == pytest.approx({
        "overall": (direction + 1.0 + 0.75 + 0.2) / 4, "accuracy": 3 / 5, "mra": 1.7 / 3,
        "object_rel_direction_accuracy": direction, "object_rel_distance_accuracy": 1.0,
        "object_counting_mra": 0.75, "room_size_estimation_mra": 0.2})
    assert list(summary)[:3] == ["overall", "accuracy", "mra"] and VSIBENCH.metrics[0] == "overall"
    docs = VSIBENCH.load(data_dir, None)
    scores = [VSIBENCH.score(response, d)[1] for d, response in zip(docs, ["4", "B", "50", "A", "D", "1.7", "B",
                                                                            "74"])]
    assert VSIBENCH.summarize(docs, scores) == pytest.approx({
        "overall": 4.5 / 7, "accuracy": 2 / 4, "mra": 3 / 4, "object_rel_direction_accuracy": 0.5,
        "object_rel_distance_accuracy": 0.0, "obj_appearance_order_accuracy": 1.0, "object_counting_mra": 1.0,
        "object_abs_distance_mra": 1.0, "object_size_estimation_mra": 1.0, "room_size_estimation_mra": 0.0})


def test_videos_are_sampled_uniformly_with_their_timestamps(data_dir):
    from dopd_vl.errors import DopdError
    from dopd_vl.rollout import conversation_videos

    path = data_dir / "vsibench" / "scannet" / "scene0011_00.mp4"

    def sampled(nframes):  # read by qwen-vl-utils' fetch_video at the video's own 64 x 64 pixels
        part = {"type": "video", "video": str(path), "nframes": nframes, "min_pixels": 64 * 64, "max_pixels": 64 * 64}
        (video,) = conversation_videos([{"role": "user", "content": [part]}])
        return video

    frames_TCHW, metadata = sampled(4)
    assert tuple(frames_TCHW.shape) == (4, 3, 64, 64)
    assert square_frames(frames_TCHW) == metadata["frames_indices"] == [0, 5, 10, 15]
    assert (metadata["fps"], metadata["total_num_frames"]) == (VIDEO_FPS, 16)
    # qwen-vl-utils rounds the frame count to even (5 -> 4) and takes at most every frame of the video
    assert sampled(5)[1]["frames_indices"] == [0, 5, 10, 15]
    assert square_frames(sampled(16)[0]) == list(range(16))
    with pytest.raises(DopdError, match=r"scene0011_00\.mp4: .*nframes should in interval \[2, 16\], but got 40"):
        sampled(40)  # more frames than the video has: refused (the PyAV reader before it gave every frame)
    with pytest.raises(DopdError, match=r"but got 0"):
        sampled(1)  # rounded to 0: Qwen3-VL's temporal patch needs 2
    conversation = VSIBENCH.load(data_dir, 1)[0].messages
    # VSI-Bench's parts ask for 32 frames, more than this 16-frame video has
    with pytest.raises(DopdError, match=r"but got 32"):
        conversation_videos(conversation)
    # a part without nframes: qwen-vl-utils' 2 frames per second (at least 4): 2 s at 8 fps gives 4 frames
    del conversation[0]["content"][0]["nframes"]
    assert [v[1]["frames_indices"] for v in conversation_videos(conversation)] == [[0, 5, 10, 15]]


def test_encode_prompts_gives_qwen3_vl_video_inputs(data_dir, tiny_vl_pair):
    from PIL import Image

    from dopd_vl.rollout import encode_prompts

    processor, tokenizer = tiny_vl_pair.processor, tiny_vl_pair.tokenizer
    doc = VSIBENCH.load(data_dir, 1)[0]
    part = dict(doc.messages[0]["content"][0], nframes=4)
    video_conversation = [{"role": "user", "content": [part, {"type": "text", "text": "What moves?"}]}]
    image_conversation = [{"role": "user", "content": [{"type": "image", "image": Image.new("RGB", (64, 64))},
                                                       {"type": "text", "text": "What colour?"}]}]
    inputs = encode_prompts(processor, [video_conversation, image_conversation, [{"role": "user", "content": "Hi"}]])
    assert inputs["video_grid_thw"].tolist() == [[2, 4, 4]]  # 4 frames: 2 temporal patches of 4 x 4 patches
    assert inputs["pixel_values_videos"].shape[0] == 2 * 4 * 4 and inputs["image_grid_thw"].shape == (1, 3)
    video_pad = tokenizer.convert_tokens_to_ids("<|video_pad|>")
    assert (inputs["input_ids"] == video_pad).sum(1).tolist() == [8, 0, 0]  # 2 x 4 x 4 patches merged 2 x 2
    text = tokenizer.decode(inputs["input_ids"][0])
    # frames 0, 5, 10, 15 at 8 fps: each temporal patch is stamped with the mean time of its two frames
    assert "<0.3 seconds><|vision_start|>" in text and "<1.6 seconds><|vision_start|>" in text
    six_frames = [{"role": "user", "content": [{"type": "video", "video": part["video"], "nframes": 6}]}]
    # 6 frames: 3 temporal patches, each frame shrunk to 32 x 32 by the tiny processor's budget (128 x 128 pixels)
    assert encode_prompts(processor, [six_frames])["video_grid_thw"].tolist() == [[3, 2, 2]]
    text_only = encode_prompts(processor, [[{"role": "user", "content": "Hi"}]])
    assert set(text_only) == {"input_ids", "attention_mask"}


def test_tiny_student_answers_vsibench_from_the_video(data_dir, tmp_path, monkeypatch):
    import dopd_vl.rollout

    monkeypatch.setattr(video_module, "VIDEO_FRAMES", 4)
    encoded, encode_prompts = [], dopd_vl.rollout.encode_prompts

    def recording_encode_prompts(processor, conversations, **options):
        encoded.append(encode_prompts(processor, conversations, **options))
        return encoded[-1]

    monkeypatch.setattr(dopd_vl.rollout, "encode_prompts", recording_encode_prompts)
    results = run_eval("tiny:student", ["vsibench"], data_dir, tmp_path / "out", limit=2, batch_size=2,
                       max_new_tokens=4, location=resolve_model("tiny:student"))
    (inputs,) = encoded  # the generating model saw both videos, 4 frames each
    assert inputs["video_grid_thw"].tolist() == [[2, 4, 4], [2, 4, 4]] and "pixel_values_videos" in inputs
    entry = results["results"]["vsibench"]
    assert entry["samples"] == 2 and entry["headline"] == "overall"
    assert set(entry["metrics"]) == {"overall", "accuracy", "mra", "object_counting_mra",
                                     "object_rel_direction_accuracy"}
    assert list(entry["data_files"]) == ["vsibench/test.jsonl"]
    samples = [json.loads(line) for line in (tmp_path / "out" / "samples_vsibench.jsonl").read_text().splitlines()]
    assert [s["doc_id"] for s in samples] == ["0", "1"] and "mra" in samples[0] and "accuracy" in samples[1]
    assert samples[0]["prompt"][0]["content"][0] == {"type": "video", "video": "vsibench/arkitscenes/41069025.mp4"}
    assert entry["metrics"]["overall"] == pytest.approx((samples[0]["mra"] + samples[1]["accuracy"]) / 2)
