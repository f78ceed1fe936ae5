"""Scoring of the answers the vision question-answering benchmarks (eval/benchmarks/choice.py) cannot score by a
single option letter (:func:`eval.extract.extract_choice` scores those): the free-form rule
(:func:`open_answer_correct`, MMMU's open-answer rule, with :func:`parse_answer_list` for an answer field that lists
several accepted answers) and the option sets of LogicVista's several-option questions (:func:`choice_labels`)."""

from __future__ import annotations

import ast
import json
import math
import re

from dopd_vl.records import last_boxed
from eval.metrics import strip_think

# ---------------------------------------------------------------------------------------------------------------------
# The free-form rule.
# ---------------------------------------------------------------------------------------------------------------------

_INDICATORS = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ")
_TRIVIAL = {"", ":", ",", ".", "!", "?", ";", "'"}
_NUMBER = re.compile(r"(?<![\d.])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)(?![\d])")
_FRACTION = re.compile(r"\\[dt]?frac\{\s*(-?\d+(?:\.\d+)?)\s*\}\{\s*(-?\d+(?:\.\d+)?)\s*\}")
_SLASH_FRACTION = re.compile(r"(?<![\w./\\])(-?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)(?!\w|\.\d|/)")
_LATEX_WRAPPERS = re.compile(r"\\(?:text|mathrm|textbf|mbox)\{([^{}]*)\}")
_LATEX_NOISE = ("$", "\\left", "\\right", "\\,", "\\!", "\\;", "^{\\circ}", "^\\circ", "°")


def _clean_latex(text: str) -> str:
    """Numeric ``\\frac{a}{b}`` and ``a/b`` as their value, ``\\text{x}`` as x, and math-mode decoration removed."""
    text = _FRACTION.sub(lambda m: repr(float(m.group(1)) / float(m.group(2))) if float(m.group(2)) else m.group(0),
                         text)
    text = _SLASH_FRACTION.sub(lambda m: repr(float(m.group(1)) / float(m.group(2))) if float(m.group(2)) else
                               m.group(0), text)
    text = _LATEX_WRAPPERS.sub(r"\1", text)
    for noise in _LATEX_NOISE:
        text = text.replace(noise, "")
    return text.replace("\\%", "%")


def _as_number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _normalized(text: str) -> list[float | str]:
    """A number rounded to two decimals, or the lower-cased string (one character padded by a space, either side)."""
    text = text.strip()
    value = _as_number(text)
    if value is not None:
        return [round(value, 2)]
    text = text.lower()
    return [" " + text, text + " "] if len(text) == 1 else [text]


def _key_answers(response: str) -> list[str]:
    """The parts of a response that state its answer: the last ``\\boxed{}``, else MMMU's key sub-responses."""
    boxed = last_boxed(response)
    if boxed is not None:
        return [_clean_latex(boxed).strip().lower()]
    text = _clean_latex(response).strip().strip(".")
    sentences = [s.lower() for s in re.split(r"\.\s+(?=[A-Z])|\n", text)]
    keys = []
    for index, sentence in enumerate(sentences):
        indicators = _INDICATORS + (("=",) if index == len(sentences) - 1 else ())
        tails = [sentence.split(indicator)[-1].strip() for indicator in indicators if indicator in sentence]
        shortest = min(tails, key=len) if tails else None
        if shortest is not None and shortest not in _TRIVIAL:
            keys.append(shortest)
    return keys or [text.lower()]


def parse_answer_list(answer: str) -> list[str]:
    """An answer field as its list of accepted answers: ``"['1.5', '3/2']"`` is two, anything else one."""
    answer = str(answer).strip()
    if answer.startswith("[") and answer.endswith("]"):
        try:
            parsed = ast.literal_eval(answer)
        except (ValueError, SyntaxError):
            return [answer]
        if isinstance(parsed, list) and parsed:
            return [str(a) for a in parsed]
    return [answer]


