"""Blocks as functions of the variables they carry: the shape all generated code shares.

    def if_true(x, y):       # the variables the block reads or assigns and someone needs
        ...                  # the user's statements
        return y             # the variables live after it (one bare, several as a tuple)
    y = ac__.if_stmt(test, if_true, if_false, (x, y), ('y',))
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence

import gast

from autocond.analysis import activity
from autocond.converters.context import Context
from autocond.pyct import anno, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME


class Transformer(traversal.Transformer):
    """A control-flow converter: it enters the functions generated from blocks (they hold
    user code, maybe converted by an earlier pass), not the user's own nested functions."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def visit_FunctionDef(self, node):
        return self.generic_visit(node) if anno.getanno(node, anno.Basic.GENERATED) else node

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef


class ExpressionTransformer(Transformer):
    """A converter of expressions: it enters lambdas too, whose bodies are expressions of
    the function."""

    def visit_Lambda(self, node):
        return self.generic_visit(node)


def visit_block(transformer: traversal.Transformer, stmts: list[gast.stmt]) -> list[gast.stmt]:
    """`stmts` visited by `transformer`, whose visits may return a statement or a list."""
    block = []
    for stmt in stmts:
        visited = transformer.visit(stmt)
        block += visited if isinstance(visited, list) else [visited]
    return block


def _name(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def attribute(base: str, attr: str, ctx: gast.expr_context | None = None) -> gast.Attribute:
    """`base.attr` (read, unless `ctx` says otherwise)."""
    return gast.Attribute(value=_name(base), attr=attr, ctx=ctx or gast.Load())


def load(node: gast.expr) -> gast.expr:
    """A copy of `node` (a name, or attributes and subscripts of one) that reads it."""
    clone = copy.deepcopy(node)
    for n in traversal.walk(clone):
        if hasattr(n, "ctx"):
            n.ctx = gast.Load()
    return clone


def pack(names: Sequence[str]) -> gast.expr:
    """`y` for one name, `(x, y)` for several, `()` for none."""
    return _name(names[0]) if len(names) == 1 else values(names)


def values(names: Sequence[str]) -> gast.Tuple:
    """The tuple `(x, y)` (a one-tuple too): the values operators receive."""
    return gast.Tuple(elts=[_name(n) for n in names], ctx=gast.Load())


def name_strings(names: Iterable[str], label: Callable[[str], str] = str) -> gast.Tuple:
    """The names as strings, for the operators' errors (`label` gives how each is shown)."""
    return gast.Tuple(elts=[gast.Constant(value=label(n), kind=None) for n in names], ctx=gast.Load())


def int_operands(names: Iterable[str], ctx: Context) -> list[gast.keyword]:
    """`int_operands={'q': 6}` for the variables among `names` the function computes with as
    ints (`ctx.int_operands`), for the operator's check that each keeps its kind; or none."""
    lines = {name: ctx.int_operands[name] for name in names if name in ctx.int_operands}
    if not lines:
        return []
    return [gast.keyword(arg="int_operands", value=gast.Dict(
        keys=[gast.Constant(value=ctx.label(n), kind=None) for n in lines],
        values=[gast.Constant(value=line, kind=None) for line in lines.values()]))]


def function(name: str, params: Sequence[str], body: list[gast.stmt], returns: gast.expr) -> gast.FunctionDef:
    (fn,) = templates.replace(
        """
        def name(params):
            body
            return returns
        """,
        name=name, params=list(params), body=body, returns=returns,
    )
    anno.setanno(fn, anno.Basic.GENERATED, True)
    return fn


def call(outputs: Sequence[str], expression: gast.expr, maybe_undefined: Iterable[str]) -> gast.stmt:
    """`outputs = expression`, noting which inputs of the call may be unbound."""
    if outputs:
        (stmt,) = templates.replace("outputs = expression", outputs=pack(outputs), expression=expression)
    else:
        stmt = gast.Expr(value=expression)
    anno.setanno(stmt, anno.Basic.MAYBE_UNDEFINED, frozenset(maybe_undefined))
    return stmt


def statements(body: list[gast.stmt]):
    """The statements of a scope, nested blocks included, not those of nested functions."""
    for stmt in body:
        yield stmt
        if not isinstance(stmt, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            for field in ("body", "orelse", "finalbody"):
                yield from statements(getattr(stmt, field, None) or [])
            for part in getattr(stmt, "handlers", []) + getattr(stmt, "cases", []):
                yield from statements(part.body)


def finish_scopes(fn: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    """Declare, in each function generated in `fn`, the shared names it assigns (its
    parameters for them renamed, then assigned: `nonlocal k; k = k_1`), so the user's
    closures and the function itself see the values a block computes. Then start `fn` and each
    generated function with `x = ac__.Undefined('x')` for each variable a generated call in
    it passes while `x` may be unbound, unless `x` is a parameter (shared ones, at the start of
    `fn`). Runs after all converters: a converter may add calls inside the functions another
    one generated."""
    scopes = [fn]
    shared_unbound = set()
    while scopes:
        scope = scopes.pop(0)  # in order: the renamed parameters are numbered as they appear
        names = set()
        for stmt in statements(scope.body):
            names |= anno.getanno(stmt, anno.Basic.MAYBE_UNDEFINED, frozenset())
            if isinstance(stmt, gast.FunctionDef) and anno.getanno(stmt, anno.Basic.GENERATED):
                scopes.append(stmt)
        shared_unbound |= names & ctx.shared_names
        names -= ctx.shared_names
        prologue = _share(scope, ctx) if scope is not fn else []
        scope.body = prologue + _placeholders(names - activity.parameters(scope.args)) + scope.body
    fn.body = _placeholders(shared_unbound - activity.parameters(fn.args)) + fn.body
    return fn


def _placeholders(names: set[str]) -> list[gast.stmt]:
    return [stmt for name in sorted(names) for stmt in templates.replace(
        f"name = {RUNTIME_NAME}.Undefined(label)", name=name, label=gast.Constant(value=name, kind=None))]


def _share(scope: gast.FunctionDef, ctx: Context) -> list[gast.stmt]:
    """The declarations of the shared names a generated function assigns, and the
    assignments from the parameters renamed for them."""
    if not (ctx.shared_names or ctx.composites):
        return []
    params = [p for p in scope.args.args if p.id in ctx.shared_names]
    assigned = {name for stmt in scope.body for name in activity.binds(stmt)} & ctx.shared_names
    assigned |= {p.id for p in params}
    stmts = [gast.Nonlocal(names=sorted(assigned))] if assigned else []
    for param in params:
        name, param.id = param.id, ctx.namer.new(param.id)
        stmts += templates.replace("name = param", name=name, param=param.id)
    for (base, attr), name in sorted(ctx.composites.items()):  # the object holds the value too
        if name in activity.parameters(scope.args):
            stmts += templates.replace(f"{RUNTIME_NAME}.restore_attr(base, attr, name)", base=base,
                                       attr=gast.Constant(value=attr, kind=None), name=name)
    return stmts
