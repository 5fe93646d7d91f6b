"""Classification markings (绝密 / 机密 / 秘密 ★) in page text and attachments.

A marking is the level followed by ★ and optionally the period (``机密★1年``,
``秘密★6个月``, ``绝密★长期``); the bare words (商业秘密, 保守国家秘密) are not markings.
Pages are searched in their visible text (:func:`extract_page`), readable attachments in
their text (:func:`find_markings`).
"""

from __future__ import annotations

import re

from parse.page import PageView

MARKING = re.compile(
    r"(绝密|机密|秘密)\s*[★☆]\s*(?:(?:\d+|[一二三四五六七八九十]+)\s*(?:年|个月|月|天|日)|长期)?")
CONTEXT = 15


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
