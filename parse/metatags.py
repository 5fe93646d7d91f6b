"""The page meta tags the 指引 asks for (SiteName, ColumnName, ArticleTitle …) and which
kind of page (content page or column page) they are judged for."""

from __future__ import annotations

from parse.page import ARTICLE_URL, PageView, path_and_query

SITE_TAGS = ("SiteName", "SiteDomain", "SiteIDCode")
COLUMN_TAGS = ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType")
# The content tags every CMS that follows the 指引 writes; the rest of the observed set
# (Keywords, Author, Description, Image, Url: mandate unconfirmed, see indicators.md §3) is
# reported in the detail when absent but does not by itself make a finding.
ARTICLE_TAGS = ("ArticleTitle", "PubDate", "ContentSource")
ARTICLE_EXTRA = ("Keywords", "Author", "Description", "Image", "Url")


def extract_page(view: PageView) -> dict:
    wanted = {t.lower() for t in SITE_TAGS + COLUMN_TAGS + ARTICLE_TAGS + ARTICLE_EXTRA}
    metas = {k: v for k, v in view.metas.items() if k in wanted}
    return {"metas": metas, "kind": page_kind_for_tags(view, metas)}


def page_kind_for_tags(view: PageView, metas: dict[str, str]) -> str | None:
    """The page kind for F8. A single-page column (机构概况: one body, no list) looks like
    an article but is a column page: no article URL, column tags and no content tag."""
    kind = view.kind if view.depth > 0 else None
    if (kind == "article" and not ARTICLE_URL.search(path_and_query(view.url))
            and "columnname" in metas
            and not any(t.lower() in metas for t in ARTICLE_TAGS)):
        return "column"
    return kind
