"""Deterministic synthetic cluster of government-style sites for the crawl benchmark.

The sites look like the ones govmon monitors (see ``cms-patterns.md``): a navigation menu of
columns, list pages of dated rows with a pager, articles with a byline, images and
attachments, a footer with the usual identifiers and external links, a robots.txt, and a
few broken links. Three CMS families are mixed:

* ``generic`` (Guangdong-like): ``/<col>/index_N.html`` pages, ``/<col>/content/post_N.html``;
* ``trs`` (TRS WCM): relative ``./YYYYMM/tYYYYMMDD_N.html`` articles; with hidden paging the
  later list pages are announced only by ``createPageHTML(...)`` in a script;
* ``hanweb`` (大汉 JCMS): ``/art/Y/M/D/art_C_N.html``; with hidden paging the list rows sit in a
  ``<script type="text/xml"><datastore>`` and later pages come from ``dataproxy.jsp``.

Everything is drawn from one seeded ``random.Random``: the same arguments give the same
bytes. The generator also computes which pages plain ``<a>``-following can reach, so the
benchmark can tell a crawler problem from a hidden-paging one.

(Over 400 lines on purpose: the page templates of three CMS families and the one seeded
walk that fills them; splitting them would scatter what one generated site looks like.)
"""

from __future__ import annotations

import json
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin

TODAY = date(2025, 6, 30)  # fixed so the output does not depend on the day it runs
PER_PAGE = 20
FAMILIES = ("generic", "trs", "hanweb")
COLUMNS = [
    ("工作动态", "gzdt"), ("通知公告", "tzgg"), ("政策文件", "zcwj"), ("政策解读", "zcjd"),
    ("人事信息", "rsxx"), ("部门动态", "bmdt"), ("基层动态", "jcdt"), ("媒体关注", "mtgz"),
    ("公示公告", "gsgg"), ("财政资金", "czzj"), ("规划计划", "ghjh"), ("统计信息", "tjxx"),
]
CITIES = ["成都", "绵阳", "德阳", "宜宾", "泸州", "南充", "达州", "乐山", "眉山", "自贡", "遂宁",
          "内江", "广安", "资阳", "雅安", "巴中", "攀枝花", "广元", "阿坝", "甘孜", "凉山"]
UNITS = ["人民政府", "发展和改革委员会", "教育局", "公安局", "民政局", "财政局", "人力资源和社会保障局",
         "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "农业农村局", "商务局",
         "文化广电旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局",
         "医疗保障局", "林业局", "水务局", "经济和信息化局", "司法局", "退役军人事务局"]
TOPICS = ["优化营商环境", "安全生产", "乡村振兴", "防汛减灾", "民生实事", "生态环境保护", "招商引资",
          "城市更新", "政务公开", "数字政府", "就业创业", "义务教育", "医疗保障", "养老服务",
          "食品安全", "森林防火", "消费帮扶", "项目建设", "社会救助", "法治政府建设"]
ACTIONS = ["召开", "部署", "开展", "推进", "印发", "公布", "调研", "督导", "举办", "启动"]
NOUNS = ["专题会议", "工作推进会", "实施方案", "检查通报", "培训班", "宣传活动", "调研座谈会",
         "专项行动", "考核结果", "公示名单"]
PHRASES = [
    "为深入贯彻落实党中央、国务院决策部署", "进一步提升政务服务效能", "按照省委、省政府工作要求",
    "结合我市实际", "现将有关事项通知如下", "会议强调", "各相关单位要高度重视", "切实履行主体责任",
    "确保各项工作落到实处", "不断增强人民群众的获得感、幸福感、安全感", "坚持问题导向和目标导向",
    "加强统筹协调", "强化监督检查", "持续推动高质量发展", "认真做好宣传解读", "及时回应社会关切",
    "建立健全长效机制", "压紧压实工作责任", "聚焦重点领域和关键环节", "广泛听取意见建议",
    "截至目前", "累计完成投资", "同比增长", "覆盖全市各区（市）县", "有效防范化解重大风险",
    "着力解决群众急难愁盼问题", "扎实推进各项重点任务", "形成工作合力", "营造良好氛围",
]
STYLE = ("body{margin:0;font:14px/1.8 'Microsoft YaHei',SimSun,sans-serif;color:#333}"
         ".top{background:#b5121b;height:120px}.nav{background:#c8161d}.nav li{float:left;"
         "width:9%;text-align:center}.nav a{color:#fff;display:block;line-height:46px}"
         ".main{width:1200px;margin:0 auto}.list li{border-bottom:1px dashed #ddd;height:38px;"
         "line-height:38px}.list span{float:right;color:#999}.pager{text-align:center;margin:20px}"
         ".pager a{border:1px solid #ddd;padding:3px 8px;margin:0 2px}.foot{background:#f2f2f2;"
         "text-align:center;padding:20px;color:#666;font-size:12px}#zoom p{text-indent:2em}"
         ".bread{line-height:40px;border-bottom:1px solid #eee}.info{color:#888;text-align:center}")
