"""What every paged list tells its template: how many pages, and whether to link back or on."""
from __future__ import annotations

from typing import ClassVar


class Paged:
    """Mixin for a page of results with `page` (from 1) and `total`; set `per_page`."""

    per_page: ClassVar[int]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
