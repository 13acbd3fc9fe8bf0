"""The report's figures: matplotlib (Agg, no pyplot: safe in the server's threads) drawn from a
table's rows as SVG. Pages show them as <img>, so the page itself carries no inline style."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sclero.reports.headline import Headline
from sclero.reports.tables import ReportTable

BRAND, OK, WARN, DANGER, MUTED, BAND = (
    "#0b5c7a",
    "#1e6b3a",
    "#c77700",
    "#a3161a",
    "#8795a1",
    "#e5f4ea",
)
LEVEL_COLOURS = ("#c0392b", "#e59866", "#f4d03f", "#1e6b3a")
FONT: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "sclero",
    "svg.fonttype": "path",
}


def render_svg(table: ReportTable, headline: Headline) -> bytes:
    """The figure of `table` as SVG bytes (an empty-state figure when it has no rows)."""
    with matplotlib.rc_context(FONT):  # type: ignore[arg-type]  # rc keys are plain strings
        figure = Figure(figsize=(6.4, 3.4), layout="constrained")
        axes = figure.add_subplot()
        if not table.rows:
            _empty(axes)
        else:
            DRAW.get(table.key, _counts)(axes, table, headline)
        axes.spines[["top", "right"]].set_visible(False)
        out = io.BytesIO()
        FigureCanvasSVG(figure).print_svg(out, metadata={"Date": None})  # type: ignore[no-untyped-call]
        return out.getvalue()


def _empty(axes: Axes) -> None:
    axes.text(
        0.5,
        0.5,
        "Nothing recorded for these filters",
        ha="center",
        va="center",
        color=MUTED,
        transform=axes.transAxes,
    )
    axes.set_axis_off()


def _col(rows: Sequence[dict[str, Any]], key: str) -> list[Any]:
    return [row.get(key) for row in rows]


def _num(values: Sequence[Any]) -> list[float]:
    return [float(v) if v is not None else 0.0 for v in values]


def _percent_axis(axes: Axes, which: str = "y") -> None:
    axis = axes.yaxis if which == "y" else axes.xaxis
    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _success(axes: Axes, table: ReportTable, headline: Headline) -> None:
    rows = [r for r in table.rows if r["success_share"] is not None][::-1]
    labels = _col(rows, "group")
    shares = _num(_col(rows, "success_share"))
    low = [s - float(r["ci_low_share"]) for s, r in zip(shares, rows, strict=True)]
    high = [float(r["ci_high_share"]) - s for s, r in zip(shares, rows, strict=True)]
    band_low, band_high = headline.benchmark
    axes.axvspan(band_low, band_high, color=BAND, label=f"Benchmark {band_low:.0%}–{band_high:.0%}")
    colours = [BRAND if label == "All treated regions" else "#5b8fa8" for label in labels]
    axes.barh(labels, shares, xerr=[low, high], color=colours, capsize=3, ecolor="#333333")
    axes.set_xlim(0, 1)
    _percent_axis(axes, "x")
    axes.set_xlabel("Treated regions reaching success (95 % Wilson interval)")
    axes.legend(loc="lower right", frameon=False)


def _clearance(axes: Axes, table: ReportTable, headline: Headline) -> None:
    labels = _col(table.rows, "sessions")
    bottom = [0.0] * len(labels)
    for level, colour in enumerate(LEVEL_COLOURS):
        shares = [
            float(r[f"level_{level}"]) / r["assessed"] if r["assessed"] else 0.0 for r in table.rows
        ]
        axes.bar(labels, shares, bottom=bottom, color=colour, label=f"Level {level}")
        bottom = [b + s for b, s in zip(bottom, shares, strict=True)]
    _percent_axis(axes)
    axes.set_xlabel("Sessions received")
    axes.set_ylabel("Scored regions")
    axes.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, 1.12), frameon=False)


def _time_to_success(axes: Axes, table: ReportTable, headline: Headline) -> None:
    weeks = [0, *_num(_col(table.rows, "week"))]
    shares = [1.0, *_num(_col(table.rows, "not_cleared_share"))]
    axes.step(weeks, shares, where="post", color=BRAND, linewidth=2)
    axes.set_ylim(0, 1.02)
    _percent_axis(axes)
    axes.set_xlabel("Weeks since the region's first session")
    axes.set_ylabel("Regions not yet cleared")


def _adverse_events(axes: Axes, table: ReportTable, headline: Headline) -> None:
    per_type: dict[str, float] = {}
    for row in table.rows:
        per_type[row["event_type"]] = per_type.get(row["event_type"], 0.0) + float(
            row["per_session_share"] or 0.0
        )
    names = sorted(per_type, key=per_type.__getitem__)
    axes.barh(names, [per_type[n] for n in names], color=WARN)
    _percent_axis(axes, "x")
    axes.set_xlabel("Events per session")


def _limit_use(axes: Axes, table: ReportTable, headline: Headline) -> None:
    bands = [c for c in table.columns if c.key.startswith("band_") or c.key == "over"]
    width = 0.8 / max(1, len(table.rows))
    for index, row in enumerate(table.rows):
        total = row["sessions"] or 1
        positions = [b + index * width for b in range(len(bands))]
        axes.bar(
            positions,
            [row[c.key] / total for c in bands],
            width=width,
            label=str(row["limit"]).split(" of ")[0],
        )
    axes.set_xticks(
        [b + width * (len(table.rows) - 1) / 2 for b in range(len(bands))], [c.label for c in bands]
    )
    _percent_axis(axes)
    axes.set_ylabel("Sessions")
    axes.set_xlabel("Share of the session limit used")
    axes.legend(frameon=False)


def _sessions_per_month(axes: Axes, table: ReportTable, headline: Headline) -> None:
    months = _col(table.rows, "month")
    axes.bar(months, _num(_col(table.rows, "sessions")), color=BRAND, label="Sessions")
    axes.plot(months, _num(_col(table.rows, "patients")), color=OK, marker=".", label="Patients")
    _thin_ticks(axes, months)
    axes.legend(frameon=False)


def _appointments(axes: Axes, table: ReportTable, headline: Headline) -> None:
    months = _col(table.rows, "month")
    axes.plot(
        months, _num(_col(table.rows, "no_show_share")), color=DANGER, marker=".", label="No-shows"
    )
    axes.plot(
        months,
        _num(_col(table.rows, "cancelled_share")),
        color=MUTED,
        marker=".",
        label="Cancellations",
    )
    _percent_axis(axes)
    _thin_ticks(axes, months)
    axes.set_ylabel("Share of appointments")
    axes.legend(frameon=False)


def _thin_ticks(axes: Axes, labels: Sequence[Any]) -> None:
    step = max(1, len(labels) // 8)
    axes.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
    axes.tick_params(axis="x", labelrotation=30)


def _protocol(axes: Axes, table: ReportTable, headline: Headline) -> None:
    rows = sorted(table.rows, key=lambda r: (r["fired"] or 0) + r["overridden"])[-12:]
    labels = [str(r["rule"])[:40] for r in rows]
    axes.barh(labels, _num(_col(rows, "fired")), color="#5b8fa8", label="Fired")
    axes.barh(
        labels,
        _num(_col(rows, "overridden")),
        color=DANGER,
        height=0.4,
        label="Overridden by a physician",
    )
    axes.set_xlabel("Times")
    axes.legend(frameon=False, loc="lower right")


def _event_outcomes(axes: Axes, table: ReportTable, headline: Headline) -> None:
    rows = table.rows[::-1]
    labels = [f"{r['event_type']}: {str(r['outcome']).lower()}"[:45] for r in rows]
    axes.barh(labels, _num(_col(rows, "events")), color=WARN)
    axes.set_xlabel("Events")


def _counts(axes: Axes, table: ReportTable, headline: Headline) -> None:
    """Any other table: its first column against its first count column."""
    label_column = table.columns[0].key
    count_column = next(
        c.key for c in table.columns[1:] if isinstance(table.rows[0].get(c.key), int | float)
    )
    labels = [str(v)[:40] for v in _col(table.rows, label_column)]
    counts = _num(_col(table.rows, count_column))
    what = next(c.label for c in table.columns if c.key == count_column)
    if all(isinstance(v, int) for v in _col(table.rows, label_column)):  # a scale: 1, 2, 3 …
        axes.bar(labels, counts, color=BRAND)
        axes.set_xlabel(table.columns[0].label)
        axes.set_ylabel(what)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        return
    axes.barh(labels[::-1], counts[::-1], color=BRAND)
    axes.set_xlabel(what)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


DRAW: dict[str, Callable[[Axes, ReportTable, Headline], None]] = {
    "success": _success,
    "clearance_by_sessions": _clearance,
    "time_to_success": _time_to_success,
    "adverse_events": _adverse_events,
    "adverse_event_outcomes": _event_outcomes,
    "limit_use": _limit_use,
    "sessions_per_month": _sessions_per_month,
    "appointments": _appointments,
    "protocol": _protocol,
}
