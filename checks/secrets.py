"""content.secret_marking: classification markings (绝密 / 机密 / 秘密 ★) published (V1).

A marking is the level followed by ★ and optionally the period (``机密★1年``,
``秘密★6个月``, ``绝密★长期``); the bare words (商业秘密, 保守国家秘密) are not markings.
Pages are searched in their visible text. Attachments: the crawl only verifies them (HEAD)
and does not store their bodies, so only attachments that do have a stored snapshot (a
.docx or .txt page row) are read here — .docx via python-docx, .txt as UTF-8/GB18030.
PDF, .doc, .wps and images are not read (a known gap).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator

from sqlalchemy import select

from checks._pageview import PageView, scan
from checks.base import CheckContext, FindingDraft
from crawler.urls import extension
from parse import charset
from store.models import Page, Snapshot

RULES = ("content.secret_marking",)
NEEDS_COMPLETE = False

MARKING = re.compile(
    r"(绝密|机密|秘密)\s*[★☆]\s*(?:(?:\d+|[一二三四五六七八九十]+)\s*(?:年|个月|月|天|日)|长期)?")
CONTEXT = 15
READABLE = {".docx", ".txt"}


def find_markings(text: str) -> list[dict[str, str]]:
    out = []
    for m in MARKING.finditer(text):
        ctx = text[max(0, m.start() - CONTEXT):m.end() + CONTEXT].replace("\n", " ")
        out.append({"marking": re.sub(r"\s+", "", m.group(0)), "context": ctx})
    return out


def extract_page(view: PageView) -> list[dict[str, str]]:
    hits = find_markings(view.text)
    seen = {h["marking"] for h in hits}
    return hits + [h for h in find_markings(view.title) if h["marking"] not in seen]


def attachment_text(body: bytes, ext: str) -> str | None:
    """Readable text of a stored attachment, or None when the format is not read."""
    if ext == ".txt":
        return charset.decode_text(body)
    if ext == ".docx":
        try:
            import docx

            document = docx.Document(io.BytesIO(body))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            return None
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
        for section in document.sections:
            parts.extend(p.text for p in section.header.paragraphs)
        return "\n".join(parts)
    return None


def _attachments(ctx: CheckContext) -> Iterator[tuple[Page, str]]:
    """Stored attachment bodies of the site that can be read (.docx, .txt)."""
    pages = ctx.session.scalars(
        select(Page).where(Page.run_id == ctx.run.id, Page.site_id == ctx.site.id,
                           Page.status >= 200, Page.status < 300,
                           Page.url.ilike("%.docx") | Page.url.ilike("%.txt")))
    for page in pages:
        ext = extension(page.url)
        snap = ctx.session.get(Snapshot, page.id)
        if ext not in READABLE or snap is None:
            continue
        text = attachment_text(zlib.decompress(snap.body), ext)
        if text:
            yield page, text


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    groups: dict[tuple[str, str], dict] = {}

    def add(url: str, hit: dict[str, str], where: str) -> None:
        group = groups.setdefault((hit["marking"], hit["context"]),
                                  {"pages": [], "where": where})
        if url not in group["pages"]:
            group["pages"].append(url)

    for record, hits in scan(ctx).facts("secrets"):
        for hit in hits:
            add(record.url, hit, "page")
    for page, text in _attachments(ctx):
        for hit in find_markings(text):
            add(page.url, hit, "attachment")
    for (marking, context), group in groups.items():
        pages = group["pages"]
        where = "附件" if group["where"] == "attachment" else "页面"
        more = f"，共 {len(pages)} 个{where}" if len(pages) > 1 else ""
        yield FindingDraft(
            rule="content.secret_marking", url=pages[0], source=pages[0],
            subject=f"{marking}|{context}",
            message=f"{where}中出现密级标志“{marking}”：“…{context}…”{more}，请立即核查是否涉密",
            detail={"marking": marking, "context": context, "where": group["where"],
                    "pages": len(pages), "sample": pages[:5]},
        )
