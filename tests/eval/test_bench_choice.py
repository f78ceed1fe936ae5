"""The vision question-answering benchmarks (eval/benchmarks/choice.py) on tiny copies of their published layouts:
loading, prompts, missing and malformed data, the scoring rules and the per-category summaries."""

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dopd_vl.rollout import conversation_images
from eval.base import Doc, EvalError
from eval.benchmarks import BENCHMARKS
from eval.benchmarks.choice import (LETTER_INSTRUCTION, OPEN_INSTRUCTION, VISION_INSTRUCTION, choice_labels,
                                    dynamath_prompt, open_answer_correct, parse_answer_list)
from eval.harness import document_hash
from fixtures.choice import SECRET, WRITERS

COUNTS = {"realworldqa": 4, "mmstar": 3, "mathvision": 4, "mathvision_mini": 2, "dynamath": 30, "logicvista": 5,
          "mmmu": 31, "mmmu_pro_standard": 3, "mmmu_pro_vision": 2}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("choice-data")
    for write in set(WRITERS.values()):
        write(folder)
    return folder


@pytest.fixture(scope="module")
def docs(data_dir):
    return {name: BENCHMARKS[name].load(data_dir, None) for name in COUNTS}


def doc_by_id(docs, name, doc_id) -> Doc:
    return next(d for d in docs[name] if d.doc_id == doc_id)


def prompt_text(doc: Doc) -> str:
    return "".join(p["text"] for m in doc.messages for p in m["content"] if p["type"] == "text")


def image_refs(doc: Doc) -> list[str]:
    return [p["ref"] for m in doc.messages for p in m["content"] if p["type"] == "image"]


# ---------------------------------------------------------------------------------------------------------------------
# Loading.
# ---------------------------------------------------------------------------------------------------------------------


def test_every_benchmark_is_registered_with_its_writer():
    assert set(COUNTS) == set(WRITERS)
    for name in COUNTS:
        assert BENCHMARKS[name].metrics == ("accuracy",)
        assert BENCHMARKS[name].source.startswith("https://")


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_loader_reads_the_published_layout(name, docs, data_dir):
    loaded = docs[name]
    assert len(loaded) == COUNTS[name]
    assert len({d.doc_id for d in loaded}) == len(loaded)
    for doc in loaded:
        assert [m["role"] for m in doc.messages] == ["user"]
        text = prompt_text(doc)
        assert SECRET not in text  # explanations, solutions and reasonings stay out of the prompt
        if doc.document["kind"] == "open":
            assert all(answer not in text for answer in doc.document["answers"])
        images = conversation_images(doc.messages)
        assert images and all(image.size == (24, 16) for image in images)  # every image part opens
        json.dumps(doc.document)  # JSON-able, as the per-sample hash needs
    assert [document_hash(d) for d in BENCHMARKS[name].load(data_dir, None)] == [document_hash(d) for d in loaded]
    first_two = BENCHMARKS[name].load(data_dir, 2)
    assert [(d.doc_id, d.document) for d in first_two] == [(d.doc_id, d.document) for d in loaded[:2]]
    assert BENCHMARKS[name].files(data_dir) and all(p.is_file() for p in BENCHMARKS[name].files(data_dir))


def test_realworldqa_keeps_its_own_prompt_and_finds_lettered_options(docs):
    choice, free = doc_by_id(docs, "realworldqa", "0"), doc_by_id(docs, "realworldqa", "2")
    assert prompt_text(choice).startswith("Which object is closer to the camera?\nA. The red car\n")
    assert choice.document["options"] == ["The red car", "The blue truck", "The tree"]
    assert (choice.document["kind"], choice.target) == ("choice", "B")
    assert free.document == {"id": "2", "question": free.document["question"], "kind": "open", "answers": ["3"],
                             "image": "realworldqa/data/test-00001-of-00002.parquet#0"}


def test_mmstar_options_become_lettered_lines(docs):
    doc = doc_by_id(docs, "mmstar", "1")
    assert prompt_text(doc) == ("What is the main colour of the sign?\nA. red\nB. green\nC. blue\nD. yellow\n"
                                + LETTER_INSTRUCTION)
    assert doc.document["category"] == "coarse perception"
    first = doc_by_id(docs, "mmstar", "0")
    assert first.document["options"][3] == "The suitcase is beneath the book."  # commas between options only


