"""Constructs autocond rejects, and those it keeps as plain Python.

`transform` runs first, on the user's tree: a generator or coroutine cannot become one XLA
program, so it is refused before any other work. `annotate` runs with the analyses, after
`return` is lowered: an `if` or loop it gives a reason stays plain Python, which is correct
whenever its conditions are static (and raises a clear error when they are not).
"""

from __future__ import annotations

from collections.abc import Iterator

import gast

from autocond import errors
from autocond.analysis import activity
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME


def _inside(stmts: list[gast.stmt]) -> Iterator[gast.AST]:
    """Nodes under `stmts` in the same function."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, traversal.SCOPES):
            stack.extend(gast.iter_child_nodes(node))


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
    return next((n for n in _inside(fn.body) if isinstance(n, (gast.Yield, gast.YieldFrom, gast.Await))),
                None)


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


def annotate(fn: gast.FunctionDef, ctx: Context) -> None:
    """Annotate each `if` and loop with `KEEP_PYTHON`: why it must stay Python, or None;
    and each `raise` an `except` may catch with `CAUGHT`."""
    nodes = traversal.walk(fn)
    caught = False  # whether the function has such a `raise`: else no `if` need look for one
    for node in nodes:
        if isinstance(node, (gast.Try, gast.TryStar)) and node.handlers:
            for n in _inside(node.body + node.handlers):
                if isinstance(n, gast.Raise):
                    anno.setanno(n, anno.Static.CAUGHT, True)
                    caught = True
    for node in nodes:
        if isinstance(node, (gast.If, gast.While, gast.For)):
            anno.setanno(node, anno.Static.KEEP_PYTHON, _keep_python_reason(node, ctx, caught))


_FRESH = (gast.List, gast.Dict, gast.Set, gast.ListComp, gast.DictComp, gast.SetComp)


def _fresh_inside(name: str, node: gast.stmt) -> bool:
    """Whether `name` holds, wherever `node`'s blocks use it, a container they created: it is
    not live where they start, and each of their assignments to it is a new list, dict or set
    (so changing it in place changes nothing outside the construct)."""
    live = anno.getanno(node, anno.Static.LIVE_IN_BODY) | anno.getanno(node, anno.Static.LIVE_IN_ORELSE)
    if name in live:
        return False
    nodes = list(_inside(node.body + node.orelse))
    fresh = {id(n.targets[0]) for n in nodes if isinstance(n, gast.Assign) and len(n.targets) == 1
             and isinstance(n.targets[0], gast.Name) and isinstance(n.value, _FRESH)}
    return all(id(n) in fresh for n in nodes
               if isinstance(n, gast.Name) and n.id == name and not isinstance(n.ctx, gast.Load))


def _keep_python_reason(node: gast.stmt, ctx: Context, caught: bool) -> str | None:
    """Why `node` (an `if` or a loop) must stay plain Python, or None if it can be converted
    (`caught`: whether any `raise` of the function may be caught)."""
    inside = activity.summarize(node.body + node.orelse)
    # A loop's own `break`/`continue` are lowered to flags unless the loop stays Python for
    # another reason; then they remain, and an `if` around one must stay Python too.
    if isinstance(node, gast.If):
        for kind, word in ((gast.Break, "break"), (gast.Continue, "continue")):
            if kind in inside.exits:
                return f"it contains the `{word}` at {ctx.where(inside.exits[kind])}"
    if isinstance(node, gast.For) and not all(
            isinstance(n, (gast.Name, gast.Tuple, gast.List, gast.Starred, gast.expr_context))
            for n in traversal.walk(node.target)):
        return "its target is not a variable or a tuple of variables"
    assigned_outer = sorted(inside.binds & ctx.outer_names)
    if assigned_outer:
        return f"it assigns `{assigned_outer[0]}`, which is declared `global`"
    # Traced branches and loop bodies get copies of the containers they carry, so a change in
    # place would not reach the object others see.
    for name, mutation in inside.mutations.items():
        if not _fresh_inside(name, node):
            return f"it changes `{name}` in place at {ctx.where(mutation)}"
    # A `raise` in a traced branch fails the compiled program where it is reached: no
    # `except` can catch that.
    if caught and isinstance(node, gast.If):
        caught = next((n for n in _inside(node.body + node.orelse)
                       if isinstance(n, gast.Raise) and anno.getanno(n, anno.Static.CAUGHT, False)), None)
        if caught is not None:
            return f"it contains the `raise` at {ctx.where(caught)}, which an `except` may catch"
    return None
