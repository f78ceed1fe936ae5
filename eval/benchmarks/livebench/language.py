"""LiveBench's language category: connections, typos and plot unscrambling."""

from __future__ import annotations

import difflib
import re

from eval.benchmarks.livebench.extraction import last_boxed, unbox
from eval.metrics import levenshtein


def _groups_of_four(words: list[str]) -> list[set[str]]:
    groups = [set()]
    for word in (w.strip().lower() for w in words):
        if len(groups[-1]) == 4:
            groups.append(set())
        groups[-1].add(word)
    return groups


def connections(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Connections, release 2024-11-25 on (`connections_process_results`): the words of the <solution> (several tags:
    the last ones; else the last `\\boxed{}`, 0 when LiveBench cannot unbox it), grouped by four in order; the share
    of true groups found exactly."""
    truth_words = ground_truth.split(",")
    flat = answer.replace("\n", "")
    solutions = (re.findall(r"<solution>(.*?)</solution>", answer) or re.findall(r"<solution>(.*?)</solution>", flat)
                 or re.findall(r"</solution>(.*?)</solution>", answer)
                 or re.findall(r"</solution>(.*?)</solution>", flat))
    if not solutions and "\\boxed" in answer:
        boxed = last_boxed(answer)
        inside = unbox(boxed) if boxed is not None else None
        if inside is None:  # a box LiveBench cannot read: it raises
            return "", 0.0
        solutions = [inside.replace("\\text{", "").replace("}", "").replace("\\", "")]
    solutions = [s.replace("\n", "") for s in solutions]
    if not solutions:
        return "", 0.0
    words = [w for s in solutions for w in s.split(",")][-len(truth_words):] if len(solutions) > 1 \
        else solutions[-1].split(",")
    truth_groups = _groups_of_four(truth_words)
    found = sum(group in truth_groups for group in _groups_of_four(words))
    return ",".join(words), found / len(truth_groups)


def connections_bold(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Connections, releases before 2024-11-25 (`connections_process_results_old`): over every **bold** span read as
    groups of four words, the best share of true groups contained in some group."""
    bold = re.findall(r"\*\*(.*?)\*\*", answer.replace("\n", ""))
    truth_groups = _groups_of_four(ground_truth.split(","))
    shares = [(sum(any(t <= g for g in _groups_of_four(span.split(","))) for t in truth_groups) / len(truth_groups),
               span) for span in bold]
    best = max(shares, key=lambda pair: pair[0], default=(0.0, ""))
    return best[1], best[0]


def typos(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Typos (`typos_process_results`): the last <solution> (else the text between ` --- ` markers, else all of it),
    its non-empty lines joined by spaces, contains the corrected text exactly."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer)
    if solutions:
        parsed = solutions[-1]
    else:
        parsed = answer.replace("<solution>", "").replace("</solution>", "")
        marked = re.search(r".* --- (.*?) --- .*", parsed)
        parsed = marked.group(1) if marked else parsed
    parsed = " ".join(filter(None, parsed.strip().split("\n")))
    return parsed, float(ground_truth in parsed)


def plot_unscrambling(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Plot unscrambling (`plot_unscrambling_process_results`): the text in <PLOT_SUMMARY> (or all of it) is split
    at full stops; each true sentence is matched to its closest answer sentence (`difflib.get_close_matches`); the
    score is 1 minus the edit distance between the true order and that order, over the number of true sentences (0
    for a truth with no sentence, where LiveBench raises)."""
    summary = re.search(r"<PLOT_SUMMARY>(.*)</PLOT_SUMMARY>", answer, re.DOTALL) \
        or re.search(r"<PLOT_SUMMARY>(.*)", answer, re.DOTALL)
    text = summary.group(1) if summary else answer
    truth = [s for s in (s.strip() for s in ground_truth.split(".")) if s]
    given = [s for s in (s.strip() for s in text.split("."))
             if s and s not in ("</PLOT_SUMMARY>", "**End of Plot Summary**")]
    if not truth:  # LiveBench divides by zero: score 0
        return text.strip(), 0.0
    order = []
    for sentence in truth:
        closest = difflib.get_close_matches(sentence, given, n=1, cutoff=0.0)
        if closest:
            order.append(given.index(closest[0]))
    return text.strip(), 1 - levenshtein(list(range(len(truth))), order) / len(truth)


# `--scoring lenient`: rule name -> the project's departure from LiveBench's rule (none kept here)
LENIENT: dict = {}
