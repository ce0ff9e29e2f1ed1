"""Attributes assigned inside branches and loops are carried like variables.

    if x > 0:                      c_n = ac__.getattr_(c, 'n')
        c.n += 1             →     if x > 0:
                                       c.n += 1
                                       c_n = c.n
                                   ac__.setattr_(c, 'n', c_n)

`c.n` becomes the variable `c_n`, which the `if` and loop converters carry as any other (read
anywhere, as the object may be: liveness counts it live everywhere); the functions generated
for a block that carry it first store it back in the object (`functional.finish_scopes`; where
the object had no such attribute, it has none again), so the user's code, and the methods it
calls, read and change the object itself, as in Python. After the construct (and before a
loop's `else`), the object gets the value the construct produced (a traced `lax.cond` or loop
result included); that store is announced to a construct being traced around it
(`operators.effects`) like any store to an object. An attribute assigned only on some paths
of a traced `if` holds a placeholder that raises on use.

Only attributes of a variable bound once, outside any branch or loop (a parameter such as
`self`, or `c = Counter()`), are carried: the object is then the same wherever the construct
stores to it. `mark` runs after the lowering of `return` (the `if`s guarding what follows one
are constructs too) and before that of `break` and `continue` (whose analyses must not count
these stores as changes in place); `transform` after both, so that the value is stored back
after the construct on every path.
"""

from __future__ import annotations

import copy

import gast

from autocond.analysis import activity
from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import anno, origin, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

_CONSTRUCTS = (gast.If, gast.While, gast.For)


def _stores(stmt: gast.stmt) -> list[gast.Attribute]:
    """The `name.attr` targets a simple assignment stores to."""
    if isinstance(stmt, gast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (gast.AugAssign, gast.AnnAssign)):
        targets = [stmt.target]
    else:
        return []
    return [n for t in targets for n in traversal.walk(t) if isinstance(n, gast.Attribute)
            and isinstance(n.value, gast.Name) and isinstance(n.ctx, gast.Store)]


def _statements(body: list[gast.stmt], in_construct: bool = False):
    """The statements of the scope, with whether a branch or loop holds them."""
    for stmt in body:
        yield stmt, in_construct
        if not isinstance(stmt, traversal.SCOPES):
            inner = in_construct or isinstance(stmt, _CONSTRUCTS)
            for field in ("body", "orelse", "finalbody"):
                yield from _statements(getattr(stmt, field, None) or [], inner)
            for part in getattr(stmt, "handlers", []) + getattr(stmt, "cases", []):
                yield from _statements(part.body, True)


def mark(fn: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    """Annotate the attribute stores inside branches and loops that are carried (`COMPOSITE`:
    the variable that carries them)."""
    bindings = {}
    for stmt, in_construct in _statements(fn.body):
        for name in activity.binds(stmt) if not isinstance(stmt, _CONSTRUCTS) else _header_binds(stmt):
            bindings[name] = bindings.get(name, 0) + 1 + in_construct  # inside a construct: never once
    for name in activity.parameters(fn.args):
        bindings[name] = bindings.get(name, 0) + 1
    bound_once = {name for name, count in bindings.items() if count == 1} - activity.declared_outer(fn)
    for stmt, in_construct in _statements(fn.body):
        for target in _stores(stmt) if in_construct else []:  # others need no carrying
            if target.value.id in bound_once:
                key = (target.value.id, target.attr)
                if key not in ctx.composites:
                    ctx.composites[key] = ctx.namer.new(f"{target.value.id}_{target.attr}")
                anno.setanno(target, anno.Basic.COMPOSITE, ctx.composites[key])
    return fn


def _header_binds(stmt: gast.stmt) -> set[str]:
    """What a construct's header binds (a `for` target, `:=` in a test)."""
    header = [stmt.target, stmt.iter] if isinstance(stmt, gast.For) else [stmt.test]
    return set().union(*map(activity.binds, header))


def _carried(stmt: gast.stmt) -> dict[str, gast.Attribute]:
    """The variables carrying attributes a statement stores, with one of those stores."""
    return {anno.getanno(n, anno.Basic.COMPOSITE): n for n in traversal.walk(stmt)
            if anno.hasanno(n, anno.Basic.COMPOSITE)}


class _Transformer(functional.Transformer):
    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.carrying: frozenset[str] = frozenset()  # the variables the constructs around carry

    def visit(self, node):
        if not isinstance(node, gast.stmt):
            return super().visit(node)
        carried = _carried(node)
        if not carried:
            return node
        if not isinstance(node, _CONSTRUCTS):  # a store: the variable follows it
            after = [stmt for name, target in sorted(carried.items()) for stmt in templates.replace(
                "name = value", name=name, value=functional.attribute(target.value.id, target.attr))]
            origin.mark(after, node)
            return [node, *after]
        outer, self.carrying = self.carrying, self.carrying | set(carried)
        try:
            node = super().visit(node)
        finally:
            self.carrying = outer
        before, after = [], []
        for name, target in sorted(carried.items()):
            holes = dict(name=name, base=target.value.id, attr=gast.Constant(value=target.attr, kind=None))
            if name in outer:  # the variable already is the attribute; the construct around stores it
                after += templates.replace(f"{RUNTIME_NAME}.setattr_(base, attr, name, False)", **holes)
            else:
                before += templates.replace(f"name = {RUNTIME_NAME}.getattr_(base, attr)", **holes)
                after += templates.replace(f"{RUNTIME_NAME}.setattr_(base, attr, name)", **holes)
        origin.mark(before + after, node)
        if node.orelse and not isinstance(node, gast.If):  # the loop's `else` runs right after it
            node.orelse = copy.deepcopy(after) + node.orelse
        return [*before, node, *after]


def needed(fn: gast.FunctionDef, ctx: Context) -> bool:
    return bool(ctx.composites)


def transform(fn: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    fn.body = functional.visit_block(_Transformer(ctx), fn.body)
    return fn
