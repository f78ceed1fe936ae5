"""Run pages, one self-contained HTML file each (styles, images and charts inline; nothing loaded from a network):

- `samples/step_N.html`: each sampled prompt once, with its image as an embedded thumbnail and the reference answer,
  then its rollouts, each with a verdict badge (correct / wrong by the task benchmark's scorer, cut at the length
  limit) and every token coloured by its DOPD regime, with a tooltip (hover, or tap on a phone) that says the gap and
  both models' probabilities of the token in plain words;
- `samples/index.html`: every sampled step with its regime shares and mean reward, and an inline chart of both.

The colours are `routing.REGIME_COLOURS`, the table the plots use too.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

from dopd_vl import routing

MAX_PROMPTS = 2  # prompts per page, each with all its rollouts
THUMBNAIL_SIDE = 160  # pixels, longest side
DROPPED_COLOUR = "#9e9e9e"  # the DOPD drop ablations' dropped tokens
STATE_TEXT = {"deep_teacher": "deep teacher: full-vocabulary JS to the teacher",
              "light_teacher": "light teacher: top-K reverse KL to the teacher",
              "light_self": "light self: top-K reverse KL to the privileged student",
              "weak_self": "weak self: light reverse KL to the privileged student",
              "dropped": "dropped: no loss (token-drop ablation)"}
INDEX = "index.json"  # the sampled steps' summaries, from which index.html is drawn


@dataclass(frozen=True)
class Token:
    text: str
    state: str | None  # a regime, "dropped", or None where the method scores no gap
    gap: float | None
    teacher: float | None  # the teacher's probability of the token (privileged prompt)
    privileged_student: float | None  # the privileged student's probability of the token


@dataclass(frozen=True)
class Rollout:
    tokens: list[Token]
    reward: float | None  # the benchmark scorer's verdict on the decoded response; None without a scorer
    cut: bool  # stopped by the length limit, not by the end of the turn


def probability_text(p: float) -> str:
    """Probabilities as people read them: three decimals, or scientific notation below 0.001 (never `0.000`)."""
    return f"{p:.3f}" if p >= 1e-3 else f"{p:.1e}"


def token_states(micro_batch, statistics, options) -> list[str] | None:
    """Each response token's state: its regime, or `dropped` for the drop ablations' dropped tokens; None when the
    method scores no privilege gap."""
    from dopd_vl.objectives import kept_tokens

    signals = micro_batch.signals
    if not signals.has_gap or statistics.thresholds is None:
        return None
    states = [routing.REGIMES[code] for code in signals.regimes_N(statistics.thresholds).tolist()]
    if options.drop_tokens != "none":
        kept = kept_tokens(signals, statistics, options).tolist()
        states = [state if keep else "dropped" for state, keep in zip(states, kept)]
    return states


def page_rollouts(micro_batch, statistics, options, tokenizer, reward, stop_ids) -> list[Rollout]:
    """Every rollout of the micro-batch as tokens with their states and signals, and its verdict (`stop_ids`: the
    rollout engine's end-of-turn ids; a response that does not end in one was cut at the length limit)."""
    states = token_states(micro_batch, statistics, options)
    signals = micro_batch.signals
    gaps = signals.gap_N.tolist() if signals.has_gap else None
    teacher = signals.teacher.logprob_N.exp().tolist() if signals.teacher is not None else None
    student = signals.privileged_student.logprob_N.exp().tolist() if signals.privileged_student is not None else None
    rows_N = micro_batch.student_scoring.rows_N.tolist()
    token_ids = micro_batch.student_scoring.token_ids_N.tolist()
    rollouts = micro_batch.rollouts
    per_row: list[list[Token]] = [[] for _ in rollouts.response_ids]
    for n, (row, token_id) in enumerate(zip(rows_N, token_ids)):
        per_row[row].append(Token(tokenizer.decode([token_id]), states[n] if states else None,
                                  gaps[n] if gaps else None, teacher[n] if teacher else None,
                                  student[n] if student else None))
    result = []
    for row, response_ids in enumerate(rollouts.response_ids):
        record = micro_batch.records[row // rollouts.per_prompt]
        text = tokenizer.decode(response_ids, skip_special_tokens=True)
        score = float(reward(record, text)) if reward is not None and str(record.answer or "").strip() else None
        result.append(Rollout(per_row[row], score, not response_ids or response_ids[-1] not in stop_ids))
    return result


def thumbnail(path: str) -> str | None:
    """The image as an inline PNG data address, at most THUMBNAIL_SIDE pixels a side; None if it cannot be read."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
    except OSError:
        return None
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222}
nav a{margin-right:1em} .prompt{margin-top:2em;border-top:1px solid #ccc;padding-top:1em}
.prompt img{float:right;margin:0 0 1em 1em;image-rendering:pixelated;border:1px solid #ccc;max-width:40%}
.rollout{clear:both;margin:.8em 0;padding:.4em .6em;border-left:4px solid #ddd;background:#fafafa}
.badge{display:inline-block;font-size:12px;padding:0 .5em;border-radius:1em;margin-right:.4em;color:#fff}
.correct{background:#1b7837} .wrong{background:#b2182b} .partial{background:#8c6d1f} .cut{background:#555}
.t{position:relative;white-space:pre-wrap;border:1px solid rgba(0,0,0,.18);border-radius:3px;margin:0 1px;
 padding:0 1px;cursor:help;outline:none}
.t .tip{display:none;position:absolute;left:0;top:1.6em;z-index:2;width:17em;background:#222;color:#fff;
 font-size:12px;line-height:1.4;padding:.4em .6em;border-radius:4px;white-space:normal}
.t:hover .tip,.t:focus .tip{display:block}
.dropped{text-decoration:line-through}
.legend span.t{cursor:default} .legend{font-size:13px}
table{border-collapse:collapse;font-size:13px} td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:right}
"""


def page_head(title: str) -> str:
    return (f"<!doctype html><html lang=en><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style>")


def token_html(token: Token) -> str:
    text = html.escape(token.text) or "&#8203;"
    if token.state is None and token.teacher is None:
        return f"<span class=t>{text}</span>"
    colour = DROPPED_COLOUR if token.state == "dropped" else routing.REGIME_COLOURS.get(token.state)
    style = f" style='background:{colour}59'" if colour else ""  # 35% opacity: the text stays readable
    lines = [STATE_TEXT[token.state]] if token.state else []
    if token.gap is not None:
        lines.append(f"gap |log qT - log qS| = {token.gap:.3f}")
    if token.teacher is not None:
        lines.append(f"qT, the teacher's probability of this token: {probability_text(token.teacher)}")
    if token.privileged_student is not None:
        lines.append(f"qS, the privileged student's probability of it: {probability_text(token.privileged_student)}")
    tip = "<br>".join(html.escape(line, quote=False) for line in lines)
    extra = " dropped" if token.state == "dropped" else ""
    return f"<span class='t{extra}' tabindex=0{style}>{text}<span class=tip>{tip}</span></span>"


def badges_html(rollout: Rollout) -> str:
    parts = []
    if rollout.reward is not None:
        if rollout.reward >= 1.0:
            parts.append("<span class='badge correct'>correct</span>")
        elif rollout.reward <= 0.0:
            parts.append("<span class='badge wrong'>wrong</span>")
        else:
            parts.append(f"<span class='badge partial'>score {rollout.reward:.2f}</span>")
    if rollout.cut:
        parts.append("<span class='badge cut'>cut at the length limit</span>")
    return "".join(parts)


def legend_html(rollouts: list[Rollout]) -> str:
    """Every state drawn on the page, and nothing else."""
    drawn = {token.state for rollout in rollouts for token in rollout.tokens}
    entries = [(state, routing.REGIME_COLOURS[state]) for state in routing.REGIMES if state in drawn]
    if "dropped" in drawn:
        entries.append(("dropped", DROPPED_COLOUR))
    if not entries:
        return "<p class=legend>This method scores no privilege gap: tokens are not routed.</p>"
    keys = " ".join(f"<span class=t style='background:{colour}59'>{html.escape(STATE_TEXT[state], quote=False)}</span>"
                    for state, colour in entries)
    return (f"<p class=legend>{keys}<br>Hover or tap a token for its gap and the two models' probabilities of it "
            "(qT: the teacher's, qS: the privileged student's, both shown the privileged input).</p>")


def step_page(step: int, records, per_prompt: int, rollouts: list[Rollout],
              neighbours: tuple[int | None, int | None]) -> str:
    previous, following = neighbours
    nav = ["<a href='index.html'>all steps</a>"]
    if previous is not None:
        nav.insert(0, f"<a href='step_{previous}.html'>&larr; step {previous}</a>")
    if following is not None:
        nav.append(f"<a href='step_{following}.html'>step {following} &rarr;</a>")
    shown = rollouts[:MAX_PROMPTS * per_prompt]
    parts = [page_head(f"dopd-vl: rollouts at step {step}"), f"<nav>{''.join(nav)}</nav>",
             f"<h1>Rollouts at step {step}</h1>", legend_html(shown)]
    for prompt in range(0, len(shown), per_prompt):
        record = records[prompt // per_prompt]
        image = thumbnail(record.images[0]) if record.images else None
        parts.append("<div class=prompt>")
        if image:
            parts.append(f"<img src='{image}' alt='the image of {html.escape(record.id)}'>")
        parts.append(f"<b>{html.escape(record.id)}</b>: {html.escape(record.question)}<br>"
                     f"reference answer: <b>{html.escape(str(record.answer))}</b>")
        for number, rollout in enumerate(shown[prompt:prompt + per_prompt], 1):
            parts.append(f"<div class=rollout><div>rollout {number} {badges_html(rollout)}</div>"
                         + "".join(token_html(token) for token in rollout.tokens) + "</div>")
        parts.append("</div>")
    return "".join(parts)


def step_summary(step: int, metrics: dict, rollouts: list[Rollout]) -> dict:
    rewards = [r.reward for r in rollouts if r.reward is not None]
    return {"step": step, "fractions": {regime: metrics.get(f"fraction/{regime}") for regime in routing.REGIMES
                                        if f"fraction/{regime}" in metrics},
            "reward_mean": sum(rewards) / len(rewards) if rewards else None,
            "cut": sum(r.cut for r in rollouts) / len(rollouts) if rollouts else 0.0, "loss": metrics.get("loss")}


def chart_svg(summaries: list[dict]) -> str:
    """Stacked bars of the regime shares per sampled step, and the mean reward as a black line (0 to 1)."""
    width, height, bar = 640, 160, max(4, min(40, 600 // max(1, len(summaries))))
    parts = [f"<svg viewBox='0 0 {width} {height + 20}' width='100%' role=img "
             "aria-label='regime shares and mean reward per sampled step'>"]
    points = []
    for index, summary in enumerate(summaries):
        x, top = 30 + index * (bar + 2), 0.0
        for regime in routing.REGIMES:
            share = summary["fractions"].get(regime) or 0.0
            parts.append(f"<rect x={x} y={height - (top + share) * height:.1f} width={bar} "
                         f"height={share * height:.1f} fill='{routing.REGIME_COLOURS[regime]}'>"
                         f"<title>step {summary['step']}: {regime} {share:.2f}</title></rect>")
            top += share
        if summary["reward_mean"] is not None:
            points.append(f"{x + bar / 2:.1f},{height - summary['reward_mean'] * height:.1f}")
        parts.append(f"<text x={x + bar / 2:.1f} y={height + 14} font-size=10 text-anchor=middle>"
                     f"{summary['step']}</text>")
    if points:
        parts.append(f"<polyline points='{' '.join(points)}' fill=none stroke=black stroke-width=2/>")
    parts.append(f"<text x=0 y=10 font-size=10>1</text><text x=0 y={height} font-size=10>0</text></svg>")
    return "".join(parts)


def index_page(summaries: list[dict]) -> str:
    has_reward = any(s["reward_mean"] is not None for s in summaries)
    regimes = [r for r in routing.REGIMES if any(r in s["fractions"] for s in summaries)]
    keys = " ".join(f"<span class=t style='background:{routing.REGIME_COLOURS[r]}'>&nbsp;&nbsp;</span> {r}"
                    for r in regimes)
    rows = ["<tr><th>step</th>" + "".join(f"<th>{r}</th>" for r in regimes)
            + ("<th>mean reward</th>" if has_reward else "") + "<th>cut at limit</th><th>loss</th></tr>"]
    for s in summaries:
        cells = "".join(f"<td>{s['fractions'][r]:.2f}</td>" if s["fractions"].get(r) is not None else "<td></td>"
                        for r in regimes)
        reward = (f"<td>{s['reward_mean']:.2f}</td>" if s["reward_mean"] is not None else "<td></td>") \
            if has_reward else ""
        loss = f"{s['loss']:.4f}" if s["loss"] is not None else ""
        rows.append(f"<tr><td><a href='step_{s['step']}.html'>step {s['step']}</a></td>{cells}{reward}"
                    f"<td>{s['cut']:.2f}</td><td>{loss}</td></tr>")
    chart = (f"<p class=legend>{keys}" + (" &mdash; black line: mean reward of the rollouts" if has_reward else "")
             + f"</p>{chart_svg(summaries)}") if regimes or has_reward else ""
    return (page_head("dopd-vl: sampled steps") + "<h1>Sampled steps</h1>"
            "<p>Each step's share of response tokens per DOPD regime (over the whole step), the mean reward of the "
            "page's rollouts (the task benchmark's scorer) and the share cut at the length limit.</p>"
            + chart + "<table>" + "".join(rows) + "</table>")


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_samples(folder: Path, tokenizer, micro_batch, statistics, options, metrics: dict, step: int, *,
                  stop_ids, reward=None, every: int, last_step: int) -> Path:
    """Write `folder/step_<step>.html` and redraw `folder/index.html`; returns the page's path. `every` and
    `last_step` place the page's neighbours; `reward(record, text)` gives the badges (None: no verdicts)."""
    rollouts = page_rollouts(micro_batch, statistics, options, tokenizer, reward, stop_ids)
    previous = step - every if step - every >= every else None
    following = step + every if step + every <= last_step else None
    page = folder / f"step_{step}.html"
    write_atomically(page, step_page(step, micro_batch.records, micro_batch.rollouts.per_prompt, rollouts,
                                     (previous, following)))
    index_path = folder / INDEX
    summaries = json.loads(index_path.read_text()) if index_path.is_file() else []
    summaries = [s for s in summaries if s["step"] < step] + [step_summary(step, metrics, rollouts)]  # a resume
    write_atomically(index_path, json.dumps(summaries))
    write_atomically(folder / "index.html", index_page(summaries))
    return page
