"""`ast` trees to gast's and back, by gast's rules, 1.2 and 1.4 times as fast as
`gast.ast_to_gast` and `gast.gast_to_ast`: a conversion spends a fifth of its time
translating trees.

gast's translators keep their rules for the nodes that differ between the two (`Name`,
`arguments`, `ExceptHandler`...) in `visit_*` methods, and copy the others field by field in
a walk they share. Here that walk is faster: each node class's method and counterpart are
looked up once, no field is tested with `hasattr`, and in the trees given to `compile`, nodes
without fields or location (`Load`, `Add`) are shared, as `ast.parse` shares them.
"""

from __future__ import annotations

import ast
from typing import Any

import gast
from gast import ast3

_MISSING = object()


class _Walk:
    """The walk of a gast translator (a subclass names it second, after this)."""

    _into: Any  # the module of the classes translated into: `gast` or `ast`
    _share_leaves: bool
    _methods: dict[type, Any]
    _plans: dict[type, tuple]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._methods, cls._plans = {}, {}

    def visit(self, node):
        kind = node.__class__
        try:
            method = self._methods[kind]
        except KeyError:
            method = self._methods[kind] = getattr(type(self), "visit_" + kind.__name__, _Walk.generic_visit)
        return method(self, node)

    def _visit(self, node):
        if isinstance(node, ast.AST):
            return self.visit(node)
        if node.__class__ is list:
            return [self._visit(n) for n in node]
        return node

    def generic_visit(self, node):
        kind = node.__class__
        try:
            into, fields, attributes, leaf = self._plans[kind]
        except KeyError:
            into = getattr(self._into, kind.__name__, None)
            shared = into is not None and self._share_leaves and not (kind._fields or kind._attributes)
            into, fields, attributes, leaf = self._plans[kind] = (
                into, kind._fields, kind._attributes, into() if shared else None)
        if leaf is not None:
            return leaf
        if into is None:
            return None  # not a node of the other tree (as gast does)
        values = {}
        for field in fields:
            value = getattr(node, field, _MISSING)
            if value is not _MISSING:
                values[field] = self._visit(value)
        new = into(**values)
        for attribute in attributes:
            value = getattr(node, attribute, None)
            if value is not None:
                setattr(new, attribute, value)
        return new


_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


class _ToGast(_Walk, ast3.Ast3ToGAst):
    _into, _share_leaves = gast, False  # converters may set attributes of any gast node

    def visit_Name(self, node):  # gast's rule, without `ast.copy_location`: a third of the nodes
        new = gast.Name(node.id, self.visit(node.ctx), None, None)
        new.lineno, new.col_offset, new.end_lineno, new.end_col_offset = (
            node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        return new


class _ToAst(_Walk, ast3.GAstToAst3):
    _into, _share_leaves = ast, True

    def __init__(self, first_line: int | None = None):
        # With `first_line`, the tree is placed as it is translated: its lines counted from it
        # (the file line of the tree's line 1), each generated node on its parent's location.
        self._shift = None if first_line is None else first_line - 1
        self._where = (1, 0, 1, 0)  # the location of the node translated, before the shift

    def visit(self, node):
        return self._placed(node, _Walk.visit)

    def _make_arg(self, node):  # gast's rule for a parameter, which does not go through `visit`
        return None if node is None else self._placed(node, ast3.GAstToAst3._make_arg)

    def _placed(self, node, translate):
        """`translate(self, node)`, placed."""
        if self._shift is None or not node._attributes:
            return translate(self, node)
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
        new = translate(self, node)  # an error ends the translation: `_where` is not needed again
        self._where = outer
        if new is not None and new._attributes:
            new.lineno, new.col_offset, new.end_lineno, new.end_col_offset = (
                line + self._shift, col, end_line + self._shift, end_col)
        return new

    def visit_Name(self, node):
        new = ast.Name(node.id, self.visit(node.ctx))
        for attribute in _LOCATION:  # those it has (generated names have none)
            value = getattr(node, attribute, None)
            if value is not None:
                setattr(new, attribute, value)
        return new


def parse(text: str, filename: str = "<unknown>") -> gast.Module:
    """`gast.parse`."""
    return to_gast(ast.parse(text, filename))


def to_gast(node: ast.AST) -> gast.AST:
    """`gast.ast_to_gast`."""
    return _ToGast().visit(node)


def to_ast(node: gast.AST, first_line: int | None = None) -> ast.AST:
    """`gast.gast_to_ast`; with `first_line`, the tree's lines counted from it (the file line
    of its line 1), and each node without a location (generated code) on its parent's, as
    `compile` needs."""
    return _ToAst(first_line).visit(node)
