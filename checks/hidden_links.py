"""content.hidden_link: off-site links hidden from readers (暗链, V1).

Which links a page hides, and how, is read by ``parse.hidden`` (inline styles, ``hidden``
attributes, ``<style>`` rules, markup written by inline scripts). Not 暗链: links to the
cluster's own sites, government / education / official media hosts, statistics counters, a
CMS vendor's own credit link, and menus — unless the anchor or URL carries gambling /
pornography words, which always counts. One finding per hidden target.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from parse.hidden import extract_page
from parse.linkrisk import host_of, is_counter, is_trusted, is_vendor_credit
from parse.urls import in_scopes

HOW_NAMES = {"display:none": "display:none 隐藏", "visibility:hidden": "visibility:hidden 隐藏",
             "opacity:0": "透明度为 0", "zero size": "尺寸为 0", "off-screen": "移出可视区域",
             "font-size:0": "字号为 0", "same colour": "文字与背景同色",
             "hidden attribute": "hidden 属性隐藏"}


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    scopes = ctx.scan.scopes
    found: dict[str, dict] = {}
    for record, links in ctx.page_facts("hidden_links"):
        for link in links:
            target = link["target"]
            if in_scopes(target, scopes) or is_counter(target):
                continue
            if not link["words"] and (is_trusted(host_of(target))
                                      or is_vendor_credit(link["anchor"], target)
                                      or link["menu"]):
                continue
            entry = found.setdefault(target, {**link, "pages": []})
            if record.url not in entry["pages"]:
                entry["pages"].append(record.url)
            if link["words"] and not entry["words"]:
                entry.update(words=link["words"], anchor=link["anchor"])
    for target, entry in sorted(found.items()):
        pages = entry["pages"]
        text = f"“{entry['anchor']}”" if entry["anchor"] else ""
        words = f"，含“{'、'.join(entry['words'])}”等赌博/色情词语" if entry["words"] else ""
        yield FindingDraft(
            rule="content.hidden_link", url=target, source=pages[0], subject=target,
            message=(f"页面含隐藏的外部链接{text}（{HOW_NAMES.get(entry['how'], entry['how'])}），"
                     f"指向 {host_of(target)}{words}；共 {len(pages)} 个页面，如 {pages[0]}"),
            detail={"target": target, "how": entry["how"], "anchor": entry["anchor"],
                    "evidence": entry["words"], "pages": len(pages), "sample": pages[:5]},
        )


RULE = Rule(name="hidden_links", ids=("content.hidden_link",), check=check,
            needs_complete=False, page_facts={"hidden_links": extract_page})
