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


class _Filler(traversal.Transformer):
    def __init__(self, holes: dict[str, Any]):
        self.holes = holes

    def _fill(self, hole: str, ctx: gast.AST | None):
        value = self.holes[hole]
        if isinstance(value, list):
            return [_with_ctx(v, ctx) for v in value]
        return _with_ctx(value, ctx)

    def visit_Name(self, node: gast.Name):
        if node.id in self.holes:
            return self._fill(node.id, node.ctx)
        return node

    def visit_Expr(self, node: gast.Expr):
        # A hole standing alone as a statement takes statements.
        if isinstance(node.value, gast.Name) and node.value.id in self.holes:
            return self._fill(node.value.id, None)
        return self.generic_visit(node)

    def visit_FunctionDef(self, node: gast.FunctionDef):
        if node.name in self.holes:
            node.name = self.holes[node.name]
        return self.generic_visit(node)


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


def _clone(node: Any) -> Any:
    """A copy of a location-free template tree (`copy.deepcopy`, several times faster)."""
    if isinstance(node, list):
        return [_clone(n) for n in node]
    if isinstance(node, gast.AST):
        return type(node)(**{f: _clone(getattr(node, f)) for f in node._fields})
    return node


@functools.cache
def _parse(template: str) -> gast.Module:
    tree = trees.parse(textwrap.dedent(template))
    _strip_locations(tree)
    return tree


def replace(template: str, **holes: Any) -> list[gast.stmt]:
    """Statements of `template` with its holes filled."""
    tree = _clone(_parse(template))
    filler = _Filler(holes)
    body = []
    for stmt in tree.body:
        filled = filler.visit(stmt)
        body.extend(filled if isinstance(filled, list) else [filled])
    return body


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
