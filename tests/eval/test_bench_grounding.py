"""RefCOCO / RefCOCO+ / RefCOCOg on tiny refer-layout fixtures: loading, limits, errors and Acc@0.5 scoring."""

import json
import re
from pathlib import Path

import pytest
from fixtures.grounding import (ANNOTATIONS, COCO_IMAGES, WRITERS, coco_name, refer_ref, write_refcoco,
                                     write_refer)

from eval.base import Doc, EvalError
from eval.benchmarks.grounding import BENCHMARKS

GROUNDING = {benchmark.name: benchmark for benchmark in BENCHMARKS}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grounding")
    for name in GROUNDING:
        WRITERS[name](folder)
    return folder


def prompt_text(doc: Doc) -> str:
    return " ".join(part["text"] for part in doc.messages[0]["content"] if part["type"] == "text")


def test_registry_names_and_headline():
    assert sorted(GROUNDING) == sorted(["refcoco", "refcoco_testA", "refcoco_testB", "refcoco+", "refcoco+_testA",
                                        "refcoco+_testB", "refcocog", "refcocog_test"])
    assert all(benchmark.metrics == ("acc@0.5",) for benchmark in BENCHMARKS)
    assert set(GROUNDING) <= set(WRITERS)


@pytest.mark.parametrize("name, ids", [
    ("refcoco", ["refcoco-101", "refcoco-102", "refcoco-103"]),
    ("refcoco_testA", ["refcoco-104", "refcoco-105"]),
    ("refcoco_testB", ["refcoco-106"]),
    ("refcoco+", ["refcoco+-201"]),
    ("refcoco+_testA", ["refcoco+-202"]),
    ("refcoco+_testB", ["refcoco+-203"]),
    ("refcocog", ["refcocog-301", "refcocog-302"]),
    ("refcocog_test", ["refcocog-303"]),
])
def test_each_split_reads_one_document_per_expression_of_its_split(data_dir, name, ids):
    docs = GROUNDING[name].load(data_dir, None)
    assert [doc.doc_id for doc in docs] == ids  # train refs (sent ids 100, 204, 304) never appear
    split = {"refcoco": "val", "refcoco+": "val", "refcocog": "val"}.get(name, name.split("_")[-1])
    assert {doc.document["split"] for doc in docs} == {split}
    for doc in docs:
        image = doc.messages[0]["content"][0]
        assert image["type"] == "image" and Path(image["image"]).is_file()
        assert Path(image["image"]).name == doc.document["image"]


def test_refcoco_val_documents(data_dir):
    docs = GROUNDING["refcoco"].load(data_dir, None)
    first = docs[0]
    assert prompt_text(first) == 'Locate "dog on the left" in the image and output its bbox coordinates using ' \
                                 'JSON format.'
    # the dog, annotation 12: xywh [10, 40, 50, 50] on the 200 x 100 image 1
    assert first.document["bbox_xywh"] == [10, 40, 50, 50] and first.document["image_size"] == [200, 100]
    assert first.document["ann_id"] == 12 and first.document["ref_id"] == 1 and first.document["sent_id"] == 101
    assert json.loads(first.target) == {"bbox_2d": [50, 400, 300, 900]}
    assert prompt_text(docs[1]).startswith('Locate "brown dog"')
    # the cat on the 100 x 100 image 2, a fractional height kept
    assert docs[2].document["bbox_xywh"] == [20, 20, 50, 60.5] and docs[2].document["image_size"] == [100, 100]


def test_prompt_holds_no_answer(data_dir):
    for name in GROUNDING:
        for doc in GROUNDING[name].load(data_dir, None):
            text = json.dumps(doc.messages)
            assert "bbox_2d" not in text
            box = json.loads(doc.target)["bbox_2d"]
            numbers = set(re.findall(r"\d+(?:\.\d+)?", prompt_text(doc)))
            assert not {str(v) for v in box} & numbers, (name, doc.doc_id)


def test_refcoco_plus_and_refcocog_read_their_own_files(data_dir):
    plus = GROUNDING["refcoco+"].load(data_dir, None)[0]
    assert prompt_text(plus).startswith('Locate "animal with a collar"') and plus.document["dataset"] == "refcoco+"
    g = GROUNDING["refcocog"].load(data_dir, None)
    assert [d.document["ann_id"] for d in g] == [11, 11] and g[0].document["bbox_xywh"] == [120, 10, 60, 80]
    assert GROUNDING["refcocog"].files(data_dir) == [data_dir / "refcocog" / "refs(umd).p",
                                                     data_dir / "refcocog" / "instances.json"]


def test_limit_keeps_the_first_expressions(data_dir):
    assert [d.doc_id for d in GROUNDING["refcoco"].load(data_dir, 2)] == ["refcoco-101", "refcoco-102"]
    assert [d.doc_id for d in GROUNDING["refcoco_testA"].load(data_dir, 1)] == ["refcoco-104"]


def test_python2_pickle_text_is_decoded(data_dir):
    doc = GROUNDING["refcoco_testA"].load(data_dir, None)[1]
    assert 'Locate "man in the café"' in prompt_text(doc)


def test_missing_files_name_the_layout(tmp_path):
    with pytest.raises(EvalError, match=r"benchmark 'refcoco\+_testB': its files are not in .*Expected layout under "
                                        r"--data-dir: refcoco\+/refs\(unc\)\.p and refcoco\+/instances\.json .*split "
                                        r"'testB'.*images/mscoco/images/train2014.*Public copy: "
                                        r"https://github.com/lichengunc/refer \(refcoco\+\.zip"):
        GROUNDING["refcoco+_testB"].load(tmp_path, None)
    write_refcoco(tmp_path)
    (tmp_path / "refcoco" / "instances.json").unlink()
    with pytest.raises(EvalError, match=r"benchmark 'refcoco': its files are not in"):
        GROUNDING["refcoco"].load(tmp_path, None)