def test_mathvision_places_its_image_at_the_placeholder(docs):
    doc = doc_by_id(docs, "mathvision", "1")
    kinds = [p["type"] for p in doc.messages[0]["content"]]
    assert kinds == ["text", "image", "text"] and "<image1>" not in prompt_text(doc)
    assert prompt_text(doc).endswith(OPEN_INSTRUCTION)
    choice = doc_by_id(docs, "mathvision", "3")
    assert "A. 5\nB. 6\nC. 7\nD. 8\nE. 9\n" + LETTER_INSTRUCTION in prompt_text(choice)
    assert [d.doc_id for d in docs["mathvision_mini"]] == ["5", "6"]  # testmini is its own benchmark


def test_dynamath_reads_ten_variants_and_parses_choices(docs):
    assert [d.doc_id for d in docs["dynamath"][:4]] == ["variant1/1", "variant1/5", "variant1/21", "variant2/1"]
    assert docs["dynamath"][-1].doc_id == "variant10/21"
    choice = doc_by_id(docs, "dynamath", "variant2/5")
    # DynaMath's own prompt (its scorer reads the JSON it asks for), the question verbatim
    assert prompt_text(choice) == dynamath_prompt("Is Dark Magenta greater than Rosy Brown? Choices: (A) yes (B) no",
                                                  "multiple choice")
    assert prompt_text(choice).startswith("## Question\nIs Dark Magenta") and '"short answer"' in prompt_text(choice)
    assert (choice.document["options"], choice.target) == (["yes", "no"], "A")
    assert doc_by_id(docs, "dynamath", "variant3/1").document["answers"] == ["2.3750"]


def test_logicvista_kinds(docs):
    kinds = {d.doc_id: (d.document["kind"], d.target) for d in docs["logicvista"]}
    assert kinds == {"v1_0": ("choice", "C"), "v1_1": ("labels", "A, C"), "v1_20": ("labels", "3"),
                     "v1_300": ("choice", "G"), "v1_258": ("choice", "D")}
    assert image_refs(doc_by_id(docs, "logicvista", "v1_1")) == ["logicvista/data/images/v1_1.png"]
    assert list(doc_by_id(docs, "logicvista", "v1_300").document["options"]) == list("ABCDEFGHIJ")
    written = doc_by_id(docs, "logicvista", "v1_258")
    assert written.document["options"] == {"A": "33%", "B": "17%", "C": "25%", "D": "50%"}
    assert prompt_text(written).startswith("What is the percentage increase")  # the question is kept verbatim


def test_options_that_cannot_be_parsed_leave_the_question_verbatim(tmp_path):
    WRITERS["mmstar"](tmp_path)
    WRITERS["dynamath"](tmp_path)
    rewrite(tmp_path / "mmstar/mmstar.parquet", set_field(2, "question", "How many apples? (A) 2 (B) 3 (C) 4 (D) 5"))
    rewrite(tmp_path / "dynamath/data/sample1-00000-of-00001.parquet",
            set_field(1, "question", "Is Dark Magenta greater? A yes, B no"))
    mmstar = BENCHMARKS["mmstar"].load(tmp_path, None)[2]
    assert prompt_text(mmstar) == "How many apples? (A) 2 (B) 3 (C) 4 (D) 5\n" + LETTER_INSTRUCTION
    assert mmstar.document["options"] == [""] * 4
    assert BENCHMARKS["mmstar"].score("(D)", mmstar)[1] == {"accuracy": 1.0}
    dynamath = BENCHMARKS["dynamath"].load(tmp_path, 2)[1]
    assert prompt_text(dynamath) == dynamath_prompt("Is Dark Magenta greater? A yes, B no", "multiple choice")
    assert dynamath.document["options"] == [""] * 5 and dynamath.target == "B"


