"""XLSX helpers (openpyxl): one table per sheet, header row frozen, column widths set, an
autofilter, and every cell neutralised (a crawled anchor text ``=HYPERLINK(...)`` stays
text: see ``reports.common.neutralise``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from reports.common import neutralise

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_FONT = Font(bold=True, name="等线")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP, TOP_WRAP = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def add_table(wb: Workbook, title: str, columns: Sequence[tuple[str, float]],
              rows: Iterable[Sequence[Any]], *, wrap: Sequence[str] = ()) -> Worksheet:
    """A sheet ``title`` with header ``columns`` [(name, width in characters)] and ``rows``.
    Columns named in ``wrap`` wrap their text (URLs, evidence)."""
    ws = wb.create_sheet(title=title[:31])
    ws.append([name for name, _ in columns])
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(vertical="center", horizontal="center", wrap_text=True)
    count = 0
    for row in rows:
        ws.append([neutralise(v) for v in row])
        count += 1
    wrapped = {i for i, (name, _) in enumerate(columns, start=1) if name in wrap}
    for r in ws.iter_rows(min_row=2, max_row=count + 1):
        for cell in r:
            cell.border = BORDER
            cell.alignment = TOP_WRAP if cell.column in wrapped else TOP
            if cell.data_type == "f":  # never: neutralise() quotes these; belt and braces
                cell.data_type = "s"
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    return ws
