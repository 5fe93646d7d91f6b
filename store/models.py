"""SQLAlchemy models: the single place where govmon's data lives.

(Over 400 lines on purpose: the whole schema in one file, which tests/test_store.py compares
with the migrations and every migration's diff is read against.)

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
    """A column (栏目) of a site as found in one run's crawl (see derive/columns/).

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


# -- cluster governance (issue 16) -----------------------------------------------------------
class ClosedProbe(Base):
    """A site registered 关停, probed (never crawled) during a run: what its homepage
    answered, hop by hop behind the address guard. ``error``: the probe's error class
    (refused, timeout, dns, http …); ``notice``: the page it landed on reads as a closure
    notice (网站已关停 / 已迁移); ``code``: the 网站标识码 that page shows, if any."""

    __tablename__ = "closed_probes"
    __table_args__ = (Index("ix_closed_probes_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(24))
    final_url: Mapped[str | None] = mapped_column(String(2048))
    redirects: Mapped[list] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(Text)
    text_chars: Mapped[int] = mapped_column(Integer, default=0)
    notice: Mapped[bool] = mapped_column(Boolean, default=False)
    code: Mapped[str | None] = mapped_column(String(32))
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)


class SiteEntry(Base):
    """A link a supervisor asks about, as the derive step found it on a site's pages
    (``parse.governance``): ``kind`` mobile / weibo / weixin / app (entries the homepage
    announces), request (the 依申请公开 channel), report / statement (links to an annual
    report or a 网站工作年度报表, with the year they name and the date of their list row)."""

    __tablename__ = "site_entries"
    __table_args__ = (Index("ix_site_entries_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(2048))
    page_url: Mapped[str] = mapped_column(String(2048))  # the first page showing it
    on_home: Mapped[bool] = mapped_column(Boolean, default=False)
    pages: Mapped[int] = mapped_column(Integer, default=1)
    year: Mapped[int | None] = mapped_column(Integer)
    row_date: Mapped[date | None] = mapped_column(Date)
    attachment: Mapped[bool] = mapped_column(Boolean, default=False)


class AnnualReport(Base):
    """A 政府信息公开工作年度报告 (``kind`` report) or 政府网站工作年度报表 (statement) of a
    site for a ``year``, as the derive step found it: its page (``sections``: the headings
    it shows; None when only a link or an attachment was seen) or a link to it, its publish
    date (``date_source``: byline / url / meta of its page, list = its list row)."""

    __tablename__ = "annual_reports"
    __table_args__ = (Index("ix_annual_reports_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(2048))
    source_url: Mapped[str | None] = mapped_column(String(2048))  # the page linking it
    published: Mapped[date | None] = mapped_column(Date)
    date_source: Mapped[str | None] = mapped_column(String(16))
    sections: Mapped[list | None] = mapped_column(JSON)
    attachment: Mapped[bool] = mapped_column(Boolean, default=False)
    column: Mapped[str | None] = mapped_column(String(200))


class DisclosureItem(Base):
    """A 信息公开 catalogue item (a page whose header shows at least two catalogue labels):
    its 索引号, 发文字号, 成文日期 and 发布日期 (``published_source``: header, else the page's
    date), the labels its header shows (``labels``) and those shown without a value
    (``empty``)."""

    __tablename__ = "disclosure_items"
    __table_args__ = (Index("ix_disclosure_items_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(Text)
    index_no: Mapped[str | None] = mapped_column(String(200))
    doc_no: Mapped[str | None] = mapped_column(String(200))
    written: Mapped[date | None] = mapped_column(Date)
    published: Mapped[date | None] = mapped_column(Date)
    published_source: Mapped[str | None] = mapped_column(String(16))
    labels: Mapped[list] = mapped_column(JSON, default=list)
    empty: Mapped[list] = mapped_column(JSON, default=list)


class MailLog(Base):
    """An e-mail digest of a run to one recipient (``kind`` contact or supervisor):
    ``status`` sent, held (quiet hours: waiting in the outbox, ``path``), dry_run (written
    as ``path`` only) or failed (``error``). A digest already sent or held for the run and
    recipient is not sent again."""

    __tablename__ = "mail_log"
    __table_args__ = (Index("ix_mail_log_run", "run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    kind: Mapped[str] = mapped_column(String(12))
    recipient: Mapped[str] = mapped_column(String(320))
    sites: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    path: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


# -- issue 17: content safety and security posture -----------------------------------------
class SiteSecurity(Base):
    """Network facts of a site's homepage in one run, probed by ``crawler/security.py``
    after the crawl: HTTPS and its certificate, security headers, IPv6.

    ``https_ok``: the homepage answered over HTTPS (None: not checked, e.g. the guard
    refused the address); ``cert_error``: expired, not_yet_valid, hostname, self_signed,
    untrusted or other (None: valid). ``headers``: the security headers of the homepage
    as users get it (over HTTPS when it works), by lower-cased name. ``ipv6``: names, AAAA
    addresses, whether the homepage answered over IPv6 and matched its IPv4 answer, and
    how many second- and third-level pages answered over IPv6.
    """

    __tablename__ = "site_security"
    __table_args__ = (UniqueConstraint("run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    checked_at: Mapped[datetime] = mapped_column(DateTime)
    https_url: Mapped[str | None] = mapped_column(String(2048))
    https_ok: Mapped[bool | None] = mapped_column(Boolean)
    https_status: Mapped[int] = mapped_column(Integer, default=0)
    https_error: Mapped[str | None] = mapped_column(String(40))
    http_upgrades: Mapped[bool | None] = mapped_column(Boolean)  # http homepage → https
    cert_error: Mapped[str | None] = mapped_column(String(24))
    cert_detail: Mapped[str | None] = mapped_column(String(300))
    cert_subject: Mapped[str | None] = mapped_column(String(300))
    cert_issuer: Mapped[str | None] = mapped_column(String(300))
    cert_names: Mapped[list] = mapped_column(JSON, default=list)
    cert_not_before: Mapped[datetime | None] = mapped_column(DateTime)
    cert_not_after: Mapped[datetime | None] = mapped_column(DateTime)
    headers_url: Mapped[str | None] = mapped_column(String(2048))
    headers: Mapped[dict | None] = mapped_column(JSON)
    meta_csp: Mapped[bool] = mapped_column(Boolean, default=False)
    mixed: Mapped[list] = mapped_column(JSON, default=list)  # http resources of the https home
    ipv6: Mapped[dict | None] = mapped_column(JSON)


class Attachment(Base):
    """An attachment of a site fetched after the crawl (``crawler/attachments.py``): only
    on the site's own hosts, within the per-site budget and size cap. ``stored``: its
    body is in ``attachment_snapshots`` (compressed, as served); ``error``: why not
    (too_large, http, timeout, robots, private …)."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("run_id", "url"),
                      Index("ix_attachments_run_site", "run_id", "site_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(String(2048))
    page_url: Mapped[str | None] = mapped_column(String(2048))  # a page linking it
    anchor: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha1: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(String(40))
    stored: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)


class AttachmentSnapshot(Base):
    """An attachment's body as served (zlib-compressed), like ``Snapshot`` for pages; aged
    out with the page snapshots (``snapshot_runs``)."""

    __tablename__ = "attachment_snapshots"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    compression: Mapped[str] = mapped_column(String(8), default="zlib")


class PersonalData(Base):
    """Unmasked personal numbers the derive step found on a page or in an attachment
    (``parse.privacy``). Only the masked form is stored (``110***********1234``): the
    full number lives nowhere but in the compressed snapshot of what the site served.
    ``where``: page or attachment; ``location``: line, table cell, sheet cell or PDF page
    and line; ``label``: the label that made a number count (卡号, 身份证号)."""

    __tablename__ = "personal_data"
    __table_args__ = (Index("ix_personal_data_run_site", "run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(String(2048))
    source: Mapped[str | None] = mapped_column(String(2048))  # the page linking an attachment
    where: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(12))  # id_card | mobile | bank_card
    masked: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(120))
    label: Mapped[str | None] = mapped_column(String(40))


class ArticleText(Base):
    """An article's body-text fingerprint in a run (``parse.posture.article_fingerprint``),
    kept across runs: the recycled-post rule compares a site's articles with each other
    and with what earlier runs saw. ``key``: path and query (stable across a host move)."""

    __tablename__ = "article_texts"
    __table_args__ = (Index("ix_article_texts_run_site", "run_id", "site_id"),
                      Index("ix_article_texts_site_hash", "site_id", "text_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"))
    url: Mapped[str] = mapped_column(String(2048))
    key: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(500))
    date: Mapped[date | None] = mapped_column(Date)
    date_source: Mapped[str | None] = mapped_column(String(16))
    text_hash: Mapped[str] = mapped_column(String(40))
    text_len: Mapped[int] = mapped_column(Integer, default=0)


class SitePosture(Base):
    """Per site and run, what the derive step read on its pages and scripts: the scripts it
    loads with the library each one is (``scripts``: url, sha256 of a stored copy, name,
    version, how), private addresses written in pages or scripts (``private``: address,
    url, where), the homepage's care / accessible-mode entrance (``care``: what offers it,
    None when the homepage shows none; ``care_checked`` False when there was no homepage
    to read) and how the site's attachments were read (``attachments``: status -> count)."""

    __tablename__ = "site_posture"
    __table_args__ = (UniqueConstraint("run_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    scripts: Mapped[list] = mapped_column(JSON, default=list)
    private: Mapped[list] = mapped_column(JSON, default=list)
    care: Mapped[str | None] = mapped_column(String(300))
    care_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    attachments: Mapped[dict] = mapped_column(JSON, default=dict)
    derived_at: Mapped[datetime] = mapped_column(DateTime)
