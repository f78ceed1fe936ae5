"""The record schema, its validation, the renderer and the leakage check (dopd_vl/records.py)."""

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from dopd_vl.errors import DopdError
from dopd_vl.records import (
    BOXES_HEADER, CROP_PAD_COLOR, HINTS_HEADER, PRIVILEGED_HEADER, SCHEMA_VERSION, Box, LeakageError, Privileged,
    Record, RecordError, check_no_leakage, crop_pixels, image_size, load_records, pad_for_processor, privileged_block,
    record_features, record_from_dict, record_from_row, record_to_dict, record_to_row, relative_box, render_messages,
    render_options,
)


@pytest.fixture
def image_640x480(tmp_path):
    path = tmp_path / "img" / "street.png"
    path.parent.mkdir()
    Image.new("RGB", (640, 480), (200, 200, 200)).save(path)
    return path


def vision_record(**changes) -> dict:
    data = {
        "id": "refcoco-17", "task": "grounding", "question": 'Locate "man on the left" in the image.',
        "images": ["street.png"], "answer": '{"bbox_2d": [100, 100, 500, 500]}',
        "privileged": {
            "boxes": [{"label": "person", "bbox_xyxy_px": [64, 48, 320, 240]},
                      {"label": "car", "bbox_xyxy_px": [320, 240, 640, 480]}],
            "annotations": {"relations": ["#1 person left of #2 car"], "caption": "a busy street"},
            "hints": ["Compare the horizontal positions of the people."],
        },
        "source": {"file": "refs(unc).p", "ref_id": 3},
    }
    data.update(changes)
    return data


def test_dict_and_row_round_trip():
    record = record_from_dict(vision_record())
    assert record.privileged.boxes[0] == Box("person", (64.0, 48.0, 320.0, 240.0))
    assert record_from_dict(record_to_dict(record)) == record
    row = record_to_row(record)
    assert isinstance(row["privileged"]["annotations"], str) and isinstance(row["source"], str)
    assert record_from_row(row) == record
    json.dumps(record_to_dict(record))  # JSON-able
    text_only = Record(id="t", task="arith", question="What is 2 + 3?")
    assert record_from_dict(record_to_dict(text_only)) == text_only


@pytest.mark.parametrize("change, field, reason", [
    ({"question": "   "}, "question", "empty_question"),
    ({"question": None}, "question", "missing_field"),
    ({"task": 3}, "task", "invalid_field"),
    ({"answer": ""}, "answer", "invalid_field"),
    ({"images": "street.png"}, "images", "invalid_field"),
    ({"privileged": {"boxes": [{"label": "a", "bbox_xyxy_px": [1, 2, "x", 4]}]}},
     "privileged.boxes[0].bbox_xyxy_px", "non_numeric_box"),
    ({"privileged": {"boxes": [{"label": "a", "bbox_xyxy_px": [1, 2, 3]}]}},
     "privileged.boxes[0].bbox_xyxy_px", "non_numeric_box"),
    ({"privileged": {"boxes": [{"label": "a", "bbox_xyxy_px": [1, 2, float("nan"), 4]}]}},
     "privileged.boxes[0].bbox_xyxy_px", "non_numeric_box"),
    ({"privileged": {"boxes": [{"label": "a", "bbox_xyxy_px": [10, 20, 10, 40]}]}},
     "privileged.boxes[0].bbox_xyxy_px", "degenerate_box"),
    ({"privileged": {"boxes": [{"bbox_xyxy_px": [1, 2, 3, 4]}]}}, "privileged.boxes[0].label", "missing_field"),
    ({"privileged": {"hints": ["ok", ""]}}, "privileged.hints[1]", "invalid_field"),
    ({"privileged": {"annotations": {"objects": [{"nested": 1}]}}}, "privileged.annotations.objects",
     "invalid_field"),
    ({"images": [], "privileged": {"boxes": [{"label": "a", "bbox_xyxy_px": [1, 2, 3, 4]}]}},
     "privileged.boxes", "invalid_field"),
])
def test_validation_names_record_location_field_and_reason(change, field, reason):
    with pytest.raises(RecordError) as caught:
        record_from_dict(vision_record(**change), where="refs.jsonl:12")
    error = caught.value
    assert (error.record_id, error.where, error.field, error.reason) == ("refcoco-17", "refs.jsonl:12", field, reason)
    assert "'refcoco-17'" in str(error) and "refs.jsonl:12" in str(error) and f"'{field}'" in str(error)
    assert isinstance(error, DopdError)


