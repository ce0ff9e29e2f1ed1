"""Boolean operators, `not`, chained comparisons and conditional expressions become calls
that decide at trace time, like the statements:

    a and b and c          →     ac__.and_(a, lambda: b, lambda: c)
    a or b                 →     ac__.or_(a, lambda: b)
    not a                  →     ac__.not_(a)
    a < b <= c             →     ac__.compare(a, '<', lambda: b, '<=', lambda: c)
    x if c else y          →     ac__.if_exp(c, lambda: x, lambda: y)

The operands Python may skip become functions, so a static deciding operand short-circuits
exactly as in Python. Runs after the control-flow converters, which leave the user's
expressions in place (tests become arguments of the generated calls): the analyses never see
the functions added here. An operand assigning a variable (`:=`) would assign it inside the
function instead: such an expression stays as written.
"""

from __future__ import annotations

import gast

from autocond.converters import functional
from autocond.converters.context import Context
from autocond.pyct import anno, templates, traversal
from autocond.pyct.loader import RUNTIME_NAME

_SYMBOLS = {gast.Eq: "==", gast.NotEq: "!=", gast.Lt: "<", gast.LtE: "<=", gast.Gt: ">",
            gast.GtE: ">=", gast.Is: "is", gast.IsNot: "is not", gast.In: "in", gast.NotIn: "not in"}


def _deferred(node: gast.expr) -> gast.expr:
    return templates.replace_as_expression("lambda: value", value=node)


def _call(operator: str, args: list[gast.expr]) -> gast.expr:
    return templates.replace_as_expression(f"{RUNTIME_NAME}.{operator}(args)", args=args)


def _assigns(nodes: list[gast.expr]) -> bool:
    return any(isinstance(n, gast.NamedExpr) for node in nodes for n in traversal.walk(node))


class _Transformer(functional.ExpressionTransformer):

    def visit_BoolOp(self, node: gast.BoolOp):
        node = self.generic_visit(node)
        if _assigns(node.values[1:]):
            return node
        operator = "and_" if isinstance(node.op, gast.And) else "or_"
        return _call(operator, [node.values[0], *map(_deferred, node.values[1:])])

    def visit_UnaryOp(self, node: gast.UnaryOp):
        use = anno.getanno(node, anno.Static.INT_USE)
        node = self.generic_visit(node)
        if not isinstance(node.op, gast.Not):
            return node
        call = _call("not_", [node.operand])
        if use is not None:  # for the error if it is traced: a bool array is not an int
            call.keywords.append(gast.keyword(arg="int_use", value=gast.Constant(value=self.ctx.line(use),
                                                                               kind=None)))
        return call

    def visit_Call(self, node: gast.Call):
        use = anno.getanno(node, anno.Static.INT_USE)
        node = self.generic_visit(node)
        return node if use is None else self._counted(node, f"`{node.func.id}(...)`", use)  # `bool(...)`...

    def _counted(self, node: gast.expr, what: str, use: gast.AST) -> gast.expr:
        """`node`, a Python bool in Python that the function computes with as an int at `use`:
        checked to be one (`ac__.counted`)."""
        return _call("counted", [node, gast.Constant(value=what, kind=None),
                                 gast.Constant(value=self.ctx.line(use), kind=None)])

    def visit_Compare(self, node: gast.Compare):
        use = anno.getanno(node, anno.Static.INT_USE)
        node = self.generic_visit(node)
        if use is not None:  # an `in`: a Python bool
            return self._counted(node, f"`{_SYMBOLS[type(node.ops[0])]}`", use)
        if len(node.ops) == 1 or _assigns(node.comparators):
            return node
        args = [node.left]
        for op, right in zip(node.ops, node.comparators):
            args += [gast.Constant(value=_SYMBOLS[type(op)], kind=None), _deferred(right)]
        return _call("compare", args)

    def visit_IfExp(self, node: gast.IfExp):
        node = self.generic_visit(node)
        if _assigns([node.body, node.orelse]):
            return node
        return _call("if_exp", [node.test, _deferred(node.body), _deferred(node.orelse)])


def needed(node: gast.FunctionDef, ctx: Context) -> bool:
    return ctx.has(gast.BoolOp, gast.IfExp) or any(
        isinstance(n, gast.UnaryOp) and isinstance(n.op, gast.Not)
        or isinstance(n, gast.Compare) and len(n.ops) > 1
        or isinstance(n, (gast.Call, gast.Compare)) and anno.hasanno(n, anno.Static.INT_USE)
        for n in ctx.of_class(gast.UnaryOp, gast.Compare, gast.Call))


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    return _Transformer(ctx).generic_visit(node)
