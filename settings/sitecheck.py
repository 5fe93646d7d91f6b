"""Checks of registry entries (``sites.yaml`` and imported lists): codes, names, URLs,
kinds, parents, overlapping scopes. Each problem is one ``file:line: key: problem`` line.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from settings.schema import control_char
from settings.site import SiteSpec

KINDS = {"portal", "subsite", "department"}
SITE_CODE = re.compile(r"^(bm\d{8}|\d{10})$")
# Column sizes in store.models.Site: longer values would be rejected by PostgreSQL.
MAX_NAME, MAX_URL = 200, 2048


YAML_FIELDS = {"code": "code", "name": "name", "url": "url", "kind": "kind",
               "status": "status", "parent": "parent", "prefixes": "prefixes",
               "hints.mailbox": "hints.mailbox"}
IMPORT_FIELDS = {**YAML_FIELDS, "code": "网站标识码", "name": "网站名称", "url": "首页网址",
                 "kind": "类型", "status": "状态", "parent": "上级网站标识码"}


def _validate_url(url: str) -> str | None:
    """What is wrong with a homepage (or hint) URL, or None."""
    if (bad := control_char(url)) is not None:
        return f"含有控制字符 {bad}"
    parts = urlsplit(url.strip())
    if not parts.scheme and not url.startswith("/") and "." in url.split("/")[0]:
        return "缺少 http:// 或 https://"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "格式错误"
    if any(c.isspace() for c in url.strip()):
        return "含有空白字符"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "端口错误"
    if len(url) > MAX_URL:
        return f"超过 {MAX_URL} 个字符"
    return None


def _code_hint(code: str) -> str:
    """Why a code may be malformed: spreadsheets turn codes into numbers."""
    if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", code):
        return " (被 Excel 显示成了科学计数法，请把该列设为文本格式后重新导出)"
    if code.isdigit() and len(code) < 10:
        return " (可能被当作数字去掉了前导零，请把该列设为文本格式)"
    return ""


def _shown(text: str) -> str:
    """A value quoted in a message, control characters made visible."""
    return "".join(f"\\x{ord(c):02x}" if control_char(c) else c for c in text)[:120]


def _check(sites: list[SiteSpec], where: list[str],
           names: dict[str, str] = YAML_FIELDS) -> list[tuple[int, str]]:
    """(site index, message) for every problem among ``sites``; ``names`` are the field
    names the messages use (sites.yaml keys, or the spreadsheet's column headers)."""
    problems: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    scopes: dict[tuple[str, str], tuple[str, str, str]] = {}
    codes = {s.code for s in sites}
    for i, (site, loc) in enumerate(zip(sites, where, strict=True)):
        def bad(key: str, msg: str, i: int = i, loc: str = loc) -> None:
            problems.append((i, f"{loc}: {names.get(key, key)}: {msg}"))

        if not SITE_CODE.match(site.code):
            bad("code", f"'{_shown(site.code)}' 格式错误 (应为10位数字或 bm+8位数字)"
                + _code_hint(site.code))
        if site.code in seen:
            bad("code", f"'{site.code}' 重复 (已见于 {seen[site.code]})")
        seen.setdefault(site.code, loc)
        if not site.name.strip():
            bad("name", "不能为空")
        elif len(site.name) > MAX_NAME:
            bad("name", f"超过 {MAX_NAME} 个字符")
        elif (cc := control_char(site.name)) is not None:
            bad("name", f"'{_shown(site.name)}' 含有控制字符 {cc}")
        elif (garbled := _mojibake(site.name)) is not None:
            bad("name", f"'{_shown(site.name)}' {garbled}")
        if not site.url.strip():
            bad("url", "不能为空")
        elif err := _validate_url(site.url):
            bad("url", f"{err}: '{_shown(site.url)}'")
        elif site.running:
            for scope in site.scope():
                other = scopes.setdefault(scope, (site.code, loc, site.url))
                if other[0] == site.code:
                    continue
                if other[2].rstrip("/") == site.url.rstrip("/"):
                    bad("url", f"与网站 {other[0]} ({other[1]}) 相同")
                else:  # e.g. http://host/jyj (no slash) is read as a page in the directory /
                    bad("url", f"与网站 {other[0]} ({other[1]}) 属于同一主机和目录 "
                        f"'{scope[1]}' (子站网址请以 / 结尾，或在 sites.yaml 中设置 prefixes)")
                break
        if site.kind not in KINDS:
            bad("kind", f"未知类型 '{_shown(site.kind)}' (应为 门户网站/子站/部门网站 或 "
                        "portal/subsite/department)")
        if site.status not in ("运行", "关停"):
            bad("status", f"未知状态 '{_shown(site.status)}' (应为 运行 或 关停)")
        if site.parent and site.parent == site.code:
            bad("parent", "不能是网站自己")
        elif site.parent and site.parent not in codes:
            bad("parent", f"'{_shown(site.parent)}' 不存在")
        if site.kind == "subsite" and not site.parent:
            bad("parent", "子站缺少上级网站标识码")
        for p in site.prefixes:
            if not str(p).startswith("/"):
                bad("prefixes", f"'{_shown(str(p))}' 应以 / 开头")
        mailbox = site.hints.get("mailbox") if isinstance(site.hints, dict) else None
        if mailbox is not None and (not isinstance(mailbox, str) or _validate_url(mailbox)):
            bad("hints.mailbox", f"'{_shown(str(mailbox))}' 不是合法网址")
    return problems


def validate(sites: list[SiteSpec], where: list[str]) -> list[str]:
    """Check codes, kinds, URLs and parents; ``where[i]`` locates site i for messages."""
    return [msg for _, msg in _check(sites, where)]


# Latin-1 letters and signs inside a Chinese name are what GBK or Big5 bytes look like
# when read as Latin-1 / Windows-1252 ("ÊÐÕþ¸®" for 市政府); a few signs do occur.
_LATIN1_OK = set("·×÷°±§")


def _mojibake(text: str) -> str | None:
    """Why ``text`` looks garbled by a wrong encoding, or None."""
    if "\ufffd" in text:
        return "含有无法解码的字符 (U+FFFD)，文件编码可能不对"
    odd = [c for c in text if "\x80" <= c <= "\xff" and c not in _LATIN1_OK]
    if len(odd) >= 2:
        return f"疑似乱码 ('{''.join(odd[:4])}'…)，文件编码可能不对 (应为 UTF-8 或 GBK)"
    return None
