"""The evaluation metrics and the multiple-choice extraction rule, with cases from each reference definition."""

import pytest

from eval.extract import extract_choice, option_letters
from eval.metrics import (
    anls,
    box_iou,
    levenshtein,
    parse_first_box,
    refcoco_hit,
    relaxed_accuracy,
    strip_think,
)

# ----------------------------------------------------------------------------------------------------------------
# box IoU and RefCOCO Acc@0.5 (source: RefCOCO Acc@0.5 -- Mao et al. 2016 / Yu et al. 2016, correct iff IoU >= 0.5
# with the ground-truth box; COCO boxes are [x, y, w, h] pixels; Qwen3-VL boxes are 0-1000 relative xyxy).


def test_box_iou_known_values():
    assert box_iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    assert box_iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)  # half overlap: 1/3
    assert box_iou([0, 0, 10, 10], [0, 0, 5, 10]) == pytest.approx(0.5)  # contained half
    assert box_iou([0, 0, 10, 10], [10, 0, 20, 10]) == 0.0  # touching edges
    assert box_iou([0, 0, 10, 10], [20, 20, 30, 30]) == 0.0  # disjoint
    assert box_iou([0, 0, 2, 2], [1, 1, 3, 3]) == pytest.approx(1 / 7)


def test_box_iou_degenerate():
    assert box_iou([5, 5, 5, 10], [0, 0, 10, 10]) == 0.0  # zero area
    assert box_iou([5, 5, 5, 5], [5, 5, 5, 5]) == 0.0  # zero union
    assert box_iou([10, 10, 0, 0], [0, 0, 10, 10]) == 0.0  # inverted corners have no area in box_iou


# image 200 x 100 (width x height); the ground truth covers the left half: xywh [0, 0, 100, 100].
IMG = (200, 100)
GT = [0, 0, 100, 100]


def test_refcoco_hit_qwen3_json_and_bare_list():
    assert refcoco_hit('[{"bbox_2d": [0, 0, 500, 1000], "label": "left half"}]', GT, IMG) == 1.0
    assert refcoco_hit('```json\n{"bbox_2d": [0, 0, 500, 1000], "label": "x"}\n```', GT, IMG) == 1.0
    assert refcoco_hit("[0, 0, 500, 1000]", GT, IMG) == 1.0
    # right half: IoU 0
    assert refcoco_hit("[500, 0, 1000, 1000]", GT, IMG) == 0.0


def test_refcoco_uses_relative_scale_not_pixels():
    # [0, 0, 100, 100] read as pixels would be a perfect hit; on the 0-1000 scale it is 20 x 10 px: IoU 0.02.
    assert refcoco_hit("[0, 0, 100, 100]", GT, IMG) == 0.0


def test_refcoco_iou_threshold_is_inclusive():
    # prediction x in [0, 250] on 0-1000 -> [0, 50] px, full height: IoU with [0, 100] = 50/100 = 0.5 exactly -> hit
    assert refcoco_hit("[0, 0, 250, 1000]", GT, IMG) == 1.0
    # [0, 240] on 0-1000 -> [0, 48] px: IoU 0.48 -> miss
    assert refcoco_hit("[0, 0, 240, 1000]", GT, IMG) == 0.0


def test_refcoco_first_box_only():
    text = '[{"bbox_2d": [500, 0, 1000, 1000], "label": "a"}, {"bbox_2d": [0, 0, 500, 1000], "label": "b"}]'
    assert refcoco_hit(text, GT, IMG) == 0.0
    text = '[{"bbox_2d": [0, 0, 500, 1000], "label": "b"}, {"bbox_2d": [500, 0, 1000, 1000], "label": "a"}]'
    assert refcoco_hit(text, GT, IMG) == 1.0


def test_refcoco_no_box_and_empty():
    assert refcoco_hit("", GT, IMG) == 0.0
    assert refcoco_hit(None, GT, IMG) == 0.0
    assert refcoco_hit("The cat on the left.", GT, IMG) == 0.0
    assert refcoco_hit("[0, 0, 500]", GT, IMG) == 0.0  # three numbers are not a box
    assert parse_first_box('{"point_2d": [10, 20]}') is None


def test_refcoco_box_partly_outside_image_is_clipped():
    # [-200, -100, 500, 1100] -> [-40, -10, 100, 110] px -> clipped to [0, 0, 100, 100] = the ground truth
    assert refcoco_hit("[-200, -100, 500, 1100]", GT, IMG) == 1.0
    # unclipped it would have IoU 100*100 / (140*120) = 0.595; check clipping matters with a smaller target:
    # GT [0, 0, 60, 100]; pred [-1000, 0, 300, 1000] -> [-200, 0, 60, 100] px, clipped [0, 0, 60, 100] -> IoU 1
    # (unclipped IoU would be 60/260 = 0.23 -> miss)
    assert refcoco_hit("[-1000, 0, 300, 1000]", [0, 0, 60, 100], IMG) == 1.0


