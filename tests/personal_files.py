"""Numbers and files for the personal-data tests: valid resident ID numbers (computed, so
the check digit is right), Luhn-valid card numbers, and attachments made on the spot
(PDF by hand, DOCX with python-docx, XLSX with openpyxl)."""

from __future__ import annotations

import io

from parse.privacy import id_check_digit, luhn


def id_number(first17: str) -> str:
    return first17 + id_check_digit(first17)


def bad_check_digit(first17: str) -> str:
    right = id_check_digit(first17)
    return first17 + ("1" if right != "1" else "2")


def card_number(prefix: str) -> str:
    """A Luhn-valid number starting with ``prefix`` (one digit is added)."""
    return next(prefix + str(d) for d in range(10) if luhn(prefix + str(d)))


# Every full number a test plants: none may appear in the store (outside compressed
# snapshots), the logs, findings or exports.
ID_PAGE = id_number("11010519900307123")  # in a page's table
ID_PDF = id_number("44030419851231002")  # in a PDF attachment
ID_DOCX = id_number("51010719780615031")  # in a DOCX table
ID_XLSX = id_number("32010219930228004")  # in an XLSX list
ID_OTHER_HOST = id_number("37020219880808005")  # in an attachment on another host
ID_TITLE = id_number("23010219770707006")  # in a page title and a link's anchor
ID_BAD = bad_check_digit("11010519900307555")  # fails the check digit: no finding
MOBILE_PAGE = "13812345678"
MOBILE_FOOTER = "13900001111"  # the site's own contact phone
CARD_PAGE = card_number("622202020011223344")
ORDER_NO = card_number("622848001234567890")  # Luhn-valid, labelled 订单号
PLANTED = [ID_PAGE, ID_PDF, ID_DOCX, ID_XLSX, ID_TITLE, MOBILE_PAGE, CARD_PAGE]


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text (ASCII, Helvetica) pypdf can extract."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 760 Td"]
    for line in lines:
        ops.append(f"({line}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def docx(rows: list[list[str]], paragraphs: list[str] = ()) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx(rows: list[list[object]], title: str = "名单") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