def test_unknown_and_missing_id_fields():
    with pytest.raises(RecordError, match="did you mean 'question'"):
        record_from_dict(vision_record(questoin="x"))
    with pytest.raises(RecordError, match="did you mean 'privileged.hints'"):
        record_from_dict(vision_record(privileged={"hint": ["x"]}))
    data = vision_record()
    del data["id"]
    with pytest.raises(RecordError) as caught:
        record_from_dict(data, where="a.jsonl:3")
    assert caught.value.field == "id" and caught.value.reason == "missing_field" and "a.jsonl:3" in str(caught.value)


def test_relative_box_is_qwen3vl_0_to_1000_scale():
    assert relative_box((64, 48, 320, 240), (640, 480)) == [100, 100, 500, 500]
    assert relative_box((0, 0, 640, 480), (640, 480)) == [0, 0, 1000, 1000]
    assert relative_box((-3, 1, 700, 479.6), (640, 480)) == [0, 2, 1000, 999]  # clamped to 0-1000, rounded


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4000), st.integers(1, 4000), st.data())
def test_relative_box_stays_in_range_and_ordered(width, height, data):
    x1 = data.draw(st.floats(0, width - 1e-3))
    y1 = data.draw(st.floats(0, height - 1e-3))
    x2 = data.draw(st.floats(x1 + 1e-3, width))
    y2 = data.draw(st.floats(y1 + 1e-3, height))
    rel = relative_box((x1, y1, x2, y2), (width, height))
    assert all(0 <= v <= 1000 for v in rel) and rel[0] <= rel[2] and rel[1] <= rel[3]
    assert abs(rel[0] - x1 / width * 1000) <= 0.5 and abs(rel[3] - y2 / height * 1000) <= 0.5


def test_student_view_has_question_and_images_only(image_640x480):
    record = record_from_dict(vision_record())
    messages = render_messages(record, "student", image_root=image_640x480.parent)
    assert messages == [{"role": "user", "content": [
        {"type": "image", "image": str(image_640x480)},
        {"type": "text", "text": 'Locate "man on the left" in the image.'}]}]
    check_no_leakage(record, messages)
    text_only = Record(id="a1", task="arith", question="What is 2 + 3?",
                       privileged=Privileged(hints=("Add the two numbers together.",)))
    assert render_messages(text_only, "student") == [{"role": "user", "content": "What is 2 + 3?"}]
    assert render_messages(text_only, "privileged") == [{"role": "user", "content": (
        f"What is 2 + 3?\n\n{PRIVILEGED_HEADER}\n{HINTS_HEADER}\n1. Add the two numbers together.")}]


def test_privileged_view_renders_boxes_annotations_hints(image_640x480):
    record = record_from_dict(vision_record())
    messages = render_messages(record, "privileged", image_root=image_640x480.parent)
    text = messages[0]["content"][-1]["text"]
    assert text == "\n".join([
        'Locate "man on the left" in the image.', "", PRIVILEGED_HEADER, BOXES_HEADER,
        '{"bbox_2d": [100, 100, 500, 500], "label": "person"}',
        '{"bbox_2d": [500, 500, 1000, 1000], "label": "car"}',
        "Annotations:", "relations:", "- #1 person left of #2 car", "caption: a busy street",
        HINTS_HEADER, "1. Compare the horizontal positions of the people."])
    assert messages[0]["content"][0] == {"type": "image", "image": str(image_640x480)}
    with pytest.raises(LeakageError):  # the privileged view is not a student view
        check_no_leakage(record, messages)


