"""`samples/step_N.html`: a few rollouts with each token coloured by its DOPD regime, the gap on hover."""

from __future__ import annotations

import html
import os
from pathlib import Path

from dopd_vl import routing

COLOURS = {"deep_teacher": "#f4a259", "light_teacher": "#f9dc8c", "light_self": "#8ecae6", "weak_self": "#cfe8d5"}
MAX_SEQUENCES = 4


def token_regimes(micro_batch, statistics) -> list[str] | None:
    """The regime of every token of a micro-batch, or None when the method scores no privilege gap."""
    signals = micro_batch.signals
    if not signals.has_gap or statistics.thresholds is None:
        return None
    return [routing.REGIMES[c] for c in signals.regimes_N(statistics.thresholds).tolist()]


def write_samples(path: Path, tokenizer, micro_batch, statistics, step: int) -> None:
    regimes = token_regimes(micro_batch, statistics)
    signals = micro_batch.signals
    gaps = signals.gap_N.tolist() if signals.has_gap else None
    teacher = signals.teacher.logprob_N.exp().tolist() if signals.teacher is not None else None
    student = signals.privileged_student.logprob_N.exp().tolist() if signals.privileged_student is not None else None
    rows_N = micro_batch.student_scoring.rows_N.tolist()
    token_ids = micro_batch.student_scoring.token_ids_N.tolist()
    per_prompt = micro_batch.rollouts.per_prompt
    parts = [f"<!doctype html><meta charset='utf-8'><title>dopd-vl samples, step {step}</title>",
             "<style>body{font:14px system-ui;max-width:60em;margin:2em auto}span.t{white-space:pre-wrap;"
             "border-radius:3px}.q{color:#555;margin-top:2em}</style>",
             f"<h1>Rollouts at step {step}</h1>"]
    if regimes is not None:
        parts.append("<p>" + " ".join(f"<span class=t style='background:{c}'>&nbsp;{r}&nbsp;</span>"
                                      for r, c in COLOURS.items()) + " (hover a token for its gap and confidences)</p>")
    for row in range(min(MAX_SEQUENCES, len(micro_batch.rollouts.response_ids))):
        record = micro_batch.records[row // per_prompt]
        parts.append(f"<div class=q><b>{html.escape(record.id)}</b>: {html.escape(record.question)}"
                     f"<br>reference answer: {html.escape(str(record.answer))}</div><p>")
        for n, (token_row, token_id) in enumerate(zip(rows_N, token_ids)):
            if token_row != row:
                continue
            text = html.escape(tokenizer.decode([token_id]))
            title = []
            if gaps is not None:
                title.append(f"gap {gaps[n]:.3f}")
            if teacher is not None:
                title.append(f"qT {teacher[n]:.3f}")
            if student is not None:
                title.append(f"qS {student[n]:.3f}")
            colour = COLOURS[regimes[n]] if regimes is not None else "transparent"
            label = f"{regimes[n]}: " if regimes is not None else ""
            parts.append(f"<span class=t style='background:{colour}' title='{label}{', '.join(title)}'>{text}</span>")
        parts.append("</p>")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".html.partial")
    temporary.write_text("".join(parts), encoding="utf-8")
    os.replace(temporary, path)

