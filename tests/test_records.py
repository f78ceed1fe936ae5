"""The record schema, its validation, the renderer and the leakage check (dopd_vl/records.py)."""

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from dopd_vl.errors import DopdError
from dopd_vl.records import (
    BOXES_HEADER, HINTS_HEADER, PRIVILEGED_HEADER, SCHEMA_VERSION, Box, LeakageError, Privileged, Record,
    RecordError, check_no_leakage, image_size, load_records, privileged_block, record_features, record_from_dict,
    record_from_row, record_to_dict, record_to_row, relative_box, render_messages, render_options,
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
    with pytest.raises(LeakageError, match="overlay image"):
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


def write_build(folder, rows, image_root=".", schema_version=SCHEMA_VERSION, render="text"):
    from datasets import Dataset

    Dataset.from_list(rows, features=record_features()).save_to_disk(str(folder))
    (folder / "manifest.json").write_text(json.dumps({"schema_version": schema_version, "image_root": image_root,
                                                      "options": {"render": render}}))


def test_load_records_resolves_images_and_checks(tmp_path, image_640x480):
    folder = tmp_path / "build"
    good = record_from_dict(vision_record())
    text = Record(id="a1", task="arith", question="What is 2 + 3?")
    write_build(folder, [record_to_row(good), record_to_row(text)], image_root=str(image_640x480.parent))
    records = load_records(folder)
    assert [r.id for r in records] == ["refcoco-17", "a1"]
    assert records[0].images == (str(image_640x480),) and records[0].privileged == good.privileged
    assert records[1] == text
    assert render_options(folder) == {"overlay": False, "boxes_as_text": True}
    write_build(tmp_path / "both", [record_to_row(text)], render="both")
    assert render_options(tmp_path / "both") == {"overlay": True, "boxes_as_text": True}

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
