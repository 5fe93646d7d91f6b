"""meta.tags_missing: sampled column and content pages lacking the page meta tags (F8).

F8 samples 5 content pages and 5 column pages; each page without its site tags or its
column/content tags costs points. The sample is stable across runs (pages ordered by a
hash of their URL), so a page's finding persists until the page is fixed.

Which page is which is decided by ``parse.page.page_kind`` (``parse.metatags``): a CMS body container,
a dated byline and an article-style URL make an article; repeated rows of link + date
(and a pager) make a column page; pages that are clearly neither (homepage, forms) are not
sampled. A single-page column (机构概况: one body, column tags, no article URL) counts as a
column page.

Required: the site tags on every sampled page; ColumnName / ColumnDescription /
ColumnKeywords / ColumnType on column pages; ArticleTitle / PubDate / ContentSource on
content pages (Keywords, Author, Description, Image, Url are listed in ``also_missing``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from parse.metatags import ARTICLE_EXTRA, ARTICLE_TAGS, COLUMN_TAGS, SITE_TAGS, extract_page
from parse.page import path_and_query

# Tags that must carry a value; the others may legitimately be empty (no author ...).
NEED_VALUE = {"SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate"}
SAMPLE_PER_KIND = 5
KIND_NAMES = {"article": "内容页", "column": "栏目页"}


def sample_key(url: str) -> str:
    """A stable pseudo-random order of pages (same sample run after run). Path and query
    only: a site that moves to https, a new host name or port keeps its sample (and the
    demo, served on a free port each time, shows the same findings every run)."""
    return hashlib.sha1(path_and_query(url).encode("utf-8")).hexdigest()


def required(kind: str) -> tuple[str, ...]:
    return SITE_TAGS + (ARTICLE_TAGS if kind == "article" else COLUMN_TAGS)


def missing_tags(metas: dict[str, str], kind: str) -> list[str]:
    """Required tags absent (or empty where a value is needed) for a page of ``kind``."""
    out = []
    for tag in required(kind):
        value = metas.get(tag.lower())
        if value is None or (tag in NEED_VALUE and not value.strip()):
            out.append(tag)
    return out


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    records = [(r, f) for r, f in ctx.page_facts("meta_tags")
               if not r.frame_only and not r.is_home]
    for kind in ("article", "column"):
        pages = sorted((r for r in records if r[1]["kind"] == kind),
                       key=lambda item: sample_key(item[0].url))[:SAMPLE_PER_KIND]
        for record, facts in pages:
            metas = facts["metas"]
            missing = missing_tags(metas, kind)
            if not missing:
                continue
            site_missing = [t for t in missing if t in SITE_TAGS]
            other = [t for t in missing if t not in SITE_TAGS]
            parts = []
            if site_missing:
                parts.append(f"网站标签 {', '.join(site_missing)}")
            if other:
                parts.append(f"{'内容' if kind == 'article' else '栏目'}标签 {', '.join(other)}")
            yield FindingDraft(
                rule="meta.tags_missing", url=record.url, source=record.url,
                subject=record.url,
                message=f"{KIND_NAMES[kind]}缺少页面元标签：{'；'.join(parts)}",
                detail={"missing": missing, "kind": kind, "title": record.title,
                        "also_missing": [t for t in ARTICLE_EXTRA if t.lower() not in metas]
                        if kind == "article" else []},
            )


RULE = Rule(name="meta_tags", ids=("meta.tags_missing",), check=check,
            needs_complete=False,  # the sample is taken from the pages that were crawled
            page_facts={"meta_tags": extract_page})
