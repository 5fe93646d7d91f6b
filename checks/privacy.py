"""privacy.personal_data: unmasked resident ID, mobile and bank-card numbers published.

Reads what the derive step stored (``personal_data``: masked numbers with where they are,
``derive/posture.py`` over ``parse.privacy``); one finding per page or attachment and kind
of number, with how many there are and a few masked examples with their places. The full
number is never read here: the store does not hold it outside the compressed snapshots.
Masked numbers (``110***********1234``) are compliant and were never stored as hits.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from checks.base import CheckContext, FindingDraft, Rule
from store.models import PersonalData

KIND_NAMES = {"id_card": "身份证号码", "mobile": "手机号码", "bank_card": "银行卡号"}
SAMPLES = 5


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    ctx.facts.get("posture")  # the derive step's failure, if any: no rows would prove nothing
    groups: dict[tuple[str, str], list[PersonalData]] = {}
    for row in ctx.session.scalars(select(PersonalData).where(
            PersonalData.run_id == ctx.run.id, PersonalData.site_id == ctx.site.id)
            .order_by(PersonalData.id)):
        groups.setdefault((row.url, row.kind), []).append(row)
    for (url, kind), rows in groups.items():
        first = rows[0]
        where = "附件" if first.where == "attachment" else "页面"
        name = KIND_NAMES.get(kind, kind)
        more = f"等 {len(rows)} 个" if len(rows) > 1 else ""
        yield FindingDraft(
            rule="privacy.personal_data", url=url, source=first.source or url,
            subject=f"{url}#{kind}",
            message=(f"{where}公开了未遮盖的{name}{more}（如 {first.masked}，位于"
                     f"{first.location}），请删除或按规定遮盖后再发布"),
            detail={"kind": kind, "masked": first.masked, "where": first.where,
                    "location": first.location, "count": len(rows),
                    "samples": [f"{r.masked}（{r.location}）" for r in rows[:SAMPLES]]},
        )


RULE = Rule(name="privacy", ids=("privacy.personal_data",), check=check,
            needs_complete=False,  # a published number is a leak however far the crawl got
            derived=("posture",))
