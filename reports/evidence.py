"""Evidence screenshots: the page a finding is about, as it was served, rendered by headless
Chromium from the STORED snapshot, with the offending element outlined where it is known
(the broken or hidden link, the typo, the stale list).

Nothing is fetched: the browser asks for the page and its sub-resources, and the answer
comes from the run's stored pages (``Snapshot``) or is a refusal (``reports.browser``).
The page's own scripts do not run; only our outlining script does, through DevTools.

Taken in the report stage, after the checks, never during the crawl; a picture is stored
with its finding (``EvidenceShot``: run + fingerprint) and reused for a later run when the
page's snapshot and what is outlined are unchanged (``cache_key``).
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.browser import Answer, Browser, BrowserError, BrowserUnavailable
from store.models import EvidenceShot, Finding, Page, Snapshot

RENDERER = "govmon-shot-1"  # part of the cache key: change it when pictures change
WIDTH, HEIGHT = 1200, 760  # CSS pixels of a picture (fits an A4 page at 160 mm wide)

# rule -> (which page: "source" | "url" | "home", how to find the element)
PAGE_RULES: dict[str, tuple[str, str]] = {
    "link.broken": ("source", "link"),
    "link.hijacked": ("source", "link"),
    "content.hidden_link": ("source", "hidden"),
    "content.serious_typo": ("url", "text"),
    "content.secret_marking": ("url", "text"),
    "privacy.personal_data": ("url", "none"),
    "column.stale": ("url", "list"),
    "column.blank": ("url", "none"),
    "home.stale": ("url", "list"),
    "meta.tags_missing": ("url", "none"),
    "guide.incomplete": ("url", "none"),
    "mailbox.unanswered": ("source", "link"),
    "mailbox.slow_reply": ("source", "link"),
    "mailbox.fields_missing": ("source", "link"),
    "mailbox.board_stale": ("url", "none"),
    "identity.site_code_missing": ("source", "footer"),
    "identity.site_code_mismatch": ("source", "footer"),
    "identity.icp_missing": ("source", "footer"),
    "identity.psb_missing": ("source", "footer"),
    "identity.conac_missing": ("source", "footer"),
    "identity.sponsor_missing": ("source", "footer"),
    "identity.contact_missing": ("source", "footer"),
    "identity.jiucuo_missing": ("source", "footer"),
    "disclosure.late": ("url", "none"),
    "disclosure.fields_missing": ("url", "none"),
    "content.recycled_post": ("url", "none"),
    "content.backdated_post": ("url", "none"),
}
MARK_WORDS = {"link": "链接", "hidden": "隐藏的链接（已显示出来）", "text": "错误文字",
              "list": "栏目信息列表", "footer": "页面底部（网站标识区域）"}


def wants_shot(f: Finding) -> bool:
    """Every veto finding and every page-level finding of a notice gets a picture."""
    return f.rule in PAGE_RULES or f.severity == "veto"


@dataclass
class Target:
    """What to render for one finding: the page, and what to outline on it."""

    page_url: str
    mark: str  # link | hidden | text | list | footer | none
    spec: dict[str, Any]

    def caption(self, found: bool) -> str:
        if self.mark == "none":
            return "页面快照"
        what = MARK_WORDS[self.mark]
        return f"红框标出{what}" if found else f"页面快照（未能定位{what}）"


def _target(session: Session, f: Finding, home: str) -> Target | None:
    where, mark = PAGE_RULES.get(f.rule, ("home", "none"))
    d = f.detail or {}
    url = {"source": f.source or f.url, "url": f.url, "home": home}[where]
    spec: dict[str, Any] = {}
    if mark in ("link", "hidden"):
        spec["href"] = d.get("target") or f.url
    elif mark == "text":
        spec["text"] = d.get("wrong") or d.get("marking") or ""
        if not spec["text"]:
            mark = "none"
    elif mark == "list":
        from store.models import Column, Item

        col = session.scalars(select(Column).where(Column.run_id == f.run_id,
                                                   Column.site_id == f.site_id,
                                                   Column.url == f.url)).first()
        items = [] if col is None else list(session.scalars(
            select(Item.url).where(Item.column_id == col.id).limit(12)))
        if items:
            spec["hrefs"] = items
        else:
            mark = "none"
    if not url:
        return None
    return Target(page_url=url, mark=mark, spec=spec)


# The outlining script: runs in the page (whose own scripts are off), finds the element,
# outlines it, reveals it when it was hidden, and returns where it is.
MARK_JS = r"""
(function (mark, spec) {
  const css = document.createElement('style');
  css.textContent = '.govmon-mark{outline:4px solid #e00000 !important;outline-offset:3px;' +
    'background:rgba(255,235,0,.35) !important}';
  (document.head || document.documentElement).appendChild(css);
  const norm = (u) => { try { const x = new URL(u, document.baseURI); x.hash = '';
    return decodeURI(x.href); } catch (e) { return u; } };
  let el = null;
  if (mark === 'link' || mark === 'hidden') {
    const want = norm(spec.href);
    el = [...document.querySelectorAll('a[href],area[href],img[src],iframe[src]')].find(
      (a) => norm(a.getAttribute('href') || a.getAttribute('src')) === want) || null;
    if (el && mark === 'hidden') {
      for (let n = el; n && n !== document.body; n = n.parentElement) {
        const s = getComputedStyle(n);
        const r = n.getBoundingClientRect();
        if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0' ||
            r.width < 2 || r.height < 2 || r.right < 0 || r.bottom < 0 ||
            parseFloat(s.fontSize) < 2 || n.hidden) {
          n.hidden = false;
          n.style.cssText += ';display:inline-block !important;visibility:visible !important;' +
            'opacity:1 !important;position:static !important;width:auto !important;' +
            'height:auto !important;overflow:visible !important;font-size:16px !important;' +
            'text-indent:0 !important;clip:auto !important;transform:none !important';
        }
      }
      el.style.cssText += ';color:#c00000 !important;background:#fff200 !important';
    }
  } else if (mark === 'text' && spec.text) {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const i = node.data.indexOf(spec.text);
      if (i >= 0) {
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + spec.text.length);
        el = document.createElement('mark');
        range.surroundContents(el);
        break;
      }
    }
  } else if (mark === 'list' && spec.hrefs) {
    const want = new Set(spec.hrefs.map(norm));
    const hits = [...document.querySelectorAll('a[href]')].filter(
      (a) => want.has(norm(a.getAttribute('href'))));
    if (hits.length) {
      el = hits[0];
      while (el.parentElement && !hits.every((h) => el.contains(h))) el = el.parentElement;
      if (hits.length === 1 && el.parentElement) el = el.parentElement;
    }
  } else if (mark === 'footer') {
    el = document.querySelector('footer,#footer,.footer,[class*=foot],[id*=foot]');
    if (!el) { const all = document.body.children; el = all[all.length - 1] || null; }
  }
  const full = document.documentElement.scrollHeight;
  if (!el) return {found: false, y: 0, h: 0, full: full};
  el.classList.add('govmon-mark');
  const r = el.getBoundingClientRect();
  return {found: true, y: r.top + window.scrollY, h: r.height, full: full};
})
"""


def _answers(session: Session, run_id: int) -> dict[str, tuple[int, str]]:
    """URL -> (page id, content type) of the run's pages that have a stored body."""
    rows = session.execute(select(Page.url, Page.final_url, Page.id, Page.content_type,
                                  Page.encoding, Page.status)
                           .join(Snapshot, Snapshot.page_id == Page.id)
                           .where(Page.run_id == run_id)).all()
    out: dict[str, tuple[int, str]] = {}
    for url, final, pid, ctype, enc, _status in rows:
        ctype = ctype or "text/html"
        if enc and "charset" not in ctype.lower():
            ctype += f"; charset={enc}"
        out.setdefault(url, (pid, ctype))
        if final:
            out.setdefault(final, (pid, ctype))
    return out


