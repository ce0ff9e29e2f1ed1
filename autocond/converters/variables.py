"""Reads of variables that may be unbound become `ac__.ld(x)`.

Converted code passes every variable a branch or loop carries into and out of functions, so
a variable Python would leave unbound holds an `Undefined` placeholder instead. Where a read
could see one (the variable is not bound on every path reaching the statement), `ld` raises
the `UnboundLocalError` Python would. Other reads are left alone: most code reads only
variables bound on every path, and its generated code stays as the user wrote it.

`del x` becomes `x = ac__.Undefined('x')`, for the same reason.

Runs after the analyses (it needs `DEFINED_IN`), and before the control-flow converters, so
only the user's own reads are wrapped.
"""

from __future__ import annotations

import gast

from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME


class _Transformer(traversal.Transformer):
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.defined = frozenset()

    def visit(self, node):
        if isinstance(node, gast.pattern):
            # Its names are dotted names, no call may replace them (`case A.B():`). A placeholder
            # in `case A.B` raises on the attribute; as the class of `case A()`, a `TypeError`.
            return node
        if not isinstance(node, gast.stmt) or not anno.hasanno(node, anno.Static.DEFINED_IN):
            return super().visit(node)
        outer, self.defined = self.defined, anno.getanno(node, anno.Static.DEFINED_IN)
        try:
            return super().visit(node)
        finally:
            self.defined = outer

    def visit_FunctionDef(self, node):
        return node  # a closure reads its variables when it is called, not here

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef

    def visit_Delete(self, node: gast.Delete):
        # `del x` unbinds `x`; converted code must still be able to pass `x` along.
        if not all(isinstance(t, gast.Name) and t.id in self.ctx.local_names for t in node.targets):
            return self.generic_visit(node)
        unbound = [stmt for t in node.targets for stmt in templates.replace(
            f"name = {RUNTIME_NAME}.Undefined(label)", name=t.id, label=gast.Constant(value=t.id, kind=None))]
        origin.mark(unbound, node)  # on the line of the `del` (its comments stay with them)
        return unbound

    def visit_Name(self, node: gast.Name):
        if (isinstance(node.ctx, gast.Load) and node.id in self.ctx.local_names
                and node.id not in self.defined):
            return templates.replace_as_expression(f"{RUNTIME_NAME}.ld(name)", name=node)
        return node


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    transformer = _Transformer(ctx)
    node.body = functional.visit_block(transformer, node.body)
    return node
