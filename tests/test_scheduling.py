"""crawler.scheduling.BacklogPriorityQueue: which server gets the next download place.

The end-to-end guarantees (per-address limit, a slow or dead site not holding the others
back) are tested by real crawls in test_crawl.py; here the choice itself, on stand-ins for
Scrapy's downloader slots and per-server queues."""

from __future__ import annotations

from types import SimpleNamespace

from crawler.scheduling import BacklogPriorityQueue


def _queue(backlog: dict[str, int], limits: dict[str, int]) -> BacklogPriorityQueue:
    q = BacklogPriorityQueue.__new__(BacklogPriorityQueue)  # no crawler needed for the choice
    q.pqueues = {slot: [None] * n for slot, n in backlog.items()}
    slots = {slot: SimpleNamespace(concurrency=c) for slot, c in limits.items()}
    q._downloader_interface = SimpleNamespace(downloader=SimpleNamespace(slots=slots))
    q._last_selected_slot = None
    return q


def test_the_larger_backlog_per_download_wins() -> None:
    q = _queue({"127.0.0.10": 900, "127.0.0.11": 300}, {"127.0.0.10": 8, "127.0.0.11": 8})
    # Scrapy's rule would pick .11 (fewer downloads); 900/(3+1) > 300/(1+1) picks .10
    assert q._next_slot([(3, "127.0.0.10"), (1, "127.0.0.11")], update_state=True) \
        == "127.0.0.10"
    assert q._last_selected_slot == "127.0.0.10"
    # once .10 has 6 under way, 900/7 < 300/2: .11's turn
    assert q._next_slot([(6, "127.0.0.10"), (1, "127.0.0.11")], update_state=False) \
        == "127.0.0.11"
    assert q._last_selected_slot == "127.0.0.10"  # peek does not move the state


def test_a_server_at_its_limit_is_passed_over() -> None:
    """A slow or dead site keeps a long backlog; at its per-address limit it must not be
    given more places, or its requests would fill the worker's global concurrency."""
    q = _queue({"127.0.0.10": 5000, "127.0.0.11": 10, "127.0.0.12": 1},
               {"127.0.0.10": 8, "127.0.0.11": 8})  # .12 has no downloader slot yet
    stats = [(8, "127.0.0.10"), (7, "127.0.0.11"), (0, "127.0.0.12")]
    assert q._next_slot(stats, update_state=True) == "127.0.0.11"  # 10/8 > 1/1
    stats = [(8, "127.0.0.10"), (8, "127.0.0.11"), (0, "127.0.0.12")]
    assert q._next_slot(stats, update_state=True) == "127.0.0.12"


def test_all_servers_at_their_limit_fall_back_to_scrapys_rule() -> None:
    q = _queue({"127.0.0.10": 5000, "127.0.0.11": 10}, {"127.0.0.10": 2, "127.0.0.11": 2})
    # Scrapy's choice: the fewest downloads under way
    assert q._next_slot([(3, "127.0.0.10"), (2, "127.0.0.11")], update_state=True) \
        == "127.0.0.11"
