"""LiveBench's shared extraction helpers (its process_results/util.py): the answer in the last box, the <solution>
tags, Python literals."""

from __future__ import annotations

import ast
import re


def boxed_inside(text: str) -> str | None:
    """The answer in the last box exactly as LiveBench reads it, `remove_boxed(last_boxed_only_string(text))`: after a
    `\\boxed ` with a space, the text up to the next `$`; else the last `\\boxed{...}` (an `\\fbox{...}` only when
    there is no `\\boxed`) with balanced braces, `$` removed, content not stripped. None when there is none, its
    braces never close, or LiveBench's `remove_boxed` raises (:func:`unbox`). Not `dopd_vl.records.last_boxed`, which
    reads boxes for our own scorers: LiveBench's scores must equal its reference scorer's, edge cases included (which
    box wins, an unclosed last box, stripping)."""
    boxed = last_boxed(text)
    return None if boxed is None else unbox(boxed)


def last_boxed(text: str) -> str | None:
    """LiveBench's `last_boxed_only_string`: after a `\\boxed ` with a space, `\\boxed ` and the text up to the next
    `$`; else the last `\\boxed` (an `\\fbox` only when there is no `\\boxed`) up to the brace that closes its first
    one, `$` removed and `fbox` read as `boxed`; None when there is none or its braces never close."""
    if "\\boxed " in text:
        return "\\boxed " + text.split("\\boxed ")[-1].split("$")[0]
    start = text.rfind("\\boxed")
    if start < 0:
        start = text.rfind("\\fbox")
        if start < 0:
            return None
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index + 1].replace("$", "").replace("fbox", "boxed")
    return None


def unbox(boxed: str) -> str | None:
    """LiveBench's `remove_boxed` on a :func:`last_boxed` result: the text after `\\boxed ` or inside `\\boxed{...}`;
    None where its assertions fail (a `\\boxed ` not at the start, a box not opened by `\\boxed{`), where LiveBench
    raises and scores 0."""
    if "\\boxed " in boxed:
        return boxed[len("\\boxed "):] if boxed.startswith("\\boxed ") else None
    if boxed.startswith("\\boxed{") and boxed.endswith("}"):
        return boxed[len("\\boxed{"):-1]
    return None


def box_raises(text: str) -> bool:
    """Whether LiveBench's `remove_boxed(last_boxed_only_string(text))` raises (an AssertionError that it records as
    an eval_error, score 0): the last box closes its braces but does not open them right after the command
    (`\\boxedB{x}`, `\\boxed\\n{B}`)."""
    boxed = last_boxed(text)
    return boxed is not None and unbox(boxed) is None


def _solutions(text: str, flags: int = 0) -> list[str]:
    """Contents of `<solution>...</solution>`, else of a mistyped `</solution>...</solution>`."""
    return (re.findall(r"<solution>(.*?)</solution>", text, flags)
            or re.findall(r"</solution>(.*?)</solution>", text, flags))


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None