def test_overlay_draws_boxes_on_a_copy(image_640x480):
    record = record_from_dict(vision_record())
    messages = render_messages(record, "privileged", image_root=image_640x480.parent, overlay=True,
                               boxes_as_text=False)
    drawn = messages[0]["content"][0]["image"]
    assert isinstance(drawn, Image.Image) and drawn.size == (640, 480)
    assert drawn.getpixel((64, 150)) != (200, 200, 200)  # the left edge of the person box
    assert drawn.getpixel((200, 400)) == (200, 200, 200)  # outside every box edge
    assert Image.open(image_640x480).getpixel((64, 150)) == (200, 200, 200)  # the file is untouched
    text = messages[0]["content"][-1]["text"]
    assert "bbox_2d" not in text and "Hints:" in text
    student = render_messages(record, "student", image_root=image_640x480.parent)
    with pytest.raises(LeakageError, match="an overlay or a crop"):
        check_no_leakage(record, [{"role": "user", "content": [{"type": "image", "image": drawn},
                                                                student[0]["content"][1]]}])


@pytest.mark.parametrize("question, field", [
    ("Who stands at [100, 100, 500, 500]?", "privileged.boxes[0]"),
    ("Who stands in the box 64, 48, 320, 240?", "privileged.boxes[0]"),
    ("Which car? compare the horizontal positions of the   people", "privileged.hints[0]"),
    ("Is it #1 person left of #2 car?", "privileged.annotations.relations[0]"),
    ("Is this a busy street?", "privileged.annotations.caption"),
])
def test_leakage_in_the_question_is_caught(image_640x480, question, field):
    record = record_from_dict(vision_record(question=question))
    with pytest.raises(LeakageError) as caught:
        check_no_leakage(record, render_messages(record, "student", image_root=image_640x480.parent))
    assert caught.value.field == field and "'refcoco-17'" in str(caught.value)


def test_short_values_in_a_question_are_not_leaks(image_640x480):
    record = record_from_dict(vision_record(
        question="Is the person next to the car? Answer 100 or 500.",
        privileged={"boxes": [{"label": "person", "bbox_xyxy_px": [64, 48, 320, 240]}],
                    "annotations": {"colour": "red", "count": 2, "size": ["large cube"]}}))
    check_no_leakage(record, render_messages(record, "student", image_root=image_640x480.parent))


def test_image_size_reads_header_and_notices_changes(tmp_path):
    path = tmp_path / "a.png"
    Image.new("RGB", (30, 20)).save(path)
    assert image_size(path) == (30, 20)
    Image.new("RGB", (31, 21)).save(path)
    os.utime(path, ns=(1, 10**18))  # a different modification time invalidates the cache
    assert image_size(path) == (31, 21)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(OSError):
        image_size(tmp_path / "bad.png")
    record = record_from_dict(vision_record(images=["bad.png"]))
    with pytest.raises(RecordError) as caught:
        privileged_block(record, image_root=tmp_path)
    assert caught.value.reason == "unreadable_image" and "bad.png" in str(caught.value)


def write_build(folder, rows, image_root=".", schema_version=SCHEMA_VERSION, render="text", privileged="boxes"):
    from datasets import Dataset

    Dataset.from_list(rows, features=record_features()).save_to_disk(str(folder))
    (folder / "manifest.json").write_text(json.dumps({"schema_version": schema_version, "image_root": image_root,
                                                      "options": {"render": render, "privileged": privileged}}))


def test_load_records_resolves_images_and_checks(tmp_path, image_640x480):
    folder = tmp_path / "build"
    good = record_from_dict(vision_record())
    text = Record(id="a1", task="arith", question="What is 2 + 3?")
    write_build(folder, [record_to_row(good), record_to_row(text)], image_root=str(image_640x480.parent))
    records = load_records(folder)
    assert [r.id for r in records] == ["refcoco-17", "a1"]
    assert records[0].images == (str(image_640x480),) and records[0].privileged == good.privileged
    assert records[1] == text
    assert render_options(folder) == {"overlay": False, "boxes_as_text": True, "crops": False}
    write_build(tmp_path / "both", [record_to_row(text)], render="both")
    assert render_options(tmp_path / "both") == {"overlay": True, "boxes_as_text": True, "crops": False}

    leaky = record_from_dict(vision_record(id="x9", question="Is this a busy street?"))
    write_build(tmp_path / "leaky", [record_to_row(leaky)])
    with pytest.raises(LeakageError, match="'x9'"):
        load_records(tmp_path / "leaky")

    write_build(tmp_path / "old", [record_to_row(text)], schema_version=0)
    with pytest.raises(DopdError, match="schema version 0.*rebuild"):
        load_records(tmp_path / "old")
    with pytest.raises(DopdError, match="not a `dopd-vl build-data` output folder"):
        load_records(tmp_path / "nothing")


