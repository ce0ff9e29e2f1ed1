"""Stores to `global` and `nonlocal` names are announced to the runtime before they happen.

    nonlocal calls                 nonlocal calls
    calls += 1               →     ac__.outer_store(lambda: calls)
                                   calls += 1

A function called while autocond traces a branch or loop body runs once, at trace time, so
its store to another scope's variable would happen once instead of each time Python runs
it. `ac__.outer_store` lets the construct being traced see the store (the lambda's closure is
the variable's cell), undo it afterwards, and raise a clear error unless it carries that
variable (`operators.effects`). Outside a traced body the call does nothing.

Runs first, on the user's statements (the constructs assigning these names stay Python, so
no generated function holds them).
"""

from __future__ import annotations

import gast

from autocond.analysis import activity
from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import origin, templates
from autocond.pyct.loader import RUNTIME_NAME

_COMPOUND = (gast.If, gast.While, gast.For, gast.With, gast.Try, gast.Match)


class _Transformer(functional.Transformer):
    def __init__(self, ctx: Context, outer: frozenset[str]):
        super().__init__(ctx)
        self.outer = outer

    def _notices(self, names: set[str], node: gast.stmt) -> list[gast.stmt]:
        stmts = [stmt for name in sorted(names & self.outer)
                 for stmt in templates.replace(f"{RUNTIME_NAME}.outer_store(lambda: name)", name=name)]
        origin.mark(stmts, node)
        return stmts

    def visit(self, node):
        if not isinstance(node, gast.stmt) or isinstance(node, (gast.Global, gast.Nonlocal)):
            return super().visit(node)
        if not isinstance(node, _COMPOUND):
            return self._notices(activity.binds(node), node) + [node]
        node = super().visit(node)
        # Its header may bind names too (`:=`, a `for` or `with` target); a loop binds them
        # again on each trip.
        header = [getattr(node, f) for f in ("test", "target", "iter", "subject") if hasattr(node, f)]
        for item in getattr(node, "items", []):
            header += [part for part in (item.context_expr, item.optional_vars) if part is not None]
        bound = set().union(*map(activity.binds, header))
        if isinstance(node, (gast.For, gast.While)):
            node.body = self._notices(bound, node) + node.body
        return self._notices(bound, node) + [node]

def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    outer = frozenset(activity.declared_outer(node))
    if outer:
        node.body = functional.visit_block(_Transformer(ctx, outer), node.body)
    return node