def test_mmmu_interleaves_images_where_the_question_names_them(docs, data_dir):
    assert len({d.document["subject"] for d in docs["mmmu"]}) == 30
    doc = doc_by_id(docs, "mmmu", "validation_Accounting_1")
    parts = doc.messages[0]["content"]
    assert [p["type"] for p in parts] == ["text", "image", "text"]
    assert parts[0]["text"] == "Which statement about " and parts[2]["text"].startswith(" is right in Accounting?")
    row = pq.read_table(data_dir / "mmmu/Accounting/validation-00000-of-00001.parquet").to_pylist()[1]
    options = doc_by_id(docs, "mmmu", "validation_Accounting_2").messages[0]["content"]
    assert [p["type"] for p in options] == ["text", "image"] * 4 + ["text"]
    assert options[0]["text"].endswith("\nA. ") and options[2]["text"] == "\nB. "
    assert [p["image"] for p in options if p["type"] == "image"] == [row[f"image_{k}"]["bytes"] for k in range(1, 5)]
    art = doc_by_id(docs, "mmmu", "validation_Art_1")
    assert [ref.rsplit("/", 1)[1] for ref in image_refs(art)] == ["image_3", "image_1", "image_2"]  # unnamed first
    assert "A. <image 1>\nB. <image 2>" in prompt_text(art)  # a repeated placeholder stays as text
    math = doc_by_id(docs, "mmmu", "validation_Math_1")
    assert prompt_text(math).endswith("\n\n" + OPEN_INSTRUCTION) and math.document["answers"] == ["12.5"]
    assert doc_by_id(docs, "mmmu", "validation_Physics_1").document["answers"] == ["2.5", "5/2"]


def test_interleaved_prompts_go_through_the_chat_template(docs, tiny_vl_pair):
    from dopd_vl.rollout import encode_prompts

    art = doc_by_id(docs, "mmmu", "validation_Art_1")
    text = tiny_vl_pair.processor.tokenizer.apply_chat_template(art.messages, add_generation_prompt=True,
                                                                tokenize=False)
    image = "<|vision_start|><|image_pad|><|vision_end|>"
    assert f"<|im_start|>user\n{image}Compare {image} with {image}. Which was painted first?\nA. <image 1>" in text
    batch = [art, doc_by_id(docs, "mathvision", "1"), doc_by_id(docs, "mmmu_pro_vision", "test_History_1")]
    encoded = encode_prompts(tiny_vl_pair.processor, [d.messages for d in batch])
    assert encoded["image_grid_thw"].shape[0] == 3 + 1 + 1


def test_mmmu_pro_settings(docs):
    standard = doc_by_id(docs, "mmmu_pro_standard", "test_Physics_7")
    assert "\nJ. 10 kg\n\n" + LETTER_INSTRUCTION in prompt_text(standard)
    assert standard.document["discipline"] == "Science"
    vision = doc_by_id(docs, "mmmu_pro_vision", "test_Physics_7")
    assert prompt_text(vision) == VISION_INSTRUCTION  # the question and its options are inside the image
    assert [p["type"] for p in vision.messages[0]["content"]] == ["image", "text"]
    assert len(vision.document["options"]) == 10 and vision.target == "J"


# ---------------------------------------------------------------------------------------------------------------------
# Missing and malformed data.
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_missing_files_name_the_layout_and_the_source(name, tmp_path):
    benchmark = BENCHMARKS[name]
    with pytest.raises(EvalError) as error:
        benchmark.load(tmp_path, None)
    message = str(error.value)
    assert f"benchmark '{name}': its files are not in {tmp_path}" in message
    assert benchmark.layout in message and benchmark.source in message


@pytest.mark.parametrize("name, remove", [("mmmu", "mmmu/Sociology"),
                                          ("dynamath", "dynamath/data/sample10-00000-of-00010.parquet")])
def test_an_incomplete_download_is_missing_data(name, remove, tmp_path):
    WRITERS[name](tmp_path)
    target = tmp_path / remove
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    with pytest.raises(EvalError, match=f"benchmark '{name}': its files are not in"):
        BENCHMARKS[name].load(tmp_path, None)


def rewrite(path, change):
    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)


def set_field(index, field, value):
    return lambda rows: rows[index].update({field: value})


