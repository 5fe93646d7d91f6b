"""SQLAlchemy models: the single place where govmon's data lives.

Runs are append-only. Every crawl creates a new ``Run``; pages, links, link checks and
findings hang off that run and are never rewritten by a later one, so quarters can be
compared. Sites are the registry mirrored into the store (a site removed from
``sites.yaml`` keeps its row and its history).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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
    # HTTP validators of the answer, for the next incremental run's conditional request
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    # How an incremental run got the page without reading it anew (None: fetched and
    # read): "304" (revalidated, not modified), "same" (fetched, same content hash),
    # "carried" (not requested: carried over from ``reused_from``; ``fetched_at`` stays
    # that of the last real fetch). The row, links and snapshot are copies of that page.
    reused: Mapped[str | None] = mapped_column(String(8))
    reused_from: Mapped[int | None] = mapped_column(Integer)


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
        Index("ix_links_run_site", "run_id", "site_id"),  # rules read a site's links
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
    title: Mapped[str | None] = mapped_column(Text)  # <title> of a GET-verified HTML target
    # the run whose verification this is a copy of (the link cache, crawler/linkcache.py)
    cached_from: Mapped[int | None] = mapped_column(Integer)


class LinkCache(Base):
    """The latest working verification of a link target, reused by later runs within the
    cache's time-to-live (``link_cache_hours``) instead of asking the server again.
    Failures are never kept: a target that fails is verified again every run."""

    __tablename__ = "link_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(2048), unique=True)
    run_id: Mapped[int] = mapped_column(Integer)  # the run that verified it
    outcome: Mapped[str] = mapped_column(String(12))
    status: Mapped[int] = mapped_column(Integer, default=0)
    error_class: Mapped[str | None] = mapped_column(String(24))
    method: Mapped[str | None] = mapped_column(String(8))
    redirects: Mapped[list] = mapped_column(JSON, default=list)
    final_url: Mapped[str | None] = mapped_column(String(2048))
    content_type: Mapped[str | None] = mapped_column(String(200))
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    checked_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    title: Mapped[str | None] = mapped_column(Text)


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


class CheckRun(Base):
    """Which rule module ran (or was skipped, and why) for a site in a run.

    A finding that disappears is "fixed" only if its rule actually ran on a complete
    enough crawl; a skipped rule leaves earlier problems open (unknown, not fixed).
    """

    __tablename__ = "check_runs"
    __table_args__ = (UniqueConstraint("run_id", "site_id", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    module: Mapped[str] = mapped_column(String(64))
    rules: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12))  # ran | skipped | error
    reason: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime] = mapped_column(DateTime)


class Message(Base):
    """A citizen message seen on a consultation board (政务咨询 / 领导信箱 / 12345) in a run.

    Evidence only: title (phone and ID numbers masked), dates, status, URL and replying
    unit. Message bodies and citizens' names are never stored here.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    board_url: Mapped[str] = mapped_column(String(2048))
    board_kind: Mapped[str] = mapped_column(String(16))  # consult | complaint
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2048))
    submitted: Mapped[date | None] = mapped_column(Date)
    replied: Mapped[date | None] = mapped_column(Date)
    reply_unit: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12))  # answered | pending | unknown
    raw_status: Mapped[str | None] = mapped_column(String(40))
    has_reply_text: Mapped[bool | None] = mapped_column(Boolean)
    detail_seen: Mapped[bool] = mapped_column(Boolean, default=False)
    working_days: Mapped[int | None] = mapped_column(Integer)  # submitted -> replied


