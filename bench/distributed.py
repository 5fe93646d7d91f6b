"""What ``bench/run.py`` needs beyond nginx to crawl with a PostgreSQL store or as a
distributed crawl: the PostgreSQL and Redis servers (the tests' throwaway ones from
``tests/localservers.py``, on this machine), their process ids (their CPU and memory count
in the figures), and ``govmon worker`` processes started before a crawl and stopped after.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # localservers.py

from localservers import new_database, postgres_server, redis_server  # noqa: E402


def _ppid(pid: int) -> int:
    raw = Path(f"/proc/{pid}/stat").read_bytes()
    return int(raw[raw.rfind(b")") + 2:].split()[1])


def postmaster_pid(server_url: str) -> int:
    """The PostgreSQL server's main process: the parent of a backend we connect to."""
    import psycopg

    dsn = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn) as conn:
        return _ppid(conn.execute("SELECT pg_backend_pid()").fetchone()[0])


def redis_pid(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


class Servers:
    """PostgreSQL and/or Redis for the whole benchmark; a fresh database for each run."""

    def __init__(self, postgres: bool, redis: bool):
        self.want_pg, self.want_redis = postgres, redis
        self.pg_url: str | None = None
        self.redis_url: str | None = None
        self.pids: dict[str, int] = {}  # "postgres" / "redis" -> the server's main process
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Servers:
        try:
            if self.want_pg:
                self.pg_url = self._stack.enter_context(postgres_server())
                self.pids["postgres"] = postmaster_pid(self.pg_url)
            if self.want_redis:
                self.redis_url = self._stack.enter_context(redis_server())
                self.pids["redis"] = redis_pid(self.redis_url)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def new_database(self) -> str:
        assert self.pg_url, "PostgreSQL was not started"
        return new_database(self.pg_url)


class Workers:
    """``govmon worker`` processes on the benchmark's Redis and database, started (and
    registered: their heartbeats are in Redis) before the coordinator, stopped after it."""

    def __init__(self, govmon: list[str], ws: Path, db: str, redis_url: str, n: int,
                 env: dict[str, str], cwd: Path | None, logs: Path):
        logs.mkdir(parents=True, exist_ok=True)
        self.names = [f"bench-w{i}" for i in range(n)]
        self.logs = [logs / f"{name}.log" for name in self.names]
        self.procs = []
        for name, log in zip(self.names, self.logs, strict=True):
            with open(log, "ab") as out:
                self.procs.append(subprocess.Popen(
                    [*govmon, "-w", str(ws), "--db", db, "worker", "--redis", redis_url,
                     "--name", name, "--log-dir", str(logs)],
                    stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd))
        self._wait_registered(redis_url)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _wait_registered(self, redis_url: str, timeout: float = 120.0) -> None:
        import redis

        client = redis.Redis.from_url(redis_url)
        deadline = time.monotonic() + timeout
        try:
            while not all(client.exists(f"govmon:worker:{n}") for n in self.names):
                dead = [n for n, p in zip(self.names, self.procs, strict=True)
                        if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(f"govmon worker 未能启动 ({', '.join(dead) or '超时'})：见 "
                                     + " ".join(str(x) for x in self.logs))
                time.sleep(0.1)
        finally:
            client.close()

    def stop(self, timeout: float = 120.0) -> list[int | None]:
        """SIGTERM (each stops between jobs, as ``systemctl stop`` would); their exit codes."""
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return [p.returncode for p in self.procs]


def environment(code: str | None) -> tuple[dict[str, str], Path | None]:
    """Environment and working directory of the govmon commands (``--code``: another
    checkout's code; "python -m" puts the working directory first on sys.path)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("GOVMON_DB", None)
    env.pop("GOVMON_REDIS", None)
    if code:
        env["PYTHONPATH"] = str(Path(code).resolve())
        return env, Path(code).resolve()
    return env, None
