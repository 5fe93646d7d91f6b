"""Page understanding: bytes and HTML in, facts out — one parser per fact.

Pure functions of what a server sent (no store, no network, no crawler or rule imports):
charset decoding (:mod:`parse.charset`), URLs (:mod:`parse.urls`), publish dates
(:mod:`parse.dates`), hidden CMS paging and pagers (:mod:`parse.paging`), JSON lists
(:mod:`parse.jsonlists`), list rows (:mod:`parse.lists`), the parsed page and its visible
text (:mod:`parse.page`), footer identifiers (:mod:`parse.identity`), publish date, column
and CMS family (:mod:`parse.pageinfo`), mailbox messages (:mod:`parse.messages`), and what
the content rules look for (guides, typos, markings, search, meta tags, hidden links). The
crawl (``crawler/``) and the derive step (``derive/``) both call these; the rules judge
what derive built.
"""