def test_refcoco_zero_area_and_swapped_corners():
    assert refcoco_hit("[250, 0, 250, 1000]", GT, IMG) == 0.0  # zero width
    assert refcoco_hit("[500, 1000, 0, 0]", GT, IMG) == 1.0  # corners in the wrong order are sorted
    # a box fully outside the image clips to zero area
    assert refcoco_hit("[1100, 0, 1500, 1000]", [100, 0, 100, 100], IMG) == 0.0


def test_refcoco_think_and_qwen2_pair_form():
    assert refcoco_hit("<think>maybe [500, 0, 1000, 1000]</think>[0, 0, 500, 1000]", GT, IMG) == 1.0
    assert refcoco_hit("<|box_start|>(0,0),(500,1000)<|box_end|>", GT, IMG) == 1.0
    assert parse_first_box("(1,2),(3,4) then [5, 6, 7, 8]") == [1.0, 2.0, 3.0, 4.0]
    assert parse_first_box("[5, 6, 7.5, 8] then (1,2),(3,4)") == [5.0, 6.0, 7.5, 8.0]


# ----------------------------------------------------------------------------------------------------------------
# ChartQA relaxed accuracy (source: ChartQA paper, Masry et al. 2022 -- "exact match, but a 5% tolerance on
# numeric answers"; reference code relaxed_correctness in pix2struct / lmms-eval: trailing % divides by 100,
# target 0 -> exact match, best over references).


def test_relaxed_accuracy_numbers_within_five_percent():
    assert relaxed_accuracy("105", ["100"]) == 1.0  # exactly 5% is inside
    assert relaxed_accuracy("95", ["100"]) == 1.0
    assert relaxed_accuracy("105.1", ["100"]) == 0.0
    assert relaxed_accuracy("94", ["100"]) == 0.0
    assert relaxed_accuracy("3.14", ["3.1"]) == 1.0
    assert relaxed_accuracy(" 42 ", ["42.0"]) == 1.0


def test_relaxed_accuracy_percentages():
    assert relaxed_accuracy("5%", ["0.05"]) == 1.0
    assert relaxed_accuracy("0.05", ["5%"]) == 1.0
    assert relaxed_accuracy("5", ["5%"]) == 0.0  # 5 vs 0.05
    assert relaxed_accuracy("52%", ["51%"]) == 1.0  # 0.52 vs 0.51: 1.96%
    assert relaxed_accuracy("60%", ["51%"]) == 0.0


def test_relaxed_accuracy_negative_numbers():
    assert relaxed_accuracy("-10.4", ["-10"]) == 1.0
    assert relaxed_accuracy("10", ["-10"]) == 0.0
    assert relaxed_accuracy("-9.4", ["-10"]) == 0.0


def test_relaxed_accuracy_target_zero_is_exact_match():
    assert relaxed_accuracy("0", ["0"]) == 1.0
    assert relaxed_accuracy("0.0", ["0"]) == 0.0  # strings differ; no relative tolerance around 0
    assert relaxed_accuracy("0.001", ["0"]) == 0.0


def test_relaxed_accuracy_text_and_references():
    assert relaxed_accuracy("Yes", ["yes"]) == 1.0
    assert relaxed_accuracy("yes.", ["yes"]) == 0.0
    assert relaxed_accuracy("Brazil", ["brazil", "Argentina"]) == 1.0
    assert relaxed_accuracy("Argentina", ["brazil", "ARGENTINA"]) == 1.0
    assert relaxed_accuracy("Chile", ["brazil", "Argentina"]) == 0.0
    assert relaxed_accuracy("17", ["seventeen", "17.5"]) == 1.0  # best over references
    assert relaxed_accuracy("1,000", ["1000"]) == 0.0  # commas make it text, as in the reference code
    assert relaxed_accuracy("100", "100") == 1.0  # a single reference string


def test_relaxed_accuracy_empty_prediction():
    assert relaxed_accuracy("", ["12"]) == 0.0
    assert relaxed_accuracy(None, ["12"]) == 0.0
    assert relaxed_accuracy("nan", ["nan"]) == 1.0  # not a number -> text match


# ----------------------------------------------------------------------------------------------------------------
# DocVQA ANLS (source: ANLS definition, Biten et al. 2019 ST-VQA / Mathew et al. 2021 DocVQA:
# s = 1 - NL(a, o) if NL < 0.5 else 0, NL = lev / max(|a|, |o|), max over references, lowercase + strip).


def test_levenshtein():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("flaw", "lawn") == 2
    assert levenshtein("same", "same") == 0


