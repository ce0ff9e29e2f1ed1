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

from autocond.pyct import traversal, trees


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


def _strip_locations(tree: gast.AST) -> None:
    for node in traversal.walk(tree):
        for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            if hasattr(node, attr):
                delattr(node, attr)


def _filled(node: Any, holes: dict[str, Any]) -> Any:
    """A copy of `node`, part of a location-free template, with its holes filled: a hole
    name gives its value, a hole standing alone as a statement statements, a function named
    by a hole that name. (One walk, several times faster than `copy.deepcopy` and a visit.)"""
    if node.__class__ is list:
        copies = []
        for n in node:
            copy = _filled(n, holes)
            copies += copy if copy.__class__ is list else [copy]
        return copies
    if not isinstance(node, gast.AST):
        return node
    if isinstance(node, gast.Name) and node.id in holes:
        return _fill(holes[node.id], type(node.ctx)())
    if isinstance(node, gast.Expr) and isinstance(node.value, gast.Name) and node.value.id in holes:
        return _fill(holes[node.value.id], None)
    copy = type(node)(**{field: _filled(getattr(node, field), holes) for field in node._fields})
    if isinstance(node, gast.FunctionDef) and node.name in holes:
        copy.name = holes[node.name]
    return copy


def _fill(value: Any, ctx: gast.AST | None) -> Any:
    if isinstance(value, list):
        return [_with_ctx(v, ctx) for v in value]
    return _with_ctx(value, ctx)


@functools.cache
def _parse(template: str) -> gast.Module:
    tree = trees.parse(textwrap.dedent(template))
    _strip_locations(tree)
    return tree


def replace(template: str, **holes: Any) -> list[gast.stmt]:
    """Statements of `template` with its holes filled."""
    return _filled(_parse(template).body, holes)


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
