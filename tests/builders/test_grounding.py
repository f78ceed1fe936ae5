"""Grounding builders: RefCOCO pickles + COCO instances, the Hugging Face RefCOCO layout, generic JSONL; and the
bad-input cases of the build loop, through the `dopd-vl build-data` command."""

import io
import json
import os
import pickle

import pytest
from conftest import save_image, write_jsonl, write_py2_pickle
from PIL import Image

from dopd_vl.cli import main
from dopd_vl.records import load_records, render_messages


def build(*args):
    return main(["build-data", *map(str, args)])


def test_refcoco_records(refcoco_source, tmp_path, capsys):
    out = tmp_path / "out"
    assert build("--task", "grounding", "--source", refcoco_source["refs"], "--images", refcoco_source["images"],
                 "--out", out) == 0
    assert "wrote 3 records" in capsys.readouterr().out
    records = {r.id: r for r in load_records(out)}
    assert sorted(records) == ["refcoco-100", "refcoco-101", "refcoco-102"]
    first = records["refcoco-100"]
    assert first.question == 'Locate "Person on the right" in the image and output its bbox coordinates using ' \
                             'JSON format.'
    assert json.loads(first.answer) == {"bbox_2d": [600, 100, 900, 900]}  # [120, 10, 180, 90] on 200x100
    assert first.source["target_bbox_xyxy_px"] == [120, 10, 180, 90]
    # every object of the image, sorted by position (the dog at x=10 before the person, the target, at x=120)
    assert [(b.label, b.bbox_xyxy_px) for b in first.privileged.boxes] == [
        ("dog", (10.0, 40.0, 60.0, 90.0)), ("person", (120.0, 10.0, 180.0, 90.0))]
    assert records["refcoco-101"].question.startswith('Locate "man near the café"')  # Python 2 UTF-8 bytes decoded
    assert json.loads(records["refcoco-102"].answer) == {"bbox_2d": [200, 200, 700, 805]}
    privileged = render_messages(first, "privileged")[0]["content"][-1]["text"]
    assert '{"bbox_2d": [50, 400, 300, 900], "label": "dog"}' in privileged
    assert '{"bbox_2d": [600, 100, 900, 900], "label": "person"}' in privileged
    assert "bbox_2d" not in str(render_messages(first, "student"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert [os.path.basename(s["path"]) for s in manifest["sources"]] == ["refs(unc).p", "instances.json"]
    assert all(len(s["sha256"]) == 64 for s in manifest["sources"])
    assert manifest["image_root"] == str(refcoco_source["images"].resolve())
    assert manifest["source"]["dataset"] == "refcoco"


def test_refcoco_split_and_limit(refcoco_source, tmp_path, capsys):
    assert build("--task", "grounding", "--source", refcoco_source["refs"], "--images", refcoco_source["images"],
                 "--out", tmp_path / "a", "--split", "testA") == 0
    assert [r.id for r in load_records(tmp_path / "a")] == ["refcoco-102"]
    assert build("--task", "grounding", "--source", refcoco_source["refs"], "--images", refcoco_source["images"],
                 "--out", tmp_path / "b", "--limit", "1") == 0
    assert [r.id for r in load_records(tmp_path / "b")] == ["refcoco-100"]
    assert build("--task", "grounding", "--source", refcoco_source["refs"], "--images", refcoco_source["images"],
                 "--out", tmp_path / "c", "--split", "val") == 2
    assert "no refs of split 'val'; its splits are testA, train" in capsys.readouterr().err


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("payload, named", [("code", "io.open"), ("class", "datetime.date")])
def test_a_pickle_holding_anything_but_plain_data_is_refused(refcoco_source, tmp_path, capsys, payload, named):
    import datetime

    marker = tmp_path / "pwned"
    refs = list(refcoco_source["refs_data"])
    refs[1] = dict(refs[1], sentences=[RunsCode(str(marker)) if payload == "code" else datetime.date(2020, 1, 1)])
    refs_path = refcoco_source["refs"]
    refs_path.write_bytes(pickle.dumps(refs, protocol=2))
    out = tmp_path / "out"
    assert build("--task", "grounding", "--source", refs_path, "--images", refcoco_source["images"], "--out",
                 out) == 2
    err = capsys.readouterr().err
    assert f"refs(unc).p: refused: the pickle refers to '{named}'" in err and "only plain data" in err
    assert not marker.exists() and not out.exists()


def test_refcoco_needs_its_instances_and_images(refcoco_source, tmp_path, capsys):
    assert build("--task", "grounding", "--source", refcoco_source["refs"], "--out", tmp_path / "o") == 2
    assert "pass the folder of train2014/*.jpg with --images" in capsys.readouterr().err
    refcoco_source["instances"].unlink()
    assert build("--task", "grounding", "--source", refcoco_source["refs"], "--images", refcoco_source["images"],
                 "--out", tmp_path / "o") == 2
    assert "instances.json not found" in capsys.readouterr().err


def test_hf_refcoco_parquet_with_embedded_images(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    def png(size):
        buffer = io.BytesIO()
        Image.new("RGB", size, (10, 90, 200)).save(buffer, format="PNG")
        return buffer.getvalue()

    image_a = png((100, 50))
    rows = [
        {"question_id": "q1", "image": {"bytes": image_a, "path": None}, "question": "Caption the region.",
         "answer": ["left bird", "the small bird"], "segmentation": [1.0], "bbox": [10.0, 5.0, 20.0, 30.0],
         "iscrowd": 0, "file_name": "COCO_val2014_000000000007.jpg"},
        {"question_id": "q2", "image": {"bytes": image_a, "path": None}, "question": "Caption the region.",
         "answer": ["right bird"], "segmentation": [1.0], "bbox": [60.0, 10.0, 30.0, 30.0], "iscrowd": 0,
         "file_name": "COCO_val2014_000000000007.jpg"},
    ]
    source = tmp_path / "val-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source)
    out = tmp_path / "out"
    assert build("--task", "grounding", "--source", source, "--out", out) == 0
    records = {r.id: r for r in load_records(out)}
    assert sorted(records) == ["val-00000-of-00001-q1-0", "val-00000-of-00001-q1-1", "val-00000-of-00001-q2-0"]
    bird = records["val-00000-of-00001-q1-1"]
    assert bird.question.startswith('Locate "the small bird"')
    assert json.loads(bird.answer) == {"bbox_2d": [100, 100, 300, 700]}
    assert [b.bbox_xyxy_px for b in bird.privileged.boxes] == [(10, 5, 30, 35), (60, 10, 90, 40)]
    assert bird.images == (str((out / "images" / "COCO_val2014_000000000007.jpg").resolve()),)
    assert open(bird.images[0], "rb").read() == image_a


def test_generic_jsonl_box_formats(tmp_path):
    save_image(tmp_path / "imgs" / "a.png", (200, 100))
    row = {"id": "v1", "image": "a.png", "question": "What animal is on the sofa?", "answer": "cat",
           "boxes": [{"label": "cat", "bbox": [0.1, 0.2, 0.3, 0.4]}]}
    source = write_jsonl(tmp_path / "vqa.jsonl", [row])
    assert build("--task", "grounding", "--source", source, "--images", tmp_path / "imgs", "--out", tmp_path / "o1",
                 "--box-format", "xywh", "--box-units", "relative") == 0
    (record,) = load_records(tmp_path / "o1")
    assert record.task == "vqa" and record.answer == "cat"
    assert record.privileged.boxes[0].bbox_xyxy_px == pytest.approx((20, 20, 80, 60))  # x, y, w, h of 200x100
    source = write_jsonl(tmp_path / "vqa2.jsonl", [dict(row, boxes=[{"label": "cat", "bbox": [100, 200, 400, 600]}])])
    assert build("--task", "grounding", "--source", source, "--images", tmp_path / "imgs", "--out", tmp_path / "o2",
                 "--box-units", "relative1000") == 0
    assert load_records(tmp_path / "o2")[0].privileged.boxes[0].bbox_xyxy_px == (20, 20, 80, 60)


def bad_input_source(tmp_path):
    images = tmp_path / "imgs"
    save_image(images / "ok.png", (100, 100))
    (images / "broken.png").write_bytes(b"\x89PNG but not really")
    good = {"image": "ok.png", "question": "Where is the cat?", "answer": "left",
            "boxes": [{"label": "cat", "bbox": [10, 10, 50, 50]}]}
    rows = [
        dict(good, id="good"),
        dict(good, id="overhang", boxes=[{"label": "cat", "bbox": [-0.6, 10, 100.8, 50]}]),  # clipped
        dict(good, id="no-image", image="missing.png"),
        dict(good, id="broken", image="broken.png"),
        dict(good, id="outside", boxes=[{"label": "cat", "bbox": [10, 10, 150, 50]}]),
        dict(good, id="flat", boxes=[{"label": "cat", "bbox": [10, 10, 10, 50]}]),
        dict(good, id="text-box", boxes=[{"label": "cat", "bbox": [10, "ten", 50, 50]}]),
        {k: v for k, v in dict(good, id="no-question").items() if k != "question"},
        dict(good, id="blank", question="   "),
        dict(good, id="good"),
        b'{"id": "latin1", "image": "ok.png", "question": "caf\xe9?", "answer": "x", "boxes": []}',
        dict(good, id="leaky", question="Is the cat at 10, 10, 50, 50?"),
    ]
    return write_jsonl(tmp_path / "bad.jsonl", rows), images


def test_bad_input_rejects_name_record_location_and_field(tmp_path, capsys):
    source, images = bad_input_source(tmp_path)
    out = tmp_path / "out"
    assert build("--task", "grounding", "--source", source, "--images", images, "--out", out) == 0
    assert "wrote 2 records" in capsys.readouterr().out
    kept = {r.id: r for r in load_records(out)}
    assert sorted(kept) == ["good", "overhang"]
    assert kept["overhang"].privileged.boxes[0].bbox_xyxy_px == (0, 10, 100, 50)
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    by_id = {(r["id"], r["reason"]): r for r in rejects}
    expected = {
        ("no-image", "missing_image"): ("images[0]", 3), ("broken", "unreadable_image"): ("images[0]", 4),
        ("outside", "box_outside_image"): ("privileged.boxes[0].bbox_xyxy_px", 5),
        ("flat", "degenerate_box"): ("privileged.boxes[0].bbox_xyxy_px", 6),
        ("text-box", "non_numeric_box"): ("privileged.boxes[0].bbox_xyxy_px", 7),
        ("no-question", "missing_field"): ("question", 8), ("blank", "empty_question"): ("question", 9),
        ("good", "duplicate_id"): ("id", 10), (None, "bad_utf8"): ("(line)", 11),
        ("leaky", "leakage"): ("privileged.boxes[0]", 12),
    }
    assert set(by_id) == set(expected)
    for key, (field, line) in expected.items():
        reject = by_id[key]
        assert reject["field"] == field and reject["where"] == f"{source}:{line}", reject
        assert (key[0] is None or repr(key[0]) in reject["message"]) and f"{source}:{line}" in reject["message"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["kept"] == 2 and manifest["counts"]["rejected"] == 10
    assert manifest["counts"]["rejected_by_reason"] == {reason: 1 for _, reason in expected}


def test_strict_stops_at_the_first_reject_and_writes_nothing(tmp_path, capsys):
    source, images = bad_input_source(tmp_path)
    out = tmp_path / "out"
    assert build("--task", "grounding", "--source", source, "--images", images, "--out", out, "--strict") == 2
    err = capsys.readouterr().err
    assert "--strict: stopped at the first reject, nothing written" in err and "'no-image'" in err
    assert f"{source}:3" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "imgs"]


def test_a_build_where_every_record_is_rejected_fails(tmp_path, capsys):
    save_image(tmp_path / "ok.png", (10, 10))
    source = write_jsonl(tmp_path / "all-bad.jsonl", [
        {"id": "a", "image": "ok.png", "question": "", "answer": "x", "boxes": []},
        {"id": "b", "image": "nope.png", "question": "q?", "answer": "x", "boxes": []}])
    assert build("--task", "grounding", "--source", source, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "every record was rejected (2: " in err and "empty_question 1" in err and "missing_image 1" in err
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all-bad.jsonl", "ok.png"]


def test_unknown_grounding_layout_is_explained(tmp_path, capsys):
    source = write_jsonl(tmp_path / "odd.jsonl", [{"prompt": "x", "target": [1, 2, 3, 4]}])
    assert build("--task", "grounding", "--source", source, "--out", tmp_path / "o") == 2
    assert "cannot tell the grounding format from its fields ['prompt', 'target']" in capsys.readouterr().err


def test_python2_pickle_writer_writes_byte_strings(tmp_path):
    """The fixture writer really produces Python 2 string opcodes, which plain pickle.load turns into bytes."""
    path = tmp_path / "p.p"
    write_py2_pickle(path, [{"raw": "café"}])
    assert pickle.load(open(path, "rb"), encoding="bytes") == [{b"raw": "café".encode("utf-8")}]
