"""Text maths benchmarks: MATH-500, AIME 2025, GSM8K and the synthetic `arith` set of the data builders.

Answers are compared as numbers or expressions, except GSM8K's, compared as lm-evaluation-harness does:

- MATH-500 and AIME 2025: the content of the response's last complete ``\\boxed{...}`` (see :func:`last_boxed`) is
  compared with the reference answer by the official rules: the grader the MATH-500 release ships (OpenAI PRM800K's
  `grade_answer`) and AIME's integer answers (:mod:`eval.math_grading`); ``--scoring lenient`` compares by symbolic
  equivalence with `math-verify` instead, as lighteval and open-r1 do (:func:`math_equal`).
- GSM8K: lm-evaluation-harness 0.4.13's two filters, ``strict-match`` and ``flexible-extract``, and its string
  exact match (see :func:`score_gsm8k`); ``--scoring lenient`` compares the numbers instead.
- arith: the integer a response ends on (see :func:`arith_answer`).
"""

from __future__ import annotations

import re
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path

from eval.base import Benchmark, Doc, jsonl_records, parquet_rows, record_error, require
from eval.extract import last_boxed
from eval.math_grading import aime_equal, math500_equal
from eval.metrics import strip_think

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


# ---------------------------------------------------------------------------------------------------------------------
# Reading the published files.
# ---------------------------------------------------------------------------------------------------------------------


def text_field(benchmark: str, path: Path, record_id: str, record: dict, name: str) -> str:
    """A required field as a non-empty string (numbers are accepted and written as text, as AIME answers may be)."""
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        found = "missing" if value is None else f"{type(value).__name__} {value!r}"[:80]
        raise record_error(benchmark, path, record_id,
                           f"field '{name}': expected a non-empty string, found {found}; re-download the file")
    return str(value)


# ---------------------------------------------------------------------------------------------------------------------
# \boxed{} answers and symbolic equivalence (MATH-500, AIME 2025).
# ---------------------------------------------------------------------------------------------------------------------

