"""The derive step: stored pages in, stored facts out — after the crawl, before the rules.

``derive.facts.derive_site`` reads what ``parse/`` finds on a site's stored pages (footer
identifiers with values and carriers, publish dates, columns, the CMS family) and writes
``page_facts``, ``identity_values`` and ``site_facts``. Rules read those tables and never
write them; ``govmon export identity`` / ``export pages`` and ``govmon sites show`` print
them.
"""

from derive.facts import Derived, derive_site

__all__ = ["Derived", "derive_site"]
