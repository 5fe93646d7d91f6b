"""Footer identifiers with their values (``cms-patterns.md`` "Footer identifiers").

(A little over 400 lines: the seven items share one footer walk and one value-with-carrier
record; split, each half would need the other's internals.)

What one page (or one footer script) shows, item by item, each value with its *carrier*:

* ``html`` — the page's own markup (visible text, ``alt``/``title`` attributes, links,
  whatever real pages put after ``</html>``);
* ``script`` — markup an inline script writes (``document.write(unescape("%3C..."))``);
* ``script_file`` / ``iframe`` — set by the caller when it merges a linked footer ``.js``
  or a footer frame (:meth:`PageIdentity.merge`);
* ``meta`` — ``<meta name="SiteIDCode">``;
* ``jiucuo`` — the 找错 widget's ``sitecode`` (a 网站标识码 cross-check).

Items: ``site_code`` (网站标识码), ``icp`` (as written, suffix included), ``psb`` (the
14-digit 公安备案 number, from ``X公网安备``, older ``X公备`` / ``公安备案号`` forms or a
``recordcode=`` link), ``conac`` (党政机关网站标识), ``jiucuo`` (a *working* 我为政府网站找错
entrance only: the national script, a link or handler opening ``jiucuo.html?site_code=``, a
widget configured with the code — never the bare word in a CSS selector or a function
nothing calls), ``sponsor`` (主办单位, read from the footer block only, never from article
text) and ``contact`` (the contact line). Pure: text in, values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from parse.page import (
    CONTAINER,
    PageView,
    footer_elements,
    is_footer,
    markup_text,
    script_markup,
    text_lines,
    text_of,
)

ITEMS = ("site_code", "icp", "psb", "conac", "sponsor", "contact", "jiucuo")
CARRIERS = ("html", "script", "script_file", "iframe", "meta", "jiucuo")
# Carriers that show a 网站标识码 to readers (the meta tag and the widget's attribute do not).
SHOWN_CODE_CARRIERS = frozenset({"html", "script", "script_file", "iframe"})

# Province abbreviations (ICP uses 蜀/黔/滇/陇 as well as 川/贵/云/甘).
PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕甘陇青宁新"
# The leading lookahead lets ``re`` skip to a 政 or 网 instead of trying every position.
SITE_CODE = re.compile(r"(?=[政网])(?:政府)?网站标识码\s*[：:]?\s*(bm\d{8}|\d{10})(?!\d)", re.I)
VALID_CODE = re.compile(r"^(?:bm\d{8}|\d{10})$", re.I)
# Every suffix order found in the field: 号-1, -2号, no 号 at all, a colon inside.
ICP = re.compile(
    rf"([{PROVINCES}])\s*ICP\s*([备证])\s*[：:]?\s*(\d{{6,10}})(?!\d)"
    r"(?:\s*(号))?(?:\s*[-－—–]\s*(\d{1,3})(?!\d)(?:\s*(号))?)?", re.I)
PSB = re.compile(rf"[{PROVINCES}]\s*公\s*网\s*安\s*备\s*[：:]?\s*(\d{{14}})(?!\d)")
# Older and local forms: a city's abbreviation with 公备 (郑公备：41010002000123),
# 公安备案号：N, 公安机关备案号：N.
PSB_OLD = re.compile(r"(?:[\u4e00-\u9fff]公备|公安(?:机关)?备案(?:编?号)?)\s*[：:]?\s*(\d{14})(?!\d)")
PSB_LINK = re.compile(
    r"beian\.(?:mps\.)?gov\.cn/[^\s\"'<>]*?(?:recordcode|code)=(\d{14})(?!\d)", re.I)
CONAC_WORDS = ("bszs.conac.cn", "dcs.conac.cn", "_ideconac")  # searched in lower case
CONAC_ID = re.compile(r"conac\.cn/sitename\?[^\"'<>\s]*?\bid=([0-9a-f]{8,32})", re.I)
# 找错: the national script (any host: the service, a bare IP, a local copy) ...
JIUCUO_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?[^\"'>\s]*jiucuo\.js[^>]*>", re.I)
TAG_SITECODE = re.compile(r"\bsitecode\s*=\s*[\"']?\s*([0-9a-z]+)", re.I)
# ... or the page it opens, with the site's code.
JIUCUO_PAGE = re.compile(r"jiucuo\.html?\?[^\"'<>\s]*?\bsite_?code=([0-9a-z]+)", re.I)
JS_SITECODE = re.compile(r"site_?code[\"']?\s*[:=,]\s*[\"']\s*(bm\d{8}|\d{10})\b", re.I)
FUNCTION = re.compile(r"function\s+([A-Za-z_$][\w$]*)\s*\(")
# Where a footer block starts: the lines that hold the copyright / 备案 / 标识码.
FOOTER_WORDS = ("版权", "opyright", "©", "ICP", "公网安备", "标识码", "主办")
FOOTER_TEXT_XPATH = ("//text()[contains(., '版权') or contains(., 'opyright') or "
                     "contains(., '©') or contains(., 'ICP') or contains(., '公网安备') or "
                     "contains(., '标识码')]")
FOOTER_BLOCK_CHARS = 600
# id / class tokens of a page's main content (article body, list): never a footer
MAIN_MARK = re.compile(
    r"zoom|artibody|trs_\w+|ucap[-_]?content|article[-_\w]*|pages_content|detail\w*|content|"
    r"main|main_?content|content_?main|contentbox|wenzhang|zhengwen|art_?con\w*|news_?con\w*",
    re.I)
SPONSOR_LABEL = re.compile(r"(?:网站)?主\s*办\s*(?:单\s*位)?\s*[：:]\s*")
SPONSOR_AFTER = re.compile(r"([\u4e00-\u9fff（）()·]{2,40}?)\s*主办(?![方的了过])")
NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()·]{2,40}")
NEXT_LABEL = re.compile(r"承办|协办|主管|运维|维护|地址|电话|联系|邮编|传真|网站标识码|ICP|备案|版权|"
                        r"技术支持|建议|E-?mail|邮箱", re.I)
CONTACT = re.compile(
    r"(?:电\s*话|热\s*线|传\s*真|Tel|TEL|Phone)\s*[：:]?\s*[(（+]?\d|"
    r"(?<!\d)0\d{2,3}\s*[-－—–]\s*\d{7,8}(?!\d)|"
    r"地\s*址\s*[：:]|[\w.+-]@[\w-]+(?:\.[\w-]+)+|(?:邮\s*箱|E-?mail)\s*[：:]|联系我们|联系方式",
    re.I)
_WS = re.compile(r"\s+")
# Lower-cases ASCII letters only: positions in the folded text are positions in the page
# (str.lower() turns İ into two characters). Slow (a dict lookup per character): used only
# when str.lower() changes a page's length.
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """``text`` in lower case with every position kept."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(ASCII_LOWER)


