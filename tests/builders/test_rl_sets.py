"""RL training-set readers (data_builders/rl_sets.py): verl / EasyR1 parquet, ViRL39K, RaR-Science, Skywork-OR1."""

import io
import json
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import save_image, write_jsonl
from PIL import Image

from data_builders.build import SourceError, run_build
from data_builders.rl_sets import detect_rl_format, rl_source
from dopd_vl.records import load_records, render_messages

IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])  # the datasets Image feature in parquet
MESSAGES = pa.list_(pa.struct([("content", pa.string()), ("role", pa.string())]))
REWARD = pa.struct([("ground_truth", pa.string()), ("style", pa.string())])
RED, BLUE = (255, 0, 0), (0, 0, 255)


def encoded(colour, fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(buffer, format=fmt)
    return {"bytes": buffer.getvalue(), "path": f"x.{fmt.lower()}"}


def options(source, **changes):
    return SimpleNamespace(**{"source": source, "images": None, "format": None, "limit": None, "privileged": None,
                              **changes})


def build(opts, out):
    run_build("rl", rl_source(opts), out, {})
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    return {record.id: record for record in load_records(out)}, {r["where"]: r for r in rejects}


def colour(path):
    """RED or BLUE by the dominant channel (JPEG does not keep exact values)."""
    with Image.open(path) as image:
        red, _, blue = image.convert("RGB").getpixel((0, 0))
    return RED if red > 200 > blue else BLUE if blue > 200 > red else (red, blue)


def user(text, system=None):
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]


@pytest.fixture
def verl_parquet(tmp_path):
    """geo3k / DAPO-style rows as verl's preprocessors write them, five of them bad."""
    rows = [
        (user("<image>\nFind $x$."), [encoded(RED)], "12"),
        (user("Which is larger, <image> or <image>?"), [encoded(RED), encoded(BLUE, "JPEG")], "B"),
        (user("What is 2+3?", system="Think step by step."), [], "5"),
        ([{"role": "system", "content": "Be brief."}], [], "1"),                      # 3: no user turn
        (user("   "), [], "1"),                                                         # 4: empty question
        (user("<image>Name it."), [{"bytes": b"not an image", "path": "x.png"}], "1"),  # 5: undecodable bytes
        (user("<image>Compare."), [encoded(RED), encoded(BLUE)], "1"),                 # 6: 1 placeholder, 2 images
        (user("What is 1+1?"), [], None),                                               # 7: no ground truth
        (user("Hi") + [{"role": "assistant", "content": "Hello"}], [], "1"),           # 8: a conversation
    ]
    table = pa.table({
        "data_source": ["hiyouga/geometry3k"] * len(rows),
        "prompt": pa.array([r[0] for r in rows], MESSAGES),
        "images": pa.array([r[1] for r in rows], pa.list_(IMAGE)),
        "ability": ["math"] * len(rows),
        "reward_model": pa.array([{"ground_truth": r[2], "style": "rule"} for r in rows], REWARD),
        "extra_info": [{"split": "train", "index": i, "question": "q"} for i in range(len(rows))],
    })
    path = tmp_path / "train.parquet"
    pq.write_table(table, path)
    return path


