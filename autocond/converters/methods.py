"""Zero-argument `super()` in a method names its class and instance.

    def scale(self, x):                  def scale(self, x):
        if x > 0:                   →        if x > 0:
            return super().scale(x)              return super(__class__, self).scale(x)

Python finds them in the frame of the method itself; once the code runs in a function
generated for a branch or loop body, that frame is another one, with neither. `__class__`
is then a free variable of the generated functions, as of the method. Only in a method
(`ctx.in_class`) with a first parameter, as Python's `super()` needs.
"""

from __future__ import annotations

import gast

from autocond.converters.context import Context
from autocond.pyct import traversal


def _bare_supers(fn: gast.FunctionDef) -> list[gast.Call]:
    """The calls `super()` of `fn` itself (not of the scopes inside it)."""
    return [n for n in traversal.same_scope(fn.body)
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id == "super"
            and not (n.args or n.keywords)]


def needed(fn: gast.FunctionDef, ctx: Context) -> bool:
    return ctx.in_class and bool(fn.args.posonlyargs or fn.args.args) and any(
        isinstance(n, gast.Name) and n.id == "super" for n in ctx.nodes)


def transform(fn: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    instance = (fn.args.posonlyargs or fn.args.args)[0].id
    for call in _bare_supers(fn):
        call.args = [gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
                     for name in ("__class__", instance)]
    return fn
