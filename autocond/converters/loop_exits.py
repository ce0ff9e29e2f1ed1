"""Lowers `break` and `continue` to flags, so a loop that leaves early is still one loop.

    while test:                    break_ = False
        if c:                      while test:                  # the loop stops on `break_`
            break                      if c:
        x = f(x)             →             break_ = True
    else:                              if ac__.not_(break_):
        y = g(x)                           x = f(x)
                                   if ac__.not_(break_):        # `else` runs if not broken
                                       y = g(x)

`continue` sets a flag that each iteration starts cleared, and guards the rest of the body.
The loops converter carries a `break` flag and passes it to the loop operator as `stop`, so a
traced `break` becomes part of the `lax.while_loop` condition.

Runs after `return` is lowered and before the analyses (the flags are ordinary variables to
them). Loops that stay plain Python (`analysis.python_only`, asked first) keep their own
`break` and `continue`, and break once a lowered `return` in them has set its flag.
"""

from __future__ import annotations

import gast

from autocond.converters import functional, guards
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates


def _assign(flag: str, value: bool) -> list[gast.stmt]:
    return templates.replace("flag = value", flag=flag, value=gast.Constant(value=value, kind=None))


class _Transformer(functional.Transformer):

    def _lower(self, body: list[gast.stmt], exit: type, name: str) -> tuple[str, list[gast.stmt]]:
        """The flag and the lowered body, if `body` has exits of kind `exit` of its own."""
        if not guards.exits(body, exit, enter_loops=False):
            return None, body
        flag = self.ctx.namer.new(name)
        lowering = guards.Lowering(exit, flag, lambda stmt: _assign(flag, True), enter_loops=False)
        return flag, lowering.block(body)[0]

    def _visit_loop(self, node):
        node = self.generic_visit(node)  # inner loops own their exits: lowered first
        if anno.getanno(node, anno.Static.KEEP_PYTHON):
            # It keeps its own `break`; it still ends once its body has returned, at the end
            # of that iteration (the guards skip the rest of it).
            for flag in anno.getanno(node, anno.Basic.STOP, ()):
                check = templates.replace("if flag:\n    break", flag=flag)
                origin.mark(check + check[0].body, node.body[-1])
                node.body = node.body + check
            return node
        continue_, body = self._lower(node.body, gast.Continue, "continue_")
        if continue_:
            start = _assign(continue_, False)
            origin.mark(start, node.body[0])
            node.body = start + body
        break_, node.body = self._lower(node.body, gast.Break, "break_")
        if not break_:
            return node
        anno.setanno(node, anno.Basic.STOP, (*anno.getanno(node, anno.Basic.STOP, ()), break_))
        before = _assign(break_, False)
        origin.mark(before, node)
        after = [guards.guard(break_, node.orelse)] if node.orelse else []
        node.orelse = []
        return before + [node] + after

    visit_While = visit_For = _visit_loop


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    return ctx.has(gast.Break, gast.Continue) and bool(guards.exits(node.body, (gast.Break, gast.Continue),
                                                                  enter_loops=True))


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
