"""The site registry (``sites.yaml``) and the import of supervisors' CSV/XLSX lists.

A registry is what a supervisor is responsible for: a portal cluster (主站 + 子站) and
department sites. Each site owns a scope (hosts and path prefixes); a URL belongs to the
site whose scope matches it with the longest prefix, so a sub-site living under the
portal's host is crawled as its own site.

Every problem is reported as ``file:line: message`` and a file with any problem changes
nothing: supervisors fix their spreadsheet and import again.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import os
import re
import tempfile
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from govmon.schema import (
    CleanText,
    InputError,
    Problems,
    YamlProblem,
    capped,
    control_char,
    load_yaml,
    located_problems,
    validation_problems,
)

KINDS = {"portal", "subsite", "department"}
KIND_ALIASES = {
    "门户网站": "portal", "门户": "portal", "主站": "portal", "portal": "portal",
    "子站": "subsite", "子网站": "subsite", "subsite": "subsite",
    "部门网站": "department", "部门": "department", "department": "department",
}
STATUS_ALIASES = {"运行": "运行", "正常": "运行", "running": "运行", "": "运行",
                  "关停": "关停", "关闭": "关停", "closed": "关停"}
SITE_CODE = re.compile(r"^(bm\d{8}|\d{10})$")
IMPORT_HEADERS = ["网站标识码", "网站名称", "首页网址", "类型", "上级网站标识码"]  # + optional 状态
HEADER_SEARCH_ROWS = 10  # a title row (e.g. "XX市政府网站名单") may sit above the header
# Column sizes in store.models.Site: longer values would be rejected by PostgreSQL.
MAX_NAME, MAX_URL = 200, 2048


class RegistryError(InputError):
    """Invalid registry input. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Contact:
    """Someone who receives a site's e-mail digest: its 负责人 (at most one) or one of up to
    ``MAX_OTHER_CONTACTS`` other 联系人."""

    name: str
    email: str
    role: str = "联系人"  # 负责人 | 联系人
    phone: str | None = None

    def to_yaml(self) -> dict:
        out = {"name": self.name, "role": self.role, "email": self.email}
        if self.phone:
            out["phone"] = self.phone
        return out


MAX_OTHER_CONTACTS = 3
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


@dataclass
class SiteSpec:
    code: str
    name: str
    url: str
    kind: str
    parent: str | None = None
    status: str = "运行"
    hosts: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    hints: dict = field(default_factory=dict)
    has_services: bool = True
    ignore_robots: bool = False
    contacts: list[Contact] = field(default_factory=list)  # who gets the site's digest
    successor: str | None = None  # a closed site's replacement (its visitors may go there)

    @property
    def running(self) -> bool:
        return self.status == "运行"

    @property
    def home_host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    def scope(self) -> list[tuple[str, str]]:
        """(host[:port], path prefix) pairs this site owns."""
        parts = urlsplit(self.url)
        netloc = parts.netloc.lower()
        prefixes = self.prefixes or [_dir_of(parts.path)]
        hosts = [netloc] + [h.lower() for h in self.hosts]
        return [(h, p) for h in hosts for p in prefixes]

    def to_yaml(self) -> dict:
        out: dict = {"code": self.code, "name": self.name, "url": self.url, "kind": self.kind}
        if self.parent:
            out["parent"] = self.parent
        out["status"] = self.status
        for key in ("hosts", "prefixes", "hints"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if not self.has_services:
            out["has_services"] = False
        if self.ignore_robots:
            out["ignore_robots"] = True
        if self.successor:
            out["successor"] = self.successor
        if self.contacts:
            out["contacts"] = [c.to_yaml() for c in self.contacts]
        return out


SITE_KEYS = [f.name for f in fields(SiteSpec)]
TOP_KEYS = ("sites", "trusted_networks")


def _dir_of(path: str) -> str:
    if not path:
        return "/"
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


@dataclass
class Registry:
    sites: list[SiteSpec]
    trusted_networks: list[str] = field(default_factory=list)
    path: Path | None = None
    _index: ScopeIndex | None = field(default=None, init=False, repr=False, compare=False)
    _index_key: tuple[int, int] | None = field(default=None, init=False, repr=False,
                                               compare=False)

    def by_code(self, code: str) -> SiteSpec | None:
        return next((s for s in self.sites if s.code == code), None)

    def running(self) -> list[SiteSpec]:
        return [s for s in self.sites if s.running]

    def site_for(self, url: str) -> SiteSpec | None:
        """The site whose scope matches ``url`` with the longest path prefix.

        Called for every link of every crawled page, so it uses an index built once per
        site list (rebuilt when ``sites`` is replaced or grows)."""
        key = (id(self.sites), len(self.sites))
        if self._index is None or self._index_key != key:
            self._index, self._index_key = ScopeIndex(self), key
        return self._index.site_for(url)

    def scan_site_for(self, url: str) -> SiteSpec | None:
        """The plain definition of :meth:`site_for` (the index must agree with it)."""
        parts = urlsplit(url)
        netloc, path = parts.netloc.lower(), parts.path or "/"
        best, best_len = None, -1
        for site in self.sites:
            for host, prefix in site.scope():
                if netloc == host and path.startswith(prefix) and len(prefix) > best_len:
                    best, best_len = site, len(prefix)
        return best

    def save(self, path: Path) -> None:
        """Write ``sites.yaml`` atomically: a crash never leaves half a registry."""
        data: dict = {}
        if self.trusted_networks:
            data["trusted_networks"] = self.trusted_networks
        data["sites"] = [s.to_yaml() for s in self.sites]
        text = REGISTRY_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False,
                                                width=120)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sites-", suffix=".yaml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


