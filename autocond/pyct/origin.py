"""Source locations: generated code carries the line of the user's statement it came from."""

from __future__ import annotations

import ast
from collections.abc import Iterable

import gast


def mark(generated: Iterable[gast.AST], origin: gast.AST) -> None:
    """Put generated statements on the first line of `origin` (an `if` or loop's header, not
    its whole block, so calls in them report that line); their generated children inherit
    it (`place`), while the user's own nodes inside them keep their lines."""
    for node in generated:
        node.lineno = node.end_lineno = origin.lineno
        node.col_offset = node.end_col_offset = origin.col_offset


def place(tree: ast.AST, first_line: int) -> ast.AST:
    """`tree`, its lines counted from `first_line` (the file line of its line 1), every
    generated node on its parent's location: one walk, for `ast.fix_missing_locations` and
    `ast.increment_lineno` both."""
    shift = first_line - 1
    todo = [(tree, 1, 0, 1, 0)]  # a node, and its parent's location before the shift
    while todo:
        node, line, col, end_line, end_col = todo.pop()
        if node._attributes:  # it has a location (`lineno`, `col_offset`, and their ends)
            line = _own(node, "lineno", line)
            end_line = _own(node, "end_lineno", end_line)
            col = _own(node, "col_offset", col)
            end_col = _own(node, "end_col_offset", end_col)
            node.lineno, node.end_lineno = line + shift, end_line + shift
        where = (line, col, end_line, end_col)
        for field in node._fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                todo += [(child, *where) for child in value if isinstance(child, ast.AST)]
            elif isinstance(value, ast.AST):
                todo.append((value, *where))
    return tree


def _own(node: ast.AST, attribute: str, parent: int) -> int:
    """`node`'s location `attribute`, given its parent's where it has none."""
    value = getattr(node, attribute, None)
    if value is None:
        setattr(node, attribute, parent)
        return parent
    return value
