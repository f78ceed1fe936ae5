"""Step hints for text reasoning: GSM8K, MATH / MATH-500, NuminaMath-CoT, OpenR1-Math.

A hint keeps a solution's decomposition into steps but carries **no execution results and no final answer** (the
paper found a final answer as privileged input worse than none):
- `gsm8k` ({question, answer}; the answer's lines hold calculator notes `<<48/2=24>>` and end with `#### 72`): one
  hint per solution line, with the notes and every `= result` removed, and a later use of an earlier result
  replaced by `(result of step k)`. "Natalia sold 48/2 = <<48/2=24>>24 clips in May." becomes "Natalia sold 48/2
  clips in May."; the next line "... 48+24 = <<48+24=72>>72 ..." becomes "... 48+(result of step 1) ...".
- `math` ({problem, solution, answer?}: MATH, MATH-500, NuminaMath-CoT, OpenR1-Math; the final answer is the
  `answer` field or the solution's last `\\boxed{}`): one hint per sentence of the solution; the sentence with
  `\\boxed` is dropped, a formula's last `= value` is cut where the value is a computed number, and a sentence that
  still shows the final answer (which the problem does not) is dropped.
`--hints-file` (JSONL of {id, hints}) replaces the derived hints with ones a stronger model wrote; they get the same
final-answer check. Record ids are the row's `id` / `unique_id` / `uuid`, else `<file stem>-<row index>`.
"""

from __future__ import annotations

import re
from pathlib import Path

from data_builders.build import Reject, Source, SourceError, choose_privileged
from data_builders.readers import iter_jsonl, iter_records_file
from dopd_vl.records import RecordError, last_boxed, record_from_dict

CALCULATOR_NOTE = re.compile(r"<<([^<>]*)>>")
NUMBER = re.compile(r"(?<![\w.])-?\$?\d[\d,]*(?:\.\d+)?%?(?![\w])")
EQUALS_RESULT = re.compile(r"\s*=\s*-?\$?\d[\d,]*(?:\.\d+)?%?")


def normalize_number(text: str) -> str:
    text = text.replace(",", "").replace("$", "").rstrip("%").strip()
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def numbers_in(text: str) -> set[str]:
    return {normalize_number(m.group()) for m in NUMBER.finditer(text)}


def gsm8k_hints(question: str, solution: str) -> tuple[list[str], str | None]:
    """(hints, final answer) from a GSM8K answer field."""
    body, marker, final = solution.rpartition("####")
    if not marker:
        return [], None
    final_answer = normalize_number(final.strip())
    given = numbers_in(question)
    computed: dict[str, int] = {}  # result -> the step that computed it
    hints = []
    for line in body.strip().splitlines():
        step = len(hints) + 1
        results = [normalize_number(note.rpartition("=")[2]) for note in CALCULATOR_NOTE.findall(line)]
        line = CALCULATOR_NOTE.sub("", line)
        results += [normalize_number(m.group().split("=", 1)[1]) for m in EQUALS_RESULT.finditer(line)]
        line = EQUALS_RESULT.sub("", line)

        def replace(match, step=step):
            value = normalize_number(match.group())
            if value in given:
                return match.group()
            if value in computed and computed[value] < step:
                return f"(result of step {computed[value]})"
            if value in computed or value in results or value == final_answer:
                return "(this result)"
            return match.group()
        line = " ".join(NUMBER.sub(replace, line).split())
        for value in results:
            computed.setdefault(value, step)
        if re.search(r"[A-Za-z]", line):
            hints.append(line)
    return hints, final_answer


MATH_SEGMENT = re.compile(r"(\$\$.+?\$\$|\$.+?\$|\\\[.+?\\\]|\\\(.+?\\\))", re.S)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\\$])|\n\s*\n")
COMPUTED_VALUE = re.compile(r"^\s*-?(\d+(\.\d+)?|\\frac\{\d+\}\{\d+\}|\\dfrac\{\d+\}\{\d+\}|\d+/\d+)\s*$")


def _answer_pattern(answer: str) -> re.Pattern:
    return re.compile(r"(?<![\w.])" + re.escape(answer) + r"(?![\w])")


def math_hints(problem: str, solution: str, final_answer: str) -> list[str]:
    """Hints from a LaTeX solution: its sentences, with computed values cut or replaced by a step reference, the
    `\\boxed` sentence dropped, and any sentence still showing the final answer dropped."""
    segments = MATH_SEGMENT.split(solution)
    # split sentences outside math only: math segments become placeholders the number pattern cannot match
    protected = "".join(f"\x00M{i}M\x00" if i % 2 else part for i, part in enumerate(segments))
    answer_shown = _answer_pattern(final_answer)
    problem_numbers = numbers_in(problem)
    computed: dict[str, int] = {}
    hints = []
    for sentence in SENTENCE_END.split(protected):
        if not sentence or not sentence.strip():
            continue
        step, results = len(hints) + 1, []

        def earlier(match, in_math=False):
            value = normalize_number(match.group())
            if value in computed and value not in problem_numbers:
                return f"\\text{{(step {computed[value]})}}" if in_math else f"(result of step {computed[value]})"
            return match.group()

        def fill(match):
            opener, inner, closer = _math_parts(segments[int(match.group(1))])
            inner = NUMBER.sub(lambda m: earlier(m, in_math=True), inner)
            left, equals, right = inner.rpartition("=")
            if equals and left.strip() and COMPUTED_VALUE.match(right) and \
                    normalize_number(right.strip()) not in problem_numbers:
                results.append(normalize_number(right.strip()))
                inner = left.rstrip()
            return f"{opener}{inner}{closer}"

        text = re.sub(r"\x00M(\d+)M\x00", fill, NUMBER.sub(earlier, sentence))
        text = " ".join(text.split())
        if "\\boxed" in text or "\\fbox" in text or not re.search(r"[A-Za-z]{2}", text):
            continue
        if answer_shown.search(text) and not answer_shown.search(problem):
            continue
        hints.append(text)
        for value in results:
            computed.setdefault(value, step)
    return hints


