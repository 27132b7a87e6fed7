"""Bar charts as inline SVG, drawn on the server: no script, nothing to download, and allowed
by the console's strict CSP (presentation attributes only, no ``style``).

Each chart is one ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``;
the numbers are in a table beside it for anyone who cannot or would rather not read a chart, so
the drawing itself stays simple. The caller formats every number (in the visitor's locale);
this module only measures and escapes. No data, or nothing but zeros, is a sentence rather
than an empty frame.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

WIDTH: Final = 640  # the viewBox's width; the chart scales to its container (reports.css)
BAR_COLOUR: Final = "#1d70b8"  # GOV.UK blue: 4.5:1 and more against white
TEXT_COLOUR: Final = "#0b0c0c"
RULE_COLOUR: Final = "#b1b4b6"
# Horizontal bars: the label on its own line above the bar, so a long name needs no room
# beside it; the value after the bar's end, in the room kept for it.
ROW_HEIGHT: Final = 46
VALUE_ROOM: Final = 210
LABEL_MAX: Final = 72  # characters; the table has the whole name
# Columns (one per night): at most this many labels under them, and values only above this
# many columns or fewer (more would overlap).
COLUMN_PLOT_HEIGHT: Final = 180
COLUMN_LABELS_MAX: Final = 8
COLUMN_VALUES_MAX: Final = 14


@dataclass(frozen=True)
class Bar:
    label: str  # the group's name as shown (a creative's name, a night's date)
    value: float  # what the bar's length is proportional to
    text: str  # the value as shown beside the bar, formatted by the caller


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    """A coordinate: two decimals at most, no exponent."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _empty(chart_id: str, empty: str) -> Markup:
    return Markup('<p class="govuk-body console-chart-empty" id="{}">{}</p>').format(
        chart_id, empty
    )


def _drawable(bars: Sequence[Bar]) -> float:
    """The largest value, or 0 when there is nothing to draw."""
    return max((max(bar.value, 0.0) for bar in bars), default=0.0)


def _frame(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    # The ids are the chart's own, so several charts on one page keep their names apart.
    head = (
        f'<svg class="console-chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="14" fill="{TEXT_COLOUR}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def bar_chart(chart_id: str, *, title: str, desc: str, bars: Sequence[Bar], empty: str) -> Markup:
    """One horizontal bar per group, longest for the largest value, in the order given."""
    largest = _drawable(bars)
    if largest <= 0:
        return _empty(chart_id, empty)
    room = WIDTH - VALUE_ROOM
    body: list[str] = []
    for index, bar in enumerate(bars):
        top = index * ROW_HEIGHT
        length = room * max(bar.value, 0.0) / largest
        body.append(
            f'<g class="console-chart__bar">'
            f'<text x="0" y="{_number(top + 15)}">{escape(_short(bar.label, LABEL_MAX))}</text>'
            f'<rect x="0" y="{_number(top + 21)}" width="{_number(length)}" height="18" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{_number(length + 8)}" y="{_number(top + 35)}" font-size="13">'
            f"{escape(bar.text)}</text></g>"
        )
    return _frame(chart_id, title, desc, len(bars) * ROW_HEIGHT + 4, body)


def column_chart(
    chart_id: str, *, title: str, desc: str, bars: Sequence[Bar], empty: str
) -> Markup:
    """One column per group, left to right (nights in order), tallest for the largest value.

    With many columns only every few are labelled underneath, and their values are left to
    the table: the largest is written against a rule at the top of the plot instead."""
    largest = _drawable(bars)
    if largest <= 0:
        return _empty(chart_id, empty)
    top, plot = 24, COLUMN_PLOT_HEIGHT
    baseline = top + plot
    slot = WIDTH / len(bars)
    width = max(slot * 0.7, 1.0)
    every = math.ceil(len(bars) / COLUMN_LABELS_MAX)
    values = len(bars) <= COLUMN_VALUES_MAX
    body = [f'<line x1="0" x2="{WIDTH}" y1="{baseline}" y2="{baseline}" stroke="{TEXT_COLOUR}"/>']
    if not values:
        # Too many columns to write each value: the scale is the rule the tallest one meets.
        largest_text = next(bar.text for bar in bars if max(bar.value, 0.0) == largest)
        body.append(
            f'<line x1="0" x2="{WIDTH}" y1="{top}" y2="{top}" stroke="{RULE_COLOUR}" '
            f'stroke-dasharray="4 4"/>'
            f'<text x="0" y="{top - 6}" font-size="13">{escape(largest_text)}</text>'
        )
    for index, bar in enumerate(bars):
        height = plot * max(bar.value, 0.0) / largest
        left = index * slot + (slot - width) / 2
        middle = index * slot + slot / 2
        parts = [
            f'<g class="console-chart__bar"><rect x="{_number(left)}" '
            f'y="{_number(baseline - height)}" width="{_number(width)}" '
            f'height="{_number(height)}" fill="{BAR_COLOUR}"/>'
        ]
        if values:
            parts.append(
                f'<text x="{_number(middle)}" y="{_number(baseline - height - 6)}" '
                f'text-anchor="middle" font-size="13">{escape(bar.text)}</text>'
            )
        if index % every == 0:
            parts.append(
                f'<text x="{_number(middle)}" y="{baseline + 20}" text-anchor="middle" '
                f'font-size="13">{escape(_short(bar.label, 14))}</text>'
            )
        parts.append("</g>")
        body.append("".join(parts))
    return _frame(chart_id, title, desc, baseline + 30, body)
