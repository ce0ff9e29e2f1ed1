"""Stores that may reach state outside the function are announced to the runtime first.

    nonlocal calls                 nonlocal calls
    calls += 1               →     ac__.outer_store(lambda: calls)
                                   calls += 1
    self.count += 1          →     ac__.attr_store(self, 'count')
                                   self.count += 1
    log.append(x)            →     ac__.object_change(log)
                                   log.append(x)

A function called while autocond traces a branch or loop body runs once, at trace time, so
its store to another scope's variable or to an object that outlives it would happen once
instead of each time Python runs it. The announcement lets the construct being traced see the
store, undo it afterwards, and raise a clear error unless it carries that variable
(`operators.effects`). Outside a traced body the calls do nothing.

Attribute stores that `composites` carries, and item stores `slices` turned into
`ac__.setitem` (which checks for itself), are not announced. Runs after both, before the
lowerings of `return`, `break` and `continue`, on the user's statements: the constructs holding
these stores stay Python, so no generated function holds them. Only stores whose object is a
name or a chain of attributes and plain subscripts of one are announced (the announcement
evaluates it again).
"""

from __future__ import annotations

from collections.abc import Iterable

import gast

from autocond.analysis import activity
from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

_COMPOUND = (gast.If, gast.While, gast.For, gast.With, gast.Try, gast.Match)


class _Transformer(functional.Transformer):
    def __init__(self, ctx: Context, outer: frozenset[str]):
        super().__init__(ctx)
        self.outer = outer

    def _notices(self, names: set[str], node: gast.stmt,
                 objects: Iterable[gast.stmt] = ()) -> list[gast.stmt]:
        stmts = [stmt for name in sorted(names & self.outer)
                 for stmt in templates.replace(f"{RUNTIME_NAME}.outer_store(lambda: name)", name=name)]
        stmts += objects
        origin.mark(stmts, node)
        return stmts

    def visit(self, node):
        if not isinstance(node, gast.stmt) or isinstance(node, (gast.Global, gast.Nonlocal)):
            return super().visit(node)
        if not isinstance(node, _COMPOUND):
            return self._notices(activity.binds(node), node, _object_stores(node)) + [node]
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


def _pure(node: gast.expr) -> bool:
    """Evaluating `node` again gives the same object and does nothing else."""
    return all(isinstance(n, (gast.Name, gast.Attribute, gast.Subscript, gast.Constant, gast.Load,
                              gast.Store, gast.Del)) for n in traversal.walk(node))


def _object_stores(stmt: gast.stmt) -> list[gast.stmt]:
    """The announcements of the changes `stmt` makes to objects in place."""
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
        method = stmt.value.func
        if (isinstance(method, gast.Attribute) and method.attr in activity.MUTATING_METHODS
                and _pure(method.value)):
            return templates.replace(f"{RUNTIME_NAME}.object_change(obj)",
                                     obj=functional.load(method.value))
        return []
    if not isinstance(stmt, (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Delete)):
        return []
    targets = stmt.targets if isinstance(stmt, (gast.Assign, gast.Delete)) else [stmt.target]
    stores = []
    for target in (n for t in targets for n in traversal.walk(t)):
        if not isinstance(target, (gast.Attribute, gast.Subscript)) or isinstance(target.ctx, gast.Load):
            continue
        obj = functional.load(target.value)
        if isinstance(target, gast.Attribute):
            if _pure(target.value) and not anno.hasanno(target, anno.Basic.COMPOSITE):
                stores += templates.replace(f"{RUNTIME_NAME}.attr_store(obj, attr)", obj=obj,
                                            attr=gast.Constant(value=target.attr, kind=None))
        elif _pure(target):
            stores += templates.replace(f"{RUNTIME_NAME}.item_store(obj, key)", obj=obj,
                                        key=functional.load(target.slice))
    return stores


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    outer = frozenset(activity.declared_outer(node))
    node.body = functional.visit_block(_Transformer(ctx, outer), node.body)
    return node
