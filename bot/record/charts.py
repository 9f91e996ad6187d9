"""Participation charts: PNG images drawn from a `SummaryRecord`, nothing else.

The object API (`Figure` + `FigureCanvasAgg`) needs no global backend and no pyplot state, so
charts can be drawn from any thread (a scheduler run, a `/record` request) and no figure is
left behind in pyplot's registry.  Every chart has the same pixel size, colours per kind of
participant and a font matplotlib ships, so the output does not depend on the machine.  Titles,
legends and labels are in the active language (bot/views/i18n.py).
"""

from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator

from bot.domain.summary import KINDS, SummaryRecord
from bot.record.languages import author_kind, local_day
from bot.views.i18n import N_, _

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.0, 100
WIDTH_PX, HEIGHT_PX = int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI)
FONT = "DejaVu Sans"  # ships with matplotlib: no system font needed

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies and in greyscale.
KIND_COLOURS = {
    "member": "#0072B2",
    "observer": "#E69F00",
    "chair": "#009E73",
    "secretariat": "#CC79A7",
}
CHART_FILES = ("comments-per-week.png", "comments-per-item.png")
NO_COMMENTS = N_("No comments yet")


def meeting_weeks(record: SummaryRecord) -> list[int]:
    """Every meeting week from the first to the last one known, gaps included: a week in which
    nobody wrote is worth seeing."""
    known = set(record.figures.by_week) | set(record.week_starts)
    if not known:
        return []
    return list(range(min(known), max(known) + 1))


def week_label(record: SummaryRecord, week: int, *, sep: str = " ") -> str:
    start = record.week_starts.get(week)
    name = _("Week {number}", number=week)
    return f"{name}{sep}{local_day(start)}" if start is not None else name


def week_counts(record: SummaryRecord, week: int) -> dict[str, int]:
    counts = record.figures.by_week.get(week, {})
    return {kind: counts.get(kind, 0) for kind in KINDS}


def item_counts(record: SummaryRecord) -> list[tuple[int, str, dict[str, int]]]:
    """(number, title, active comments by kind) per agenda item, in agenda order; an item counted
    in the figures but missing from the agenda list still shows, after the others."""
    rows: list[tuple[int, str, dict[str, int]]] = []
    for item in record.items:
        counts = record.figures.by_item.get(item.number, item.counts)
        rows.append((item.number, item.title, {k: counts.get(k, 0) for k in KINDS}))
    listed = {item.number for item in record.items}
    for number in sorted(set(record.figures.by_item) - listed):
        counts = record.figures.by_item[number]
        rows.append((number, "", {k: counts.get(k, 0) for k in KINDS}))
    return rows


def _new_figure() -> tuple[Figure, FigureCanvasAgg]:
    # A little more margin than the default: the outside legend's text is measured a few
    # pixels short at this size and would touch the edge.
    layout = ConstrainedLayoutEngine(w_pad=0.15, h_pad=0.1)
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout=layout)
    return figure, FigureCanvasAgg(figure)


def _png(figure: Figure, canvas: FigureCanvasAgg) -> bytes:
    buffer = BytesIO()
    try:
        # No bbox_inches="tight": it would change the pixel size from one record to the next.
        canvas.print_png(buffer, metadata={"Software": None})
    finally:
        figure.clear()
    return buffer.getvalue()


def _stacked_bars(title: str, labels: list[str], series: list[dict[str, int]]) -> bytes:
    figure, canvas = _new_figure()
    axes = figure.add_subplot()
    axes.set_title(title, fontfamily=FONT, fontsize=13)
    if sum(sum(counts.values()) for counts in series) == 0:
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            _(NO_COMMENTS),
            ha="center",
            va="center",
            fontfamily=FONT,
            fontsize=16,
            color="#555555",
            transform=axes.transAxes,
        )
        return _png(figure, canvas)

    positions = list(range(len(labels)))
    bottoms = [0] * len(labels)
    for kind in KINDS:
        heights = [counts[kind] for counts in series]
        axes.bar(
            positions,
            heights,
            bottom=bottoms,
            width=0.7,
            color=KIND_COLOURS[kind],
            label=author_kind(kind),
            edgecolor="white",
            linewidth=0.5,
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if len(labels) <= 15:  # totals above the bars, while they still fit side by side
        for x, total in zip(positions, bottoms, strict=True):
            if total:
                axes.text(
                    x, total, str(total), ha="center", va="bottom", fontfamily=FONT, fontsize=8
                )
    axes.set_xticks(positions, labels)
    # A meeting with one or two items still gets bars of a usual width, centred.
    centre, half = (len(labels) - 1) / 2, max(len(labels), 4) / 2
    axes.set_xlim(centre - half, centre + half)
    axes.set_ylim(0, max(bottoms) * 1.1 + 0.5)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(_("Comments"), fontfamily=FONT)
    axes.tick_params(labelfontfamily=FONT, labelsize=8)
    if len(labels) > 8:
        axes.tick_params(axis="x", labelrotation=45)
        for tick in axes.get_xticklabels():
            tick.set_horizontalalignment("right")
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        prop={"family": FONT, "size": 9},
        frameon=False,
    )
    return _png(figure, canvas)


def comments_per_week_chart(record: SummaryRecord) -> bytes:
    """Active comments per meeting week, stacked by kind of participant (PNG)."""
    weeks = meeting_weeks(record)
    labels = [week_label(record, week, sep="\n") for week in weeks]
    return _stacked_bars(_("Comments per week"), labels, [week_counts(record, w) for w in weeks])


def comments_per_item_chart(record: SummaryRecord) -> bytes:
    """Active comments per agenda item, stacked by kind of participant (PNG)."""
    rows = item_counts(record)
    labels = [_("Item {number}", number=number) for number, _title, _counts in rows]
    series = [counts for _number, _title, counts in rows]
    return _stacked_bars(_("Comments per item"), labels, series)


def render_charts(record: SummaryRecord) -> dict[str, bytes]:
    """Both charts, keyed by the file name they are saved and attached under."""
    week, item = CHART_FILES
    return {week: comments_per_week_chart(record), item: comments_per_item_chart(record)}
