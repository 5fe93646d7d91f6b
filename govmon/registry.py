"""The site registry (``sites.yaml``) and the import of supervisors' CSV/XLSX lists.

A registry is what a supervisor is responsible for: a portal cluster (主站 + 子站) and
department sites. Each site owns a scope (hosts and path prefixes); a URL belongs to the
site whose scope matches it with the longest prefix, so a sub-site living under the
portal's host is crawled as its own site.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

KINDS = {"portal", "subsite", "department"}
KIND_ALIASES = {
    "门户网站": "portal", "门户": "portal", "主站": "portal", "portal": "portal",
    "子站": "subsite", "子网站": "subsite", "subsite": "subsite",
    "部门网站": "department", "部门": "department", "department": "department",
}
STATUS_ALIASES = {"运行": "运行", "正常": "运行", "running": "运行", "": "运行",
                  "关停": "关停", "关闭": "关停", "closed": "关停"}
SITE_CODE = re.compile(r"^(bm\d{8}|\d{10})$")
IMPORT_HEADERS = ["网站标识码", "网站名称", "首页网址", "类型", "上级网站标识码"]


class RegistryError(Exception):
    """Invalid registry input. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
        return out


def _dir_of(path: str) -> str:
    if not path:
        return "/"
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


@dataclass
class Registry:
    sites: list[SiteSpec]
    trusted_networks: list[str] = field(default_factory=list)
    path: Path | None = None

    def by_code(self, code: str) -> SiteSpec | None:
        return next((s for s in self.sites if s.code == code), None)

    def running(self) -> list[SiteSpec]:
        return [s for s in self.sites if s.running]

    def site_for(self, url: str) -> SiteSpec | None:
        """The site whose scope matches ``url`` with the longest path prefix."""
        parts = urlsplit(url)
        netloc, path = parts.netloc.lower(), parts.path or "/"
        best, best_len = None, -1
        for site in self.sites:
            for host, prefix in site.scope():
                if netloc == host and path.startswith(prefix) and len(prefix) > best_len:
                    best, best_len = site, len(prefix)
        return best

    def save(self, path: Path) -> None:
        data: dict = {}
        if self.trusted_networks:
            data["trusted_networks"] = self.trusted_networks
        data["sites"] = [s.to_yaml() for s in self.sites]
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
        path.write_text(REGISTRY_HEADER + text, encoding="utf-8")


REGISTRY_HEADER = """\
# govmon 网站注册表 (site registry)
# kind: portal | subsite | department;  status: 运行 | 关停 (关停 sites are not crawled)
# trusted_networks: CIDRs (e.g. 127.0.0.0/8) where private addresses may be fetched;
#   only for your own test hosts. Sites' own addresses are always allowed.
"""