def open_answer_correct(response: str | None, answers: str | list[str]) -> tuple[str, bool]:
    """(the answer read from the response, whether it matches one of ``answers``): the free-form rule.

    Reference: MMMU's open-question evaluation (Yue et al. 2024, ``eval_utils.parse_open_response`` and
    ``eval_open``), which MathVision's ``is_equal`` also approximates (numbers equal to two decimals).

    1. Reasoning is removed (:func:`eval.metrics.strip_think`).
    2. The answer parts: the content of the last ``\\boxed{...}`` if there is one; otherwise the response is split
       into lines and sentences, and from each the shortest tail after ``could be``, ``so``, ``is``, ``thus``,
       ``therefore``, ``final``, ``answer``, ``result`` (and ``=`` in the last sentence) is kept; with no such tail,
       the whole response. Numeric ``\\frac{a}{b}`` becomes its value; ``$``, ``\\left``, ``\\right``, degree signs
       and ``\\text{}`` wrappers are dropped (from the answers too).
    3. Predictions: each answer part, and every number in it (``1,234``, ``-0.5``, ``3e8``).
    4. Normalisation: a number is rounded to two decimals; a string is lower-cased (a one-character answer is
       padded with a space on one side, so ``"b"`` does not match inside ``"abc"``).
    5. Right when a numeric prediction equals a numeric answer, or a string answer occurs inside a string
       prediction (the prediction padded with a space either side). An empty response is wrong.
    """
    answers = [answers] if isinstance(answers, str) else list(answers)
    text = strip_think(response).strip()
    if not text:
        return "", False
    keys = _key_answers(text)
    predictions: set[float | str] = set()
    for key in keys:
        predictions.update(_normalized(key))
        for number in _NUMBER.findall(key):
            predictions.update(_normalized(number))
    golds = [g for answer in answers for g in _normalized(_clean_latex(answer))]
    correct = any(p in golds if isinstance(p, float) else
                  any(isinstance(g, str) and g.strip() and g in f" {p} " for g in golds)
                  for p in predictions)
    return " | ".join(keys), correct


# ---------------------------------------------------------------------------------------------------------------------
# LogicVista's option sets.
# ---------------------------------------------------------------------------------------------------------------------

_LABEL_CUE = re.compile(r"(?<![A-Za-z])(?:answers?|options?|choices?)(?![A-Za-z])"
                        r"(?:\s+(?:is|are|would\s+be|should\s+be))?\s*[:=]?", re.IGNORECASE)
_LETTER_LABEL = re.compile(r"(?<![A-Za-z0-9'’])([A-J])(?![A-Za-z0-9'’])")
_DIGIT_LABEL = re.compile(r"(?<![\d.])([1-9]\d?)(?!\d|\.\d)")
_SENTENCE_END = re.compile(r"(?<=\S)\.(?:\s|$)|\n")


def choice_labels(response: str | None, numbered: bool = False) -> frozenset[str]:
    """The set of option labels a response gives as its answer (for LogicVista's several-option questions).

    The answer segment (of the last ``<answer>...</answer>`` block if there is one): the content of the last
    ``\\boxed{}``; else the text after the last ``answer`` cue (or, with
    none, the last ``option`` / ``choice`` cue; each optionally followed by ``is`` / ``are`` and ``:``) up to the end
    of its sentence; else the last non-empty line. Labels in it: standalone capitals A-J (``A`` or ``I`` followed
    by a lower-case word other than ``and`` / ``or`` read as English), or with ``numbered`` standalone numbers 1-99.
    Markdown ``*`` is ignored.
    """
    text = strip_think(response)
    tagged = re.findall(r"<answer>(.*?)</answer>", text, flags=re.S | re.I)
    text = (tagged[-1] if tagged else text).replace("*", "").strip()
    segment = last_boxed(text)
    if segment is None:
        cues = list(_LABEL_CUE.finditer(text))
        cues = [c for c in cues if c.group(0).lower().startswith("answer")] or cues
        if cues:
            segment = _SENTENCE_END.split(text[cues[-1].end():].lstrip(), maxsplit=1)[0]
        else:
            lines = [line for line in text.splitlines() if line.strip()]
            segment = lines[-1] if lines else ""
    if numbered:
        return frozenset(_DIGIT_LABEL.findall(segment))
    return frozenset(m.group(1) for m in _LETTER_LABEL.finditer(segment)
                     if not (m.group(1) in "AI" and re.match(r"\s+(?!and\b|or\b)[a-z]", segment[m.end():])))


