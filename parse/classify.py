"""Column categories and update classes from keyword data (``parse/data/column_classes.yaml``).

The category says what a column is (政策文件, 动态要闻 …: the indicators' column kinds,
used by ``column.missing``); the update class says how often it must be updated (news 2
weeks, notice 6 months, personnel 1 year, none). Both come from data; the registry can set
them per column (``hints: {columns: {<URL or name>: {class: …}}}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data" / "column_classes.yaml"
UPDATE_CLASSES = ("news", "notice", "personnel", "none")


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    update: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    categories: tuple[Category, ...]
    required: tuple[str, ...]
    placeholders: tuple[str, ...]
    limit_keys: dict[str, str]
    not_columns: tuple[str, ...] = ()

    def is_service_page(self, name: str | None) -> bool:
        """网站地图, 联系我们 …: pages every site links that are not columns."""
        text = "".join((name or "").split())
        return any(text.startswith(x) or text == x for x in self.not_columns)

    def by_id(self, cid: str) -> Category | None:
        return next((c for c in self.categories if c.id == cid), None)

    def category_of(self, name: str | None) -> Category | None:
        """The first category whose keyword the column name contains."""
        if not name:
            return None
        text = "".join(name.split())
        for cat in self.categories:
            if any(x in text for x in cat.exclude):
                continue
            if any(k in text for k in cat.keywords):
                return cat
        return None

    def resolve(self, name: str | None, hint: dict[str, Any] | None = None
                ) -> tuple[str | None, str]:
        """(category id, update class) of a column, the registry hint first.

        A hint's ``class`` may be an update class (news, notice, personnel, none), a
        category id (policy …) or a category's Chinese name (政策文件 …).
        """
        cat = self.category_of(name)
        category, update = (cat.id, cat.update) if cat else (None, "none")
        if hint:
            if hint.get("category"):
                c = self._lookup(str(hint["category"]))
                if c:
                    category, update = c.id, c.update
            value = hint.get("class")
            if value is not None:
                value = str(value)
                if value in UPDATE_CLASSES:
                    update = value
                else:
                    c = self._lookup(value)
                    if c:
                        category, update = c.id, c.update
        return category, update

    def _lookup(self, value: str) -> Category | None:
        return next((c for c in self.categories if value in (c.id, c.name)), None)


class VocabularyError(ValueError):
    pass


@lru_cache(maxsize=4)
def load(path: Path = DATA) -> Vocabulary:
    """Read and check the keyword file; one clear line on a bad entry."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path}: 无法读取栏目分类文件 ({type(exc).__name__})") from None
    cats = []
    for i, raw in enumerate(data.get("categories") or [], start=1):
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("keywords"):
            raise VocabularyError(f"{path}: categories[{i}] 缺少 id 或 keywords")
        update = str(raw.get("update", "none"))
        if update not in UPDATE_CLASSES:
            raise VocabularyError(f"{path}: categories[{i}] 未知更新类别 '{update}'")
        cats.append(Category(id=str(raw["id"]), name=str(raw.get("name") or raw["id"]),
                             update=update, keywords=tuple(str(k) for k in raw["keywords"]),
                             exclude=tuple(str(k) for k in raw.get("exclude") or ())))
    ids = {c.id for c in cats}
    required = tuple(str(r) for r in data.get("required") or ())
    unknown = [r for r in required if r not in ids]
    if unknown:
        raise VocabularyError(f"{path}: required 中的类别未定义: {', '.join(unknown)}")
    limits = {str(k): str(v) for k, v in (data.get("update_classes") or {}).items()}
    return Vocabulary(categories=tuple(cats), required=required,
                      placeholders=tuple(str(p) for p in data.get("placeholders") or ()),
                      limit_keys=limits,
                      not_columns=tuple(str(p) for p in data.get("not_columns") or ()))


def column_hints(hints: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The registry's per-column hints: {URL or name: {class, name, level, category}}."""
    raw = (hints or {}).get("columns") or {}
    if not isinstance(raw, dict):
        return {}
    return {str(k).strip(): (v if isinstance(v, dict) else {"class": v})
            for k, v in raw.items()}
