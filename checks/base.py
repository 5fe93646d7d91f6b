"""What every rule gets (``CheckContext``) and gives (``FindingDraft``).

A rule module exposes ``RULES`` (the rule IDs it may emit), ``NEEDS_COMPLETE`` (skip the
rule for sites whose crawl was incomplete: absent data is unknown, not "no problem") and
``check(ctx) -> Iterable[FindingDraft]``. Rules read the store only; they never fetch.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from parse import charset
from scoring.durations import Duration
from scoring.durations import parse as parse_duration
from store.models import Link, LinkCheck, Page, Run, RunSite, Site, Snapshot

SYSTEMS_DIR = Path(__file__).resolve().parent.parent / "scoring" / "systems"
DEFAULT_SYSTEM = SYSTEMS_DIR / "national-2019.yaml"


class ThresholdError(KeyError):
    pass


class Skip(Exception):  # noqa: N818 - a verdict, not an error
    """A rule cannot judge this site in this run (the indicator file lacks a threshold it
    needs, the portal whose links it reads was crawled incompletely …): the runner records
    the module as skipped with this reason — unknown, never "no problem"."""


@dataclass
class FindingDraft:
    """A problem as a rule reports it; the runner adds fingerprint, state and dates."""

    rule: str
    url: str
    message: str
    subject: str  # what identifies this problem across runs (column URL, link target ...)
    source: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def load_thresholds(path: Path = DEFAULT_SYSTEM) -> dict[str, Any]:
    """The ``thresholds`` mapping of an indicator file (see docs/architecture.md)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return data.get("thresholds") or {}


@dataclass
class CheckContext:
    session: Session
    run: Run
    site: Site
    run_site: RunSite
    thresholds: dict[str, Any]
    as_of: date
    spec: Any = None  # govmon.registry.SiteSpec when the site is still in the registry

    def threshold(self, key: str) -> Any:
        node: Any = self.thresholds
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ThresholdError(f"指标文件缺少阈值 thresholds.{key}")
            node = node[part]
        return node

    def duration(self, key: str) -> Duration:
        return parse_duration(self.threshold(key))

    # -- stored crawl data --------------------------------------------------------
    def pages(self, *, ok_html: bool = False) -> list[Page]:
        q = select(Page).where(Page.run_id == self.run.id, Page.site_id == self.site.id)
        if ok_html:
            q = q.where(Page.status >= 200, Page.status < 300,
                        Page.content_type.ilike("%html%"))
        return list(self.session.scalars(q.order_by(Page.depth, Page.id)))

    @cached_property
    def homepage(self) -> Page | None:
        return self.session.scalars(
            select(Page).where(Page.run_id == self.run.id, Page.site_id == self.site.id,
                               Page.depth == 0).order_by(Page.id)).first()

    def html(self, page: Page) -> str | None:
        """The page's HTML as served, decoded with the encoding the crawl detected
        (``parse.charset``: GB labels as GB18030)."""
        # The body alone (no ORM object): rules read thousands of snapshots per site.
        body = self.session.scalar(select(Snapshot.body).where(Snapshot.page_id == page.id))
        if body is None:
            return None
        return charset.decode(zlib.decompress(body), page.encoding)

    def links(self, *, kinds: tuple[str, ...] | None = None,
              outcome: str | None = None, slower_than_ms: int | None = None,
              methods: tuple[str, ...] | None = None) -> Iterator[Row]:
        """The site's links in this run as plain rows (``target``, ``kind``, ``anchor``,
        ``page_id``, ``page_url``), in storage order; optionally only links of some
        ``kinds`` and only targets whose link check has ``outcome`` (and took longer than
        ``slower_than_ms`` to answer, by one of ``methods``).

        Plain column tuples, not ORM objects, and filtered in SQL: a 50,000-page crawl has
        1.46 M links, and building a (Link, Page) pair for each cost minutes per rule.
        """
        q = (select(Link.target, Link.kind, Link.anchor, Link.page_id,
                    Page.url.label("page_url"))
             .join(Page, Page.id == Link.page_id)
             .where(Link.run_id == self.run.id, Link.site_id == self.site.id))
        if kinds is not None:
            q = q.where(Link.kind.in_(kinds))
        if outcome is not None:
            q = q.join(LinkCheck, (LinkCheck.run_id == Link.run_id)
                       & (LinkCheck.target == Link.target)).where(LinkCheck.outcome == outcome)
            if slower_than_ms is not None:
                q = q.where(LinkCheck.elapsed_ms > slower_than_ms)
            if methods is not None:
                q = q.where(LinkCheck.method.in_(methods))
        return iter(self.session.execute(q.order_by(Link.id)))

    def link_carriers(self, outcome: str, kinds: tuple[str, ...] | None = None,
                      skip: Callable[[str], bool] | None = None,
                      slower_than_ms: int | None = None,
                      methods: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
        """target -> where the site shows it: ``pages`` (URLs), ``source`` and ``anchor``
        (the homepage's when the homepage carries it, else the first page's), ``kind`` and
        ``on_homepage``; for targets whose link check has ``outcome``, except those
        ``skip`` rejects. Each entry depends on its own target's rows only."""
        home = self.homepage
        home_id = home.id if home is not None else None
        carriers: dict[str, dict[str, Any]] = {}
        skipped: dict[str, bool] = {}  # links repeat on every page: ask ``skip`` once each
        for link in self.links(kinds=kinds, outcome=outcome, slower_than_ms=slower_than_ms,
                               methods=methods):
            if skip is not None:
                rejected = skipped.get(link.target)
                if rejected is None:
                    rejected = skipped[link.target] = skip(link.target)
                if rejected:
                    continue
            entry = carriers.get(link.target)
            if entry is None:
                entry = carriers[link.target] = {"kind": link.kind, "anchor": link.anchor,
                                                 "source": link.page_url, "pages": set(),
                                                 "on_homepage": False}
            entry["pages"].add(link.page_url)
            if link.page_id == home_id:
                entry["on_homepage"], entry["source"] = True, link.page_url
                entry["anchor"] = link.anchor or entry["anchor"]
        return carriers

    def link_checks(self, targets: set[str]) -> dict[str, LinkCheck]:
        out: dict[str, LinkCheck] = {}
        items = sorted(targets)
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            for lc in self.session.scalars(select(LinkCheck).where(
                    LinkCheck.run_id == self.run.id, LinkCheck.target.in_(chunk))):
                out[lc.target] = lc
        return out
