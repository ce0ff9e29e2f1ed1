"""Python containers read with values that may be traced become calls that decide at trace
time: comprehension filters, membership, and items of tables picked by an index.

    [v * 2 for v in xs if v > 0]
        →   ac__.filtered([ac__.item(kept, v * 2) for v in xs for kept in ac__.keep(True, v > 0)])
    n in (1, 3)            →     ac__.in_(n, (1, 3))
    TABLE[n % 4]           →     ac__.lookup(TABLE, n % 4)

A filter that is static in Python keeps or drops the item as Python does (`keep` gives no
mask, and the item is not computed); a traced one gives the item's mask, and the result is
a `containers.Filtered` that `sum`, `any`, `all`, `max`, `min` and `len` read. The filters
of set and dict comprehensions, whose items must be known while tracing, stay Python's with
a clear error if traced; a comprehension with an assignment expression stays as written.
A lookup is converted where the subscripted name is a table: a global holding a tuple or
list when the function is converted, or a variable only ever assigned tuple or list
displays; other subscripts (arrays, mostly) stay as written. Runs
after the control-flow converters, like `logical` (whose calls a filter may hold), and
before `calls`, which must see the `len` of a filtered comprehension.
"""

from __future__ import annotations

import gast

from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

_STATIC = "it is a filter of a set or dict comprehension, whose items must be known while tracing"


def is_filtered(node: gast.expr) -> bool:
    """Whether `node` is a comprehension this converter gave (or one without filters)."""
    if isinstance(node, (gast.ListComp, gast.GeneratorExp)):
        return True
    func = node.func if isinstance(node, gast.Call) else None
    return (isinstance(func, gast.Attribute) and func.attr == "filtered"
            and isinstance(func.value, gast.Name) and func.value.id == RUNTIME_NAME)


class _Transformer(functional.ExpressionTransformer):

    def __init__(self, ctx: Context, tables: frozenset[str]):
        super().__init__(ctx)
        self.tables = tables

    def visit_ListComp(self, node: gast.ListComp | gast.GeneratorExp):
        node = self.generic_visit(node)
        if not any(g.ifs for g in node.generators) or any(g.is_async for g in node.generators) or any(
                isinstance(n, gast.NamedExpr) for g in node.generators for n in traversal.walk(g)):
            return node  # (`:=` may not be in a comprehension's iterable, where a filter moves)
        kept = self.ctx.namer.new("kept")
        generators, prior = [], gast.Constant(value=True, kind=None)
        for generator in node.generators:
            generators.append(generator)
            for test in generator.ifs:
                generators.append(gast.comprehension(
                    target=gast.Name(id=kept, ctx=gast.Store(), annotation=None, type_comment=None),
                    iter=templates.replace_as_expression(f"{RUNTIME_NAME}.keep(prior, test)", prior=prior,
                                                         test=test),
                    ifs=[], is_async=0))
                prior = gast.Name(id=kept, ctx=gast.Load(), annotation=None, type_comment=None)
            generator.ifs = []
        node.generators = generators
        node.elt = templates.replace_as_expression(f"{RUNTIME_NAME}.item(kept, value)", kept=kept,
                                                   value=node.elt)
        return templates.replace_as_expression(f"{RUNTIME_NAME}.filtered(items)", items=node)

    visit_GeneratorExp = visit_ListComp

    def visit_SetComp(self, node: gast.SetComp | gast.DictComp):
        node = self.generic_visit(node)
        for generator in node.generators:
            generator.ifs = [templates.replace_as_expression(
                f"{RUNTIME_NAME}.python_bool(test, reason)", test=test,
                reason=gast.Constant(value=_STATIC, kind=None)) for test in generator.ifs]
        return node

    visit_DictComp = visit_SetComp

    def visit_Compare(self, node: gast.Compare):
        node = self.generic_visit(node)
        if len(node.ops) != 1 or not isinstance(node.ops[0], (gast.In, gast.NotIn)):
            return node  # chained ones are `logical`'s
        operator = "in_" if isinstance(node.ops[0], gast.In) else "not_in"
        return templates.replace_as_expression(f"{RUNTIME_NAME}.{operator}(value, container)",
                                               value=node.left, container=node.comparators[0])

    def visit_Subscript(self, node: gast.Subscript):
        node = self.generic_visit(node)
        if _may_look_up(node) and node.value.id in self.tables:
            return templates.replace_as_expression(f"{RUNTIME_NAME}.lookup(table, index)", table=node.value,
                                                   index=node.slice)
        return node


_COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)


def _may_look_up(node: gast.Subscript) -> bool:
    """Whether `node` reads an item of a variable at a computed index: a `lookup` where the
    variable holds a table."""
    return (isinstance(node.value, gast.Name) and isinstance(node.ctx, gast.Load)
            and not isinstance(node.slice, (gast.Constant, gast.Slice, gast.Tuple)))


def _tables(fn: gast.FunctionDef, ctx: Context) -> frozenset[str]:
    """The names holding tables: globals that are tuples or lists, and variables every store
    of which assigns a tuple or list display."""
    nodes = traversal.walk(fn)
    display_targets = [t for node in nodes if isinstance(node, gast.Assign)
                       and isinstance(node.value, (gast.Tuple, gast.List)) for t in node.targets]
    names = {id(t) for t in display_targets}
    read, other = set(), set()
    for n in nodes:
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Load):
                read.add(n.id)
            elif id(n) not in names:
                other.add(n.id)
    local = {t.id for t in display_targets if isinstance(t, gast.Name)} - other
    namespace = ctx.namespace or {}
    return frozenset(local | {name for name in read - ctx.local_names
                              if isinstance(namespace.get(name), (tuple, list))})


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    """Whether the function has a comprehension, an `in`, or an item read that may be a table's."""
    return ctx.has(*_COMPREHENSIONS) or any(
        isinstance(n, gast.Compare) and isinstance(n.ops[0], (gast.In, gast.NotIn))
        or isinstance(n, gast.Subscript) and _may_look_up(n)
        for n in ctx.of_class(gast.Compare, gast.Subscript))


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx, _tables(node, ctx)).generic_visit(node)