def test_rendered_messages_go_through_the_tiny_pair_processor(tiny_vl_pair, tmp_path):
    """The renderer's message format is what Qwen3-VL's processor and chat template accept: one image part becomes
    the image's tokens (one per 32x32 pixels after resizing) and the privileged text follows the question."""
    Image.new("RGB", (96, 64), (10, 20, 30)).save(tmp_path / "street.png")
    record = record_from_dict(vision_record())
    processor = tiny_vl_pair.processor
    counts = {}
    for view in ("student", "privileged"):
        messages = render_messages(record, view, image_root=tmp_path)
        batch = processor.apply_chat_template(messages, tokenize=True, return_dict=True, add_generation_prompt=True,
                                              return_tensors="pt")
        image_pad = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
        counts[view] = int((batch["input_ids"] == image_pad).sum())
        decoded = processor.tokenizer.decode(batch["input_ids"][0])
        assert ("bbox_2d" in decoded) == (view == "privileged")
    assert counts == {"student": 6, "privileged": 6}  # 96x64 pixels -> 3x2 merged patches of 32x32


# ---------------------------------------------------------------------------------------------------------------
# Crops: each box's region of the first image as an extra image of the privileged view
# ---------------------------------------------------------------------------------------------------------------

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


@pytest.fixture
def rectangles(tmp_path):
    """A 200x100 white image with a red 40x30 rectangle at (10, 20), a green 20x50 one at (100, 40) and a blue one
    at (150, 10) of 8x6 pixels; each rectangle's pixels are its own (x + y) % 5 shade, so a shifted crop differs."""
    image = Image.new("RGB", (200, 100), WHITE)
    for (x1, y1, x2, y2), color in (((10, 20, 50, 50), RED), ((100, 40, 120, 90), GREEN), ((150, 10, 158, 16), BLUE)):
        for x in range(x1, x2):
            for y in range(y1, y2):
                image.putpixel((x, y), tuple(max(0, c - 10 * ((x + y) % 5)) for c in color))
    path = tmp_path / "rects.png"
    image.save(path)
    return path


def crops_record(boxes, **changes) -> Record:
    data = {"id": "rects-1", "task": "shapes", "question": "How many rectangles are there? Answer with a number.",
            "images": ["rects.png"], "answer": "3",
            "privileged": {"boxes": [{"label": label, "bbox_xyxy_px": box} for label, box in boxes],
                           "hints": ["Count the red, green and blue ones."]}}
    data.update(changes)
    return record_from_dict(data)


def test_crop_pixels_round_outward_and_clip():
    assert crop_pixels((10, 20, 50, 50), (200, 100)) == (10, 20, 50, 50)
    assert crop_pixels((10.2, 19.9, 49.1, 50.0), (200, 100)) == (10, 19, 50, 50)
    assert crop_pixels((-3.5, -0.2, 200.4, 100.7), (200, 100)) == (0, 0, 200, 100)


