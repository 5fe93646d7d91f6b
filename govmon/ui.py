"""Live crawl display and registry tables for the terminal (rich)."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from reports.terminal import probe_table, runs_table, sites_table, summary_table, workers_table
from settings.registry import Registry

__all__ = ["CrawlDisplay", "probe_table", "runs_table", "sites_table", "summary_table",
           "workers_table"]


class CrawlDisplay:
    """Per-site pages, links verified, errors and rate while a crawl runs.

    Workers report cumulative counters per site; the display keeps the latest per phase.
    On a non-terminal (cron, CI) it stays silent: the summary table follows at the end.
    """

    def __init__(self, console: Console, registry: Registry, codes: list[str] | None):
        self.console = console
        self.registry = registry
        self.codes = codes or [s.code for s in registry.running()]
        self.counters: dict[str, dict[str, int]] = {c: {} for c in self.codes}
        self.started = time.monotonic()
        self.phase = "crawl"
        self.live: Live | None = None

    def __enter__(self) -> CrawlDisplay:
        if self.console.is_terminal:
            self.live = Live(self._table(), console=self.console, refresh_per_second=4,
                             transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live:
            self.live.__exit__(*exc)

    def update(self, phase: str, message: dict[str, dict[str, int]]) -> None:
        self.phase = phase
        for code, counters in message.items():
            self.counters.setdefault(code, {}).update(counters)
        if self.live:
            self.live.update(self._table())

    def _table(self) -> Table:
        elapsed = max(time.monotonic() - self.started, 0.001)
        phase = "抓取页面" if self.phase == "crawl" else "校验链接"
        t = Table(title=f"govmon 抓取中 — {phase} — {elapsed:.0f}s", expand=False)
        for col in ("网站", "页面", "已校验链接", "错误", "页/秒"):
            t.add_column(col, justify="right" if col != "网站" else "left")
        total = 0
        for code in self.codes:
            c = self.counters.get(code, {})
            site = self.registry.by_code(code)
            pages = c.get("pages", 0)
            total += pages
            t.add_row(site.name if site else code, str(pages), str(c.get("links_verified", 0)),
                      str(c.get("errors", 0)), f"{pages / elapsed:.1f}")
        t.caption = f"合计 {total} 页，{total / elapsed:.1f} 页/秒"
        return t
