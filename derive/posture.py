"""Derive the content-safety and security facts of a site from one run's stored data.

After the crawl and before the rules (``checks/runner.py`` calls :func:`derive_posture`
after ``derive_site``), from the same one-parse-per-page scan:

* ``personal_data``: personal numbers (``parse.privacy``) on the site's pages and in the
  attachments the crawl stored (``parse.documents``), masked — a mobile number the site
  shows on three or more pages (a sidebar, a template) or in its footer contact line is
  the office's own and left out;
* ``article_texts``: each article's body-text fingerprint with its publish date, kept
  across runs for the recycled-post rule;
* ``site_posture``: the scripts the site loads (URL, library and version by file name or
  banner, SHA-256 of the stored copy), private addresses in pages and scripts, the
  homepage's care / accessible-mode entrance, how its attachments could be read.

Rows of the run are replaced when it is derived again (derived data).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from parse import charset, documents, posture, privacy
from parse.page import path_and_query
from store.models import (
    ArticleText,
    Attachment,
    AttachmentSnapshot,
    IdentityValue,
    Page,
    PersonalData,
    Run,
    Site,
    SitePosture,
    Snapshot,
)

TEMPLATE_PAGES = 3  # a mobile number on this many pages of a site is the site's own
MAX_SCRIPTS = 200
FAMILIES = ("privacy", "posture")


def extract(view: Any, record: Any, today: Any = None) -> dict[str, Any]:
    """What one parsed page gives this step (run by the page scan, ``EXTRACTORS``)."""
    out: dict[str, Any] = {
        "libraries": posture.libraries(view.script_srcs, view.inline_scripts, view.url),
        "scripts": view.script_srcs,
        "private": posture.private_addresses(view.html),
    }
    if record.is_home:
        out["care"] = posture.care_entrance(view)
    if record.kind == "article":
        out["fingerprint"] = posture.article_fingerprint(view)
    return out


def derive_posture(session: Session, run: Run, site: Site, scan: Any) -> None:
    for family in FAMILIES:
        if family in scan.errors:
            raise RuntimeError(scan.errors[family])
    run_id, site_id = run.id, site.id
    if not scan.pages and session.scalar(select(Page.id).where(
            Page.run_id == run_id, Page.site_id == site_id, Page.status >= 200,
            Page.status < 300, Page.content_type.ilike("%html%")).limit(1)):
        return  # pages without snapshots (aged out): keep what was derived before
    for model in (PersonalData, ArticleText, SitePosture):
        session.execute(delete(model).where(model.run_id == run_id, model.site_id == site_id))
    records = [r for r in scan.pages if "privacy" in r.facts]
    today = run.started_at.date()
    own = set()
    for value in session.scalars(select(IdentityValue.value).where(
            IdentityValue.run_id == run_id, IdentityValue.site_id == site_id,
            IdentityValue.item == "contact")):
        own |= privacy.masked_mobiles(value)
    rows = _page_rows(records, own, run_id, site_id)
    attachment_rows, reads = _attachment_rows(session, run_id, site_id, own, today)
    rows += attachment_rows
    for i in range(0, len(rows), 1000):
        session.execute(insert(PersonalData), rows[i:i + 1000])
    texts = []
    for r in records:
        fp = r.facts["posture"].get("fingerprint")
        if fp is None:
            continue
        info = r.facts.get("page")
        texts.append({"run_id": run_id, "site_id": site_id, "page_id": r.page_id,
                      "url": r.url, "key": path_and_query(r.url)[:2048],
                      "title": (r.title or "")[:500] or None,
                      "date": getattr(info, "date", None),
                      "date_source": getattr(info, "date_source", None),
                      "text_hash": fp[0], "text_len": fp[1]})
    for i in range(0, len(texts), 1000):
        session.execute(insert(ArticleText), texts[i:i + 1000])
    scripts, private = _scripts(session, run_id, site_id, records)
    home = next((r for r in records if r.is_home), None)
    session.add(SitePosture(
        run_id=run_id, site_id=site_id, scripts=scripts, private=private,
        care=(home.facts["posture"].get("care") or None) if home else None,
        care_checked=home is not None, attachments=reads, derived_at=datetime.now()))
    session.flush()


def _page_rows(records: list[Any], own: set[str], run_id: int, site_id: int
               ) -> list[dict[str, Any]]:
    pages_of: dict[str, set[int]] = defaultdict(set)
    for r in records:
        for hit in r.facts["privacy"]:
            if hit.kind == "mobile":
                pages_of[hit.masked].add(r.page_id)
    template = {m for m, pages in pages_of.items() if len(pages) >= TEMPLATE_PAGES}
    rows = []
    for r in records:
        for hit in r.facts["privacy"]:
            if hit.kind == "mobile" and (hit.masked in own or hit.masked in template):
                continue
            rows.append({"run_id": run_id, "site_id": site_id, "url": r.url, "source": None,
                         "where": "page", "kind": hit.kind, "masked": hit.masked,
                         "location": hit.location[:120], "label": hit.label[:40] or None})
    return rows


def _extension(url: str) -> str:
    name = urlsplit(url).path.lower().rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _attachment_rows(session: Session, run_id: int, site_id: int, own: set[str],
                     today: Any) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Hits in the site's stored attachments, and how many were read per status
    (ok, empty, failed, unsupported; ``not_fetched`` for those the crawl could not store)."""
    rows: list[dict[str, Any]] = []
    reads: dict[str, int] = defaultdict(int)
    stored = session.execute(
        select(Attachment.url, Attachment.page_url, Attachment.content_type,
               Attachment.stored, AttachmentSnapshot.body)
        .outerjoin(AttachmentSnapshot, AttachmentSnapshot.attachment_id == Attachment.id)
        .where(Attachment.run_id == run_id, Attachment.site_id == site_id)
        .order_by(Attachment.id))
    for url, page_url, ctype, is_stored, body in stored:
        if not is_stored or body is None:
            reads["not_fetched"] += 1
            continue
        found = documents.segments(zlib.decompress(body), _extension(url), ctype)
        reads[found.status] += 1
        for hit in privacy.scan(found.segments, today=today, skip=own):
            rows.append({"run_id": run_id, "site_id": site_id, "url": url,
                         "source": page_url, "where": "attachment", "kind": hit.kind,
                         "masked": hit.masked, "location": hit.location[:120],
                         "label": hit.label[:40] or None})
    return rows, dict(reads)


