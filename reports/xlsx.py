"""XLSX helpers (openpyxl): one table per sheet, header row frozen and repeated on every
printed page, column widths set, an autofilter, A4 fitted to the page width.

Cells keep their types: numbers are numbers, dates are dates (with a date format), URLs
are hyperlinks (http/https only). Text is written as a string cell, never as a formula: a
crawled anchor text ``=HYPERLINK(...)`` is stored as that text, with no apostrophe in front
of it (the apostrophe of ``reports.common.neutralise`` is for CSV, which has no types).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from reports.common import clean, safe_href

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_FONT = Font(bold=True, name="等线")
LINK_FONT = Font(color="0563C1", underline="single")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP, TOP_WRAP = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def cell_value(value: Any) -> Any:
    """What a cell holds: None stays empty, numbers and dates as they are, text cleaned."""
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        return value
    return clean(value)


def set_text(cell: Any, value: Any) -> None:
    """Put ``value`` in ``cell`` keeping its type; a text is a string cell even when it
    starts with = + - @ (openpyxl would otherwise store it as a formula)."""
    cell.value = cell_value(value)
    if cell.data_type == "f":
        cell.data_type = "s"


def add_table(wb: Workbook, title: str, columns: Sequence[tuple[str, float]],
              rows: Iterable[Sequence[Any]], *, wrap: Sequence[str] = (),
              links: Sequence[str] = (), formats: dict[str, str] | None = None,
              landscape: bool = True) -> Worksheet:
    """A sheet ``title`` with header ``columns`` [(name, width in characters)] and ``rows``.
    Columns named in ``wrap`` wrap their text (URLs, evidence); in ``links`` an http(s)
    URL becomes a hyperlink; ``formats`` maps a column name to its number format (dates get
    ``yyyy-mm-dd`` without asking)."""
    ws = wb.create_sheet(title=title[:31])
    names = [name for name, _ in columns]
    ws.append(names)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(vertical="center", horizontal="center", wrap_text=True)
    wrapped = {i for i, name in enumerate(names, start=1) if name in wrap}
    linked = {i for i, name in enumerate(names, start=1) if name in links}
    fmt = {i: (formats or {})[name] for i, name in enumerate(names, start=1)
           if name in (formats or {})}
    count = 0
    for r, row in enumerate(rows, start=2):
        count += 1
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            set_text(cell, value)
            cell.border = BORDER
            cell.alignment = TOP_WRAP if c in wrapped else TOP
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = DATE_FORMAT
            elif c in fmt and isinstance(cell.value, (int, float)):
                cell.number_format = fmt[c]
            if c in linked and (href := safe_href(cell.value)):
                cell.hyperlink = href
                cell.font = LINK_FONT
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    print_setup(ws, landscape=landscape)
    return ws


def print_setup(ws: Worksheet, *, landscape: bool = True) -> None:
    """A4, fitted to one page wide (as many pages tall as needed), the header row repeated
    on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
