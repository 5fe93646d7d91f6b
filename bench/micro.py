"""CPU cost of govmon's own per-page work, without the network or Scrapy's engine.

Feeds generated pages to ``SiteSpider.parse`` and the store pipeline in one process and
reports CPU milliseconds per page for each part. Process CPU time barely moves when other
jobs share the machine, so this tells whether a change to the spider, the extractor or the
pipeline helps, even where wall-clock figures are noisy.

    python bench/micro.py [--pages 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after PYTHONPATH: --code / before-after comparisons

from sitegen import generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """CPU per page of parse and store, best of three. (Long: one measurement whose set-up,
    the timed loops and the report share the same pages and store.)"""
    p = argparse.ArgumentParser(description="govmon 单页 CPU 开销 (解析 + 入库)")
    p.add_argument("--pages", type=int, default=3000)
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--profile", help="cProfile 输出文件 (.prof)")
    args = p.parse_args(argv)

    from scrapy import Request
    from scrapy.http import HtmlResponse

    from crawler.pipelines import StorePipeline
    from crawler.spiders.site import SiteSpider
    from settings.registry import Registry, SiteSpec
    from store.db import open_store
    from store.models import Run, RunSite
    from store.ops import sync_registry

    tmp = Path(tempfile.mkdtemp(prefix="govmon-micro-"))
    cluster = generate(tmp / "site", pages=args.pages, sites=args.sites, port=18480)
    registry = Registry(sites=[SiteSpec(code=s.code, name=s.name, url=cluster.url(s.ip, "/"),
                                        kind="department") for s in cluster.sites],
                        trusted_networks=[f"{cluster.external_ip}/32"])
    by_ip = {s.ip: s for s in cluster.sites}
    bodies = []
    for url in cluster.pages:
        ip = url.split("/")[2].split(":")[0]
        path = url.split("/", 3)[3]
        rel = path if path and not path.endswith("/") else path + "index.html"
        bodies.append((url, by_ip[ip].code, (cluster.root / "www" / ip / rel).read_bytes()))

    timings: dict[str, list[float]] = {"parse": [], "store": []}
    for rep in range(args.repeat):
        db = f"sqlite:///{tmp}/micro{rep}.db"
        sessions = open_store(db)
        with sessions.begin() as s:
            ids = sync_registry(s, registry)
            run = Run(started_at=datetime.now(), status="running", options={})
            s.add(run)
            s.flush()
            for code in ids.values():
                s.add(RunSite(run_id=run.id, site_id=code, status="crawling"))
            run_id = run.id
        spider = SiteSpider(registry=registry, codes=[s.code for s in registry.sites],
                            run_id=run_id, max_pages=10**9, max_depth=10**6)
        pipeline = StorePipeline(db)
        pipeline.open_spider(spider)
        responses = [HtmlResponse(url, body=body, encoding="utf-8",
                                  headers={"Content-Type": "text/html; charset=utf-8"},
                                  request=Request(url, meta={
                                      "site": code, "depth": 1, "referrer": None, "url": url,
                                      "homepage": False, "t0": time.monotonic()}))
                     for url, code, body in bodies]
        prof = None
        if args.profile and rep == args.repeat - 1:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        items = []
        t = time.process_time()
        for resp in responses:
            for out in spider.parse(resp):
                if isinstance(out, dict):
                    items.append(out)
        t_parse = time.process_time() - t
        t = time.process_time()
        for item in items:
            pipeline.process_item(item, spider)
        pipeline.close_spider(spider)
        t_store = time.process_time() - t
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        timings["parse"].append(1000 * t_parse / len(responses))
        timings["store"].append(1000 * t_store / len(responses))
    best = {k: min(v) for k, v in timings.items()}
    print(f"{len(bodies)} 页 × {args.repeat} 次, 取最小值 (CPU ms/页): "
          f"解析 {best['parse']:.3f}  入库 {best['store']:.3f}  "
          f"合计 {best['parse'] + best['store']:.3f}")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
