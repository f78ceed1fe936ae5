"""Benchmark of `dopd-vl build-data --task grounding` on a generated RefCOCO-format source.

Writes a RefCOCO release in its real layout (refs(unc).p as Python 2 pickles it, COCO instances.json, JPEG images)
with 50,000 referring expressions over 5,000 images, runs the build as a separate `dopd-vl` process and prints a
table: records, wall time, records per second, peak resident memory of the build process.

    python bench/build_data.py                      # the issue's size: 50,000 expressions, 5,000 images
    python bench/build_data.py --expressions 5000 --images 500 --work /tmp/bench-data --keep

Goal (issue 4): at least 1,000 records/s and under 2 GiB peak memory with --render text.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CATEGORIES = ["person", "bicycle", "car", "dog", "cat", "chair", "couch", "cup", "bottle", "umbrella"]
WORDS = ["left", "right", "middle", "front", "back", "man", "woman", "small", "big", "red", "white", "blue",
         "guy", "girl", "closest", "far", "top", "bottom", "with", "hat", "shirt", "black"]


class Py2StylePickler(pickle._Pickler):
    """Strings as Python 2 `str` opcodes (UTF-8 bytes), as in the original refs(unc).p files."""
    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj):
        data = obj.encode("utf-8")
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = save_py2_str


def write_source(folder: Path, expressions: int, images: int, seed: int) -> tuple[Path, Path]:
    from PIL import Image

    rng = random.Random(seed)
    image_dir = folder / "train2014"
    release = folder / "refcoco"
    image_dir.mkdir(parents=True, exist_ok=True)
    release.mkdir(exist_ok=True)
    coco_images, annotations, refs = [], [], []
    sizes = [(640, 480), (480, 640), (640, 427), (500, 375)]
    for image_id in range(1, images + 1):
        width, height = rng.choice(sizes)
        name = f"COCO_train2014_{image_id:012d}.jpg"
        path = image_dir / name
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))  # drawn always: same source each run
        if not path.exists():
            Image.new("RGB", (width, height), colour).save(path, quality=70)
        coco_images.append({"id": image_id, "file_name": name, "width": width, "height": height})
        for _ in range(rng.randint(4, 12)):  # COCO has about 7 objects per image
            w, h = rng.uniform(10, width / 2), rng.uniform(10, height / 2)
            x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
            annotations.append({"id": len(annotations) + 1, "image_id": image_id,
                                "category_id": rng.randrange(len(CATEGORIES)) + 1,
                                "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                                "area": round(w * h, 2), "iscrowd": 0, "segmentation": [[x, y, x + w, y, x, y + h]]})
    by_image: dict[int, list[dict]] = {}
    for ann in annotations:
        by_image.setdefault(ann["image_id"], []).append(ann)
    sent_id = 0
    while sent_id < expressions:
        image_id = rng.randint(1, images)
        ann = rng.choice(by_image[image_id])
        sentences = []
        for _ in range(min(rng.randint(1, 3), expressions - sent_id)):
            raw = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
            sentences.append({"sent_id": sent_id, "raw": raw, "sent": raw, "tokens": raw.split()})
            sent_id += 1
        refs.append({"ref_id": len(refs), "ann_id": ann["id"], "image_id": image_id,
                     "category_id": ann["category_id"], "split": rng.choice(["train", "train", "val", "testA"]),
                     "sent_ids": [s["sent_id"] for s in sentences], "sentences": sentences,
                     "file_name": f"COCO_train2014_{image_id:012d}_{ann['id']}.jpg"})
    instances = {"images": coco_images, "annotations": annotations,
                 "categories": [{"id": i + 1, "name": n, "supercategory": "thing"} for i, n in enumerate(CATEGORIES)]}
    (release / "instances.json").write_text(json.dumps(instances))
    with open(release / "refs(unc).p", "wb") as handle:
        Py2StylePickler(handle, protocol=2).dump(refs)
    return release / "refs(unc).p", image_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--expressions", type=int, default=50_000, help="referring expressions (records) to build")
    parser.add_argument("--images", type=int, default=5_000, help="COCO images they refer to")
    parser.add_argument("--render", default="text", choices=["text", "overlay", "both"], help="--render of the build")
    parser.add_argument("--work", help="folder for the generated source and the output (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its images are reused next time)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated source")
    args = parser.parse_args()

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="dopd-bench-data-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        refs, images = write_source(work, args.expressions, args.images, args.seed)
        generated = time.perf_counter() - started
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        dopd_vl = Path(sys.executable).with_name("dopd-vl")
        command = [str(dopd_vl) if dopd_vl.exists() else "dopd-vl", "build-data", "--task", "grounding",
                   "--source", str(refs), "--images", str(images), "--out", str(out), "--render", args.render]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"build failed ({result.returncode}):\n{result.stderr}")
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
        manifest = json.loads((out / "manifest.json").read_text())
        kept, rejected = manifest["counts"]["kept"], manifest["counts"]["rejected"]
        if rejected:
            print(f"warning: the generated source should build without rejects; {rejected} rejected: "
                  f"{manifest['counts']['rejected_by_reason']} (see {out / 'rejects.jsonl'})", file=sys.stderr)
        loop = manifest["seconds"]
        rows = [
            ("source", f"{args.expressions:,} expressions, {args.images:,} images (generated in {generated:.1f} s)"),
            ("command", " ".join(["dopd-vl"] + command[1:]).replace(str(work), "$WORK")),
            ("machine", f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"),
            ("records kept / rejected", f"{kept:,} / {rejected:,}"),
            ("build (load, check, write)", f"{loop:.1f} s = {(kept + rejected) / loop:,.0f} records/s"),
            ("whole process (with imports)", f"{wall:.1f} s = {(kept + rejected) / wall:,.0f} records/s"),
            ("peak memory (max RSS)", f"{peak_kib / 1024 ** 2:.2f} GiB"),
            ("goal", ">= 1,000 records/s, < 2 GiB"),
        ]
        width = max(len(name) for name, _ in rows)
        print(f"| {'measure'.ljust(width)} | value |\n|{'-' * (width + 2)}|---|")
        for name, value in rows:
            print(f"| {name.ljust(width)} | {value} |")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