def test_verl_parquet_records_and_rejects(verl_parquet, tmp_path):
    assert detect_rl_format(verl_parquet, pq.read_table(verl_parquet).to_pylist()[0]) == "verl"
    records, rejects = build(options(verl_parquet), tmp_path / "out")
    assert sorted(records) == ["train-0", "train-1", "train-2"]
    one, two, text = records["train-0"], records["train-1"], records["train-2"]
    assert (one.question, one.answer, one.task) == ("Find $x$.", "12", "math")
    assert [colour(p) for p in one.images] == [RED]
    assert two.question == "Which is larger, <image 1> or <image 2>?"
    assert [p.rsplit("/", 2)[-2:] for p in two.images] == [["images", "train-1-1.png"], ["images", "train-1-2.jpg"]]
    assert [colour(p) for p in two.images] == [RED, BLUE]  # in the order the row lists them
    assert text.question == "What is 2+3?" and text.images == () and text.source["system_prompt"] == \
        "Think step by step."
    assert one.source["data_source"] == "hiyouga/geometry3k" and one.source["reward_style"] == "rule"
    assert one.source["extra_info"] == {"split": "train", "index": 0, "question": "q"}
    assert all(r.privileged.is_empty() for r in records.values())
    assert len(list((tmp_path / "out" / "images").iterdir())) == 3  # rejected rows wrote no images
    expected = {3: ("prompt", "missing_field"), 4: ("prompt[0].content", "empty_question"),
                5: ("images[0]", "bad_image"), 6: ("images", "image_count_mismatch"),
                7: ("reward_model.ground_truth", "missing_answer"), 8: ("prompt", "multi_turn_prompt")}
    assert {where: (r["field"], r["reason"]) for where, r in rejects.items()} == \
        {f"{verl_parquet}:row {row}": value for row, value in expected.items()}
    bad = rejects[f"{verl_parquet}:row 6"]
    assert bad["id"] == "train-6" and "1 <image> placeholder(s) but the row has 2 image(s)" in bad["message"]
    assert f"record 'train-6' ({verl_parquet}:row 6), field 'images'" in bad["message"]


def test_verl_limit_reads_only_the_first_rows(verl_parquet, tmp_path):
    records, rejects = build(options(verl_parquet, limit=2), tmp_path / "out")
    assert sorted(records) == ["train-0", "train-1"] and rejects == {}


def test_verl_image_paths_answer_lists_and_images_folder(tmp_path):
    root = tmp_path / "root"
    save_image(root / "pics" / "a.png", (10, 10), RED)
    rows = [{"prompt": user("<image>How many apples?"), "images": ["pics/a.png"], "ability": "math",
             "reward_model": {"ground_truth": ["3", "three"], "style": "rule"},
             "extra_info": {"index": "q-a", "notes": "x" * 5000}},
            {"prompt": user("<image>And pears?"), "images": ["pics/missing.png"], "ability": "math",
             "reward_model": {"ground_truth": "2", "style": "rule"}, "extra_info": {"index": 7}}]
    source = write_jsonl(tmp_path / "data" / "fruit.jsonl", rows)
    records, rejects = build(options(source, images=root), tmp_path / "out")
    (record,) = records.values()
    assert record.id == "q-a" and record.images == (str(root / "pics" / "a.png"),)
    assert record.answer == "3" and record.source["answers"] == ["3", "three"]
    assert record.source["extra_info"] == {"index": "q-a"}  # the long value is left out
    (reject,) = rejects.values()
    assert (reject["id"], reject["where"], reject["field"], reject["reason"]) == \
        ("fruit-7", f"{source}:2", "images[0]", "missing_image")


def test_easyr1_plain_problem_answer_images(tmp_path):
    table = pa.table({"images": pa.array([[encoded(BLUE)]], pa.list_(IMAGE)),
                      "problem": ["<image>Find the value of x."], "answer": ["12"]})
    path = tmp_path / "train-00000-of-00001.parquet"
    pq.write_table(table, path)
    records, rejects = build(options(path), tmp_path / "out")
    (record,) = records.values()
    assert (record.id, record.question, record.answer, record.task) == \
        ("train-00000-of-00001-0", "Find the value of x.", "12", "rl")
    assert [colour(p) for p in record.images] == [BLUE] and rejects == {}


@pytest.fixture
def virl39k(tmp_path):
    """39Krelease.parquet with the unzipped images/ folder beside it."""
    folder = tmp_path / "ViRL39K"
    save_image(folder / "images" / "Processed-a-0.jpg", (20, 10), RED)
    save_image(folder / "images" / "Processed-b-0.png", (20, 10), BLUE)
    rows = [("MMK12-1", "<image>\nWhat is the angle?", "\\boxed{17^\\circ}", ["images/Processed-a-0.jpg"], None),
            ("M3CoT-2", "<image> <image> Which one is symmetric?", "\\boxed{B}",
             ["images/Processed-a-0.jpg", "images/Processed-b-0.png"], 0.25),
            ("gone-3", "<image>Count the cubes.", "\\boxed{4}", ["images/Processed-missing.jpg"], 0.5),
            ("nobox-4", "<image>Count the cubes.", "", ["images/Processed-a-0.jpg"], 0.5)]
    table = pa.table({
        "question": [r[1] for r in rows], "answer": [r[2] for r in rows],
        "PassRate_32BTrained": [0.5] * len(rows), "PassRate_7BBase": pa.array([r[4] for r in rows], pa.float64()),
        "category": ["(GradeSchool) Geometric"] * len(rows), "source": ["MMK12"] * len(rows),
        "qid": [r[0] for r in rows], "image": pa.array([r[3] for r in rows], pa.list_(pa.string())),
    })
    path = folder / "39Krelease.parquet"
    pq.write_table(table, path)
    return path