def _validate_url(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "首页网址格式错误"
    if any(c.isspace() for c in parts.netloc):
        return "首页网址格式错误"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "首页网址端口错误"
    return None


def validate(sites: list[SiteSpec], where: list[str]) -> list[str]:
    """Check codes, kinds, URLs and parents; ``where[i]`` locates site i for messages."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    codes = {s.code for s in sites}
    for site, loc in zip(sites, where, strict=True):
        if not SITE_CODE.match(site.code):
            problems.append(f"{loc}: 网站标识码 '{site.code}' 格式错误 (应为10位数字或 bm+8位数字)")
        if site.code in seen:
            problems.append(f"{loc}: 网站标识码 '{site.code}' 重复 (已见于 {seen[site.code]})")
        seen.setdefault(site.code, loc)
        if not site.name.strip():
            problems.append(f"{loc}: 网站名称为空")
        if err := _validate_url(site.url):
            problems.append(f"{loc}: {err}: '{site.url}'")
        if site.kind not in KINDS:
            problems.append(f"{loc}: 未知类型 '{site.kind}'")
        if site.status not in ("运行", "关停"):
            problems.append(f"{loc}: 未知状态 '{site.status}'")
        if site.parent and site.parent not in codes:
            problems.append(f"{loc}: 上级网站标识码 '{site.parent}' 不存在")
        if site.kind == "subsite" and not site.parent:
            problems.append(f"{loc}: 子站缺少上级网站标识码")
    return problems


def load(path: Path) -> Registry:
    """Read and validate ``sites.yaml``; raises RegistryError with located problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError([f"{path}: 文件不存在 (先运行 govmon init)"]) from None
    except UnicodeDecodeError:
        raise RegistryError([f"{path}: 不是 UTF-8 编码"]) from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RegistryError([f"{path}{line}: YAML 格式错误"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("sites", []), list):
        raise RegistryError([f"{path}: 顶层应包含 sites 列表"])
    sites, where, problems = [], [], []
    for i, raw in enumerate(data.get("sites") or [], start=1):
        loc = f"{path}: sites[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{loc}: 应为映射")
            continue
        missing = [k for k in ("code", "name", "url", "kind") if not raw.get(k)]
        if missing:
            problems.append(f"{loc}: 缺少字段 {', '.join(missing)}")
            continue
        sites.append(SiteSpec(
            code=str(raw["code"]).strip(), name=str(raw["name"]).strip(),
            url=str(raw["url"]).strip(), kind=KIND_ALIASES.get(str(raw["kind"]), str(raw["kind"])),
            parent=str(raw["parent"]).strip() if raw.get("parent") else None,
            status=STATUS_ALIASES.get(str(raw.get("status", "运行")), str(raw.get("status"))),
            hosts=[str(h) for h in raw.get("hosts") or []],
            prefixes=[str(p) for p in raw.get("prefixes") or []],
            hints=dict(raw.get("hints") or {}),
            has_services=bool(raw.get("has_services", True)),
            ignore_robots=bool(raw.get("ignore_robots", False)),
        ))
        where.append(f"{loc} ({raw.get('code')})")
    trusted = [str(n) for n in data.get("trusted_networks") or []]
    for net in trusted:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            problems.append(f"{path}: trusted_networks: '{net}' 不是合法网段")
    problems += validate(sites, where)
    if problems:
        raise RegistryError(problems)
    return Registry(sites=sites, trusted_networks=trusted, path=path)


def _decode(raw: bytes) -> str:
    """Excel writes UTF-8, UTF-8 with BOM or GBK; try them in that order."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _rows_from_file(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; header names are stripped."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
        except Exception as exc:  # noqa: BLE001
            raise RegistryError([f"{path}: 无法读取 Excel 文件 ({type(exc).__name__})"]) from None
        rows = [[("" if c is None else str(c).strip()) for c in r]
                for r in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = _decode(path.read_bytes())
        except FileNotFoundError:
            raise RegistryError([f"{path}: 文件不存在"]) from None
        except UnicodeDecodeError:
            raise RegistryError([f"{path}: 无法识别编码 (应为 UTF-8 或 GBK)"]) from None
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    if not rows:
        raise RegistryError([f"{path}: 文件为空"])
    header = rows[0]
    missing = [h for h in IMPORT_HEADERS if h not in header]
    if missing:
        raise RegistryError([f"{path}:1: 缺少表头 {', '.join(missing)}"])
    out = []
    for lineno, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        out.append((lineno, dict(zip(header, cells, strict=False))))
    return out


def import_file(path: Path, existing: Registry | None = None) -> tuple[Registry, int, int]:
    """Merge a supervisor's CSV/XLSX into ``existing``; returns (registry, added, updated).

    All-or-nothing: any bad row raises RegistryError listing every bad row (file:line).
    """
    rows = _rows_from_file(path)
    base = {s.code: s for s in (existing.sites if existing else [])}
    imported: list[SiteSpec] = []
    where: list[str] = []
    problems: list[str] = []
    for lineno, row in rows:
        loc = f"{path}:{lineno}"
        kind_raw = row.get("类型", "")
        kind = KIND_ALIASES.get(kind_raw.strip().lower(), KIND_ALIASES.get(kind_raw.strip()))
        if kind is None:
            problems.append(f"{loc}: 未知类型 '{kind_raw}'")
            kind = kind_raw
        status_raw = row.get("状态", "")
        status = STATUS_ALIASES.get(status_raw.strip())
        if status is None:
            problems.append(f"{loc}: 未知状态 '{status_raw}'")
            status = "运行"
        code = row["网站标识码"]
        old = base.get(code)
        imported.append(SiteSpec(
            code=code, name=row["网站名称"], url=row["首页网址"], kind=kind,
            parent=row.get("上级网站标识码") or None, status=status,
            hosts=old.hosts if old else [], prefixes=old.prefixes if old else [],
            hints=old.hints if old else {},
            has_services=old.has_services if old else True,
            ignore_robots=old.ignore_robots if old else False,
        ))
        where.append(loc)
    # Parents may be in the file or already in the registry.
    merged_codes = {s.code for s in imported} | set(base)
    for site, loc in zip(imported, where, strict=True):
        if site.parent and site.parent not in merged_codes:
            problems.append(f"{loc}: 上级网站标识码 '{site.parent}' 不存在")
            site.parent = None
    known_parents = [s for s in base.values() if s.code not in {i.code for i in imported}]
    problems += [p for p in validate(imported + known_parents,
                                     where + [f"registry ({s.code})" for s in known_parents])
                 if "上级网站标识码" not in p or "不存在" not in p]
    if problems:
        raise RegistryError(sorted(set(problems), key=problems.index))
    added = sum(1 for s in imported if s.code not in base)
    updated = len(imported) - added
    merged = dict(base)
    for site in imported:
        merged[site.code] = site
    trusted = existing.trusted_networks if existing else []
    return Registry(sites=list(merged.values()), trusted_networks=trusted), added, updated
