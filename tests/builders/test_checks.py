"""Rule checks on generated hints, boxes and judge replies (data_builders/checks.py)."""

from fractions import Fraction

import pytest

from data_builders.checks import (
    CheckFailed, check_boxes, check_hints, executed_result, judge_score, parse_hints, states_answer, values_in,
)

QUESTION = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. " \
           "How many clips did Natalia sell altogether in April and May?"


def reason(function, *args):
    with pytest.raises(CheckFailed) as caught:
        function(*args)
    return caught.value.reason


def test_good_hints_pass_with_preamble_continuations_and_thinking():
    reply = "<think>The answer is 72, so...</think>Here are the hints:\n1. Find the clips sold in May: half of " \
            "April's.\n   Use the April count.\n2) Add the April and May counts.\n**Step 3.** Check the units."
    assert check_hints(reply, "72", QUESTION, 1024) == [
        "Find the clips sold in May: half of April's. Use the April count.", "Add the April and May counts.",
        "Check the units."]


@pytest.mark.parametrize("hint, answer", [
    ("Altogether she sold 72 clips.", "72"),
    ("That makes 1,200 dollars.", "1200"),
    ("The total is 1200.0 units.", "1,200"),
    ("You should get 3/4 of the pie.", "\\frac{3}{4}"),
    ("You should get \\dfrac{3}{4} of the pie.", "0.75"),
    ("Conclude that $x = 2\\sqrt{3}$ here.", "2 \\sqrt{3}"),
    ("Write \\boxed{something} at the end.", "72"),
    ("So the answer is 71, check it.", "72"),
    ("Answer: B", "C"),
])
def test_a_hint_that_states_the_answer_is_rejected(hint, answer):
    reply = f"1. Find the clips sold in May.\n2. {hint}"
    assert reason(check_hints, reply, answer, QUESTION, 1024) == "states_answer"


def test_values_shown_by_the_question_and_operations_still_to_do_are_not_the_answer():
    assert states_answer("Start from the 48 clips of April.", "48", QUESTION) is None  # the question shows 48
    assert states_answer("Divide 48/2 to get May.", "24", QUESTION) is None  # 48/2 is an operation, not 24
    assert Fraction(24) not in values_in("48/2") and Fraction(3, 4) in values_in("3/4")
    assert values_in("\\frac{1}{2} and 1,200.5") == {Fraction(1), Fraction(2), Fraction(1, 2), Fraction(12005, 10)}


@pytest.mark.parametrize("hint", ["Compute 48/2 = 24 clips.", "Then 3 \\times 4 = 12.", "So 48 + 24 = 72.",
                                  "Take \\frac{48}{2} = 24."])
def test_an_executed_computation_is_rejected(hint):
    assert executed_result(hint, QUESTION)
    assert reason(check_hints, f"1. {hint}\n2. Add the counts.", "100", QUESTION, 1024) == "executed_result"


def test_equations_from_the_question_and_assignments_are_not_executions():
    assert executed_result("Set up 3x + 2 = 14 from the statement.", "Solve 3x + 2 = 14.") is None
    assert executed_result("Let x = 5 be the width.", "A rectangle.") is None


def test_hint_count_format_and_budget():
    assert reason(check_hints, "1. Only one hint here.", "72", QUESTION, 1024) == "too_few_hints"
    seven = "\n".join(f"{i}. Do part {chr(96 + i)} next." for i in range(1, 8))
    assert reason(check_hints, seven, "72", QUESTION, 1024) == "too_many_hints"
    assert reason(check_hints, "Just add them up, friend.", "72", QUESTION, 1024) == "bad_format"
    assert reason(check_hints, "1. Find May.\n2. ...", "72", QUESTION, 1024) == "bad_format"
    long = "1. " + "Find the clips sold in May first. " * 30 + "\n2. Add April and May."
    assert reason(check_hints, long, "72", QUESTION, 50) == "over_budget"
    assert len(check_hints(long, "72", QUESTION, 1024)) == 2
    assert parse_hints("1. a b\n2. c d") == ["a b", "c d"]


def test_boxes_are_parsed_and_scaled_to_pixels():
    reply = 'Sure:\n```json\n[{"bbox_2d": [0, 500, 500, 1000], "label": "red circle"},\n' \
            ' {"bbox_2d": [250, 0, 1000, 250], "label": "blue square"}]\n```'
    boxes = check_boxes(reply, (200, 100))
    assert [(b.label, b.bbox_xyxy_px) for b in boxes] == [("red circle", (0.0, 50.0, 100.0, 100.0)),
                                                          ("blue square", (50.0, 0.0, 200.0, 25.0))]


@pytest.mark.parametrize("reply, expected", [
    ("no boxes here", "bad_format"),
    ('[{"box": [1, 2, 3, 4], "label": "a"}]', "bad_format"),
    ('[{"bbox_2d": [1, 2, "3", 4], "label": "a"}]', "bad_format"),
    ("[]", "no_boxes"),
    ('[{"bbox_2d": [10, 20, 300, 1001], "label": "a"}]', "box_outside_image"),
    ('[{"bbox_2d": [-1, 20, 300, 400], "label": "a"}]', "box_outside_image"),
    ('[{"bbox_2d": [300, 20, 300, 400], "label": "a"}]', "degenerate_box"),
    ('[{"bbox_2d": [300, 20, 302, 400], "label": "a"}]', "degenerate_box"),  # 0.2 px wide on a 100 px image
    ('[{"bbox_2d": [10, 20, 300, 400], "label": "  "}]', "empty_label"),
    ('[{"bbox_2d": [10, 20, 300, 400]}]', "empty_label"),
    ('[{"bbox_2d": [10, 20, 300, 400], "label": "a"}, {"bbox_2d": [10, 20, 300, 400], "label": "b"}]',
     "repeated_box"),
    ('[{"bbox_2d": [10, 20, 300, 400], "label": "cat"}, {"bbox_2d": [12, 20, 300, 401], "label": "Cat"}]',
     "repeated_box"),
])
def test_bad_boxes_are_rejected_with_their_reason(reply, expected):
    assert reason(check_boxes, reply, (100, 100)) == expected


def test_two_objects_of_one_label_are_not_a_repeat():
    reply = '[{"bbox_2d": [0, 0, 400, 400], "label": "cat"}, {"bbox_2d": [500, 500, 900, 900], "label": "cat"}]'
    assert len(check_boxes(reply, (100, 100))) == 2


def test_judge_scores():
    assert judge_score("Helpful and correct.\nScore: 4") == 4
    assert judge_score("<think>Score: 1?</think>Fine.\n**Score:** 5/5") == 5
    assert judge_score("score 2\nScore: 3") == 3
    assert reason(judge_score, "Looks good to me.") == "judge_unparsed"
    assert reason(judge_score, "Score: 9") == "judge_unparsed"