def test_virl39k_records(virl39k, tmp_path):
    assert detect_rl_format(virl39k, pq.read_table(virl39k).to_pylist()[0]) == "virl39k"
    records, rejects = build(options(virl39k), tmp_path / "out")
    angle, pair = records["MMK12-1"], records["M3CoT-2"]
    assert (angle.question, angle.answer, angle.task) == ("What is the angle?", "17^\\circ", "virl39k")
    assert angle.images == (str(virl39k.parent / "images" / "Processed-a-0.jpg"),)
    assert angle.source["answer_raw"] == "\\boxed{17^\\circ}" and angle.source["data_source"] == "MMK12"
    assert angle.source["category"] == "(GradeSchool) Geometric" and angle.source["PassRate_7BBase"] is None
    assert pair.question == "<image 1> <image 2> Which one is symmetric?"
    assert [colour(p) for p in pair.images] == [RED, BLUE] and pair.source["PassRate_7BBase"] == 0.25
    assert {where: (r["id"], r["field"], r["reason"]) for where, r in rejects.items()} == {
        f"{virl39k}:row 2": ("gone-3", "images[0]", "missing_image"),
        f"{virl39k}:row 3": ("nobox-4", "answer", "missing_answer")}
    # --images may also name the unzipped images/ folder itself
    again, _ = build(options(virl39k, images=virl39k.parent / "images"), tmp_path / "again")
    assert again["MMK12-1"].images == angle.images


@pytest.fixture
def rar_parquet(tmp_path):
    rubric = [{"description": "Essential Criteria: Identifies Rayleigh scattering as the cause of the blue colour.",
               "title": "Rayleigh scattering", "weight": 5},
              {"description": "Pitfall Criteria: Does not claim that the sky reflects the colour of the ocean.",
               "title": "Ocean myth", "weight": -1}]
    item = pa.struct([("description", pa.string()), ("title", pa.string()), ("weight", pa.int64())])
    table = pa.table({
        "question": ["Why is the sky blue during the day?", "What is entropy?"],
        "reference_answer": ["Shorter wavelengths scatter more strongly off air molecules (Rayleigh).", "A measure."],
        "question_source": ["Meta/natural_reasoning"] * 2,
        "rubric": pa.array([rubric, []], pa.list_(item)),
        "rubric_list": [[r["description"] for r in rubric], []], "rubric_count": [2, 0],
    })
    path = tmp_path / "train-00000-of-00001.parquet"
    pq.write_table(table, path)
    return path


def test_rar_rubric_is_metadata_unless_asked_for(rar_parquet, tmp_path):
    assert detect_rl_format(rar_parquet, pq.read_table(rar_parquet).to_pylist()[0]) == "rar"
    records, rejects = build(options(rar_parquet), tmp_path / "plain")
    (record,) = records.values()
    assert record.task == "rar" and record.answer.startswith("Shorter wavelengths")
    assert record.privileged.is_empty() and [r["weight"] for r in record.source["rubric"]] == [5, -1]
    assert record.source["question_source"] == "Meta/natural_reasoning"
    assert render_messages(record, "privileged") == render_messages(record, "student")
    (reject,) = rejects.values()
    assert (reject["where"], reject["field"], reject["reason"]) == (f"{rar_parquet}:row 1", "rubric", "missing_field")

    records, _ = build(options(rar_parquet, privileged="rubric"), tmp_path / "rubric")
    (record,) = records.values()
    lines = ["Essential Criteria: Identifies Rayleigh scattering as the cause of the blue colour. (weight 5)",
             "Pitfall Criteria: Does not claim that the sky reflects the colour of the ocean. (weight -1)"]
    assert record.privileged.annotations == {"rubric": lines}
    student = json.dumps(render_messages(record, "student"))
    privileged = render_messages(record, "privileged")[0]["content"]
    assert all(line in privileged for line in lines) and "Rayleigh scattering as the cause" not in student


