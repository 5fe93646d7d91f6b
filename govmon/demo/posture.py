"""Issue 17 in the demo: content safety and security posture, one example of each rule.

Kept apart from the site builders (``sites.py``) so other demo additions merge cleanly;
``sites.py`` and ``cluster.py`` call in here at clearly marked places.

Portal (示例市人民政府):
* a 公示 page listing subsidy recipients with an unmasked resident ID, mobile and bank-card
  number — beside a masked row, an ID failing its check digit and an order number that
  passes Luhn (no findings) — and an XLSX list with an ID (``privacy.personal_data``);
* an article re-posted under a new title and date (``content.recycled_post``);
* a 通知公告 item filled in under an old date (``content.backdated_post``: the sample
  previous quarter shows the column without it);
* jQuery 1.12.4 (``security.vulnerable_library``), an intranet address in a script
  (``security.private_address_leak``), the 无障碍 entrance (so only the other sites lack
  one: ``access.care_mode_missing``); no https at all (``security.https_missing``).
Zone (高新区): an https twin whose certificate expires in 20 days
(``security.cert_expiring``) and whose pages load http stylesheets
(``security.mixed_content``). Department (发改委): an https twin with an expired
certificate (``security.cert_invalid``) and an IPv6 twin on ``::1`` (the only site that
passes ``network.ipv6_missing``). No demo server sends security headers
(``security.headers_missing``).

The numbers are made up (valid check digits computed here); the certificates come from a
sample CA the demo writes into its workspace and trusts (``tls_ca_file``).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from govmon.demo.certs import SampleCA
from govmon.demo.server import SiteServer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GSGG = "/zwgk/gsgg/"
JQUERY = ("/*! jQuery v1.12.4 | (c) jQuery Foundation | jquery.org/license */\n"
          "!function(a,b){\"object\"==typeof module}(\"undefined\"!=typeof window?window:this);\n")
RECYCLED_BODY = (
    "为进一步优化营商环境，激发市场主体活力，市政府近日印发实施意见，从简化审批流程、降低制度性交易"
    "成本、强化要素保障、加强法治保障等方面提出二十条具体措施。意见明确，到年底前全面推行企业开办"
    "一网通办，压缩工程建设项目审批时间，完善涉企政策直达机制，健全常态化政企沟通机制，切实帮助"
    "企业解决发展中遇到的困难和问题，推动全市经济持续健康发展。")


def _id(first17: str) -> str:
    from parse.privacy import id_check_digit

    return first17 + id_check_digit(first17)


def _card(prefix: str) -> str:
    from parse.privacy import luhn

    return next(prefix + str(d) for d in range(10) if luhn(prefix + str(d)))


ID_PAGE = _id("51019919850612003")
ID_SHEET = _id("51019919920101004")
ID_BAD = "510199198506120031" if _id("51019919850612003")[-1] != "1" else \
    "510199198506120032"
CARD = _card("622202990011223344")
ORDER = _card("622848990012345678")
MOBILE = "13812340001"


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "发放名单"
    for row in (["序号", "姓名", "公民身份号码", "补贴金额"], [1, "示例甲", ID_SHEET, 1200],
                [2, "示例乙", "510***********0025", 1200]):
        sheet.append(row)
    # the same bytes on every build (the cluster is deterministic): fixed document dates,
    # and the zip members re-written with a fixed time (openpyxl stamps "now" on both)
    fixed = datetime(2024, 1, 1)
    book.properties.created = book.properties.modified = fixed
    buf = io.BytesIO()
    book.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # save() stamps "modified" itself
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z",
                              data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=fixed.timetuple()[:6]),
                         data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _inject(t: Any, path: str, marker: str, html: str) -> None:
    """Put ``html`` before ``marker`` in the page at ``path`` (its charset kept)."""
    route = t.routes[path]
    text = route.body.decode(t.charset)
    at = text.rfind(marker)
    route.body = (text[:at] + html + text[at:]).encode(t.charset)


def add_portal(t: Any, h: Any, look: Any, page: Any) -> None:
    """The portal's pages for the personal-data, recycled-post, library, private-address and
    care-mode examples; ``page(look, title, main)`` renders a page of the portal's look."""
    today = h.today
    old, new = today - timedelta(days=400), today - timedelta(days=3)
    recycled = [(f"{GSGG}{old:%Y%m}/t{old:%Y%m%d}_5390001.html", "市政府印发优化营商环境二十条措施",
                 old),
                (f"{GSGG}{new:%Y%m}/t{new:%Y%m%d}_5390002.html", "我市出台措施持续优化营商环境", new)]
    rows = "".join(f'<li><a href="{p}">{title}</a><span class="date">{d:%Y-%m-%d}</span></li>'
                   for p, title, d in reversed(recycled))
    table = (
        "<table class=\"gs\"><tr><th>序号</th><th>姓名</th><th>身份证号</th><th>联系电话</th>"
        "<th>银行卡号</th></tr>"
        f"<tr><td>1</td><td>示例甲</td><td>{ID_PAGE}</td><td>{MOBILE}</td><td>{CARD}</td></tr>"
        "<tr><td>2</td><td>示例乙</td><td>510***********0025</td><td>139****0002</td>"
        "<td>6222 **** **** 0003</td></tr>"
        f"<tr><td>3</td><td>示例丙</td><td>{ID_BAD}</td><td>—</td><td>—</td></tr></table>")
    main = (f"<h1>2026年度困难群众临时救助发放公示</h1>{table}"
            f"<p>资金拨付订单号：{ORDER}</p>"
            f'<p>附件：<a href="{GSGG}W020261201000001.xlsx">临时救助发放名单.xlsx</a></p>'
            f'<h2>公示公告</h2><ul class="list">{rows}</ul>'
            '<script>var reportApi = "http://10.12.0.8:8080/api/report";</script>')
    t.page(GSGG, page(look, "公示公告", main))
    t.file(f"{GSGG}W020261201000001.xlsx", _xlsx(), XLSX)
    for path, title, day in recycled:
        body = (f'<h1>{title}</h1><div class="info">发布时间：{day:%Y-%m-%d} 10:00</div>'
                f'<div id="zoom" class="TRS_Editor"><p>{RECYCLED_BODY}</p></div>')
        t.page(path, page(look, title, body))
    t.file("/images/jquery-1.12.4.min.js", JQUERY, "application/javascript")
    _inject(t, "/", "</body>",
            f'<div class="posture-demo"><a href="{GSGG}">公示公告</a> '
            '<a href="/wza/">无障碍浏览</a>'
            '<script src="/images/jquery-1.12.4.min.js"></script></div>')
    t.page("/wza/", page(look, "无障碍浏览", "<p>无障碍浏览工具条（示例）</p>"))
    t.plant("personal_data", GSGG)
    t.plant("personal_data_sheet", f"{GSGG}W020261201000001.xlsx")
    t.plant("recycled_post", recycled[1][0])