def _scripts(session: Session, run_id: int, site_id: int, records: list[Any]
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The scripts the site's pages load (each URL once: library by file name, else by
    the stored copy's banner; the copy's SHA-256 for the rule's hash table) and the private
    addresses written in pages and stored scripts."""
    scripts: dict[str, dict[str, Any]] = {}
    private: dict[str, dict[str, Any]] = {}
    for r in records:
        facts = r.facts["posture"]
        for lib in facts["libraries"]:
            scripts.setdefault(lib.url, {"url": lib.url, "page": r.url, "name": lib.name,
                                         "version": lib.version, "how": lib.how})
        for src in facts["scripts"]:
            scripts.setdefault(src, {"url": src, "page": r.url})
        for address in facts["private"]:
            private.setdefault(address, {"address": address, "url": r.url, "where": "page"})
    bodies = session.execute(
        select(Page.url, Page.encoding, Snapshot.body)
        .join(Snapshot, Snapshot.page_id == Page.id)
        .where(Page.run_id == run_id, Page.site_id == site_id,
               Page.content_type.ilike("%javascript%"))
        .order_by(Page.id).limit(MAX_SCRIPTS))
    for url, encoding, body in bodies:
        raw = zlib.decompress(body)
        entry = scripts.setdefault(url, {"url": url, "page": None})
        entry["sha256"] = hashlib.sha256(raw).hexdigest()
        text = charset.decode(raw, encoding)
        if "name" not in entry:
            lib = posture.library_from_source(text, url)
            if lib is not None:
                entry.update(name=lib.name, version=lib.version, how=lib.how)
        for address in posture.private_addresses(text):
            private.setdefault(address, {"address": address, "url": url, "where": "script"})
    return list(scripts.values())[:2000], list(private.values())[:200]
