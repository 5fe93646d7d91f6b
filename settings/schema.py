"""What every input file of govmon goes through: bounded YAML with line numbers, schema
errors as one line each (``file:line: key: what is wrong``), at most 50 of them.

Schemas are pydantic v2 models (settings, ``sites.yaml`` entries, manual results): types,
ranges and enumerations are declared once next to the data instead of hand-written
``isinstance`` chains, which is how ``timeout: -1`` (an int where a float was expected)
slipped past the old ``< 0`` check. This module turns pydantic's errors into the Chinese
one-liners users see and locates them in the file.

YAML is composed first and looked at before anything is built from it: aliases may not
expand past ``MAX_ALIAS_EXPANSION`` nodes (a ten-line alias bomb is millions of nodes
once anything walks it), anchors may not refer to themselves, nesting is bounded and a key
may appear only once in a mapping (PyYAML silently keeps the last one).
"""

from __future__ import annotations

import difflib
import errno
import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, ValidationError

MAX_ALIAS_EXPANSION = 10_000  # nodes an alias may add beyond the file's own
MAX_DEPTH = 100  # nesting levels
MAX_PROBLEMS = 50  # problems listed per file; the rest are counted

_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present


class InputError(ValueError):
    """A file or argument the user gave is wrong: the message is one line per problem
    (``file:line: key: problem``); the command exits 2."""


class YamlProblem(ValueError):
    """A YAML file that cannot be read: ``line`` (1-based, 0 if unknown) and the problem."""

    def __init__(self, line: int, problem: str):
        super().__init__(problem)
        self.line = line
        self.problem = problem

    def render(self, shown: str) -> str:
        return f"{shown}:{self.line}: {self.problem}" if self.line else f"{shown}: {self.problem}"


Path_ = tuple[str, ...]


