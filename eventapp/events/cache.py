"""In-process caches of rendered event pages, keyed by everything the body depends on.

A key always contains the event's id, version and updated_at: any change to the event
raises its version (models/__init__.py), so stale entries are never served, only evicted.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from functools import lru_cache
from threading import Lock
from typing import Generic, TypeVar

from config import BASE_DIR

Value = TypeVar("Value")


class LRU(Generic[Value]):
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


# Rendered bodies: (event key, language, query arguments, partial, time marker) -> bytes.
bodies: LRU[bytes] = LRU(256)
# Session boundaries per event version, so a 304 needs no session query while an event runs.
boundaries: LRU[tuple[datetime, ...]] = LRU(128)


def event_key(event_id: int, version: int, updated_at: datetime) -> tuple[int, int, str, str]:
    return (event_id, version, updated_at.isoformat(), build_token())


@lru_cache(maxsize=1)
def build_token() -> str:
    """Changes when templates, translations or static files change (a new deploy), so a
    client never keeps a page rendered by an older release; the same in every worker."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in (BASE_DIR / "templates", BASE_DIR / "eventapp" / "translations",
                   BASE_DIR / "eventapp" / "static"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".po":
                stat = path.stat()
                digest.update(f"{path.relative_to(BASE_DIR)}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()


def make_etag(key: Hashable) -> str:
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


def clear() -> None:
    bodies.clear()
    boundaries.clear()
