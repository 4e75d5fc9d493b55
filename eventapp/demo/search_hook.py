"""Hands events the demo loader created to the archive's full-text search index.

The search index (tables named search_*) belongs to the archive feature. When that
feature offers `eventapp.archive.search.reindex_events(session, event_ids)`, the loader
calls it after its inserts (bulk inserts bypass ORM events, so an index kept by a
service would otherwise miss them); when the index is kept by database triggers, or the
feature is absent, there is nothing to do.
"""

from __future__ import annotations

import importlib

from sqlalchemy.orm import Session

SEARCH_MODULE = "eventapp.archive.search"
REINDEX_FUNCTION = "reindex_events"


def refresh_search_index(session: Session, event_ids: list[int]) -> list[str]:
    """Reindex `event_ids` through the archive search service when it exists."""
    if not event_ids:
        return []
    try:
        module = importlib.import_module(SEARCH_MODULE)
    except ModuleNotFoundError as error:
        if error.name not in (SEARCH_MODULE, SEARCH_MODULE.rpartition(".")[0]):
            raise
        return []
    reindex = getattr(module, REINDEX_FUNCTION, None)
    if reindex is None:
        return []
    reindex(session, event_ids)
    return [f"search index: {len(event_ids)} events reindexed"]