# ---------------------------------------------------------------------------------------------------------------------
# The benchmarks' own scorers (``--scoring official``), reproduced rule for rule. Each function names the file it
# follows; tests/eval/official/test_vision_choice_official.py checks its verdicts against that file's code.
# ---------------------------------------------------------------------------------------------------------------------

MMMU_GUESS_SEED = 42  # MMMU eval/eval_utils.py seeds `random` with 42 at import


def _letters(count: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(count)]


def _last_of(candidates: list[str], position) -> str:
    """The candidate whose ``position`` is largest, the first one on a tie (``numpy.argmax``)."""
    positions = [position(c) for c in candidates]
    return candidates[positions.index(max(positions))]


def mmmu_guess(count: int) -> str:
    """The option MMMU's parser guesses when it finds none: ``random.choice`` of a generator seeded with 42, the seed
    MMMU's ``eval_utils.py`` sets, drawn afresh for every response (the official script draws from one stream over
    the whole run, so its guess for a given question depends on the questions parsed before it; here it does not)."""
    import random

    return random.Random(MMMU_GUESS_SEED).choice(_letters(count))


def mmmu_choice(response: str | None, options: list[str], pro: bool = False) -> tuple[str, bool]:
    """(the option letter, whether it was guessed): MMMU's ``parse_multi_choice_response``.

    References: ``eval/eval_utils.py`` of github.com/MMMU-Benchmark/MMMU (commit 51ce7f3, as cited by lmms-eval 0.7.3)
    for MMMU; ``mmmu-pro/evaluate.py`` of the same repository (commit a76d44b) for MMMU-Pro (``pro=True``), which adds
    a first look after the last ``Answer:`` (one option letter anywhere after it wins), reads ``"B "`` without a space
    before it and then ``"B."``. The rule: reasoning removed (:func:`eval.metrics.strip_think`, the harness's only
    addition); ``,.!?;:'`` stripped from both ends; candidates are the letters written ``(B)``, else those followed by a
    space (MMMU: with a space on both sides), else (MMMU-Pro) followed by ``.``, else, in a response of more than five
    words, the options whose text occurs in it (case-insensitive); several candidates: the last one in the response;
    none: a seeded random guess (:func:`mmmu_guess`).
    """
    text = strip_think(response)
    choices = _letters(len(options))
    if pro:
        at = text.rfind("Answer:")
        if at != -1:
            after = text[at + len("Answer:"):].strip()
            found = [c for c in choices if c in after]
            if len(found) == 1:
                return found[0], False
    for char in ",.!?;:'":
        text = text.strip(char)
    text = f" {text} "
    candidates = [c for c in choices if f"({c})" in text]
    if candidates:
        return _last_of(candidates, lambda c: text.rfind(f"({c})")), False
    candidates = [c for c in choices if (f"{c} " if pro else f" {c} ") in text]
    if not candidates and pro:
        candidates = [c for c in choices if f"{c}." in text]
    if candidates:
        return _last_of(candidates, lambda c: text.rfind(f" {c} ")), False
    if len(text.split()) > 5:
        lowered = text.lower()
        candidates = [c for c, option in zip(choices, options) if option.lower() in lowered]
        if candidates:
            return _last_of(candidates, lambda c: lowered.rfind(options[ord(c) - ord("A")].lower())), False
    return mmmu_guess(len(options)), True


_MMMU_NUMBER_PATTERNS = (r"-?\b\d{1,3}(?:,\d{3})+\b", r"-?\d+(?:\.\d+)?[eE][+-]?\d+",
                         r"-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])")


def _mmmu_normalize(text: str) -> list[float | str]:
    """MMMU ``normalize_str``: a number (commas dropped) rounded to two decimals, else the lower-cased string; a
    one-character string padded with a space on either side."""
    text = text.strip()
    try:
        return [round(float(text.replace(",", "")), 2)]
    except ValueError:
        text = text.lower()
        return [" " + text, text + " "] if len(text) == 1 else [text]


