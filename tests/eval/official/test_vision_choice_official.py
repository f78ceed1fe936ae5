"""The vision question-answering benchmarks' verdicts equal their own published scorers', case for case.

vision_choice_official_verdicts.json holds generated responses and the verdicts of each benchmark's evaluation code
(MMMU's and MMMU-Pro's parsers, MMStar's ``MMStar_eval``, MathVision's ``evaluate.py``, DynaMath's JSON scorer,
LogicVista's deterministic parts, lmms-eval 0.7.3's RealWorldQA scorer), written by make_vision_choice_verdicts.py in
a separate environment; these tests need neither those packages nor the network. Each response goes through the
benchmark's default (``official``) scorer; ``--scoring lenient`` keeps the project's older, more forgiving rule.
"""

import json
import string
from pathlib import Path

import pytest

from eval.base import Doc
from eval.benchmarks import BENCHMARKS

VERDICTS = json.loads(Path(__file__).with_name("vision_choice_official_verdicts.json").read_text(encoding="utf-8"))


def doc(**document) -> Doc:
    answer = document.get("answer") or ", ".join(document.get("answers", []))
    return Doc("case", [], answer, document)


def choice(options, answer, **extra) -> Doc:
    return doc(kind="choice", options=options, answer=answer, **extra)


def open_question(answers, **extra) -> Doc:
    return doc(kind="open", answers=answers, **extra)


def logicvista_doc(answer: str) -> Doc:
    labels = answer.split(", ")
    if len(labels) == 1 and labels[0] in string.ascii_uppercase[:10]:
        return choice({letter: "" for letter in string.ascii_uppercase[:10]}, labels[0])
    return doc(kind="labels", answer=labels)


def case_docs(name: str) -> list[tuple[dict, Doc]]:
    """(case, the document the project's scorer reads) for every case of a reference."""
    block = VERDICTS[name]
    cases = block["cases"]
    if name in ("mmmu", "mmmu_pro", "mmstar"):
        return [(c, choice(block["options"], c["answer"], category=c.get("category"))) for c in cases]
    if name == "mmmu_open":
        return [(c, open_question(c["answers"])) for c in cases]
    if name in ("mathvision", "realworldqa"):
        return [(c, choice(block["options"], c["answer"]) if c["choice"] else open_question([c["answer"]]))
                for c in cases]
    if name == "dynamath":
        return [(c, (choice([""] * 5, c["answer"], answer_type=c["answer_type"], seed=str(i), subject="x")
                     if c["answer_type"] == "multiple choice" else
                     open_question([c["answer"]], answer_type=c["answer_type"], seed=str(i), subject="x")))
                for i, c in enumerate(cases)]
    return [(c, logicvista_doc(c["answer"])) for c in cases]


# the reference -> the project's benchmarks scored by it
SCORED_BY = {"mmmu": ["mmmu"], "mmmu_open": ["mmmu"], "mmmu_pro": ["mmmu_pro_standard", "mmmu_pro_vision"],
             "mmstar": ["mmstar"], "mathvision": ["mathvision"], "dynamath": ["dynamath"],
             "realworldqa": ["realworldqa"], "logicvista": ["logicvista"]}
PAIRS = [(reference, name) for reference, names in SCORED_BY.items() for name in names]


def test_the_verdicts_come_from_the_references():
    assert VERDICTS["generator"] == "tests/eval/official/make_vision_choice_verdicts.py"
    assert VERDICTS["packages"]["lmms-eval"] == "0.7.3"
    for reference in SCORED_BY:
        assert VERDICTS[reference]["reference"] and len(VERDICTS[reference]["cases"]) >= 100, reference
    assert Path(__file__).with_name("vision_choice_official_verdicts.json").stat().st_size < 300_000


@pytest.mark.parametrize("reference, name", PAIRS)
def test_verdicts_and_aggregate_equal_the_official_scorer(reference, name):
    pairs = case_docs(reference)
    scores = [BENCHMARKS[name].score(c["response"], d)[1] for c, d in pairs]
    wrong = [(c["response"], c["answer" if "answer" in c else "answers"], c["official"])
             for (c, _), score in zip(pairs, scores) if score["accuracy"] != float(c["official"])]
    assert not wrong, f"{len(wrong)} verdicts differ from {VERDICTS[reference]['reference']}: {wrong[:10]}"
    summary = BENCHMARKS[name].summarize([d for _, d in pairs], scores)
    assert summary["accuracy"] == pytest.approx(VERDICTS[reference]["aggregate"]["accuracy"], abs=1e-12)


