"""Constructs autocond rejects, and the tests of those it keeps as plain Python.

`transform` runs first, on the user's tree: a generator or coroutine cannot become one XLA
program, so it is refused before any other work. An `if` or loop that `analysis.python_only`
gives a reason stays plain Python, which is correct whenever its conditions are static: its
test (`python_condition`) or range (`python_iterable`) raises a clear error when they are not.
"""

from __future__ import annotations

import gast

from autocond import errors
from autocond.converters.context import Context
from autocond.pyct import origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

_SUSPENSIONS = (gast.Yield, gast.YieldFrom, gast.Await)


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    """Whether `node` is an `async def` or holds a `yield` or `await` (maybe a nested scope's)."""
    return isinstance(node, gast.AsyncFunctionDef) or ctx.has(*_SUSPENSIONS)


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    if isinstance(node, gast.AsyncFunctionDef):
        raise errors.UnsupportedSyntaxError(
            f"`{ctx.qualname}` ({ctx.where(node)}) is an `async def`; autocond converts plain "
            "functions only. Call the converted function from your coroutine instead.")
    n = suspension(node)
    if n is not None:
        what = "`await`" if isinstance(n, gast.Await) else "`yield`"
        raise errors.UnsupportedSyntaxError(
            f"`{ctx.qualname}` uses {what} at {ctx.where(n)}; a generator or coroutine cannot "
            "be converted to one XLA program. Collect the values in a list, or convert the "
            "function that consumes them.")
    return node


def suspension(fn: gast.FunctionDef) -> gast.AST | None:
    """The first `yield` or `await` of `fn` itself (making it a generator or coroutine), or None."""
    return next((n for n in traversal.same_scope(fn.body) if isinstance(n, _SUSPENSIONS)), None)


def python_condition(node: gast.If | gast.While, reason: str) -> gast.expr:
    """The test of an `if` or `while` kept as Python: `ac__.python_bool(test, reason)`, on the
    statement's first line, raises a clear error if the condition is traced."""
    call = templates.replace_as_expression(f"{RUNTIME_NAME}.python_bool(test, reason)",
                                           test=node.test, reason=gast.Constant(value=reason, kind=None))
    origin.mark([call], node)
    return call


def python_iterable(node: gast.For, reason: str) -> gast.expr:
    """The iterable of a `for` kept as Python: `range(...)` becomes `ac__.python_range(reason,
    range, ...)`, on the statement's first line, which raises a clear error if a bound is
    traced; another iterable stays as written."""
    it = node.iter
    if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range"):
        return it
    call = templates.replace_as_expression(f"{RUNTIME_NAME}.python_range(reason, fn, args)", fn=it.func,
                                           reason=gast.Constant(value=reason, kind=None), args=it.args)
    call.keywords = it.keywords
    origin.mark([call], node)
    return call
