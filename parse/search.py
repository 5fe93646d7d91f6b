"""Site search entrances on a page, and in the header scripts that write one.

An entrance is a search form (action or field names of TRS was5/was40, Hanweb jsearch /
jrobot, generic ``search``; a text field whose placeholder says 搜索 / 检索 / 关键字), a
search link (站内搜索, 高级检索 ...), a search call in an inline script, or a header script
(stored by the crawl) that writes a search form.
"""

from __future__ import annotations

import re

from parse.page import PageView, script_markup, text_of

# Leading lookaheads name each pattern's possible first characters: ``re`` then skips
# ahead instead of trying every alternative at every position (same matches).
SEARCH_URL = re.compile(r"(?=[wjs/qfr])(?:was5|was40|jsearch|jrobot|(?<![a-z])search|sousuo|/so/|"
                        r"/ss/|query\.do|fulltext|retrieval)", re.I)
FIELD_NAMES = {"searchword", "keyword", "keywords", "q", "query", "wd", "kw", "sword", "qt",
               "searchkey", "searchtext", "search"}
SEARCH_WORDS = re.compile(r"搜\s*索|检\s*索|关键[字词]|站内查询|全文查询")
SCRIPT_SEARCH = re.compile(r"(?=[wjs])(?:was5/web/search|was40/search|jsearchfront|jrobot/search|"
                           r"search\.do|searchword)", re.I)


def extract_page(view: PageView) -> dict:
    """{'form': bool, 'script': bool, 'links': [search link targets]} for one page."""
    doc = view.doc
    out: dict = {"form": False, "script": False, "links": []}
    if doc is None:
        return out
    for form in doc.iter("form"):
        if SEARCH_URL.search(form.get("action") or "") or SEARCH_URL.search(
                f"{form.get('id') or ''} {form.get('name') or ''} {form.get('class') or ''}"):
            out["form"] = True
            break
        for inp in form.iter("input", "button"):
            name = (inp.get("name") or "").lower()
            label = " ".join(inp.get(a) or "" for a in ("placeholder", "value", "title"))
            if name in FIELD_NAMES or SEARCH_WORDS.search(label + text_of(inp)):
                out["form"] = True
                break
        if out["form"]:
            break
    if not out["form"]:
        for inp in doc.iter("input"):
            label = " ".join(inp.get(a) or "" for a in ("placeholder", "value", "title", "id"))
            if SEARCH_WORDS.search(label) or re.search(r"search", label, re.I):
                out["form"] = True
                break
    for a in doc.iter("a"):
        href = a.get("href") or ""
        text = text_of(a).strip()
        if (text and len(text) <= 12 and SEARCH_WORDS.search(text)) or (
                SEARCH_URL.search(href) and not href.lower().startswith("javascript")):
            target = view.resolve(href)
            if target:
                out["links"].append(target)
            elif SEARCH_WORDS.search(text):
                out["script"] = True  # javascript: entrance
    out["script"] = out["script"] or any(SCRIPT_SEARCH.search(js) for js in view.inline_scripts)
    return out


def script_has_search(js: str) -> bool:
    """A header script that writes a search box or calls a search service."""
    if SCRIPT_SEARCH.search(js):
        return True
    markup = script_markup(js)
    return "<form" in markup.lower() and bool(SEARCH_URL.search(markup) or SEARCH_WORDS.search(
        markup))
