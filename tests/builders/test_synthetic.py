"""The synthetic tasks: shapes and arith (data_builders/synthetic.py)."""

import json
import re

import pytest
from PIL import Image

from data_builders.build import BuildError
from data_builders.synthetic import COLOURS, IMAGE_SIDE, build_synthetic
from dopd_vl.errors import DopdError
from dopd_vl.records import load_records, render_messages
from eval.benchmarks.shapes import shapes_answer


def quadrant_of(box):
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return ("top" if cy < IMAGE_SIDE / 2 else "bottom") + " " + ("left" if cx < IMAGE_SIDE / 2 else "right")


def rule_answer(record):
    """Answer the question from the privileged boxes alone, by rule."""
    objects = [(b.label.split()[0], b.label.split()[1], quadrant_of(b.bbox_xyxy_px)) for b in record.privileged.boxes]
    if m := re.match(r"Where is the (\w+) (\w+)\?", record.question):
        return next(q for c, s, q in objects if (c, s) == m.groups())
    if m := re.match(r"What colour is the shape in the (\w+ \w+)\?", record.question):
        return next(c for c, s, q in objects if q == m.group(1))
    if m := re.match(r"How many (\w+) shapes are there\?", record.question):
        return str(sum(c == m.group(1) for c, s, q in objects))
    m = re.match(r"How many (\w+)s are there\?", record.question)
    return str(sum(s == m.group(1) for c, s, q in objects))


def test_shapes_answers_follow_from_boxes_and_pixels(tmp_path):
    out = build_synthetic("shapes", tmp_path / "shapes", n=150, seed=3)
    records = load_records(out)
    assert len(records) == 150
    kinds = {r.source["kind"] for r in records}
    assert kinds == {"location", "colour", "count"}
    for record in records:
        assert record.answer == rule_answer(record), record.question
        # the worked answer: what the boxes show that decides the question, then the answer
        seen, answer = record.source["solution"].split(". The answer is ")
        assert answer == f"{record.answer}." and shapes_answer(record.source["solution"]) == record.answer
        labels = [b.label for b in record.privileged.boxes]
        if record.source["kind"] == "count":
            assert seen == "I see " + " and ".join(f"a {label}" for label in labels)
        else:
            # the object the question names: by colour and shape (location) or by its quadrant (colour)
            label, quadrant = next((b.label, quadrant_of(b.bbox_xyxy_px)) for b in record.privileged.boxes
                                   if f"the {b.label}?" in record.question
                                   or f"in the {quadrant_of(b.bbox_xyxy_px)}?" in record.question)
            assert seen in (f"The {label} is in the {quadrant}", f"The shape in the {quadrant} is a {label}"), seen
        image = Image.open(record.images[0]).convert("RGB")
        assert image.size == (IMAGE_SIDE, IMAGE_SIDE)
        assert 1 <= len(record.privileged.boxes) <= 2
        for box in record.privileged.boxes:  # the labelled colour is drawn at the box centre
            x1, y1, x2, y2 = box.bbox_xyxy_px
            centre = image.getpixel((int((x1 + x2) / 2), int((y1 + y2) / 2)))
            assert centre == COLOURS[box.label.split()[0]], (record.id, box)
        # the regions annotation says, in the question's words, where each box is
        assert record.privileged.annotations["regions"] == [f"{b.label}: {quadrant_of(b.bbox_xyxy_px)}"
                                                            for b in record.privileged.boxes]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"kept": 150, "rejected": 0, "rejected_by_reason": {},
                                  "privileged_cut_to_budget": 0}
    assert manifest["image_root"] == "." and manifest["options"]["seed"] == 3


