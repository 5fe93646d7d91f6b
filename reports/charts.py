"""Charts as inline SVG: self-contained, no JavaScript, no fonts or files from the network.

Every text put into the SVG goes through ``markupsafe.escape`` (site names come from the
registry, but a registry is a spreadsheet someone typed).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

FONT = "'WenQuanYi Zen Hei','Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
PALETTE = ("#1f5fa8", "#d9822b", "#2a9d5c", "#8e44ad", "#c0392b", "#16a0a0", "#7f8c2d",
           "#b8578f", "#5d6d7e", "#a0522d")
PASS, FAIL, OPEN = "#2a9d5c", "#c0392b", "#d9a400"
VERDICT_COLOURS = {"合格": PASS, "不合格": FAIL, "待定": OPEN}

SCORE_BINS = (("0–59", 0, 60), ("60–69", 60, 70), ("70–79", 70, 80), ("80–89", 80, 90),
              ("90–100", 90, 100.0001), ("100 以上", 100.0001, 1e9))


def _t(x: float, y: float, text: object, *, size: int = 12, anchor: str = "middle",
       fill: str = "#333", weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}" font-family="{FONT}"{extra}>'
            f"{escape(str(text))}</text>")


def score_bins(cards: list[tuple[float | None, str]]) -> list[tuple[str, int]]:
    """Counts per score band of (score, verdict) pairs: a veto (no score) and 待定 (the
    score is not final) in bands of their own first."""
    vetoed = sum(1 for s, v in cards if s is None and v != "待定")
    pending = sum(1 for _, v in cards if v == "待定")
    scores = [s for s, v in cards if s is not None and v != "待定"]
    out = [("单项否决", vetoed), ("待定", pending)]
    for label, lo, hi in SCORE_BINS:
        if label == "100 以上" and not any(s > 100 for s in scores):
            continue
        out.append((label, sum(1 for s in scores if lo <= s < hi)))
    return out


def histogram(bins: list[tuple[str, int]], title: str, *, width: int = 440,
              height: int = 300) -> str:
    """Vertical bars with counts; the veto band is red, failing scores red, others blue."""
    left, right, top, bottom = 48, 16, 36, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    top_count = max([c for _, c in bins] + [1])
    step = max(1, -(-top_count // 5))
    y_max = step * max(1, -(-top_count // step))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart histogram" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
             f"<title>{escape(title)}</title>",
             _t(width / 2, 20, title, size=14, weight="bold")]
    for k in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * k / y_max
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(_t(left - 8, y + 4, k, size=11, anchor="end", fill="#666"))
    slot = plot_w / max(1, len(bins))
    for i, (label, count) in enumerate(bins):
        x = left + i * slot + slot * 0.15
        h = plot_h * count / y_max
        y = top + plot_h - h
        colour = (FAIL if label in ("单项否决", "0–59") else OPEN if label == "待定"
                  else PALETTE[0])
        parts.append(f'<rect class="bar" data-label="{escape(label)}" data-count="{count}" '
                     f'x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                     f'fill="{colour}"/>')
        if count:
            parts.append(_t(x + slot * 0.35, y - 5, count, size=12, weight="bold"))
        parts.append(_t(x + slot * 0.35, top + plot_h + 18, label, size=12))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
                 f'y2="{top + plot_h}" stroke="#333"/>')
    parts.append(_t(left + plot_w / 2, height - 8, "得分区间（网站数）", size=11, fill="#666"))
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class Point:
    score: float | None  # None: a veto hit (no score) or no card
    verdict: str | None  # None: no card for this x


@dataclass
class Series:
    name: str
    points: list[Point]


def line_chart(x_labels: list[str], series: list[Series], title: str, *,
               width: int = 720, height: int = 320, legend: bool = True,
               pass_mark: float = 60) -> str:
    """Scores over time, one line per series. A veto (no score) is a red ✕ on the axis
    labelled 否决; a missing card breaks the line; the pass mark is a dashed line.

    (One function on purpose: frame, grid, pass mark, series and legend are drawn in
    document order, and the SVG reads best in the order it is painted.)"""
    n = len(x_labels)
    legend_w = 200 if legend and series else 0
    left, right, top, bottom = 44, 16 + legend_w, 36, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    scores = [p.score for s in series for p in s.points if p.score is not None]
    y_max = max(100.0, *scores) if scores else 100.0
    y_max = 10 * -(-y_max // 10)

    def xy(i: int, score: float) -> tuple[float, float]:
        x = left + plot_w * (i + 0.5) / max(1, n)
        return x, top + plot_h - plot_h * score / y_max

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart trend" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
             f"<title>{escape(title)}</title>",
             _t((left + width - right) / 2, 20, title, size=14, weight="bold")]
    for k in range(0, int(y_max) + 1, 20):
        _, y = xy(0, k)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="#e4e4e4"/>')
        parts.append(_t(left - 6, y + 4, k, size=11, anchor="end", fill="#666"))
    _, py = xy(0, pass_mark)
    parts.append(f'<line x1="{left}" y1="{py:.1f}" x2="{left + plot_w}" y2="{py:.1f}" '
                 f'stroke="{FAIL}" stroke-dasharray="5,4" stroke-width="1"/>')
    parts.append(_t(left + plot_w - 2, py - 4, f"合格线 {pass_mark:g}", size=10,
                    anchor="end", fill=FAIL))
    for i, label in enumerate(x_labels):
        x, _ = xy(i, 0)
        parts.append(_t(x, top + plot_h + 18, label, size=11, fill="#444"))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                 f'y2="{top + plot_h}" stroke="#333"/>')
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, p in enumerate(s.points):
            if p.score is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = xy(i, p.score)
            segment.append(f"{x:.1f},{y:.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                             f'points="{" ".join(seg)}"/>')
        for i, p in enumerate(s.points):
            if p.verdict is None:
                continue
            if p.score is None:  # veto: no score; crosses side by side, not on top
                x, y = xy(i, 0)
                x += 11 * (k - (len(series) - 1) / 2)
                parts.append(f'<g class="point veto" data-series="{escape(s.name)}">'
                             f'<path d="M{x - 5:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 5:.1f} '
                             f'M{x - 5:.1f},{y + 5:.1f} L{x + 5:.1f},{y - 5:.1f}" '
                             f'stroke="{FAIL}" stroke-width="2.5"/></g>')
                continue
            x, y = xy(i, p.score)
            fill = VERDICT_COLOURS.get(p.verdict, colour)
            parts.append(f'<circle class="point" data-series="{escape(s.name)}" '
                         f'data-score="{p.score:g}" cx="{x:.1f}" cy="{y:.1f}" r="4.5" '
                         f'fill="{fill}" stroke="{colour}" stroke-width="2"/>')
            if not legend or len(series) == 1:
                parts.append(_t(x, y - 9, f"{p.score:g}", size=11, fill="#333"))
    if legend and series:
        lx = width - legend_w + 8
        for k, s in enumerate(series):
            colour = PALETTE[k % len(PALETTE)]
            y = top + 6 + 18 * k
            parts.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 18}" y2="{y}" '
                         f'stroke="{colour}" stroke-width="3"/>')
            name = s.name if len(s.name) <= 13 else s.name[:12] + "…"
            parts.append(_t(lx + 24, y + 4, name, size=11, anchor="start"))
        y = top + 6 + 18 * len(series) + 8
        for j, (label, colour) in enumerate(VERDICT_COLOURS.items()):
            cx = lx + 6 + 46 * j
            parts.append(f'<circle cx="{cx}" cy="{y}" r="4.5" fill="{colour}"/>')
            parts.append(_t(cx + 8, y + 4, label, size=10, anchor="start"))
        cx = lx + 6 + 46 * 3
        parts.append(f'<path d="M{cx - 4},{y - 4} L{cx + 4},{y + 4} M{cx - 4},{y + 4} '
                     f'L{cx + 4},{y - 4}" stroke="{FAIL}" stroke-width="2"/>')
        parts.append(_t(cx + 8, y + 4, "否决", size=10, anchor="start"))
    parts.append("</svg>")
    return "".join(parts)