@dataclass
class PageIdentity:
    """The identifiers one page (or footer script/frame) shows: (item, value, carrier)."""

    found: dict[tuple[str, str, str], None] = field(default_factory=dict)  # ordered set
    script_srcs: list[str] = field(default_factory=list)
    frame_srcs: list[str] = field(default_factory=list)

    def add(self, item: str, value: str, carrier: str) -> None:
        self.found.setdefault((item, value, carrier), None)

    def merge(self, other: PageIdentity, carrier: str | None = None) -> None:
        """Add what a footer script or frame shows, under ``carrier`` (the page's own meta
        tag stays the page's: a frame's meta is not the page's)."""
        for item, value, own in other.found:
            if carrier is not None and own == "meta":
                continue
            self.add(item, value, carrier if carrier is not None and own != "jiucuo" else own)

    def values(self, item: str, carriers: frozenset[str] | None = None) -> list[str]:
        return list(dict.fromkeys(v for i, v, c in self.found
                                  if i == item and (carriers is None or c in carriers)))

    def shown(self) -> set[str]:
        """Items a reader sees on the page (a 网站标识码 only in the footer, not in meta)."""
        out = {i for i, _, c in self.found if i != "site_code"}
        if any(i == "site_code" and c in SHOWN_CODE_CARRIERS for i, _, c in self.found):
            out.add("site_code")
        return out

    def has(self, item: str) -> bool:
        return item in self.shown()


