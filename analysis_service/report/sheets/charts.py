"""Native Excel charts over cells a sheet has written (one helper, reused
by every agent sheet: null % per column, histograms, PSI per column, risk
per column ...).

A chart references a column range of its own sheet: ``labels`` and
``values`` are :class:`Span` s (column, first row, last row; 1-based, the
header row excluded). Percent columns hold fractions formatted as %, and
the axis uses the same format.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet


@dataclass(frozen=True)
class Span:
    column: int
    first_row: int
    last_row: int


def add_bar_chart(
    sheet: WriteOnlyWorksheet,
    *,
    title: str,
    labels: Span,
    values: Span,
    anchor: str,
    series_title: str,
    y_title: str = "",
    x_title: str = "",
    percent: bool = False,
    horizontal: bool = False,
    width_cm: float = 18.0,
    height_cm: float = 9.0,
) -> BarChart:
    """A bar (or column) chart of ``values`` by ``labels``, anchored at a cell."""
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = x_title
    chart.legend = None
    chart.width, chart.height = width_cm, height_cm
    data = Reference(
        sheet, min_col=values.column, min_row=values.first_row, max_row=values.last_row
    )
    cats = Reference(
        sheet, min_col=labels.column, min_row=labels.first_row, max_row=labels.last_row
    )
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(cats)
    chart.series[0].tx = SeriesLabel(v=series_title)
    if percent:
        chart.y_axis.number_format = "0%"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    sheet.add_chart(chart, anchor)
    return chart
