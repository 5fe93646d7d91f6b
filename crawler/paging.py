"""Hidden CMS paging for the crawl: the one reader lives in :mod:`parse.paging`.

The spider and ``govmon crawl --resume`` call :func:`discover` on in-scope pages; the
column and board readers call the same function on stored pages.
"""

from parse.paging import (  # noqa: F401 - the crawl's names for the shared reader
    MAX_PAGES,
    PAGE_PARAMS,
    Hidden,
    PagingUrl,
    _with_params,
    datastore_records,
    discover,
    is_datastore,
    is_pager_link,
    is_pager_sibling,
)