def _clean(text: str) -> str:
    return _WS.sub("", text)


def _icp_value(m: re.Match) -> str:
    prov, kind, number, hao1, suffix, hao2 = m.groups()
    out = f"{prov}ICP{kind}{number}"
    if hao1:
        out += "号"
    if suffix:
        out += f"-{suffix}" + ("号" if hao2 else "")
    return out


def _first(text: str, *words: str) -> int:
    """Where the first of ``words`` occurs (-1: none). A regex whose every match holds one
    of them starts there instead of being tried at every position of the page."""
    found = [i for w in words if (i := text.find(w)) >= 0]
    return min(found) if found else -1


def _codes_from_text(facts: PageIdentity, text: str, carrier: str) -> None:
    at = text.find("标识码")
    if at >= 0:
        for m in SITE_CODE.finditer(text, max(0, at - 4)):
            facts.add("site_code", m.group(1).lower(), carrier)
    at = _first(text, "ICP", "icp", "Icp")
    if at >= 0:  # the province character and spaces precede "ICP"
        for m in ICP.finditer(text, max(0, at - 8)):
            facts.add("icp", _icp_value(m), carrier)
    at = _first(text, "公网安备", "公备", "备案")
    if at < 0 and "备" in text:
        at = 0  # 公 网 安 备 written with spaces
    if at >= 0:
        for rx in (PSB, PSB_OLD):
            for m in rx.finditer(text, max(0, at - 12)):
                facts.add("psb", m.group(1), carrier)


def _codes_from_markup(facts: PageIdentity, markup: str, carrier: str,
                       called: set[str] | None, in_tags: bool = False,
                       folded: str | None = None) -> None:
    """Links, badges and 找错 entrances in raw markup (``called``: function names the page
    calls, None when unknown: a script file's functions are taken as used; ``in_tags``:
    only 找错 links inside written tags count — the string literals of a script are not
    all markup it writes)."""
    folded = fold(markup) if folded is None else folded
    # In a page's own markup, text inside <script> is what the script writes: it is read
    # (as carrier ``script``) from the written markup instead.
    live = (lambda at: not _in_script(markup, at)) if called is not None else (lambda at: True)
    at = folded.find("beian")
    if at >= 0:
        for m in PSB_LINK.finditer(markup, at):
            if live(m.start()):
                facts.add("psb", m.group(1), carrier)
    if "conac" in folded:
        hits = [i for w in CONAC_WORDS for i in _all(folded, w) if live(i)]
        if hits:
            at = folded.find("conac.cn/sitename")
            ids = [m.group(1).upper() for m in CONAC_ID.finditer(markup, max(at, 0))
                   if live(m.start())] if at >= 0 else []
            facts.add("conac", ids[0] if ids else "标识", carrier)
    if "jiucuo" in folded:
        _jiucuo(facts, markup, carrier, called, in_tags)