@dataclass
class YamlDoc:
    """Loaded YAML plus where each node was: ``line(("sites", "3", "url"))``."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    scalars: dict[Path_, str] = field(default_factory=dict)  # source text of scalars

    def line(self, path: Iterable[Any] = ()) -> int:
        """Line of the node at ``path`` (keys and list indexes), or of its nearest known
        parent; 1 for the top."""
        parts = tuple(str(p) for p in path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get((), 1)


def load_yaml(text: str) -> YamlDoc:
    """Compose, check and construct one YAML document; raises :class:`YamlProblem`."""
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None)
        raise YamlProblem(mark.line + 1 if mark else 0,
                          "YAML 格式错误" + (f" ({problem})" if problem else "")) from None
    except RecursionError:
        raise YamlProblem(0, f"YAML 嵌套层数过多 (最多 {MAX_DEPTH} 层)") from None
    if root is None:
        return YamlDoc(None)
    doc = YamlDoc(None)
    _Inspector(doc).run(root)
    loader = yaml.SafeLoader("")
    try:
        doc.data = loader.construct_document(root)
    except yaml.YAMLError as exc:  # e.g. a bad !!binary or timestamp
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        raise YamlProblem(mark.line + 1 if mark else 0, f"YAML 格式错误 ({exc.problem})"
                          if getattr(exc, "problem", None) else "YAML 格式错误") from None
    except (TypeError, ValueError, OverflowError) as exc:
        # e.g. a mapping used as a key, a date out of range
        raise YamlProblem(0, f"YAML 格式错误 ({type(exc).__name__})") from None
    finally:
        loader.dispose()
    return doc


class _Inspector:
    """One walk over the composed node graph: line numbers, duplicate keys, depth, and the
    size the document would have with every alias expanded (memoised per node, so an
    alias bomb costs one visit per distinct node)."""

    def __init__(self, doc: YamlDoc):
        self.doc = doc
        self.size: dict[int, int] = {}
        self.active: set[int] = set()
        self.reused: dict[int, yaml.Node] = {}  # nodes an alias refers to

    def run(self, root: yaml.Node) -> None:
        self.doc.lines[()] = root.start_mark.line + 1
        expanded = self.walk(root, (), 0)
        extra = expanded - len(self.size)
        if extra > MAX_ALIAS_EXPANSION:
            biggest = max(self.reused.items(), key=lambda kv: self.size[kv[0]])[1]
            raise YamlProblem(biggest.start_mark.line + 1,
                              f"YAML 别名 (*alias) 展开后多出 {extra:,} 个节点，"
                              f"超过上限 {MAX_ALIAS_EXPANSION:,} (别名炸弹?)")

    def walk(self, node: yaml.Node, path: Path_, depth: int) -> int:
        key = id(node)
        if key in self.active:
            raise YamlProblem(node.start_mark.line + 1, "YAML 锚点引用了自身 (循环引用)")
        if key in self.size:
            self.reused[key] = node
            return self.size[key]
        if depth > MAX_DEPTH:
            raise YamlProblem(node.start_mark.line + 1,
                              f"YAML 嵌套层数过多 (最多 {MAX_DEPTH} 层)")
        self.active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for k, v in node.value:
                kline = k.start_mark.line + 1
                name = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if (k.tag, name) in seen:
                        raise YamlProblem(kline, f"{_dotted(path + (name,))}: 重复的键 "
                                                 f"(第 {seen[(k.tag, name)]} 行已有)")
                    seen[(k.tag, name)] = kline
                sub = path + (name,)
                self.doc.lines.setdefault(sub, kline)
                # the key node under a path of its own: its text is not the value's
                total += self.walk(k, sub + ("\0key",), depth + 1)
                total += self.walk(v, sub, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = path + (str(i),)
                self.doc.lines.setdefault(sub, item.start_mark.line + 1)
                total += self.walk(item, sub, depth + 1)
        else:
            self.doc.scalars.setdefault(path, str(node.value))
        self.active.discard(key)
        self.size[key] = total
        return total


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        p = str(p)
        out += f"[{p}]" if p.isdigit() and out else (f".{p}" if out else p)
    return out


def key_of(loc: Iterable[Any]) -> str:
    """A pydantic error location as users write it: ``hints.mailbox``, ``hosts[1]``."""
    return _dotted(loc)


# -- text without control characters ----------------------------------------------------
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # categories Cc, Zl, Zp


def control_char(text: str) -> str | None:
    """The first control character in ``text`` (as U+XXXX), or None. Tabs, CR/LF, NUL,
    DEL, C1 controls and line/paragraph separators never belong in a name, URL or header
    value: in an HTTP header they end it (header injection), in a report they break lines."""
    m = _CONTROL.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


def _clean_text(value: str) -> str:
    if (bad := control_char(value)) is not None:
        raise ValueError(f"含有控制字符 {bad}")
    return value


CleanText = Annotated[str, AfterValidator(_clean_text)]


# -- pydantic errors as one-liners -------------------------------------------------------
_TYPES = {
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "string_type": "应为文本", "list_type": "应为列表", "dict_type": "应为键值映射",
    "model_type": "应为键值映射", "dataclass_type": "应为键值映射",
    "model_attributes_type": "应为键值映射", "dataclass_args_type": "应为键值映射",
}


def _shown(value: Any) -> str:
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    text = "".join(f"\\x{ord(c):02x}" if control_char(c) else c for c in text)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def error_text(err: dict[str, Any]) -> str:
    """One pydantic error (``ValidationError.errors()`` item) in Chinese."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "missing":
        return "缺少字段"
    if kind == "extra_forbidden":
        return "未知字段"
    if kind == "finite_number":
        return "应为有限数字 (不能是 .inf 或 .nan)"
    if kind in _TYPES:
        return f"{_TYPES[kind]}，而不是 '{_shown(value)}'" if value is not None else \
            f"{_TYPES[kind]}，不能为空"
    if kind == "greater_than_equal":
        return f"不能小于 {_num(ctx['ge'])}，而不是 {_shown(value)}"
    if kind == "greater_than":
        return f"应大于 {_num(ctx['gt'])}，而不是 {_shown(value)}"
    if kind == "less_than_equal":
        return f"不能大于 {_num(ctx['le'])}，而不是 {_shown(value)}"
    if kind == "less_than":
        return f"应小于 {_num(ctx['lt'])}，而不是 {_shown(value)}"
    if kind in ("string_too_long", "too_long"):
        return f"过长 (最多 {ctx.get('max_length')} 个)"
    if kind in ("string_too_short", "too_short"):
        return "不能为空"
    if kind == "literal_error":
        return f"应为 {ctx.get('expected', '').replace(' or ', ' 或 ')}，而不是 '{_shown(value)}'"
    if kind == "value_error":
        return str(ctx.get("error") or err["msg"]).removeprefix("Value error, ")
    return err["msg"]