def backdated_notice(h: Any, col: Any, make_item: Any) -> str:
    """A 通知公告 item dated 300 days back but published only now (the sample previous
    quarter shows the column without it); returns its path."""
    day = h.ago(300)
    item = make_item(col.path, day, 5330000 + 1000 - 300,
                     f"关于做好{day.year}年度政务信息报送工作的通知")
    col.items.append(item)
    return item.path


class Extras:
    """The https and IPv6 twins of the zone and department sites, and the sample CA."""

    def __init__(self, cluster: Any):
        self.ca = SampleCA()
        self.servers: list[SiteServer] = []
        zone_host, drc_host = cluster.zone.host, cluster.drc.host
        self.zone_tls = self._serve(cluster.zone, zone_host,
                                    self.ca.issue([zone_host], days=20).context())
        self.drc_tls = self._serve(cluster.drc, drc_host,
                                   self.ca.issue([drc_host], days=-5, start_days_ago=400)
                                   .context())
        self.drc_v6 = self._serve(cluster.drc, "::1", None, cluster.drc.port)

    def _serve(self, twin: SiteServer, host: str, tls: Any, port: int = 0) -> SiteServer | None:
        try:
            server = SiteServer(host, twin.routes, dynamic=twin.dynamic, port=port, tls=tls)
        except OSError:  # no IPv6 loopback here (or the port is taken): no twin
            return None
        self.servers.append(server)
        return server

    def apply(self, registry: Any, zone_code: str, drc_code: str) -> None:
        if self.zone_tls is not None:
            registry.by_code(zone_code).hints["https"] = self.zone_tls.url("/")
        drc = registry.by_code(drc_code)
        if self.drc_tls is not None:
            drc.hints["https"] = self.drc_tls.url("/")
        if self.drc_v6 is not None:
            drc.hosts.append(f"[::1]:{self.drc_v6.port}")

    def write_ca(self, workspace: Path) -> Path:
        return self.ca.write(workspace / "demo-ca.pem")


def seed_previous_listing(session: Any, sample_run: int, run_id: int, portal_code: str,
                          list_url: str, backdated_url: str) -> int:
    """Give the sample previous-quarter run the 通知公告 listing it would have shown then:
    the items the crawl lists tonight that are dated before that run, without the item
    filled in later. Sample data like the rest of that run (``Run.note`` says so)."""
    from sqlalchemy import select

    from parse.page import PageView
    from store.models import Column, Item, Page, Run, Site, Snapshot

    sample = session.get(Run, sample_run)
    site_id = session.scalar(select(Site.id).where(Site.code == portal_code))
    row = session.execute(select(Page.encoding, Snapshot.body).join(
        Snapshot, Snapshot.page_id == Page.id).where(Page.run_id == run_id,
                                                     Page.url == list_url)).first()
    if sample is None or site_id is None or row is None:
        return 0
    import zlib

    from parse import charset

    view = PageView(url=list_url, html=charset.decode(zlib.decompress(row.body), row.encoding))
    day = sample.started_at.date()
    items = []
    for li in view.doc.iter("li"):
        link = next(li.iter("a"), None)
        url = view.resolve(link.get("href")) if link is not None else None
        when = _iso_in(" ".join(li.itertext()))
        if url and when and when <= day and url != backdated_url and "/zwgk/tzgg/" in url:
            items.append((url, " ".join(link.itertext()).strip(), when))
    if not items:
        return 0
    col = Column(run_id=sample_run, site_id=site_id, url=list_url, urls=[list_url],
                 name="通知公告", level=1, kind="list", category="notice",
                 update_class="notice", pages=1, items=len(items), dated=len(items),
                 newest=max(w for _, _, w in items), newest_source="list",
                 note="示例数据：上一季度样例历史")
    session.add(col)
    session.flush()
    for position, (url, title, when) in enumerate(items):
        session.add(Item(run_id=sample_run, site_id=site_id, column_id=col.id, title=title[:500],
                         url=url, date=when, date_source="list", page_url=list_url,
                         position=position))
    session.flush()
    return len(items)


def _iso_in(text: str) -> date | None:
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    return date(int(m[1]), int(m[2]), int(m[3])) if m else None
