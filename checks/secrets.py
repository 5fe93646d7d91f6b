"""content.secret_marking: classification markings (绝密 / 机密 / 秘密 ★) published (V1).

The markings are read by ``parse.secrets``: on every page's visible text and title, and on
the attachments the crawl stored that can be read (.docx, .txt: ``parse.attachments``).
One finding per marking and context, however many pages or attachments repeat it.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from parse.secrets import extract_page, find_markings


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    groups: dict[tuple[str, str], dict] = {}

    def add(url: str, hit: dict[str, str], where: str) -> None:
        group = groups.setdefault((hit["marking"], hit["context"]),
                                  {"pages": [], "where": where})
        if url not in group["pages"]:
            group["pages"].append(url)

    for record, hits in ctx.page_facts("secrets"):
        for hit in hits:
            add(record.url, hit, "page")
    for url, hits in ctx.attachment_facts("secrets"):
        for hit in hits:
            add(url, hit, "attachment")
    for (marking, context), group in groups.items():
        pages = group["pages"]
        where = "附件" if group["where"] == "attachment" else "页面"
        more = f"，共 {len(pages)} 个{where}" if len(pages) > 1 else ""
        yield FindingDraft(
            rule="content.secret_marking", url=pages[0], source=pages[0],
            subject=f"{marking}|{context}",
            message=f"{where}中出现密级标志“{marking}”：“…{context}…”{more}，请立即核查是否涉密",
            detail={"marking": marking, "context": context, "where": group["where"],
                    "pages": len(pages), "sample": pages[:5]},
        )


RULE = Rule(name="secrets", ids=("content.secret_marking",), check=check, needs_complete=False,
            page_facts={"secrets": extract_page}, attachment_facts={"secrets": find_markings})
