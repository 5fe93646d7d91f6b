"""The ajax calls of a page's inline scripts, read as literally as they are written.

``$.getJSON`` / ``$.get`` / ``$.post`` / ``$.ajax({url, type, data})`` / ``fetch`` /
``axios``: the URL expression and the request parameters of each call, with literal values
and the page's ``var x = …`` assignments substituted; a page parameter given by a variable
is the first page. :func:`parse.jsonlists.discover` turns the calls into endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from parse.paging import PAGE_PARAMS

_PAGE_KEYS = {p.lower() for p in PAGE_PARAMS}
# Substrings one of which every call _CALL matches contains (".get(" rather than ".get":
# document.getElementById is on nearly every page, and this test runs on every page).
_SIGNS = ("ajax", "getJSON", ".get(", ".post(", ". get(", ". post(", "fetch", "axios")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
# a script type other than JavaScript (Hanweb's text/xml datastore, text/html templates)
_JS_TYPE = re.compile(r"""\btype\s*=\s*["']?\s*(?!(?:text|application)/(?:java|ecma)script|module)"""
                      r"""[^"'\s>]""", re.I)
_SRC = re.compile(r"\bsrc\s*=", re.I)
_CALL = re.compile(
    r"(?:\$|\bjQuery)\s*\.\s*(?P<jq>getJSON|get|post|ajax)\s*\("
    r"|\b(?P<fetch>fetch)\s*\("
    r"|\baxios\s*(?:\.\s*(?P<ax>get|post|request))?\s*\(")
_COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\"'\\\w])//[^\n]*", re.S)
_VAR = re.compile(
    r"""(?:\b(?:var|let|const)\s+|[;{}\n]\s*)([A-Za-z_$][\w$]*)\s*(?<![=!<>])=(?!=)\s*"""
    r"""(?:(["'])([^"'\n]*)\2|(-?\d+(?:\.\d+)?))\s*(?=[;,\n}])""")
_OBJ_VAR = re.compile(r"""(?:\b(?:var|let|const)\s+|[;{}\n]\s*)([A-Za-z_$][\w$]*)\s*=\s*\{""")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_KEY = re.compile(r"""\s*(?:(["'])(.*?)\1|([A-Za-z_$][\w$]*))\s*:(.*)$""", re.S)
_TEMPLATE_EXPR = re.compile(r"\$\{([^}]*)\}")


def _split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` cut at ``sep`` characters outside strings and brackets."""
    out, buf, depth, quote, i = [], [], 0, None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == "\\" and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
            buf.append(ch)
        elif ch in "([{":
            depth += 1
            buf.append(ch)
        elif ch in ")]}":
            depth -= 1
            buf.append(ch)
        elif ch == sep and depth == 0:
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf).strip())
    return out


def _balanced(text: str, start: int, close: str, limit: int = 6000) -> str | None:
    """Text from ``start`` to the bracket that closes the one just before it."""
    depth, quote, i, end = 0, None, start, min(len(text), start + limit)
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return text[start:i] if ch == close else None
            depth -= 1
        i += 1
    return None


class _Scope:
    """Literal script variables and object literals of a page (``var boxId = "3";``)."""

    def __init__(self, scripts: str):
        self.values: dict[str, str] = {}
        for m in _VAR.finditer(scripts):
            self.values.setdefault(m.group(1), m.group(3) if m.group(2) else m.group(4))
        self.objects: dict[str, str] = {}
        for m in _OBJ_VAR.finditer(scripts):
            body = _balanced(scripts, m.end(), "}")
            if body is not None:
                self.objects.setdefault(m.group(1), "{" + body + "}")

    def literal(self, expr: str) -> str | None:
        e = expr.strip()
        if len(e) >= 2 and e[0] == e[-1] and e[0] in "\"'":
            return e[1:-1].replace("\\/", "/")
        if len(e) >= 2 and e[0] == e[-1] == "`":
            return self._template(e[1:-1])
        if _NUMBER.fullmatch(e) or e in ("true", "false"):
            return e
        return None

    def _template(self, body: str) -> str | None:
        out = ""
        pos = 0
        for m in _TEMPLATE_EXPR.finditer(body):
            out += body[pos:m.start()]
            v = self.value(m.group(1), prefix=out)
            if v is None:
                return None
            out += v
            pos = m.end()
        return out + body[pos:]

    def value(self, expr: str, prefix: str = "") -> str | None:
        """A string expression (literals, known variables, ``+``); an unknown variable
        right after ``pageNo=`` is the first page."""
        out = prefix
        for part in _split_top(expr, "+"):
            if not part:
                return None
            lit = self.literal(part)
            if lit is not None:
                out += lit
            elif _IDENT.fullmatch(part) and part in self.values:
                out += self.values[part]
            elif _IDENT.fullmatch(part) and _is_page_slot(out):
                out += "1"
            else:
                return None
        return out[len(prefix):]

    def obj(self, expr: str) -> dict[str, str] | None:
        """Top-level ``key: expression`` pairs of an object literal (or a named one)."""
        e = expr.strip()
        if _IDENT.fullmatch(e) and e in self.objects:
            e = self.objects[e]
        if not (e.startswith("{") and e.endswith("}")):
            return None
        out: dict[str, str] = {}
        for part in _split_top(e[1:-1]):
            m = _KEY.match(part)
            if m:
                out[m.group(2) if m.group(1) else m.group(3)] = m.group(4).strip()
        return out

    def params(self, expr: str) -> dict[str, str]:
        """Request parameters of a ``data`` object: literal values and known variables;
        a page parameter whose value is unknown is the first page."""
        out: dict[str, str] = {}
        for k, v in (self.obj(expr) or {}).items():
            val = self.value(v)
            if val is None and k.lower() in _PAGE_KEYS:
                val = "1"
            if val is not None:
                out[k] = val
        return out


