"""Horizontal bar charts as inline SVG, drawn on the server: no JavaScript, nothing fetched.

Every chart is an image with a title and a description that states its data in words
(`role="img"`, `aria-labelledby`), and every bar carries its label and value as text, so the
chart reads without colour and without a mouse. The same numbers are in the table beside it.
Text is drawn in `currentColor`, so the chart follows the admin's light and dark themes.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from reports.formatting import percent
from reports.queries import ReportRow

LABEL_WIDTH = 200  # group names, right-aligned against the bars
BAR_AREA = 380
VALUE_WIDTH = 260  # the value written after each bar
WIDTH = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
ROW_HEIGHT = 28
BAR_HEIGHT = 18
LEGEND_HEIGHT = 28
AXIS_HEIGHT = 24
LABEL_CHARACTERS = 28
TICKS = [Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1)]

PRIMARY = "#417690"
WARNING = "#ba2121"


@dataclass(frozen=True)
class Segment:
    """A share of a bar (0 to 1 of the full width) in one colour."""

    share: Fraction
    colour: str


@dataclass(frozen=True)
class Bar:
    """One group: its label, its segments (none when there is nothing to show) and the value
    written after the bar."""

    label: str
    segments: list[Segment]
    text: str


def _short(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1] + "…"


def _x(share: Fraction) -> float:
    return round(LABEL_WIDTH + float(min(max(share, Fraction(0)), Fraction(1))) * BAR_AREA, 1)


def _row(bar: Bar, top: int) -> SafeString:
    middle = top + ROW_HEIGHT // 2
    bar_top = top + (ROW_HEIGHT - BAR_HEIGHT) // 2
    parts = [
        format_html("<title>{}: {}</title>", bar.label, bar.text),
        format_html(
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
            LABEL_WIDTH - 8,
            middle,
            _short(bar.label),
        ),
        format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="currentColor" fill-opacity="0.08"/>',
            LABEL_WIDTH,
            bar_top,
            BAR_AREA,
            BAR_HEIGHT,
        ),
    ]
    start = Fraction(0)
    for segment in bar.segments:
        end = start + segment.share
        width = _x(end) - _x(start)
        if width > 0:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    _x(start),
                    bar_top,
                    round(width, 1),
                    BAR_HEIGHT,
                    segment.colour,
                )
            )
        start = end
    parts.append(
        format_html(
            '<text x="{}" y="{}" dominant-baseline="middle">{}</text>',
            LABEL_WIDTH + BAR_AREA + 8,
            middle,
            bar.text,
        )
    )
    return format_html('<g class="chart-row">{}</g>', mark_safe("".join(parts)))


def _legend(legend: list[tuple[str, str]]) -> SafeString:
    items = []
    x = LABEL_WIDTH
    for name, colour in legend:
        items.append(
            format_html(
                '<rect x="{}" y="6" width="14" height="14" fill="{}"/>'
                '<text x="{}" y="13" dominant-baseline="middle">{}</text>',
                x,
                colour,
                x + 20,
                name,
            )
        )
        x += 20 + 9 * len(name) + 24
    return format_html('<g class="chart-legend">{}</g>', mark_safe("".join(items)))


def _axis(top: int, bottom: int) -> SafeString:
    lines = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="currentColor" stroke-opacity="0.25"/>'
        '<text x="{0}" y="{3}" text-anchor="middle" font-size="11">{4}%</text>',
        ((_x(tick), top, bottom, bottom + AXIS_HEIGHT // 2 + 2, int(tick * 100)) for tick in TICKS),
    )
    return format_html('<g class="chart-axis" aria-hidden="true">{}</g>', lines)


def horizontal_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: list[Bar],
    legend: list[tuple[str, str]] | None = None,
) -> SafeString:
    """An SVG image of `bars`, one row each, scaled from 0 % to 100 % of the bar area."""
    top = LEGEND_HEIGHT if legend else 8
    bottom = top + ROW_HEIGHT * max(len(bars), 1)
    height = bottom + AXIS_HEIGHT
    rows = mark_safe(
        "".join(str(_row(bar, top + index * ROW_HEIGHT)) for index, bar in enumerate(bars))
    )
    if not bars:
        rows = format_html(
            '<text x="{}" y="{}" dominant-baseline="middle">{}</text>',
            LABEL_WIDTH,
            top + ROW_HEIGHT // 2,
            "No classes held in this period.",
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        'aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" width="{1}" height="{2}" '
        'font-size="13" fill="currentColor">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>'
        "{5}{6}{7}</svg>",
        chart_id,
        WIDTH,
        height,
        title,
        description,
        _legend(legend) if legend else "",
        _axis(top, bottom),
        rows,
    )


def fill_rate_chart(rows: list[ReportRow], labels: list[str], *, subject: str) -> SafeString:
    """Fill rate per group: the spots taken out of the capacity of the classes held."""
    bars = [
        Bar(
            label=label,
            segments=[Segment(row.fill_rate, PRIMARY)] if row.fill_rate is not None else [],
            text=percent(row.fill_rate),
        )
        for row, label in zip(rows, labels, strict=True)
    ]
    return horizontal_bar_chart(
        chart_id="fill-rate-chart",
        title=f"Fill rate by {subject}",
        description=_in_words("Fill rate", bars),
        bars=bars,
    )


def attendance_chart(rows: list[ReportRow], labels: list[str], *, subject: str) -> SafeString:
    """Attended and no-show shares of the bookings whose outcome is recorded, per group."""
    bars = []
    for row, label in zip(rows, labels, strict=True):
        if row.outcomes:
            segments = [
                Segment(row.attendance_rate, PRIMARY),
                Segment(row.no_show_rate, WARNING),
            ]
            text = f"{percent(row.attendance_rate)} attended, {percent(row.no_show_rate)} no-show"
        else:
            segments, text = [], "no outcomes recorded"
        bars.append(Bar(label=label, segments=segments, text=text))
    return horizontal_bar_chart(
        chart_id="attendance-chart",
        title=f"Attendance and no-shows by {subject}",
        description=_in_words("Share of recorded outcomes", bars),
        bars=bars,
        legend=[("Attended", PRIMARY), ("No-show", WARNING)],
    )


def _in_words(measure: str, bars: list[Bar]) -> str:
    if not bars:
        return f"{measure}: no classes held in this period."
    return f"{measure}: " + "; ".join(f"{bar.label}, {bar.text}" for bar in bars) + "."
