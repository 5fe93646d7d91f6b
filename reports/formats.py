"""The document formats the report commands write.

A module of its own so that building the ``govmon`` parser (every command's start) does
not import the document libraries behind :mod:`reports.notices` (python-docx, openpyxl:
~0.4 s of each start, also of ``govmon status``)."""

NOTICE_FORMATS = ("html", "docx", "xlsx", "pdf")
SCORECARD_FORMATS = ("html", "xlsx", "pdf")
