"""Source locations: generated code carries the line of the user's statement it came from."""

from __future__ import annotations

from collections.abc import Iterable

import gast


def mark(generated: Iterable[gast.AST], origin: gast.AST) -> None:
    """Put generated statements on the first line of `origin` (an `if` or loop's header, not
    its whole block, so calls in them report that line); their generated children inherit
    it (`trees.to_ast`), while the user's own nodes inside them keep their lines."""
    for node in generated:
        node.lineno = node.end_lineno = origin.lineno
        node.col_offset = node.end_col_offset = origin.col_offset
