"""Definitely-defined variables: names bound on every path reaching a statement.

Annotates every statement with `DEFINED_IN`, and each `if` with the names both branches
always bind (`BOUND_BY_BRANCHES`). Converters pass a variable that is not definitely defined
as an `Undefined` placeholder, so a traced construct can carry it and report its use clearly.
The analysis under-approximates (loops may run zero times, `try` bodies may stop anywhere;
a loop's `else` runs where no `break` leaves it), which can only add a placeholder that is
then overwritten.
"""

from __future__ import annotations

import gast

from autocond.analysis import activity
from autocond.pyct import anno

_Defined = frozenset


def _meet(a: _Defined | None, b: _Defined | None) -> _Defined | None:
    """Defined after two paths join; None stands for a path that does not reach the join."""
    if a is None or b is None:
        return b if a is None else a
    return a & b


def _block(stmts: list[gast.stmt], defined: _Defined) -> _Defined | None:
    """Defined at the end of `stmts`, or None if no path reaches it."""
    reaches_end = True
    for stmt in stmts:
        after = _stmt(stmt, defined)
        if after is None:
            reaches_end = False  # what follows is unreachable; it keeps the last known set
        else:
            defined = after
    return defined if reaches_end else None


def _stmt(node: gast.stmt, defined: _Defined) -> _Defined | None:
    anno.setanno(node, anno.Static.DEFINED_IN, defined)
    if isinstance(node, activity.EXITS):
        return None
    if isinstance(node, gast.If):
        _bound_by_branches(node)
        defined |= activity.binds(node.test)  # walrus
        return _meet(_block(node.body, defined), _block(node.orelse, defined))
    if isinstance(node, (gast.For, gast.AsyncFor)):
        _block(node.body, defined | activity.binds(node.target))
        after = _block(node.orelse, defined)
        return defined if activity.breaks(node) or after is None else after
    if isinstance(node, gast.While):
        defined |= activity.binds(node.test)
        _block(node.body, defined)
        after = _block(node.orelse, defined)
        if activity.forever(node):
            return None  # `while True:` without `break` ends only by leaving the function
        return defined if activity.breaks(node) or after is None else after
    if isinstance(node, (gast.With, gast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                defined |= activity.binds(item.optional_vars)
        return _block(node.body, defined)
    if isinstance(node, gast.Match):
        for case in node.cases:
            _block(case.body, defined | activity.binds(case.pattern))
        return defined
    if isinstance(node, (gast.Try, gast.TryStar)):
        for block in (node.body, node.orelse, node.finalbody):
            _block(block, defined)
        for handler in node.handlers:
            _block(handler.body, defined | activity.binds(handler.name) if handler.name else defined)
        return defined
    return (defined | activity.summary(node).binds) - _deleted(node)


def _bound_by_branches(node: gast.If) -> frozenset[str]:
    """The names both branches of `node` always bind, kept as `BOUND_BY_BRANCHES` (asked of
    each `if` of a nest by every `if` around it)."""
    bound = anno.getanno(node, anno.Static.BOUND_BY_BRANCHES)
    if bound is None:
        bound = frozenset(_always_bound(node.body) & _always_bound(node.orelse))
        anno.setanno(node, anno.Static.BOUND_BY_BRANCHES, bound)
    return bound


def _always_bound(stmts: list[gast.stmt]) -> set[str]:
    """Names `stmts` bind on every path through them (loops and `try` may bind nothing)."""
    bound = set()
    for node in stmts:
        if isinstance(node, gast.If):
            bound |= _bound_by_branches(node)
        elif isinstance(node, (gast.With, gast.AsyncWith)):
            bound |= _always_bound(node.body)
        elif isinstance(node, (gast.For, gast.AsyncFor, gast.While)) and not activity.breaks(node):
            bound |= _always_bound(node.orelse)  # a loop left without `break` runs its `else`
        elif not isinstance(node, (gast.For, gast.AsyncFor, gast.While, gast.Try, gast.TryStar, gast.Match)):
            bound = (bound | activity.summary(node).binds) - _deleted(node)
    return bound


def _deleted(node: gast.stmt) -> set[str]:
    if isinstance(node, gast.Delete):
        return {t.id for t in node.targets if isinstance(t, gast.Name)}
    return set()


def analyze(fn: gast.FunctionDef) -> None:
    # A name declared `nonlocal` is the enclosing function's, taken to be bound there.
    _block(fn.body, _Defined(activity.parameters(fn.args) | activity.declared_outer(fn, (gast.Nonlocal,))))
