"""Lowers `return` inside `if`/`with`/`try` to a flag and a value.

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

Runs before the analyses (they must see the flag and the value as ordinary variables) and
before the control-flow converters (which then carry them like any other variable). A
function with no `return` inside a compound statement is left as it is; one that returns
from inside a loop too, for now: its loops and the `if`s around such a `return` stay Python
(`unsupported.annotate`). Falling off the end is an explicit `return None`, so
a traced `if` that returns a value on one path and nothing on the other is reported.
"""

from __future__ import annotations

import gast

from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates
from autocond.pyct.loader import RUNTIME_NAME

_LOOPS = (gast.For, gast.While, gast.AsyncFor)
_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda)
_BLOCKS = ("body", "orelse", "finalbody")


def _returns(stmts: list[gast.stmt], in_loop: bool = False, nested: bool = False):
    """(return, in a loop?, inside a compound statement?) for each `return` under `stmts`."""
    for stmt in stmts:
        if isinstance(stmt, gast.Return):
            yield stmt, in_loop, nested
        elif not isinstance(stmt, _SCOPES):
            loop = in_loop or isinstance(stmt, _LOOPS)
            blocks = [getattr(stmt, f, []) for f in _BLOCKS]
            blocks += [h.body for h in getattr(stmt, "handlers", [])]
            blocks += [c.body for c in getattr(stmt, "cases", [])]
            for block in blocks:
                yield from _returns(block, loop, True)


class _Lowering:
    def __init__(self, ctx: Context):
        self.flag = ctx.namer.new("do_return")
        self.value = ctx.namer.new("retval_")

    def block(self, stmts: list[gast.stmt]) -> tuple[list[gast.stmt], bool, bool]:
        """The lowered block, whether it may return, and whether it always does."""
        out = []
        for k, stmt in enumerate(stmts):
            lowered, may, always = self.stmt(stmt)
            out += lowered
            if always:
                return out, True, True  # the rest is unreachable
            if may:
                rest, _, rest_always = self.block(stmts[k + 1:])
                if rest:
                    guard = templates.replace(f"if {RUNTIME_NAME}.not_(flag):\n    rest",
                                              flag=self.flag, rest=rest)
                    origin.mark(guard, rest[0])
                    anno.setanno(guard[0], anno.Basic.RETURNED, (False, True))
                    out += guard
                return out, True, rest_always
        return out, False, False

    def stmt(self, stmt: gast.stmt) -> tuple[list[gast.stmt], bool, bool]:
        if isinstance(stmt, gast.Return):
            value = stmt.value or gast.Constant(value=None, kind=None)
            lowered = templates.replace("flag = True\nretval = value",
                                        flag=self.flag, retval=self.value, value=value)
            origin.mark(lowered, stmt)
            return lowered, True, True
        if isinstance(stmt, _SCOPES) or not any(True for _ in _returns([stmt])):
            return [stmt], False, False
        # A compound statement around a `return`. Only an `if` whose branches both always
        # return is known to always return; after any other, a guard follows.
        may, always = False, {}
        for field in _BLOCKS:
            if getattr(stmt, field, None):
                lowered, block_may, always[field] = self.block(getattr(stmt, field))
                setattr(stmt, field, lowered)
                may = may or block_may
        for part in getattr(stmt, "handlers", []) + getattr(stmt, "cases", []):
            part.body, block_may, _ = self.block(part.body)
            may = may or block_may
        if not isinstance(stmt, gast.If):
            return [stmt], may, False
        returned = (always.get("body", False), always.get("orelse", False))
        anno.setanno(stmt, anno.Basic.RETURNED, returned)
        return [stmt], may, all(returned)


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    found = list(_returns(node.body))
    if not any(nested for _, _, nested in found) or any(in_loop for _, in_loop, _ in found):
        return node
    lowering = _Lowering(ctx)
    body = node.body
    if not isinstance(body[-1], gast.Return):
        body = body + [gast.Return(value=None)]
        origin.mark(body[-1:], body[-2])
    lowered, _, _ = lowering.block(body)
    prologue = templates.replace(f"flag = False\nretval = {RUNTIME_NAME}.UndefinedReturnValue()",
                                 flag=lowering.flag, retval=lowering.value)
    epilogue = templates.replace("return retval", retval=lowering.value)
    origin.mark(prologue, node.body[0])
    origin.mark(epilogue, node.body[-1])
    node.body = prologue + lowered + epilogue
    return node
