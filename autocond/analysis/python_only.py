"""Which `if`s and loops must stay plain Python, and why (`KEEP_PYTHON`).

A traced branch or loop body runs once, on copies of what it carries, in a program no
`except` can stop: so a construct that assigns a `global`, changes in place an object others
hold, holds a `raise` an `except` may catch, or the `break`/`continue` of a loop that stays
Python, keeps Python's meaning by staying Python. That is correct whenever its conditions are
static, and `converters.unsupported` makes its test raise a clear error when they are not.
Runs with the other analyses, after `return` is lowered.
"""

from __future__ import annotations

from collections.abc import Callable

import gast

from autocond.analysis import activity
from autocond.pyct import anno, traversal


def analyze(fn: gast.FunctionDef, outer_names: frozenset[str], where: Callable[[gast.AST], str]) -> None:
    """Annotate each `if` and loop of `fn` (not of the functions inside it, which are
    converted on their own) with `KEEP_PYTHON`: why it must stay Python, or None; and each
    `raise` an `except` may catch with `CAUGHT`. `outer_names` are those the function
    declares `global`; `where(node)` is the `file:line` of a node."""
    nodes = [n for n in traversal.same_scope(fn.body) if isinstance(n, gast.stmt)]
    caught = False  # whether the function has such a `raise`: else no `if` need look for one
    for node in nodes:
        if isinstance(node, (gast.Try, gast.TryStar)) and node.handlers:
            for n in traversal.same_scope(node.body + node.handlers):
                if isinstance(n, gast.Raise):
                    anno.setanno(n, anno.Static.CAUGHT, True)
                    caught = True
    for node in nodes:
        if isinstance(node, (gast.If, gast.While, gast.For)):
            anno.setanno(node, anno.Static.KEEP_PYTHON, _keep_python_reason(node, outer_names, where, caught))


_FRESH = (gast.List, gast.Dict, gast.Set, gast.ListComp, gast.DictComp, gast.SetComp)


def _fresh_inside(name: str, node: gast.stmt) -> bool:
    """Whether `name` holds, wherever `node`'s blocks use it, a container they created: it is
    not live where they start, and each of their assignments to it is a new list, dict or set
    (so changing it in place changes nothing outside the construct)."""
    live = anno.getanno(node, anno.Static.LIVE_IN_BODY) | anno.getanno(node, anno.Static.LIVE_IN_ORELSE)
    if name in live:
        return False
    nodes = list(traversal.same_scope(node.body + node.orelse))
    fresh = {id(n.targets[0]) for n in nodes if isinstance(n, gast.Assign) and len(n.targets) == 1
             and isinstance(n.targets[0], gast.Name) and isinstance(n.value, _FRESH)}
    return all(id(n) in fresh for n in nodes
               if isinstance(n, gast.Name) and n.id == name and not isinstance(n.ctx, gast.Load))


def _keep_python_reason(node: gast.stmt, outer_names: frozenset[str], where: Callable[[gast.AST], str],
                        caught: bool) -> str | None:
    """Why `node` (an `if` or a loop) must stay plain Python, or None if it can be converted
    (`caught`: whether any `raise` of the function may be caught)."""
    inside = activity.summarize(node.body + node.orelse)
    # A loop's own `break`/`continue` are lowered to flags unless the loop stays Python for
    # another reason; then they remain, and an `if` around one must stay Python too.
    if isinstance(node, gast.If):
        for kind, word in ((gast.Break, "break"), (gast.Continue, "continue")):
            if kind in inside.exits:
                return f"it contains the `{word}` at {where(inside.exits[kind])}"
    if isinstance(node, gast.For) and not all(
            isinstance(n, (gast.Name, gast.Tuple, gast.List, gast.Starred, gast.expr_context))
            for n in traversal.walk(node.target)):
        return "its target is not a variable or a tuple of variables"
    assigned_outer = sorted(inside.binds & outer_names)
    if assigned_outer:
        return f"it assigns `{assigned_outer[0]}`, which is declared `global`"
    # Traced branches and loop bodies get copies of the containers they carry, so a change in
    # place would not reach the object others see.
    for name, mutation in inside.mutations.items():
        if not _fresh_inside(name, node):
            return f"it changes `{name}` in place at {where(mutation)}"
    # A `raise` in a traced branch fails the compiled program where it is reached: no
    # `except` can catch that.
    if caught and isinstance(node, gast.If):
        caught = next((n for n in traversal.same_scope(node.body + node.orelse)
                       if isinstance(n, gast.Raise) and anno.getanno(n, anno.Static.CAUGHT, False)), None)
        if caught is not None:
            return f"it contains the `raise` at {where(caught)}, which an `except` may catch"
    return None
