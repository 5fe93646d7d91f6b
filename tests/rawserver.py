"""A loopback server that speaks raw bytes, for answers SiteServer cannot give (a body that
drips or never ends): ``serve_raw(talk)`` runs ``talk(conn, stop)`` for each connection."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from conftest import next_address

Talk = Callable[[socket.socket, threading.Event], None]


@contextmanager
def serve_raw(talk: Talk) -> Iterator[str]:
    """Yields the server's base URL (``http://127.0.0.x:port/``); stops it at the end."""
    host = next_address()
    srv = socket.socket()
    srv.bind((host, 0))
    srv.listen()
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                talk(conn, stop)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://{host}:{srv.getsockname()[1]}/"
    finally:
        stop.set()
        srv.close()