def _math_parts(math: str) -> tuple[str, str, str]:
    for opener, closer in (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")):
        if math.startswith(opener) and math.endswith(closer) and len(math) >= len(opener) + len(closer):
            return opener, math[len(opener):len(math) - len(closer)], closer
    return "", math, ""


def hints_source(options):
    source = Path(options.source)

    def make_source(work: Path) -> Source:
        supplied = read_hints_file(Path(options.hints_file)) if options.hints_file else None
        rows = list(iter_records_file(source))
        first = next((row for _, row in rows if isinstance(row, dict)), None)
        if first is None:
            raise SourceError(f"{source}: no rows to read")
        fmt = options.format or detect_format(source, first)
        files = [source] + ([Path(options.hints_file)] if options.hints_file else [])
        total = min(len(rows), options.limit or len(rows))
        return Source(items=_items(options, source, rows[:total], fmt, supplied), files=files, image_root=None,
                      total=total, details={"format": fmt, "hints": "hints-file" if supplied else "derived"})
    return make_source


def detect_format(path: Path, row: dict) -> str:
    if "question" in row and isinstance(row.get("answer"), str) and "####" in row["answer"]:
        return "gsm8k"
    if "problem" in row and "solution" in row:
        return "math"
    raise SourceError(f"{path}: cannot tell the hints format from its fields {sorted(row)[:12]}: expected GSM8K "
                      f"(question, answer with '#### N') or MATH-like (problem, solution, answer?); or pass --format")


def read_hints_file(path: Path) -> dict[str, list[str]]:
    hints = {}
    for where, row in iter_jsonl(path):
        if isinstance(row, Reject):
            raise SourceError(f"--hints-file: {row.message}")
        if not isinstance(row.get("id"), (str, int)) or not isinstance(row.get("hints"), list) or \
                not all(isinstance(h, str) and h.strip() for h in row["hints"]):
            raise SourceError(f"{where}: expected {{\"id\": ..., \"hints\": [non-empty strings]}}; fix the line")
        if str(row["id"]) in hints:
            raise SourceError(f"{where}: duplicate id {row['id']!r} in the hints file; keep one line per id")
        hints[str(row["id"])] = row["hints"]
    return hints


def _items(options, source: Path, rows, fmt: str, supplied: dict | None):
    for index, (where, row) in enumerate(rows):
        if isinstance(row, Reject):
            yield row
            continue
        record_id = str(row.get("id") or row.get("unique_id") or row.get("uuid") or f"{source.stem}-{index}")
        question = row.get("question") if fmt == "gsm8k" else row.get("problem")
        solution = row.get("answer") if fmt == "gsm8k" else row.get("solution")
        solution_field = "answer" if fmt == "gsm8k" else "solution"
        if not isinstance(solution, str) or not solution.strip():
            yield _reject(record_id, where, solution_field, "missing_field", "missing solution",
                          "give the worked solution the hints are derived from")
            continue
        if fmt == "gsm8k":
            hints, answer = gsm8k_hints(question if isinstance(question, str) else "", solution)
        else:
            answer = row.get("answer") if isinstance(row.get("answer"), str) and row["answer"].strip() else \
                last_boxed(solution)
            hints = math_hints(question if isinstance(question, str) else "", solution, answer) if answer else []
        if not answer:
            yield _reject(record_id, where, solution_field, "no_final_answer", "no final answer found ('#### N' or "
                          "\\boxed{...})", "fix the solution or drop the row")
            continue
        if supplied is not None:
            if record_id not in supplied:
                yield _reject(record_id, where, "privileged.hints", "missing_hints", "no hints for this id in "
                              f"{options.hints_file}", "add a line {\"id\": ..., \"hints\": [...]} or drop the row")
                continue
            hints = supplied[record_id]
            shown = _answer_pattern(answer)
            leaked = next((i for i, h in enumerate(hints) if shown.search(h)), None)
            if leaked is not None and not shown.search(question or ""):
                yield _reject(record_id, where, f"privileged.hints[{leaked}]", "hint_has_answer", f"hint "
                              f"{hints[leaked]!r:.80} shows the final answer {answer!r}", "rewrite the hint "
                              "without the result: hints give the steps, not their results")
                continue
        if not hints and options.privileged == "hints":
            yield _reject(record_id, where, "privileged.hints", "no_hints", "no hint left after removing results "
                          "and the final answer", "give hints with --hints-file, or drop the row")
            continue
        provenance = {key: row[key] for key in ("level", "type", "subject", "source") if isinstance(row.get(key), str)}
        data = {"id": record_id, "task": "gsm8k" if fmt == "gsm8k" else "math", "question": question,
                "answer": answer, "privileged": choose_privileged({"hints": hints}, options.privileged, answer),
                "source": {"where": where, "format": fmt, **provenance}}
        try:
            yield record_from_dict(data, where)
        except RecordError as error:
            yield Reject.from_error(error, where)


def _reject(record_id, where, field, reason, problem, fix) -> Reject:
    return Reject(record_id, where, field, reason, f"record {record_id!r} ({where}), field '{field}': {problem}; {fix}")