def _all(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def _in_script(markup: str, at: int) -> bool:
    start = markup.rfind("<script", 0, at)
    return start >= 0 and markup.rfind("</script", start, at) < 0


def _in_tag(markup: str, at: int) -> bool:
    return markup.rfind("<", 0, at) > markup.rfind(">", 0, at)


def _jiucuo(facts: PageIdentity, markup: str, carrier: str, called: set[str] | None,
            in_tags: bool) -> None:
    for tag in JIUCUO_SCRIPT.findall(markup):
        codes = [c.lower() for c in TAG_SITECODE.findall(tag) if VALID_CODE.match(c)]
        if codes or "/exposure/" in tag.lower():
            _entrance(facts, codes[0] if codes else "", carrier)
    for m in JIUCUO_PAGE.finditer(markup):
        code = m.group(1).lower()
        if not VALID_CODE.match(code) or (in_tags and not _in_tag(markup, m.start())):
            continue
        if _reachable(markup, m.start(), called):
            _entrance(facts, code, carrier)
    # a widget configured by script: the national script's URL and the code set beside it
    if not in_tags and "jiucuo.js" in markup.lower():
        for m in JS_SITECODE.finditer(markup):
            if _reachable(markup, m.start(), called):
                _entrance(facts, m.group(1).lower(), carrier)


def _entrance(facts: PageIdentity, code: str, carrier: str) -> None:
    facts.add("jiucuo", code, carrier)
    if code:
        facts.add("site_code", code, "jiucuo")


def _reachable(markup: str, at: int, called: set[str] | None) -> bool:
    """Is the text at ``at`` live: not inside a named function that nothing calls?"""
    if called is None:
        return True
    start = markup.rfind("<script", 0, at)
    if start < 0 or markup.rfind("</script", start, at) >= 0:
        return True  # in an attribute (href, onclick) or text, not in a script
    name = None
    for m in FUNCTION.finditer(markup, start, at):
        name = m.group(1)  # the innermost function opened before ``at`` (good enough)
    return name is None or name in called


def _called_names(view: PageView, scripts: str) -> set[str]:
    """Function names the page calls: from href/on* attributes and from script text other
    than their own definitions."""
    doc = view.doc
    attrs = doc.xpath("//@*[starts-with(name(), 'on')] | //a/@href[starts-with(., 'javascript')]"
                      ) if doc is not None else []
    text = " ".join(attrs) + " " + FUNCTION.sub(" ", scripts)
    return set(re.findall(r"([A-Za-z_$][\w$]*)\s*\(", text)) | set(
        re.findall(r"[=:(,]\s*([A-Za-z_$][\w$]*)\s*[,);]", text))


def _is_main(el: Any) -> bool:
    """The main content of a page (article body, headline): never a footer."""
    if el.tag in ("h1", "h2"):
        return True
    marker = f"{el.get('id') or ''} {el.get('class') or ''}"
    if marker == " " or is_footer(el):
        return False
    return any(MAIN_MARK.fullmatch(token) for token in marker.split())


def footer_lines(view: PageView) -> list[str]:
    """Text lines of the page's footer blocks: footer containers (``<footer>``, #footer,
    .bottom, .copyright ...) and the block that holds the copyright / 备案 lines, without
    any main-content element inside them."""
    doc = view.doc
    if doc is None:
        return []
    blocks: list[Any] = footer_elements(doc)
    if any(word in view.html for word in FOOTER_WORDS):
        starts: dict[Any, None] = {}
        for node in doc.xpath(FOOTER_TEXT_XPATH):
            el = node.getparent()
            if el is not None and getattr(node, "is_tail", False):
                el = el.getparent()
            while el is not None and not isinstance(el.tag, str):
                el = el.getparent()
            if el is not None:
                starts.setdefault(el, None)
        for el in starts:
            # climb while the block stays small (libxml2's text length: an upper bound of
            # the visible text, and cheap) and is no main content
            while True:
                parent = el.getparent()
                if parent is None or parent.tag == "html" or _is_main(parent):
                    break
                if len(text_of(parent)) > FOOTER_BLOCK_CHARS:
                    break
                el = parent
            if not _is_main(el):
                blocks.append(el)
    outer = set(blocks)
    lines: list[str] = []
    for el in dict.fromkeys(blocks):
        if any(a in outer for a in el.iterancestors()):
            continue  # inside another footer block: read with it
        lines.extend(_block_lines(el))
    return lines


_BLOCKS: dict[tuple[bytes, bool], list[str]] = {}


def _block_lines(el: Any) -> list[str]:
    """Text lines of a footer block, memoised by its markup: a site's pages repeat the same
    footer, and serialising it (libxml2) costs a fraction of walking it."""
    footer = is_footer(el)
    key = (etree.tostring(el, with_tail=False), footer)
    found = _BLOCKS.get(key)
    if found is None:
        if len(_BLOCKS) >= 2048:
            _BLOCKS.clear()
        found = _BLOCKS[key] = text_lines(el, skip=None if footer else _is_main)
    return found


def _sponsor(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if "主" not in line or "办" not in line:
            continue
        for m in SPONSOR_LABEL.finditer(line):
            name = NAME.match(line, m.end())
            if name:
                value = NEXT_LABEL.split(name.group(0), 1)[0]
                if len(value) >= 2:
                    out.append(value)
        for m in SPONSOR_AFTER.finditer(line):
            value = re.split(r"[：:\s]", m.group(1))[-1]
            value = NEXT_LABEL.split(value)[-1] if NEXT_LABEL.search(value) else value
            if len(value) >= 2 and not value.endswith(("联合", "共同")):
                out.append(value)
    return list(dict.fromkeys(out))


def _contact(lines: list[str]) -> list[str]:
    """Lines with a phone, address or e-mail first; a bare 联系我们 link line last."""
    strong, weak = [], []
    for line in lines:
        m = CONTACT.search(line)
        if m is None:
            continue
        if any(not w.group(0).startswith("联系") for w in CONTACT.finditer(line)):
            strong.append(line[:120])
        else:
            weak.append(line[:120])
    return strong + weak


def read_page(view: PageView) -> PageIdentity:
    """The identifiers one page shows by itself (its footer scripts and frames are merged
    by the caller, who has them stored)."""
    facts = PageIdentity(script_srcs=view.script_srcs, frame_srcs=view.frame_srcs)
    meta = view.metas.get("siteidcode")
    if meta and VALID_CODE.match(meta.strip()):
        facts.add("site_code", meta.strip().lower(), "meta")
    doc = view.doc
    attrs = []
    if doc is not None:
        attrs = doc.xpath("//img/@alt | //img/@title | //a/@title | //span/@title | "
                          "//input/@value")
    visible = view.text + "\n" + " ".join(attrs)
    _codes_from_text(facts, visible, "html")
    folded = fold(view.html)
    scripts = "\n".join(view.inline_scripts)
    called = _called_names(view, scripts) if "jiucuo" in folded else set()
    _codes_from_markup(facts, view.html, "html", called, folded=folded)
    written = [m for m in (script_markup(js) for js in view.inline_scripts) if m]
    written_text = " ".join(markup_text(m) for m in written)
    if written:
        _codes_from_text(facts, written_text, "script")
        _codes_from_markup(facts, "\n".join(written), "script", None, in_tags=True)
    lines = footer_lines(view)
    for carrier, block in (("html", lines), ("script", [written_text] if written_text else [])):
        for name in _sponsor(block):
            facts.add("sponsor", name, carrier)
        for line in _contact(block):
            facts.add("contact", line, carrier)
    return facts


def read_script(js: str) -> PageIdentity:
    """What a footer script writes (``document.write``/``writeln`` of markup), and the 找错
    widget it configures. Carrier ``script``: the caller re-tags it ``script_file``."""
    facts = PageIdentity()
    markup = script_markup(js)
    text = markup_text(markup)
    _codes_from_text(facts, text, "script")
    _codes_from_markup(facts, js + "\n" + markup, "script", None)
    lines = [text] if text else []
    for name in _sponsor(lines):
        facts.add("sponsor", name, "script")
    for line in _contact(lines):
        facts.add("contact", line, "script")
    return facts


def has_main_content(html: str) -> bool:
    """The page has an article body container (#zoom, .TRS_Editor ...)."""
    return bool(CONTAINER.search(html))
