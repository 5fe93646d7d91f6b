"""办事指南 pages and the key elements they show (the rules: ``checks/guides.py``).

The 10 element classes and their labels are data (``parse/data/guide_elements.yaml``).
A label counts when it stands as a label: a line (table cell, heading, paragraph start)
that is the label alone or the label followed by a colon, after optional numbering
(一、 / 1. / （三）) or brackets (【办理依据】). Footer containers are ignored (their
联系电话 is the site's, not the service's). 事项名称 is also shown by a title of the form
"<事项>办事指南".

A page is a guide when it shows ≥ 3 element labels, or its title/heading says 办事指南
and it is not a list page (a "办事指南" column listing guides is not a guide); a title
that is only the column name "办事指南" also needs at least one label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parse.datafile import DATA as DATA_DIR
from parse.datafile import load_yaml
from parse.page import PageView

DATA = DATA_DIR / "guide_elements.yaml"
GUIDE_TITLE = re.compile(r"(办事|服务)指南")
ITEM_TITLE = re.compile(r"^(.{2,}?)\s*[-—_:：|]*\s*(?:办事|服务)指南")
TITLE_SPLIT = re.compile(r"\s*[-_|—–]+\s*")
NUMBERING = r"(?:[（(【\[]?(?:[一二三四五六七八九十]+|\d{1,2})[、.．)）】\]]\s*)?"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Elements:
    classes: tuple[str, ...]
    by_label: dict[str, str]  # label -> class
    line: re.Pattern
    # Characters a label line can start with (brackets, numbering, labels' first
    # characters; digits too); None when any can (an empty label).
    starts: frozenset[str] | None = None


def load(path: Path = DATA) -> Elements:
    """Read the element classes; a bad file raises ValueError naming the file."""
    data = load_yaml(path) or {}
    raw = data.get("elements") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path}: 应包含 elements 映射 (要素类别: [标签, ...])")
    by_label: dict[str, str] = {}
    for cls, labels in raw.items():
        if not isinstance(labels, list) or not labels:
            raise ValueError(f"{path}: 要素“{cls}”应有标签列表")
        for label in [cls, *labels]:
            by_label.setdefault(re.sub(r"\s+", "", str(label)), str(cls))
    alternatives = "|".join(re.escape(x) for x in sorted(by_label, key=len, reverse=True))
    line = re.compile(rf"^{NUMBERING}(?:[【\[]({alternatives})[】\]]|[（(]?({alternatives})"
                      rf"[）)]?(?:[：:]|$))")
    starts = None if "" in by_label else frozenset(
        "（(【[一二三四五六七八九十" + "".join(label[0] for label in by_label))
    return Elements(tuple(str(c) for c in raw), by_label, line, starts)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> Elements:
    return load(Path(path))


def elements(path: Path = DATA) -> Elements:
    return _cached(str(path), path.stat().st_mtime)


def labels_in(lines: list[str], spec: Elements | None = None) -> set[str]:
    """Element classes whose labels stand as labels in ``lines``."""
    spec = spec or elements()
    found: set[str] = set()
    for line in lines:
        compact = _SPACES.sub("", line)
        if not compact or len(compact) > 400:
            continue
        m = spec.line.match(compact)
        if m:
            found.add(spec.by_label[m.group(1) or m.group(2)])
    return found


def _label_line(spec: Elements, line: str) -> bool:
    """Whether a text line starts with an element label (``Elements.line``). Most lines
    of a page are ruled out by their first character without stripping them."""
    if spec.starts is not None:
        first = line.lstrip()[:1]  # the first character once whitespace is removed
        if first not in spec.starts and not first.isdecimal():  # isdecimal: what \d is
            return False
    return _label_match(spec.line, line)


@lru_cache(maxsize=1 << 15)  # menu and footer lines repeat on every page
def _label_match(line_re: re.Pattern, line: str) -> bool:
    return line_re.match(_SPACES.sub("", line)) is not None


def item_name(view: PageView) -> str | None:
    """The service item named by a "<事项>办事指南" heading or title, if any."""
    first = TITLE_SPLIT.split(view.title.strip())[0] if view.title else ""
    for text in (view.heading, first):
        m = ITEM_TITLE.match(text.strip())
        if m and m.group(1).strip("《》“”\"' "):
            return m.group(1).strip()
    return None


def extract_page(view: PageView) -> dict | None:
    """{'present': [...classes], 'name': str} for a guide page, None for other pages."""
    spec = elements()
    says_guide = bool(GUIDE_TITLE.search(view.heading) or GUIDE_TITLE.search(view.title))
    if not says_guide and not any(_label_line(spec, x) for x in view.lines):
        return None
    present = labels_in(view.main_lines, spec)
    name = item_name(view)
    if name:
        present.add(spec.classes[0])  # the first class of the data file: 事项名称
    is_guide = len(present) >= 3 or (
        says_guide and view.kind != "column" and (name is not None or present))
    if not is_guide:
        return None
    return {"present": sorted(present, key=spec.classes.index),
            "name": name or view.heading or view.title}