def test_synthetic_builds_are_deterministic(tmp_path):
    a = load_records(build_synthetic("shapes", tmp_path / "a", n=20, seed=7))
    b = load_records(build_synthetic("shapes", tmp_path / "b", n=20, seed=7))
    c = load_records(build_synthetic("shapes", tmp_path / "c", n=20, seed=8))
    strip = lambda records: [(r.id, r.question, r.answer, r.privileged) for r in records]  # noqa: E731
    assert strip(a) == strip(b)
    assert [r.question for r in a] != [r.question for r in c]
    for ra, rb in zip(a, b):
        assert open(ra.images[0], "rb").read() == open(rb.images[0], "rb").read()
    t1 = load_records(build_synthetic("arith", tmp_path / "t1", n=20, seed=7))
    t2 = load_records(build_synthetic("arith", tmp_path / "t2", n=20, seed=7))
    assert t1 == t2


def test_arith_hints_hold_no_results_and_no_answer(tmp_path):
    records = load_records(build_synthetic("arith", tmp_path / "arith", n=400, seed=0))
    templates = set()
    for record in records:
        question_numbers = set(re.findall(r"\d+", record.question))
        hint_numbers = {n for hint in record.privileged.hints for n in re.findall(r"\d+", hint)}
        assert hint_numbers <= question_numbers, (record.id, hint_numbers - question_numbers)
        assert record.answer not in hint_numbers and int(record.answer) >= 0
        assert 2 <= len(record.privileged.hints) <= 3 and record.images == ()
        templates.add(record.source["template"])
        messages = render_messages(record, "student")
        assert messages == [{"role": "user", "content": record.question}]
    assert templates == {"change", "transfer", "packs", "bus"}


def test_arith_solutions_work_the_hints_out_to_the_answer(tmp_path):
    """The SFT target: one step per hint after the first, each step right, every number one digit, ending in the
    answer; the first operand is the hint's starting number and each step's number the hint's."""
    records = load_records(build_synthetic("arith", tmp_path / "arith", n=300, seed=2))
    for record in records:
        *steps, last = record.source["solution"].split(". ")
        assert last == f"The answer is {record.answer}.", record.source["solution"]
        hints = record.privileged.hints
        assert len(steps) == len(hints) - 1 and hints[0] == f"Start from {steps[0].split()[0]}."
        value = int(steps[0].split()[0])
        for step, hint in zip(steps, hints[1:]):
            left, operation, number, equals, result = step.split()
            assert int(left) == value and equals == "=" and hint.endswith(f" {number}.")
            value = {"+": value + int(number), "-": value - int(number), "*": value * int(number)}[operation]
            assert int(result) == value and 0 <= value <= 9, record.source["solution"]
        assert str(value) == record.answer


def test_arith_answers_are_right_for_the_bus_and_transfer_templates(tmp_path):
    records = load_records(build_synthetic("arith", tmp_path / "arith", n=200, seed=1))
    checked = 0
    for record in records:
        if m := re.fullmatch(r"A bus has (\d+) people\. At the stop (\d+) get off and (\d+) get on\. How many people "
                             r"are on the bus now\?", record.question):
            start, off, on = map(int, m.groups())
            assert int(record.answer) == start - off + on
            checked += 1
        if m := re.fullmatch(r"(\w+) has (\d+) (\w+)\. (\w+) has (\d+) \3\. \1 gives (\d+) \3 to \4\. How many \3 "
                             r"does (\w+) have now\?", record.question):
            giver, given, _, receiver, received, gift, asked = m.groups()
            expected = int(given) - int(gift) if asked == giver else int(received) + int(gift)
            assert asked in (giver, receiver) and int(record.answer) == expected
            checked += 1
    assert checked > 60