class MailboxStats(Base):
    """Reply statistics of a site's consultation boards in one run (see checks/mailbox.py)."""

    __tablename__ = "mailbox_stats"
    __table_args__ = (UniqueConstraint("run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    as_of: Mapped[date] = mapped_column(Date)
    boards: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)  # all seen
    in_window: Mapped[int] = mapped_column(Integer, default=0)  # submitted in the window
    answered: Mapped[int] = mapped_column(Integer, default=0)  # of those in the window
    unanswered: Mapped[int] = mapped_column(Integer, default=0)  # pending in the window
    reply_rate: Mapped[float | None] = mapped_column(Float)
    median_working_days: Mapped[float | None] = mapped_column(Float)
    p90_working_days: Mapped[float | None] = mapped_column(Float)
    oldest_unanswered: Mapped[date | None] = mapped_column(Date)
    oldest_unanswered_url: Mapped[str | None] = mapped_column(String(2048))
    surveys: Mapped[int | None] = mapped_column(Integer)  # survey items in the survey window
    calendar_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # boards, notes
    computed_at: Mapped[datetime] = mapped_column(DateTime)


class Column(Base):
    """A column (栏目) of a site as found in one run's crawl (see checks/columndata.py).

    Derived data, rebuilt whenever the run is checked. ``kind``: home (the homepage's item
    blocks), list (a page of dated items), blank (no items / placeholder text), spa (list
    rendered by a script from an API: not crawlable without a browser), section (a hub of
    sub-columns), single (one page of text such as 机构职能).
    """

    __tablename__ = "site_columns"
    __table_args__ = (Index("ix_site_columns_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("site_columns.id"))
    url: Mapped[str] = mapped_column(String(2048))  # the list's first page
    urls: Mapped[list] = mapped_column(JSON, default=list)  # every URL that reached it
    name: Mapped[str] = mapped_column(String(200))
    parent_name: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer, default=1)  # 1 = 一级栏目; 0 = homepage
    kind: Mapped[str] = mapped_column(String(12))
    category: Mapped[str | None] = mapped_column(String(24))  # news, policy, overview ...
    update_class: Mapped[str] = mapped_column(String(12), default="none")
    # news | notice | personnel | none
    pages: Mapped[int] = mapped_column(Integer, default=0)  # list pages crawled
    items: Mapped[int] = mapped_column(Integer, default=0)
    dated: Mapped[int] = mapped_column(Integer, default=0)
    newest: Mapped[date | None] = mapped_column(Date)
    newest_source: Mapped[str | None] = mapped_column(String(16))
    paging: Mapped[str | None] = mapped_column(String(12))  # trs, trs6, hanweb, query, static
    note: Mapped[str | None] = mapped_column(Text)


class Item(Base):
    """An entry of a column's list: title, URL and publish date (``date_source``: list,
    list_year (year inferred), byline, url, meta — or None when no date was found)."""

    __tablename__ = "column_items"
    __table_args__ = (Index("ix_column_items_run_column", "run_id", "column_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    column_id: Mapped[int] = mapped_column(ForeignKey("site_columns.id"))
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(2048))
    date: Mapped[date | None] = mapped_column(Date)
    date_source: Mapped[str | None] = mapped_column(String(16))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    page_url: Mapped[str] = mapped_column(String(2048))  # the list page it was seen on
    position: Mapped[int] = mapped_column(Integer, default=0)


class IssuedNotice(Base):
    """A rectification notice's document number (文号), issued once and kept.

    One row per (site, period, indicator system): regenerating the notice keeps its
    number and date; a new notice takes the next free number of its prefix and year, so
    numbers never repeat. ``files`` holds the SHA-256 of each file of the latest rendering
    (name -> hex), so a copy that was sent can be told apart from a later rendering.
    """

    __tablename__ = "issued_notices"
    __table_args__ = (
        UniqueConstraint("site_id", "period", "system"),
        UniqueConstraint("prefix", "year", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    period: Mapped[str] = mapped_column(String(16))
    system: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(40))  # 网监整改
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    doc_no: Mapped[str] = mapped_column(String(80))  # 网监整改〔2026〕3号
    notice_date: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    rendered_at: Mapped[datetime] = mapped_column(DateTime)
    files: Mapped[dict] = mapped_column(JSON, default=dict)


class EvidenceShot(Base):
    """A screenshot of the page a finding is about, rendered from the stored snapshot.

    Keyed by the finding's run and fingerprint (findings are replaced when a run is
    re-checked; the fingerprint is what stays). ``cache_key`` (snapshot hash + what was
    outlined + renderer version) lets a later run reuse the picture of an unchanged page.
    """

    __tablename__ = "evidence_shots"
    __table_args__ = (
        UniqueConstraint("run_id", "fingerprint"),
        Index("ix_evidence_shots_cache", "cache_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    page_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(12))  # ok | no_snapshot | failed
    outlined: Mapped[bool] = mapped_column(Boolean, default=False)
    caption: Mapped[str | None] = mapped_column(Text)  # what the picture shows, in Chinese
    png: Mapped[bytes | None] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    cache_key: Mapped[str | None] = mapped_column(String(64))
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)
    taken_at: Mapped[datetime] = mapped_column(DateTime)


class PageFact(Base):
    """What the derive step read on one stored page of a run (see ``derive/``).

    ``kind``: home, article, column or other. ``content`` is False for pages that must not
    make a site "miss" a footer identifier — ``excluded`` says why: redirect, trap (a
    query explosion or endless calendar cut by the trap guard), frame (reached only as a
    frame), outside (no link of the site's templates: a popup or print view). ``items``:
    the identifiers the page shows (``parse.identity.ITEMS``); ``codes``: the 网站标识码 it
    carries by place (footer, meta, jiucuo). ``date``/``date_source``: byline, url or meta.
    """

    __tablename__ = "page_facts"
    __table_args__ = (Index("ix_page_facts_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12))
    content: Mapped[bool] = mapped_column(Boolean, default=True)
    excluded: Mapped[str | None] = mapped_column(String(16))
    date: Mapped[date | None] = mapped_column(Date)
    date_source: Mapped[str | None] = mapped_column(String(16))
    column: Mapped[str | None] = mapped_column(String(200))
    items: Mapped[list] = mapped_column(JSON, default=list)
    codes: Mapped[dict | None] = mapped_column(JSON)


class IdentityValue(Base):
    """A footer identifier value seen on a site in a run, per carrier (``parse.identity``):
    html, script (inline), script_file (a linked .js), iframe, meta, jiucuo (the 找错
    widget's sitecode). ``pages``: content pages showing it that way; ``page_url``: the
    first such page; ``source_url``: the script or frame it came from; ``sample``: a few
    more pages."""

    __tablename__ = "identity_values"
    __table_args__ = (Index("ix_identity_values_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    item: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    carrier: Mapped[str] = mapped_column(String(16))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    page_url: Mapped[str] = mapped_column(String(2048))
    source_url: Mapped[str | None] = mapped_column(String(2048))
    sample: Mapped[list] = mapped_column(JSON, default=list)


class SiteFact(Base):
    """Per site and run: the CMS family the derive step recognised, how many pages it read,
    how many are content pages and carry a date, and how many content pages show each
    footer identifier (``shown``: item -> pages)."""

    __tablename__ = "site_facts"
    __table_args__ = (UniqueConstraint("run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    cms: Mapped[str | None] = mapped_column(String(16))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    content_pages: Mapped[int] = mapped_column(Integer, default=0)
    dated_pages: Mapped[int] = mapped_column(Integer, default=0)
    shown: Mapped[dict] = mapped_column(JSON, default=dict)
    derived_at: Mapped[datetime] = mapped_column(DateTime)
