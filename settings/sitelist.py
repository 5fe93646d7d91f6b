"""The import of supervisors' site lists (CSV in UTF-8, UTF-8 with BOM, GBK or UTF-16;
XLSX) into the registry: all or nothing, every bad row one ``file:line: column: problem``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from settings.registry import KIND_ALIASES, Registry, RegistryError, SiteSpec
from settings.schema import Problems
from settings.sitecheck import _LATIN1_OK, IMPORT_FIELDS, _check, _shown

STATUS_ALIASES = {"运行": "运行", "正常": "运行", "running": "运行", "": "运行",
                  "关停": "关停", "关闭": "关停", "closed": "关停"}
IMPORT_HEADERS = ["网站标识码", "网站名称", "首页网址", "类型", "上级网站标识码"]  # + optional 状态
HEADER_SEARCH_ROWS = 10  # a title row (e.g. "XX市政府网站名单") may sit above the header


def _decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding). Excel writes UTF-8, UTF-8 with BOM, GBK ("CSV") or UTF-16
    ("Unicode 文本")."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


# Big5 (traditional Chinese) bytes are valid GBK too: read as GBK they come out as real
# characters, a third or more of them unusual (see _gb_unusual), where a mainland list has
# almost none. A file or a cell past these marks is refused rather than imported garbled.
RARE_SHARE, RARE_MIN = 1 / 3, 2


def _looks_big5(text: str) -> bool:
    wide, unusual = _gb_unusual(text)
    return unusual >= RARE_MIN and unusual >= RARE_SHARE * wide


@dataclass
class _Cell:
    text: str
    number: bool = False  # the spreadsheet stored a number (leading zeros may be lost)
    garbled: bool = False  # decoded as GBK but reads like Big5 (see _looks_big5)


def _cell_text(value: Any, number_format: str | None = None) -> str:
    """Spreadsheet cell → text. Numbers typed into a code column come back as int or float
    (5101000001.0); a zero-padded number format ("0000000000") keeps its leading zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        fmt = (number_format or "").strip('"')
        if fmt and set(fmt) == {"0"}:
            text = text.zfill(len(fmt))
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _clean(str(value))


_LINE_BREAKS = re.compile(r"\s*[\r\n\t\u2028\u2029]+\s*")


def _clean(text: str) -> str:
    """A cell's text: zero-width marks dropped, line breaks (Alt+Enter in Excel) and tabs
    turned into one space; other control characters stay, for validation to refuse."""
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return _LINE_BREAKS.sub(" ", text).strip()


def _code_text(cell: _Cell | None) -> str:
    """A site code from a cell. "5101000001.0" → "5101000001"; "BM…" → "bm…"; a number
    cell that lost its leading zeros is padded back to 10 digits (codes have 10)."""
    if cell is None:
        return ""
    text = cell.text.replace(" ", "")
    if re.fullmatch(r"\d+\.0*", text):
        text = text.split(".")[0]
    if cell.number and text.isdigit() and len(text) < 10:
        text = text.zfill(10)
    if re.fullmatch(r"(?i)bm\d{8}", text):
        text = text.lower()
    return text


Rows = list[tuple[int, list[_Cell]]]


def _xlsx_rows(path: Path) -> Rows:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of a damaged or non-xlsx file
        raise RegistryError([f"{path}: 无法读取 Excel 文件 ({type(exc).__name__})"]) from None
    try:
        sheets = [wb.active] + [ws for ws in wb.worksheets if ws is not wb.active]
        first: Rows | None = None
        for ws in sheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # some writers store a wrong sheet size
            rows: Rows = []
            line = 0
            for cells in ws.iter_rows():
                numbers = [c.row for c in cells if getattr(c, "row", None)]
                line = numbers[0] if numbers else line + 1
                row = []
                for c in cells:
                    value = getattr(c, "value", None)
                    row.append(_Cell(_cell_text(value, getattr(c, "number_format", None)),
                                     isinstance(value, int | float)
                                     and not isinstance(value, bool)))
                rows.append((line, row))
            if first is None:
                first = rows
            if _find_header(rows) is not None:
                return rows
        return first or []
    finally:
        wb.close()


def _csv_rows(path: Path) -> Rows:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryError([f"{path}: 无法读取 ({exc.strerror})"]) from None
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")) \
            and raw[:8192].count(b"\x00") > 8:
        raise RegistryError([f"{path}: 不是文本文件 (含有 NUL 字节)；应为 CSV (UTF-8 或 GBK) "
                             "或 .xlsx"])
    try:
        text, encoding = _decode(raw)
    except UnicodeDecodeError:
        raise RegistryError([f"{path}: 无法识别编码 (应为 UTF-8 或 GBK)"]) from None
    gb = encoding == "gb18030"
    if gb and _looks_big5(text):
        raise RegistryError([f"{path}: 编码不是 UTF-8 或 GBK (疑似 Big5 繁体编码)，"
                             "请在 Excel 中另存为 “CSV UTF-8” 后重新导入"])
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: Rows = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, [_Cell(t, garbled=gb and _looks_big5(t))
                                 for t in map(_clean, cells)]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RegistryError([f"{path}:{reader.line_num}: CSV 格式错误 ({exc})"]) from None
    return rows


def _norm_header(text: str) -> str:
    return re.sub(r"[\s*＊]", "", text)