def test_a_missing_image_names_the_record_and_the_image_folder(tmp_path):
    write_refcoco(tmp_path)
    (tmp_path / COCO_IMAGES / coco_name(2)).unlink()
    assert len(GROUNDING["refcoco"].load(tmp_path, 2)) == 2  # the first two use image 1
    with pytest.raises(EvalError, match=r"benchmark 'refcoco': .*refs\(unc\)\.p: record refcoco-103: field "
                                        r"'images\[0\]': .*image not found at .*COCO_train2014_000000000002\.jpg; "
                                        r"the COCO train2014 images belong in .*images/mscoco/images/train2014"):
        GROUNDING["refcoco"].load(tmp_path, None)


def test_malformed_records(tmp_path):
    refs = [refer_ref(1, 12, "val", [(101, "dog")]), dict(refer_ref(2, 21, "val", [(102, "cat")]), ann_id=999)]
    write_refer(tmp_path, "refcoco", "refs(unc).p", refs)
    with pytest.raises(EvalError, match=r"benchmark 'refcoco': .*refs\(unc\)\.p: record refcoco-102: field 'ann_id': "
                                        r".*ann_id 999 is not in instances\.json"):
        GROUNDING["refcoco"].load(tmp_path, None)
    # a target box far outside its image
    refs = [refer_ref(1, 12, "val", [(101, "dog")])]
    write_refer(tmp_path, "refcoco", "refs(unc).p", refs)
    instances = json.loads((tmp_path / "refcoco" / "instances.json").read_text())
    instances["annotations"][1]["bbox"] = [150, 40, 200, 50]  # annotation 12 on the 200 px wide image
    (tmp_path / "refcoco" / "instances.json").write_text(json.dumps(instances))
    with pytest.raises(EvalError, match=r"record refcoco-101: field 'instances\.json:annotations\[1\]\.bbox': .*"
                                        r"outside the 200x100 image"):
        GROUNDING["refcoco"].load(tmp_path, None)
    # a split the file does not hold
    write_refer(tmp_path, "refcoco", "refs(unc).p", [refer_ref(1, 12, "train", [(101, "dog")])])
    with pytest.raises(EvalError, match=r"benchmark 'refcoco': .*no refs of split 'val'; its splits are train"):
        GROUNDING["refcoco"].load(tmp_path, None)


# ----------------------------------------------------------------------------------------------------------------
# scoring: Acc@0.5 of the first box, 0-1000 relative coordinates (Qwen3-VL), ground truth xywh pixels


def grounding_doc(bbox_xywh, image_size) -> Doc:
    return Doc("d", [], "", {"bbox_xywh": bbox_xywh, "image_size": image_size})


def test_score_qwen3_json_hits_and_misses():
    doc = grounding_doc([10, 40, 50, 50], [200, 100])  # the dog: 0-1000 box [50, 400, 300, 900]
    score = GROUNDING["refcoco"].score
    assert score('```json\n[{"bbox_2d": [50, 400, 300, 900], "label": "dog"}]\n```', doc) == \
        ("[50, 400, 300, 900]", {"acc@0.5": 1.0})
    # half the width: [10, 40, 35, 90] px -> IoU 25/50 = 0.5, inclusive
    assert score('{"bbox_2d": [50, 400, 175, 900]}', doc)[1] == {"acc@0.5": 1.0}
    # a little less than half: IoU 0.48
    assert score('{"bbox_2d": [50, 400, 170, 900]}', doc)[1] == {"acc@0.5": 0.0}
    # the same numbers read as pixels would hit; on the 0-1000 scale [10, 40, 60, 90] is a tiny box at the corner
    assert score('{"bbox_2d": [10, 40, 60, 90]}', doc)[1] == {"acc@0.5": 0.0}


def test_score_first_box_only_and_thinking():
    doc = grounding_doc([120, 10, 60, 80], [200, 100])  # the man on the right: [600, 100, 900, 900]
    score = GROUNDING["refcocog"].score
    two = '[{"bbox_2d": [50, 400, 300, 900]}, {"bbox_2d": [600, 100, 900, 900]}]'
    assert score(two, doc) == ("[50, 400, 300, 900]", {"acc@0.5": 0.0})
    assert score("<think>it is [50, 400, 300, 900]? no</think>[600, 100, 900, 900]", doc)[1] == {"acc@0.5": 1.0}
    assert score("The man on the right.", doc) == ("", {"acc@0.5": 0.0})
    assert score("", doc) == ("", {"acc@0.5": 0.0})


def test_summary_is_the_hit_rate(data_dir):
    benchmark = GROUNDING["refcoco"]
    docs = benchmark.load(data_dir, None)
    responses = [doc.target for doc in docs[:2]] + ['{"bbox_2d": [0, 0, 10, 10]}']
    scores = [benchmark.score(r, d)[1] for r, d in zip(responses, docs)]
    assert benchmark.summarize(docs, scores) == {"acc@0.5": pytest.approx(2 / 3)}


def test_every_fixture_target_scores_one(data_dir):
    """The reference answer of each document is a hit: the stored box, the image size and the scale agree."""
    for name, benchmark in GROUNDING.items():
        for doc in benchmark.load(data_dir, None):
            assert benchmark.score(doc.target, doc)[1] == {"acc@0.5": 1.0}, (name, doc.doc_id)
            x, y, w, h = ANNOTATIONS[doc.document["ann_id"]][2]
            assert doc.document["bbox_xywh"] == [x, y, w, h]