def test_skywork_math_and_code_rows_keep_tests_out_of_prompts(tmp_path):
    difficulty = pa.struct([(name, pa.int64()) for name in ("DeepSeek-R1-Distill-Qwen-1.5B",
                                                            "DeepSeek-R1-Distill-Qwen-32B",
                                                            "DeepSeek-R1-Distill-Qwen-7B")])
    extra = pa.struct([("index", pa.int64()), ("model_difficulty", difficulty)])
    tests = {"inputs": ["SECRET_INPUT_7319\n"], "outputs": ["SECRET_OUTPUT_4422\n"], "fn_name": ""}

    def split(name, ability, prompts, truths):
        levels = {"DeepSeek-R1-Distill-Qwen-1.5B": 3, "DeepSeek-R1-Distill-Qwen-32B": 16,
                  "DeepSeek-R1-Distill-Qwen-7B": 8}
        table = pa.table({
            "data_source": [f"train-{name}"] * len(prompts), "prompt": pa.array([user(p) for p in prompts], MESSAGES),
            "ability": [ability] * len(prompts),
            "reward_model": pa.array([{"ground_truth": t, "style": "rule"} for t in truths], REWARD),
            "extra_info": pa.array([{"index": i, "model_difficulty": levels} for i in range(len(prompts))], extra)})
        path = tmp_path / f"{name}-00000-of-00001.parquet"
        pq.write_table(table, path)
        return path

    math = split("math", "math", ["Compute $1+2$."], ['["3", "3.0"]'])
    code = split("code", "code", ["Read two integers and print their sum."] * 3,
                 [json.dumps(tests), "{not json", "{}"])
    for path in (math, code):
        assert detect_rl_format(path, pq.read_table(path).to_pylist()[0]) == "skywork-or1"
    records, rejects = build(options(math), tmp_path / "math")
    (record,) = records.values()
    assert (record.id, record.task, record.answer) == ("math-00000-of-00001-0", "math", "3")
    assert record.source["answers"] == ["3", "3.0"]
    assert record.source["extra_info"]["model_difficulty"]["DeepSeek-R1-Distill-Qwen-7B"] == 8 and rejects == {}

    records, rejects = build(options(code), tmp_path / "code")
    (record,) = records.values()
    assert (record.task, record.answer, record.source["tests"]) == ("code", None, tests)
    for view in ("student", "privileged"):
        rendered = json.dumps(render_messages(record, view))
        assert "SECRET_INPUT_7319" not in rendered and "SECRET_OUTPUT_4422" not in rendered
    assert {where: (r["field"], r["reason"]) for where, r in rejects.items()} == {
        f"{code}:row 1": ("reward_model.ground_truth", "bad_tests"),
        f"{code}:row 2": ("reward_model.ground_truth", "missing_answer")}


def test_unknown_layout_names_the_file_and_its_fields(tmp_path):
    source = write_jsonl(tmp_path / "odd.jsonl", [{"text": "hello", "label": 1}])
    assert detect_rl_format(source, {"text": "hello", "label": 1}) is None
    assert detect_rl_format(source, {"problem": "p", "solution": "s", "answer": "1"}) is None  # a hints source
    with pytest.raises(SourceError, match=r"odd\.jsonl: cannot tell the RL layout from its fields \['label', 'text'\]"):
        run_build("rl", rl_source(options(source)), tmp_path / "out", {})
    with pytest.raises(SourceError, match="--format gsm8k is not an RL training-set format"):
        run_build("rl", rl_source(options(source, format="gsm8k")), tmp_path / "out", {})
    assert not (tmp_path / "out").exists()