MALFORMED = {
    "realworldqa": ("realworldqa/data/test-00000-of-00002.parquet", set_field(1, "answer", None),
                    r"record row 1: field 'answer': empty"),
    "mmstar": ("mmstar/mmstar.parquet", set_field(2, "answer", "E"),
               r"record index 2: field 'answer': 'E' is not the letter of one of the 4 options"),
    "mathvision": ("mathvision/data/test-00000-of-00001-3532b8d3f1b4047a.parquet", set_field(2, "answer", "F"),
                   r"record id 3: field 'answer': 'F' is not the letter of one of the 5 options"),
    "mathvision_mini": ("mathvision/data/testmini-00000-of-00001-f8ff70fcb2f29b1d.parquet",
                        set_field(0, "decoded_image", {"bytes": None, "path": "5.jpg"}),
                        r"record id 5: image 'mathvision/images/5.jpg': no image bytes and no file 'images/5.jpg'"),
    "dynamath": ("dynamath/data/sample4-00000-of-00004.parquet", set_field(1, "ground_truth", "C"),
                 r"record id 5: field 'ground_truth': 'C' is not the letter of one of the 2 options"),
    "mmmu": ("mmmu/History/validation-00000-of-00001.parquet", set_field(0, "options", "A or B"),
             r"record id validation_History_1: field 'options': not a list"),
    "mmmu_pro_standard": ("mmmu_pro/standard (10 options)/test-00001-of-00002.parquet", set_field(0, "answer", "K"),
                          r"record id test_Art_Theory_3: field 'answer': 'K' is not the letter of one of the 10"),
    "mmmu_pro_vision": ("mmmu_pro/vision/test-00000-of-00004.parquet", set_field(1, "options", None),
                        r"record id test_Physics_7: field 'options': not a list"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_record_names_file_record_and_field(name, tmp_path):
    WRITERS[name](tmp_path)
    relative, change, message = MALFORMED[name]
    rewrite(tmp_path / relative, change)
    with pytest.raises(EvalError, match=rf"benchmark '{name}': .*{message}"):
        BENCHMARKS[name].load(tmp_path, None)


def test_malformed_logicvista_answer_and_mmmu_missing_image(tmp_path):
    WRITERS["logicvista"](tmp_path)
    path = tmp_path / "logicvista/data/dataset.json"
    records = json.loads(path.read_text())
    records["v1_20"]["answer"] = "maybe 3"
    path.write_text(json.dumps(records))
    with pytest.raises(EvalError, match=r"dataset.json: record v1_20: field 'answer': 'MAYBE 3' is not an option"):
        BENCHMARKS["logicvista"].load(tmp_path, None)
    WRITERS["mmmu"](tmp_path)
    rewrite(tmp_path / "mmmu/Art/validation-00000-of-00001.parquet", set_field(0, "image_2", None))
    with pytest.raises(EvalError, match=r"record id validation_Art_1: fields \['image_2'\]: named by the question"):
        BENCHMARKS["mmmu"].load(tmp_path, None)


def test_a_file_without_the_published_columns_is_named(tmp_path):
    WRITERS["mmstar"](tmp_path)
    path = tmp_path / "mmstar/mmstar.parquet"
    pq.write_table(pq.read_table(path).drop(["answer"]), path)
    with pytest.raises(EvalError, match=r"mmstar.parquet: record \(schema\): columns \['answer'\] are missing"):
        BENCHMARKS["mmstar"].load(tmp_path, None)


# ---------------------------------------------------------------------------------------------------------------------
# Scoring.
# ---------------------------------------------------------------------------------------------------------------------

# (benchmark, doc id, responses scored right, responses scored wrong)
SCORING = [
    ("realworldqa", "0", ["B", "The answer is (B).", "<think>A or B?</think>B", "the blue truck"],
     ["A", "C. The tree", "", "B or C", "<think>B</think>"]),
    ("realworldqa", "2", ["3", "There are 3 traffic lights."], ["4", "13"]),
    ("mmstar", "1", ["C", "Answer: C", "blue"], ["B", "green", "C or D"]),
    ("mathvision", "3", ["A", "A. 5", "(A)"], ["B", "E"]),
    ("mathvision", "4", ["\\boxed{\\frac{3}{2}}", "The ratio is 1.5", "\\boxed{1.50}"], ["\\boxed{2}", "It is 2/3"]),
    ("mathvision_mini", "5", ["12", "So there are 12 dots."], ["11", "120"]),
    ("dynamath", "variant1/1", ["2.125", "The period is 2.125."], ["2.2", "2.13"]),
    ("dynamath", "variant1/5", ["B", "(B) no", "no"], ["A", "yes"]),
    ("dynamath", "variant1/21", ["1:30", "The time shown is 1:30."], ["2:30"]),
    ("logicvista", "v1_0", ["C", "The answer is C."], ["D", "A, C"]),
    ("logicvista", "v1_1", ["A, C", "The answers are A and C.", "\\boxed{C, A}", "I choose A and C"],
     ["A", "A, B, C", "C", "A, D"]),
    ("logicvista", "v1_20", ["3", "The correct answer is 3."], ["4", "3, 4"]),
    ("logicvista", "v1_300", ["G", "The odd one out is G."], ["H", "F or G"]),
    ("logicvista", "v1_258", ["D", "It rises by 50%"], ["C", "25%", "E"]),
    ("mmmu", "validation_Accounting_1", ["B", "(B) the second"], ["A", "the first"]),
    ("mmmu", "validation_Math_1", ["12.5", "The area is 12.50 square units."], ["12", "125", "1.25"]),
    ("mmmu", "validation_Physics_1", ["5/2", "The ratio is 2.5"], ["2", "2/5"]),
    ("mmmu_pro_standard", "test_History_1", ["C", "Lincoln"], ["A", "I"]),
    ("mmmu_pro_standard", "test_Physics_7", ["J", "Answer: J"], ["I", "10"]),
    ("mmmu_pro_vision", "test_History_1", ["Answer: C", "C"], ["Answer: D"]),
]


@pytest.mark.parametrize("name, doc_id, right, wrong", SCORING)
def test_scoring(name, doc_id, right, wrong, docs):
    """The project's own rule (``--scoring lenient``; LogicVista's only scorer)."""
    doc = doc_by_id(docs, name, doc_id)
    score = BENCHMARKS[name].scorer("lenient")
    for response in right:
        assert score(response, doc)[1] == {"accuracy": 1.0}, response
    for response in wrong:
        assert score(response, doc)[1] == {"accuracy": 0.0}, response


def test_extracted_answers(docs):
    lenient = {name: BENCHMARKS[name].scorer("lenient") for name in ("mmstar", "logicvista", "mmmu")}
    assert lenient["mmstar"]("The answer is (C).", doc_by_id(docs, "mmstar", "1"))[0] == "C"
    assert lenient["mmstar"]("no idea", doc_by_id(docs, "mmstar", "1"))[0] == ""
    assert lenient["logicvista"]("answers: C, A", doc_by_id(docs, "logicvista", "v1_1"))[0] == "A, C"
    assert lenient["mmmu"]("The area is 12.5.", doc_by_id(docs, "mmmu", "validation_Math_1"))[0] == "12.5"
    # MMStar's own rule reads the first character only: "the answer is (c)" is not "the answer is c"
    assert BENCHMARKS["mmstar"].score("The answer is (C).", doc_by_id(docs, "mmstar", "1")) == ("T", {"accuracy": 0.0})
    assert BENCHMARKS["mmstar"].score("The answer is C.", doc_by_id(docs, "mmstar", "1")) == ("C", {"accuracy": 1.0})


@pytest.mark.parametrize("response, answers, right", [
    ("42", "42", True),
    ("The answer is 42.", "42", True),
    ("Therefore x = 1,234.5", "1234.5", True),
    ("It is about 3.14159", "3.14", True),  # numbers are compared to two decimals
    ("It is about 3.15", "3.14", False),
    ("c = 3e8 m/s", "300000000", True),
    ("\\boxed{\\frac{1}{2}}", "0.5", True),
    ("\\boxed{\\sqrt{3}}", "\\sqrt{3}", True),
    ("\\boxed{2\\sqrt{3}}", "\\sqrt{2}", False),
    ("The capital is Paris.", "paris", True),
    ("Paris, then Rome", "Madrid", False),
    ("abc", "b", False),  # a one-letter answer does not match inside a word
    ("b", "B", True),
    ("The answer is 7.", ["6", "7"], True),
    ("", "0", False),
    ("<think>the answer is 7</think>The answer is 8", "7", False),
    ("5 apples", "5", True),
    ("-2", "2", False),
])
def test_open_answer_rule(response, answers, right):
    assert open_answer_correct(response, answers)[1] is right


def test_open_answer_reads_the_last_box_and_the_key_sentences():
    assert open_answer_correct("\\boxed{1} then \\boxed{\\frac{3}{4}}", "0.75") == ("0.75", True)
    assert open_answer_correct("Area = 2 * 3\nSo the result is 6", "6") == ("6", True)
    assert open_answer_correct("Area = 2 * 3\nSo the result is 6", "3")[1] is False  # '=' counts in the last line
    assert open_answer_correct("The base is 3\nSo the result is 6", "3")[1] is True  # MMMU: every key line counts
    assert parse_answer_list("['2.5', '5/2']") == ["2.5", "5/2"]
    assert parse_answer_list("[1, 2") == ["[1, 2"] and parse_answer_list(" 12 ") == ["12"]


@pytest.mark.parametrize("response, numbered, labels", [
    ("A, C", False, {"A", "C"}),
    ("The answer is B and D. Option A is wrong.", False, {"B", "D"}),  # the last cue is the statement that counts
    ("Options A is wrong.\nThe answers are A and E", False, {"A", "E"}),
    ("**Answer:** C, A", False, {"A", "C"}),
    ("I think A dog and C", False, {"C"}),  # "I think", "A dog" read as English
    ("\\boxed{B, D}", False, {"B", "D"}),
    ("Answer: 2, 4.", True, {"2", "4"}),
    ("The correct answer is 3. The others are 1 and 2.", True, {"3"}),
    ("", False, set()),
])
def test_choice_labels(response, numbered, labels):
    assert choice_labels(response, numbered) == labels


# ---------------------------------------------------------------------------------------------------------------------
# Summaries.
# ---------------------------------------------------------------------------------------------------------------------


def test_category_summaries(docs):
    mmstar = docs["mmstar"]  # instance reasoning, coarse perception, fine-grained perception
    assert BENCHMARKS["mmstar"].summarize(mmstar, [{"accuracy": 1.0}, {"accuracy": 0.0}, {"accuracy": 1.0}]) == {
        "accuracy": 2 / 3, "accuracy/coarse perception": 0.0, "accuracy/fine-grained perception": 1.0,
        "accuracy/instance reasoning": 1.0}
    logicvista = docs["logicvista"]  # inductive, inductive, deductive, spatial, numerical
    summary = BENCHMARKS["logicvista"].summarize(logicvista, [{"accuracy": v} for v in (1.0, 0.0, 1.0, 0.0, 1.0)])
    assert summary == {"accuracy": 0.6, "accuracy/deductive": 1.0, "accuracy/inductive": 0.5,
                       "accuracy/numerical": 1.0, "accuracy/spatial": 0.0}
    mmmu = docs["mmmu"]
    scores = [{"accuracy": float(d.document["discipline"] == "Science")} for d in mmmu]
    summary = BENCHMARKS["mmmu"].summarize(mmmu, scores)
    assert summary["accuracy"] == 5 / 31 and summary["accuracy/Science"] == 1.0
    assert summary["accuracy/Business"] == 0.0 and len(summary) == 7  # overall and the six disciplines
    assert list(BENCHMARKS["realworldqa"].summarize(docs["realworldqa"], [{"accuracy": 1.0}] * 4)) == ["accuracy"]


def test_dynamath_worst_case_accuracy(docs):
    dynamath = docs["dynamath"]  # seeds 1, 5, 21 in each of the ten variants
    right = {"1": lambda variant: True, "5": lambda variant: variant != 3, "21": lambda variant: False}
    scores = [{"accuracy": float(right[d.document["seed"]](d.document["variant"]))} for d in dynamath]
    summary = BENCHMARKS["dynamath"].summarize(dynamath, scores)
    assert summary["accuracy"] == 19 / 30 and summary["worst_case_accuracy"] == 1 / 3
    assert summary["accuracy/analytic geometry"] == 1.0 and summary["accuracy/statistics"] == 0.9
    assert list(summary)[:2] == ["accuracy", "worst_case_accuracy"]