def validation_problems(exc: ValidationError, shown: str, line: Callable[[tuple], int],
                        prefix: tuple = (), known: list[str] | None = None) -> list[str]:
    """``file:line: key: problem`` for every error of ``exc``; ``line`` locates a path
    (``prefix`` + the error's location) in the file; an unknown key gets the closest of
    ``known`` as a hint."""
    return [msg for _, msg in located_problems(exc, shown, line, prefix, known)]


def located_problems(exc: ValidationError, shown: str, line: Callable[[tuple], int],
                     prefix: tuple = (), known: list[str] | None = None
                     ) -> list[tuple[int, str]]:
    """:func:`validation_problems` with the line of each, for sorting."""
    out = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        where = line(prefix + loc)
        key = key_of(loc)
        text = error_text(err)
        if err["type"] == "extra_forbidden" and known:
            hint = difflib.get_close_matches(loc[-1], known, n=1)
            text += f" (是否应为 {hint[0]}?)" if hint else f" (可用: {', '.join(known)})"
        out.append((where, f"{shown}:{where}: {key}: {text}" if key
                    else f"{shown}:{where}: {text}"))
    return out


# -- operating-system errors -------------------------------------------------------------
_OS_REASONS = {errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EROFS: "只读文件系统",
               errno.ENOENT: "文件或目录不存在", errno.ENOTDIR: "不是目录",
               errno.EISDIR: "是目录", errno.ENOSPC: "磁盘空间不足",
               errno.EDQUOT: "超出磁盘配额", errno.ENAMETOOLONG: "文件名过长",
               errno.EEXIST: "已存在"}


def os_reason(exc: OSError) -> str:
    """Why an OSError happened, in Chinese when it is one users meet."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or type(exc).__name__


# -- many problems -----------------------------------------------------------------------
class Problems:
    """Problems of one file by line: keeps the first ``limit`` (by line, then order found)
    and counts the rest, so a 400,000-row sheet with bad rows neither floods the terminal
    nor holds a million messages in memory."""

    def __init__(self, limit: int = MAX_PROBLEMS):
        self.limit = limit
        self.count = 0
        self._heap: list[tuple[int, int, str]] = []  # (-line, -order, message): a max-heap

    def add(self, line: int, message: str) -> None:
        self.count += 1
        item = (-line, -self.count, message)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def __bool__(self) -> bool:
        return self.count > 0

    def lines(self) -> list[str]:
        kept = [m for _, _, m in sorted(self._heap, key=lambda t: (-t[0], -t[1]))]
        if self.count > len(kept):
            kept.append(f"…… 共 {self.count} 个问题，只列出前 {len(kept)} 个")
        return kept


def capped(problems: list[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """``problems`` (already in order) cut to ``limit`` plus a line with the count."""
    if len(problems) <= limit:
        return problems
    return problems[:limit] + [f"…… 共 {len(problems)} 个问题，只列出前 {limit} 个"]
