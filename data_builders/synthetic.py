"""Synthetic tasks that need no download, seeded and deterministic: `shapes` (images of coloured shapes, questions
on location, colour and count, privileged boxes) and `arith` (multi-step arithmetic word problems, privileged step
hints with no results and no final answer). The tiny pairs are trained on them (`lab/sft.py`), the privilege lab
(`lab/privilege.py`) distils on them, tests and demos use them.

Answers are checkable by a rule: shapes answers are one word, a named location or a number, arith answers an integer.
Each record's `source.solution` is the response the tiny models are trained to write: worked steps that end in "The
answer is ...": for shapes, what the image shows that decides the question, then the answer; for arith, one step
per sentence. Two splits, disjoint by content: `train` and a held-out `test` split (no privileged input unless
asked for), for evaluation.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
from pathlib import Path

from data_builders.build import BuildError, Source, choose_privileged, run_build
from dopd_vl.errors import DopdError
from dopd_vl.records import MANIFEST, SCHEMA_VERSION, record_from_dict

SYNTHETIC_TASKS = {"shapes": "boxes", "arith": "hints"}  # task -> its own privileged input
# Per task: bump a task's version when its generator's output changes; its folders and the tiny pair trained on it
# are then rebuilt, and the other task's stay valid.
GENERATOR_VERSIONS = {"shapes": 7, "arith": 6}

# ---------------------------------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------------------------------

IMAGE_SIDE = 128  # the tiny pair's largest image: 4x4 image tokens of 32x32 pixels, 2x2 per quadrant
BACKGROUND = (245, 245, 240)
COLOURS = {"red": (220, 40, 40), "green": (30, 160, 60), "blue": (40, 80, 220), "yellow": (225, 190, 20),
           "purple": (130, 50, 170)}
SHAPES = ("circle", "square", "triangle")
QUADRANTS = ("top left", "top right", "bottom left", "bottom right")
LOCATION_CHOICES = "top left, top right, bottom left or bottom right"


def shapes_scene(rng: random.Random) -> list[dict]:
    """1 or 2 shapes, each alone in one quadrant of the image, so every location answer is unambiguous. (A tiny vision
    tower trained for a minute on a CPU learns colours, shapes and places of one or two objects, not of four.)"""
    half = IMAGE_SIDE // 2
    objects = []
    for quadrant in rng.sample(range(4), rng.randint(1, 2)):
        size = rng.randint(IMAGE_SIDE // 6, IMAGE_SIDE // 3)
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


def shapes_question(objects: list[dict], rng: random.Random) -> tuple[str, str, str, str]:
    """(kind, question, answer, worked solution) about location, colour or count.

    The solution says what the image shows that decides the question (what the privileged boxes and regions tell),
    then gives the answer:
    location: "The red circle is in the top left. The answer is top left."
    colour:   "The shape in the top right is a blue square. The answer is blue."
    count:    "I see a red circle and a blue square. The answer is 1."
    """
    kind = rng.choice(("location", "colour", "count"))
    pairs = [(o["colour"], o["shape"]) for o in objects]
    unique = [o for o in objects if pairs.count((o["colour"], o["shape"])) == 1]
    if kind == "location" and not unique:
        kind = "colour"  # every shape has a twin: "where is the red circle?" would have two answers
    if kind == "location":
        target = rng.choice(unique)
        question = f"Where is the {target['colour']} {target['shape']}? Answer with one of: {LOCATION_CHOICES}."
        seen, answer = f"The {target['colour']} {target['shape']} is in the {target['quadrant']}.", target["quadrant"]
    elif kind == "colour":
        target = rng.choice(objects)
        question = f"What colour is the shape in the {target['quadrant']}? Answer with one word."
        seen = f"The shape in the {target['quadrant']} is a {target['colour']} {target['shape']}."
        answer = target["colour"]
    else:
        seen = "I see " + " and ".join(f"a {o['colour']} {o['shape']}" for o in objects) + "."
        if rng.random() < 0.5:
            colour = rng.choice(list(COLOURS))
            question = f"How many {colour} shapes are there? Answer with a number."
            answer = str(sum(o["colour"] == colour for o in objects))
        else:
            shape = rng.choice(SHAPES)
            question = f"How many {shape}s are there? Answer with a number."
            answer = str(sum(o["shape"] == shape for o in objects))
    return kind, question, answer, f"{seen} The answer is {answer}."


def shapes_draw(rng: random.Random) -> tuple[list[dict], str, str, str, str]:
    objects = shapes_scene(rng)
    return (objects, *shapes_question(objects, rng))


def shapes_key(draw) -> str:
    """What makes a shapes item itself: the scene and the question (the held-out split never shares one)."""
    objects, kind, question, answer, solution = draw
    return json.dumps([[o["colour"], o["shape"], o["quadrant"], list(o["box"])] for o in objects]) + question


def shapes_records(n: int, seed: int, privileged: str, work: Path, split: str = "train"):
    images = work / "images"
    images.mkdir(exist_ok=True)
    for index, (position, draw) in enumerate(split_draws(n, seed, split, shapes_draw, shapes_key)):
        objects, kind, question, answer, solution = draw
        identifier = record_id("shapes", split, seed, index)
        name = f"images/{identifier}.png"
        draw_scene(objects, work / name)
        # the boxes, and where each object is in the question's words: a tiny model cannot turn box coordinates
        # into a quadrant, so without the regions the boxes would tell it nothing its eyes do not
        own = {"boxes": [{"label": f"{o['colour']} {o['shape']}", "bbox_xyxy_px": list(o["box"])}
                         for o in objects],
               "annotations": {"regions": [f"{o['colour']} {o['shape']}: {o['quadrant']}" for o in objects]}}
        yield record_from_dict({
            "id": identifier, "task": "shapes", "question": question, "images": [name],
            "answer": answer, "privileged": choose_privileged(own, privileged, answer),
            "source": {"generator": "shapes", "seed": seed, "split": split, "index": position, "kind": kind,
                       "solution": solution, "where": f"shapes(seed={seed}):{position}"},
        })


# ---------------------------------------------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------------------------------------------

SPLITS = ("train", "test")
HELD_OUT_EVERY = 8  # one item in 8 (by a hash of its content) belongs to the held-out test split


def held_out(key: str) -> bool:
    return hashlib.sha256(key.encode()).digest()[0] % HELD_OUT_EVERY == 0


def split_draws(n: int, seed: int, split: str, draw, key):
    """The first `n` draws of `split`: (position, item) for positions 0, 1, ... of the seeded stream whose item
    belongs to the split. Membership is a function of the item's content (`key`), not of the seed or position, so
    no question (with its scene) is ever in both splits, whatever seeds built them."""
    if split not in SPLITS:
        raise DopdError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    found = 0
    for position in itertools.count():
        item = draw(random.Random(seed * 1_000_003 + position))
        if held_out(key(item)) == (split == "test"):
            yield position, item
            found += 1
            if found == n:
                return


def record_id(task: str, split: str, seed: int, index: int) -> str:
    return f"{task}-s{seed}-{index:06d}" if split == "train" else f"{task}-{split}-s{seed}-{index:06d}"


# ---------------------------------------------------------------------------------------------------------------
# arith
# ---------------------------------------------------------------------------------------------------------------

NAMES = ("Ada", "Ben", "Chen", "Dara", "Eli", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kemi", "Luis")
ITEMS = ("apples", "pencils", "stickers", "marbles", "cards", "shells", "books", "stamps")
GAIN_VERBS = ("buys", "finds", "gets", "wins")
LOSS_VERBS = ("gives away", "loses", "sells", "eats")
OPERATION_WORDS = {"+": "Add", "-": "Subtract", "*": "Multiply by"}
OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
ARITH_MAX_VALUE = 9  # every number and intermediate result is one digit: a tiny model learns the facts in a minute

# Each template returns (sentences, question, start, steps): the problem is `start`, then each (operation, number)
# of `steps` in turn. `change` and `bus` state their steps in order (`change` sometimes with someone else's count as a
# distractor); `transfer` and `packs` name two people and ask about one of them, so the plan (which numbers, which
# operation) takes reading the question, not only arithmetic: that is what the step hints give away.


def _change(rng, name, other, item):
    start, other_count = rng.randint(1, 9), rng.randint(1, 9)
    steps, sentences = [], [f"{name} has {start} {item}."]
    for operation in rng.choice(["+-", "-+", "++", "--"]):
        number = rng.randint(1, 9)
        steps.append((operation, number))
        sentences.append(f"{name} {rng.choice(GAIN_VERBS)} {number} more." if operation == "+"
                         else f"{name} {rng.choice(LOSS_VERBS)} {number}.")
    if rng.random() < 0.5:  # a distractor: someone else's count
        sentences.insert(rng.randint(0, len(sentences)), f"{other} has {other_count} {item}.")
    return sentences, f"How many {item} does {name} have now?", start, steps


def _transfer(rng, name, other, item):
    given, received = rng.randint(2, 9), rng.randint(1, 8)
    gift = rng.randint(1, given)
    asked = rng.choice((name, other))
    sentences = [f"{name} has {given} {item}.", f"{other} has {received} {item}.",
                 f"{name} gives {gift} {item} to {other}."]
    if asked == name:
        return sentences, f"How many {item} does {name} have now?", given, [("-", gift)]
    return sentences, f"How many {item} does {other} have now?", received, [("+", gift)]


def _packs(rng, name, other, item):
    packs, per_pack, other_packs, other_per_pack = (rng.randint(2, 4) for _ in range(4))
    asked = rng.choice((name, other))
    sentences = [f"{name} buys {packs} packs with {per_pack} {item} in each pack.",
                 f"{other} buys {other_packs} packs with {other_per_pack} in each pack."]
    start, factor = (packs, per_pack) if asked == name else (other_packs, other_per_pack)
    return sentences, f"How many {item} does {asked} have?", start, [("*", factor)]


def _bus(rng, name, other, item):
    start, off, on = rng.randint(2, 9), rng.randint(1, 9), rng.randint(1, 9)
    sentences = [f"A bus has {start} people.", f"At the stop {off} get off and {on} get on."]
    return sentences, "How many people are on the bus now?", start, [("-", off), ("+", on)]


ARITH_TEMPLATES = (_change, _transfer, _packs, _bus)
_INTEGER = re.compile(r"\d+")


def arith_problem(rng: random.Random) -> tuple[str, str, list[str], str, str]:
    """(template name, word problem, step hints, worked solution, integer answer).

    The template is drawn first, uniformly, then its numbers until they fit: every number and intermediate result in
    0..ARITH_MAX_VALUE, and an answer that is none of the numbers in the hints. The hints give the plan (the starting
    number, then each operation with its number) and use only numbers that are in the question: no intermediate
    result, no final answer. The solution is the working the models are trained to write, one step per sentence,
    ending in "The answer is N." (`2 * 4 = 8. 8 - 3 = 5. The answer is 5.`).
    """
    template = rng.choice(ARITH_TEMPLATES)
    while True:
        name, other = rng.sample(NAMES, 2)
        sentences, question, start, steps = template(rng, name, other, rng.choice(ITEMS))
        value, working = start, []
        for operation, number in steps:
            result = OPERATIONS[operation](value, number)
            working.append(f"{value} {operation} {number} = {result}.")
            value = result
            if not 0 <= value <= ARITH_MAX_VALUE:
                break
        if not 0 <= value <= ARITH_MAX_VALUE:
            continue
        hints = [f"Start from {start}."] + [f"{OPERATION_WORDS[op]} {number}." for op, number in steps]
        hint_numbers = {n for hint in hints for n in _INTEGER.findall(hint)}
        if str(value) in hint_numbers:
            continue
        solution = " ".join(working + [f"The answer is {value}."])
        return template.__name__.strip("_"), " ".join(sentences + [question]), hints, solution, str(value)


def arith_records(n: int, seed: int, privileged: str, split: str = "train"):
    for index, (position, draw) in enumerate(split_draws(n, seed, split, arith_problem, lambda draw: draw[1])):
        template, question, hints, solution, answer = draw
        yield record_from_dict({
            "id": record_id("arith", split, seed, index), "task": "arith", "question": question, "answer": answer,
            "privileged": choose_privileged({"hints": hints}, privileged, answer),
            "source": {"generator": "arith", "template": template, "seed": seed, "split": split,
                       "index": position, "solution": solution, "where": f"arith(seed={seed}):{position}"},
        })


# ---------------------------------------------------------------------------------------------------------------
# the builder
# ---------------------------------------------------------------------------------------------------------------

def synthetic_source(task: str, n: int, seed: int, privileged: str, split: str = "train"):
    def make_source(work: Path) -> Source:
        items = (shapes_records(n, seed, privileged, work, split) if task == "shapes"
                 else arith_records(n, seed, privileged, split))
        return Source(items=items, files=[], image_root=None, total=n,
                      details={"format": f"synthetic {task}", "seed": seed, "split": split})
    return make_source


def default_privileged(task: str, split: str) -> str:
    """The task's own privileged input on the train split, nothing on the held-out test split."""
    return SYNTHETIC_TASKS[task] if split == "train" else "none"