SCRIPT = ("var _hmt=_hmt||[];(function(){var d=new Date();var w=['日','一','二','三','四','五','六'];"
          "var el=document.getElementById('today');if(el){el.innerHTML=d.getFullYear()+'年'+"
          "(d.getMonth()+1)+'月'+d.getDate()+'日 星期'+w[d.getDay()];}})();"
          "function fontZoom(s){document.getElementById('zoom').style.fontSize=s+'px';}")
# What real pages carry inline besides content: device redirect, share, counters, settings.
HEAD_SCRIPT = (
    "(function(){var ua=navigator.userAgent.toLowerCase();var isMobile=/(iphone|ipod|android|"
    "windows phone|mobile)/.test(ua);var url=window.location.href;if(isMobile&&url.indexOf("
    "'pc=1')<0){var m=document.querySelector('meta[name=\"mobile-url\"]');if(m&&m.content){"
    "window.location.href=m.content;}}})();"
    "var siteConfig={siteId:'SITE',webId:'WEBID',searchUrl:'/search/index.html',ageFriendly:"
    "true,fontSizes:[12,14,16,18],theme:{primary:'#c8161d',secondary:'#b5121b'},share:["
    "'weixin','weibo','qzone'],counter:{url:'/module/visitcount/visit.jsp',type:'article'}};"
    "function shareTo(t){var u=encodeURIComponent(location.href),ti=encodeURIComponent("
    "document.title);var map={weibo:'https://service.weibo.com/share/share.php?url='+u+"
    "'&title='+ti,qzone:'https://sns.qzone.qq.com/cgi-bin/qzshare/cgi_qzshare_onekey?url='+u};"
    "if(map[t]){window.open(map[t]);}}"
    "function printPage(){var c=document.getElementById('zoom');if(!c)return;var w=window.open"
    "('','print');w.document.write('<html><head><title>'+document.title+'</title></head><body>'"
    "+c.innerHTML+'</body></html>');w.document.close();w.print();}"
    "function setTab(name,cursel,n){for(var i=1;i<=n;i++){var menu=document.getElementById("
    "name+i);var con=document.getElementById('con_'+name+'_'+i);if(menu){menu.className=i=="
    "cursel?'hover':'';}if(con){con.style.display=i==cursel?'block':'none';}}}"
    "window.onload=function(){var imgs=document.getElementsByTagName('img');for(var i=0;i<imgs"
    ".length;i++){imgs[i].onerror=function(){this.style.display='none';};}};")


@dataclass
class Article:
    aid: int
    title: str
    day: date
    path: str  # absolute path on the site
    href: str  # as written in list pages (relative for TRS)


@dataclass
class Column:
    name: str
    slug: str
    cid: int
    dir: str  # "/gzdt/" — list page 1 is dir + "index.html"
    articles: list[Article] = field(default_factory=list)

    @property
    def list_pages(self) -> int:
        return max(1, math.ceil(len(self.articles) / PER_PAGE))

    def list_path(self, k: int) -> str:
        return self.dir + ("index.html" if k == 0 else f"index_{k}.html")


@dataclass
class SiteDef:
    index: int
    code: str
    name: str
    ip: str
    family: str
    webid: int
    columns: list[Column] = field(default_factory=list)


