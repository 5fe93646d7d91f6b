"""content.serious_typo: severe misspellings of fixed official terms and organ names (V1).

Every page's visible text and title is searched (``parse.typos``, the list in
``parse/data/serious_typos.yaml``). One finding per misspelling and context, however many
pages repeat it (a template error shows on all).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from parse.typos import extract_page

SAMPLE = 5


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    groups: dict[tuple[str, str], dict] = {}
    for record, hits in ctx.page_facts("typos"):
        for hit in hits:
            group = groups.setdefault((hit["wrong"], hit["context"]), {"hit": hit, "pages": []})
            if record.url not in group["pages"]:
                group["pages"].append(record.url)
    for (wrong, ctx_text), group in groups.items():
        hit, pages = group["hit"], group["pages"]
        more = f"，共 {len(pages)} 个页面" if len(pages) > 1 else ""
        yield FindingDraft(
            rule="content.serious_typo", url=pages[0], source=pages[0],
            subject=f"{wrong}|{ctx_text}",
            message=(f"严重错误用语：“{wrong}”应为“{hit['right']}”（{hit['note']}）"
                     f"，原文：“…{ctx_text}…”{more}"),
            detail={"wrong": wrong, "right": hit["right"], "context": ctx_text,
                    "note": hit["note"], "pages": len(pages), "sample": pages[:SAMPLE]},
        )


RULE = Rule(name="typos", ids=("content.serious_typo",), check=check, needs_complete=False,
            page_facts={"typos": extract_page})
