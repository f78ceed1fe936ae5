"""Run pages (dopd_vl/samples.py): a step page's contents and the index, from rollouts built by hand."""

import json
import re
from types import SimpleNamespace

from PIL import Image

from dopd_vl import routing
from dopd_vl.samples import (Rollout, Token, index_page, legend_html, probability_text, step_page, step_summary,
                             thumbnail, write_atomically)


def rollout(states, reward, cut=False):
    tokens = [Token(f"w{i} ", state, 0.5 * i, 0.9 if i else 2e-5, 0.4) for i, state in enumerate(states)]
    return Rollout(tokens, reward, cut)


def test_a_step_page_shows_each_prompt_once_with_its_image_badges_and_tooltips(tmp_path):
    image = tmp_path / "scene.png"
    Image.new("RGB", (128, 128), (220, 40, 40)).save(image)
    records = [SimpleNamespace(id="shapes-1", question="Where is the red circle?", answer="top left",
                               images=(str(image),)),
               SimpleNamespace(id="shapes-2", question="What colour is it?", answer="red", images=())]
    rollouts = [rollout(["deep_teacher", "light_self"], 1.0), rollout(["weak_self"], 0.0, cut=True),
                rollout(["dropped"], 0.0), rollout(["light_self"], 0.5)]
    page = step_page(20, records, 2, rollouts, (10, 30))
    assert "<meta name=viewport content='width=device-width, initial-scale=1'>" in page
    assert page.count("<div class=prompt>") == 2 and page.count("Where is the red circle?") == 1
    assert page.count("<img src='data:image/png;base64,") == 1  # the record with an image, embedded
    assert page.count("class=rollout>") == 4
    assert "<span class='badge correct'>correct</span>" in page and page.count("badge wrong") == 2
    assert "<span class='badge cut'>cut at the length limit</span>" in page and "score 0.50" in page
    assert "<a href='step_10.html'>&larr; step 10</a>" in page and "<a href='step_30.html'>step 30 &rarr;</a>" in page
    # every token is its own box, with a tooltip that opens on hover and on tap (focus), in plain words
    assert page.count("tabindex=0") == 5 and ".t:hover .tip,.t:focus .tip{display:block}" in page
    assert "qT, the teacher's probability of this token: 2.0e-05" in page  # small probabilities never read 0.000
    assert "qS, the privileged student's probability of it: 0.400" in page
    # the legend names every state drawn (and only those): three regimes and the dropped tokens
    legend = page[page.index("<p class=legend>"):page.index("</p>", page.index("<p class=legend>"))]
    for state in ("deep teacher", "light self", "weak self", "dropped"):
        assert state in legend
    assert "light teacher" not in legend
    assert routing.REGIME_COLOURS["deep_teacher"] in page  # the one colour table
    assert "tokens are not routed" in legend_html([rollout([None], None)])


def test_the_regime_colours_have_one_source():
    """The pages and the plots read routing.REGIME_COLOURS; no other module spells a regime colour."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("dopd_vl/*.py"), *root.glob("lab/*.py"), *root.glob("eval/*.py")]:
        if path.name == "routing.py":
            continue
        text = path.read_text()
        for colour in routing.REGIME_COLOURS.values():
            assert colour not in text, f"{path} spells {colour}: use routing.REGIME_COLOURS"
    assert len(set(routing.REGIME_COLOURS.values())) == 4 and set(routing.REGIME_COLOURS) == set(routing.REGIMES)


def test_the_index_links_every_sampled_step_with_shares_and_reward():
    summaries = [step_summary(step, {"fraction/deep_teacher": 0.25, "fraction/light_teacher": 0.25,
                                     "fraction/light_self": 0.25, "fraction/weak_self": 0.25, "loss": 0.1},
                              [rollout(["weak_self"], float(step == 20)), rollout(["weak_self"], 0.0, cut=True)])
                 for step in (10, 20)]
    assert summaries[1]["reward_mean"] == 0.5 and summaries[0]["cut"] == 0.5
    page = index_page(summaries)
    assert re.findall(r"href='(step_\d+\.html)'", page) == ["step_10.html", "step_20.html"]
    assert "<svg" in page and page.count("<rect") == 8 and "<polyline" in page  # 2 steps x 4 regimes, reward line
    assert "<td>0.50</td>" in page and "<meta name=viewport" in page


def test_probabilities_and_thumbnails(tmp_path):
    assert probability_text(0.5) == "0.500" and probability_text(0.001) == "0.001"
    assert probability_text(0.0004) == "4.0e-04" and probability_text(0.0) == "0.0e+00"
    big = tmp_path / "big.png"
    Image.new("RGB", (640, 320), (0, 0, 255)).save(big)
    assert thumbnail(str(big)).startswith("data:image/png;base64,")
    assert thumbnail(str(tmp_path / "missing.png")) is None
    write_atomically(tmp_path / "out" / "index.json", json.dumps([]))
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["index.json"]  # no partial file left
