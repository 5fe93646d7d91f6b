"""Text of attachments (PDF, DOCX, XLSX, XLS, CSV, TXT) as located segments. Pure.

:func:`segments` turns an attachment's bytes into ``(location, text, header)`` triples —
a PDF's lines by page (``第2页第7行``), a DOCX's paragraphs and table cells (with their
column headers), a spreadsheet's cells (``名单!C5``, with the header of their column) —
for detectors such as :mod:`parse.privacy` that must say where a hit is.

Libraries: pypdf (pure Python, the PDF reader the tests already used), python-docx and
openpyxl (already dependencies), xlrd for the old ``.xls`` lists that 公示 annexes often
are. ``.doc``, ``.wps``, ``.et`` and ``.ofd`` have no well-kept pure-Python reader: they
are reported as not read (``status`` unsupported), never as clean.

Hostile files must not stop a run: every reader is bounded (pages, cells, characters) and
any failure gives status ``failed`` with the exception's class.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from parse import charset

MAX_PAGES = 300  # PDF pages read
MAX_CELLS = 200_000  # spreadsheet cells read
MAX_CHARS = 2_000_000  # characters of text kept per file
READABLE = (".pdf", ".docx", ".xlsx", ".xls", ".csv", ".txt")
UNREADABLE = (".doc", ".wps", ".et", ".ofd", ".dps", ".ppt", ".pptx")

Segment = tuple[str, str, str]


@dataclass
class Extracted:
    """``status``: ok, unsupported (no reader for the format), failed (the reader gave
    up: damaged, encrypted, too complex), empty (read, no text: e.g. a scanned PDF)."""

    status: str
    segments: list[Segment] = field(default_factory=list)
    note: str | None = None
    truncated: bool = False


def kind_of(ext: str, content_type: str | None = None, body: bytes = b"") -> str | None:
    """The format to read: the extension, else the content type, else the magic bytes."""
    ext = ext.lower()
    if ext in READABLE or ext in UNREADABLE:
        return ext
    ctype = (content_type or "").lower()
    for mark, kind in (("pdf", ".pdf"), ("wordprocessingml", ".docx"),
                       ("spreadsheetml", ".xlsx"), ("ms-excel", ".xls"), ("csv", ".csv"),
                       ("text/plain", ".txt"), ("msword", ".doc")):
        if mark in ctype:
            return kind
    if body.startswith(b"%PDF"):
        return ".pdf"
    return None


def segments(body: bytes, ext: str, content_type: str | None = None) -> Extracted:
    kind = kind_of(ext, content_type, body)
    if kind is None or kind in UNREADABLE:
        return Extracted("unsupported", note=kind or ext or content_type)
    reader = {".pdf": _pdf, ".docx": _docx, ".xlsx": _xlsx, ".xls": _xls,
              ".csv": _text, ".txt": _text}[kind]
    out: list[Segment] = []
    size = 0
    truncated = False
    try:
        for seg in reader(body):
            size += len(seg[1])
            if size > MAX_CHARS:
                truncated = True
                break
            if seg[1].strip():
                out.append(seg)
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file is a fact, not a crash
        return Extracted("failed", out, note=type(exc).__name__)
    return Extracted("ok" if out else "empty", out, truncated=truncated)


def _pdf(body: bytes) -> Iterator[Segment]:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files warn per object
    reader = PdfReader(io.BytesIO(body), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")  # files "protected" with an empty user password open
    for p, page in enumerate(reader.pages, start=1):
        if p > MAX_PAGES:
            break
        text = page.extract_text() or ""
        for n, line in enumerate(text.splitlines(), start=1):
            yield f"第{p}页第{n}行", line, ""


def _docx(body: bytes) -> Iterator[Segment]:
    import docx

    document = docx.Document(io.BytesIO(body))
    for n, para in enumerate(document.paragraphs, start=1):
        yield f"第{n}段", para.text, ""
    for t, table in enumerate(document.tables, start=1):
        header: list[str] = []
        for r, row in enumerate(table.rows, start=1):
            cells = [cell.text.strip() for cell in row.cells]
            if not header:
                header = cells
            for c, text in enumerate(cells):
                yield (f"表格{t}第{r}行第{c + 1}列", text,
                       header[c] if r > 1 and c < len(header) else "")


def _cell_text(value: object) -> str:
    """A cell as written: 13812345678.0 (a number typed into Excel) is 13812345678."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _sheet_rows(name: str, rows: Iterator[list[str]]) -> Iterator[Segment]:
    """Cells of one sheet with the header of their column (the first non-empty row)."""
    header: list[str] | None = None
    cells = 0
    for r, row in enumerate(rows, start=1):
        if header is None:
            if any(v.strip() for v in row):
                header = row
            else:
                continue
        for c, text in enumerate(row):
            cells += 1
            if cells > MAX_CELLS:
                return
            if text:
                yield (f"{name}!{_column(c)}{r}", text,
                       header[c] if row is not header and c < len(header) else "")


def _xlsx(body: bytes) -> Iterator[Segment]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
            yield from _sheet_rows(sheet.title, rows)
    finally:
        book.close()


def _xls(body: bytes) -> Iterator[Segment]:
    import xlrd

    book = xlrd.open_workbook(file_contents=body, on_demand=True)
    try:
        for sheet in book.sheets():
            rows = ([_cell_text(v) for v in sheet.row_values(r)] for r in range(sheet.nrows))
            yield from _sheet_rows(sheet.name, rows)
    finally:
        book.release_resources()


def _text(body: bytes) -> Iterator[Segment]:
    for n, line in enumerate(charset.decode_text(body).splitlines(), start=1):
        yield f"第{n}行", line, ""