def _is_page_slot(text: str) -> bool:
    m = re.search(r"[?&]([\w.]+)=$", text)
    return bool(m and m.group(1).lower() in _PAGE_KEYS)


def _scripts(text: str) -> str:
    out = []
    for m in _SCRIPT.finditer(text):
        attrs, body = m.group(1), m.group(2)
        if _SRC.search(attrs) or _JS_TYPE.search(attrs) or not body.strip():
            continue
        out.append(_COMMENTS.sub("", body))
    return "\n;\n".join(out)


def _calls(scripts: str, scope: _Scope) -> Iterator[tuple[str | None, str, dict[str, str]]]:
    """(URL expression value, method, parameters) of each ajax call in the scripts."""
    for m in _CALL.finditer(scripts):
        inner = _balanced(scripts, m.end(), ")")
        if inner is None:
            continue
        args = _split_top(inner)
        jq, ax = m.group("jq"), m.group("ax")
        if jq in ("getJSON", "get", "post") or ax in ("get", "post"):
            method = "POST" if "post" in (jq, ax) else "GET"
            data: dict[str, str] = {}
            if len(args) > 1:
                if ax == "get":  # axios.get(url, {params: {...}})
                    data = scope.params((scope.obj(args[1]) or {}).get("params", ""))
                else:
                    data = scope.params(args[1])
            yield scope.value(args[0]), method, data
        elif jq == "ajax" or (not jq and not m.group("fetch")):  # $.ajax, axios(config)
            url = None
            settings = scope.obj(args[0]) if args else None
            if settings is None and args:  # $.ajax(url, settings)
                url = scope.value(args[0])
                settings = scope.obj(args[1]) if len(args) > 1 else {}
            if settings is None:
                continue
            if url is None and "url" in settings:
                url = scope.value(settings["url"])
            method = (scope.value(settings.get("type") or settings.get("method") or "''")
                      or "GET").upper()
            data = scope.params(settings.get("data") or settings.get("params") or "")
            yield url, method, data
        elif m.group("fetch") and args:
            opts = scope.obj(args[1]) if len(args) > 1 else None
            method = (scope.value((opts or {}).get("method", "''")) or "GET").upper()
            yield scope.value(args[0]), method, {}


def page_calls(text: str) -> Iterator[tuple[str | None, str, dict[str, str]]]:
    """(URL, method, parameters) of the calls in the page's inline scripts; nothing when
    the text cannot hold one (cheap tests first: most pages call nothing; in the
    crawl this saved 0.9 ms a page, bench/README.md)."""
    if not any(sign in text for sign in _SIGNS) or not _CALL.search(text):
        return
    scripts = _scripts(text)
    if not scripts or not _CALL.search(scripts):
        return
    yield from _calls(scripts, _Scope(scripts))
