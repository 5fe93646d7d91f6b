"""content.recycled_post: an article repeating an older article's text under a newer date
(旧稿重发, named in national spot-check 通报).

Reads the article fingerprints the derive step stored (``article_texts``: the hash of an
article's normalised body text, so a copy under a changed title, date or template hashes
the same) for this run and every earlier run of the site — an old article taken down and
re-posted is still found. An article is recycled when another article of the site (or the
same URL in an earlier run) has the same text under a date at least ``recycled.min_gap``
older (2 weeks by default: the same notice posted in two columns a few days apart is not
a re-post). Texts shared by more than ``BOILERPLATE`` articles are templates (详见附件),
not articles, and short bodies were never fingerprinted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select

from checks.base import CheckContext, FindingDraft, Rule
from store.models import ArticleText, Run

BOILERPLATE = 3  # a text on more distinct articles than this is a template


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    ctx.facts.get("posture")  # the derive step's failure, if any: no rows would prove nothing
    gap = ctx.duration("recycled.min_gap")  # 2w when the indicator file leaves it out
    current = list(ctx.session.scalars(select(ArticleText).where(
        ArticleText.run_id == ctx.run.id, ArticleText.site_id == ctx.site.id)))
    if not current:
        return
    hashes = sorted({a.text_hash for a in current})
    earlier: dict[str, list[ArticleText]] = {}
    for i in range(0, len(hashes), 500):
        for row in ctx.session.scalars(
                select(ArticleText).join(Run, Run.id == ArticleText.run_id)
                .where(ArticleText.site_id == ctx.site.id, ArticleText.run_id != ctx.run.id,
                       Run.started_at < ctx.run.started_at,
                       ArticleText.text_hash.in_(hashes[i:i + 500]))):
            earlier.setdefault(row.text_hash, []).append(row)
    by_hash: dict[str, list[ArticleText]] = {}
    for a in current:
        by_hash.setdefault(a.text_hash, []).append(a)
    for text_hash, articles in by_hash.items():
        if len({a.key for a in articles}) > BOILERPLATE:
            continue
        seen = articles + earlier.get(text_hash, [])
        for a in articles:
            if a.date is None:
                continue
            older = [b for b in seen if b.date is not None and b is not a
                     and b.date < gap.before(a.date) and (b.key != a.key or b.run_id != a.run_id)]
            if not older:
                continue
            original = min(older, key=lambda b: (b.date, b.id))
            yield _finding(a, original, original.run_id != ctx.run.id)


def _finding(a: ArticleText, original: ArticleText, from_history: bool) -> FindingDraft:
    same_url = original.key == a.key
    where = ("同一网址此前" if same_url else
             "此前检查中" if from_history else "本站")
    retitled = (original.title or "") != (a.title or "")
    title_note = f"（原标题“{original.title}”）" if retitled and original.title else ""
    return FindingDraft(
        rule="content.recycled_post", url=a.url, source=a.url, subject=a.url,
        message=(f"文章“{a.title or a.url}”（发布日期 {_iso(a.date)}）的正文与{where}"
                 f"{_iso(original.date)} 发布的文章{title_note}相同，疑似旧稿重发或改动发稿日期，"
                 f"请核实"),
        detail={"original": original.url, "original_date": _iso(original.date),
                "date": _iso(a.date), "title": a.title, "original_title": original.title,
                "retitled": retitled},
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


RULE = Rule(name="recycled", ids=("content.recycled_post",), check=check,
            needs_complete=False,  # a re-posted text is one wherever the crawl stopped
            derived=("posture",))
