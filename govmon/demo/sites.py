"""Route tables of the demo's sample sites, one builder per site.
(Long on purpose: sample content, one builder per site, read top to bottom like the site.)

Each builder returns a :class:`RouteTable` (path -> Route, plus prefix handlers for
query-driven endpoints) and records the problems it plants in ``planted`` (label -> path),
so tests and later rules know where to look. To add content for a new rule: add text to
``content.py``, build it here with the page builders of ``pages.py``, and plant a label.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from govmon.demo import content as c
from govmon.demo import governance, posture
from govmon.demo import pages as p
from govmon.demo.pages import Attachment, Column, Footer, Item, Look, Message, Survey, e, fd
from govmon.demo.server import Route

PORTAL_CODE = "5199000001"
EDU_CODE = "5199000002"
ZONE_CODE = "5199000003"
DRC_CODE = "5199000010"
STATS_CODE = "5199000011"
GRAIN_CODE = "5199000012"

STATS_BULLETIN = "/www.stats.gov.cn/sj/zxfb/202402/W020240229397367155473.pdf"  # on the external server
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Handler = Callable[[str, str], Route | None]


# -- binary assets ---------------------------------------------------------------------
def _png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid, tiny PNG (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                                              0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = _png()
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
CSS = "body{font-family:'Microsoft YaHei',SimSun;margin:0}.w1200{width:1200px;margin:0 auto}\n"
JS = "/* common.js */\nfunction SetHome(){}\nfunction AddFavorite(){}\nfunction doZoom(s){}\n"


@lru_cache(maxsize=32)
def docx_bytes(title: str) -> bytes:
    """A real .docx attachment (python-docx), so attachment rules can open it."""
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=1)
    doc.add_paragraph("（此件为示例附件，内容为演示用途。）")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# -- routing ---------------------------------------------------------------------------
@dataclass
class RouteTable:
    """Routes of one site; ``charset`` is how its HTML is encoded and declared."""

    charset: str = "utf-8"
    routes: dict[str, Route] = field(default_factory=dict)
    handlers: list[tuple[str, Handler]] = field(default_factory=list)
    planted: dict[str, str] = field(default_factory=dict)

    def page(self, path: str, html: str, status: int = 200) -> None:
        self.routes[path] = Route(body=html.encode(self.charset), status=status,
                                  content_type=f"text/html; charset={self.charset}")

    def directory(self, path: str, html: str) -> None:
        """A TRS column directory answers both ``/col/`` and ``/col/index.html``."""
        self.page(path, html)
        self.page(path + "index.html", html)

    def file(self, path: str, data: bytes | str, ctype: str) -> None:
        self.routes[path] = Route(body=data, content_type=ctype)

    def redirect(self, path: str, status: int, location: str) -> None:
        self.routes[path] = Route(body=b"", status=status, content_type="text/html",
                                  headers={"Location": location})

    def prefix(self, prefix: str, handler: Handler) -> None:
        self.handlers.append((prefix, handler))

    def plant(self, label: str, path: str) -> None:
        self.planted[label] = path

    def dynamic(self, method: str, raw_path: str) -> Route | None:
        path = unquote(urlsplit(raw_path).path)
        for prefix, handler in self.handlers:
            if path.startswith(prefix):
                return handler(method, raw_path)
        return None

    def merge(self, other: RouteTable) -> None:
        self.routes.update(other.routes)
        self.handlers.extend(other.handlers)


@dataclass
class Hosts:
    """Base URLs of the cluster's servers (known once the servers are bound)."""

    today: date
    portal: str
    zone: str
    drc: str
    stats: str
    ext: str

    def x(self, host_path: str) -> str:
        """An "external" URL: real host names are served by the simulated external server
        under a path named after them (the demo never leaves loopback)."""
        return f"{self.ext}/{host_path}"

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


def conac_id(code: str) -> str:
    return hashlib.md5(f"conac-{code}".encode()).hexdigest().upper()


def gov_footer(h: Hosts, *, sponsor: str, code: str, icp_suffix: int, phone: str,
               address: str, operator: str | None = None, psb: bool = True,
               conac: bool = True, links: list[tuple[str, str]] | None = None) -> Footer:
    return Footer(
        sponsor=sponsor, operator=operator, site_code=code, icp=f"{c.ICP}-{icp_suffix}",
        icp_url=h.x("beian.miit.gov.cn/"),
        psb=c.PSB if psb else None,
        psb_url=h.x(f"www.beian.gov.cn/portal/registerSystemInfo?recordcode={c.PSB}")
        if psb else None,
        psb_img=h.x("www.beian.gov.cn/img/ghs.png") if psb else None,
        conac_url=h.x(f"bszs.conac.cn/sitename?method=show&id={conac_id(code)}") if conac
        else None,
        conac_img=h.x("dcs.conac.cn/image/red.png") if conac else None,
        jiucuo_script=h.x("zfwzgl.www.gov.cn/exposure/jiucuo.js"),
        phone=phone, address=address, links=links or [])


# -- TRS helpers -----------------------------------------------------------------------
def trs_item(col_path: str, day: date, docid: int, title: str, **kw) -> Item:  # noqa: ANN003
    ym = f"{day.year}{day.month:02d}"
    name = f"t{day.year}{day.month:02d}{day.day:02d}_{docid}.html"
    return Item(title=title, day=day, path=f"{col_path}{ym}/{name}", href=f"./{ym}/{name}", **kw)


def publish_trs(t: RouteTable, look: Look, col: Column, home: tuple[str, str], *,
                date_fmt: str = p.DATE, brackets: bool = False,
                byline: Callable[[Item], str] | None = None) -> None:
    """List pages (``index.html``, ``index_1.html`` … only in the pager script) and articles."""
    trail = [home] + ([col.parent] if col.parent else [])
    for i in range(len(col.pages())):
        html = p.trs_list_page(look, col, i, trail + [(col.name, None)], date_fmt, brackets)
        if i == 0:
            t.directory(col.path, html)
        else:
            t.page(f"{col.path}index_{i}.html", html)
    crumbs = trail + [(col.name, col.path), ("正文", None)]
    for it in col.items:
        if it.served:
            t.page(it.path, p.trs_article(look, col, it, crumbs, byline(it) if byline else None))


def home_box(title: str, href: str, items: list[Item], date_fmt: str = "{m:02d}-{d:02d}") -> str:
    return (f'<div class="box"><div class="box-title"><h3>{e(title)}</h3>'
            f'<a class="more" href="{e(href)}">更多&gt;&gt;</a></div><ul class="list">'
            + p.trs_rows(items, date_fmt, absolute=True) + "</ul></div>")


def single_column(name: str, path: str, kind: str, parent: tuple[str, str]) -> Column:
    return Column(name=name, path=path, kind=kind, parent=parent)


# == portal (TRS WCM) ==================================================================
PORTAL_NAV = [("首页", "/"), ("新闻动态", "/xwdt/"), ("政务公开", "/zwgk/"), ("政务服务", "/bsfw/"),
              ("互动交流", "/hdjl/"), ("走进示例", "/zjsl/"), ("专题专栏", "/ztzl/")]


