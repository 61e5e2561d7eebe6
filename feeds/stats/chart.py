"""A feed's subscribers over time as an SVG chart, drawn on the server.

Two stacked areas (reported by aggregators, individual readers) under a line for the
total. Colours come from the page's CSS classes, so one drawing serves the light and the
dark scheme; the title and description say in words what the picture shows, and the page
puts the same numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 26


def nice_ceiling(value: int) -> int:
    """Return a round number at or above value for the top of the scale (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart_svg(series: Sequence[dict[str, Any]], name: str, element_id: str) -> Markup:
    """Return an inline SVG of a feed's daily subscribers (reported + individual)."""
    if not series:
        return Markup("")
    totals = [d["reported"] + d["individuals"] for d in series]
    top = nice_ceiling(max(totals))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(series) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + inner_h - v * inner_h / top

    def points(values: Sequence[float]) -> str:
        return " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))

    reported = [d["reported"] for d in series]
    base = f"{x(len(series) - 1):.1f},{y(0):.1f} {x(0):.1f},{y(0):.1f}"
    reported_back = " ".join(
        f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(list(enumerate(reported)))
    )
    first, last = series[0], series[-1]
    title = f"Subscribers of {name}, {first['day']} to {last['day']}"
    words = (
        f"From {totals[0]:,} on {first['day']} to {totals[-1]:,} on {last['day']}; "
        f"highest {max(totals):,}, lowest {min(totals):,}. Reported by aggregators: "
        f"{reported[-1]:,} on the last day; individual readers: {last['individuals']:,}."
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{element_id}-t {element_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{element_id}-t">{escape(title)}</title>',
        f'<desc id="{element_id}-d">{escape(words)}</desc>',
    ]
    for value in (0, top // 2, top) if top > 1 else (0, top):
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text class="axis" x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{value:,}</text>'
        )
    parts += [
        f'<polygon class="reported" points="{points(reported)} {base}"/>',
        f'<polygon class="individuals" points="{points(totals)} {reported_back}"/>',
        f'<polyline class="total" fill="none" points="{points(totals)}"/>',
        f'<text class="axis" x="{LEFT}" y="{HEIGHT - 6}">{escape(first["day"])}</text>',
        f'<text class="axis" x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end">'
        f"{escape(last['day'])}</text>",
        "</svg>",
    ]
    return Markup("".join(parts))