def mmmu_open_predictions(response: str | None) -> list[float | str]:
    """MMMU ``parse_open_response`` (``eval/eval_utils.py``, commit 51ce7f3): the key sub-responses (the shortest
    tail after ``could be`` / ``so`` / ``is`` / ``thus`` / ``therefore`` / ``final`` / ``answer`` / ``result``, and
    ``=`` in the last sentence, of each line and sentence of the lower-cased response; the whole response if none),
    the numbers in them, each normalised (:func:`_mmmu_normalize`). Reasoning is removed first."""
    text = strip_think(response).strip().strip(".").lower()
    sentences = re.split(r"\.\s(?=[A-Z])|\n", text)
    indicators = ["could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result "]
    keys = []
    for index, sentence in enumerate(sentences):
        if index == len(sentences) - 1:
            indicators.append("=")
        shortest = None
        for indicator in indicators:
            if indicator in sentence:
                tail = sentence.split(indicator)[-1].strip()
                if not shortest or len(tail) < len(shortest):
                    shortest = tail
        if shortest and shortest.strip() not in _TRIVIAL:
            keys.append(shortest)
    keys = keys or [text]
    predictions = list(keys)
    for key in keys:
        for pattern in _MMMU_NUMBER_PATTERNS:
            predictions.extend(re.findall(pattern, key))
    return list(dict.fromkeys(p for prediction in predictions for p in _mmmu_normalize(prediction)))


def mmmu_open_correct(response: str | None, answers: str | list[str]) -> tuple[str, bool]:
    """(the predictions, whether one matches): MMMU ``eval_open`` (``eval/eval_utils.py``, commit 51ce7f3) on
    :func:`mmmu_open_predictions`: a number equal to a normalised answer, or a normalised string answer contained in
    a string prediction."""
    answers = [answers] if isinstance(answers, str) else list(answers)
    golds = [g for answer in answers for g in _mmmu_normalize(answer)]
    predictions = mmmu_open_predictions(response)
    correct = any(any(isinstance(g, str) and g in p for g in golds) if isinstance(p, str) else p in golds
                  for p in predictions)
    return " | ".join(str(p) for p in predictions), correct


def mmstar_correct(response: str | None, answer: str) -> tuple[str, bool]:
    """(the letter read, whether it is right): MMStar's ``MMStar_eval`` (``eval/vlmeval/evaluate/mmstar.py`` of
    github.com/MMStar-Benchmark/MMStar, commit 79e6d1c): the lower-cased response, newlines as spaces, is right when
    its first character is the answer, or it starts with ``(``, ``option `` or ``the answer is `` followed by the
    answer. Reasoning is removed first."""
    gold = answer.lower().strip().replace("\n", " ")
    text = strip_think(response).lower().strip().replace("\n", " ")
    for prefix in ("", "(", "option ", "the answer is "):
        if text.startswith(prefix) and len(text) > len(prefix):
            if text[len(prefix)] == gold:
                return gold.upper(), True
    return (text[:1].upper() if text else ""), False


# MathVision (github.com/mathllm/MATH-V, evaluation/evaluate.py and evaluation/utils.py, commit 1d36118).

_MATHVISION_FLAGS = ("the final answer is", "the answer is", "the correct answer is", "the answer should be")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _latex_value(text: str):
    """``eval(str(latex2sympy(text)))`` of MathVision's ``utils.py``, with ``latex2sympy2_extended`` (installed with
    math-verify) in place of ``latex2sympy2`` (whose antlr 4.7.2 pin clashes with math-verify's): an int or float, or
    None where the official ``eval`` raises (a free symbol, a parse error)."""
    from latex2sympy2_extended import latex2sympy

    try:
        expr = latex2sympy(text)
        if getattr(expr, "free_symbols", None):
            return None
        if getattr(expr, "is_Integer", False) or (getattr(expr, "is_Float", False) and float(expr).is_integer()):
            return int(expr)  # latex2sympy2 reads a decimal as a Rational: "1.0" is the integer 1
        value = complex(expr.evalf())
        return value.real if value.imag == 0 else None
    except Exception:  # the official code catches every error of the conversion
        return None


def _mathvision_tuple(text: str) -> str:
    """MathVision ``eval_tuple``: each element of ``(a,b)`` / ``[a,b]`` evaluated and rounded to two decimals."""
    parts = text[1:-1].split(",")
    if len(text) < 2 or len(parts) < 2 or (text[0], text[-1]) not in {("(", ")"), ("[", "]")}:
        return text
    values = []
    for part in parts:
        if "infty" in part or part in ("a", "-a"):
            values.append(part)
            continue
        value = _latex_value(part)
        if value is None:
            return text
        values.append(str(round(value, 2)))
    return text[0] + ",".join(values) + text[-1]


