"""Drops what the lowerings leave that nothing reads.

    def if_true():                    def if_true():
        do_return = True        →         return x * 2
        retval_ = x * 2
        return retval_

A generated variable (a flag, a return value) that no code of its scope, nor of the
functions inside it, reads is not stored when the value stored is a constant or a
placeholder; one stored and returned at once is returned. Only names the converters
made are touched: the user's own statements stay as written. Runs last, on the finished
tree (`functional.finish_scopes` adds reads of placeholders).
"""

from __future__ import annotations

import collections

import gast

from autocond.analysis import activity
from autocond.converters.context import Context
from autocond.pyct import anno, traversal
from autocond.pyct.loader import RUNTIME_NAME

_PLACEHOLDERS = ("Undefined", "UndefinedReturnValue")


def _placeholder(value: gast.expr) -> bool:
    """`ac__.Undefined(...)` or `ac__.UndefinedReturnValue()`: values that cannot fail."""
    func = value.func if isinstance(value, gast.Call) else None
    return (isinstance(func, gast.Attribute) and func.attr in _PLACEHOLDERS
            and isinstance(func.value, gast.Name) and func.value.id == RUNTIME_NAME)


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    if ctx.namer.generated:
        _clean_scope(node, ctx.namer.generated)
    return node


def _clean_scope(scope: gast.FunctionDef, generated: set[str]) -> set[str]:
    """Clean `scope` (the converted function or one generated in it, and the functions
    generated in it); the names it reads, or declares `nonlocal`/`global`, that are not its
    own (so its parent's)."""
    loads: collections.Counter[str] = collections.Counter()
    binds, declared, nested_reads = activity.parameters(scope.args), set(), set()
    stack = list(scope.body)
    while stack:
        n = stack.pop()
        if isinstance(n, traversal.SCOPES):
            binds.add(getattr(n, "name", None))
            if isinstance(n, gast.FunctionDef) and anno.getanno(n, anno.Basic.GENERATED):
                reads = _clean_scope(n, generated)
            else:  # the user's: every name it mentions counts as read
                reads = {m.id for m in gast.walk(n) if isinstance(m, gast.Name)}
            loads.update(reads)
            nested_reads |= reads
        elif isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Store):
                binds.add(n.id)
            else:
                loads[n.id] += 1  # `del` too: it fails on a name not stored
        else:
            if isinstance(n, (gast.Global, gast.Nonlocal)):
                declared |= set(n.names)
            stack += gast.iter_child_nodes(n)
    generated_here = (binds & generated) - declared
    returned = _return_at_once(scope.body, generated_here - nested_reads)
    if returned:
        loads[returned] -= 1  # no longer read
    read = set(+loads)
    _drop_unread(scope.body, generated_here - read)
    return (read - binds) | declared


def _drop_unread(block: list[gast.stmt], unread: set[str]) -> None:
    """Drop the stores of a constant or placeholder to `unread` in `block` and the blocks in it."""
    block[:] = [stmt for stmt in block if not (
        _stored_name(stmt) in unread and (isinstance(stmt.value, gast.Constant) or _placeholder(stmt.value)))]
    for stmt in block:
        if not isinstance(stmt, traversal.SCOPES):
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if inner:
                    _drop_unread(inner, unread)
                    if not inner:
                        inner.append(gast.Pass())


def _return_at_once(body: list[gast.stmt], names: set[str]) -> str | None:
    """`n = value; return n` at the end of `body` as `return value`, for `n` in `names` (no
    function made in the scope reads them, so none reads the value later): `n`, if so."""
    if len(body) >= 2 and isinstance(body[-1], gast.Return) and isinstance(body[-1].value, gast.Name):
        name = _stored_name(body[-2])
        if name == body[-1].value.id and name in names:
            body[-2:] = [gast.copy_location(gast.Return(value=body[-2].value), body[-2])]
            return name
    return None


def _stored_name(stmt: gast.stmt) -> str | None:
    """`n` for `n = value`."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name):
        return stmt.targets[0].id
    return None
