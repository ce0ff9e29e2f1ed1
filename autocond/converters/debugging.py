"""`assert` statements and `print` calls become calls that decide at trace time.

    assert x > 0, "x must be positive"   →   ac__.assert_(x > 0, lambda: 'x must be positive')
    print("x =", x)                      →   ac__.print_(print, 'x =', x)

A static assertion is Python's; a traced one is checked when the compiled program runs.
A `print` of traced values prints them at run time. Runs after the control-flow converters,
like `logical`: the analyses have seen the message's reads where Python makes them. Under
`python -O`, where Python drops `assert` statements, they are left for `compile` to drop.
"""

from __future__ import annotations

import gast

from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import origin, templates
from autocond.pyct.loader import RUNTIME_NAME


class _Transformer(functional.Transformer):

    def visit_Lambda(self, node: gast.Lambda):
        return self.generic_visit(node)  # a lambda's body is an expression of this function

    def visit_Assert(self, node: gast.Assert):
        node = self.generic_visit(node)
        if not __debug__:
            return node
        args = [node.test] + ([] if node.msg is None else
                              [templates.replace_as_expression("lambda: message", message=node.msg)])
        call = templates.replace(f"{RUNTIME_NAME}.assert_(args)", args=args)
        origin.mark(call, node)
        return call[0]

    def visit_Call(self, node: gast.Call):
        node = self.generic_visit(node)
        if isinstance(node.func, gast.Name) and node.func.id == "print":
            node.args.insert(0, node.func)
            node.func = templates.replace_as_expression(f"{RUNTIME_NAME}.print_")
        return node


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
