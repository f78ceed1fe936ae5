"""Synthetic tasks that need no download, seeded and deterministic: `shapes` (images of coloured shapes, questions
on location, colour and count, privileged boxes) and `arith` (multi-step arithmetic word problems, privileged step
hints with no results and no final answer). The tiny pairs train on them, tests and demos use them.

Answers are checkable by a rule: shapes answers are one word or a number, arith answers an integer.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from data_builders.build import BuildError, Source, choose_privileged, run_build
from dopd_vl.errors import DopdError
from dopd_vl.records import MANIFEST, SCHEMA_VERSION, record_from_dict

SYNTHETIC_TASKS = {"shapes": "boxes", "arith": "hints"}  # task -> its own privileged input

# ---------------------------------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------------------------------

IMAGE_SIDE = 96  # the tiny pair resizes images to at most 128x128 pixels; 96x96 is 9 image tokens
BACKGROUND = (245, 245, 240)
COLOURS = {"red": (220, 40, 40), "green": (30, 160, 60), "blue": (40, 80, 220), "yellow": (225, 190, 20),
           "purple": (130, 50, 170)}
SHAPES = ("circle", "square", "triangle")
QUADRANTS = ("top left", "top right", "bottom left", "bottom right")
LOCATION_CHOICES = "top left, top right, bottom left or bottom right"


def shapes_scene(rng: random.Random) -> list[dict]:
    """2 to 4 shapes, each alone in one quadrant of the image, so every location answer is unambiguous."""
    half = IMAGE_SIDE // 2
    objects = []
    for quadrant in rng.sample(range(4), rng.randint(2, 4)):
        size = rng.randint(16, 30)
        left = (quadrant % 2) * half + rng.randint(3, half - size - 3)
        top = (quadrant // 2) * half + rng.randint(3, half - size - 3)
        objects.append({"colour": rng.choice(list(COLOURS)), "shape": rng.choice(SHAPES),
                        "quadrant": QUADRANTS[quadrant], "box": (left, top, left + size, top + size)})
    return sorted(objects, key=lambda o: QUADRANTS.index(o["quadrant"]))


def draw_scene(objects: list[dict], path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (IMAGE_SIDE, IMAGE_SIDE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for obj in objects:
        x1, y1, x2, y2 = obj["box"]
        colour = COLOURS[obj["colour"]]
        if obj["shape"] == "circle":
            draw.ellipse((x1, y1, x2 - 1, y2 - 1), fill=colour)
        elif obj["shape"] == "square":
            draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=colour)
        else:
            draw.polygon([((x1 + x2) / 2, y1), (x1, y2 - 1), (x2 - 1, y2 - 1)], fill=colour)
    image.save(path, format="PNG")


def shapes_question(objects: list[dict], rng: random.Random) -> tuple[str, str, str]:
    """(kind, question, answer) about location, colour or count."""
    kind = rng.choice(("location", "colour", "count"))
    pairs = [(o["colour"], o["shape"]) for o in objects]
    unique = [o for o in objects if pairs.count((o["colour"], o["shape"])) == 1]
    if kind == "location" and not unique:
        kind = "colour"  # every shape has a twin: "where is the red circle?" would have two answers
    if kind == "location":
        target = rng.choice(unique)
        return kind, (f"Where is the {target['colour']} {target['shape']}? Answer with one of: "
                      f"{LOCATION_CHOICES}."), target["quadrant"]
    if kind == "colour":
        target = rng.choice(objects)
        return kind, f"What colour is the shape in the {target['quadrant']}? Answer with one word.", target["colour"]
    if rng.random() < 0.5:
        colour = rng.choice(list(COLOURS))
        count = sum(o["colour"] == colour for o in objects)
        return kind, f"How many {colour} shapes are there? Answer with a number.", str(count)
    shape = rng.choice(SHAPES)
    count = sum(o["shape"] == shape for o in objects)
    return kind, f"How many {shape}s are there? Answer with a number.", str(count)


def shapes_records(n: int, seed: int, privileged: str, work: Path):
    images = work / "images"
    images.mkdir(exist_ok=True)
    for index in range(n):
        rng = random.Random(seed * 1_000_003 + index)
        objects = shapes_scene(rng)
        kind, question, answer = shapes_question(objects, rng)
        name = f"images/shapes-s{seed}-{index:06d}.png"
        draw_scene(objects, work / name)
        own = {"boxes": [{"label": f"{o['colour']} {o['shape']}", "bbox_xyxy_px": list(o["box"])}
                         for o in objects]}
        yield record_from_dict({
            "id": f"shapes-s{seed}-{index:06d}", "task": "shapes", "question": question, "images": [name],
            "answer": answer, "privileged": choose_privileged(own, privileged, answer),
            "source": {"generator": "shapes", "seed": seed, "index": index, "kind": kind,
                       "where": f"shapes(seed={seed}):{index}"},
        })


# ---------------------------------------------------------------------------------------------------------------
# arith
# ---------------------------------------------------------------------------------------------------------------

NAMES = ("Ada", "Ben", "Chen", "Dara", "Eli", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kemi", "Luis")
ITEMS = ("apples", "pencils", "stickers", "marbles", "cards", "shells", "books", "stamps")


def _packs(rng):
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    packs, per_pack, had, given = rng.randint(2, 9), rng.randint(3, 12), rng.randint(1, 30), rng.randint(1, 15)
    question = (f"{name} has {had} {item} and buys {packs} packs of {item} with {per_pack} {item} in each pack. "
                f"Then {name} gives {given} {item} to a friend. How many {item} does {name} have now?")
    hints = [f"Find how many {item} are in the packs: multiply {packs} by {per_pack}.",
             f"Add the {had} {item} {name} had before buying.",
             f"Subtract the {given} {item} given to the friend."]
    return question, hints, packs * per_pack + had - given


def _wages(rng):
    name = rng.choice(NAMES)
    rate, days, spent = rng.randint(5, 40), rng.randint(2, 7), rng.randint(1, 50)
    question = (f"{name} earns {rate} dollars a day for {days} days and then spends {spent} dollars on a game. "
                f"How many dollars does {name} have left?")
    hints = [f"Find the total earned: multiply {rate} dollars by {days} days.",
             f"Subtract the {spent} dollars spent on the game from that total."]
    return question, hints, rate * days - spent


def _sharing(rng):
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    friends, each, boxes = rng.randint(2, 6), rng.randint(2, 9), rng.randint(2, 6)
    per_box = friends * each  # so the total always divides evenly
    extra = rng.randint(1, 20)
    question = (f"{name} has {boxes} boxes with {per_box} {item} in each box and finds {extra} more {item}. "
                f"{name} keeps the {extra} found {item} and shares the boxed {item} equally among {friends} friends. "
                f"How many {item} does each friend get?")
    hints = [f"Find how many {item} are in the boxes: multiply {boxes} by {per_box}.",
             f"The {extra} found {item} are kept, so leave them out.",
             f"Divide the boxed {item} equally among the {friends} friends."]
    return question, hints, boxes * per_box // friends


def _bus(rng):
    start, off, on, factor = rng.randint(10, 40), rng.randint(1, 9), rng.randint(1, 15), rng.randint(2, 3)
    word = {2: "doubles", 3: "triples"}[factor]
    question = (f"A bus leaves with {start} passengers. At the first stop {off} passengers get off and {on} get on. "
                f"At the second stop the number of passengers {word}. How many passengers are on the bus now?")
    hints = [f"After the first stop: take away the {off} who got off and add the {on} who got on.",
             f"At the second stop the number {word}: apply that to the count after the first stop."]
    return question, hints, (start - off + on) * factor


ARITH_TEMPLATES = (_packs, _wages, _sharing, _bus)
_INTEGER = re.compile(r"\d+")


def arith_problem(rng: random.Random) -> tuple[str, str, list[str], str]:
    """(template name, word problem, step hints, integer answer). The hints use only numbers that are in the question
    (no intermediate result, no final answer); a draw whose answer happens to equal a number in the hints is
    redrawn, so a hint can never be read as the answer."""
    while True:
        template = rng.choice(ARITH_TEMPLATES)
        question, hints, answer = template(rng)
        hint_numbers = {n for hint in hints for n in _INTEGER.findall(hint)}
        if str(answer) not in hint_numbers and answer >= 0:
            return template.__name__.strip("_"), question, hints, str(answer)


def arith_records(n: int, seed: int, privileged: str):
    for index in range(n):
        rng = random.Random(seed * 1_000_003 + index)
        template, question, hints, answer = arith_problem(rng)
        yield record_from_dict({
            "id": f"arith-s{seed}-{index:06d}", "task": "arith", "question": question, "answer": answer,
            "privileged": choose_privileged({"hints": hints}, privileged, answer),
            "source": {"generator": "arith", "template": template, "seed": seed, "index": index,
                       "where": f"arith(seed={seed}):{index}"},
        })


# ---------------------------------------------------------------------------------------------------------------
# the builder
# ---------------------------------------------------------------------------------------------------------------

def synthetic_source(task: str, n: int, seed: int, privileged: str):
    def make_source(work: Path) -> Source:
        items = shapes_records(n, seed, privileged, work) if task == "shapes" else arith_records(n, seed, privileged)
        return Source(items=items, files=[], image_root=None, total=n,
                      details={"format": f"synthetic {task}", "seed": seed})
    return make_source


def build_synthetic(task: str, out: Path, n: int, seed: int, privileged: str | None = None, *,
                    render: str = "text", overwrite: bool = False, show_progress: bool | None = None) -> Path:
    """Build `n` records of a synthetic task into `out` and return `out`.

    `privileged`: None for the task's own input (boxes for shapes, hints for arith), "answer" or "none" for the
    ablations. The generators are deterministic, so a folder already built with the same options is reused."""
    if task not in SYNTHETIC_TASKS:
        raise DopdError(f"unknown synthetic task {task!r}; choose one of {', '.join(SYNTHETIC_TASKS)}")
    own = SYNTHETIC_TASKS[task]
    privileged = privileged or own
    if privileged not in (own, "answer", "none"):
        raise DopdError(f"--privileged {privileged} does not apply to {task}; choose {own}, answer or none")
    if n < 1:
        raise DopdError(f"--limit must be at least 1 for {task}, got {n}")
    out = Path(out)
    options = {"task": task, "limit": n, "seed": seed, "privileged": privileged, "render": render}
    if out.exists() and not overwrite and _same_build(out, options):
        return out
    try:
        run_build(task, synthetic_source(task, n, seed, privileged), out, options, overwrite=overwrite,
                  show_progress=show_progress)
    except BuildError:
        if not overwrite and _same_build(out, options):
            return out  # another process (e.g. another rank) built the same folder first
        raise
    return out


def _same_build(out: Path, options: dict) -> bool:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("schema_version") == SCHEMA_VERSION and manifest.get("options") == options
