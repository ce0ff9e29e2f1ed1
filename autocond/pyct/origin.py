"""Source locations: generated code carries the line of the user's statement it came from."""

from __future__ import annotations

from typing import Iterable

import gast

_FIELDS = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def mark(generated: Iterable[gast.AST], origin: gast.AST) -> None:
    """Give generated statements `origin`'s location; their generated children inherit it
    when the tree is compiled (`ast.fix_missing_locations`), while the user's own nodes
    inside them keep their lines."""
    for node in generated:
        for field in _FIELDS:
            if hasattr(origin, field):
                setattr(node, field, getattr(origin, field))
