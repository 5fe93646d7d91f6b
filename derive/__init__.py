"""The derive step: stored pages in, stored facts out — after the crawl, before the rules.

``derive.steps`` decides which facts are built for a site: the page scan and identity facts
(``derive.facts.derive_site``: ``page_facts``, ``identity_values``, ``site_facts``) for every
site, columns, boards and mailbox statistics for sites where a rule needing them runs. Rules
read those facts and never write them; ``govmon export identity`` / ``export pages``,
``govmon sites show`` and ``govmon mailbox`` print them (``derive.read``).
"""

from derive.facts import Derived, derive_site

__all__ = ["Derived", "derive_site"]