_MATH_WORDS = {"pi", "sqrt", "infty", "inf", "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "and", "or"}
_TRAILING_WORDS = re.compile(r"^(?P<value>.*?[\d}])\s+(?P<words>[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})*)\s*\.?$", re.DOTALL)


def strip_plain_units(answer: str) -> str:
    """``10 dollars`` -> ``10``: plain words after a number or a closing brace are a unit or a noun, not maths.

    math-verify already removes ``\\text{...}`` units and a list of unit words; this covers words it does not know
    (``dollars``, ``apples``). Function names (``pi``, ``sqrt``, ``log``...) are never removed."""
    match = _TRAILING_WORDS.match(answer.strip())
    if match is None or any(word.lower() in _MATH_WORDS for word in match["words"].split()):
        return answer
    return match["value"]


def math_equal(answer: str | None, reference: str) -> bool:
    """Whether an extracted answer equals the reference answer, by math-verify's symbolic equivalence.

    Both are parsed as LaTeX (``$...$``, with math-verify's normalisations: ``\\text{}`` and unit words removed,
    ``\\dfrac`` -> ``\\frac``, ``\\left``/``\\right`` dropped, ...) and, failing that, as plain expressions, then
    compared by ``math_verify.verify(reference, answer)``: numbers to 6 decimals (``0.5`` = ``\\frac{1}{2}``),
    expressions by sympy simplification (``\\frac{\\sqrt2}{2}`` = ``\\frac{1}{\\sqrt{2}}``), intervals with their
    open/closed ends, sets and tuples element-wise, equations by their right-hand side (``x=5`` = ``5``), and text
    answers (``\\text{(C)}``) as strings. An empty or unparsable answer is wrong.
    """
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    if not answer or not answer.strip():
        return False
    # math-verify's time limits use SIGALRM, which only the main thread may set
    seconds = 5 if threading.current_thread() is threading.main_thread() else None
    extraction = [LatexExtractionConfig(), ExprExtractionConfig()]

    def parsed(text: str):
        text = re.sub(r"(?<!\\)\$", "", strip_plain_units(text))  # the answer is wrapped in $...$ below
        return parse(f"${text}$", extraction_config=extraction, parsing_timeout=seconds)

    gold, prediction = parsed(reference), parsed(answer)
    if not gold:
        return False
    return bool(verify(gold, prediction, timeout_seconds=seconds))


def boxed_answer(response: str) -> str | None:
    """The content of the response's last complete ``\\boxed{}`` after any thinking block; None without one."""
    return last_boxed(strip_think(response))


def score_math500(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """MATH-500 accuracy by the grader of its release (Lightman et al. 2023, PRM800K `grade_answer`, see
    :func:`eval.math_grading.math500_equal`): normal forms, then tuples element by element and sympy. No box: wrong."""
    extracted = boxed_answer(response)
    return extracted or "", {"accuracy": float(math500_equal(extracted, doc.target))}


def score_aime(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """AIME accuracy: the box holds the reference integer, in digits (:func:`eval.math_grading.aime_equal`)."""
    extracted = boxed_answer(response)
    return extracted or "", {"accuracy": float(aime_equal(extracted, doc.target))}


def score_boxed(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """``--scoring lenient`` for MATH-500 and AIME 2025: the last box is symbolically equivalent to the reference
    (:func:`math_equal`, math-verify as lighteval and open-r1 run it). It accepts what the official rules refuse:
    unreduced fractions, sets in another order, ``0.25`` for ``25\\%``, unit words, and for AIME ``7.0`` or ``x=7``."""
    extracted = boxed_answer(response)
    return extracted or "", {"accuracy": float(math_equal(extracted, doc.target))}


def boxed_prompt(problem: str) -> list[dict]:
    return [{"role": "user", "content": f"{problem}\n{BOXED_INSTRUCTION}"}]


# MATH-500 (HuggingFaceH4/MATH-500) -----------------------------------------------------------------------------------


def load_math500(data_dir: Path, limit: int | None) -> list[Doc]:
    path = data_dir / "math500" / "test.jsonl"
    require(MATH500, data_dir, path)
    docs = []
    for number, record in jsonl_records("math500", path):
        if limit is not None and len(docs) >= limit:
            break
        record_id = f"on line {number}"
        unique_id = text_field("math500", path, record_id, record, "unique_id")
        problem = text_field("math500", path, unique_id, record, "problem")
        answer = text_field("math500", path, unique_id, record, "answer")
        docs.append(Doc(unique_id, boxed_prompt(problem), answer,
                        {"problem": problem, "answer": answer, "subject": record.get("subject"),
                         "level": record.get("level"), "unique_id": unique_id}))
    return docs


MATH500 = Benchmark(
    "math500", ("accuracy",),
    layout="math500/test.jsonl (one JSON object a line: problem, solution, answer, subject, level, unique_id)",
    source="https://huggingface.co/datasets/HuggingFaceH4/MATH-500 "
           "(huggingface-cli download --repo-type dataset HuggingFaceH4/MATH-500 --local-dir DATA_DIR/math500)",
    load=load_math500, score=score_math500, lenient=score_boxed,
    files=lambda data_dir: [data_dir / "math500" / "test.jsonl"], max_new_tokens=4096, version=2)


# AIME 2025 (opencompass/AIME2025) ------------------------------------------------------------------------------------

AIME25_FILES = ("aime2025-I.jsonl", "aime2025-II.jsonl")


def load_aime25(data_dir: Path, limit: int | None) -> list[Doc]:
    paths = [data_dir / "aime25" / name for name in AIME25_FILES]
    require(AIME25, data_dir, *paths)
    docs = []
    for path in paths:
        exam = path.stem.split("-")[-1]  # I or II
        for index, (number, record) in enumerate(jsonl_records("aime25", path), 1):
            if limit is not None and len(docs) >= limit:
                return docs
            doc_id = f"aime2025-{exam}-{index}"
            question = text_field("aime25", path, f"{doc_id} (line {number})", record, "question")
            answer = text_field("aime25", path, f"{doc_id} (line {number})", record, "answer").strip()
            docs.append(Doc(doc_id, boxed_prompt(question), answer,
                            {"question": question, "answer": answer, "exam": f"AIME 2025 {exam}", "problem": index}))
    return docs


AIME25 = Benchmark(
    "aime25", ("accuracy",),
    layout="aime25/aime2025-I.jsonl and aime25/aime2025-II.jsonl (one JSON object a line: question, answer)",
    source="https://huggingface.co/datasets/opencompass/AIME2025 "
           "(huggingface-cli download --repo-type dataset opencompass/AIME2025 --local-dir DATA_DIR/aime25)",
    load=load_aime25, score=score_aime, lenient=score_boxed,
    files=lambda data_dir: [data_dir / "aime25" / name for name in AIME25_FILES], max_new_tokens=4096, version=2)


# ---------------------------------------------------------------------------------------------------------------------
# GSM8K (openai/gsm8k, config main, split test).
# ---------------------------------------------------------------------------------------------------------------------

GSM8K_FILE = Path("gsm8k") / "main" / "test-00000-of-00001.parquet"
GSM8K_INSTRUCTION = ("Solve the problem step by step. Then write the final answer, a number, on the last line "
                     "after \"#### \" (for example: #### 42).")

# lm-evaluation-harness 0.4.13, lm_eval/tasks/gsm8k/gsm8k.yaml (task `gsm8k`, version 3.0): its two filters (a regex
# filter then `take_first`) and the `regexes_to_ignore` of its `exact_match` metric, applied in this order.
GSM8K_STRICT = re.compile(r"#### (\-?[0-9\.\,]+)")  # filter `strict-match`: group_select 0, the first match
GSM8K_FLEXIBLE = re.compile(r"(-?[$0-9.,]{2,})|(-?[0-9]+)")  # filter `flexible-extract`: group_select -1, the last
GSM8K_IGNORED = (re.compile(","), re.compile(r"\$"), re.compile(r"(?s).*#### "), re.compile(r"\.$"))
GSM8K_INVALID = "[invalid]"  # lm_eval/filters/extraction.py RegexFilter's fallback when nothing matches


def gsm8k_filter(response: str, pattern: re.Pattern, group_select: int) -> str:
    """lm-evaluation-harness 0.4.13's `regex` filter (lm_eval/filters/extraction.py, `RegexFilter.apply`) on one
    response: all matches (`findall`), the one at `group_select`; of a match with several groups, the first non-empty
    one; the result stripped of surrounding whitespace. No match: ``[invalid]``.

    Taken as is: a digitless match (``...`` for the flexible pattern) and a match inside a thinking block."""
    matches = pattern.findall(response)
    if not matches:
        return GSM8K_INVALID
    match = matches[group_select]
    if isinstance(match, tuple):
        match = next((group for group in match if group), GSM8K_INVALID)
    return match.strip()


def gsm8k_extract(response: str) -> tuple[str, str]:
    """(strict, flexible) answers of a response, as lm-evaluation-harness 0.4.13's two filters of the `gsm8k` task
    find them (lm_eval/tasks/gsm8k/gsm8k.yaml), each ``[invalid]`` when its pattern does not match:

    - strict-match: the first ``#### <number>`` (regex ``#### (\\-?[0-9\\.\\,]+)``), the answer format of the
      task's chain-of-thought exemplars and of the GSM8K reference solutions.
    - flexible-extract: the last match of ``(-?[$0-9.,]{2,})|(-?[0-9]+)``, roughly the last number of the response
      (a lone ``...`` or ``.,`` matches too, and is then the answer).
    """
    return (gsm8k_filter(response, GSM8K_STRICT, 0), gsm8k_filter(response, GSM8K_FLEXIBLE, -1))


def gsm8k_clean(text: str) -> str:
    """The text `exact_match` compares, as lm-evaluation-harness 0.4.13 prepares a prediction and a reference
    (lm_eval/api/metrics.py `exact_match_hf_evaluate` with gsm8k.yaml's arguments): each of ``regexes_to_ignore``
    (``,``, ``\\$``, ``(?s).*#### ``, ``\\.$``) removed in turn with `re.sub`, then lower case (ignore_case: true);
    punctuation and digits are kept (ignore_punctuation: false). Nothing is stripped: ``18.00`` stays ``18.00`` and
    ``05`` stays ``05``. Two details of the numpy string arrays the metric builds are kept too: trailing NUL
    characters are dropped after each substitution, and lower case is numpy's one-to-one mapping (``İ`` -> ``i``, where
    Python's `str.lower` gives two characters)."""
    for pattern in GSM8K_IGNORED:
        text = pattern.sub("", text).rstrip("\x00")
    return text.replace("\u0130", "i").lower()


def gsm8k_target(solution: str) -> str:
    """A GSM8K reference solution's answer: the text after its last ``####``, stripped (``#### 1,200`` -> ``1,200``).
    For a solution ending ``#### <answer>``, as every GSM8K solution does, its :func:`gsm8k_clean` is the reference
    lm-evaluation-harness compares (it cleans the whole solution, `doc_to_target: "{{answer}}"`)."""
    return solution.split("####")[-1].strip()


def score_gsm8k(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """GSM8K exact match, the two ways lm-evaluation-harness 0.4.13 reports it (task `gsm8k`, version 3.0):
    ``strict_match`` (filter strict-match) and ``flexible_extract`` (filter flexible-extract), each 1.0 when the
    filtered answer and the target are the same text after :func:`gsm8k_clean`.

    The strings are compared, not the numbers: ``18.00``, ``05`` and ``1200.00`` do not match ``18``, ``5`` and
    ``1200``; ``$1,200`` and ``1200.`` match ``1200``. The whole response is read, a thinking block included. The
    project's numeric comparison is :func:`score_gsm8k_lenient` (``--scoring lenient``)."""
    strict, flexible = gsm8k_extract(response)
    target = gsm8k_clean(doc.target)
    scores = {name: float(gsm8k_clean(value) == target)
              for name, value in (("strict_match", strict), ("flexible_extract", flexible))}
    return f"strict={strict} flexible={flexible}", scores


# --scoring lenient: the project's former GSM8K scorer, numbers compared by value.

def gsm8k_number(text: str | None) -> Decimal | None:
    """lm-evaluation-harness's answer cleaning (``regexes_to_ignore``: ``,``, ``$``, everything up to ``#### ``, a
    final ``.``), then the text read as a decimal number; None when it is not one."""
    if text is None:
        return None
    text = re.sub(r"(?s).*#### ", "", text.replace(",", "").replace("$", "")).strip()
    text = re.sub(r"\.$", "", text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def gsm8k_extract_lenient(response: str) -> tuple[str | None, str | None]:
    """(strict, flexible) answers as :func:`gsm8k_extract` finds them, except that a flexible match without any
    digit (an ellipsis ``...``) is skipped rather than taken; None where nothing is found."""
    strict = GSM8K_STRICT.search(response)
    flexible = [next(group for group in match.groups() if group) for match in GSM8K_FLEXIBLE.finditer(response)]
    flexible = [text for text in flexible if any(c.isdigit() for c in text)]
    return (strict.group(1) if strict else None), (flexible[-1] if flexible else None)


def score_gsm8k_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """The project's departure from :func:`score_gsm8k` (``--scoring lenient``): thinking blocks are removed first
    (`strip_think`), a digitless flexible match is skipped, and both sides are cleaned as the harness does (commas,
    ``$`` and a final ``.`` removed) then compared as decimal numbers, so ``1,000`` = ``1000``, ``18.00`` = ``18`` and
    ``05`` = ``5``. No number found: wrong ("[invalid]" in `extracted`)."""
    strict, flexible = gsm8k_extract_lenient(strip_think(response))
    target = gsm8k_number(doc.target)
    scores = {name: float(value is not None and gsm8k_number(value) == target)
              for name, value in (("strict_match", strict), ("flexible_extract", flexible))}
    return f"strict={strict or '[invalid]'} flexible={flexible or '[invalid]'}", scores


def load_gsm8k(data_dir: Path, limit: int | None) -> list[Doc]:
    path = data_dir / GSM8K_FILE
    require(GSM8K, data_dir, path)
    docs = []
    for index, row in enumerate(parquet_rows(path, ["question", "answer"])):
        if limit is not None and len(docs) >= limit:
            break
        doc_id = f"gsm8k-test-{index}"
        question = text_field("gsm8k", path, f"row {index}", row, "question")
        solution = text_field("gsm8k", path, f"row {index}", row, "answer")
        if "####" not in solution or gsm8k_number(solution.split("####")[-1]) is None:
            raise record_error("gsm8k", path, f"row {index}",
                               "field 'answer': the reference solution does not end with '#### <number>'; "
                               "re-download openai/gsm8k (config main)")
        target = gsm8k_target(solution)
        docs.append(Doc(doc_id, [{"role": "user", "content": f"Question: {question}\n{GSM8K_INSTRUCTION}"}],
                        target, {"question": question, "target": target}))
    return docs


GSM8K = Benchmark(
    "gsm8k", ("strict_match", "flexible_extract"),
    layout=f"{GSM8K_FILE.as_posix()} (the Hugging Face openai/gsm8k repository: config main, columns question, "
           "answer)",
    source="https://huggingface.co/datasets/openai/gsm8k "
           "(huggingface-cli download --repo-type dataset openai/gsm8k --local-dir DATA_DIR/gsm8k)",
    load=load_gsm8k, score=score_gsm8k, lenient=score_gsm8k_lenient, files=lambda data_dir: [data_dir / GSM8K_FILE],
    max_new_tokens=1024, version=2)


# ---------------------------------------------------------------------------------------------------------------------
# arith: the synthetic word problems of the data builders (`dopd-vl build-data --task arith`).
# ---------------------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")
_ANSWER_CUE = re.compile(r"answer\s*(?:is|:|=)|####", re.IGNORECASE)


def _numbers(text: str) -> list[str]:
    return [match.group(0).replace(",", "") for match in _NUMBER.finditer(text)]


def arith_answer(response: str) -> str | None:
    """The number an arith response gives as its answer, or None.

    The questions (data_builders/synthetic.py) are one-line word problems ending in "How many ... ?" with no format
    asked, so the rule takes, after any thinking block, in order: the last number inside the last ``\\boxed{}``;
    else the first number after the last answer cue (``answer is``, ``answer:``, ``answer =``, ``####``); else the
    last number of the response. Thousands separators are dropped (``1,200`` -> ``1200``).
    """
    text = strip_think(response)
    boxed = last_boxed(text)
    if boxed is not None:
        numbers = _numbers(boxed)
        return numbers[-1] if numbers else None
    cues = list(_ANSWER_CUE.finditer(text))
    if cues:
        numbers = _numbers(text[cues[-1].end():])
        if numbers:
            return numbers[0]
    numbers = _numbers(text)
    return numbers[-1] if numbers else None


def score_arith(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """Accuracy: the response's answer (:func:`arith_answer`) equals the integer target as a number (``42.0`` = 42)."""
    answer = arith_answer(response)
    correct = answer is not None and Decimal(answer) == Decimal(doc.target)
    return answer or "", {"accuracy": float(correct)}


def load_arith(data_dir: Path, limit: int | None) -> list[Doc]:
    from dopd_vl.records import load_records, render_messages

    folder = data_dir / "arith"
    require(ARITH, data_dir, folder / "manifest.json")
    docs = []
    for record in load_records(folder)[:limit]:
        if not re.fullmatch(r"-?\d+", str(record.answer).strip()):
            raise record_error("arith", folder, record.id, f"field 'answer': {record.answer!r} is not an integer; "
                                                           "rebuild the folder with dopd-vl build-data --task arith")
        docs.append(Doc(record.id, render_messages(record, "student"), str(record.answer).strip(),
                        {"question": record.question, "target": str(record.answer).strip()}))
    return docs


ARITH = Benchmark(
    "arith", ("accuracy",),
    layout="arith/ (a `dopd-vl build-data --task arith` folder: manifest.json and the datasets files)",
    source="generated: dopd-vl build-data --task arith --out DATA_DIR/arith",
    load=load_arith, score=score_arith, files=lambda data_dir: [data_dir / "arith" / "manifest.json"],
    max_new_tokens=256)

BENCHMARKS = [MATH500, AIME25, GSM8K, ARITH]
