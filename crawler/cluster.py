"""A crawl spread over machines: a coordinator puts a run's work in Redis, workers on any
number of machines take it, and every result goes to one PostgreSQL store.

The unit of work is the job a local worker process gets today (crawler/workers.py): the
sites of one group of server addresses to crawl, or the link targets of one group to
verify. One worker owns a group at a time, so per-address politeness holds across
machines as it holds across processes.

Redis is used as a plain reliable queue (the LMOVE pattern of Redis's documentation, the
list-and-pickle layout scrapy-redis uses for its queues):

- ``govmon:jobs`` — pending jobs. A worker moves one atomically into its own
  ``govmon:doing:<id>`` list and removes it from there once the job is finished;
- ``govmon:worker:<id>`` — the worker's heartbeat, a key expiring after ``ttl`` seconds
  unless renewed. When it has expired, the coordinator moves the worker's unfinished jobs
  back to the queue marked ``resume``: the next worker starts them from what the store
  holds (crawler/resume.py), so a worker killed mid-crawl loses nothing;
- ``govmon:run:<run>:<kind>:done``, ``…:progress``, ``govmon:run:<run>:stop`` — finished
  jobs, progress reports for the coordinator's display, and a stop asked by the
  coordinator (Ctrl-C), each for one run.

Why not scrapy-redis's shared request scheduler: it hands one site's requests to any
worker, so no worker would own a site's page budget, trap guard, seen set or an address's
politeness; and its pops are destructive, so the requests a killed worker had taken would
be lost. Jobs are pickled, as scrapy-redis pickles requests: Redis must be reachable only
by the cluster's own machines.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

PREFIX = "govmon"
QUEUE = f"{PREFIX}:jobs"
WORKERS = f"{PREFIX}:workers"
DEFAULT_TTL = 15.0  # seconds without a heartbeat after which a worker counts as dead
RECONNECT_SECONDS = 5.0  # a worker's wait before it rejoins a Redis that went away


class ClusterError(RuntimeError):
    """Redis unreachable, no worker online, or a worker's job failed."""


class StaleJob(Exception):
    """A job of a run that is no longer running (its coordinator died): dropped."""


def worker_key(wid: str) -> str:
    return f"{PREFIX}:worker:{wid}"


def doing_key(wid: str) -> str:
    return f"{PREFIX}:doing:{wid}"


def done_key(run_id: int, kind: str) -> str:
    return f"{PREFIX}:run:{run_id}:{kind}:done"


def progress_key(run_id: int) -> str:
    return f"{PREFIX}:run:{run_id}:progress"


def stop_key(run_id: int) -> str:
    return f"{PREFIX}:run:{run_id}:stop"


@dataclass(frozen=True)
class Job:
    """One worker job of a run: ``payload`` is what ``crawler.workers.worker_main`` takes."""

    run_id: int
    kind: str  # "crawl" or "verify"
    payload: dict[str, Any]
    settings: dict[str, Any]  # Scrapy settings; the worker puts in its own store URL
    run_started: str  # the run's start, as stored: a worker checks it is on the same store
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    resume: bool = False  # taken over from a worker that died: start from the store

    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(raw: bytes) -> Job:
        return pickle.loads(raw)  # noqa: S301 - Redis is the cluster's own (module doc)

    def describe(self) -> str:
        codes = self.payload.get("codes")
        what = (f"{len(codes)} 个网站" if codes is not None
                else f"{len(self.payload.get('targets') or [])} 个链接")
        return f"任务 {self.run_id} {'抓取' if self.kind == 'crawl' else '校验'} {what}"