def test_mathvision_mini_scores_as_mathvision():
    """The testmini split runs MathVision's own scorer: the 463 cases above cover both."""
    mini, full = BENCHMARKS["mathvision_mini"], BENCHMARKS["mathvision"]
    assert mini.score is full.score and mini.lenient is full.lenient


def test_mmmu_guesses_as_its_parser_does():
    """MMMU's parser guesses (seeded with 42) where it finds no option: the guess is part of the official verdict."""
    guessed = [c for c in VERDICTS["mmmu"]["cases"] if c["guessed"]]
    assert guessed and {c["parsed"] for c in guessed} == {"A"}
    for c, d in case_docs("mmmu"):
        assert BENCHMARKS["mmmu"].score(c["response"], d)[0] == c["parsed"], c["response"]


def test_mmstar_aggregate_is_the_micro_average_not_lmms_evals_macro():
    """MMStar_eval's final score is correct / 1500 over the whole set (a micro average); lmms-eval averages the means
    of the l2 categories, which moves this set's score."""
    block = VERDICTS["mmstar"]
    assert block["aggregate"]["accuracy"] != pytest.approx(block["lmms_eval_aggregate"]["accuracy"])


# The project's departures: accepted by --scoring lenient (as before), not by the official scorers.
DEPARTURES = [
    ("mmmu", choice(["12 cm", "15 cm", "18 cm", "20 cm"], "B"), ["b", "[B]", "**B**", "\\boxed{B}", "15 cm",
                                                                  "B)"]),
    ("mmmu_pro_standard", choice(["x", "y", "z", "w"], "B"), ["b", "**B**", "\\boxed{B}", "[B]"]),
    ("mmstar", choice(["red", "blue", "green", "yellow"], "C"), ["The answer is (C).", "green", "Answer: C",
                                                                  "**C**", "\\boxed{C}"]),
    ("mathvision", choice(["3", "4", "5", "6", "7"], "C"), ["The answer is C because", "Answer: (C)", "**C**"]),
    ("dynamath", choice(["yes", "no"], "B", answer_type="multiple choice", seed="1", subject="x"),
     ["B", "no", "The answer is B"]),  # not the JSON its prompt asks for
    ("realworldqa", choice(["left", "right", "straight", "stop"], "B"), ["right", "b"]),
]


@pytest.mark.parametrize("name, question, responses", DEPARTURES)
def test_lenient_keeps_the_old_verdicts_on_the_departures(name, question, responses):
    benchmark = BENCHMARKS[name]
    for response in responses:
        assert benchmark.scorer("lenient")(response, question)[1] == {"accuracy": 1.0}, response
        assert benchmark.score(response, question)[1] == {"accuracy": 0.0}, response
    assert benchmark.scoring_used("lenient") == "lenient"


@pytest.mark.parametrize("response, expected", [
    ("B\nOption A is incorrect because the angle is too small.", "B"),  # "option A" is no answer cue
    ("A or B", None),  # several letters, no cue
    ("<answer>B</answer>", "B"),
    ("The answer is A. Wait, no, it is B.", "B"),  # a correction after the cue
    ("The answer is B, not A.", "B"),
])
def test_the_measured_extractor_bugs_are_fixed(response, expected):
    from eval.extract import extract_choice

    assert extract_choice(response, ["w", "x", "y", "z"]) == expected


def test_mathvision_reads_a_slash_fraction_against_frac():
    question = open_question(["\\frac{3}{4}"])
    for name in ("mathvision", "mathvision_mini"):
        for scoring in ("official", "lenient"):
            assert BENCHMARKS[name].scorer(scoring)("3/4", question)[1] == {"accuracy": 1.0}, (name, scoring)


def test_answer_tags_score_in_dynamath_and_logicvista():
    dynamath = choice(["yes", "no"], "B", answer_type="multiple choice", seed="1", subject="x")
    for scoring in ("official", "lenient"):
        assert BENCHMARKS["dynamath"].scorer(scoring)("<answer>B</answer>", dynamath)[1] == {"accuracy": 1.0}
    assert BENCHMARKS["logicvista"].score("<answer>C</answer>", logicvista_doc("C"))[1] == {"accuracy": 1.0}
    assert BENCHMARKS["logicvista"].score("<answer>A, C</answer>", logicvista_doc("A, C"))[1] == {"accuracy": 1.0}
