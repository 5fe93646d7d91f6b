"""An exclusive lock on a file (``flock``), re-entrant within one process.

The workspace lock (``govmon.lock``) keeps two crawls apart for hours; a migration of a
new SQLite store takes the same file for a second. A crawl that has to migrate the store
it opens already holds the lock: taking it again in the same process must not deadlock
(``flock`` on a second descriptor of the same file would wait for ourselves), hence the
per-process count and the ``reentrant`` holds of migrations.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class LockBusy(Exception):
    """Another process holds the lock; ``holder`` is the pid it wrote, or '?'."""

    def __init__(self, path: Path, holder: str):
        super().__init__(f"{path} is held by process {holder}")
        self.path = path
        self.holder = holder


_held: dict[str, int] = {}  # real path -> how many times this process holds it
_guard = threading.Lock()


@contextmanager
def hold(path: Path, wait: float = 0.0, done: Callable[[], bool] | None = None,
         reentrant: bool = False) -> Iterator[bool]:
    """Hold the lock on ``path`` (created if missing); waits up to ``wait`` seconds for
    another process to let go, then raises :class:`LockBusy`. While waiting, ``done()``
    returning True ends the wait without the lock (the context yields False): what the
    holder was doing for us is done. Held by this process already: a ``reentrant`` hold
    goes ahead, another is refused as if another process held it. OSError (read-only
    directory …) propagates."""
    key = os.path.realpath(path)
    with _guard:
        reentered = bool(_held.get(key))
        if reentered and reentrant:
            _held[key] += 1
    if reentered and not reentrant:
        raise LockBusy(path, str(os.getpid()))
    if reentered:
        try:
            yield True
        finally:
            with _guard:
                _held[key] -= 1
        return
    deadline = time.monotonic() + wait
    with open(path, "a+", encoding="utf-8") as f:
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if done is not None and done():
                    yield False
                    return
                if time.monotonic() >= deadline:
                    f.seek(0)
                    raise LockBusy(path, f.read().strip() or "?") from None
                time.sleep(0.1)
        with _guard:
            _held[key] = 1
        try:
            f.seek(0)
            f.truncate()
            f.write(str(os.getpid()))
            f.flush()
            yield True
        finally:
            with _guard:
                _held.pop(key, None)
            f.seek(0)
            f.truncate()
            f.flush()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
