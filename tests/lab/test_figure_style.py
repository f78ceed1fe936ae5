"""The figures' one look: every objective has a family, and no two methods of one figure are drawn alike."""

from dopd_vl.objectives import METHODS
from lab import figure_style as style


def test_every_objective_has_a_family():
    assert [method for method in METHODS if style.family(method) == style.OTHER_FAMILY] == []
    members = [method for _, methods in style.FAMILIES.values() for method in methods]
    assert len(members) == len(set(members))  # one family each
    assert len({colour for colour, _ in style.FAMILIES.values()}) == len(style.FAMILIES)


def test_no_two_methods_look_alike():
    labels = [(name, name) for name in METHODS] + [("opsd (self_target=initial)", "opsd"), ("dopd-ema", "dopd")]
    styles = style.method_styles(labels)
    looks = {(s["color"], s["linestyle"], s["marker"]) for s in styles.values()}
    assert len(looks) == len(labels)
    assert styles["dopd"]["color"] == styles["dopd-ema"]["color"] != styles["opd"]["color"]  # colour = family