class Shooter:
    """Takes and stores the screenshots of one run (one browser for all of them)."""

    def __init__(self, session: Session, browser: Browser, run_id: int):
        self.session, self.browser, self.run_id = session, browser, run_id
        self.answers = _answers(session, run_id)
        self._bodies: dict[int, bytes] = {}
        self._page: Any = None  # one tab for every picture: a new tab costs ~100 ms
        self.taken = self.reused = self.failed = 0
        self.elapsed = 0.0

    def body(self, page_id: int) -> bytes:
        if page_id not in self._bodies:
            snap = self.session.get(Snapshot, page_id)
            raw = snap.body if snap is not None else b""
            self._bodies[page_id] = zlib.decompress(raw) if raw else b""
        return self._bodies[page_id]

    def responder(self, url: str) -> Answer | None:
        hit = self.answers.get(url) or self.answers.get(url.split("#", 1)[0])
        if hit is None:
            return None  # not in the store: refused, never fetched
        return Answer(status=200, body=self.body(hit[0]), content_type=hit[1])

    def shoot(self, f: Finding, home: str) -> EvidenceShot:
        """The stored picture of ``f`` (taken now unless this run already has it)."""
        have = self.session.scalars(select(EvidenceShot).where(
            EvidenceShot.run_id == self.run_id,
            EvidenceShot.fingerprint == f.fingerprint)).first()
        if have is not None:
            return have
        shot = EvidenceShot(run_id=self.run_id, site_id=f.site_id, fingerprint=f.fingerprint,
                            taken_at=datetime.now(), status="no_snapshot", outlined=False,
                            width=0, height=0, elapsed_ms=0)
        target = _target(self.session, f, home)
        hit = self.answers.get(target.page_url) if target else None
        if target is None or hit is None:
            shot.page_url = target.page_url if target else None
            shot.caption = "无页面快照（页面未能抓取或快照已过保留期）"
            return self._keep(shot)
        shot.page_url = target.page_url
        key = hashlib.sha256(json.dumps([RENDERER, hashlib.sha256(self.body(hit[0])).hexdigest(),
                                         target.page_url, target.mark, target.spec],
                                        sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        shot.cache_key = key
        earlier = self.session.scalars(select(EvidenceShot).where(
            EvidenceShot.cache_key == key, EvidenceShot.status == "ok")
            .order_by(EvidenceShot.id.desc()).limit(1)).first()
        if earlier is not None:
            for attr in ("status", "outlined", "caption", "png", "width", "height"):
                setattr(shot, attr, getattr(earlier, attr))
            self.reused += 1
            return self._keep(shot)
        t0 = time.monotonic()
        try:
            png, found = self._render(target)
        except BrowserUnavailable:
            raise
        except (BrowserError, ValueError, KeyError) as exc:
            shot.status, shot.caption = "failed", f"截图失败：{str(exc)[:200]}"
            self.failed += 1
            return self._keep(shot)
        finally:
            spent = time.monotonic() - t0
            self.elapsed += spent
            shot.elapsed_ms = int(spent * 1000)
        shot.status, shot.png, shot.outlined = "ok", png, found
        shot.width, shot.height = png_size(png)
        shot.caption = target.caption(found)
        self.taken += 1
        return self._keep(shot)

    def close(self) -> None:
        if self._page is not None:
            self._page.close()
            self._page = None

    def _render(self, target: Target) -> tuple[bytes, bool]:
        if self._page is None:
            self._page = self.browser.page(width=WIDTH, height=HEIGHT)
        page = self._page
        try:
            page.goto(target.page_url, self.responder)
            where = page.evaluate(f"{MARK_JS}({json.dumps(target.mark)}, "
                                  f"{json.dumps(target.spec, ensure_ascii=False)})") or {}
            full = max(int(where.get("full") or HEIGHT), HEIGHT)
            if target.mark == "footer" and not where.get("found"):
                top = full - HEIGHT
            else:
                centre = float(where.get("y") or 0) + float(where.get("h") or 0) / 2
                top = int(centre - HEIGHT / 2) if where.get("found") else 0
            top = max(0, min(top, full - HEIGHT))
            png = page.screenshot({"x": 0, "y": top, "width": WIDTH, "height": HEIGHT})
            return png, bool(where.get("found"))
        except BrowserError:
            self.close()  # a tab in a bad state is not reused
            raise

    def _keep(self, shot: EvidenceShot) -> EvidenceShot:
        self.session.add(shot)
        self.session.flush()
        return shot


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def shots_for(session: Session, browser: Browser | None, run_id: int,
              findings: list[Finding], home: str) -> dict[str, EvidenceShot]:
    """fingerprint -> picture for the findings that want one (taken when missing)."""
    wanted = [f for f in findings if wants_shot(f)]
    if not wanted:
        return {}
    stored = {s.fingerprint: s for s in session.scalars(select(EvidenceShot).where(
        EvidenceShot.run_id == run_id,
        EvidenceShot.fingerprint.in_([f.fingerprint for f in wanted])))}
    missing = [f for f in wanted if f.fingerprint not in stored]
    if missing and browser is not None:
        shooter = Shooter(session, browser, run_id)
        try:
            for f in missing:
                stored[f.fingerprint] = shooter.shoot(f, home)
        finally:
            shooter.close()
    return stored
