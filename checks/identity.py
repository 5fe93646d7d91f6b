"""Footer identifiers on every crawled page (F2) and the 找错 entrance (F4).

Checked per page, reported once per site and rule with the number of pages lacking the
item and a sample of them. Identifiers are often written by script, so a page's footer is
its visible text plus what its inline scripts write (``document.write(unescape(...))``),
the same-site ``<script src>`` files it loads (stored by the crawl), its iframes (footer
frames), and whatever real pages put after ``</html>``. The 网站标识码 is also
cross-checked: footer, ``SiteIDCode`` meta and the 找错 widget's ``sitecode`` against the
registry (``identity.site_code_mismatch``, one finding per place the wrong code shows).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from checks._pageview import (
    PageView,
    is_footer,
    markup_text,
    scan,
    script_markup,
    stored_html,
    text_of,
)
from checks.base import CheckContext, FindingDraft

RULES = ("identity.site_code_missing", "identity.site_code_mismatch", "identity.icp_missing",
         "identity.psb_missing", "identity.conac_missing", "identity.sponsor_missing",
         "identity.contact_missing", "identity.jiucuo_missing")
NEEDS_COMPLETE = False  # a page seen without its footer item lacks it, however far we got

# Province abbreviations (ICP uses 蜀/黔/滇/陇 as well as 川/贵/云/甘).
PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕甘陇青宁新"
# The leading lookahead (a match starts with 政 or 网) lets ``re`` skip ahead instead of
# trying the pattern at every position of the text: same matches, twice as fast.
SITE_CODE = re.compile(r"(?=[政网])(?:政府)?网站标识码\s*[：:]?\s*(bm\d{8}|\d{10})(?!\d)", re.I)
VALID_CODE = re.compile(r"^(?:bm\d{8}|\d{10})$", re.I)
ICP = re.compile(rf"[{PROVINCES}]\s*ICP\s*[备证]\s*[：:]?\s*\d{{6,10}}\s*号", re.I)
PSB = re.compile(rf"[{PROVINCES}]\s*公网安备\s*[：:]?\s*\d{{14}}")
PSB_LINK = re.compile(r"beian\.(?:mps\.)?gov\.cn/[^\s\"'<>]*?code=\d{14}", re.I)
CONAC_WORDS = ("conac.cn", "_ideconac")  # lower case: also tested on folded markup
CONAC = re.compile("|".join(map(re.escape, CONAC_WORDS)), re.I)
JIUCUO = re.compile(r"jiucuo", re.I)
JIUCUO_TEXT = re.compile(r"找\s*错")
JIUCUO_TAG = re.compile(r"<script\b[^>]*jiucuo[^>]*>", re.I)
TAG_SITECODE = re.compile(r"sitecode\s*=\s*[\"']?\s*([0-9a-z]+)", re.I)
URL_SITECODE = re.compile(r"jiucuo[^\"'<>\s]*?[?&]site_?code=([0-9a-z]+)", re.I)
# SPONSOR and CONTACT are only searched for (does the footer show one?): two CJK
# characters before 主办 exist wherever two or more do, and one character before an @
# wherever several do; the open-ended ``{2,}`` / ``+`` made every position of a long run
# of text rescan the rest of the run.
SPONSOR = re.compile(r"主\s*办\s*(?:单\s*位)?\s*[：:]|主办单位|[\u4e00-\u9fff]{2}\s*主办(?![方的了过])")
CONTACT = re.compile(
    r"(?:电\s*话|热\s*线|传\s*真|Tel|TEL|Phone)\s*[：:]?\s*[(（+]?\d|"
    r"(?<!\d)0\d{2,3}\s*[-－—–]\s*\d{7,8}(?!\d)|"
    r"地\s*址\s*[：:]|[\w.+-]@[\w-]+(?:\.[\w-]+)+|(?:邮\s*箱|E-?mail)\s*[：:]|联系我们|联系方式",
    re.I)
TAIL_CHARS = 2000

NAMES = {
    "site_code": "网站标识码", "icp": "ICP备案编号", "psb": "公安机关备案标识",
    "conac": "党政机关网站标识", "sponsor": "网站主办单位", "contact": "联系方式（电话、地址或电子邮箱）",
    "jiucuo": "“我为政府网站找错”入口",
}
WHERE_NAMES = {"footer": "页脚显示的网站标识码", "meta": "SiteIDCode 元标签",
               "jiucuo": "“我为政府网站找错”入口的 sitecode"}
SAMPLE = 5


@dataclass
class IdentityFacts:
    codes: set[str] = field(default_factory=set)  # 网站标识码 shown in the footer text
    meta_code: str | None = None
    jiucuo_codes: set[str] = field(default_factory=set)
    icp: bool = False
    psb: bool = False
    conac: bool = False
    sponsor: bool = False
    contact: bool = False
    jiucuo: bool = False
    script_srcs: list[str] = field(default_factory=list)
    frame_srcs: list[str] = field(default_factory=list)

    def merge(self, other: IdentityFacts) -> None:
        """Add what a footer script or frame shows (the page's own meta stays)."""
        self.codes |= other.codes
        self.jiucuo_codes |= other.jiucuo_codes
        for flag in ("icp", "psb", "conac", "sponsor", "contact", "jiucuo"):
            setattr(self, flag, getattr(self, flag) or getattr(other, flag))

    def has(self, item: str) -> bool:
        return bool(self.codes) if item == "site_code" else getattr(self, item)


# Characters that ``re.IGNORECASE`` matches to an ASCII letter although ``str.lower`` does
# not give that letter: İ ı (i), ſ (s), K (k). İ is also the only character whose
# lower case is longer than one character.
_FOLD_EXOTIC = ("\u0130", "\u0131", "\u017f", "\u212a")


def _fold(text: str) -> str | None:
    """``text.lower()`` when it can stand in for case-insensitive searches of ASCII words
    in ``text`` (same positions); None when it cannot."""
    if any(ch in text for ch in _FOLD_EXOTIC):
        return None
    return text.lower()


def _search_from(word: str, folded: str | None, rx: re.Pattern, raw: str) -> re.Match | None:
    """``rx.search(raw)`` for a case-insensitive pattern whose matches all start with
    ``word``: started at the first place the word occurs (a plain substring search) instead
    of trying the pattern at every position of the page."""
    if folded is None:
        return rx.search(raw)
    at = folded.find(word)
    return rx.search(raw, at) if at >= 0 else None


def _detect(facts: IdentityFacts, text: str, footer: str, raw: str) -> None:
    """Fill ``facts`` from the text (what readers see), the footer part of it, and the
    raw markup (links, script tags, widget attributes)."""
    folded = _fold(raw)
    if "网站标识码" in text:  # every SITE_CODE match holds it
        facts.codes |= {m.group(1).lower() for m in SITE_CODE.finditer(text)}
    facts.icp = facts.icp or bool(ICP.search(text))
    facts.psb = facts.psb or bool(PSB.search(text)
                                  or _search_from("beian", folded, PSB_LINK, raw))
    facts.conac = facts.conac or bool(CONAC.search(raw) if folded is None
                                      else any(w in folded for w in CONAC_WORDS))
    widget = _search_from("jiucuo", folded, JIUCUO, raw)
    facts.jiucuo = facts.jiucuo or bool(widget or JIUCUO_TEXT.search(text))
    facts.sponsor = facts.sponsor or bool(SPONSOR.search(footer))
    facts.contact = facts.contact or bool(CONTACT.search(footer))
    if widget is None:
        return  # both patterns below contain "jiucuo": nothing to find
    for tag in JIUCUO_TAG.findall(raw):
        for code in TAG_SITECODE.findall(tag):
            if VALID_CODE.match(code):
                facts.jiucuo_codes.add(code.lower())
    for code in URL_SITECODE.findall(raw, widget.start()):  # its matches start at "jiucuo"
        if VALID_CODE.match(code):
            facts.jiucuo_codes.add(code.lower())


def extract_page(view: PageView) -> IdentityFacts:
    """The identifiers one page shows by itself (scripts it loads are merged later)."""
    facts = IdentityFacts(script_srcs=view.script_srcs, frame_srcs=view.frame_srcs)
    doc = view.doc
    meta = view.metas.get("siteidcode")
    facts.meta_code = meta.lower() if meta else None
    attrs = []
    footer_parts = []
    if doc is not None:
        for el in doc.iter("img", "a", "span", "input"):
            for name in ("alt", "title", "value"):
                if el.get(name):
                    attrs.append(el.get(name))
        # Only a <footer> or an element with an id or class can be a footer container:
        # libxml2 picks those out (in document order) instead of a Python loop over all.
        for el in doc.xpath("//footer | //*[@id or @class]"):
            if is_footer(el):
                footer_parts.append(text_of(el))
    written = [script_markup(js) for js in view.inline_scripts]
    written_text = " ".join(markup_text(m) for m in written if m)
    visible = view.text
    text = "\n".join((visible, " ".join(attrs), written_text))
    footer = "\n".join((*footer_parts, visible[-TAIL_CHARS:], " ".join(attrs), written_text))
    raw = view.html + "\n" + "\n".join(written)
    _detect(facts, text, footer, raw)
    return facts


def extract_script(js: str) -> IdentityFacts:
    """What a footer script writes (``document.write``/``writeln`` of markup)."""
    facts = IdentityFacts()
    markup = script_markup(js)
    text = markup_text(markup)
    _detect(facts, text, text, js + "\n" + markup)
    return facts


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    result = scan(ctx)
    records = [(r, f) for r, f in result.facts("identity") if not r.frame_only]
    if not records:
        return
    by_url = {r.url: f for r, f in result.facts("identity")}
    extra_cache: dict[str, IdentityFacts | None] = {}

    def linked(url: str, frame: bool) -> IdentityFacts | None:
        """Identifiers of a footer script or frame (one level: a frame's own scripts)."""
        if url in extra_cache:
            return extra_cache[url]
        extra_cache[url] = None  # guards against frames that include each other
        facts = by_url.get(url) if frame else None
        if facts is None:
            stored = stored_html(ctx, url)
            if stored is not None:
                page, body = stored
                if "html" in (page.content_type or "").lower():
                    facts = extract_page(PageView(url=url, html=body, page_id=page.id))
                else:
                    facts = extract_script(body)
        if facts is not None and frame:
            merged = IdentityFacts()
            merged.merge(facts)
            for src in facts.script_srcs:
                sub = linked(src, frame=False)
                if sub is not None:
                    merged.merge(sub)
            facts = merged
        extra_cache[url] = facts
        return facts

    effective: list[tuple[str, int, IdentityFacts]] = []
    for record, own in records:
        facts = IdentityFacts(codes=set(own.codes), meta_code=own.meta_code,
                              jiucuo_codes=set(own.jiucuo_codes))
        facts.merge(own)
        for url in own.script_srcs:
            extra = linked(url, frame=False)
            if extra is not None:
                facts.merge(extra)
        for url in own.frame_srcs:
            extra = linked(url, frame=True)
            if extra is not None:
                facts.merge(extra)
        effective.append((record.url, record.depth, facts))

    home_url = ctx.site.url
    checked = len(effective)
    for item in ("site_code", "icp", "psb", "conac", "sponsor", "contact", "jiucuo"):
        lacking = [(url, depth) for url, depth, f in effective if not f.has(item)]
        if not lacking:
            continue
        on_home = any(depth == 0 for _, depth in lacking)
        sample = [url for url, _ in lacking[:SAMPLE]]
        where = "，含首页" if on_home else ""
        rule = f"identity.{item}_missing"
        if item == "jiucuo":
            where = "，首页页脚也没有" if on_home else "，首页有"
        yield FindingDraft(
            rule=rule, url=home_url, source=sample[0], subject=item,
            message=(f"{len(lacking)} 个页面未显示{NAMES[item]}（共检查 {checked} 个页面"
                     f"{where}），如 {sample[0]}"),
            detail={"pages": len(lacking), "checked": checked, "sample": sample,
                    "on_homepage": on_home},
        )
    yield from _mismatches(ctx, effective)


def _mismatches(ctx: CheckContext, effective: list[tuple[str, int, IdentityFacts]]
                ) -> Iterator[FindingDraft]:
    expected = ctx.site.code.lower()
    wrong: dict[str, Counter] = {"footer": Counter(), "meta": Counter(), "jiucuo": Counter()}
    pages: dict[str, list[str]] = {"footer": [], "meta": [], "jiucuo": []}
    footer_ok_on_meta_pages = True
    for url, _depth, f in effective:
        shown = {"footer": f.codes, "meta": {f.meta_code} if f.meta_code else set(),
                 "jiucuo": f.jiucuo_codes}
        for where, codes in shown.items():
            bad = {c for c in codes if c != expected}
            if bad:
                wrong[where].update(bad)
                pages[where].append(url)
                if where == "meta" and expected not in f.codes:
                    footer_ok_on_meta_pages = False
    footer_top = wrong["footer"].most_common(1)[0][0] if wrong["footer"] else None
    jiucuo_top = wrong["jiucuo"].most_common(1)[0][0] if wrong["jiucuo"] else None
    for where, counter in wrong.items():
        if not counter:
            continue
        found = counter.most_common(1)[0][0]
        sample = pages[where][:SAMPLE]
        note = ""
        if where == "meta" and footer_ok_on_meta_pages:
            note = f"；页脚显示的 {ctx.site.code} 正确，元标签有误"
        if where in ("footer", "jiucuo") and footer_top and footer_top == jiucuo_top:
            note = f"；页脚与找错入口的标识码一致（{footer_top}），请同时核对注册表"
        yield FindingDraft(
            rule="identity.site_code_mismatch", url=ctx.site.url, source=sample[0],
            subject=where,
            message=(f"{WHERE_NAMES[where]}为 {found}，与注册的网站标识码 {ctx.site.code} 不一致"
                     f"（{len(pages[where])} 个页面，如 {sample[0]}）{note}"),
            detail={"found": found, "expected": ctx.site.code, "where": where,
                    "all_found": sorted(counter), "pages": len(pages[where]),
                    "sample": sample},
        )
