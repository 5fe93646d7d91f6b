"""Readable text of stored attachments: .docx (python-docx) and .txt (UTF-8 / GB18030).

The crawl only verifies most attachments (HEAD) and stores no body; the ones it stored as
pages (a .docx or .txt page row) are read here. PDF, .doc, .wps and images are not read (a
known gap).
"""

from __future__ import annotations

import io
import zipfile

from parse import charset

READABLE = {".docx", ".txt"}


def attachment_text(body: bytes, ext: str) -> str | None:
    """Readable text of a stored attachment, or None when the format is not read."""
    if ext == ".txt":
        return charset.decode_text(body)
    if ext == ".docx":
        try:
            import docx

            document = docx.Document(io.BytesIO(body))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            return None
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
        for section in document.sections:
            parts.extend(p.text for p in section.header.paragraphs)
        return "\n".join(parts)
    return None
