"""`assert` and `raise` statements and `print` calls become calls that decide at trace time.

    assert x > 0, "x must be positive"   →   ac__.assert_(x > 0, lambda: 'x must be positive')
    raise ValueError("no root")          →   ac__.raise_(ValueError('no root'))
    print("x =", x)                      →   ac__.print_(print, 'x =', x)

A static assertion is Python's; a traced one is checked when the compiled program runs. A
`raise` in a traced branch or loop body raises when the compiled program reaches it; one an
`except` of the function may catch stays Python's (as does a bare `raise`). A `print` of
traced values prints them at run time. Runs after the control-flow converters,
like `logical`: the analyses have seen the message's reads where Python makes them. Under
`python -O`, where Python drops `assert` statements, they are left for `compile` to drop.
"""

from __future__ import annotations

import gast

from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates
from autocond.pyct.loader import RUNTIME_NAME


class _Transformer(functional.ExpressionTransformer):

    def visit_Assert(self, node: gast.Assert):
        node = self.generic_visit(node)
        if not __debug__:
            return node
        args = [node.test] + ([] if node.msg is None else
                              [templates.replace_as_expression("lambda: message", message=node.msg)])
        call = templates.replace(f"{RUNTIME_NAME}.assert_(args)", args=args)
        origin.mark(call, node)
        return call[0]

    def visit_Raise(self, node: gast.Raise):
        node = self.generic_visit(node)
        if node.exc is None or anno.getanno(node, anno.Static.CAUGHT, False):
            return node
        call = templates.replace(f"{RUNTIME_NAME}.raise_(args)",
                                 args=[node.exc] + ([] if node.cause is None else [node.cause]))
        origin.mark(call, node)
        return call[0]

    def visit_Call(self, node: gast.Call):
        node = self.generic_visit(node)
        if isinstance(node.func, gast.Name) and node.func.id == "print":
            node.args.insert(0, node.func)
            node.func = templates.replace_as_expression(f"{RUNTIME_NAME}.print_")
        return node


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    return ctx.has(gast.Assert, gast.Raise) or ctx.namer.taken("print")


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
