"""The site registry (``sites.yaml``): sites, their scopes, and reading the file.

The import of supervisors' CSV/XLSX lists is :mod:`settings.sitelist`; the checks of
entries both share are :mod:`settings.sitecheck`.

A registry is what a supervisor is responsible for: a portal cluster (主站 + 子站) and
department sites. Each site owns a scope (hosts and path prefixes); a URL belongs to the
site whose scope matches it with the longest prefix, so a sub-site living under the
portal's host is crawled as its own site.

Every problem is reported as ``file:line: message`` and a file with any problem changes
nothing: supervisors fix their spreadsheet and import again.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from settings.schema import (
    CleanText,
    InputError,
    Problems,
    YamlProblem,
    capped,
    load_yaml,
    located_problems,
    validation_problems,
)
from settings.site import SiteSpec
from settings.sitecheck import _check, _shown

KIND_ALIASES = {
    "门户网站": "portal", "门户": "portal", "主站": "portal", "portal": "portal",
    "子站": "subsite", "子网站": "subsite", "subsite": "subsite",
    "部门网站": "department", "部门": "department", "department": "department",
}


class RegistryError(InputError):
    """Invalid registry input. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


SITE_KEYS = [f.name for f in fields(SiteSpec)]
TOP_KEYS = ("sites", "trusted_networks")


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
# kind: portal | subsite | department;  status: 运行 | 关停 (关停 sites are not crawled)
# trusted_networks: CIDRs (e.g. 127.0.0.0/8) where private addresses may be fetched;
#   only for your own test hosts. Sites' own addresses are always allowed.
"""


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


class _RegistryFile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    sites: list[Any] = []
    trusted_networks: list[CleanText] = []


def _scalar_code(value: Any, source: str | None) -> str:
    """A code as text. YAML reads an unquoted code as a number (0510100001 even as an
    octal one): the text as written in the file is the code."""
    if isinstance(value, int) and source is not None:
        return source.strip()
    return str(value).strip()


def load(path: Path, require_sites: bool = False) -> Registry:
    """Read and validate ``sites.yaml``; raises RegistryError with located problems
    (``file:line: key: problem``, the first 50 and a count). ``require_sites``: a registry
    without a running site is an error (a crawl of nothing is not a result). (Long: every
    problem of the file is collected before refusing it, each located by line.)"""
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
            ignore_robots=entry.ignore_robots))
        where.append(f"{path}:{line}")
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
