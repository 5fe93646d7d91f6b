"""Security and content signals of a page: JavaScript libraries, private addresses, the
适老化 / 无障碍 entrance, an article's text fingerprint, v4/v6 content parity. Pure.

* :func:`libraries` — JavaScript libraries by file name (``jquery-1.8.3.min.js``,
  ``/jquery/1.12.4/jquery.min.js``, ``bootstrap.min.js?v=3.3.7``), banner comment
  (``/*! jQuery v1.8.3``) or file hash (a table the caller passes); versions are compared
  by the rule with the data file of known-vulnerable versions.
* :func:`private_addresses` — RFC 1918 (10/8, 172.16/12, 192.168/16) and link-local
  (169.254/16) IPv4 addresses written anywhere in the markup or a script (intranet OA
  links, internal API hosts, a developer's test server).
* :func:`care_entrance` — a 关怀版 / 适老化 / 无障碍 / 长者模式 link or one of the common
  accessibility toolbar scripts.
* :func:`article_fingerprint` — the hash of an article's body text, normalised so that a
  re-posted copy under another title, date, counter or template hashes the same.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from parse.page import CONTAINER, DATE, text_of

# -- JavaScript libraries ------------------------------------------------------------------
# name as the data file knows it -> file-name stems that are this library
LIBRARY_FILES = {
    "jquery": ("jquery",),
    "jquery-ui": ("jquery-ui", "jquery.ui", "jqueryui"),
    "bootstrap": ("bootstrap",),
    "angularjs": ("angular",),
    "lodash": ("lodash",),
    "moment": ("moment",),
    "handlebars": ("handlebars",),
    "vue": ("vue",),
}
_VERSION = r"(\d+\.\d+(?:\.\d+)?)"
# jquery-1.8.3.min.js, jquery.1.8.3.js, jquery-ui-1.10.4.custom.min.js, jquery1.7.2.js
_FILE_VERSION = re.compile(r"^(?P<stem>[a-z.-]*?)[-._]?v?" + _VERSION + r"(?:[.-][a-z]+)*\.js$")
# /jquery/1.12.4/jquery.min.js, /ajax/libs/jquery/3.4.1/jquery.min.js
_DIR_VERSION = re.compile(r"/(?P<stem>[a-z.-]+)/v?" + _VERSION + r"/[^/]*\.js$")
_QUERY_VERSION = re.compile(r"(?:^|&)(?:v|ver|version)=v?" + _VERSION + r"(?:&|$)")
BANNERS = (
    ("jquery-ui", re.compile(r"jQuery UI(?: - v| v|\s+)" + _VERSION)),
    ("jquery", re.compile(r"jQuery(?: JavaScript Library)? v" + _VERSION)),
    ("bootstrap", re.compile(r"Bootstrap v" + _VERSION)),
    ("angularjs", re.compile(r"AngularJS v" + _VERSION)),
    ("moment", re.compile(r"//! moment\.js\s*\n?\s*//! version : " + _VERSION)),
    ("handlebars", re.compile(r"handlebars v" + _VERSION, re.I)),
    ("vue", re.compile(r"Vue\.js v" + _VERSION)),
)
# Minified builds keep their version in the code: jQuery's ``jquery:"1.8.3"``, lodash's
# ``VERSION="4.17.15"``.
_JQUERY_FN = re.compile(r"""jquery\s*:\s*["']""" + _VERSION + """["']""")
_LODASH_VERSION = re.compile(r"""VERSION\s*=\s*["']""" + _VERSION + """["']""")


@dataclass(frozen=True, slots=True)
class Library:
    name: str
    version: str
    url: str  # the script's URL (or the page's, for an inline copy)
    how: str  # file_name | banner | hash


def _library_of_stem(stem: str) -> str | None:
    stem = stem.strip(".-_")
    for name, stems in sorted(LIBRARY_FILES.items(), key=lambda kv: -len(kv[0])):
        if stem in stems or any(stem == s + suffix for s in stems
                                for suffix in (".min", "-min", ".slim", ".custom")):
            return name
    return None


def library_from_url(url: str) -> Library | None:
    """A library and version named by a script URL, or None."""
    parts = urlsplit(url)
    path = unquote(parts.path).lower()
    name = path.rsplit("/", 1)[-1]
    m = _FILE_VERSION.match(name)
    if m and (lib := _library_of_stem(m.group("stem"))):
        return Library(lib, m.group(2), url, "file_name")
    m = _DIR_VERSION.search(path)
    if m and (lib := _library_of_stem(m.group("stem"))):
        return Library(lib, m.group(2), url, "file_name")
    stem = name[:-3] if name.endswith(".js") else ""
    lib = _library_of_stem(stem.replace(".min", "")) if stem else None
    if lib:
        q = _QUERY_VERSION.search(parts.query.lower())
        if q:
            return Library(lib, q.group(1), url, "file_name")
    return None