def build_portal(h: Hosts) -> RouteTable:
    t = RouteTable()
    footer = gov_footer(h, sponsor=c.PORTAL_SPONSOR, operator=c.PORTAL_OPERATOR, code=PORTAL_CODE,
                        icp_suffix=1, phone=c.PHONE, address=c.ADDRESS,
                        links=[("关于我们", "/lxwm/"), ("网站地图", "/wzdt/"),
                               ("网站声明", "/wzsm/"), ("联系我们", "/lxwm/")])
    look = Look(name=c.PORTAL_NAME, code=PORTAL_CODE, domain=c.PORTAL_DOMAIN, home="/",
                nav=PORTAL_NAV, footer=footer, css=["/images/common.css"],
                scripts=["/images/jquery.min.js", "/images/common.js"], logo="/images/logo.png",
                search_action="/was5/web/search")
    home = ("首页", "/")
    xwdt, zwgk, hdjl = ("新闻动态", "/xwdt/"), ("政务公开", "/zwgk/"), ("互动交流", "/hdjl/")
    zjsl, bsfw = ("走进示例", "/zjsl/"), ("政务服务", "/bsfw/")

    # 要闻动态: fresh, 23 items on two list pages, an old pinned item on top.
    ywdt = Column("要闻动态", "/xwdt/ywdt/", "要闻动态", parent=xwdt)
    offsets = [1, 3, 4, 6, 8, 10, 13, 15, 17, 20, 24, 27, 31, 34, 38, 41, 45, 49, 52, 56, 60, 65]
    for i, (title, lead) in enumerate(c.NEWS[:len(offsets)]):
        day = h.ago(offsets[i])
        it = trs_item(ywdt.path, day, 5310000 + 1000 - offsets[i], c.fill(title, day, 40 - i),
                      source="示例日报", time=f"{8 + i % 9:02d}:{(i * 7) % 60:02d}",
                      body=c.paragraphs(i, lead, day, 3 + i % 2))
        if i % 3 == 0:  # a photo next to the article (served)
            it.extra = (f'<p style="text-align:center"><img src="./W0{day:%Y%m%d}{i:06d}.png" '
                        f'alt="{e(it.title)}"></p>')
            t.file(it.path.rsplit("/", 1)[0] + f"/W0{day:%Y%m%d}{i:06d}.png", PNG, "image/png")
        ywdt.items.append(it)
    broken_img = ywdt.items[3]
    broken_img.extra = ('<p style="text-align:center"><img src="./W020230415556677889900.jpg" '
                        'alt="会议现场" width="600"></p>')
    t.plant("broken_image", broken_img.path.rsplit("/", 1)[0] + "/W020230415556677889900.jpg")
    ywdt.items[9].pubdate_meta = f"{fd(h.today)} 08:00"  # regenerated page: meta is not the date
    pinned_day = h.ago(400)
    ywdt.items.append(trs_item(
        ywdt.path, pinned_day, 5310000 + 600,
        f"示例市召开{pinned_day.year}年全市经济工作会议", pinned=True, source="示例日报",
        body=c.paragraphs(7, "全面总结全年经济工作，分析当前经济形势，部署明年经济工作", pinned_day)))

    bmdt = Column("部门动态", "/xwdt/bmdt/", "要闻动态", parent=xwdt)
    for i, ((title, dept), off) in enumerate(zip(c.DEPT_NEWS, [2, 5, 9, 12, 16, 22, 28, 33, 39, 46],
                                                  strict=True)):
        day = h.ago(off)
        bmdt.items.append(trs_item(bmdt.path, day, 5320000 + 1000 - off, title, source=dept,
                                   body=c.paragraphs(i + 2, title.replace(dept, "我局"), day)))
    # Content problems a supervisor must catch (V1): a misspelt state name, a classification
    # marking left in a published document, and a hidden off-site gambling link (暗链).
    typo = bmdt.items[4]
    typo.extra = ("<p>会议强调，要严格依照《中华人民共合国政府信息公开条例》要求，"
                  "做好主动公开和依申请公开工作。</p>")
    t.plant("serious_typo", typo.path)
    secret = bmdt.items[5]
    secret.extra = '<p style="text-align:right">机密★1年</p>'
    t.plant("secret_marking", secret.path)
    hidden = bmdt.items[6]
    hidden.extra = (f'<div style="display:none"><a href="{h.x("www.xpj-yl.com/")}">'
                    "澳门新葡京娱乐城</a></div>")
    t.plant("hidden_link", hidden.path)

    # 通知公告: stale (newest older than six months), one broken attachment, one dead link.
    tzgg = Column("通知公告", "/zwgk/tzgg/", "通知公告", parent=zwgk)
    for i, off in enumerate([205, 230, 262, 290, 318, 350, 395, 440]):
        day = h.ago(off)
        title = c.fill(c.NOTICES[i], day)
        tzgg.items.append(trs_item(tzgg.path, day, 5330000 + 1000 - off, title,
                                   source=c.PORTAL_SPONSOR,
                                   body=[f"各区（县）人民政府，市级各部门，有关单位：{title.split('关于')[-1]}"
                                         "相关事项通知如下。", c.GENERIC_PARAGRAPHS[1],
                                         "特此通知。", f"{c.PORTAL_SPONSOR}", c.date_cn(day)]))
    # issue 17 (govmon/demo/posture.py): a notice filled in later under an old date
    t.plant("backdated_post", posture.backdated_notice(h, tzgg, trs_item))
    bad_att = tzgg.items[0]
    bad_att.attachments.append(Attachment("附件：报名信息汇总表.xlsx",
                                          "./W020190315401234567890.xlsx"))
    t.plant("broken_attachment", bad_att.path.rsplit("/", 1)[0] + "/W020190315401234567890.xlsx")
    good_att = tzgg.items[1]
    good_att.attachments.append(Attachment("附件：申报表.docx", "./W020240613556663716813.docx"))
    t.file(good_att.path.rsplit("/", 1)[0] + "/W020240613556663716813.docx",
           docx_bytes("申报表"), DOCX)
    deleted = "/zwgk/tzgg/201912/t20191203_3456789.html"
    tzgg.items[2].extra = f'<p>原通知：<a href="{deleted}">关于做好2019年元旦春节期间有关工作的通知</a></p>'
    t.plant("broken_internal_deleted", deleted)

    # 政策文件 with 信息公开 headers; 政策解读 linked to them (one link points at a moved file).
    zcwj = Column("政策文件", "/zwgk/zcwj/", "政策文件", parent=zwgk)
    for i, off in enumerate([20, 48, 85, 130, 190, 260]):
        day = h.ago(off)
        title, number = c.POLICIES[i]
        number = c.fill(number, day)
        it = trs_item(zcwj.path, day, 5340000 + 1000 - off, c.fill(title, day),
                      source="示例市人民政府", time="17:30",
                      body=[f"各区（县）人民政府，市级各部门：现将{c.fill(title, day)}印发给你们，"
                            "请结合实际认真贯彻执行。", c.GENERIC_PARAGRAPHS[3],
                            f"示例市人民政府 {c.date_cn(day - timedelta(days=3))}"])
        it.info = {"索 引 号": f"11519900MB0000001R/{day.year}-{12 - i:05d}", "主题分类": "综合政务",
                   "发文机关": "示例市人民政府", "成文日期": c.date_cn(day - timedelta(days=3)),
                   "发文字号": number, "发布日期": c.date_cn(day), "有 效 性": "有效"}
        zcwj.items.append(it)
    cn_att = zcwj.items[0]
    cn_att.attachments.append(Attachment("附件：重点任务分工表.docx", "./附件：重点任务分工表.docx"))
    t.file(cn_att.path.rsplit("/", 1)[0] + "/附件：重点任务分工表.docx",
           docx_bytes("重点任务分工表"), DOCX)
    t.plant("chinese_attachment", cn_att.path.rsplit("/", 1)[0] + "/附件：重点任务分工表.docx")
    zcwj.items[2].attachments.append(Attachment("附件：实施意见全文.pdf",
                                                "./W020250108334455667788.pdf"))
    t.file(zcwj.items[2].path.rsplit("/", 1)[0] + "/W020250108334455667788.pdf", PDF,
           "application/pdf")

    zcjd = Column("政策解读", "/zwgk/zcjd/", "政策解读", parent=zwgk)
    moved = "/zwgk/zcwj/202001/t20200115_2987654.html"
    for i, off in enumerate([18, 45, 80, 128]):
        day = h.ago(off)
        title, ref = c.INTERPRETATIONS[i]
        target = zcwj.items[ref]
        href = moved if i == 3 else target.path
        zcjd.items.append(trs_item(
            zcjd.path, day, 5350000 + 1000 - off, title, source="示例市发展和改革委员会",
            body=[f"一、出台背景。为深入贯彻落实国家和省有关决策部署，市政府研究制定了{target.title}。",
                  "二、主要内容。文件从优化环境、强化保障、完善机制等方面提出了具体措施。",
                  "三、政策亮点。突出问题导向和目标导向，注重可操作性。"],
            extra=f'<p class="related">相关文件：<a href="{href}">{e(target.title)}</a></p>'))
    t.plant("broken_internal_policy", moved)

    rsxx = Column("人事信息", "/zwgk/rsxx/", "人事信息", parent=zwgk)
    for i, off in enumerate([75, 140, 210, 300]):
        day = h.ago(off)
        rsxx.items.append(trs_item(rsxx.path, day, 5360000 + 1000 - off,
                                   c.fill(c.PERSONNEL[i], day), source="示例市人力资源和社会保障局",
                                   body=["经研究，决定：", "任命赵志华为示例市发展和改革委员会副主任；",
                                         "免去孙立新的示例市统计局副局长职务。"]))
    ghjh = Column("规划计划", "/zwgk/ghjh/", "规划计划", parent=zwgk)
    for i, off in enumerate([150, 330, 700]):
        day = h.ago(off)
        ghjh.items.append(trs_item(ghjh.path, day, 5370000 + 1000 - off, c.fill(c.PLANS[i], day),
                                   source="示例市发展和改革委员会",
                                   body=c.paragraphs(i, "现将有关规划计划全文公布", day)))
    bulletin = h.x(STATS_BULLETIN.lstrip("/"))
    ghjh.items[0].extra = (f'<p class="related">参考：<a href="{e(bulletin)}" target="_blank">'
                           "中华人民共和国国民经济和社会发展统计公报（PDF）</a></p>")
    czyjs = Column("财政预决算", "/zwgk/czyjs/", "财政预决算", parent=zwgk)  # blank column
    t.plant("blank_column", czyjs.path)
    t.plant("stale_column", tzgg.path)
    t.plant("fresh_column", ywdt.path)

    # 政府信息公开年报 and 网站工作年度报表, published in January.
    ndbg = Column("政府信息公开年报", "/zwgk/ndbg/", "年度报告", parent=zwgk)
    last = h.today.year if h.today >= date(h.today.year, 1, 20) else h.today.year - 1
    for k, year in enumerate((last, last - 1, last - 2)):
        pub = date(year, 1, 20)
        ndbg.items.append(trs_item(ndbg.path, pub, 5380000 + 100 + k * 2,
                                   f"示例市人民政府{year - 1}年政府信息公开工作年度报告",
                                   source=c.PORTAL_SPONSOR,
                                   body=[f"本报告根据《中华人民共和国政府信息公开条例》要求编制，"
                                         f"所列数据统计期限自{year - 1}年1月1日起至{year - 1}年12月31日止。",
                                         # the year due lacks one section (issue 16)
                                         *(s for s in governance.SECTIONS
                                           if k or not s.startswith("五"))]))
        ndbg.items.append(trs_item(ndbg.path, pub + timedelta(days=5), 5380000 + 101 + k * 2,
                                   f"示例市人民政府门户网站{year - 1}年工作年度报表",
                                   source=c.PORTAL_SPONSOR,
                                   body=["网站名称：示例市人民政府", f"网站标识码：{PORTAL_CODE}",
                                         f"ICP备案号：{c.ICP}-1"]))

    # issue 16: 依申请公开 / 手机版 / 政务微博 entries and the 网站工作年度报表 in the footer
    governance.add_portal_entries(t, h, look, ndbg)

    for col in (ywdt, bmdt):
        publish_trs(t, look, col, home)
    # 图片新闻: the list page is an empty shell its script fills from a JSON endpoint (dates
    # in epoch milliseconds, two pages) — read through crawler/jsonlists.py; fresh.
    tpxw = Column("图片新闻", "/xwdt/tpxw/", "要闻动态", parent=xwdt, per_page=6)
    tpxw.items = [it for i, it in enumerate(ywdt.items[:len(offsets)]) if i % 3 == 0]
    _json_column(t, look, tpxw, [home, xwdt, ("图片新闻", None)], "/interface/pic/list.do", 5331)
    t.plant("json_column", tpxw.path)
    publish_trs(t, look, tzgg, home)
    publish_trs(t, look, zcwj, home, date_fmt="{y}年{m:02d}月{d:02d}日")
    for col in (zcjd, rsxx, ghjh, czyjs, ndbg):
        publish_trs(t, look, col, home)

    # 走进示例: single pages and 领导信息.
    sqgk = single_column("市情概况", "/zjsl/sqgk/", "概况信息", zjsl)
    t.directory(sqgk.path, p.simple_page(look, "市情概况", (
        "<p>示例市位于示例省东北部，辖3区2县和1个国家级高新技术产业开发区，总面积7864平方公里，"
        "常住人口286.5万人。</p><p>示例市历史悠久，文化底蕴深厚，是省级历史文化名城。</p>"),
        [home, zjsl, ("市情概况", None)], sqgk))
    jggk = single_column("机构概况", "/zjsl/jggk/", "机构职能", zjsl)
    dept_links = {"市发展和改革委员会": h.drc + "/", "市教育局": "/jyj/", "市统计局": h.stats + "/",
                  "市文化广电旅游局": "/wlj/"}  # issue 16: a site showing another's code
    rows = "".join(f'<li><a href="{e(dept_links[d])}" target="_blank">{d}</a></li>'
                   if d in dept_links else f"<li>{d}</li>" for d in c.DEPARTMENTS)
    t.directory(jggk.path, p.simple_page(
        look, "机构概况", "<p>示例市人民政府设工作部门24个，直属特设机构1个，直属事业单位6个。</p>"
        f'<ul class="jg-list">{rows}</ul>', [home, zjsl, ("机构概况", None)], jggk))
    ldxx = Column("领导信息", "/zjsl/ldxx/", "领导信息", parent=zjsl, per_page=20)
    for i, (name, post, duty) in enumerate(c.LEADERS):
        day = h.ago(420 + 3 * i)
        it = trs_item(ldxx.path, day, 5000001 + i, f"{name} {post}", source=c.PORTAL_SPONSOR,
                      body=[f"{name}，男，汉族，1970年生，研究生学历，现任{post}。" if i % 2 == 0
                            else f"{name}，女，汉族，1972年生，大学学历，现任{post}。",
                            f"工作分工：{duty}"])
        photo = f"W0{day:%Y%m%d}{i:06d}.png"
        it.extra = f'<p class="ld-photo"><img src="./{photo}" alt="{name}"></p>'
        t.file(it.path.rsplit("/", 1)[0] + "/" + photo, PNG, "image/png")
        ldxx.items.append(it)
    ld_rows = "".join(f'<li><a href="{e(it.path)}">{e(it.title)}</a></li>' for it in ldxx.items)
    t.directory(ldxx.path, p.trs_document(look, title="领导信息", column=ldxx,
                                          crumbs=[home, zjsl, ("领导信息", None)],
                                          main=f'<div class="ld-list"><ul>{ld_rows}</ul></div>'))
    for it in ldxx.items:
        t.page(it.path, p.trs_article(look, ldxx, it, [home, zjsl, ("领导信息", ldxx.path),
                                                        ("正文", None)]))

    # 互动交流: 政务咨询 (one unanswered for months, one answered slowly), 市长信箱, 调查征集.
    board_paths = _mailbox(t, look, h, "政务咨询", "/hdjl/zwzx/", c.CONSULT, "ZX", [home, hdjl])
    t.plant("mailbox", "/hdjl/zwzx/")
    t.plant("mailbox_unanswered", board_paths["关于农村宅基地确权登记的咨询"])
    t.plant("mailbox_slow_reply", board_paths["关于青山区滨河路路灯长期不亮的反映"])
    _mailbox(t, look, h, "市长信箱", "/hdjl/szxx/", c.MAYOR_MAIL, "SZ", [home, hdjl])
    dczj = Column("调查征集", "/hdjl/dczj/", "调查征集", parent=hdjl)
    surveys = []
    for i, (title, start_off, length, has_result) in enumerate(c.SURVEYS):
        start = h.ago(start_off)
        path, _ = _trs_paths(dczj.path, start, 5390000 + 1000 - start_off)
        s = Survey(title=c.fill(title, start), start=start, end=start + timedelta(days=length),
                   path=path, today=h.today)
        if has_result and s.end < h.today:
            s.result_path = path.replace(".html", "_1.html")
            t.page(s.result_path, p.trs_document(
                look, title="意见采纳情况反馈", main=p.survey_result(s, 40 + 7 * i, 6 + i),
                crumbs=[home, hdjl, ("调查征集", dczj.path), ("结果反馈", None)], column=dczj))
        t.page(path, p.trs_document(look, title=s.title, main=p.survey_detail(s, c.PORTAL_SPONSOR),
                                    crumbs=[home, hdjl, ("调查征集", dczj.path), ("正文", None)],
                                    column=dczj))
        surveys.append(s)
    t.directory(dczj.path, p.trs_document(look, title="调查征集", main=p.survey_list("调查征集", surveys),
                                          crumbs=[home, hdjl, ("调查征集", None)], column=dczj))
    t.plant("survey", dczj.path)

    # 政务服务: 办事指南 (one guide lacks four element classes).
    bszn = Column("办事指南", "/bsfw/bszn/", "办事服务", parent=bsfw)
    guide_rows = []
    for i, (name, unit, missing) in enumerate(c.GUIDES):
        path = f"/bsfw/bszn/bszn_{1001 + i}.html"
        form = None
        if i == 0:
            form = "./W020240310556677001122.docx"
            t.file("/bsfw/bszn/W020240310556677001122.docx", docx_bytes(f"{name}申请表"), DOCX)
        t.page(path, p.trs_document(look, title=f"{name}办事指南", column=bszn,
                                    main=p.guide_detail(name, unit, c.GUIDE_TEXT, missing,
                                                        c.GUIDE_ELEMENTS, form),
                                    crumbs=[home, bsfw, ("办事指南", bszn.path), ("正文", None)]))
        guide_rows.append(f'<li><a href="{path}">{e(name)}</a><span>{e(unit)}</span></li>')
    t.directory(bszn.path, p.trs_document(
        look, title="办事指南", column=bszn, crumbs=[home, bsfw, ("办事指南", None)],
        main=f'<div class="column-box"><h2>办事指南</h2><ul class="list">{"".join(guide_rows)}</ul>'
             "</div>"))
    t.plant("guide_incomplete", "/bsfw/bszn/bszn_1003.html")

    # Channel pages.
    t.directory("/xwdt/", p.trs_channel(look, "新闻动态", [(ywdt, ywdt.path), (bmdt, bmdt.path),
                                                          (tpxw, tpxw.path)],
                                        [home, ("新闻动态", None)]))
    t.directory("/zwgk/", p.trs_channel(look, "政务公开", [(col, col.path) for col in (
        tzgg, zcwj, zcjd, rsxx, ghjh, czyjs, ndbg)], [home, ("政务公开", None)]))
    t.directory("/zjsl/", p.trs_document(look, title="走进示例", crumbs=[home, ("走进示例", None)],
                                         main='<ul class="channel-list"><li><a href="/zjsl/sqgk/">市情概况'
                                              '</a></li><li><a href="/zjsl/jggk/">机构概况</a></li>'
                                              '<li><a href="/zjsl/ldxx/">领导信息</a></li></ul>'))
    t.directory("/hdjl/", p.trs_document(look, title="互动交流", crumbs=[home, ("互动交流", None)],
                                         main='<ul class="channel-list"><li><a href="/hdjl/szxx/">市长信箱'
                                              '</a></li><li><a href="/hdjl/zwzx/">政务咨询</a></li>'
                                              '<li><a href="/hdjl/dczj/">调查征集</a></li></ul>'))
    t.directory("/bsfw/", p.trs_document(look, title="政务服务", crumbs=[home, ("政务服务", None)],
                                         main='<ul class="channel-list"><li><a href="/bsfw/bszn/">办事指南'
                                              f'</a></li><li><a href="{h.x("zwfw.sc.gov.cn/")}">'
                                              "示例省政务服务网</a></li></ul>"))

    # 专题专栏: a topic under a Chinese path, a dead topic answering 200 (soft 404),
    # and the annual report reached through a redirect chain.
    topic = "/ztzl/优化营商环境/"
    topic_items = [zcwj.items[0], zcjd.items[0], ywdt.items[7]]
    t.directory(topic, p.trs_document(
        look, title="优化营商环境", crumbs=[home, ("专题专栏", "/ztzl/"), ("优化营商环境", None)],
        main='<div class="zt-banner"><img src="/images/zt_yshj.png" alt="优化营商环境"></div>'
             f'<ul class="list">{p.trs_rows(topic_items, absolute=True)}</ul>'))
    t.file("/images/zt_yshj.png", PNG, "image/png")
    t.plant("chinese_path", topic)
    t.page("/ztzl/qlsl/", p.soft404_page(c.PORTAL_NAME, "/"))
    t.plant("soft404", "/ztzl/qlsl/")
    t.redirect("/xxgk/ndbg.jsp", 302, "/zwgk/ndbg")
    t.redirect("/zwgk/ndbg", 301, "/zwgk/ndbg/")
    t.plant("redirect_chain_internal", "/xxgk/ndbg.jsp")
    t.directory("/ztzl/", p.trs_document(
        look, title="专题专栏", crumbs=[home, ("专题专栏", None)],
        main=f'<ul class="zt-list"><li><a href="{e(topic)}">优化营商环境</a></li>'
             '<li><a href="/ztzl/qlsl/">清廉示例</a></li>'
             '<li><a href="/xxgk/ndbg.jsp">政府信息公开年报</a></li></ul>'))

    # Site furniture.
    sitemap = "".join(f'<li><a href="{e(href)}">{e(name)}</a></li>' for name, href in [
        ("要闻动态", ywdt.path), ("部门动态", bmdt.path), ("图片新闻", tpxw.path),
        ("通知公告", tzgg.path),
        ("政策文件", zcwj.path), ("政策解读", zcjd.path), ("人事信息", rsxx.path),
        ("规划计划", ghjh.path), ("财政预决算", czyjs.path), ("政府信息公开年报", ndbg.path),
        ("市情概况", sqgk.path), ("机构概况", jggk.path), ("领导信息", ldxx.path),
        ("市长信箱", "/hdjl/szxx/"), ("政务咨询", "/hdjl/zwzx/"), ("调查征集", dczj.path),
        ("办事指南", bszn.path)])
    t.directory("/wzdt/", p.simple_page(look, "网站地图", f'<ul class="sitemap">{sitemap}</ul>',
                                        [home, ("网站地图", None)]))
    t.directory("/lxwm/", p.simple_page(
        look, "联系我们", f"<p>主办单位：{c.PORTAL_SPONSOR}</p><p>地址：{c.ADDRESS}</p>"
        f"<p>邮编：519900</p><p>联系电话：{c.PHONE}</p><p>电子邮箱：szfb@shili.gov.cn</p>",
        [home, ("联系我们", None)]))
    t.directory("/wzsm/", p.simple_page(
        look, "网站声明", "<p>本网站所载内容，未经授权不得转载。转载请注明来源。</p>",
        [home, ("网站声明", None)]))
    t.page("/was5/web/search", p.simple_page(look, "检索结果", "<p>请输入检索词。</p>",
                                             [home, ("站内搜索", None)]))
    adv = "/was5/web/search?channelid=200001&templet=advsch.jsp"
    t.page(adv, p.simple_page(look, "高级检索", "<p>高级检索</p>", [home, ("高级检索", None)]))
    t.plant("robots_disallowed", adv)
    t.file("/robots.txt", "User-agent: *\nDisallow: /was5/\n", "text/plain")
    t.file("/images/common.css", CSS, "text/css")
    t.file("/images/jquery.min.js", "/*! jQuery v1.12.4 (stub) */\n", "application/javascript")
    t.file("/images/common.js", JS, "application/javascript")
    t.file("/images/logo.png", PNG, "image/png")
    t.file("/images/banner_2026.png", PNG, "image/png")
    t.file("/favicon.ico", PNG, "image/x-icon")
    t.plant("broken_internal_home", "/hdjl/wsxf/")

    t.page("/", _portal_home(look, h, ywdt, bmdt, tzgg, zcwj, zcjd, topic))
    # issue 17 (govmon/demo/posture.py): personal data, a recycled post, an old jQuery,
    # an intranet address, the 无障碍 entrance
    posture.add_portal(t, h, look, lambda lk, title, main: p.trs_document(
        lk, title=title, main=main, crumbs=[home, (title, None)]))
    return t