@dataclass
class Cluster:
    """What was generated: the sites, every HTML page URL, and the expected outcomes."""

    root: Path
    port: int
    sites: list[SiteDef]
    external_ip: str
    pages: list[str]  # every generated HTML page (absolute URLs)
    link_reachable: int  # pages reachable from the homepages by following plain <a> links
    broken: list[str]  # link targets that must come out broken
    robots_blocked: list[str]  # link targets robots.txt disallows
    files: int = 0
    bytes: int = 0

    def url(self, ip: str, path: str) -> str:
        return f"http://{ip}:{self.port}{path}"

    def manifest(self) -> dict:
        return {"port": self.port, "external_ip": self.external_ip,
                "sites": [{"code": s.code, "name": s.name, "ip": s.ip, "family": s.family,
                           "url": self.url(s.ip, "/")} for s in self.sites],
                "pages": len(self.pages), "link_reachable": self.link_reachable,
                "broken": self.broken, "robots_blocked": self.robots_blocked}


class Generator:
    def __init__(self, root: Path, pages: int, sites: int, port: int, seed: int,
                 hidden_paging: bool, first_ip: int = 10, external_ip: str = "127.0.0.41"):
        if sites < 1 or pages < sites * 20:
            raise ValueError("need at least one site and 20 pages per site")
        self.root = root
        self.total = pages
        self.n_sites = sites
        self.port = port
        self.rng = random.Random(seed)
        self.hidden = hidden_paging
        self.first_ip = first_ip
        self.external_ip = external_ip
        self.files = 0
        self.bytes = 0
        self.dirs: set[Path] = set()
        self.pages: list[str] = []
        self.visible: dict[str, list[str]] = {}  # page URL -> internal <a> targets
        self.broken: list[str] = []
        self.robots_blocked: list[str] = []
        self.external_docs = 400  # /zhengce/content_N.htm exists for N < this

    # -- output --------------------------------------------------------------------
    def _write(self, ip: str, path: str, data: str | bytes) -> None:
        rel = path.lstrip("/")
        if not rel or rel.endswith("/"):
            rel += "index.html"
        dest = self.root / "www" / ip / rel
        if dest.parent not in self.dirs:
            dest.parent.mkdir(parents=True, exist_ok=True)
            self.dirs.add(dest.parent)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        dest.write_bytes(raw)
        self.files += 1
        self.bytes += len(raw)

    def _url(self, ip: str, path: str) -> str:
        return f"http://{ip}:{self.port}{path}"

    def _ext(self, path: str) -> str:
        return self._url(self.external_ip, path)

    # -- text ----------------------------------------------------------------------
    def _title(self, site: SiteDef) -> str:
        r = self.rng
        city = CITIES[site.index % len(CITIES)]
        return f"{city}市{r.choice(UNITS[1:])}{r.choice(ACTIONS)}{r.choice(TOPICS)}{r.choice(NOUNS)}"

    def _paragraphs(self, n: int) -> list[str]:
        r = self.rng
        out = []
        for _ in range(n):
            parts = [r.choice(PHRASES) for _ in range(r.randint(5, 12))]
            out.append("，".join(parts) + "。")
        return out

    # -- structure -----------------------------------------------------------------
    def plan(self) -> list[SiteDef]:
        r = self.rng
        sizes = [r.uniform(0.7, 1.3) for _ in range(self.n_sites)]
        scale = self.total / sum(sizes)
        targets = [max(20, int(s * scale)) for s in sizes]
        targets[-1] += self.total - sum(targets)
        sites = []
        for i in range(self.n_sites):
            ip = f"127.0.0.{self.first_ip + i % 31}"
            city = CITIES[i % len(CITIES)]
            unit = UNITS[i % len(UNITS)]
            family = FAMILIES[i % len(FAMILIES)]
            site = SiteDef(index=i, code=f"510100{i + 1:04d}", name=f"{city}市{unit}", ip=ip,
                           family=family, webid=100 + i)
            n_cols = r.randint(8, 12)
            for c, (name, slug) in enumerate(COLUMNS[:n_cols]):
                cid = 5000 + i * 100 + c
                if family == "hanweb":
                    cdir = f"/col/col{cid}/"
                elif family == "trs" and c % 2 == 0:
                    cdir = f"/xxgk/{slug}/"
                else:
                    cdir = f"/{slug}/"
                site.columns.append(Column(name=name, slug=slug, cid=cid, dir=cdir))
            self._fill(site, targets[i])
            sites.append(site)
        return sites

    def _fill(self, site: SiteDef, target: int) -> None:
        """Give the columns articles until the site has exactly ``target`` HTML pages."""
        r = self.rng
        weights = [r.expovariate(1.0) + 0.2 for _ in site.columns]
        counts = [0] * len(site.columns)
        pages = 3 + len(site.columns)  # home, site map, contact + one list page per column
        static_pager = not (self.hidden and site.family == "hanweb")
        while pages < target:
            c = r.choices(range(len(counts)), weights)[0]
            counts[c] += 1
            pages += 1
            if static_pager and counts[c] > PER_PAGE and (counts[c] - 1) % PER_PAGE == 0:
                pages += 1  # a new list page
        aid = 2_740_000 + site.index * 50_000
        for col, n in zip(site.columns, counts, strict=True):
            day = TODAY - timedelta(days=r.randint(0, 20))
            for _ in range(n):
                aid += 1
                col.articles.append(self._article(site, col, aid, day))
                day -= timedelta(days=r.randint(0, 4))

    def _article(self, site: SiteDef, col: Column, aid: int, day: date) -> Article:
        title = self._title(site)
        if site.family == "trs":
            rel = f"{day:%Y%m}/t{day:%Y%m%d}_{aid}.html"
            return Article(aid, title, day, col.dir + rel, "./" + rel)
        if site.family == "hanweb":
            path = f"/art/{day.year}/{day.month}/{day.day}/art_{col.cid}_{aid}.html"
            return Article(aid, title, day, path, path)
        path = f"{col.dir}content/post_{aid}.html"
        return Article(aid, title, day, path, path)

    # -- page parts ----------------------------------------------------------------
    def _head(self, site: SiteDef, title: str, column: Column | None,
              article: Article | None) -> str:
        meta = [f'<meta name="SiteName" content="{site.name}">',
                f'<meta name="SiteDomain" content="{site.ip}">',
                f'<meta name="SiteIDCode" content="{site.code}">']
        if column:
            meta.append(f'<meta name="ColumnName" content="{column.name}">')
        if article:
            meta.append(f'<meta name="ArticleTitle" content="{article.title}">')
            meta.append(f'<meta name="PubDate" content="{article.day:%Y-%m-%d} 09:30">')
        if site.family == "hanweb":
            meta.append('<meta name="Generator" content="大汉版通">')
        return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
                '<meta http-equiv="X-UA-Compatible" content="IE=edge">'
                f"<title>{title}</title>{''.join(meta)}"
                '<link rel="stylesheet" href="/css/main.css">'
                f"<style>{STYLE}</style>"
                f"<script>{HEAD_SCRIPT.replace('SITE', site.code).replace('WEBID', str(site.webid))}"
                '</script><script src="/js/common.js"></script></head><body>')

    def _nav(self, site: SiteDef) -> str:
        items = "".join(f'<li><a href="{c.dir}index.html" target="_blank">{c.name}</a></li>'
                        for c in site.columns[:10])
        return ('<div class="top"><div class="main"><a href="/"><img src="/images/logo.png" '
                f'alt="{site.name}"></a><span id="today"></span>'
                '<form action="/search/index.html"><input name="q"><a href="/search/index.html">'
                '搜索</a></form><a href="/wza/index.html" class="wza">无障碍</a></div></div>'
                f'<div class="nav"><ul><li><a href="/">首页</a></li>{items}</ul></div>'
                f'<div class="m-nav" style="display:none"><ul>{items}</ul></div>'
                '<div class="main">')

    def _footer(self, site: SiteDef) -> str:
        return ('</div><div class="foot">'
                '<p><a href="/wzdt/index.html">网站地图</a> | <a href="/lxwm/index.html">联系我们</a>'
                f' | <a href="{self._ext("/")}" target="_blank">中国政府网</a>'
                f' | <a href="{self._ext("/province/index.html")}" target="_blank">四川省人民政府</a></p>'
                f"<p>主办单位：{site.name}　承办单位：{site.name}办公室　"
                f"网站标识码：{site.code}　蜀ICP备{10000000 + site.index * 7}号</p>"
                f"<p>地址：{CITIES[site.index % len(CITIES)]}市行政中心{site.index + 1}号楼　"
                f"邮编：6{site.index:05d}　联系电话：028-8{site.index:03d}1234（工作日 9:00-17:00）</p>"
                "<p>技术支持：某某信息技术有限公司　网站支持IPv6　建议使用1366×768分辨率浏览</p>"
                f'<p><a href="{self._ext("/beian/registerSystemInfo.html")}">'
                f"川公网安备 51010402{site.index:06d}号</a></p>"
                f'<p><a href="{self._ext("/conac/sitename.html")}"><img '
                f'src="{self._ext("/conac/red.png")}" alt="党政机关"></a></p>'
                f"</div><script>{SCRIPT}</script></body></html>")

    def _pager(self, site: SiteDef, col: Column, k: int) -> str:
        n = col.list_pages
        if self.hidden and site.family == "trs":
            return (f'<div class="pager"><script>var countPage = {n};var currentPage = {k};'
                    f'createPageHTML({n}, {k}, "index", "html");</script></div>')
        links = []

        def a(i: int, text: str) -> None:
            href = "index.html" if i == 0 else f"index_{i}.html"
            links.append(f'<a href="{href}">{text}</a>')

        a(0, "首页")
        if k > 0:
            a(k - 1, "上一页")
        for i in range(max(0, k - 3), min(n, k + 4)):
            if i == k:
                links.append(f"<span>{i + 1}</span>")
            else:
                a(i, str(i + 1))
        if k < n - 1:
            a(k + 1, "下一页")
        a(n - 1, "尾页")
        return f'<div class="pager">共{n}页 {"".join(links)}</div>'

    # -- pages ---------------------------------------------------------------------
    def _page(self, site: SiteDef, path: str, html: str) -> None:
        url = self._url(site.ip, path)
        self.pages.append(url)
        self._write(site.ip, path, html)

    def _visible(self, site: SiteDef, path: str, hrefs: list[str]) -> None:
        base = self._url(site.ip, path)
        self.visible[base] = [urljoin(base, h) for h in hrefs]

    def _nav_hrefs(self, site: SiteDef) -> list[str]:
        return (["/", "/wzdt/index.html", "/lxwm/index.html"]
                + [c.dir + "index.html" for c in site.columns[:10]])

    def build_site(self, site: SiteDef) -> None:
        nav_hrefs = self._nav_hrefs(site)
        self._build_home(site, nav_hrefs)
        self._build_rest(site, nav_hrefs)

    def _build_home(self, site: SiteDef, nav_hrefs: list[str]) -> None:
        """Home: latest items of the first six columns."""
        blocks, home_links = [], list(nav_hrefs)
        for col in site.columns[:6]:
            rows = "".join(f'<li><a href="{a.path}" title="{a.title}">{a.title}</a>'
                           f"<span>{a.day:%Y-%m-%d}</span></li>" for a in col.articles[:7])
            home_links += [a.path for a in col.articles[:7]]
            blocks.append(f'<div class="block"><h3><a href="{col.dir}index.html">{col.name}</a>'
                          f'<a href="{col.dir}index.html" class="more">更多&gt;&gt;</a></h3>'
                          f'<ul class="list">{rows}</ul></div>')
        banners = "".join(f'<img src="/images/banner{i}.jpg" alt="专题{i}">' for i in range(3))
        self._page(site, "/", self._head(site, site.name, None, None) + self._nav(site)
                   + f'<div class="banner">{banners}</div>' + "".join(blocks) + self._footer(site))
        self._visible(site, "/", home_links)

    def _build_rest(self, site: SiteDef, nav_hrefs: list[str]) -> None:
        # Site map and contact page.
        items = "".join(f'<li><a href="{c.dir}index.html">{c.name}</a></li>' for c in site.columns)
        self._page(site, "/wzdt/index.html", self._head(site, f"网站地图_{site.name}", None, None)
                   + self._nav(site) + f'<ul class="sitemap">{items}</ul>' + self._footer(site))
        self._visible(site, "/wzdt/index.html",
                      nav_hrefs + [c.dir + "index.html" for c in site.columns])
        contact = "".join(f"<p>{p}</p>" for p in self._paragraphs(2))
        self._page(site, "/lxwm/index.html", self._head(site, f"联系我们_{site.name}", None, None)
                   + self._nav(site) + f"<div>{contact}<p>联系电话：028-8{site.index:03d}1234</p></div>"
                   + self._footer(site))
        self._visible(site, "/lxwm/index.html", nav_hrefs)
        for col in site.columns:
            self._build_column(site, col, nav_hrefs)
        # Assets: shared, and robots.txt keeps the crawler out of the search pages.
        for name in ("logo.png", "banner0.jpg", "banner1.jpg", "banner2.jpg"):
            self._write(site.ip, f"/images/{name}", b"\x89PNG\r\n\x1a\n" + bytes(200))
        self._write(site.ip, "/css/main.css", STYLE)
        self._write(site.ip, "/js/common.js", SCRIPT)
        self._write(site.ip, "/robots.txt", "User-agent: *\nDisallow: /search/\nDisallow: /wza/\n")
        self.robots_blocked += [self._url(site.ip, "/search/index.html"),
                                self._url(site.ip, "/wza/index.html")]

    def _build_column(self, site: SiteDef, col: Column, nav_hrefs: list[str]) -> None:
        r = self.rng
        recent = col.articles[:20]
        self._build_lists(site, col, nav_hrefs)
        for a in col.articles:
            self._build_article(site, col, a, recent, nav_hrefs, r)

    def _build_lists(self, site: SiteDef, col: Column, nav_hrefs: list[str]) -> None:
        for k in range(col.list_pages):
            chunk = col.articles[k * PER_PAGE:(k + 1) * PER_PAGE]
            rows = "".join(f'<li><a href="{a.href}" target="_blank" title="{a.title}">{a.title}</a>'
                           f"<span>{a.day:%Y-%m-%d}</span></li>" for a in chunk)
            pager = self._pager(site, col, k)
            hidden_rows = self.hidden and site.family == "hanweb"
            if hidden_rows:
                records = "".join(
                    f'<record><![CDATA[<li><a href="{a.href}">{a.title}</a>'
                    f"<span>{a.day:%Y-%m-%d}</span></li>]]></record>" for a in chunk)
                proxy = (f"/module/web/jpage/dataproxy.jsp?page=2&appid=1&webid={site.webid}"
                         f"&path=/&columnid={col.cid}&unitid={col.cid + 7}")
                body = (f'<div id="{col.cid}"><script type="text/xml"><datastore><nextgroup>'
                        f'<![CDATA[<a href="{proxy}"></a>]]></nextgroup><recordset>{records}'
                        "</recordset></datastore></script></div>"
                        f"<script>var totalRecord = {len(col.articles)};var proxyUrl = "
                        f'"/module/web/jpage/dataproxy.jsp";</script>')
                if k > 0:
                    break  # Hanweb has no static later pages: they live in dataproxy.jsp
            else:
                body = f'<ul class="list">{rows}</ul>{pager}'
            path = col.list_path(k)
            self._page(site, path, self._head(site, f"{col.name}_{site.name}", col, None)
                       + self._nav(site)
                       + f'<div class="bread">当前位置：<a href="/">首页</a> &gt; '
                         f'<a href="{col.dir}index.html">{col.name}</a></div>'
                       + body + self._footer(site))
            visible = nav_hrefs + [col.dir + "index.html"]
            if not hidden_rows:
                visible += [a.href for a in chunk]
                if not (self.hidden and site.family == "trs"):
                    visible += [col.list_path(i) for i in range(col.list_pages)
                                if abs(i - k) <= 3 or i in (0, col.list_pages - 1)]
            self._visible(site, path, visible)
        if self.hidden and site.family == "hanweb":
            for k in range(1, col.list_pages):
                chunk = col.articles[k * PER_PAGE:(k + 1) * PER_PAGE]
                records = "".join(
                    f'<record><![CDATA[<li><a href="{a.href}">{a.title}</a>'
                    f"<span>{a.day:%Y-%m-%d}</span></li>]]></record>" for a in chunk)
                self._write(site.ip, f"/module/web/jpage/dp/{col.cid}/{k + 1}.xml",
                            f'<?xml version="1.0" encoding="utf-8"?><datastore><totalrecord>'
                            f"{len(col.articles)}</totalrecord><totalpage>{col.list_pages}"
                            f"</totalpage><recordset>{records}</recordset></datastore>")

    def _build_article(self, site: SiteDef, col: Column, art: Article, recent: list[Article],
                       nav_hrefs: list[str], r: random.Random) -> None:
        base_dir = art.path.rsplit("/", 1)[0] + "/"
        paras = self._paragraphs(r.randint(8, 30))
        links: list[str] = []
        extra = []
        img = (f"./W0{art.aid}{r.randint(100, 999)}.jpg" if site.family == "trs"
               else f"{base_dir}img_{art.aid}.jpg")
        extra.append(f'<p style="text-align:center"><img src="{img}" alt="{art.title}"></p>')
        self._write(site.ip, urljoin(base_dir, img) if img.startswith("./") else img,
                    b"\xff\xd8\xff\xe0" + bytes(120))
        n_att = r.choice((0, 0, 1, 1, 2))
        for j in range(n_att):
            ext = r.choice(("pdf", "docx", "xlsx", "wps"))
            if site.family == "trs":
                href = f"./W0{art.aid}{j}{r.randint(1000, 9999)}.{ext}"
                path = urljoin(base_dir, href)
            elif site.family == "hanweb":
                path = href = (f"/jcms_files/jcms1/web{site.webid}/site/attach/0/"
                               f"{art.aid}_{j}.{ext}")
            else:
                path = href = f"/attachment/0/{art.aid % 1000}/{art.aid}{j}.{ext}"
            extra.append(f'<p>附件：<a href="{href}" OLDSRC="/protect/P0{art.aid}{j}.{ext}">'
                         f"{art.title}（附件{j + 1}）.{ext}</a></p>")
            self._write(site.ip, path, b"%PDF-1.4\n" + bytes(300))
        roll = r.random()
        if roll < 0.004:  # an attachment that was deleted
            href = f"/attachment/0/missing/{art.aid}.pdf"
            extra.append(f'<p>附件：<a href="{href}">{art.title}.pdf</a></p>')
            self.broken.append(self._url(site.ip, href))
        elif roll < 0.008:  # a link to an article that was taken down
            href = f"{col.dir}content/post_{art.aid}99.html"
            extra.append(f'<p>相关阅读：<a href="{href}">{art.title}（已撤稿）</a></p>')
            self.broken.append(self._url(site.ip, href))
            links.append(href)
        if r.random() < 0.2:  # cites a national policy document
            n = r.randint(1, self.external_docs + 3)
            href = self._ext(f"/zhengce/content_{n}.htm")
            extra.append(f'<p>政策原文：<a href="{href}" target="_blank">国务院有关文件</a></p>')
            if n >= self.external_docs and href not in self.broken:
                self.broken.append(href)
        related = r.sample(recent, min(4, len(recent)))
        rel_html = "".join(f'<li><a href="{a.path}">{a.title}</a></li>' for a in related
                           if a is not art)
        links += [a.path for a in related if a is not art]
        info = (f'<div class="info">发布时间：{art.day:%Y-%m-%d} {r.randint(8, 18):02d}:'
                f'{r.randint(0, 59):02d}　来源：{site.name}　浏览次数：<span id="count"></span>'
                '　字体：[<a href="javascript:fontZoom(16)">大</a> <a href="javascript:fontZoom(14)">'
                "中</a>]</div>")
        body = "".join(f"<p>{p}</p>" for p in paras)
        html = (self._head(site, f"{art.title}_{site.name}", col, art) + self._nav(site)
                + f'<div class="bread">当前位置：<a href="/">首页</a> &gt; '
                  f'<a href="{col.dir}index.html">{col.name}</a> &gt; 正文</div>'
                + f"<h1>{art.title}</h1>{info}"
                + f'<div id="zoom" class="TRS_Editor">{body}{"".join(extra)}</div>'
                + f'<div class="related"><h4>相关文章</h4><ul>{rel_html}</ul></div>'
                + self._footer(site))
        self._page(site, art.path, html)
        self._visible(site, art.path, nav_hrefs + [col.dir + "index.html"] + links)

    def build_external(self) -> None:
        ip = self.external_ip
        page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>{t}</title></head>"
                "<body><h1>{t}</h1><p>" + "。".join(PHRASES[:8]) + "。</p></body></html>")
        self._write(ip, "/", page.format(t="中国政府网"))
        self._write(ip, "/province/index.html", page.format(t="四川省人民政府"))
        self._write(ip, "/beian/registerSystemInfo.html", page.format(t="全国互联网安全管理服务平台"))
        self._write(ip, "/conac/sitename.html", page.format(t="党政机关网站标识"))
        self._write(ip, "/conac/red.png", b"\x89PNG\r\n\x1a\n" + bytes(64))
        for n in range(1, self.external_docs):
            self._write(ip, f"/zhengce/content_{n}.htm", page.format(t=f"国务院文件 {n}"))

    def reachable(self, sites: list[SiteDef]) -> int:
        """Pages reachable from the homepages through plain <a> links (no script paging)."""
        pages = set(self.pages)
        seen: set[str] = set()
        todo = deque(self._url(s.ip, "/") for s in sites)
        seen.update(todo)
        while todo:
            for target in self.visible.get(todo.popleft(), ()):
                if target in pages and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return len(seen)