def test_crops_are_the_image_regions_in_box_order(rectangles):
    boxes = [("green bar", [100, 40, 120, 90]), ("red block", [10.4, 20.0, 49.6, 50])]
    record = crops_record(boxes)
    messages = render_messages(record, "privileged", image_root=rectangles.parent, crops=True)
    parts = messages[0]["content"]
    assert [p["type"] for p in parts] == ["image", "image", "image", "text"]
    assert parts[0] == {"type": "image", "image": str(rectangles)}  # the record's own image stays a path, first
    source = Image.open(rectangles).convert("RGB")
    green, red = parts[1]["image"], parts[2]["image"]  # box order, not colour or area order
    assert isinstance(green, Image.Image) and isinstance(red, Image.Image)
    # 10.4..49.6 x 20..50 rounded outward is 10..50 x 20..50: 40x30, padded to 40x32 (one grey row above and below)
    assert red.size == (40, 32) and green.size == (32, 50)  # green: 20 px wide, padded to 32 (6 px each side)
    assert red.crop((0, 1, 40, 31)).tobytes() == source.crop((10, 20, 50, 50)).tobytes()
    assert {red.getpixel((x, y)) for x in range(40) for y in (0, 31)} == {CROP_PAD_COLOR}
    assert green.crop((6, 0, 26, 50)).tobytes() == source.crop((100, 40, 120, 90)).tobytes()
    assert green.getpixel((5, 10)) == CROP_PAD_COLOR and green.getpixel((26, 10)) == CROP_PAD_COLOR


def test_crops_of_small_and_thin_boxes_are_padded_not_stretched(rectangles):
    source = Image.open(rectangles).convert("RGB")
    record = crops_record([("blue dot", [150, 10, 158, 16]), ("sliver", [0, 0, 2, 100]),
                           ("line", [0, 60, 200, 61])])
    images = [p["image"] for p in render_messages(record, "privileged", image_root=rectangles.parent,
                                                  crops=True)[0]["content"][1:-1]]
    assert [i.size for i in images] == [(32, 32), (32, 100), (200, 32)]
    dot = images[0]  # 8x6 region at offset ((32-8)//2, (32-6)//2) = (12, 13)
    assert dot.crop((12, 13, 20, 19)).tobytes() == source.crop((150, 10, 158, 16)).tobytes()
    grey = [(x, y) for x in range(32) for y in range(32) if not (12 <= x < 20 and 13 <= y < 19)]
    assert all(dot.getpixel(xy) == CROP_PAD_COLOR for xy in grey)
    assert images[1].crop((15, 0, 17, 100)).tobytes() == source.crop((0, 0, 2, 100)).tobytes()
    assert images[2].crop((0, 15, 200, 16)).tobytes() == source.crop((0, 60, 200, 61)).tobytes()


def test_padding_keeps_within_the_processors_aspect_ratio():
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

    for size in [(2, 300), (300, 2), (1, 1), (32, 7000), (9000, 40), (0, 0), (33, 33)]:
        padded = pad_for_processor(Image.new("RGB", size, RED))
        width, height = padded.size
        assert width >= max(32, size[0]) and height >= max(32, size[1])
        assert max(width, height) / min(width, height) <= 200
        smart_resize(height, width, factor=32, min_pixels=64 * 64, max_pixels=128 * 128)  # does not raise
    assert pad_for_processor(Image.new("RGB", (32, 7000))).size == (35, 7000)  # 7000 / 200 = 35
    unchanged = Image.new("RGB", (33, 33), RED)
    assert pad_for_processor(unchanged) is unchanged


def test_crop_lines_name_each_extra_image(rectangles):
    record = crops_record([("red block", [10, 20, 50, 50]), ("green   bar\n", [100, 40, 120, 90])],
                          images=["rects.png", "rects.png"])
    text = render_messages(record, "privileged", image_root=rectangles.parent, crops=True)[0]["content"][-1]["text"]
    assert text.split("\n")[2:] == [
        PRIVILEGED_HEADER, BOXES_HEADER,
        '{"bbox_2d": [50, 200, 250, 500], "label": "red block"}',
        '{"bbox_2d": [500, 400, 600, 900], "label": "green   bar\\n"}',
        "Image 3: crop of red block", "Image 4: crop of green bar",  # after the record's two own images
        HINTS_HEADER, "1. Count the red, green and blue ones."]
    crops_only = privileged_block(record, rectangles.parent, boxes_as_text=False, crops=True)
    assert crops_only.split("\n")[:4] == [PRIVILEGED_HEADER, BOXES_HEADER, "Image 3: crop of red block",
                                          "Image 4: crop of green bar"]
    assert "bbox_2d" not in crops_only
    assert "crop of" not in privileged_block(record, rectangles.parent)  # the default (and the token budget's) block
    # with an overlay too, the crops come from the file: no drawn box edge inside the red crop
    parts = render_messages(record, "privileged", image_root=rectangles.parent, overlay=True, crops=True)[0]["content"]
    assert isinstance(parts[0]["image"], Image.Image) and parts[1]["image"] == str(rectangles)
    red = Image.open(rectangles).convert("RGB").crop((10, 20, 50, 50))
    assert parts[2]["image"].crop((0, 1, 40, 31)).tobytes() == red.tobytes()