REGISTRY_HEADER = """\
# govmon 网站注册表 (site registry)
# kind: portal | subsite | department;  status: 运行 | 关停 (关停 sites are probed, not crawled;
#   successor: the URL that replaced a closed site)
# contacts: who receives the site's e-mail digest after `govmon nightly` — one 负责人 and up to
#   three others, e.g. [{name: 张三, role: 负责人, email: zhangsan@example.gov.cn}]
# trusted_networks: CIDRs (e.g. 127.0.0.0/8) where private addresses may be fetched;
#   only for your own test hosts. Sites' own addresses are always allowed.
"""


# -- validation ------------------------------------------------------------------------
# Field names as each kind of file calls them, for "file:line: key: problem" lines.
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


def _gb_unusual(text: str) -> tuple[int, int]:
    """(non-ASCII characters, of which unusual in a mainland site list): Big5 bytes read as
    GBK come out as rare hanzi outside GB2312, kana, Cyrillic, box drawing and private-use
    characters."""
    wide = unusual = 0
    for c in text:
        if c < "\x80":
            continue
        wide += 1
        if "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or c in _LATIN1_OK:
            continue  # CJK and full-width punctuation
        try:
            c.encode("gb2312")
            if not ("\u3040" <= c <= "\u30ff" or "\u0370" <= c <= "\u04ff"
                    or "\u2500" <= c <= "\u257f"):
                continue
        except UnicodeEncodeError:
            pass
        unusual += 1
    return wide, unusual