def connect(url: str) -> Any:
    """A Redis client, checked with a PING: a wrong URL fails here with one line."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise ClusterError(f"无法连接 Redis {_safe(url)}: {exc}") from None
    return client


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def workers(client: Any) -> list[dict[str, Any]]:
    """The workers alive now (heartbeat not expired), each as it last described itself."""
    alive = []
    for wid in sorted(m.decode() for m in client.smembers(WORKERS)):
        raw = client.get(worker_key(wid))
        if raw is not None:
            alive.append(json.loads(raw))
    return alive


def _hand_back(client: Any, wid: str) -> tuple[Any, list[Job]]:
    """A transaction putting the jobs in worker ``wid``'s list back on the queue, marked
    ``resume``, and emptying the list; callers add their own steps and execute it."""
    jobs = [replace(Job.loads(raw), resume=True) for raw in client.lrange(doing_key(wid), 0, -1)]
    pipe = client.pipeline(transaction=True)
    for job in jobs:
        pipe.rpush(QUEUE, job.dumps())  # the right end: taken next
    pipe.delete(doing_key(wid))
    return pipe, jobs


def take_over_dead(client: Any) -> list[Job]:
    """Move the unfinished jobs of workers whose heartbeat expired back to the queue,
    marked ``resume``; forget those workers. The jobs moved."""
    moved = []
    for wid in [m.decode() for m in client.smembers(WORKERS)]:
        if client.exists(worker_key(wid)):
            continue
        pipe, jobs = _hand_back(client, wid)
        pipe.srem(WORKERS, wid)
        pipe.execute()
        moved.extend(jobs)
    return moved


# -- the coordinator ------------------------------------------------------------------
ProgressFn = Callable[[str, dict[str, dict[str, int]]], None]


class Coordinator:
    """The crawl command's side: jobs in, results awaited, dead workers' jobs handed on."""

    def __init__(self, url: str, wait: float = 120.0, poll: float = 0.5):
        self.url = url
        self.client = connect(url)
        self.wait = wait  # seconds to wait for a first worker
        self.poll = poll
        self.taken_over: list[Job] = []  # jobs handed on from dead workers (for the record)

    def split_count(self) -> int:
        """How many jobs a phase is split into: one per live worker (waiting for one)."""
        deadline = time.monotonic() + self.wait
        while True:
            try:
                take_over_dead(self.client)
                alive = workers(self.client)
            except redis_errors() as exc:
                raise ClusterError(f"与 Redis {_safe(self.url)} 的连接中断: {exc}") from None
            if alive:
                return len(alive)
            if time.monotonic() > deadline:
                raise ClusterError(f"Redis {_safe(self.url)} 上没有在线的 worker "
                                   f"(已等待 {self.wait:.0f} 秒)：先在各机器上运行 govmon worker")
            time.sleep(self.poll)

    def run(self, run_id: int, run_started: str, kind: str, payloads: list[dict[str, Any]],
            settings: dict[str, Any], on_progress: ProgressFn | None) -> bool:
        """Queue one job per payload and wait until each is finished; True when
        interrupted (Ctrl-C, SIGTERM): the workers are asked to stop and the run's
        queued jobs are withdrawn. ClusterError when a job failed."""
        jobs = [Job(run_id, kind, p, settings, run_started) for p in payloads]
        c = self.client
        self._reclaim(run_id)
        c.delete(done_key(run_id, kind), stop_key(run_id))
        if jobs:
            c.lpush(QUEUE, *[j.dumps() for j in jobs])
        finished: set[str] = set()
        try:
            while len(finished) < len(jobs):
                self._relay(run_id, kind, on_progress)
                for raw in c.lpop(done_key(run_id, kind), 100) or []:
                    done = json.loads(raw)
                    if not done["ok"]:
                        raise ClusterError(f"worker {done['worker']} 的任务失败: {done['error']}")
                    finished.add(done["id"])
                self.taken_over += take_over_dead(c)
                time.sleep(self.poll)
            self._relay(run_id, kind, on_progress)
        except KeyboardInterrupt:
            self._stop(run_id)
            return True
        except ClusterError:
            self._stop(run_id)
            raise
        except redis_errors() as exc:
            raise ClusterError(f"与 Redis {_safe(self.url)} 的连接中断: {exc}；"
                               "任务可续爬 (govmon crawl --resume --redis …)") from None
        return False

    def _reclaim(self, run_id: int) -> None:
        """Jobs of this run left by a coordinator that died (a resumed run): queued ones
        are withdrawn, running ones stopped, before the phase's own go out — two workers
        must never crawl one server at once."""
        if self._held(run_id) or any(Job.loads(raw).run_id == run_id
                                     for raw in self.client.lrange(QUEUE, 0, -1)):
            self._stop(run_id)

    def _relay(self, run_id: int, kind: str, on_progress: ProgressFn | None) -> None:
        for raw in self.client.lpop(progress_key(run_id), 1000) or []:
            if on_progress is not None:
                on_progress(kind, json.loads(raw))

    def _stop(self, run_id: int, grace: float = 30.0) -> None:
        """Ask the workers on this run to stop (their batches are flushed), withdraw its
        queued jobs, and wait up to ``grace`` seconds for the workers to let go of it."""
        c = self.client
        c.set(stop_key(run_id), "1", ex=86400)
        for raw in c.lrange(QUEUE, 0, -1):
            if Job.loads(raw).run_id == run_id:
                c.lrem(QUEUE, 0, raw)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and self._held(run_id):
            try:
                time.sleep(self.poll)
            except KeyboardInterrupt:
                return  # asked again: stop waiting

    def _held(self, run_id: int) -> bool:
        for wid in [m.decode() for m in self.client.smembers(WORKERS)]:
            if not self.client.exists(worker_key(wid)):
                continue
            if any(Job.loads(raw).run_id == run_id
                   for raw in self.client.lrange(doing_key(wid), 0, -1)):
                return True
        return False


# -- the worker ---------------------------------------------------------------------
class Worker:
    """``govmon worker``: takes jobs from Redis one at a time and runs each as the local
    crawl does (one worker process, crawler/workers.py), writing to ``db_url``."""

    def __init__(self, url: str, db_url: str, log_dir: Path | None = None,
                 ttl: float = DEFAULT_TTL, name: str | None = None,
                 say: Callable[[str], None] | None = None):
        self.url = url
        self._say = say or (lambda text: None)  # one line for the operator (the CLI prints)
        self.client = connect(url)
        self.db_url = db_url
        self.log_dir = log_dir
        self.ttl = ttl
        self.id = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.started = datetime.now().isoformat(timespec="seconds")
        self.current: Job | None = None
        self.jobs_done = 0
        self._lock = threading.Lock()
        self._why_stopped: str | None = None  # "run" (coordinator), "lost" (declared dead)
        self._quit = threading.Event()

    # heartbeat ------------------------------------------------------------------------
    def _describe(self) -> str:
        job = self.current
        return json.dumps({"id": self.id, "host": socket.gethostname(), "pid": os.getpid(),
                           "started": self.started, "jobs_done": self.jobs_done,
                           "job": job.describe() if job else None,
                           "run_id": job.run_id if job else None,
                           "beat": datetime.now().isoformat(timespec="seconds")},
                          ensure_ascii=False)

    def _claim_name(self) -> None:
        """Register under this worker's id, refused while a live worker holds it. Jobs a
        dead worker of the same name left in its list (a restart after a crash, under the
        same fixed ``--name``) go back to the queue first, to be resumed."""
        if not self.client.set(worker_key(self.id), self._describe(), px=int(self.ttl * 1000),
                               nx=True):
            raise ClusterError(f"worker 名称 {self.id} 正被另一个在线的 worker 使用")
        pipe, _ = _hand_back(self.client, self.id)
        pipe.sadd(WORKERS, self.id)
        pipe.execute()

    def _register(self) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.set(worker_key(self.id), self._describe(), px=int(self.ttl * 1000))
        pipe.sadd(WORKERS, self.id)
        pipe.execute()

    def _beat(self) -> None:
        """Renew the heartbeat every ttl/5 s. A worker whose key expired was declared dead
        and its jobs handed on: it stops its job; a run the coordinator stopped likewise."""
        while not self._quit.wait(self.ttl / 5):
            try:
                with self._lock:
                    job = self.current
                    renewed = self.client.set(worker_key(self.id), self._describe(),
                                              px=int(self.ttl * 1000), xx=True)
                    if not renewed:
                        self._register()
                        if job is not None:
                            self._interrupt("lost")
                    elif job is not None and self.client.exists(stop_key(job.run_id)):
                        self._interrupt("run")
            except Exception:  # noqa: BLE001 - Redis briefly away: try again next beat
                continue

    def _interrupt(self, why: str) -> None:
        if self._why_stopped is None:
            self._why_stopped = why
            os.kill(os.getpid(), signal.SIGINT)  # run_workers stops its process gracefully

    # the loop -------------------------------------------------------------------------
    def serve(self, max_jobs: int | None = None, idle_exit: float | None = None) -> int:
        """Take and run jobs until SIGINT/SIGTERM (or ``max_jobs`` jobs, or ``idle_exit``
        seconds without one); the number of jobs finished. A job interrupted by the
        operator goes back to the queue, to be resumed by another worker."""
        self._claim_name()
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        beat = threading.Thread(target=self._beat, name="govmon-heartbeat", daemon=True)
        beat.start()
        idle_since = time.monotonic()
        rejoin = False
        try:
            while max_jobs is None or self.jobs_done < max_jobs:
                try:
                    if rejoin:
                        time.sleep(RECONNECT_SECONDS)
                        rejoin = not self._rejoin()
                        continue
                    raw = self.client.blmove(QUEUE, doing_key(self.id), 1.0, "RIGHT", "LEFT")
                    if raw is None:
                        if idle_exit is not None and time.monotonic() - idle_since > idle_exit:
                            break
                        continue
                    if not self._run(raw):
                        break  # the operator stopped this worker
                    idle_since = time.monotonic()
                except KeyboardInterrupt:
                    if self._why_stopped is None:
                        break  # the operator's Ctrl-C or SIGTERM between jobs
                    self._why_stopped = None  # our own stop of a job, arrived late
                except redis_errors() as exc:  # Redis restarted or unreachable: wait, rejoin
                    if not rejoin:
                        self._say(f"Redis 连接中断 ({exc})，{RECONNECT_SECONDS:.0f} 秒后重连")
                    rejoin = True
        finally:
            self._quit.set()
            signal.signal(signal.SIGTERM, previous)
            try:
                self._leave()
            except redis_errors():
                pass  # Redis gone: the heartbeat expires and the coordinator takes over
        return self.jobs_done

    def _rejoin(self) -> bool:
        """After a lost connection: register again and hand back what this worker's list
        holds (a job whose end could not be reported is resumed, finding its work stored).
        False while Redis is still away."""
        try:
            pipe, _ = _hand_back(self.client, self.id)
            pipe.set(worker_key(self.id), self._describe(), px=int(self.ttl * 1000))
            pipe.sadd(WORKERS, self.id)
            pipe.execute()
        except redis_errors():
            return False  # still away: the loop tries again
        self._say("已重新连接 Redis")
        return True

    def _leave(self) -> None:
        """Hand back whatever is still in this worker's list (a job moved to it as the
        worker was stopped), then deregister."""
        pipe, _ = _hand_back(self.client, self.id)
        pipe.delete(worker_key(self.id))
        pipe.srem(WORKERS, self.id)
        pipe.execute()

    def _run(self, raw: bytes) -> bool:
        """Run one job; False when the operator interrupted it (it went back to the queue)."""
        job = Job.loads(raw)
        with self._lock:
            self.current, self._why_stopped = job, None
        error = None
        interrupted = False
        try:
            if self.client.exists(stop_key(job.run_id)):
                interrupted, self._why_stopped = True, "run"
            else:
                interrupted = self._execute(job)
        except StaleJob:
            interrupted, self._why_stopped = True, "run"  # dropped: nobody awaits it
        except KeyboardInterrupt:
            interrupted = True
        except Exception as exc:  # noqa: BLE001 - reported to the coordinator, not lost
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.current = None
            why = self._why_stopped
        if interrupted and why == "lost":
            return True  # the coordinator has handed the job on already
        if interrupted and why is None:  # the operator: hand the job on, then stop
            pipe = self.client.pipeline(transaction=True)
            pipe.lrem(doing_key(self.id), 1, raw)
            pipe.rpush(QUEUE, replace(job, resume=True).dumps())
            pipe.execute()
            return False
        pipe = self.client.pipeline(transaction=True)
        pipe.lrem(doing_key(self.id), 1, raw)
        if why != "run":  # a stopped run awaits nothing
            pipe.rpush(done_key(job.run_id, job.kind),
                       json.dumps({"id": job.id, "ok": error is None, "error": error,
                                   "worker": self.id}))
            pipe.expire(done_key(job.run_id, job.kind), 86400)
        pipe.execute()
        if error is None and why is None:
            self.jobs_done += 1
        self._why_stopped = None
        return True

    def _execute(self, job: Job) -> bool:
        """The job in a worker process, as the local crawl runs it; True when interrupted."""
        import multiprocessing as mp

        from crawler.workers import run_workers

        payload = self._prepared(job)
        settings = {**job.settings, "GOVMON_DB": self.db_url}
        progress = progress_key(job.run_id)

        def relay(kind: str, msg: dict[str, Any]) -> None:  # noqa: ARG001
            self.client.rpush(progress, json.dumps(msg))
            self.client.expire(progress, 86400)

        return run_workers(mp.get_context("spawn"), job.kind, [payload], settings, relay,
                           self.log_dir)

    def _prepared(self, job: Job) -> dict[str, Any]:
        """The payload checked against this worker's store; a job taken over starts from
        what the store holds of its run."""
        from sqlalchemy import select

        from store.db import open_store
        from store.models import LinkCheck, Run

        sessions = open_store(self.db_url)
        with sessions() as s:
            run = s.get(Run, job.run_id)
            if run is None or run.started_at.isoformat() != job.run_started:
                raise ClusterError(f"本 worker 的数据库中没有任务 {job.run_id}："
                                   "worker 与协调进程须使用同一个 PostgreSQL 数据库 (--db)")
            if run.status != "running":  # its coordinator is gone (marked interrupted)
                raise StaleJob(job.describe())
        payload = dict(job.payload)
        if job.resume and job.kind == "crawl":
            from crawler.resume import resume_state

            state = resume_state(sessions, payload["registry"], job.run_id, payload["codes"])
            payload["resume_state"] = {**payload.get("resume_state", {}), **state}
        elif job.resume and job.kind == "verify":
            with sessions() as s:
                checked = set(s.scalars(select(LinkCheck.target).where(
                    LinkCheck.run_id == job.run_id)))
            payload["targets"] = [t for t in payload["targets"] if t[0] not in checked]
        sessions.kw["bind"].dispose()
        return payload


def redis_errors() -> type[Exception]:
    """The Redis client's base error (imported late: the CLI loads this module cheaply)."""
    import redis

    return redis.RedisError


def _raise_interrupt(signum: int, frame: Any) -> None:  # noqa: ARG001
    raise KeyboardInterrupt
