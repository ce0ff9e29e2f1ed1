"""Drops what the lowerings leave that nothing reads.

    def if_true():                    def if_true():
        do_return = True        →         return x * 2
        retval_ = x * 2
        return retval_

A generated variable (a flag, a return value) that no code of its scope, nor of the
functions inside it, reads is not stored when the value stored is a constant or a
placeholder; one stored and returned at once is returned. A branch left giving back what it
takes (`def if_true(x): return x`, once its flag is dropped) is `None` to the operator. Only
names the converters made are touched: the user's own statements stay as written. Runs last, on the finished
tree (`functional.finish_scopes` adds reads of placeholders).
"""

from __future__ import annotations

import collections

import gast

from autocond.analysis import activity
from autocond.converters import functional
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
    if ctx.namer.generated and _has_work(node, ctx.namer.generated):
        _clean_scope(node, ctx.namer.generated)
    return node


def _has_work(fn: gast.FunctionDef, generated: set[str]) -> bool:
    """Whether cleaning may change `fn`, asked of its statements (cleaning walks every node):
    whether it or a function generated in it stores a constant or placeholder in a generated
    name, returns one just stored, or is a generated branch giving back what it takes."""
    scopes = [fn]
    while scopes:
        scope = scopes.pop()
        if _stored_at_return(scope.body) in generated:
            return True
        for stmt in functional.statements(scope.body):
            if isinstance(stmt, gast.FunctionDef) and anno.getanno(stmt, anno.Basic.GENERATED):
                if _gives_back(stmt):
                    return True
                scopes.append(stmt)
            elif _droppable(stmt, generated):
                return True
    return False


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
                reads = {m.id for m in traversal.walk(n) if isinstance(m, gast.Name)}
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
            traversal.add_children(n, stack)
    generated_here = (binds & generated) - declared
    returned = _return_at_once(scope.body, generated_here - nested_reads)
    if returned:
        loads[returned] -= 1  # no longer read
    read = set(+loads)
    _drop_unread(scope.body, generated_here - read)
    _drop_unchanged_branches(scope.body, {name for name, count in loads.items() if count == 1})
    return (read - binds) | declared


def _drop_unread(block: list[gast.stmt], unread: set[str]) -> None:
    """Drop the stores of a constant or placeholder to `unread` in `block` and the blocks in it."""
    block[:] = [stmt for stmt in block if not _droppable(stmt, unread)]
    for stmt in block:
        if not isinstance(stmt, traversal.SCOPES):
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if inner:
                    _drop_unread(inner, unread)
                    if not inner:
                        inner.append(gast.Pass())


def _droppable(stmt: gast.stmt, names: set[str]) -> bool:
    """Whether `stmt` stores a constant or placeholder in one of `names`."""
    return _stored_name(stmt) in names and (isinstance(stmt.value, gast.Constant) or _placeholder(stmt.value))


def _return_at_once(body: list[gast.stmt], names: set[str]) -> str | None:
    """`n = value; return n` at the end of `body` as `return value`, for `n` in `names` (no
    function made in the scope reads them, so none reads the value later): `n`, if so."""
    name = _stored_at_return(body)
    if name is None or name not in names:
        return None
    body[-2:] = [gast.copy_location(gast.Return(value=body[-2].value), body[-2])]
    return name


def _stored_at_return(body: list[gast.stmt]) -> str | None:
    """`n` where `body` ends `n = value; return n`."""
    if len(body) >= 2 and isinstance(body[-1], gast.Return) and isinstance(body[-1].value, gast.Name):
        name = _stored_name(body[-2])
        if name == body[-1].value.id:
            return name
    return None


def _stored_name(stmt: gast.stmt) -> str | None:
    """`n` for `n = value`."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name):
        return stmt.targets[0].id
    return None


def _drop_unchanged_branches(body: list[gast.stmt], read_once: set[str]) -> None:
    """Pass `None` for the generated branches in `body` that give back their parameters as
    they are (read once: by the call running them), and drop them."""
    unchanged = {stmt.name for stmt in body if isinstance(stmt, gast.FunctionDef) and stmt.name in read_once
                 and anno.getanno(stmt, anno.Basic.GENERATED) and _gives_back(stmt)}
    dropped = set()
    for stmt in body if unchanged else ():
        call = getattr(stmt, "value", None)
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr in _BRANCHES and isinstance(call.func.value, gast.Name)
                and call.func.value.id == RUNTIME_NAME):
            continue
        switch = call.func.attr == "switch_stmt"
        branches = call.args[2].elts if switch else call.args[1:3]
        gone = {b.id for b in branches if isinstance(b, gast.Name) and b.id in unchanged}
        kept = [gast.Constant(value=None, kind=None) if isinstance(b, gast.Name) and b.id in gone else b
                for b in branches]
        if switch:
            call.args[2].elts = kept
        else:
            call.args[1:3] = kept
        dropped |= gone
    body[:] = [stmt for stmt in body if not (isinstance(stmt, gast.FunctionDef) and stmt.name in dropped)]


_BRANCHES = ("if_stmt", "switch_stmt")  # the operators taking `None` for a branch


def _gives_back(fn: gast.FunctionDef) -> bool:
    """Whether `fn` is `def b(x, y): return (x, y)` (or `return x`, or `return ()`)."""
    if len(fn.body) != 1 or not isinstance(fn.body[0], gast.Return) or fn.body[0].value is None:
        return False
    value, params = fn.body[0].value, [p.id for p in fn.args.args]
    names = value.elts if isinstance(value, gast.Tuple) and len(params) != 1 else [value]
    return (not (fn.args.posonlyargs or fn.args.kwonlyargs or fn.args.vararg or fn.args.kwarg)
            and all(isinstance(n, gast.Name) for n in names) and [n.id for n in names] == params)
