"""One charset decoder for pages, scripts and JSON answers (``cms-patterns.md`` "Encodings").

Declared charsets lie (a page declaring gb2312 is UTF-16LE with a BOM while its footer
script is GBK), so the order is: a byte-order mark, then the HTTP header, then the page's
``<meta>``, then detection (UTF-8 if the bytes are UTF-8, else GB18030). Every GB label —
gb2312, gbk, cp936, x-gbk — is decoded as GB18030, its superset: a GB2312 page or script
that writes 镕 or 喆 (GBK characters many CMSs emit under a gb2312 label) keeps them.

w3lib does the header and ``<meta>`` reading (the same code Scrapy uses); this module adds
the GB rule, the detection and the stored-body path, so the crawl, the link verifier and
the rules decode a body the same way.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding

GB_LABELS = frozenset({"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "gb_2312", "gb_2312-80",
                       "euc-cn", "csgb2312", "chinese", "iso-ir-58", "ms936", "windows-936"})
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def normalise(label: str | None) -> str | None:
    """A codec name Python knows, every GB label folded to ``gb18030``; None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name.replace("_", "-") in GB_LABELS or name in GB_LABELS:
        return "gb18030"
    resolved = resolve_encoding(name)
    if resolved is None:
        try:
            resolved = codecs.lookup(name).name
        except LookupError:
            return None
    return "gb18030" if resolved in GB_LABELS else resolved


def bom_encoding(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def header_charset(content_type: str | None) -> str | None:
    """The ``charset=`` of a Content-Type header, normalised (None when absent or unknown)."""
    lowered = (content_type or "").lower()
    if "charset=" not in lowered:
        return None
    return normalise(lowered.split("charset=", 1)[1].split(";")[0])


def _detect(body: bytes) -> str:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(encoding, text) of an HTML page as served: BOM, HTTP charset, ``<meta>``, detection."""
    bom = bom_encoding(body)
    if bom is None:
        declared = header_charset(content_type)
        if declared is None:
            declared = normalise(html_body_declared_encoding(body[:4096]))
        if declared is not None:
            return declared, body.decode(declared, errors="replace")
    try:
        encoding, text = html_to_unicode(content_type or "", body,
                                         auto_detect_fun=_detect, default_encoding="utf-8")
    except (LookupError, ValueError):  # a label w3lib cannot decode with
        encoding = _detect(body)
        text = body.decode(encoding, errors="replace")
    return normalise(encoding) or encoding, text


def script_encoding(body: bytes, content_type: str | None, parent: str | None = None) -> str:
    """A script's encoding: BOM, then the HTTP charset, then UTF-8 if it decodes, then the
    referring page's GB encoding (footer scripts of GBK sites declare nothing), else GB18030."""
    bom = bom_encoding(body)
    if bom is not None:
        return bom
    declared = header_charset(content_type)
    if declared is not None:
        return declared
    if _detect(body) == "utf-8":
        return "utf-8"
    return normalise(parent) or "gb18030"


def decode(body: bytes, encoding: str | None) -> str:
    """A stored body with the encoding the crawl found (GB labels as GB18030; an unknown
    or missing label as UTF-8, bad bytes replaced)."""
    name = normalise(encoding) or "utf-8"
    try:
        return body.decode(name, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def decode_text(body: bytes) -> str:
    """Bytes of a text attachment or answer without a trustworthy label: BOM, UTF-8, GB18030."""
    bom = bom_encoding(body)
    return body.decode(bom or _detect(body), errors="replace")


def decode_answer(body: bytes, content_type: str | None = None) -> tuple[str, str] | None:
    """(text, encoding) of an API answer (JSON, JSONP): BOM, HTTP charset, UTF-8, then
    GB18030 — the first that decodes the bytes without error; None when none does."""
    candidates = [c for c in (bom_encoding(body), header_charset(content_type)) if c]
    for enc in dict.fromkeys([*candidates, "utf-8", "gb18030"]):
        try:
            return body.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return None
