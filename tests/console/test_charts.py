"""The Reports page's SVG charts: well-formed, named for screen readers, bars in proportion,
text escaped, and a sentence instead of a chart when there is nothing to draw."""

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from markupsafe import Markup

from signage.console import charts
from signage.console.charts import Bar, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"
Draw = Callable[..., Markup]


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # a chart is well-formed XML, or this raises


def _rects(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(f"{SVG}rect"))


def _texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def test_horizontal_bars_are_in_proportion_to_their_values() -> None:
    bars = [Bar("Walk Away", 40, "40 plays"), Bar("Get Home Safe", 10, "10 plays")]
    svg = _parse(bar_chart("chart-c", title="Plays", desc="Bars", bars=bars, empty="None"))
    widths = [float(r.get("width", "")) for r in _rects(svg)]
    assert widths[0] == charts.WIDTH - charts.VALUE_ROOM  # the largest fills the room
    assert widths[1] == pytest.approx(widths[0] / 4)
    assert _texts(svg) == ["Walk Away", "40 plays", "Get Home Safe", "10 plays"]
    # Each bar's value is written just after its end.
    values = [t for t in svg.iter(f"{SVG}text") if t.text and t.text.endswith("plays")]
    assert [float(t.get("x", "")) for t in values] == [widths[0] + 8, widths[1] + 8]


def test_columns_are_in_proportion_to_their_values() -> None:
    bars = [Bar("Fri 27 Nov", 30, "30"), Bar("Sat 28 Nov", 15, "15"), Bar("Sun 29 Nov", 0, "0")]
    svg = _parse(column_chart("chart-n", title="Per night", desc="Columns", bars=bars, empty="-"))
    rects = _rects(svg)
    heights = [float(r.get("height", "")) for r in rects]
    assert heights == [charts.COLUMN_PLOT_HEIGHT, charts.COLUMN_PLOT_HEIGHT / 2, 0]
    # All stand on one baseline.
    bottoms = {float(r.get("y", "")) + float(r.get("height", "")) for r in rects}
    assert len(bottoms) == 1
    # Left to right in the order given, each labelled and with its value.
    xs = [float(r.get("x", "")) for r in rects]
    assert xs == sorted(xs)
    assert _texts(svg) == ["30", "Fri 27 Nov", "15", "Sat 28 Nov", "0", "Sun 29 Nov"]


def test_a_chart_is_an_image_named_by_its_title_and_desc() -> None:
    markup = bar_chart(
        "chart-x",
        title="Plays per creative",
        desc="The table has them",
        bars=[Bar("A", 1, "1")],
        empty="None",
    )
    svg = _parse(markup)
    assert svg.get("role") == "img"
    assert svg.get("id") == "chart-x"
    assert svg.get("aria-labelledby") == "chart-x-title chart-x-desc"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None
    assert title.get("id") == "chart-x-title"
    assert title.text == "Plays per creative"
    assert desc is not None
    assert desc.get("id") == "chart-x-desc"
    assert desc.text == "The table has them"
    assert "style" not in markup  # the CSP allows no inline style


@pytest.mark.parametrize("draw", [bar_chart, column_chart])
def test_labels_and_titles_are_escaped(draw: Draw) -> None:
    hostile = '<script>alert("x")</script> & "Co"'
    markup = draw(
        "chart-e", title=hostile, desc=hostile, bars=[Bar(hostile[:12], 1, hostile)], empty="-"
    )
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    svg = _parse(markup)  # still well-formed
    assert hostile in _texts(svg)
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text == hostile


@pytest.mark.parametrize("draw", [bar_chart, column_chart])
@pytest.mark.parametrize("bars", [[], [Bar("A", 0, "0"), Bar("B", 0, "0")]])
def test_nothing_to_draw_is_a_sentence(draw: Draw, bars: list[Bar]) -> None:
    markup = draw("chart-z", title="Plays", desc="-", bars=bars, empty="No plays <yet>")
    assert "<svg" not in markup
    assert (
        markup == '<p class="govuk-body console-chart-empty" id="chart-z">No plays &lt;yet&gt;</p>'
    )


def test_a_long_label_is_shortened_on_the_chart() -> None:
    name = "Night bus safety: get home safe with a friend " * 4
    svg = _parse(bar_chart("c", title="t", desc="d", bars=[Bar(name, 1, "1")], empty="-"))
    label = _texts(svg)[0]
    assert len(label) == charts.LABEL_MAX
    assert label.endswith("…")
    assert name.startswith(label[:-1])


def test_many_columns_are_labelled_every_few_with_the_scale_at_the_top() -> None:
    bars = [Bar(f"Night {n}", n, f"{n} plays") for n in range(1, 32)]
    svg = _parse(column_chart("c", title="t", desc="d", bars=bars, empty="-"))
    assert len(_rects(svg)) == 31
    texts = _texts(svg)
    labels = [t for t in texts if t.startswith("Night")]
    assert 1 < len(labels) <= charts.COLUMN_LABELS_MAX
    assert labels[0] == "Night 1"
    # No value over each column (they would overlap): the largest is written at the scale.
    assert [t for t in texts if t.endswith("plays")] == ["31 plays"]
    assert len(list(svg.iter(f"{SVG}line"))) == 2  # the baseline and the rule at the top


def test_negative_values_draw_nothing_rather_than_break() -> None:
    svg = _parse(
        bar_chart("c", title="t", desc="d", bars=[Bar("A", 2, "2"), Bar("B", -1, "-1")], empty="-")
    )
    assert [float(r.get("width", "")) for r in _rects(svg)][1] == 0