def test_anls_exact_and_case():
    assert anls("Hello World", ["hello world"]) == 1.0
    assert anls("  $12.50 ", ["$12.50"]) == 1.0


def test_anls_partial_and_threshold():
    # "kitten" vs "sitten": 1 edit / 6 -> 5/6
    assert anls("kitten", ["sitten"]) == pytest.approx(5 / 6)
    # "kitten" vs "sitting": 3 edits / 7 = 0.4286 < 0.5 -> 4/7
    assert anls("kitten", ["sitting"]) == pytest.approx(4 / 7)
    # "abcd" vs "abxy": NL = 2/4 = 0.5, not < 0.5 -> 0
    assert anls("abcd", ["abxy"]) == 0.0
    # "abcde" vs "abxye": 2/5 = 0.4 -> 0.6
    assert anls("abcde", ["abxye"]) == pytest.approx(0.6)
    assert anls("completely different", ["xyz"]) == 0.0


def test_anls_max_over_references():
    assert anls("1995", ["1996", "1995"]) == 1.0
    assert anls("1995", ["1996", "nope"]) == pytest.approx(0.75)
    assert anls("1995", "1995") == 1.0


def test_anls_empty_prediction():
    assert anls("", ["answer"]) == 0.0
    assert anls(None, ["answer"]) == 0.0
    assert anls("", [""]) == 1.0


# ----------------------------------------------------------------------------------------------------------------
# multiple-choice extraction (the single rule of eval/extract.py)

OPTS = ["cat", "dog", "red", "dark red"]


def test_option_letters():
    assert option_letters(["x", "y"]) == {"A": "x", "B": "y"}
    assert option_letters({"a": "x", "B": "y"}) == {"A": "x", "B": "y"}


@pytest.mark.parametrize(
    "response",
    ["B", "b", "(B)", "B.", "[B]", "B)", "**B**", " B \n", "Answer: B", "answer: (B)", "The answer is B.",
     "the correct option is B because dogs bark", "B. dog", "B) dog", "B is correct", "Therefore, B.",
     "<think>A or C? maybe A.</think>The answer is B", "I think the answer is B", "\\boxed{B}",
     "**Answer:** B"],
)
def test_extract_standalone_letter(response):
    assert extract_choice(response, OPTS) == "B"


def test_extract_dict_options():
    assert extract_choice("(C)", {"A": "x", "B": "y", "C": "z"}) == "C"
    assert extract_choice("z", {"A": "x", "B": "y", "C": "z"}) == "C"


def test_extract_several_letters_uses_last_answer_cue():
    assert extract_choice("(A) is wrong because cats meow; the answer is (B).", OPTS) == "B"
    assert extract_choice("Answer: A. Wait, no. The answer is C.", OPTS) == "C"
    assert extract_choice("A. cat\nB. dog\nAnswer: B", OPTS) == "B"


def test_extract_several_letters_without_cue_is_none():
    assert extract_choice("A. cat\nB. dog", OPTS) is None
    assert extract_choice("(A) or (B)", OPTS) is None


def test_extract_option_text():
    assert extract_choice("It is a dog.", OPTS) == "B"
    assert extract_choice("A cat sits on the mat.", OPTS) == "A"  # "A" + lowercase word is the article
    assert extract_choice("dark red", OPTS) == "D"  # "red" inside "dark red" is not a second match
    assert extract_choice("Red.", OPTS) == "C"
    assert extract_choice("a cat and a dog", OPTS) is None  # two options
    assert extract_choice("a bird", OPTS) is None  # none
    assert extract_choice("123", ["2", "12"]) is None  # "2" is not matched inside "123"
    assert extract_choice("12", ["2", "12"]) == "B"


def test_extract_invalid_and_empty():
    assert extract_choice("", OPTS) is None
    assert extract_choice(None, OPTS) is None
    assert extract_choice("<think>it is B</think>", OPTS) is None  # nothing after the thought
    assert extract_choice("<think>it is B", OPTS) is None  # truncated thought
    assert extract_choice("The answer is E", OPTS) is None  # E is not an option
    assert extract_choice("Vitamin C is important", ["x", "y", "z"]) is None  # mid-sentence letter
    assert extract_choice("I'm not sure", OPTS) is None  # the pronoun is not option I (and I is out of range)
    assert extract_choice("the answer is a dog", OPTS) == "B"  # lowercase "a" after the cue is a word


def test_extract_after_stray_close_think():
    assert extract_choice("reasoning about A and C...</think>\n\nB", OPTS) == "B"


def test_strip_think():
    assert strip_think("<think>x</think>y") == "y"
    assert strip_think("a<think>x") == "a"
    assert strip_think("x</think>y") == "y"
    assert strip_think(None) == ""
