"""crawler.scheduling: which server gets the next download place, and how requests are
grouped by server.

The end-to-end guarantees (per-address limit, a slow or dead site not holding the others
back) are tested by real crawls in test_crawl.py; here the choice itself and the key."""

from __future__ import annotations

import socket

from scrapy import Request

from crawler.scheduling import choose, server_key


def test_the_larger_backlog_per_download_wins() -> None:
    backlog = {"127.0.0.10": 900, "127.0.0.11": 300}
    # Scrapy's rule would pick .11 (fewer downloads); 900/(3+1) > 300/(1+1) picks .10
    assert choose(backlog, {"127.0.0.10": 3, "127.0.0.11": 1}, 8, None) == "127.0.0.10"
    # once .10 has 6 under way, 900/7 < 300/2: .11's turn
    assert choose(backlog, {"127.0.0.10": 6, "127.0.0.11": 1}, 8, None) == "127.0.0.11"


def test_a_server_at_its_limit_is_passed_over() -> None:
    """A slow or dead site keeps a long backlog; at its per-address limit it must not be
    given more places, or its requests would fill the worker's global concurrency."""
    backlog = {"127.0.0.10": 5000, "127.0.0.11": 10, "127.0.0.12": 1}
    assert choose(backlog, {"127.0.0.10": 8, "127.0.0.11": 7}, 8, None) == "127.0.0.11"
    assert choose(backlog, {"127.0.0.10": 8, "127.0.0.11": 8}, 8, None) == "127.0.0.12"


def test_all_servers_at_their_limit_fall_back_to_scrapys_rule() -> None:
    backlog = {"127.0.0.10": 5000, "127.0.0.11": 10}
    # the fewest downloads under way
    assert choose(backlog, {"127.0.0.10": 3, "127.0.0.11": 2}, 2, None) == "127.0.0.11"
    # a tie goes round: the next server after the last one chosen, else the first
    tie = {"127.0.0.10": 2, "127.0.0.11": 2}
    assert choose(backlog, tie, 2, "127.0.0.10") == "127.0.0.11"
    assert choose(backlog, tie, 2, "127.0.0.11") == "127.0.0.10"


def test_requests_are_queued_by_server_address() -> None:
    """Sites named by a domain share a server's queue and its counts: keyed by host name,
    as Scrapy keys them, the backlog rule never saw their downloads under way."""
    assert socket.gethostbyname("localhost") == "127.0.0.1"
    assert server_key(Request("http://localhost:8080/a/")) == "127.0.0.1"
    assert server_key(Request("http://127.0.0.1:8081/b/")) == "127.0.0.1"
    # a redirect keeps the slot of the request it replaces, as in Scrapy's downloader
    moved = Request("http://localhost/x", meta={"download_slot": "127.0.0.9"})
    assert server_key(moved) == "127.0.0.9"
    assert server_key(Request("http://no-such-host.invalid/")) == "no-such-host.invalid"