def mutate(root: Path, share: float, pages: int = 50_000, sites: int = 24, port: int = 18480,
           seed: int = 20250630) -> dict[str, list[str]]:
    """Change ``share`` of the articles of the cluster ``generate`` wrote with the same
    arguments, as a night of CMS work does: half are retitled and corrected (the article
    gets a new title and paragraph; its list rows and homepage rows show the new title),
    half are new articles published at the top of their columns (every list page of the
    column shifts, the homepage shows them). Other files stay byte for byte. Returns the
    URLs of the changed and the new articles."""
    gen = Generator(root, pages, sites, port, seed, hidden_paging=False)
    plan = gen.plan()
    rng = random.Random(seed + 1)
    articles = [(site, col, a) for site in plan for col in site.columns for a in col.articles]
    n = max(2, round(len(articles) * share))
    touched: dict[int, set[int]] = {}  # site index -> column indexes
    changed = []
    for site, col, art in rng.sample(articles, n // 2):
        old = art.title
        art.title = old + "（修订）"
        path = gen.root / "www" / site.ip / art.path.lstrip("/")
        html = path.read_text(encoding="utf-8")
        html = html.replace(f"{old}_{site.name}", f"{art.title}_{site.name}", 1)
        html = html.replace(f"<h1>{old}</h1>", f"<h1>{art.title}</h1>", 1)
        html = html.replace('<div class="related">',
                            "<p>（本文已于今日修订，更正了第二段的数据。）</p><div class=\"related\">", 1)
        path.write_text(html, encoding="utf-8")
        changed.append(gen._url(site.ip, art.path))
        touched.setdefault(site.index, set()).add(site.columns.index(col))
    added = []
    aid = 2_990_000
    for _ in range(n - n // 2):
        site = rng.choice(plan)
        c = rng.randrange(len(site.columns))
        col = site.columns[c]
        aid += 1
        art = gen._article(site, col, aid, TODAY + timedelta(days=1))
        col.articles.insert(0, art)
        gen._build_article(site, col, art, col.articles[:20], gen._nav_hrefs(site), rng)
        added.append(gen._url(site.ip, art.path))
        touched.setdefault(site.index, set()).add(c)
    for index, cols in touched.items():
        site = plan[index]
        nav = gen._nav_hrefs(site)
        gen._build_home(site, nav)
        for c in cols:
            gen._build_lists(site, site.columns[c], nav)
    return {"changed": changed, "added": added}


def generate(root: Path, pages: int = 50_000, sites: int = 24, port: int = 18480,
             seed: int = 20250630, hidden_paging: bool = False) -> Cluster:
    """Write the cluster under ``root`` (``www/<ip>/...``) and a ``manifest.json``."""
    gen = Generator(root, pages, sites, port, seed, hidden_paging)
    plan = gen.plan()
    for site in plan:
        gen.build_site(site)
    gen.build_external()
    cluster = Cluster(root=root, port=port, sites=plan, external_ip=gen.external_ip,
                      pages=gen.pages, link_reachable=gen.reachable(plan), broken=gen.broken,
                      robots_blocked=gen.robots_blocked, files=gen.files, bytes=gen.bytes)
    (root / "manifest.json").write_text(json.dumps(cluster.manifest(), ensure_ascii=False),
                                        encoding="utf-8")
    return cluster
