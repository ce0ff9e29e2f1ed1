"""`ast` trees to gast's and back, by gast's rules, in place: about three times as fast as
`gast.ast_to_gast` and `gast.gast_to_ast`, which build a new tree (a conversion spent a fifth
of its time translating trees).

A node becomes its counterpart by taking the other module's class (`node.__class__ = ...`;
gast's classes add no slots to `ast.AST`'s), its fields translated where they stay and
renamed or added where the two differ (`Name`, `arg`, `ExceptHandler`, `type_params`). Nodes
without fields or location (`Load`, `Add`) are replaced, never changed: `ast.parse` shares
one of each among all its trees, and in the trees given to `compile` they are shared again.
A translation consumes the tree it is given; copy what is still needed first.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import gast

_Plan = Callable[[Any, ast.AST], Any]


class _InPlace:
    """The walk of a translation into the classes of `_into` (`gast` or `ast`)."""

    _into: Any
    _share_leaves: bool
    _plans: dict[type, _Plan]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._plans = {}

    def visit(self, node):
        try:
            plan = self._plans[node.__class__]
        except KeyError:
            plan = self._plan(node.__class__)
        return plan(self, node)

    def _plan(self, kind: type) -> _Plan:
        """How to translate a node of class `kind`, worked out once per class."""
        into = getattr(self._into, kind.__name__, None)
        special = getattr(type(self), "visit_" + kind.__name__, None)
        if into is kind:
            plan = _translated  # a node met again (generated code may share one)
        elif special is not None:
            plan = special
        elif into is None:
            plan = _dropped  # not a node of the other tree (as gast does)
        elif not (kind._fields or kind._attributes):
            shared = into() if self._share_leaves else None
            plan = (lambda self, node: shared) if shared is not None else (lambda self, node: into())
        else:
            missing = tuple(field for field in into._fields if field not in kind._fields)

            def plan(self, node):
                return self._moved(node, into, missing)
        self._plans[kind] = plan
        return plan

    def _moved(self, node, into: type, missing: tuple[str, ...]):
        """`node`, its fields translated, of class `into`, with the fields it lacks (empty)."""
        own = node.__dict__
        for field in node._fields:
            value = own.get(field)
            if value.__class__ is list:
                own[field] = [self.visit(v) if isinstance(v, ast.AST) else v for v in value]
            elif isinstance(value, ast.AST):
                own[field] = self.visit(value)
        for field in missing:
            own[field] = [] if field == "type_params" else None
        node.__class__ = into
        return node


def _translated(self, node):
    return node


def _dropped(self, node):
    return None


_NO_FIELDS: tuple[str, ...] = ()


class _ToGast(_InPlace):
    _into, _share_leaves = gast, False  # converters may set attributes of any gast node

    def visit_Name(self, node):
        return self._moved(node, gast.Name, ("annotation", "type_comment"))

    def visit_arg(self, node):  # a parameter is a `Name` in gast
        own = node.__dict__
        own["id"], own["ctx"] = own.pop("arg"), gast.Param()
        return self._moved(node, gast.Name, _NO_FIELDS)

    def visit_ExceptHandler(self, node):
        if node.name is not None:
            node.name = gast.Name(node.name, gast.Store(), None, None)
        return self._moved(node, gast.ExceptHandler, _NO_FIELDS)


class _ToAst(_InPlace):
    _into, _share_leaves = ast, True

    def __init__(self, first_line: int | None = None):
        # With `first_line`, the tree is placed as it is translated: its lines counted from it
        # (the file line of the tree's line 1), each generated node on its parent's location.
        self._shift = None if first_line is None else first_line - 1
        self._where = (1, 0, 1, 0)  # the location of the node translated, before the shift

    def visit(self, node):
        plan = self._plans.get(node.__class__) or self._plan(node.__class__)
        if self._shift is None or plan is _translated or not node._attributes:
            return plan(self, node)
        outer, own = self._where, node.__dict__
        line, col, end_line, end_col = outer
        if (value := own.get("lineno")) is not None:
            line = value
        if (value := own.get("col_offset")) is not None:
            col = value
        if (value := own.get("end_lineno")) is not None:
            end_line = value
        if (value := own.get("end_col_offset")) is not None:
            end_col = value
        self._where = (line, col, end_line, end_col)
        new = plan(self, node)  # an error ends the translation: `_where` is not needed again
        self._where = outer
        if new is not None:
            new.lineno, new.col_offset, new.end_lineno, new.end_col_offset = (
                line + self._shift, col, end_line + self._shift, end_col)
        return new

    def visit_Name(self, node):  # gast's extra fields stay, as attributes `ast` ignores
        if node.ctx.__class__ is not gast.Param:
            return self._moved(node, ast.Name, _NO_FIELDS)
        node.arg = node.id  # a parameter: gast's `Param` is in no other place
        del node.ctx
        return self._moved(node, ast.arg, _NO_FIELDS)

    def visit_ExceptHandler(self, node):
        if node.name is not None:
            node.name = node.name.id
        return self._moved(node, ast.ExceptHandler, _NO_FIELDS)


def parse(text: str, filename: str = "<unknown>") -> gast.Module:
    """`gast.parse`."""
    return to_gast(ast.parse(text, filename))


def to_gast(node: ast.AST) -> gast.AST:
    """`gast.ast_to_gast`, in place: `node` becomes the tree returned."""
    return _ToGast().visit(node)


def to_ast(node: gast.AST, first_line: int | None = None) -> ast.AST:
    """`gast.gast_to_ast`, in place; with `first_line`, the tree's lines counted from it (the
    file line of its line 1), and each node without a location (generated code) on its
    parent's, as `compile` needs."""
    return _ToAst(first_line).visit(node)