def test_student_view_of_a_crops_record_is_unchanged_and_a_crop_there_is_caught(rectangles):
    record = crops_record([("red block", [10, 20, 50, 50]), ("green bar", [100, 40, 120, 90])])
    student = render_messages(record, "student", image_root=rectangles.parent)
    with_crops = render_messages(record, "student", image_root=rectangles.parent, crops=True, overlay=True,
                                 boxes_as_text=False)
    assert json.dumps(with_crops).encode() == json.dumps(student).encode()
    check_no_leakage(record, with_crops)
    crop = render_messages(record, "privileged", image_root=rectangles.parent, crops=True)[0]["content"][1]
    assert isinstance(crop["image"], Image.Image)
    for leaked in ([crop] + student[0]["content"], student[0]["content"][:1] + [crop] + student[0]["content"][1:]):
        with pytest.raises(LeakageError, match="an overlay or a crop") as caught:
            check_no_leakage(record, [{"role": "user", "content": leaked}])
        assert caught.value.field == "privileged.boxes" and "'rects-1'" in str(caught.value)


def test_render_options_read_privileged_crops(tmp_path, rectangles):
    record = crops_record([("red block", [10, 20, 50, 50])])
    for render, expected in (("text", {"overlay": False, "boxes_as_text": True, "crops": True}),
                             ("overlay", {"overlay": True, "boxes_as_text": False, "crops": True})):
        folder = tmp_path / render
        write_build(folder, [record_to_row(record)], image_root=str(rectangles.parent), render=render,
                    privileged="crops")
        options = render_options(folder)
        assert options == expected
        (loaded,) = load_records(folder)  # the records of a crops build are plain box records
        assert loaded.privileged == record.privileged
        parts = render_messages(loaded, "privileged", **options)[0]["content"]
        assert len(parts) == 3 and parts[1]["image"].size == (40, 32)


def test_privileged_prompt_with_crops_through_the_tiny_processor(tiny_vl_pair, tmp_path):
    """The tiny Qwen3-VL processor encodes a privileged prompt with crops, a thin 2x100 box included: each crop adds
    its own image tokens (one per 32x32 pixels after `smart_resize`, between 64x64 and 128x128 pixels here)."""
    from dopd_vl.rollout import encode_prompts

    Image.new("RGB", (128, 128), (10, 20, 30)).save(tmp_path / "rects.png")
    record = crops_record([("square", [32, 32, 96, 96]), ("sliver", [0, 0, 2, 100])])
    processor = tiny_vl_pair.processor
    image_pad = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    counts, grids = {}, {}
    for name, view, crops in (("student", "student", True), ("privileged", "privileged", False),
                              ("crops", "privileged", True)):
        batch = encode_prompts(processor, [render_messages(record, view, image_root=tmp_path, crops=crops)])
        counts[name] = int((batch["input_ids"] == image_pad).sum())
        grids[name] = batch["image_grid_thw"].tolist()
    # 128x128 -> 4x4 merged patches; the 64x64 square -> 2x2; the sliver padded to 32x100 is scaled up to the
    # 4096-pixel minimum: 64x128 -> 2x4
    assert grids["crops"] == [[1, 8, 8], [1, 4, 4], [1, 8, 4]]
    assert counts == {"student": 16, "privileged": 16, "crops": 16 + 4 + 8}
