"""SQLAlchemy models: the single place where govmon's data lives.

Runs are append-only. Every crawl creates a new ``Run``; pages, links, link checks and
findings hang off that run and are never rewritten by a later one, so quarters can be
compared. Sites are the registry mirrored into the store (a site removed from
``sites.yaml`` keeps its row and its history).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Site(Base):
    """A monitored website as the registry describes it."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 网站标识码
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(16))  # portal | subsite | department
    parent_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default="运行")  # 运行 | 关停
    scope: Mapped[dict] = mapped_column(JSON, default=dict)  # hosts, prefixes
    hints: Mapped[dict] = mapped_column(JSON, default=dict)
    has_services: Mapped[bool] = mapped_column(Boolean, default=True)
    in_registry: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Run(Base):
    """One crawl of (part of) the cluster. ``status``: running, complete, partial,
    interrupted, failed."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    sites: Mapped[list[RunSite]] = relationship(back_populates="run")


class RunSite(Base):
    """How far the crawl of one site got in one run.

    ``complete`` is False when the crawl stopped early (budget exhausted, interrupted,
    homepage unreachable): later stages must treat absent data as unknown, not as fine.
    """

    __tablename__ = "run_sites"
    __table_args__ = (UniqueConstraint("run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending, crawling, complete, incomplete, unreachable, skipped
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    links_verified: Mapped[int] = mapped_column(Integer, default=0)
    columns: Mapped[int] = mapped_column(Integer, default=0)
    budget_exhausted: Mapped[bool] = mapped_column(Boolean, default=False)
    depth_limited: Mapped[int] = mapped_column(Integer, default=0)
    trap_pruned: Mapped[int] = mapped_column(Integer, default=0)
    robots_disallowed: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)

    run: Mapped[Run] = relationship(back_populates="sites")
    site: Mapped[Site] = relationship()


class Page(Base):
    """A fetched page (or a failed fetch: ``status`` 0 and ``error`` set)."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("run_id", "url"),
        Index("ix_pages_run_site", "run_id", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(String(2048))
    final_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str | None] = mapped_column(String(200))
    encoding: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    referrer: Mapped[str | None] = mapped_column(String(2048))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(40))
    soft404: Mapped[bool] = mapped_column(Boolean, default=False)


class Snapshot(Base):
    """The body of a page as served (zlib-compressed bytes, original encoding)."""

    __tablename__ = "snapshots"

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    compression: Mapped[str] = mapped_column(String(8), default="zlib")


class Link(Base):
    """A link seen on a page: one row per (page, target, tag, attribute)."""

    __tablename__ = "links"
    __table_args__ = (
        Index("ix_links_run_target", "run_id", "target"),
        Index("ix_links_page", "page_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    target: Mapped[str] = mapped_column(String(2048))
    tag: Mapped[str] = mapped_column(String(16))
    attr: Mapped[str] = mapped_column(String(16))
    anchor: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(12))
    # internal, external, image, attachment, script, frame, stylesheet
    hidden: Mapped[str | None] = mapped_column(String(40))  # how it was hidden, if it was


class LinkCheck(Base):
    """The verification of one distinct link target in one run.

    ``outcome``: ok, broken, blocked (403/429 from a firewall), skipped (private address,
    robots, not an http URL), unverified (still failing transiently after the re-check is
    counted as broken only when the final attempt confirms it).
    """

    __tablename__ = "link_checks"
    __table_args__ = (UniqueConstraint("run_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    target: Mapped[str] = mapped_column(String(2048))
    outcome: Mapped[str] = mapped_column(String(12))
    status: Mapped[int] = mapped_column(Integer, default=0)
    error_class: Mapped[str | None] = mapped_column(String(24))
    # http, dns, refused, timeout, tls, redirect_loop, soft404, reset, too_large, private
    method: Mapped[str | None] = mapped_column(String(8))  # HEAD, GET, crawl
    redirects: Mapped[list] = mapped_column(JSON, default=list)
    final_url: Mapped[str | None] = mapped_column(String(2048))
    content_type: Mapped[str | None] = mapped_column(String(200))
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    checked_at: Mapped[datetime] = mapped_column(DateTime)


class Probe(Base):
    """One availability probe of a site's homepage (``govmon probe``)."""

    __tablename__ = "probes"
    __table_args__ = (Index("ix_probes_site_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[int] = mapped_column(Integer, default=0)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(40))


class Finding(Base):
    """A problem found by a rule in one run.

    ``fingerprint`` (site + rule + subject) is stable across runs, so a problem is
    new, persisting or regressed, and ``first_seen`` says since when it exists.
    """

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("run_id", "fingerprint"),
        Index("ix_findings_site_rule", "site_id", "rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    rule: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2048))
    source: Mapped[str | None] = mapped_column(String(2048))
    severity: Mapped[str] = mapped_column(String(8))  # veto | deduct | info
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(12), default="new")  # new, persisting, regressed
    first_seen: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)


class Scorecard(Base):
    """A site's score under one indicator system for one run or period."""

    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("site_id", "period", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    period: Mapped[str] = mapped_column(String(16))  # run:<id> or 2026Q4
    system: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[datetime] = mapped_column(DateTime)
    verdict: Mapped[str] = mapped_column(String(8))  # 合格 | 不合格
    score: Mapped[float | None] = mapped_column(Float)
    vetoes: Mapped[list] = mapped_column(JSON, default=list)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
