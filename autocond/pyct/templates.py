"""Generate code from quoted templates with named holes.

    replace("y = ac__.f(x)", y=gast.Name(...), x="z")

A hole is a bare name in the template. It is filled with a node, a list of nodes
(spliced into a statement list, a tuple or a call's arguments), or a string (a name,
given the load/store context of the hole). Generated nodes carry no source location:
the converter copies the user's statement location onto them (`origin.mark`).
"""

from __future__ import annotations

import functools
import textwrap
from typing import Any

import gast

from autocond.pyct import trees


def _name(identifier: str, ctx: gast.AST) -> gast.Name:
    return gast.Name(id=identifier, ctx=ctx, annotation=None, type_comment=None)


def _with_ctx(node: Any, ctx: gast.AST | None) -> Any:
    """`node` (a name given as a string becomes a Name) in the hole's context."""
    if isinstance(node, str):
        return _name(node, ctx or gast.Load())
    if ctx is not None and isinstance(node, (gast.Name, gast.Tuple, gast.List)):
        node.ctx = ctx
        if not isinstance(node, gast.Name):
            for elt in node.elts:
                _with_ctx(elt, ctx)
    return node


def _fill(value: Any, ctx: gast.AST | None) -> Any:
    if isinstance(value, list):
        return [_with_ctx(v, ctx) for v in value]
    return _with_ctx(value, ctx)


def _each(value: Any) -> list:
    """A hole's filling in a list: spliced if it is a list."""
    return value if value.__class__ is list else [value]


class _Builder:
    """The source of a function building a template's tree, its holes filled: a call per
    node, several times faster than copying the parsed template node by node."""

    def __init__(self, holes: frozenset[str]):
        self.holes = holes
        self.constants: list[Any] = []  # the template's strings and numbers, as `k[i]`

    def value(self, value: Any) -> str:
        if value.__class__ is list:
            return "[" + ", ".join(self.item(v) for v in value) + "]"
        if not isinstance(value, gast.AST):
            self.constants.append(value)
            return f"k[{len(self.constants) - 1}]"
        return self.node(value)

    def item(self, node: Any) -> str:
        """`node` as an item of a list: a hole's filling is spliced."""
        return f"*_each({self.node(node)})" if self.is_hole(node) else self.value(node)

    def is_hole(self, node: Any) -> bool:
        if isinstance(node, gast.Expr):  # a statement hole
            node = node.value
        return isinstance(node, gast.Name) and node.id in self.holes

    def node(self, node: gast.AST) -> str:
        kind = type(node)
        if kind is gast.Name and node.id in self.holes:
            return f"_fill(holes[{node.id!r}], gast.{type(node.ctx).__name__}())"
        if kind is gast.Expr and self.is_hole(node):
            return f"_fill(holes[{node.value.id!r}], None)"  # a statement hole
        fields = []
        for field in kind._fields:
            if field == "name" and kind is gast.FunctionDef and node.name in self.holes:
                fields.append(f"name=holes[{node.name!r}]")
            elif hasattr(node, field):
                fields.append(f"{field}={self.value(getattr(node, field))}")
        return f"gast.{kind.__name__}({', '.join(fields)})"


@functools.cache
def _builder(template: str, holes: frozenset[str]):
    """The function building `template`'s statements from the values of `holes`."""
    tree = trees.parse(textwrap.dedent(template))  # its locations are not built
    builder = _Builder(holes)
    body = builder.value(tree.body)
    namespace = {"gast": gast, "_fill": _fill, "_each": _each, "k": builder.constants}
    exec(compile(f"def build(holes):\n    return {body}\n", f"<template {template!r}>", "exec"), namespace)
    return namespace["build"]


def replace(template: str, **holes: Any) -> list[gast.stmt]:
    """Statements of `template` with its holes filled (a hole standing alone as a statement
    gives statements, a function named by a hole that name)."""
    return _builder(template, frozenset(holes))(holes)


def literal(value: Any) -> gast.expr:
    """The expression for `value`, made of tuples, dicts, and constants (ints, strs, bools,
    None): data for a generated call, given as a hole so that its template stays constant."""
    if isinstance(value, tuple):
        return gast.Tuple(elts=[literal(v) for v in value], ctx=gast.Load())
    if isinstance(value, dict):
        return gast.Dict(keys=[literal(k) for k in value], values=[literal(v) for v in value.values()])
    return gast.Constant(value=value, kind=None)


def replace_as_expression(template: str, **holes: Any) -> gast.expr:
    """The expression `template` with its holes filled."""
    (stmt,) = replace(template, **holes)
    return stmt.value
