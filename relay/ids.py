"""Ids in URLs: only numbers the database can compare reach a view."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

#: The largest id a database integer column holds; a longer number in a URL is simply not found.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` limited to what the database can compare, so a huge id is a 404, not a 500."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