def _json_column(t: RouteTable, look: Look, col: Column, crumbs: list, api: str,
                 column_id: int) -> None:
    """A column whose list page is a shell: its script loads the rows from ``api`` (JSON,
    ``docRelTime`` in epoch milliseconds, ``pageIndex`` paging announced by ``totalPage``)."""
    script = (f"var columnId = {column_id};\n$(function () {{\n  $.ajax({{url: \"{api}\", "
              f"type: \"get\", dataType: \"json\",\n    data: {{columnId: columnId, pageIndex: 1, "
              f"pageSize: {col.per_page}}},\n    success: function (res) {{ renderList(res.data); }}"
              "\n  });\n});")
    main = (f'<div class="list-box"><h2 class="list-title">{e(col.name)}</h2><ul class="pic-list" '
            'id="picList"><li class="loading">正在加载…</li></ul><div class="page" id="pager">'
            f'</div></div><script type="text/javascript">\n{script}\n</script>')
    t.directory(col.path, p.trs_document(look, title=col.name, main=main, crumbs=crumbs,
                                         column=col))
    ordered = [i for page in col.pages() for i in page]
    china = timezone(timedelta(hours=8))

    def answer(method: str, raw: str) -> Route:  # noqa: ARG001
        q = {k: v[0] for k, v in parse_qs(urlsplit(raw).query).items()}
        if q.get("columnId") != str(column_id):
            body = {"code": "1", "msg": "栏目不存在", "data": None}
        else:
            n, size = int(q.get("pageIndex") or 1), int(q.get("pageSize") or col.per_page)
            rows = [{"docId": int(it.path.rsplit("_", 1)[1].split(".")[0]), "docTitle": it.title,
                     "docPubUrl": it.path,
                     "docRelTime": int(datetime.combine(it.day, time.fromisoformat(it.time),
                                                        china).timestamp() * 1000)}
                    for it in ordered[(n - 1) * size:n * size]]
            body = {"code": "0", "msg": "成功", "data": {
                "pageIndex": n, "pageSize": size, "total": len(ordered),
                "totalPage": -(-len(ordered) // size), "list": rows}}
        return Route(body=json.dumps(body, ensure_ascii=False),
                     content_type="application/json;charset=UTF-8")

    t.prefix(api, answer)


def _trs_paths(col_path: str, day: date, docid: int) -> tuple[str, str]:
    it = trs_item(col_path, day, docid, "")
    return it.path, it.link


def _mailbox(t: RouteTable, look: Look, h: Hosts, name: str, path: str, rows: list[tuple],
             prefix: str, trail: list) -> dict[str, str]:
    """A message board (list + ``?pageIndex=2`` + detail pages); returns title -> detail path."""
    col = Column(name, path, "互动交流", parent=trail[-1])
    msgs = []
    for i, (title, unit, question, answer, off, reply_after, status) in enumerate(rows):
        submitted = h.ago(off)
        replied = submitted + timedelta(days=reply_after) if reply_after is not None else None
        no = f"{prefix}{submitted:%Y%m%d}{i + 1:04d}"
        msgs.append(Message(no=no, title=title, unit=unit, question=question, answer=answer,
                            submitted=submitted, replied=replied, status=status,
                            path=f"{path}detail.html?id={no}"))
    msgs.sort(key=lambda m: m.submitted, reverse=True)
    answered = sum(1 for m in msgs if m.replied)
    stats = (f'<p class="mail-stats">近一年共收到来信{len(msgs)}件，已答复{answered}件，'
             f"正在办理{len(msgs) - answered}件。</p>")
    per = 10
    chunks = [msgs[i:i + per] for i in range(0, len(msgs), per)]
    for n, chunk in enumerate(chunks, 1):
        pager = ['<div class="page">']
        if n > 1:
            pager.append('<a href="./">首页</a> <a href="./">上一页</a>' if n == 2 else
                         f'<a href="index.html?pageIndex={n - 1}">上一页</a>')
        if n < len(chunks):
            pager.append(f'<a href="index.html?pageIndex={n + 1}">下一页</a>')
        pager.append(f"共{len(chunks)}页</div>")
        html = p.trs_document(look, title=name, column=col, crumbs=trail + [(name, None)],
                              main=p.mailbox_board(name, chunk, " ".join(pager), stats))
        if n == 1:
            t.directory(path, html)
        else:
            t.page(f"{path}index.html?pageIndex={n}", html)
    for m in msgs:
        t.page(m.path, p.trs_document(look, title=m.title, main=p.mailbox_detail(m), column=col,
                                      crumbs=trail + [(name, path), ("信件详情", None)]))
    return {m.title: m.path for m in msgs}


def _portal_home(look: Look, h: Hosts, ywdt: Column, bmdt: Column, tzgg: Column, zcwj: Column,
                 zcjd: Column, topic: str) -> str:
    head = ywdt.newest(1)[0]
    headline = (f'<div class="toutiao"><a href="{e(head.path)}"><img src="/images/banner_2026.png" '
                f'alt="{e(head.title)}"></a><h2><a href="{e(head.path)}">{e(head.title)}</a></h2>'
                f"<p>{e(head.body[0][:60])}…</p></div>")
    boxes = "".join([
        home_box("要闻动态", ywdt.path, ywdt.newest(7)),
        home_box("部门动态", bmdt.path, bmdt.newest(5)),
        home_box("通知公告", tzgg.path, tzgg.newest(5), "{y}-{m:02d}-{d:02d}"),
        home_box("政策文件", zcwj.path, zcwj.newest(4), "{y}-{m:02d}-{d:02d}"),
        home_box("政策解读", zcjd.path, zcjd.newest(4), "{y}-{m:02d}-{d:02d}"),
    ])
    hudong = ('<div class="box hudong"><h3>互动交流</h3><ul>'
              '<li><a href="/hdjl/szxx/">市长信箱</a></li><li><a href="/hdjl/zwzx/">政务咨询</a></li>'
              '<li><a href="/hdjl/dczj/">调查征集</a></li><li><a href="/hdjl/wsxf/">网上信访</a></li>'
              "</ul></div>")
    service = ('<div class="box fuwu"><h3>政务服务</h3><ul><li><a href="/bsfw/bszn/">办事指南</a>'
               f'</li><li><a href="{h.x("zwfw.sc.gov.cn/")}" target="_blank">示例省政务服务网</a>'
               "</li></ul></div>")
    zt = (f'<div class="box zt"><h3>专题专栏</h3><ul><li><a href="{e(topic)}">优化营商环境</a></li>'
          '<li><a href="/ztzl/qlsl/">清廉示例</a></li><li><a href="/xxgk/ndbg.jsp">政府信息公开年报'
          '</a></li></ul><p class="adv"><a href="/was5/web/search?channelid=200001&amp;'
          'templet=advsch.jsp">高级检索</a></p></div>')
    depts = [("示例市教育局", "/jyj/"), ("示例高新区管委会", h.zone + "/"),
             ("示例市发展和改革委员会", h.drc + "/"), ("示例市统计局", h.stats + "/")]
    dept = ('<div class="box bmwz"><h3>部门网站</h3><ul>' + "".join(
        f'<li><a href="{e(u)}" target="_blank">{e(n)}</a></li>' for n, u in depts) + "</ul></div>")
    friends = [("中国政府网", h.x("www.gov.cn/")), ("示例省人民政府", h.x("www.sc.gov.cn/")),
               ("国家统计局", h.x("www.stats.gov.cn/")),
               ("示例市政务服务网", h.x("zwfw.shili.gov.cn/")),
               ("示例市人力资源和社会保障局", h.x("rsj.shili.gov.cn/")),
               # a lapsed domain of a former partner, now a gambling site (外链变异)
               ("示例市信息化协会", h.x("www.slxxh.org.cn/"))]
    links = ('<div class="yqlj"><span>友情链接：</span>' + " ".join(
        f'<a href="{e(u)}" target="_blank">{e(n)}</a>' for n, u in friends) + "</div>")
    main = f'<div class="home">{headline}{boxes}{hudong}{service}{zt}{dept}{links}</div>'
    return p.trs_document(look, title=c.PORTAL_NAME, main=main)


# == education bureau: a TRS sub-site under the portal's host (/jyj/) =================
def build_education(h: Hosts) -> RouteTable:
    t = RouteTable()
    base = "/jyj/"
    nav = [("首页", base), ("教育动态", base + "jydt/"), ("通知公告", base + "tzgg/"),
           ("政策文件", base + "zcwj/"), ("招生考试", base + "zsks/"), ("信息公开", base + "xxgk/"),
           ("机构职能", base + "jgzn/"), ("政务咨询", "/hdjl/zwzx/"), ("市政府门户", "/")]
    # The bureau answers citizens through the portal's unified 政务咨询 board (集约化).
    footer = gov_footer(h, sponsor="示例市教育局", code=EDU_CODE, icp_suffix=3,
                        phone="0899-12345688", address="示例市青山区文教路18号",
                        links=[("网站地图", base + "jgzn/"), ("联系我们", base + "jgzn/")])
    # The sub-site's template was copied from the portal: its SiteIDCode meta is the portal's.
    look = Look(name="示例市教育局", code=EDU_CODE, meta_code=PORTAL_CODE, domain=c.PORTAL_DOMAIN,
                home=base, nav=nav, footer=footer, css=["/images/common.css"],
                scripts=["/images/jquery.min.js"], logo="/jyj/images/logo_jyj.png")
    t.file("/jyj/images/logo_jyj.png", PNG, "image/png")
    t.plant("site_code_meta_mismatch", base)
    t.plant("broken_nav", base + "xxgk/")
    home = ("首页", base)
    specs = [
        ("教育动态", "jydt/", "要闻动态", c.EDU_NEWS, [20, 26, 33, 41, 50, 62, 75, 90], 5410000),
        ("通知公告", "tzgg/", "通知公告", c.EDU_NOTICES, [45, 70, 110, 160, 220, 300], 5420000),
        ("政策文件", "zcwj/", "政策文件", c.EDU_POLICIES, [60, 150, 240, 400], 5430000),
        ("招生考试", "zsks/", "招生考试", c.EDU_EXAMS, [25, 80, 140, 210, 330], 5440000),
    ]
    cols = []
    for name, sub, kind, titles, offsets, docbase in specs:
        col = Column(name, base + sub, kind)
        for i, off in enumerate(offsets):
            day = h.ago(off)
            title = c.fill(titles[i], day)
            col.items.append(trs_item(col.path, day, docbase + 1000 - off, title,
                                      source="示例市教育局",
                                      body=c.paragraphs(i + 1, f"{title.rstrip('。')}", day)))
        publish_trs(t, look, col, home, brackets=True,
                    byline=lambda it: f"发布日期：{it.day.year}年{it.day.month:02d}月{it.day.day:02d}日")
        cols.append(col)
    t.directory(base + "jgzn/", p.simple_page(
        look, "机构职能", "<p>主要职责：贯彻执行国家和省的教育方针、政策和法律法规，"
        "拟订全市教育发展规划并组织实施。</p><p>内设机构：办公室、基础教育科、职业教育科、"
        "招生考试科、学生资助管理中心。</p>", [home, ("机构职能", None)]))
    boxes = "".join(home_box(col.name, col.path, col.newest(5), "[{y}-{m:02d}-{d:02d}]")
                    for col in cols)
    main = (f'<div class="home"><div class="banner"><img src="/jyj/images/logo_jyj.png" '
            f'alt="示例市教育局"></div>{boxes}</div>')
    t.page(base, p.trs_document(look, title="示例市教育局", main=main))
    return t


# == high-tech zone: a Hanweb JCMS sub-site on its own address =========================
ZONE_WEBID = 3
ZONE_COLUMNS = [  # (column id, name, class, titles, offsets)
    (1234, "园区动态", "要闻动态", c.ZONE_NEWS,
     [2, 4, 7, 9, 12, 15, 19, 23, 27, 31, 36, 42, 48, 55, 61, 70, 78, 90]),
    (1235, "通知公告", "通知公告", c.ZONE_NOTICES, [10, 38, 75, 120, 170, 230, 300]),
    (1236, "政策文件", "政策文件", c.ZONE_POLICIES, [30, 95, 180, 260, 380]),
    (1237, "招商引资", "招商引资", c.ZONE_INVEST, [14, 60, 140, 250]),
]


def build_zone(h: Hosts) -> RouteTable:
    t = RouteTable()
    name = "示例高新技术产业开发区管理委员会"
    site = "/jcms_files/jcms1/web3/site"
    nav = [("首页", "/index.html")] + [(n, f"/col/col{cid}/index.html")
                                      for cid, n, *_ in ZONE_COLUMNS] + [
        ("机构概况", "/col/col1238/index.html")]
    footer = gov_footer(h, sponsor=name, code=ZONE_CODE, icp_suffix=4, phone="0899-12345699",
                        address="示例市高新区创新大道66号")
    look = Look(name=name, code=ZONE_CODE, domain="gxq.shili.gov.cn", home="/index.html", nav=nav,
                footer=footer, css=[f"{site}/css/style.css"],
                scripts=[f"{site}/script/jquery.min.js"], logo=f"{site}/images/logo.png",
                generator="大汉版通")
    footer_js = "/script/0/2301051622457568.js"
    shell = {"footer_script": footer_js, "hanweb_url": h.x("www.hanweb.com/")}

    def doc(title: str, main: str, crumbs: list | None = None, column: Column | None = None,
            item: Item | None = None, column_id: int = 0) -> str:
        return p.hanweb_document(look, title=title, main=main, crumbs=crumbs, column=column,
                                 item=item, visit_iframe=f"/module/visitcount/visit.jsp?type=3"
                                 f"&i_webid={ZONE_WEBID}&i_columnid={column_id}", **shell)

    cols: dict[int, Column] = {}
    ids: dict[str, tuple[int, int]] = {}  # article path -> (column id, article id)
    home = ("首页", "/index.html")
    for cid, cname, kind, titles, offsets in ZONE_COLUMNS:
        col = Column(cname, f"/col/col{cid}/index.html", kind, per_page=15)
        for i, off in enumerate(offsets):
            day = h.ago(off)
            aid = 56000 + cid % 100 * 1000 + 1000 - off
            it = Item(title=c.fill(titles[i], day), day=day,
                      path=f"/art/{day.year}/{day.month}/{day.day}/art_{cid}_{aid}.html",
                      time=f"{9 + i % 8:02d}:30", source="示例高新区管委会办公室",
                      body=c.paragraphs(i, c.fill(titles[i], day), day))
            col.items.append(it)
            ids[it.path] = (cid, aid)
        cols[cid] = col
    # The newest news article links an article that was deleted.
    dead = "/art/2025/6/8/art_1235_40001.html"
    cols[1234].newest(1)[0].extra = (f'<p class="xglj">相关链接：<a href="{dead}">'
                                     "关于开展企业安全生产大检查的通知</a></p>")
    for cid, col in cols.items():
        for it in col.items:
            t.page(it.path, doc(it.title, p.hanweb_article_main(it, *ids[it.path]),
                                [home, (col.name, col.path), ("正文", None)], col, it, cid))
        t.page(col.path, doc(col.name, p.hanweb_list_main(col, cid, 5678 + cid % 100, ZONE_WEBID,
                                                          "示例高新区"),
                             [home, (col.name, None)], col, column_id=cid))
    t.plant("broken_internal", dead)
    t.plant("datastore_column", cols[1234].path)
    t.page("/col/col1238/index.html", doc("机构概况", (
        '<div class="article"><h1 class="title">机构概况</h1><div id="zoom">'
        "<p>示例高新技术产业开发区于2012年经国务院批准升级为国家级高新技术产业开发区，"
        "规划面积52平方公里。</p><p>管委会内设党政办公室、经济发展局、科技创新局、"
        "规划建设局、企业服务中心。</p></div></div>"), [home, ("机构概况", None)], column_id=1238))

    boxes = "".join(
        f'<div class="box"><div class="box-title"><h3>{e(col.name)}</h3><a class="more" '
        f'href="{col.path}">更多</a></div><ul>' + "".join(
            f'<li><a href="{e(it.path)}" target="_blank" title="{e(it.title)}">{e(it.title)}</a>'
            f"<span>{fd(it.day)}</span></li>" for it in col.newest(n)) + "</ul></div>"
        for col, n in ((cols[1234], 6), (cols[1235], 5), (cols[1236], 4)))
    home_html = doc(name, f'<div class="home"><div class="banner"><img src="{site}/images/banner.png" '
                          f'alt="{name}"></div>{boxes}<div class="back"><a href="{h.portal}/">'
                          "示例市人民政府</a></div></div>")
    t.page("/", home_html)
    t.page("/index.html", home_html)

    f = footer
    footer_lines = [
        '<div class="footer">',
        f"<p>主办单位：{f.sponsor}&nbsp;&nbsp;地址：{f.address}&nbsp;&nbsp;联系电话：{f.phone}</p>",
        f'<p>网站标识码：{ZONE_CODE}&nbsp;&nbsp;<a href="{f.icp_url}" target="_blank">{f.icp}</a>'
        f'&nbsp;&nbsp;<a href="{f.psb_url}" target="_blank">川公网安备 {c.PSB}号</a></p>',
        f'<p><a href="{f.conac_url}" target="_blank"><img src="{f.conac_img}" alt="党政机关"></a></p>',
        "</div>",
    ]
    t.file(footer_js, "".join(f'document.writeln("{line.replace(chr(34), chr(92) + chr(34))}");\n'
                              for line in footer_lines), "application/javascript; charset=utf-8")
    t.file(f"{site}/css/style.css", CSS, "text/css")
    t.file(f"{site}/script/jquery.min.js", "/*! jQuery (stub) */\n", "application/javascript")
    t.file(f"{site}/images/logo.png", PNG, "image/png")
    t.file(f"{site}/images/banner.png", PNG, "image/png")
    t.file("/module/jslib/jquery/jpage/dataproxy.js", "/* jpage */\n", "application/javascript")

    def proxy(method: str, raw: str) -> Route | None:  # noqa: ARG001
        q = {k: v[0] for k, v in parse_qs(urlsplit(raw).query).items()}
        col = cols.get(int(q.get("columnid", "0") or 0))
        if col is None:
            return Route(body='<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>0'
                              "</totalrecord></datastore>", content_type="text/xml; charset=utf-8")
        ordered = [i for page in col.pages() for i in page]
        if "startrecord" in q:
            start, end = int(q["startrecord"]), int(q.get("endrecord", q["startrecord"]))
            chunk = ordered[start - 1:end]
        else:
            n = int(q.get("page", "1") or 1)
            chunk = ordered[(n - 1) * col.per_page:n * col.per_page]
        return Route(body=p.hanweb_proxy_answer(chunk, len(ordered), len(col.pages())),
                     content_type="text/xml; charset=utf-8")

    t.prefix("/module/web/jpage/dataproxy.jsp", proxy)
    t.prefix("/module/visitcount/visit.jsp", lambda m, r: Route(
        body="<html><body><script>document.write('访问量：1283467');</script></body></html>"))
    t.prefix("/module/visitcount/articlehits.jsp", lambda m, r: Route(
        body="document.write('386');", content_type="application/javascript"))
    return t


# == development and reform commission: an old ASP-style site served in GBK ===========
DRC_CLASSES = [  # (classid, name, class, titles, offsets)
    (1, "工作动态", "要闻动态", c.DRC_NEWS, [2, 6, 11, 17, 24, 30, 38, 47, 56, 66, 77, 89]),
    (2, "通知公告", "通知公告", c.DRC_NOTICES, [35, 120, 200, 320]),
    (3, "政策法规", "政策文件", c.DRC_POLICIES, [90, 260, 500]),
    (4, "价格信息", "价格信息", None, [8, 38, 69, 99, 130]),
]


def build_drc(h: Hosts) -> RouteTable:
    t = RouteTable(charset="gbk")
    name = "示例市发展和改革委员会"
    nav = [("首页", "/")] + [(n, f"/list.asp?classid={cid}") for cid, n, *_ in DRC_CLASSES] + [
        ("粮食流通", "/list.asp?classid=9"),  # column removed after the institutional reform
        ("政务咨询", h.portal + "/hdjl/zwzx/"),  # the portal's unified board
        ("市政府门户", h.portal + "/")]
    footer = Footer(
        sponsor=name, site_code=DRC_CODE, icp=f"{c.ICP}-5", icp_url=h.x("beian.miit.gov.cn/"),
        psb=None, conac_url=None, conac_img=None, jiucuo_script=None,
        jiucuo_link=h.x(f"zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={DRC_CODE}"
                        f"&url={h.drc}/"),
        phone="0899-12345601", address="示例市青山区政务路1号市政府3号楼")
    look = Look(name=name, code=DRC_CODE, domain="fgw.shili.gov.cn", home="/", nav=nav,
                footer=footer, css=["/css/style.css"], logo="/images/top.jpg", charset="gbk",
                banner="今天是：2019年3月5日 星期二")  # frozen date widget: not a publish date
    t.plant("broken_internal", "/list.asp?classid=9")
    home = ("首页", "/")
    cols: list[Column] = []
    next_id = 2100
    for cid, cname, kind, titles, offsets in DRC_CLASSES:
        col = Column(cname, f"/list.asp?classid={cid}", kind, per_page=10)
        for i, off in enumerate(offsets):
            day = h.ago(off)
            title = (c.fill(titles[i], day) if titles else
                     f"示例市{day.year}年{day.month}月上旬主要农副产品价格监测情况")
            next_id += 1
            col.items.append(Item(title=title, day=day, path=f"/show.asp?id={next_id}",
                                  time=f"{9 + i % 8:02d}:{(i * 13) % 60:02d}", source=name,
                                  body=c.paragraphs(i + 3, title, day)))
        pages = col.pages()
        for n in range(1, len(pages) + 1):
            html = p.legacy_document(look, title=cname, crumbs=[home, (cname, None)],
                                     main=p.legacy_list_main(
                                         col, n, lambda k, cid=cid: f"/list.asp?classid={cid}"
                                                                    + (f"&page={k}" if k > 1 else "")))
            t.page(col.path if n == 1 else f"{col.path}&page={n}", html)
        for i, it in enumerate(col.items):
            t.page(it.path, p.legacy_document(
                look, title=it.title, crumbs=[home, (cname, col.path), ("正文", None)],
                main=p.legacy_article_main(it, 300 + 17 * i)))
        cols.append(col)
    t.plant("gbk_article", cols[0].newest(1)[0].path)

    def box(col: Column, n: int, year: bool) -> str:
        return (f'<table class="box" width="100%"><tr><td colspan="3" class="btitle">{e(col.name)}'
                f'<a href="{e(col.path)}">更多</a></td></tr>{p.legacy_rows(col.newest(n), year)}'
                "</table>")

    # Year-less [MM-DD] only where every item is recent (older ones would read as this year).
    main = (box(cols[0], 8, False) + box(cols[1], 4, True) + box(cols[2], 3, True)
            + box(cols[3], 3, False))
    t.page("/", p.legacy_document(look, title=name, main=main))
    t.file("/css/style.css", CSS, "text/css")
    t.file("/images/top.jpg", PNG, "image/png")
    t.file("/images/dot.gif", GIF, "image/gif")
    return t


# == the outside world: other government sites and identifier services ================
def _plain(title: str, text: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(title)}</title></head>'
            f"<body><h1>{e(title)}</h1><p>{e(text)}</p></body></html>")


def build_external(h: Hosts) -> RouteTable:
    """Stand-ins for hosts outside the cluster, each under ``/<real host name>/``."""
    t = RouteTable()
    for path, title in [("/www.gov.cn/", "中国政府网"), ("/www.sc.gov.cn/", "示例省人民政府"),
                        ("/zwfw.sc.gov.cn/", "示例省政务服务网"), ("/beian.miit.gov.cn/",
                                                                   "ICP/IP地址/域名信息备案管理系统"),
                        ("/www.hanweb.com/", "大汉网络")]:
        t.page(path, _plain(title, "（模拟的外部网站）"))
    t.plant("ok", "/www.gov.cn/")
    # HEAD refused, GET fine (many government firewalls do this).
    t.routes["/www.stats.gov.cn/"] = Route(body=_plain("国家统计局", "（模拟的外部网站）"),
                                           head_status=405)
    t.plant("head_refused", "/www.stats.gov.cn/")
    # An attachment behind the same firewall: verified by HEAD first, then GET.
    t.routes[STATS_BULLETIN] = Route(body=PDF, content_type="application/pdf", head_status=405)
    t.plant("attachment_head_refused", STATS_BULLETIN)
    # A link to a retired site: 404.
    t.page("/zwfw.shili.gov.cn/", _plain("404 Not Found", "nginx"), status=404)
    t.plant("not_found", "/zwfw.shili.gov.cn/")
    # Old department domain: 301 -> 302 -> 200.
    t.redirect("/rsj.shili.gov.cn/", 301, h.x("www.shili.gov.cn/rsj/"))
    t.redirect("/www.shili.gov.cn/rsj/", 302, h.x("www.shili.gov.cn/rsj/index.html"))
    t.page("/www.shili.gov.cn/rsj/index.html", _plain("示例市人力资源和社会保障局", "（已迁移至市政府门户）"))
    t.plant("redirect_chain", "/rsj.shili.gov.cn/")
    t.page("/www.slxxh.org.cn/", _plain("澳门新葡京娱乐城-官方网站", "百家乐 时时彩 在线娱乐"))
    t.plant("hijacked", "/www.slxxh.org.cn/")
    t.page("/www.xpj-yl.com/", _plain("新葡京娱乐城", "百家乐"))
    t.file("/dcs.conac.cn/image/red.png", PNG, "image/png")
    t.file("/www.beian.gov.cn/img/ghs.png", PNG, "image/png")
    t.file("/zfwzgl.www.gov.cn/exposure/jiucuo.js",
           "(function(){var s=document.getElementById('_jiucuo_');/* 我为政府网站找错 */})();\n",
           "application/javascript")
    t.prefix("/zfwzgl.www.gov.cn/exposure/jiucuo.html",
             lambda m, r: Route(body=_plain("我为政府网站找错", "请填写错误信息")))
    governance.external_routes(t, h)  # issue 16: 政务微博, closed sites
    t.prefix("/bszs.conac.cn/sitename",
             lambda m, r: Route(body=_plain("党政机关网站标识", "（模拟的开办信息页）")))
    t.prefix("/www.beian.gov.cn/portal/registerSystemInfo",
             lambda m, r: Route(body=_plain("全国互联网安全管理服务平台", "备案信息")))
    return t