def test_the_held_out_split_shares_no_question_and_shows_no_privileged_input(tmp_path):
    held_out = {}
    for task in ("arith", "shapes"):
        train = load_records(build_synthetic(task, tmp_path / f"{task}-train", n=400, seed=0))
        test = held_out[task] = load_records(build_synthetic(task, tmp_path / f"{task}-test", n=60, seed=0,
                                                             split="test"))
        other_seed = load_records(build_synthetic(task, tmp_path / f"{task}-train1", n=400, seed=1))
        key = (lambda r: r.question) if task == "arith" else (lambda r: (r.question, r.source["kind"],
                                                                          open(r.images[0], "rb").read()))
        assert not {key(r) for r in test} & {key(r) for r in train + other_seed}
        assert all(r.privileged.is_empty() and r.id.startswith(f"{task}-test-s0-") for r in test)
        assert [r.source["split"] for r in train[:3]] == ["train"] * 3 and train[0].id == f"{task}-s0-000000"
        # the test split's draws are the ones the train split skips: positions interleave, never coincide
        assert not {r.source["index"] for r in test} & {r.source["index"] for r in train}
    with_hints = load_records(build_synthetic("arith", tmp_path / "hints", n=5, seed=0, split="test",
                                              privileged="hints"))
    assert [r.question for r in with_hints] == [r.question for r in held_out["arith"][:5]]
    assert all(r.privileged.hints for r in with_hints)
    with pytest.raises(DopdError, match="unknown split 'dev'"):
        build_synthetic("arith", tmp_path / "x", n=5, seed=0, split="dev")


def test_a_cache_built_by_an_older_generator_is_rebuilt(tmp_path):
    import data_builders.synthetic as synthetic

    out = build_synthetic("arith", tmp_path / "arith", n=6, seed=0)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["options"]["generator_version"] = synthetic.GENERATOR_VERSIONS["arith"] - 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert build_synthetic("arith", out, n=6, seed=0) == out  # rebuilt in place, not refused
    assert json.loads((out / "manifest.json").read_text())["options"]["generator_version"] == \
        synthetic.GENERATOR_VERSIONS["arith"]


def test_privileged_ablations(tmp_path):
    answer = load_records(build_synthetic("arith", tmp_path / "ans", n=5, seed=0, privileged="answer"))
    assert all(r.privileged.hints == (f"The final answer is {r.answer}.",) for r in answer)
    none = load_records(build_synthetic("shapes", tmp_path / "none", n=5, seed=0, privileged="none"))
    assert all(r.privileged.is_empty() for r in none)
    assert render_messages(none[0], "privileged") == render_messages(none[0], "student")
    with pytest.raises(DopdError, match="does not apply to shapes"):
        build_synthetic("shapes", tmp_path / "x", n=5, seed=0, privileged="hints")


def test_same_options_reuse_the_folder_and_others_refuse_it(tmp_path):
    out = build_synthetic("arith", tmp_path / "arith", n=10, seed=0)
    stamp = (out / "manifest.json").stat().st_mtime_ns
    assert build_synthetic("arith", out, n=10, seed=0) == out
    assert (out / "manifest.json").stat().st_mtime_ns == stamp
    with pytest.raises(BuildError, match="already exists.*--overwrite"):
        build_synthetic("arith", out, n=11, seed=0)
    build_synthetic("arith", out, n=11, seed=0, overwrite=True)
    assert len(load_records(out)) == 11
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arith"]  # no temporary folders left behind


def test_a_folder_finished_by_another_process_meanwhile_is_reused(tmp_path, monkeypatch):
    """Two ranks building the same default data set: the one that finishes second keeps the first one's folder."""
    import data_builders.build as build

    out = tmp_path / "arith"
    real_replace = build.replace_folder
    calls = []

    def other_rank_finishes_first(work, target, overwrite):
        calls.append(target)
        if target == out:
            build_synthetic("arith", tmp_path / "other", n=4, seed=0)
            (tmp_path / "other").rename(out)
        real_replace(work, target, overwrite)

    monkeypatch.setattr(build, "replace_folder", other_rank_finishes_first)
    assert build_synthetic("arith", out, n=4, seed=0) == out
    other_manifest = (out / "manifest.json").read_text()
    assert calls == [out, tmp_path / "other"] and len(load_records(out)) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arith"]  # the second build's work folder is gone
    work = tmp_path / "work"
    (work / "x").mkdir(parents=True)
    with pytest.raises(BuildError, match="appeared while this build ran"):  # never replaced without overwrite
        real_replace(work, out, overwrite=False)
    assert (out / "manifest.json").read_text() == other_manifest