def build_synthetic(task: str, out: Path, n: int, seed: int, privileged: str | None = None, *,
                    split: str = "train", render: str = "text", overwrite: bool = False,
                    show_progress: bool | None = None) -> Path:
    """Build `n` records of a synthetic task into `out` and return `out`.

    `privileged`: None for the task's own input (boxes for shapes, hints for arith) on the train split and nothing
    on the held-out test split, or "answer" / "none" (the ablations) / the task's own input explicitly. `split`:
    "train" or "test", disjoint by content (see `split_draws`). The generators are deterministic, so a folder
    already built with the same options is reused."""
    if task not in SYNTHETIC_TASKS:
        raise DopdError(f"unknown synthetic task {task!r}; choose one of {', '.join(SYNTHETIC_TASKS)}")
    own = SYNTHETIC_TASKS[task]
    privileged = privileged or default_privileged(task, split)
    if privileged not in (own, "answer", "none"):
        raise DopdError(f"--privileged {privileged} does not apply to {task}; choose {own}, answer or none")
    if split not in SPLITS:
        raise DopdError(f"unknown split {split!r} for {task}; choose one of {', '.join(SPLITS)}")
    if n < 1:
        raise DopdError(f"--limit must be at least 1 for {task}, got {n}")
    out = Path(out)
    options = {"task": task, "limit": n, "seed": seed, "privileged": privileged, "render": render, "split": split,
               "generator_version": GENERATOR_VERSIONS[task]}
    if out.exists() and not overwrite and _same_build(out, options):
        return out
    overwrite = overwrite or _older_generator(out, options)
    try:
        run_build(task, synthetic_source(task, n, seed, privileged, split), out, options, overwrite=overwrite,
                  show_progress=show_progress)
    except BuildError:
        if not overwrite and _same_build(out, options):
            return out  # another process (e.g. another rank) built the same folder first
        raise
    return out


def _manifest_options(out: Path) -> dict | None:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("options") if manifest.get("schema_version") == SCHEMA_VERSION else None


def _same_build(out: Path, options: dict) -> bool:
    return _manifest_options(out) == options


def _older_generator(out: Path, options: dict) -> bool:
    """A folder built with the same options by an older generator (a cache from before an upgrade): rebuilt in
    place rather than refused, as other differing options are."""
    old = _manifest_options(out)
    if old is None or old.get("generator_version", 0) >= options["generator_version"]:
        return False
    settled = {"generator_version": None, "split": "train"}
    return {**settled, **old, "generator_version": None} == {**settled, **options, "generator_version": None}