# -- sites.yaml ------------------------------------------------------------------------
class _SiteEntry(BaseModel):
    """The shape of one ``sites:`` entry; what the values mean is checked by _check."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)

    code: CleanText | int  # an unquoted code is a YAML number: its source text is used
    name: CleanText
    url: CleanText
    kind: CleanText
    parent: CleanText | int | None = None
    status: Literal["运行", "关停"] = "运行"  # `status: false` is not a status
    hosts: list[CleanText] = []
    prefixes: list[CleanText] = []
    hints: dict[str, Any] = {}
    has_services: bool = True
    ignore_robots: bool = False
    contacts: list[_ContactEntry] = []
    successor: CleanText | None = None


class _ContactEntry(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: CleanText
    email: CleanText
    role: Literal["负责人", "联系人"] = "联系人"
    phone: CleanText | int | None = None


class _RegistryFile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    sites: list[Any] = []
    trusted_networks: list[CleanText] = []


def _contact_problems(site: SiteSpec, i: int, doc: Any, shown: str) -> list[tuple[int, str]]:
    """(line, ``file:line: key: problem``) for a site's contacts and successor."""
    out = []

    def bad(path: tuple, key: str, msg: str) -> None:
        line = doc.line(("sites", i, *path))
        out.append((line, f"{shown}:{line}: {key}: {msg}"))

    for n, c in enumerate(site.contacts):
        if not EMAIL.match(c.email):
            bad(("contacts", n, "email"), f"contacts[{n}].email",
                f"'{_shown(c.email)}' 不是合法的电子邮箱地址")
        if not c.name:
            bad(("contacts", n, "name"), f"contacts[{n}].name", "不能为空")
    heads = [n for n, c in enumerate(site.contacts) if c.role == "负责人"]
    if len(heads) > 1:
        bad(("contacts", heads[1], "role"), f"contacts[{heads[1]}].role",
            "负责人只能有一位 (其他人请写 role: 联系人)")
    others = [n for n, c in enumerate(site.contacts) if c.role != "负责人"]
    if len(others) > MAX_OTHER_CONTACTS:
        n = others[MAX_OTHER_CONTACTS]
        bad(("contacts", n), f"contacts[{n}]",
            f"除负责人外最多 {MAX_OTHER_CONTACTS} 位联系人 (共 {len(others)} 位)")
    if site.successor and (err := _validate_url(site.successor)):
        bad(("successor",), "successor", f"{err}: '{_shown(site.successor)}'")
    return out


def _scalar_code(value: Any, source: str | None) -> str:
    """A code as text. YAML reads an unquoted code as a number (0510100001 even as an
    octal one): the text as written in the file is the code."""
    if isinstance(value, int) and source is not None:
        return source.strip()
    return str(value).strip()


