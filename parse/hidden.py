"""Links hidden from readers on a page (暗链; the rule: ``checks/hidden_links.py``).

A link is hidden when it or an ancestor is hidden by its inline style, a ``hidden``
attribute or a rule of the page's ``<style>`` blocks (by class / id / any selector lxml's
cssselect understands): ``display:none``, ``visibility:hidden``, ``opacity:0``, zero size
with ``overflow:hidden``, off-screen positioning or ``text-indent`` (≤ -500px),
``font-size:0``, or text in the colour of its background.

Not 暗链: links to the cluster's own sites, government / education / official media hosts,
statistics counters, a CMS vendor's own credit link (Hanweb's hidden "Produced By 大汉网络"),
and menus: hidden containers that a ``:hover`` rule reveals, that scripts or on* handlers
toggle, or whose class names them a menu/tab/dropdown — unless the anchor or URL carries
gambling / pornography words, which always counts.

Style blocks and inline styles are read with ``tinycss2`` (a CSS tokenizer that knows
strings, comments, escapes and nested at-rules: a hand-written splitter dropped every rule
after an ``@`` inside a string).

Gaps: external stylesheets are not stored by the crawl, so rules living only there are not
seen; styles set later by script are not evaluated; ``@media`` rules are ignored.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import tinycss2
from lxml.cssselect import CSSSelector

from parse.linkrisk import LinkRisk, risk, words_in
from parse.page import PageView, parse_html, script_markup, text_of

MENU_MARK = re.compile(r"nav|menu|sub|drop|pop|tab(?!le)|slide|toggle|collapse|panel|layer", re.I)
_PSEUDO_REVEAL = re.compile(r":(?:hover|focus-within|focus|active)\b")
_NUM = re.compile(r"^(-?\d*\.?\d+)\s*(px|pt|em|rem|%|vw|vh)?$")
NAMED = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "blue": "#0000ff",
         "green": "#008000", "gray": "#808080", "grey": "#808080", "yellow": "#ffff00",
         "silver": "#c0c0c0", "transparent": "transparent"}


def declarations(style: str | None) -> dict[str, str]:
    """Property -> value (lower case, ``!important`` dropped) of a declaration list."""
    if not style:
        return {}
    return _declarations(tinycss2.parse_declaration_list(style, skip_comments=True,
                                                         skip_whitespace=True))


def _declarations(nodes: list) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in nodes:
        if node.type == "declaration":
            out[node.lower_name] = tinycss2.serialize(node.value).strip().lower()
    return out


def _length(value: str | None) -> float | None:
    """A CSS length in px (em/rem as 16px); None when not a plain length."""
    if value is None:
        return None
    m = _NUM.match(value.strip())
    if not m:
        return None
    number = float(m.group(1))
    unit = m.group(2) or "px"
    if unit in ("em", "rem"):
        return number * 16
    if unit == "pt":
        return number * 4 / 3
    if unit in ("%", "vw", "vh"):
        return number if number <= 0 else None
    return number


def colour(value: str | None) -> str | None:
    """Normalised colour (#rrggbb) of a colour or ``background`` value, if one is named."""
    if not value:
        return None
    for token in re.findall(r"#[0-9a-f]{3,6}\b|rgba?\([^)]*\)|[a-z]+", value):
        if token.startswith("#"):
            hexa = token[1:]
            if len(hexa) == 3:
                hexa = "".join(c * 2 for c in hexa)
            if len(hexa) == 6:
                return "#" + hexa
        elif token.startswith("rgb"):
            nums = re.findall(r"\d+", token)
            if len(nums) >= 3:
                return "#" + "".join(f"{min(int(n), 255):02x}" for n in nums[:3])
        elif token in NAMED:
            return NAMED[token]
    return None


def hiding(decls: dict[str, str]) -> str | None:
    """How these declarations hide an element, or None."""
    if not decls:
        return None
    if decls.get("display") == "none":
        return "display:none"
    if decls.get("visibility") in ("hidden", "collapse"):
        return "visibility:hidden"
    if decls.get("opacity", "").strip() in ("0", "0.0", ".0", "0%"):
        return "opacity:0"
    size = _length(decls.get("font-size"))
    if size is not None and size <= 1:
        return "font-size:0"
    width, height = _length(decls.get("width")), _length(decls.get("height"))
    tiny_w = width is not None and width <= 1
    tiny_h = height is not None and height <= 1
    if (tiny_w and tiny_h) or ((tiny_w or tiny_h) and decls.get("overflow") == "hidden"):
        return "zero size"
    if decls.get("position") in ("absolute", "fixed"):
        for prop in ("left", "top", "right", "bottom", "margin-left", "margin-top"):
            off = _length(decls.get(prop))
            if off is not None and off <= -500:
                return "off-screen"
        if "rect(0" in decls.get("clip", "").replace(" ", ""):
            return "zero size"
    for prop in ("text-indent", "margin-left", "margin-top"):
        off = _length(decls.get(prop))
        if off is not None and off <= -500:
            return "off-screen"
    fg = colour(decls.get("color"))
    background = decls.get("background-color") or decls.get("background") or ""
    bg = None if "url(" in background or "gradient" in background else colour(background)
    if fg and bg and fg == bg and fg != "transparent":
        return "same colour"
    return None


@lru_cache(maxsize=4096)
def _selector(sel: str) -> CSSSelector | None:
    try:
        return CSSSelector(sel, translator="html")
    except Exception:  # noqa: BLE001 - unsupported or broken selectors are skipped
        return None


@lru_cache(maxsize=512)
def _css_rules(css: str) -> tuple[tuple[str, str | None, bool], ...]:
    """(selector, how it hides, whether it reveals) for the rules of a <style> block that
    hide or reveal. Parsed once per distinct block: templates repeat them on every page."""
    out = []
    # top-level qualified rules only: @media / @supports blocks apply only sometimes,
    # @import / @charset / @font-face hide nothing
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        decls = _declarations(tinycss2.parse_declaration_list(
            rule.content, skip_comments=True, skip_whitespace=True))
        how = hiding(decls)
        reveal = decls.get("display", "none") != "none" or decls.get("visibility") == "visible"
        if how is None and not reveal:
            continue
        for sel in tinycss2.serialize(rule.prelude).split(","):
            sel = sel.strip()
            if sel:
                out.append((sel, how, reveal))
    return tuple(out)


def _style_rules(doc: Any) -> tuple[dict[Any, str], set[Any]]:
    """Elements hidden by <style> rules (element -> how) and elements :hover reveals."""
    hidden: dict[Any, str] = {}
    revealed: set[Any] = set()
    for style in doc.iter("style"):
        for sel, how, reveal in _css_rules(style.text or ""):
            if _PSEUDO_REVEAL.search(sel):
                if reveal:
                    compiled = _selector(_PSEUDO_REVEAL.sub("", sel))
                    if compiled is not None:
                        revealed.update(compiled(doc))
                continue
            if how is None or ":" in sel:
                continue
            compiled = _selector(sel)
            if compiled is None:
                continue
            for el in compiled(doc):
                hidden.setdefault(el, how)
    return hidden, revealed


@lru_cache(maxsize=4096)
def _inline_hiding(style: str) -> str | None:
    """How an inline ``style`` hides its element (memoised: templates repeat them)."""
    return hiding(declarations(style))


def _toggled_ids(view: PageView) -> set[str]:
    """Element ids that scripts or event handlers refer to (menus they show and hide)."""
    # Every on* attribute value, found by libxml2 rather than a Python loop over all
    # elements; the space-joined texts give the same names (a name cannot span a space).
    handlers = view.doc.xpath("//@*[starts-with(name(), 'on')]")
    text = " ".join([" ".join(view.inline_scripts), *handlers])
    return set(re.findall(r"[\"'#]([A-Za-z][\w-]*)", text))


def _menu_like(el: Any, revealed: set[Any], toggled: set[str]) -> bool:
    if el in revealed or (el.get("id") and el.get("id") in toggled):
        return True
    parent = el.getparent()
    for node in (el, parent):
        if node is None:
            continue
        if any(k.startswith("on") for k in node.attrib):
            return True
        if MENU_MARK.search(f"{node.get('id') or ''} {node.get('class') or ''}"):
            return True
    return False


def extract_page(view: PageView) -> list[dict]:
    """Hidden links on the page: target, how, anchor, menu (hidden like a menu), words.
    Markup that inline scripts write (``document.write`` of a hidden block, a common
    injection) is checked the same way."""
    doc = view.doc
    if doc is None:
        return []
    rules, revealed = _style_rules(doc)
    found = _hidden_anchors(view, doc, rules, revealed)
    for js in view.inline_scripts:
        lowered = js.lower()
        if "write" not in lowered or ("<a" not in lowered and "%3ca" not in lowered):
            continue
        markup = script_markup(js)
        if "<a" not in markup.lower():
            continue
        fragment = parse_html(f"<html><body>{markup}</body></html>")
        if fragment is not None:
            found.extend(_hidden_anchors(view, fragment, {}, set()))
    return found


def _hidden_anchors(view: PageView, doc: Any, rules: dict[Any, str],
                    revealed: set[Any]) -> list[dict]:
    anchors = [a for a in doc.iter("a", "area") if a.get("href")]
    if not anchors:
        return []
    memo: dict[Any, tuple[str, Any] | None] = {}

    def hidden_by(node: Any) -> tuple[str, Any] | None:
        """(how, the hiding element) for ``node`` or its nearest hidden ancestor."""
        chain = []
        result: tuple[str, Any] | None = None
        while node is not None and isinstance(node.tag, str):
            if node in memo:
                result = memo[node]
                break
            chain.append(node)
            style = node.get("style")
            how = _inline_hiding(style) if style else None
            if how is None and node.get("hidden") is not None:
                how = "hidden attribute"
            how = how or rules.get(node)
            if how is not None:
                result = (how, node)
                break
            node = node.getparent()
        for n in chain:
            memo[n] = result
        return result

    toggled: set[str] | None = None
    risks: LinkRisk | None = None
    colours = _Colours()
    out = []
    for a in anchors:
        found = hidden_by(a)
        if found is None:
            how = colours.same(a)
            found = (how, a) if how else None
        if found is None:
            continue
        target = view.resolve(a.get("href"))
        if target is None:
            continue
        if toggled is None:
            toggled = _toggled_ids(view)
        anchor = re.sub(r"\s+", " ", text_of(a) or a.get("title") or "").strip()[:200]
        if risks is None:
            risks = risk()  # read once per page, not once per link
        out.append({"target": target, "how": found[0], "anchor": anchor,
                    "menu": _menu_like(found[1], revealed, toggled),
                    "words": words_in(risks, anchor, target, a.get("title"))})
    return out


@lru_cache(maxsize=4096)
def _style_fg(style: str) -> str | None:
    return colour(declarations(style).get("color"))


@lru_cache(maxsize=4096)
def _style_bg(style: str) -> str | None:
    decls = declarations(style)
    value = decls.get("background-color") or decls.get("background") or ""
    if "url(" in value or "gradient" in value:
        return "image"  # a picture behind the text: colour comparison is meaningless
    return colour(value)


class _Colours:
    """Effective inline text and background colours (nearest declaration up the tree)."""

    def __init__(self) -> None:
        self.fg: dict[Any, str | None] = {}
        self.bg: dict[Any, str | None] = {}

    def _nearest(self, node: Any, memo: dict[Any, str | None], own: Any) -> str | None:
        chain = []
        value: str | None = None
        while node is not None and isinstance(node.tag, str):
            if node in memo:
                value = memo[node]
                break
            chain.append(node)
            found = own(node)
            if found is not None:
                value = found
                break
            node = node.getparent()
        for n in chain:
            memo[n] = value
        return value

    @staticmethod
    def _own_fg(node: Any) -> str | None:
        style = node.get("style")
        fg = _style_fg(style) if style and "color" in style else None
        if fg is None and node.tag == "font":
            fg = colour(node.get("color"))
        return fg

    @staticmethod
    def _own_bg(node: Any) -> str | None:
        style = node.get("style")
        if style and "background" in style:
            found = _style_bg(style)
            if found is not None:
                return found
        return colour(node.get("bgcolor")) if node.get("bgcolor") else None

    def same(self, a: Any) -> str | None:
        fg = self._nearest(a, self.fg, self._own_fg)
        if fg is None or fg == "transparent":
            return None
        bg = self._nearest(a, self.bg, self._own_bg)
        return "same colour" if bg == fg else None