def _find_header(rows: Rows) -> int | None:
    """Index of the header row among the first non-empty rows."""
    seen = 0
    for i, (_, cells) in enumerate(rows):
        if not any(c.text for c in cells):
            continue
        names = {_norm_header(c.text) for c in cells}
        if all(h in names for h in IMPORT_HEADERS):
            return i
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def _rows_from_file(path: Path) -> list[tuple[int, dict[str, _Cell]]]:
    """(line number, row) pairs below the header row, keyed by normalised header names."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise RegistryError([f"{path}: 不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV"])
    if not path.exists():
        raise RegistryError([f"{path}: 文件不存在"])
    if path.is_dir():
        raise RegistryError([f"{path}: 是目录，不是文件"])
    rows = _xlsx_rows(path) if suffix in (".xlsx", ".xlsm") else _csv_rows(path)
    nonempty = [(n, cells) for n, cells in rows if any(c.text for c in cells)]
    if not nonempty:
        raise RegistryError([f"{path}: 文件为空"])
    at = _find_header(rows)
    if at is None:
        line, cells = nonempty[0]
        names = {_norm_header(c.text) for c in cells}
        missing = [h for h in IMPORT_HEADERS if h not in names]
        raise RegistryError([f"{path}:{line}: 缺少表头 {', '.join(missing)} "
                             f"(应为 {','.join(IMPORT_HEADERS)}[,状态])"])
    header = [_norm_header(c.text) for c in rows[at][1]]
    out = []
    for lineno, cells in rows[at + 1:]:
        if not any(c.text for c in cells):
            continue
        row: dict[str, _Cell] = {}
        for name, cell in zip(header, cells, strict=False):
            if name and name not in row:
                row[name] = cell
        out.append((lineno, row))
    return out


def import_file(path: Path, existing: Registry | None = None) -> tuple[Registry, int, int]:
    """Merge a supervisor's CSV/XLSX into ``existing``; returns (registry, added, updated)
    where ``updated`` counts registry sites the file changed. (Long: one pass over the rows
    collecting every problem of the file, all-or-nothing.)

    A site already in the registry (same code) is updated from the file and keeps what the
    file cannot say (hosts, prefixes, hints, …, and its status when the file has none).
    All-or-nothing: any bad row raises RegistryError listing the bad rows (file:line:
    column: problem; the first 50 and how many there are).
    """
    rows = _rows_from_file(path)
    base = {s.code: s for s in (existing.sites if existing else [])}
    registry_loc = str(existing.path) if existing and existing.path else "sites.yaml"
    imported: dict[str, SiteSpec] = {}
    line_of: dict[str, int] = {}  # code -> line in the file
    problems = Problems()

    def bad(lineno: int, column: str, msg: str) -> None:
        problems.add(lineno, f"{path}:{lineno}: {column}: {msg}")

    def text(row: dict[str, _Cell], name: str) -> str:
        cell = row.get(name)
        return cell.text if cell else ""

    for lineno, row in rows:
        code = _code_text(row.get("网站标识码"))
        if not code:
            bad(lineno, "网站标识码", "不能为空")
            continue
        if code in imported:
            bad(lineno, "网站标识码", f"'{_shown(code)}' 重复 (已见于 {path}:{line_of[code]})")
            continue
        for column, cell in row.items():
            if cell.garbled and column in IMPORT_HEADERS + ["状态"]:
                bad(lineno, column, f"'{_shown(cell.text)}' 疑似乱码 (GBK 文件中混有 Big5 等"
                                    "其他编码的文字)，请核对后另存为 UTF-8")
        old = base.get(code)
        kind = text(row, "类型")
        status = text(row, "状态")
        if status:
            status = STATUS_ALIASES.get(status.lower(), status)
        else:  # no 状态 column, or left empty: keep what the registry says
            status = old.status if old else "运行"
        line_of[code] = lineno
        imported[code] = SiteSpec(
            code=code, name=text(row, "网站名称"), url=text(row, "首页网址"),
            kind=KIND_ALIASES.get(kind.lower(), kind),
            parent=_code_text(row.get("上级网站标识码")) or None, status=status,
            hosts=list(old.hosts) if old else [], prefixes=list(old.prefixes) if old else [],
            hints=dict(old.hints) if old else {},
            has_services=old.has_services if old else True,
            ignore_robots=old.ignore_robots if old else False,
        )
    merged = dict(base)
    merged.update(imported)
    sites = list(merged.values())
    locs = [f"{path}:{line_of[s.code]}" if s.code in imported else f"{registry_loc} ({s.code})"
            for s in sites]
    for i, msg in _check(sites, locs, IMPORT_FIELDS):
        problems.add(line_of.get(sites[i].code, 0), msg)
    if problems:
        raise RegistryError(problems.lines())
    added = sum(1 for c in imported if c not in base)
    updated = sum(1 for c, s in imported.items()
                  if c in base and s.to_yaml() != base[c].to_yaml())
    trusted = existing.trusted_networks if existing else []
    return (Registry(sites=sites, trusted_networks=list(trusted),
                     path=existing.path if existing else None), added, updated)


def _gb_unusual(text: str) -> tuple[int, int]:
    """(non-ASCII characters, of which unusual in a mainland site list): Big5 bytes read as
    GBK come out as rare hanzi outside GB2312, kana, Cyrillic, box drawing and private-use
    characters."""
    wide = unusual = 0
    for c in text:
        if c < "\x80":
            continue
        wide += 1
        if "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or c in _LATIN1_OK:
            continue  # CJK and full-width punctuation
        try:
            c.encode("gb2312")
            if not ("\u3040" <= c <= "\u30ff" or "\u0370" <= c <= "\u04ff"
                    or "\u2500" <= c <= "\u257f"):
                continue
        except UnicodeEncodeError:
            pass
        unusual += 1
    return wide, unusual
