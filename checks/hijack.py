"""link.hijacked: external links whose target changed into something else (外链变异, V1).

Two kinds of evidence, both stored by the link verifier (rules never fetch):
* the target's redirects end on an unrelated domain — another registrable domain that is
  neither the cluster's, nor government / education / official media (a domain that
  expired and was re-registered usually redirects to gambling or a parking page);
* the ``<title>`` of the target (kept for external pages, which the verifier checks with one
  ranged GET) carries gambling / pornography words.
Trusted hosts (``parse/data/link_risk.yaml``) are not judged by title: government news
about 打击赌博 is not a hijack.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.base import CheckContext, FindingDraft, Rule
from parse.linkrisk import bad_words, host_of, is_trusted, registrable
from parse.urls import in_scopes

KINDS = {"external", "frame", "attachment"}


def evidence(target: str, final_url: str | None, title: str | None,
             scopes: list[tuple[str, str]]) -> list[str]:
    """Why a verified external target looks hijacked (empty when it does not)."""
    out = []
    if final_url and not in_scopes(final_url, scopes):
        final_host = host_of(final_url)
        if (final_host and registrable(final_host) != registrable(host_of(target))
                and not is_trusted(final_host)):
            out.append(f"跳转到无关域名 {final_host}")
    judged = host_of(final_url or target)
    if title and not is_trusted(judged):
        words = bad_words(title)
        if words:
            out.append(f"目标页面标题“{title[:60]}”含“{'、'.join(words)}”")
    if final_url and not is_trusted(host_of(final_url)):
        words = bad_words(final_url)
        if words:
            out.append(f"跳转地址含“{'、'.join(words)}”")
    return out


def check(ctx: CheckContext) -> Iterator[FindingDraft]:
    scopes = ctx.cluster_scopes()
    # Only targets outside the cluster verified ok are judged: reading just their rows
    # gives the same entries as reading them all.
    carriers = ctx.link_carriers(outcome="ok", kinds=tuple(sorted(KINDS)),
                                 skip=lambda target: in_scopes(target, scopes))
    checks = ctx.link_checks(set(carriers))
    for target, entry in sorted(carriers.items()):
        lc = checks[target]  # carriers are targets whose check is ok
        found = evidence(target, lc.final_url, lc.title, scopes)
        if not found:
            continue
        anchor = f"“{entry['anchor']}”" if entry["anchor"] else ""
        yield FindingDraft(
            rule="link.hijacked", url=target, source=entry["source"], subject=target,
            message=(f"{'首页' if entry['on_homepage'] else '页面'}上的外部链接{anchor}疑似被劫持或"
                     f"变异：{'；'.join(found)}（{target}）"),
            detail={"target": target, "final_url": lc.final_url, "evidence": found,
                    "title": lc.title, "redirects": lc.redirects,
                    "on_homepage": entry["on_homepage"], "pages": len(entry["pages"])},
        )


RULE = Rule(name="hijack", ids=("link.hijacked",), check=check, needs_complete=False)
