"""Page understanding: bytes and HTML in, facts out — one parser per fact.

Pure functions of what a server sent (no store, no network, no crawler or rule imports):
charset decoding (:mod:`parse.charset`), URLs (:mod:`parse.urls`), publish dates
(:mod:`parse.dates`), hidden CMS paging and pagers (:mod:`parse.paging`), the parsed page
and its visible text (:mod:`parse.page`), footer identifiers (:mod:`parse.identity`) and
the CMS family (:mod:`parse.cms`). The crawl (``crawler/``) and the derive step
(``derive/``) both call these; the rules read what derive stored.
"""
