"""Runs the bad-input corpus's commands (tests/test_badinput.py): one process that imports
govmon once, then one forked child per case — a real process with its own exit code,
stdout and stderr, killed at the timeout — instead of one cold interpreter start each
(~1 s apiece, most of the corpus's time).

Input (argv[1], JSON): [{"ws": dir, "args": [...], "uid": int | null}, ...].
Output (stdout, JSON): [{"code": int | null, "stdout": str, "stderr": str, "hung": bool}].
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time

PARALLEL = 3
TIMEOUT = 90.0


def _child(job: dict, out: str, err: str) -> None:
    """In the forked child: become the user, go to the workspace, run govmon."""
    code = 1
    try:
        os.setpgid(0, 0)  # its own group: a hung case is killed with whatever it started
        fd_out = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        fd_err = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd_out, 1)
        os.dup2(fd_err, 2)
        if job.get("uid") is not None:
            os.setgroups([])
            os.setgid(job["uid"])
            os.setuid(job["uid"])
        os.chdir(job["ws"])
        from govmon.cli import main

        try:
            code = main(job["args"])
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 - shows up as a traceback in the case's stderr
        import traceback

        traceback.print_exc()
        code = 99
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    jobs = json.loads(sys.argv[1])
    # Warm: every child starts with govmon imported. Also what govmon imports lazily: a
    # child running as another user may not be able to read the interpreter's own files
    # (a Python installed under /root), and would fail importing, not on its case.
    import importlib

    for module in ("govmon.cli", "govmon.commands.check", "govmon.commands.report",
                   "govmon.commands.score", "govmon.commands.nightly", "sqlite3",
                   "alembic.command", "alembic.script", "alembic.runtime.migration",
                   "store.migrations", "reports.dashboard", "crawler.runner"):
        try:
            importlib.import_module(module)
        except ImportError:
            pass

    tmp = tempfile.mkdtemp(prefix="govmon-badinput-out-")
    os.chmod(tmp, 0o777)  # children may run as another user
    results: list[dict | None] = [None] * len(jobs)
    running: dict[int, tuple[int, float]] = {}  # pid -> (job index, deadline)
    pending = list(range(len(jobs)))

    def files(i: int) -> tuple[str, str]:
        return os.path.join(tmp, f"{i}.out"), os.path.join(tmp, f"{i}.err")

    def collect(i: int, code: int | None, hung: bool) -> None:
        out, err = files(i)
        texts = []
        for path in (out, err):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    texts.append(f.read())
            except OSError:
                texts.append("")
        results[i] = {"code": code, "stdout": texts[0], "stderr": texts[1], "hung": hung}

    while pending or running:
        while pending and len(running) < PARALLEL:
            i = pending.pop(0)
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _child(jobs[i], *files(i))
            running[pid] = (i, time.monotonic() + TIMEOUT)
        for pid, (i, deadline) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                del running[pid]
                collect(i, os.waitstatus_to_exitcode(status), False)
            elif time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                del running[pid]
                collect(i, None, True)
        time.sleep(0.01)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
