"""One look for the lab's and the experiments' figures: a colour per method family, a line style and marker per
method within its family, 150 dpi, fonts readable at that size, legends outside the data (constrained layout).
The regimes keep their own colours (`dopd_vl.routing.REGIME_COLOURS`), which no family uses."""

from __future__ import annotations

DPI = 150
FONT_SIZE = 9
TEACHER_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.0}
STUDENT_STYLE = {"color": "#7f7f7f", "linestyle": ":", "linewidth": 1.2}

# family -> (colour, the objectives of dopd_vl.objectives.METHODS in it); colours from Paul Tol's palettes, none of
# them a regime colour (the regimes keep theirs)
FAMILIES = {
    "on-policy distillation (OPD)": ("#332288", ("opd",)),
    "OPD variants": ("#44aa99", ("gkd", "exopd", "eopd", "uniform", "opcd", "uni_opd", "tip", "vision_opd", "va_opd")),
    "self-distillation": ("#aa4499", ("opsd", "sdft", "sdpo")),
    "DOPD": ("#882255", ("dopd", "dopd_no_routing", "dopd_no_self", "dopd_no_teacher", "dopd_no_privileged",
                         "dopd_single_divergence", "dopd_single_support")),
    "DOPD token drops": ("#ddcc77", ("dopd_drop_high_gap", "dopd_drop_low_gap", "dopd_drop_random")),
}
OTHER_FAMILY = "other"
_LINE_STYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")  # 7 against 4 line styles: 28 distinct looks


def family(method: str) -> str:
    """The family of an objective (a name of `dopd_vl.objectives.METHODS`)."""
    return next((name for name, (_, members) in FAMILIES.items() if method in members), OTHER_FAMILY)


def family_colour(name: str) -> str:
    return FAMILIES[name][0] if name in FAMILIES else "#999999"


def method_styles(methods: list[tuple[str, str]]) -> dict[str, dict]:
    """Line styles for (label, objective) pairs: the family's colour, then the n-th member of a family its n-th line
    style and marker, so that no two labels look alike."""
    styles, seen = {}, {}
    for label, method in methods:
        name = family(method)
        index = seen.get(name, 0)
        seen[name] = index + 1
        styles[label] = {"color": family_colour(name), "linestyle": _LINE_STYLES[index % len(_LINE_STYLES)],
                         "marker": _MARKERS[index % len(_MARKERS)], "markersize": 3.5}
    return styles


def pyplot():
    """matplotlib's pyplot on the file backend, with the figures' font size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": FONT_SIZE, "axes.titlesize": FONT_SIZE + 1, "legend.fontsize": FONT_SIZE - 1})
    return plt


def figure(plt, *args, **kwargs):
    """`plt.subplots` at the figures' resolution with constrained layout (room for a legend outside)."""
    return plt.subplots(*args, dpi=DPI, layout="constrained", **kwargs)
