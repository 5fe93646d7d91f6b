"""JSON list endpoints behind list pages, the spider's side: request them, store answers.

The endpoints a list page's scripts call and the rows of their answers are read by
:mod:`parse.jsonlists` (pure). Here the spider (``crawler/spiders/site.py``) requests the
same-site endpoints under the site's page budget and scope and stores each answer as a page
(content type JSON) with its rows' links, so the derive step and the rules stay pure
functions of stored data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crawler.urls import link_kind
from parse.jsonlists import Endpoint, decode, discover, later_pages, list_info, row_title, row_url

JSON_CONTENT_TYPE = "application/json"
ACCEPT = "application/json, text/javascript, */*; q=0.01"  # what jQuery sends for dataType json


# -- spider side -------------------------------------------------------------------------
def follow(spider: Any, site: Any, text: str, page_url: str,
           meta: dict[str, Any]) -> Iterator[Any]:
    """Requests for the same-site JSON endpoints an in-scope list page's scripts call."""
    for ep in discover(text, page_url):
        owner = spider.registry.site_for(ep.url)
        if owner is None or owner.code != site.code:
            continue
        req = _request(spider, site, ep, max(meta["depth"], 1), meta["url"])
        if req is not None:
            yield req


def _request(spider: Any, site: Any, ep: Endpoint, depth: int, list_url: str) -> Any:
    # The spider's own request: seen set, depth and page budget; no trap guard (the page
    # count is bounded, and one API path serves all columns of a site, like dataproxy.jsp).
    req = spider._request(site, ep.url, depth, list_url, hidden_paging=True)
    if req is None:
        return None
    req.meta["json"] = {"list": list_url, "method": ep.method, "form": list(ep.form)}
    headers = {"Referer": list_url, "Accept": ACCEPT, "X-Requested-With": "XMLHttpRequest"}
    target, body = ep.request_target()
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
        return req.replace(url=target, method="POST", body=body, headers=headers,
                           errback=spider.script_failed)
    return req.replace(headers=headers, errback=spider.script_failed)


def parse(spider: Any, site: Any, response: Any, page: dict[str, Any]) -> Iterator[Any]:
    """Store a JSON answer as a page (its rows' links as the page's links) and request the
    list's later pages and its rows' same-site pages. Failed or non-JSON answers are left
    out like failed scripts: the list then stays "needs a browser", not blank."""
    meta = response.meta
    info = meta["json"]
    if response.status >= 400 or not response.body:
        return
    decoded = decode(response.body, page["content_type"] or "")
    if decoded is None:
        return
    data, encoding = decoded
    stats = spider.stats_by_site[site.code]
    stats["pages"] += 1
    ctype = page["content_type"] or ""
    page.update(encoding=encoding, body=response.body,
                content_type=ctype if "json" in ctype.lower() else JSON_CONTENT_TYPE)
    if info["method"] == "POST" and not meta.get("redirect_urls"):
        page["final_url"] = meta["url"]  # the identity, not the bare URL posted to
    listed = list_info(data)
    site_for = spider.registry.site_for
    for row in listed.rows or ():
        url = row_url(row, info["list"])
        if url is None:
            continue
        owner = site_for(url)
        same = owner is not None and owner.code == site.code
        kind = link_kind("a", "href", url, same)
        title = row_title(row)
        page["links"].append((url, "a", "href", title[:200] if title else None, kind))
        if same and kind == "internal":
            req = spider._request(site, url, meta["depth"] + 1, meta["url"])
            if req is not None:
                yield req
    ep = Endpoint(meta["url"], info["method"], tuple(info["form"]))
    for nxt in later_pages(ep, listed):
        req = _request(spider, site, nxt, meta["depth"], info["list"])
        if req is not None:
            yield req
    yield page
