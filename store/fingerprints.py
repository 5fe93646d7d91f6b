"""The identity of a stored finding across runs: its fingerprint and the site-relative
subject it is built from.

Here, in the store, because it is what a stored ``Finding.fingerprint`` means: the runner
(``checks.findings``) builds it for new findings and the 0006b migration rebuilt it for old
ones, and a migration may only use the layer it belongs to.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Site


def fingerprint(site_code: str, rule: str, subject: str) -> str:
    """The identity of a problem across runs; ``subject`` as ``SubjectKeys.key`` made it."""
    return hashlib.sha1(f"{site_code}\x1f{rule}\x1f{subject}".encode()).hexdigest()


class SubjectKeys:
    """Subjects with the address of the registered site they belong to taken out.

    A URL belongs to the site whose host names (its homepage's and its ``hosts``
    aliases; ports and schemes ignored) and path prefix match it, longest prefix first,
    as the registry assigns pages to sites. Anything else (external URLs, words) is kept
    as it is.
    """

    def __init__(self, sites: list[Site]):
        by_host: dict[str, list[tuple[str, str]]] = {}
        for site in sites:
            home = urlsplit(site.url or "")
            scope = site.scope or {}
            prefixes = scope.get("prefixes") or [_dir_of(home.path)]
            hosts = {home.hostname or ""} | {urlsplit(f"//{h}").hostname or ""
                                             for h in scope.get("hosts") or []}
            for host in hosts - {""}:
                by_host.setdefault(host, []).extend((p, site.code) for p in prefixes)
        self.by_host = {h: sorted(v, key=lambda e: -len(e[0])) for h, v in by_host.items()}

    def key(self, site_code: str, subject: str) -> str:
        if not subject.startswith(("http://", "https://")):
            return subject
        try:
            parts = urlsplit(subject)
            host = parts.hostname or ""
        except ValueError:
            return subject
        path = parts.path or "/"
        for prefix, code in self.by_host.get(host, ()):
            if path.startswith(prefix):
                rest = path[len(prefix):]
                rest += f"?{parts.query}" if parts.query else ""
                rest += f"#{parts.fragment}" if parts.fragment else ""
                return f"site:{rest}" if code == site_code else f"site[{code}]:{rest}"
        return subject

    @classmethod
    def of_store(cls, session: Session) -> SubjectKeys:
        return cls(list(session.scalars(select(Site))))


def _dir_of(path: str) -> str:
    return path if path.endswith("/") else (path.rsplit("/", 1)[0] + "/" if path else "/")