def mathvision_equal(answer: str, gold: str) -> bool:
    """MathVision ``is_equal``: lower-cased, equal after stripping, equal after :func:`_mathvision_tuple`, or equal
    values to two decimals (:func:`_latex_value`)."""
    answer, gold = answer.lower(), gold.lower()
    if not answer.replace(" ", "") or not gold.replace(" ", ""):
        return False
    if answer.strip() == gold.strip():
        return True
    answer, gold = _mathvision_tuple(answer), _mathvision_tuple(gold)
    if answer == gold:
        return True
    a, g = _latex_value(answer), _latex_value(gold)
    return a is not None and g is not None and round(a, 2) == round(g, 2)


def _fix_sqrt(text: str) -> str:
    parts = text.split("\\sqrt")
    return parts[0] + "".join("\\sqrt{" + p[0] + "}" + p[1:] if p and p[0] != "{" else "\\sqrt" + p
                              for p in parts[1:])


def _fix_fracs(text: str) -> str:
    parts = text.split("\\frac")
    out = parts[0]
    for part in parts[1:]:
        out += "\\frac"
        if part[:1] == "{":
            out += part
        elif len(part) < 2:
            return text
        elif part[1] != "{":
            out += "{" + part[0] + "}{" + part[1] + "}" + part[2:]
        else:
            out += "{" + part[0] + "}" + part[1:]
    return out


def _fix_slash(text: str) -> str:
    if len(text.split("/")) != 2:
        return text
    a, b = text.split("/")
    try:
        if text == f"{int(a)}/{int(b)}":
            return "\\frac{" + str(int(a)) + "}{" + str(int(b)) + "}"
    except ValueError:
        pass
    return text


def _mathvision_strip(text: str) -> str:
    """MathVision ``_strip_string``."""
    text = text.replace("\n", "").replace("\\!", "").replace("\\\\", "\\").replace("tfrac", "frac")
    text = text.replace("dfrac", "frac").replace("\\left", "").replace("\\right", "").replace("^{\\circ}", "")
    text = text.replace("^\\circ", "").replace("\\$", "").replace("$", "").split("\\text{ ")[0]
    text = text.replace("\\%", "").replace(" .", " 0.").replace("{.", "{0.")
    if not text:
        return text
    if text[0] == ".":
        text = "0" + text
    if len(text.split("=")) == 2:
        text = text.split("=")[-1]
    if len(text.split("\\approx")) == 2:
        text = text.split("\\approx")[-1]
    if "sqrt" in text:
        text = _fix_sqrt(text)
    text = text.replace(" ", "")
    if "sqrt" in text:
        text = _fix_fracs(text)
    if text == "0.5":
        text = "\\frac{1}{2}"
    return _fix_slash(text)


def _find_math_answer(text: str) -> str:
    """MathVision ``find_math_answer``: the content of the last ``oxed{`` (greedy to the last ``}``), cut at an
    unopened ``}``, after the last ``=`` / ``\\approx``, LaTeX and a few units removed, then ``_strip_string``."""
    text = text.lower().replace("{}", "")
    boxed = re.findall("oxed{(.*)}", text, flags=re.S)
    answer = boxed[-1] if boxed else text
    if answer.find("}") != -1 and (answer.find("{") == -1 or answer.find("}") < answer.find("{")):
        answer = answer.split("}")[0]
    answer = answer.split("=")[-1].split("\\approx")[-1]
    for old, new in ((" ", ""), ("\\,", ""), ("∞", "\\infty"), ("+\\infty", "\\infty"), ("\\\\", "\\"), ("\n", ""),
                     ("\\text", ""), ("\\mbox", ""), ("bmatrix", "pmatrix"), ("\\left", ""), ("\\right", ""),
                     ("^{\\circ}", ""), ("^\\circ", ""), ("{m}^3", ""), ("m^3", ""), ("{units}", ""), ("units", ""),
                     ("{km}", ""), ("km", "")):
        answer = answer.replace(old, new)
    return _mathvision_strip(answer)