def library_from_source(source: str, url: str,
                        hashes: dict[str, tuple[str, str]] | None = None) -> Library | None:
    """A library and version from a script's text: a known file hash (sha256 hex ->
    (name, version)), else its banner comment."""
    if hashes:
        digest = hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()
        if digest in hashes:
            name, version = hashes[digest]
            return Library(name, version, url, "hash")
    head = source[:3000]
    for name, rx in BANNERS:
        m = rx.search(head)
        if m:
            return Library(name, m.group(1), url, "banner")
    m = _JQUERY_FN.search(source[:200_000])
    if m and "jQuery" in head:
        return Library("jquery", m.group(1), url, "banner")
    if "Lodash" in head or "lodash" in head:
        m = _LODASH_VERSION.search(source[:200_000])
        if m:
            return Library("lodash", m.group(1), url, "banner")
    return None


def libraries(script_srcs: list[str], inline_scripts: list[str], page_url: str) -> list[Library]:
    """Libraries a page loads by URL or carries inline (banner of an inline copy)."""
    out = [lib for src in script_srcs if (lib := library_from_url(src)) is not None]
    for js in inline_scripts:
        if len(js) > 2000:  # a pasted library, not a few lines of page code
            lib = library_from_source(js, page_url)
            if lib is not None:
                out.append(lib)
    return out


