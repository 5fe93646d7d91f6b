"""Which server gets the crawl worker's next free download place.

Scrapy's ``DownloaderAwarePriorityQueue`` gives it to the server with the fewest downloads
under way, so every site is crawled at the same rate: small sites finish first, and at the
end the largest ones crawl alone at their per-address limit while the worker's CPU idles
(the last ~10 s of the 50k bench's crawl phase ran at half speed).
"""

from __future__ import annotations

from scrapy.pqueues import DownloaderAwarePriorityQueue


class BacklogPriorityQueue(DownloaderAwarePriorityQueue):
    """A free place goes to the server with the most requests waiting per download under
    way, so sites advance in proportion to what they have left and finish closer together.

    A server already at its per-address limit is passed over while another can take a
    request (Scrapy's rule then decides), so a slow or dead site cannot take over the
    worker's places. Within a server, requests keep their priorities (breadth first).
    """

    def _next_slot(self, stats: list[tuple[int, str]], *, update_state: bool) -> str:
        slots = self._downloader_interface.downloader.slots
        best: str | None = None
        best_score = -1.0
        for active, slot in stats:
            dl_slot = slots.get(slot)
            if dl_slot is not None and active >= dl_slot.concurrency:
                continue  # saturated: a request would only wait in the downloader
            score = len(self.pqueues[slot]) / (active + 1)
            if score > best_score or (score == best_score and best is not None and slot < best):
                best, best_score = slot, score
        if best is None:
            return super()._next_slot(stats, update_state=update_state)
        if update_state:
            self._last_selected_slot = best
        return best