def load(path: Path, require_sites: bool = False) -> Registry:
    """Read and validate ``sites.yaml``; raises RegistryError with located problems
    (``file:line: key: problem``, the first 50 and a count). ``require_sites``: a registry
    without a running site is an error (a crawl of nothing is not a result)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError([f"{path}: 文件不存在 (先运行 govmon init 或 govmon sites import)"]
                            ) from None
    except UnicodeDecodeError:
        raise RegistryError([f"{path}: 不是 UTF-8 编码"]) from None
    except OSError as exc:
        raise RegistryError([f"{path}: 无法读取 ({exc.strerror})"]) from None
    try:
        doc = load_yaml(text)
    except YamlProblem as exc:
        raise RegistryError([exc.render(str(path))]) from None
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        raise RegistryError([f"{path}:{doc.line()}: 顶层应包含 sites 列表"])
    try:
        top = _RegistryFile.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(capped(validation_problems(
            exc, str(path), doc.line, known=list(_RegistryFile.model_fields)))) from None
    problems = Problems()
    sites, where = [], []
    for i, raw in enumerate(top.sites):
        line = doc.line(("sites", i))
        try:
            entry = _SiteEntry.model_validate(raw)
        except ValidationError as exc:
            for at, msg in located_problems(exc, str(path), doc.line, prefix=("sites", str(i)),
                                            known=SITE_KEYS):
                problems.add(at, msg)
            continue
        sources = {k: doc.scalars.get(("sites", str(i), k)) for k in ("code", "parent")}
        kind = entry.kind.strip()
        sites.append(SiteSpec(
            code=_scalar_code(entry.code, sources["code"]), name=entry.name.strip(),
            url=entry.url.strip(), kind=KIND_ALIASES.get(kind.lower(), kind),
            parent=None if entry.parent in (None, "")
            else _scalar_code(entry.parent, sources["parent"]),
            status=entry.status, hosts=list(entry.hosts), prefixes=list(entry.prefixes),
            hints=dict(entry.hints), has_services=entry.has_services,
            ignore_robots=entry.ignore_robots, successor=entry.successor,
            contacts=[Contact(name=c.name.strip(), email=c.email.strip(), role=c.role,
                              phone=None if c.phone is None else str(c.phone))
                      for c in entry.contacts]))
        where.append(f"{path}:{line}")
        for at, msg in _contact_problems(sites[-1], i, doc, str(path)):
            problems.add(at, msg)
    for n, net in enumerate(top.trusted_networks):
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            line = doc.line(("trusted_networks", n))
            problems.add(line, f"{path}:{line}: trusted_networks: '{_shown(net)}' 不是合法网段")
    for i, msg in _check(sites, where):
        problems.add(int(where[i].rsplit(":", 1)[1]), msg)
    if problems:
        raise RegistryError(problems.lines())
    registry = Registry(sites=sites, trusted_networks=list(top.trusted_networks), path=path)
    if require_sites and not registry.running():
        raise RegistryError([f"{path}:{doc.line(('sites',))}: sites: "
                             + ("没有运行中的网站 (全部已关停)" if registry.sites else
                                "没有任何网站 (用 govmon sites import 导入网站列表)")])
    return registry


# -- import of supervisors' lists --------------------------------------------------------
def _decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding). Excel writes UTF-8, UTF-8 with BOM, GBK ("CSV") or UTF-16
    ("Unicode 文本")."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


# Big5 (traditional Chinese) bytes are valid GBK too: read as GBK they come out as real
# characters, a third or more of them unusual (see _gb_unusual), where a mainland list has
# almost none. A file or a cell past these marks is refused rather than imported garbled.
RARE_SHARE, RARE_MIN = 1 / 3, 2


def _looks_big5(text: str) -> bool:
    wide, unusual = _gb_unusual(text)
    return unusual >= RARE_MIN and unusual >= RARE_SHARE * wide


@dataclass
class _Cell:
    text: str
    number: bool = False  # the spreadsheet stored a number (leading zeros may be lost)
    garbled: bool = False  # decoded as GBK but reads like Big5 (see _looks_big5)


def _cell_text(value: Any, number_format: str | None = None) -> str:
    """Spreadsheet cell → text. Numbers typed into a code column come back as int or float
    (5101000001.0); a zero-padded number format ("0000000000") keeps its leading zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        fmt = (number_format or "").strip('"')
        if fmt and set(fmt) == {"0"}:
            text = text.zfill(len(fmt))
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _clean(str(value))


_LINE_BREAKS = re.compile(r"\s*[\r\n\t\u2028\u2029]+\s*")


def _clean(text: str) -> str:
    """A cell's text: zero-width marks dropped, line breaks (Alt+Enter in Excel) and tabs
    turned into one space; other control characters stay, for validation to refuse."""
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return _LINE_BREAKS.sub(" ", text).strip()


def _code_text(cell: _Cell | None) -> str:
    """A site code from a cell. "5101000001.0" → "5101000001"; "BM…" → "bm…"; a number
    cell that lost its leading zeros is padded back to 10 digits (codes have 10)."""
    if cell is None:
        return ""
    text = cell.text.replace(" ", "")
    if re.fullmatch(r"\d+\.0*", text):
        text = text.split(".")[0]
    if cell.number and text.isdigit() and len(text) < 10:
        text = text.zfill(10)
    if re.fullmatch(r"(?i)bm\d{8}", text):
        text = text.lower()
    return text


Rows = list[tuple[int, list[_Cell]]]


def _xlsx_rows(path: Path) -> Rows:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of a damaged or non-xlsx file
        raise RegistryError([f"{path}: 无法读取 Excel 文件 ({type(exc).__name__})"]) from None
    try:
        sheets = [wb.active] + [ws for ws in wb.worksheets if ws is not wb.active]
        first: Rows | None = None
        for ws in sheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # some writers store a wrong sheet size
            rows: Rows = []
            line = 0
            for cells in ws.iter_rows():
                numbers = [c.row for c in cells if getattr(c, "row", None)]
                line = numbers[0] if numbers else line + 1
                row = []
                for c in cells:
                    value = getattr(c, "value", None)
                    row.append(_Cell(_cell_text(value, getattr(c, "number_format", None)),
                                     isinstance(value, int | float)
                                     and not isinstance(value, bool)))
                rows.append((line, row))
            if first is None:
                first = rows
            if _find_header(rows) is not None:
                return rows
        return first or []
    finally:
        wb.close()


