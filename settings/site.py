"""One registered site (``SiteSpec``): its code, kind, homepage and the scope it owns."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


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