# -- private addresses ---------------------------------------------------------------------
_IPV4 = re.compile(r"(?<![\w.])((?:10|172|192|169)\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\w.]|\.\d)")
_VERSIONISH = re.compile(r"(?:v|ver|version|版本|版本号)\s*[:：]?\s*$", re.I)
_PRIVATE = [ipaddress.ip_network(n) for n in
            ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")]


def private_addresses(markup: str) -> list[str]:
    """RFC 1918 and link-local IPv4 addresses written in ``markup`` (HTML or a script),
    in order of appearance, each once. Version numbers (``v10.2.0.1``) are not addresses."""
    out: list[str] = []
    if "10." not in markup and "172." not in markup and "192." not in markup \
            and "169." not in markup:
        return out
    for m in _IPV4.finditer(markup):
        text = m.group(1)
        try:
            addr = ipaddress.IPv4Address(text)
        except ValueError:
            continue  # 192.168.1.300
        if not any(addr in net for net in _PRIVATE) or text in out:
            continue
        if _VERSIONISH.search(markup[max(0, m.start() - 12):m.start()]):
            continue
        out.append(text)
    return out


# -- 适老化 / 无障碍 -----------------------------------------------------------------------
CARE_WORDS = re.compile(r"关怀版|关怀模式|适老化|适老版|无障碍|长者模式|长者版|老年模式|老年版|"
                        r"长辈版|长辈模式|大字版|读屏|助盲|爱心模式|辅助工具|信息无障碍")
# file or host names of the common accessibility toolbars (wza = 无障碍, slh = 适老化)
CARE_SCRIPTS = re.compile(r"wza|cniil|slh|assist|barrierfree|barrier-free|accessib|"
                          r"guanhuai|elder|aria\.js|toolbar", re.I)


def care_entrance(view: Any) -> str | None:
    """What on the page offers a care / accessible mode (a link text, a script URL), or
    None. ``view``: a :class:`parse.page.PageView`."""
    doc = view.doc
    if doc is None:
        return None
    for el in doc.iter("a", "button", "span", "li", "div"):
        text = (el.text or "") + (el.get("title") or "") + (el.get("alt") or "")
        if el.tag in ("a", "button"):
            text = text_of(el) + (el.get("title") or "")
        m = CARE_WORDS.search(text)
        if m and len(text.strip()) <= 40:
            return " ".join(text.split())[:40]
    for src in view.script_srcs:
        if CARE_SCRIPTS.search(urlsplit(src).path + urlsplit(src).netloc):
            return src
    for el in doc.iter("img"):
        alt = (el.get("alt") or "") + (el.get("title") or "")
        if CARE_WORDS.search(alt):
            return alt[:40]
    return None


# -- article text ---------------------------------------------------------------------------
_BODY_MARK = re.compile(r"zoom|ucap-content|article-content|artibody|trs_ueditor|trs_editor|"
                        r"pages_content|article_content", re.I)
_COUNTER = re.compile(r"(?:浏览|阅读|点击|访问)(?:次数|量|数)?\s*[:：]?\s*\d+\s*次?")
_TIME = re.compile(r"\d{1,2}\s*[:：∶时]\s*\d{1,2}(?:\s*[:：∶分]\s*\d{1,2}秒?)?")
# what str.isalnum() refuses (\w is isalnum() plus "_"): one C pass, not a loop per char
_NOT_ALNUM = re.compile(r"[\W_]+")
MIN_ARTICLE_CHARS = 120  # a body shorter than this (详见附件) says nothing about its text


def article_text(view: Any) -> str:
    """The body text of an article page: the CMS body container when there is one
    (#zoom, .TRS_UEDITOR, UCAPCONTENT …), else the long lines of the visible text without
    the footer (paragraphs, not menus)."""
    doc = view.doc
    if doc is None:
        return ""
    if CONTAINER.search(view.html):
        for el in doc.iter():
            tag = el.tag if isinstance(el.tag, str) else ""
            marker = f"{el.get('id') or ''} {el.get('class') or ''}" if tag else ""
            if tag == "ucapcontent" or (marker.strip() and _BODY_MARK.search(marker)):
                text = text_of(el)
                if text.strip():
                    return text
    # no known container: the element holding the most paragraph text (its own <p>s),
    # which leaves menus, bylines and footers out
    best, best_len = None, 0
    for parent in {p.getparent() for p in doc.iter("p")}:
        if parent is None:
            continue
        size = sum(len(text_of(p)) for p in parent if p.tag == "p")
        if size > best_len:
            best, best_len = parent, size
    if best is not None:
        return "\n".join(text_of(p) for p in best if p.tag == "p")
    return "\n".join(line for line in view.main_lines if len(line) >= 30)


def normalise_text(text: str) -> str:
    """Letters, digits and CJK only: no dates, clock times, view counters, whitespace or
    punctuation (a re-post changes those, not the text)."""
    text = unicodedata.normalize("NFKC", text)
    text = _COUNTER.sub("", text)
    text = DATE.sub("", text)
    text = _TIME.sub("", text)
    return _NOT_ALNUM.sub("", text).lower()


def article_fingerprint(view: Any) -> tuple[str, int] | None:
    """(sha1 hex of the normalised body text, its length), or None for a body too short
    to identify an article."""
    norm = normalise_text(article_text(view))
    if len(norm) < MIN_ARTICLE_CHARS:
        return None
    return hashlib.sha1(norm.encode("utf-8")).hexdigest(), len(norm)


# -- mixed content --------------------------------------------------------------------------
RESOURCE_ATTRS = {"img": "src", "script": "src", "link": "href", "iframe": "src",
                  "frame": "src", "embed": "src", "source": "src", "audio": "src",
                  "video": "src", "object": "data"}


def http_resources(view: Any) -> list[tuple[str, str]]:
    """(URL, tag) of the resources a page loads over plain http (stylesheets only among
    ``<link>``s; ``<a href>`` is navigation, not a resource)."""
    doc = view.doc
    out: list[tuple[str, str]] = []
    if doc is None:
        return out
    for el in doc.iter(*RESOURCE_ATTRS):
        if el.tag == "link" and "stylesheet" not in (el.get("rel") or "").lower():
            continue
        url = view.resolve(el.get(RESOURCE_ATTRS[el.tag]))
        if url and url.startswith("http://") and (url, el.tag) not in out:
            out.append((url, el.tag))
    return out


# -- meta CSP and content parity -------------------------------------------------------------
_META_CSP = re.compile(r"<meta[^>]+http-equiv\s*=\s*[\"']?content-security-policy", re.I)


def meta_csp(html: str) -> bool:
    """A ``<meta http-equiv="Content-Security-Policy">`` in the page's head."""
    return bool(_META_CSP.search(html[:20000]))


def text_lines_of(html: str) -> set[str]:
    from parse.page import parse_html, text_lines

    doc = parse_html(html)
    return set(text_lines(doc)) if doc is not None else set()


def similarity(a_html: str, b_html: str) -> float:
    """How alike two answers for the same page are: the Jaccard share of their visible
    text lines (a visit counter or a clock differs; another site does not match)."""
    a, b = text_lines_of(a_html), text_lines_of(b_html)
    if not a and not b:
        return 1.0 if a_html == b_html else 0.0
    return len(a & b) / len(a | b)
