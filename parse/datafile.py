"""The data files page understanding reads (``parse/data/*.yaml``: vocabularies, word lists)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"


def load_yaml(path: Path) -> Any:
    """A data file (C loader when PyYAML has it); a bad file raises ValueError with its line."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValueError(f"{path}{f':{mark.line + 1}' if mark else ''}: YAML 格式错误") from None
