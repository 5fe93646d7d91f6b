"""Throwaway PostgreSQL and Redis servers on loopback, for the tests and the benchmarks.

Each starts from Debian's packages (``postgresql``, ``redis-server``) into a temporary
directory on a free 127.0.0.1 port and is stopped (and its directory removed) on exit.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from glob import glob
from pathlib import Path


class ServerMissing(RuntimeError):
    """The server's binaries (or driver) are not installed; the message says what to do."""


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"/postgresql/(\d+)(?:\.(\d+))?/", path)[0] if n)


def find_pg_bin() -> Path | None:
    """The directory holding initdb and pg_ctl (PATH first, then Debian's layout)."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    debian = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    return Path(debian[-1]).parent if debian else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server; yields the base URL (no database name)."""
    pg_bin = find_pg_bin()
    if pg_bin is None or not (pg_bin / "pg_ctl").exists():
        raise ServerMissing("PostgreSQL (initdb, pg_ctl) is not installed: "
                            "apt-get install -y postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ServerMissing("PostgreSQL is installed but the driver is not: "
                            "pip install 'psycopg[binary]'") from None
    as_user: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="govmon-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as 'postgres'
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerMissing("running as root and there is no 'postgres' user") from None
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        runuser = shutil.which("runuser")
        if not runuser:
            raise ServerMissing("running as root without runuser: cannot start PostgreSQL")
        as_user = [runuser, "-u", "postgres", "--"]
    port = free_port()
    data, log = tmp / "data", tmp / "server.log"
    ctl = [*as_user, str(pg_bin / "pg_ctl"), "-D", str(data)]
    subprocess.run([*as_user, str(pg_bin / "initdb"), "-D", str(data), "-U", "govmon",
                    "-A", "trust", "-E", "UTF8", "--no-locale", "-N"],
                   check=True, capture_output=True, timeout=120)
    started = subprocess.run([*ctl, "-l", str(log), "-w", "-t", "60", "-o",
                              f"-h 127.0.0.1 -p {port} -k {tmp} -F", "start"],
                             capture_output=True, text=True, timeout=90)
    if started.returncode != 0:
        text = log.read_text(errors="replace") if log.exists() else started.stderr
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {text[-2000:]}")
    try:
        yield f"postgresql+psycopg://govmon@127.0.0.1:{port}"
    finally:
        subprocess.run([*ctl, "-m", "immediate", "-w", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


_db_numbers = itertools.count(1)


def new_database(pg_server: str) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    name = f"govmon_test_{next(_db_numbers)}"
    dsn = pg_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{pg_server}/{name}"


@contextlib.contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """A throwaway Redis server (no persistence) on ``port`` (default: a free one);
    yields its URL."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ServerMissing("Redis is not installed: apt-get install -y redis-server")
    try:
        import redis
    except ImportError:
        raise ServerMissing("Redis is installed but the client is not: pip install redis") from None
    tmp = Path(tempfile.mkdtemp(prefix="govmon-redis-"))
    port = port or free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port),
                             "--dir", str(tmp), "--save", "", "--appendonly", "no",
                             "--protected-mode", "yes", "--logfile", str(tmp / "redis.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = tmp / "redis.log"
                    raise RuntimeError("Redis did not start: " + (
                        log.read_text(errors="replace")[-2000:] if log.exists() else "")) from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
