"""Stored objects besides HTML pages that rules' extractors read: the site's linked
scripts (a header script that writes the search box) and readable attachments (a .docx
with a classification marking).

Each extractor gets the object's decoded text; its results come back as ``(url, value)``
pairs in a stable order, or the exception it raised (the rule reading it then fails).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import select

from derive.source import SiteSource
from parse.attachments import READABLE, attachment_text
from parse.urls import extension
from store.models import Link, Page, Snapshot


def linked_scripts(src: SiteSource) -> list[str]:
    """URLs of the scripts the site's pages include, sorted."""
    return sorted(set(src.session.scalars(select(Link.target).where(
        Link.run_id == src.run.id, Link.site_id == src.site.id, Link.tag == "script"))))


def script_facts(src: SiteSource, extractors: Mapping[str, Callable[[str], Any]]
                 ) -> dict[str, list[tuple[str, Any]] | BaseException]:
    """name -> (script URL, extractor's value) for each linked script stored by the crawl
    (on the site's server; any site's copy: footers are shared)."""
    if not extractors:
        return {}
    try:
        texts = [(url, stored[1]) for url in linked_scripts(src)
                 if (stored := src.stored_html(url)) is not None]
    except Exception as exc:  # noqa: BLE001 - the rules reading scripts report it
        return dict.fromkeys(extractors, exc)
    return {name: _apply(fn, texts) for name, fn in extractors.items()}


def readable_attachments(src: SiteSource) -> Iterator[tuple[Page, str]]:
    """Stored attachment bodies of the site that can be read (.docx, .txt), as text."""
    pages = src.session.scalars(
        select(Page).where(Page.run_id == src.run.id, Page.site_id == src.site.id,
                           Page.status >= 200, Page.status < 300,
                           Page.url.ilike("%.docx") | Page.url.ilike("%.txt")))
    for page in pages:
        ext = extension(page.url)
        snap = src.session.get(Snapshot, page.id)
        if ext not in READABLE or snap is None:
            continue
        text = attachment_text(zlib.decompress(snap.body), ext)
        if text:
            yield page, text


def attachment_facts(src: SiteSource, extractors: Mapping[str, Callable[[str], Any]]
                     ) -> dict[str, list[tuple[str, Any]] | BaseException]:
    """name -> (attachment URL, extractor's value) for each readable stored attachment."""
    if not extractors:
        return {}
    try:
        texts = [(page.url, text) for page, text in readable_attachments(src)]
    except Exception as exc:  # noqa: BLE001 - the rules reading attachments report it
        return dict.fromkeys(extractors, exc)
    return {name: _apply(fn, texts) for name, fn in extractors.items()}


def _apply(fn: Callable[[str], Any], texts: list[tuple[str, str]]
           ) -> list[tuple[str, Any]] | BaseException:
    try:
        return [(url, fn(text)) for url, text in texts]
    except Exception as exc:  # noqa: BLE001 - the rule reading it reports it
        return exc