def mathvision_answer(response: str | None) -> str:
    """The answer MathVision's ``evaluate.py`` reads from a response (reasoning removed first)."""
    answer = strip_think(response).strip()
    for c in "ABCDE":
        if (answer.endswith(f" {c}.") or answer.endswith(f" ({c}).") or answer.startswith(f"{c}\n")
                or answer.startswith(f"({c})\n") or answer.startswith(f"({c}) {c}\n")):
            answer = c
    if _is_number(answer.split("is ")[-1].rstrip(".")):
        answer = answer.split("is ")[-1].rstrip(".")
    if "oxed{" not in answer:
        for flag in _MATHVISION_FLAGS:
            for spelled in (flag, flag.replace("the", "The")):
                found = spelled in answer
                answer = answer.split(spelled)[-1].strip()
                if found:
                    answer = answer.split("\n")[0].split(". ")[0]
    elif answer.count("oxed{") > 1:
        answer = "\\boxed{" + answer.split("oxed{")[-1]
    answer = _find_math_answer(answer)
    for letter in "abcde":
        answer = answer.replace(f"({letter})", letter)
    for letter in "abcde":
        answer = answer.replace("{" + letter + "}", letter)
    return answer.rstrip(".").lstrip(":").strip()


def mathvision_correct(response: str | None, answer: str, options: list[str] | None = None) -> tuple[str, bool]:
    """(the answer read, whether it is right): MathVision's ``evaluate`` -- :func:`mathvision_answer` equal
    (:func:`mathvision_equal`) to the answer, or, for a multiple-choice question, to the text of the right option."""
    read = mathvision_answer(response)
    value = options[ord(answer) - ord("A")] if options else ""
    return read, mathvision_equal(answer, read) or mathvision_equal(value, read)


# DynaMath (github.com/DynaMath/DynaMath, evaluation/opensource_json_eval.py, commit 65a346a).

DYNAMATH_GUIDE = (  # the reference prompt's answer instruction, verbatim (its trailing spaces and typo included)
    "\n## Answer Instruction Please provide an answer to the question outlined above. Your response should adhere \n"
    "to the following JSON format, which includes two keys: 'solution' and 'short answer'. The 'solution' key can "
    "contain \ndetailed steps needed to solve the question, and the 'short answer' key should provide a concise "
    "response. If the problem is a multiple choice problem, just provide the corresponing choice option, \n"
    "such as 'A', 'B', 'C', or 'D'. If the answer is a numerical value, format it as a three-digit floating-point "
    "number.\n\nExample of expected JSON response format:\n\n")
DYNAMATH_EXAMPLE = json.dumps({"solution": "[Detailed step-by-step explanation]", "short answer": "[Concise Answer]"},
                              indent=4)


def _dynamath_description(text: str) -> str:
    """DynaMath ``preprocess``: from the first ``{`` to the last ``}`` after it, backslashes removed; the text
    unchanged where there is no such pair (or the ``{`` is the last character)."""
    start = text.find("{")
    end = text.rfind("}")
    if start == -1 or start == len(text) - 1 or end < start:
        return text
    return text[start:end + 1].replace("\\", "")


def dynamath_short_answer(response: str | None) -> str | None:
    """The ``short answer`` DynaMath's script reads (None where its script fails on the response): the JSON object
    of :func:`_dynamath_description`, its ``short answer`` key as a string; if that is not JSON, the last line
    without its last character. Reasoning is removed first, and an ``<answer>...</answer>`` block (the format of
    lmms-eval's reasoning tasks) is read as the short answer."""
    text = strip_think(response)
    tag = re.findall(r"<answer>(.*?)</answer>", text, flags=re.S)
    if tag:
        return tag[-1].strip()
    description = _dynamath_description(text)
    try:
        parsed = json.loads(description, strict=False)
    except ValueError:
        return description.split("\n")[-1][:-1]
    return str(parsed.get("short answer")) if isinstance(parsed, dict) else None


def _dynamath_number(text: str) -> float:
    if "\u03c0" in text:
        return float(text.split("\u03c0")[0]) * math.pi
    return float(text)


