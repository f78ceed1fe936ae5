"""Fixture writers for the data builder tests: each writes a small source in its real public format."""

import json
import pickle
import struct

import pytest
from PIL import Image


class Py2StylePickler(pickle._Pickler):
    """Writes strings the way Python 2 pickled `str` (SHORT_BINSTRING / BINSTRING of UTF-8 bytes), as in the
    original RefCOCO refs(unc).p files, so the reader's bytes-decoding path is exercised."""
    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj):
        data = obj.encode("utf-8")
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = save_py2_str


def write_py2_pickle(path, value):
    with open(path, "wb") as handle:
        Py2StylePickler(handle, protocol=2).dump(value)


def save_image(path, size, colour=(120, 130, 140)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


@pytest.fixture
def refcoco_source(tmp_path):
    """A RefCOCO release in its layout: refcoco/refs(unc).p + refcoco/instances.json, and COCO images.

    Image 1 (200x100): a person (target of ref 0) at the right and a dog at the left; image 2 (100x100): a cat."""
    images = tmp_path / "train2014"
    save_image(images / "COCO_train2014_000000000001.jpg", (200, 100))
    save_image(images / "COCO_train2014_000000000002.jpg", (100, 100))
    folder = tmp_path / "refcoco"
    folder.mkdir()
    instances = {
        "images": [{"id": 1, "file_name": "COCO_train2014_000000000001.jpg", "width": 200, "height": 100},
                   {"id": 2, "file_name": "COCO_train2014_000000000002.jpg", "width": 100, "height": 100}],
        "annotations": [
            {"id": 11, "image_id": 1, "category_id": 1, "bbox": [120, 10, 60, 80], "area": 4800, "iscrowd": 0,
             "segmentation": [[120, 10, 180, 10, 180, 90]]},
            {"id": 12, "image_id": 1, "category_id": 18, "bbox": [10, 40, 50, 50], "area": 2500, "iscrowd": 0,
             "segmentation": [[10, 40, 60, 40, 60, 90]]},
            {"id": 21, "image_id": 2, "category_id": 17, "bbox": [20, 20, 50, 60.5], "area": 3000, "iscrowd": 0,
             "segmentation": [[20, 20, 70, 20, 70, 80]]},
        ],
        "categories": [{"id": 1, "name": "person", "supercategory": "person"},
                       {"id": 17, "name": "cat", "supercategory": "animal"},
                       {"id": 18, "name": "dog", "supercategory": "animal"}],
    }
    (folder / "instances.json").write_text(json.dumps(instances))
    refs = [
        {"ref_id": 0, "ann_id": 11, "image_id": 1, "category_id": 1, "split": "train", "sent_ids": [100, 101],
         "file_name": "COCO_train2014_000000000001_11.jpg",
         "sentences": [{"sent_id": 100, "raw": "Person on the right", "sent": "person on the right",
                        "tokens": ["person", "on", "the", "right"]},
                       {"sent_id": 101, "raw": "man near the café", "sent": "man near the cafe",
                        "tokens": ["man", "near", "the", "cafe"]}]},
        {"ref_id": 1, "ann_id": 21, "image_id": 2, "category_id": 17, "split": "testA", "sent_ids": [102],
         "file_name": "COCO_train2014_000000000002_21.jpg",
         "sentences": [{"sent_id": 102, "raw": "cat", "sent": "cat", "tokens": ["cat"]}]},
    ]
    write_py2_pickle(folder / "refs(unc).p", refs)
    return {"refs": folder / "refs(unc).p", "instances": folder / "instances.json", "images": images,
            "refs_data": refs, "instances_data": instances}


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for row in rows:
            handle.write((row if isinstance(row, bytes) else json.dumps(row).encode("utf-8")) + b"\n")
    return path
