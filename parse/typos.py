"""Severe misspellings of fixed official terms and organ names in a page's text.

The list is data (``parse/data/serious_typos.yaml``: wrong → right with a note). A match
inside a correct longer term (an entry's ``right`` form or ``except`` list covering it) is
not a typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parse.datafile import DATA as DATA_DIR
from parse.datafile import load_yaml
from parse.page import PageView

DATA = DATA_DIR / "serious_typos.yaml"
CONTEXT = 15


@dataclass(frozen=True)
class Entry:
    wrong: str
    right: str
    note: str
    exceptions: tuple[str, ...]


@dataclass(frozen=True)
class TypoList:
    entries: dict[str, Entry]
    pattern: re.Pattern
    covers: dict[str, tuple[str, ...]]  # wrong -> correct terms that may contain it


def load(path: Path = DATA) -> TypoList:
    """Read and validate the typo list; a bad file raises ValueError naming file and entry."""
    data = load_yaml(path) or {}
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: 应包含非空的 entries 列表")
    entries: dict[str, Entry] = {}
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not str(item.get("wrong") or "").strip() or not str(
                item.get("right") or "").strip():
            raise ValueError(f"{path}: entries[{i}] 需要 wrong 和 right")
        wrong, right = str(item["wrong"]).strip(), str(item["right"]).strip()
        if wrong == right:
            raise ValueError(f"{path}: entries[{i}] wrong 与 right 相同: {wrong}")
        excepts = item.get("except") or []
        if not isinstance(excepts, list):
            raise ValueError(f"{path}: entries[{i}] except 应为列表")
        entries[wrong] = Entry(wrong, right, str(item.get("note") or ""),
                               tuple(str(e) for e in excepts))
    rights = {e.right for e in entries.values()}
    covers = {w: tuple(sorted({r for r in rights if w in r and r != w} | set(e.exceptions)))
              for w, e in entries.items()}
    pattern = re.compile("|".join(re.escape(w) for w in sorted(entries, key=len, reverse=True)))
    return TypoList(entries, pattern, covers)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> TypoList:
    return load(Path(path))


def typo_list(path: Path = DATA) -> TypoList:
    return _cached(str(path), path.stat().st_mtime)


def _covered(text: str, start: int, end: int, terms: tuple[str, ...]) -> bool:
    """Is text[start:end] part of one of ``terms`` at this position?"""
    for term in terms:
        lo = max(0, end - len(term))
        pos = text.find(term, lo)
        while pos != -1 and pos <= start:
            if pos + len(term) >= end:
                return True
            pos = text.find(term, pos + 1)
    return False


def context(text: str, start: int, end: int) -> str:
    return text[max(0, start - CONTEXT):end + CONTEXT].replace("\n", " ")


def find_typos(text: str, typos: TypoList | None = None) -> list[dict[str, str]]:
    """Serious typos in ``text`` with ±15 characters of context."""
    typos = typos or typo_list()
    found = []
    for m in typos.pattern.finditer(text):
        wrong = m.group(0)
        if _covered(text, m.start(), m.end(), typos.covers[wrong]):
            continue
        entry = typos.entries[wrong]
        found.append({"wrong": wrong, "right": entry.right, "note": entry.note,
                      "context": context(text, m.start(), m.end())})
    return found


def extract_page(view: PageView) -> list[dict[str, str]]:
    """Typos of the page text; the <title> only adds misspellings the text does not show
    (it usually repeats the heading: one problem, not two)."""
    hits = find_typos(view.text)
    seen = {h["wrong"] for h in hits}
    return hits + [h for h in find_typos(view.title) if h["wrong"] not in seen]
