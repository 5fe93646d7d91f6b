"""The terminal consoles every command prints through (one place for the width rule)."""

import sys

from rich.console import Console

# Wide enough for Chinese site names when output goes to a file or cron mail.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
