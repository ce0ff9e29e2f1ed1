"""Lowers `return` inside compound statements to a flag and a value.

    if x > 0:                      do_return = False
        return x                   retval_ = ac__.UndefinedReturnValue()
    y = -x                   →     if x > 0:
    return y                           do_return = True
                                       retval_ = x
                                   if ac__.not_(do_return):
                                       y = -x
                                       do_return = True
                                       retval_ = y
                                   return retval_

A loop whose body may return stops on the flag (`STOP`, as for a lowered `break`), and what
follows it runs under the guard. Runs before the analyses (they must see the flag and the
value as ordinary variables) and before the control-flow converters (which then carry them
like any other variable). A function with no `return` inside a compound statement is left
as it is. Falling off the end is an explicit `return None`, so a traced `if` that returns a
value on one path and nothing on the other is reported.
"""

from __future__ import annotations

import gast

from autocond.converters import guards
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME


def _lowering(ctx: Context, implicit: gast.Return) -> tuple[guards.Lowering, str, list[gast.Assign]]:
    flag, value = ctx.namer.new("do_return"), ctx.namer.new("retval_")

    lowered_so_far = []  # the assignments of the return value, in order

    def lower(stmt: gast.Return) -> list[gast.stmt]:
        lowered = templates.replace("flag = True\nretval = value", flag=flag, retval=value,
                                    value=stmt.value or gast.Constant(value=None, kind=None))
        anno.setanno(lowered[1], anno.Basic.RETURN_LINE, 0 if stmt is implicit else ctx.line(stmt))
        lowered_so_far.append(lowered[1])
        return lowered

    def returns_before(count: int) -> tuple[int, ...]:
        """The lines of the first `count` `return`s lowered."""
        return tuple(anno.getanno(n, anno.Basic.RETURN_LINE) for n in lowered_so_far[:count])

    def on_guard(guard: gast.If, before: int) -> None:  # its `else` is where the function has returned
        anno.setanno(guard, anno.Basic.RETURNED, (False, True))
        anno.setanno(guard, anno.Basic.RETURNS_BEFORE, returns_before(before))

    def on_if(node: gast.If, always: tuple[bool, bool], before: int) -> None:
        anno.setanno(node, anno.Basic.RETURNED, always)
        anno.setanno(node, anno.Basic.RETURNS_BEFORE, returns_before(before))

    return guards.Lowering(gast.Return, flag, lower, True, on_guard, on_if), value, lowered_so_far


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    """Whether a `return` is inside a compound statement."""
    return not set(guards.exits(node.body, gast.Return, enter_loops=True)) <= set(node.body)


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    implicit = gast.Return(value=None)  # falling off the end
    lowering, value, lowered_so_far = _lowering(ctx, implicit)
    # A loop whose body may return stops on the flag, and its `else` runs only if it did not:
    # the function's own loops (a nested function's `return`s are its own).
    loops = [loop for loop in traversal.same_scope(node.body)
             if isinstance(loop, guards.LOOPS) and guards.exits(loop.body, gast.Return, enter_loops=True)]
    for loop in loops:
        anno.setanno(loop, anno.Basic.STOP, (lowering.flag,))
    body = node.body
    if not isinstance(body[-1], gast.Return):
        body = body + [implicit]
        origin.mark(body[-1:], body[-2])
    lowered, _, _ = lowering.block(body)
    ctx.return_value = value
    for loop in loops:
        if loop.orelse:
            # Added last: the `return`s before it are those up to the last in the loop's body.
            inside = {id(n) for stmt in loop.body for n in traversal.walk(stmt)}
            before = 1 + max((k for k, n in enumerate(lowered_so_far) if id(n) in inside), default=-1)
            loop.orelse = [guards.guard(lowering.flag, loop.orelse)]
            lowering.on_guard(loop.orelse[0], before)
    prologue = templates.replace(f"flag = False\nretval = {RUNTIME_NAME}.UndefinedReturnValue()",
                                 flag=lowering.flag, retval=value)
    epilogue = templates.replace("return retval", retval=value)
    origin.mark(prologue, node.body[0])
    origin.mark(epilogue, node.body[-1])
    node.body = prologue + lowered + epilogue
    return node
