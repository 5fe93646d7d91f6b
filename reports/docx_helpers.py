"""DOCX helpers (python-docx) for documents in the layout of Chinese official documents
(GB/T 9704): A4, 仿宋 body, 黑体 headings, 小标宋 title, a red sender line.

Crawled text only ever enters as the literal text of a run (never a field code or a
hyperlink), after ``reports.common.clean`` dropped the control characters XML cannot hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from reports.common import clean

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
RED = RGBColor(0xC0, 0x00, 0x00)


def _fonts(style_or_run: Any, name: str) -> None:
    """Set the Latin and East Asian font (Word picks CJK glyphs from eastAsia)."""
    style_or_run.font.name = name
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def new_document(*, landscape: bool = False) -> Any:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT)
    normal.font.size = Pt(16)  # 三号
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for level, size in ((1, 16), (2, 16), (3, 14)):
        st = doc.styles[f"Heading {level}"]
        _fonts(st, HEADING_FONT if level == 1 else "楷体")
        st.font.size = Pt(size)
        st.font.bold = level != 1
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.paragraph_format.space_before = Pt(6)
        st.paragraph_format.space_after = Pt(3)
    title = doc.styles["Title"]
    _fonts(title, TITLE_FONT)
    title.font.size = Pt(22)  # 二号
    title.font.bold = False
    title.font.color.rgb = RGBColor(0, 0, 0)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(18)
    title.paragraph_format.space_after = Pt(12)
    _no_title_border(title)
    return doc


def _no_title_border(style: Any) -> None:
    """The default Title style draws a blue rule under the title: remove it."""
    ppr = style.element.get_or_add_pPr()
    for bdr in ppr.findall(qn("w:pBdr")):
        ppr.remove(bdr)


def red_header(doc: Any, sender: str, doc_no: str) -> None:
    """The 红头: sender in red, the document number, a red rule."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(clean(sender))
    _fonts(run, TITLE_FONT)
    run.font.size = Pt(30)
    run.font.color.rgb = RED
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(clean(doc_no))
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    _insert(ppr, bdr, "w:pBdr")


def para(doc: Any, text: str, *, indent: bool = True, align: str | None = None,
         bold: bool = False, size: float | None = None) -> Any:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)
    if align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(clean(text))
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return p


# What may follow w:pBdr in w:pPr and w:shd in w:tcPr (ECMA-376 order; Word refuses a
# document whose property elements are out of order).
_AFTER = {
    "w:pBdr": ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
               "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
               "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
               "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
               "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
    "w:shd": ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
              "w:hideMark", "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge",
              "w:tcPrChange"),
}


def _insert(parent: Any, child: Any, name: str) -> None:
    """Insert ``child`` (``name``) where the schema wants it among ``parent``'s children."""
    parent.insert_element_before(child, *_AFTER[name])


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    _insert(tcpr, shd, "w:shd")


def table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]],
          widths_mm: Sequence[float] | None = None, size: float = 9) -> Any:
    """A bordered table with a shaded, repeated header row; text cells only."""
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    hdr = t.rows[0]
    trpr = hdr._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    trpr.append(rep)
    for cell, text in zip(hdr.cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(clean(text))
        run.bold = True
        run.font.size = Pt(size)
        _fonts(run, HEADING_FONT)
        _shade(cell, "DCE6F1")
    for row in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            para_ = cell.paragraphs[0]
            para_.paragraph_format.line_spacing = 1.0
            para_.paragraph_format.first_line_indent = None
            run = para_.add_run(clean(value))
            run.font.size = Pt(size)
    for row in t.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.line_spacing = 1.0
    if widths_mm:  # the grid (LibreOffice, WPS) and every cell (Word) carry the widths
        t.autofit = False
        for col, w in zip(t.columns, widths_mm, strict=True):
            col.width = Mm(w)
        for row in t.rows:
            for cell, w in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(w)
    return t



def _field(run: Any, code: str) -> None:
    """A Word field (e.g. PAGE) inside ``run``: begin, instruction, separate, end."""
    for kind, text in (("begin", None), (None, code), ("separate", None), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def page_numbers(doc: Any) -> None:
    """GB/T 9704 page numbers: "— 1 —" centred in the footer, 4号 (14 pt)."""
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in ("— ", None, " —"):
        run = p.add_run(text or "")
        run.font.size = Pt(14)
        _fonts(run, "宋体")
        if text is None:
            _field(run, "PAGE")


def signature(doc: Any, sender: str, day: str) -> None:
    """The sender and date, right-aligned, kept on one page with each other and with the
    paragraph before them (Word's keep-with-next)."""
    doc.add_paragraph().paragraph_format.keep_with_next = True
    for text in (sender, day):
        p = para(doc, text, indent=False, align="right")
        p.paragraph_format.keep_with_next = text == sender
        p.paragraph_format.keep_together = True
        p.paragraph_format.right_indent = Pt(32)


def annex_heading(doc: Any, label: str, title: str) -> None:
    """附件N on a new page, 黑体, then its title centred."""
    p = doc.add_paragraph()
    p.paragraph_format.page_break_before = True
    run = p.add_run(clean(label))
    _fonts(run, HEADING_FONT)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(clean(title))
    _fonts(run, TITLE_FONT)
    run.font.size = Pt(18)


def picture(doc: Any, png: bytes, *, width_mm: float) -> None:
    """A PNG centred at ``width_mm``, kept with its caption (the next paragraph)."""
    import io

    doc.add_picture(io.BytesIO(png), width=Mm(width_mm))
    last = doc.paragraphs[-1]
    last.alignment = WD_ALIGN_PARAGRAPH.CENTER
    last.paragraph_format.keep_with_next = True
    last.paragraph_format.first_line_indent = None