def dynamath_correct(response: str | None, answer: str, answer_type: str) -> tuple[str, bool]:
    """(the short answer, whether it is right): DynaMath's rule on :func:`dynamath_short_answer` -- ``float``: its
    first space-separated word as a number (``kπ`` as k times pi) within 0.001 of the answer; ``multiple choice``: a
    one-character short answer equal to the answer, a longer one holding the answer in its first three characters;
    otherwise the answer contained in the short answer. Anything unreadable is wrong."""
    short = dynamath_short_answer(response)
    if short is None:
        return "", False
    try:
        if answer_type == "float":
            value = short if short.isdigit() else _dynamath_number(short.split(" ")[0])
            return short, abs(float(value) - float(answer)) <= 0.001
        if answer_type == "multiple choice":
            return short, short == answer if len(short) == 1 else answer in short[0:3]
        return short, answer in short
    except (ValueError, IndexError):
        return short, False


# RealWorldQA: xAI published no scorer; the reference is lmms-eval 0.7.3 (``tasks/realworldqa/utils.py``
# ``realworldqa_process_results`` with ``tasks/_task_utils/mcq_extract.py`` ``extract_mcq_answer``).

_MCQ_PHRASES = ("the answer is", "answer is", "the correct answer is", "correct answer is", "the best answer is",
                "best answer is", "the correct option is", "correct option is", "the best option is",
                "best option is", "the choice is", "choice is", "the correct choice is", "correct choice is",
                "i choose", "i select", "i pick", "my answer is", "my choice is", "옵션", "정답은", "답은", "답:",
                "答案是", "答案为", "选", "答えは")
_MCQ_PRIORITY = {"start": 10, "end": 9, "phrase": 7, "parentheses": 6, "period": 5, "colon": 4, "right_paren": 3,
                 "space": 2, "fallback": 0}


def mcq_answer(response: str | None, choices: list[str]) -> str:
    """lmms-eval's ``extract_mcq_answer`` (0.7.3): each letter's last occurrence as ``(B)``, ``B.``, ``B:``, ``B)``,
    ``B `` and after an answer phrase, the response starting or ending with a standalone letter, else any occurrence;
    the candidate of the highest-ranked form wins, the later one on a tie. Reasoning is removed first."""
    text = strip_think(response).strip()
    if not text:
        return ""
    for char in ",.!?;:'\"":
        text = text.strip(char)
    text = f" {text} "
    candidates = []
    for form, pattern in (("parentheses", "({})"), ("period", "{}."), ("colon", "{}:"), ("right_paren", "{})"),
                          ("space", "{} ")):
        candidates += [(c, text.rfind(pattern.format(c)), form) for c in choices if pattern.format(c) in text]
    lowered = text.lower()
    for phrase in _MCQ_PHRASES:
        at = lowered.find(phrase)
        if at != -1:
            candidates += [(c, text.find(c, at + len(phrase)), "phrase") for c in choices
                           if text.find(c, at + len(phrase)) != -1]
    stripped = text.strip()
    candidates += [(c, 0, "start") for c in choices
                   if stripped.startswith(c) and (len(stripped) == 1 or not stripped[1].isalpha())]
    candidates += [(c, len(text) - 1, "end") for c in choices
                   if stripped.endswith(c) and (len(stripped) == 1 or not stripped[-2].isalpha())]
    if not candidates:
        candidates = [(c, text.rfind(c), "fallback") for c in choices if c in text]
    if not candidates:
        return ""
    return max(candidates, key=lambda c: (_MCQ_PRIORITY[c[2]], c[1]))[0]  # the first on a tie, as a stable sort


def realworldqa_correct(response: str | None, answer: str) -> tuple[str, bool]:
    """(the answer read, whether it is right): lmms-eval's ``realworldqa_process_results`` -- a letter answer A-D by
    :func:`mcq_answer` over the letters A-D; any other answer: the lower-cased response, a final ``.`` removed,
    equal to the lower-cased answer."""
    gold = answer.strip()
    if gold.upper() in ("A", "B", "C", "D"):
        letter = mcq_answer(response, ["A", "B", "C", "D"])
        return letter, letter == gold.upper()
    read = strip_think(response).lower().strip().rstrip(".")
    return read, read == gold.lower()