def _csv_rows(path: Path) -> Rows:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryError([f"{path}: 无法读取 ({exc.strerror})"]) from None
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")) \
            and raw[:8192].count(b"\x00") > 8:
        raise RegistryError([f"{path}: 不是文本文件 (含有 NUL 字节)；应为 CSV (UTF-8 或 GBK) "
                             "或 .xlsx"])
    try:
        text, encoding = _decode(raw)
    except UnicodeDecodeError:
        raise RegistryError([f"{path}: 无法识别编码 (应为 UTF-8 或 GBK)"]) from None
    gb = encoding == "gb18030"
    if gb and _looks_big5(text):
        raise RegistryError([f"{path}: 编码不是 UTF-8 或 GBK (疑似 Big5 繁体编码)，"
                             "请在 Excel 中另存为 “CSV UTF-8” 后重新导入"])
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: Rows = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, [_Cell(t, garbled=gb and _looks_big5(t))
                                 for t in map(_clean, cells)]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RegistryError([f"{path}:{reader.line_num}: CSV 格式错误 ({exc})"]) from None
    return rows


def _norm_header(text: str) -> str:
    return re.sub(r"[\s*＊]", "", text)


def _find_header(rows: Rows) -> int | None:
    """Index of the header row among the first non-empty rows."""
    seen = 0
    for i, (_, cells) in enumerate(rows):
        if not any(c.text for c in cells):
            continue
        names = {_norm_header(c.text) for c in cells}
        if all(h in names for h in IMPORT_HEADERS):
            return i
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def _rows_from_file(path: Path) -> list[tuple[int, dict[str, _Cell]]]:
    """(line number, row) pairs below the header row, keyed by normalised header names."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise RegistryError([f"{path}: 不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV"])
    if not path.exists():
        raise RegistryError([f"{path}: 文件不存在"])
    if path.is_dir():
        raise RegistryError([f"{path}: 是目录，不是文件"])
    rows = _xlsx_rows(path) if suffix in (".xlsx", ".xlsm") else _csv_rows(path)
    nonempty = [(n, cells) for n, cells in rows if any(c.text for c in cells)]
    if not nonempty:
        raise RegistryError([f"{path}: 文件为空"])
    at = _find_header(rows)
    if at is None:
        line, cells = nonempty[0]
        names = {_norm_header(c.text) for c in cells}
        missing = [h for h in IMPORT_HEADERS if h not in names]
        raise RegistryError([f"{path}:{line}: 缺少表头 {', '.join(missing)} "
                             f"(应为 {','.join(IMPORT_HEADERS)}[,状态])"])
    header = [_norm_header(c.text) for c in rows[at][1]]
    out = []
    for lineno, cells in rows[at + 1:]:
        if not any(c.text for c in cells):
            continue
        row: dict[str, _Cell] = {}
        for name, cell in zip(header, cells, strict=False):
            if name and name not in row:
                row[name] = cell
        out.append((lineno, row))
    return out


def import_file(path: Path, existing: Registry | None = None) -> tuple[Registry, int, int]:
    """Merge a supervisor's CSV/XLSX into ``existing``; returns (registry, added, updated)
    where ``updated`` counts registry sites the file changed.

    A site already in the registry (same code) is updated from the file and keeps what the
    file cannot say (hosts, prefixes, hints, …, and its status when the file has none).
    All-or-nothing: any bad row raises RegistryError listing the bad rows (file:line:
    column: problem; the first 50 and how many there are).
    """
    rows = _rows_from_file(path)
    base = {s.code: s for s in (existing.sites if existing else [])}
    registry_loc = str(existing.path) if existing and existing.path else "sites.yaml"
    imported: dict[str, SiteSpec] = {}
    line_of: dict[str, int] = {}  # code -> line in the file
    problems = Problems()

    def bad(lineno: int, column: str, msg: str) -> None:
        problems.add(lineno, f"{path}:{lineno}: {column}: {msg}")

    def text(row: dict[str, _Cell], name: str) -> str:
        cell = row.get(name)
        return cell.text if cell else ""

    for lineno, row in rows:
        code = _code_text(row.get("网站标识码"))
        if not code:
            bad(lineno, "网站标识码", "不能为空")
            continue
        if code in imported:
            bad(lineno, "网站标识码", f"'{_shown(code)}' 重复 (已见于 {path}:{line_of[code]})")
            continue
        for column, cell in row.items():
            if cell.garbled and column in IMPORT_HEADERS + ["状态"]:
                bad(lineno, column, f"'{_shown(cell.text)}' 疑似乱码 (GBK 文件中混有 Big5 等"
                                    "其他编码的文字)，请核对后另存为 UTF-8")
        old = base.get(code)
        kind = text(row, "类型")
        status = text(row, "状态")
        if status:
            status = STATUS_ALIASES.get(status.lower(), status)
        else:  # no 状态 column, or left empty: keep what the registry says
            status = old.status if old else "运行"
        line_of[code] = lineno
        imported[code] = SiteSpec(
            code=code, name=text(row, "网站名称"), url=text(row, "首页网址"),
            kind=KIND_ALIASES.get(kind.lower(), kind),
            parent=_code_text(row.get("上级网站标识码")) or None, status=status,
            hosts=list(old.hosts) if old else [], prefixes=list(old.prefixes) if old else [],
            hints=dict(old.hints) if old else {},
            has_services=old.has_services if old else True,
            ignore_robots=old.ignore_robots if old else False,
            contacts=list(old.contacts) if old else [],
            successor=old.successor if old else None,
        )
    merged = dict(base)
    merged.update(imported)
    sites = list(merged.values())
    locs = [f"{path}:{line_of[s.code]}" if s.code in imported else f"{registry_loc} ({s.code})"
            for s in sites]
    for i, msg in _check(sites, locs, IMPORT_FIELDS):
        problems.add(line_of.get(sites[i].code, 0), msg)
    if problems:
        raise RegistryError(problems.lines())
    added = sum(1 for c in imported if c not in base)
    updated = sum(1 for c, s in imported.items()
                  if c in base and s.to_yaml() != base[c].to_yaml())
    trusted = existing.trusted_networks if existing else []
    return (Registry(sites=sites, trusted_networks=list(trusted),
                     path=existing.path if existing else None), added, updated)


MEMO_MAX = 100_000


class ScopeIndex:
    """Scopes by host, longest prefix first: ``Registry.site_for`` without rebuilding every
    site's scope on each call (a fifth of a crawl worker's CPU when it did)."""

    def __init__(self, registry: Registry):
        by_host: dict[str, list[tuple[str, SiteSpec]]] = {}
        for site in registry.sites:
            for host, prefix in site.scope():
                by_host.setdefault(host, []).append((prefix, site))
        # Longest prefix first; the sort is stable, so among equal prefixes the site listed
        # first wins, as in Registry.site_for.
        self.by_host = {h: sorted(v, key=lambda e: -len(e[0])) for h, v in by_host.items()}
        # Menus and footers repeat the same URLs on every page of a site: answers are kept
        # (bounded; cleared when full) so most links cost one dict lookup.
        self._memo: dict[str, SiteSpec | None] = {}

    def site_for(self, url: str) -> SiteSpec | None:
        try:
            return self._memo[url]
        except KeyError:
            pass
        if len(self._memo) >= MEMO_MAX:
            self._memo.clear()
        site = self._memo[url] = self._lookup(url)
        return site

    def _lookup(self, url: str) -> SiteSpec | None:
        parts = urlsplit(url)
        entries = self.by_host.get(parts.netloc.lower())
        if entries:
            path = parts.path or "/"
            for prefix, site in entries:
                if path.startswith(prefix):
                    return site
        return None
