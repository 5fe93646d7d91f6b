"""The store: SQLAlchemy models and sessions (see ``store.models``)."""

from store.db import StoreError, open_store
from store.models import (
    Base,
    CheckRun,
    Finding,
    Link,
    LinkCheck,
    Page,
    Probe,
    Run,
    RunSite,
    Scorecard,
    Site,
    Snapshot,
)

__all__ = [
    "Base", "CheckRun", "Finding", "Link", "LinkCheck", "Page", "Probe", "Run", "RunSite", "Scorecard",
    "Site", "Snapshot", "StoreError", "open_store",
]
