"""Item assignments to local variables become rebinding calls to `ac__.setitem`.

    x[i] = v               →     x = ac__.setitem(x, i, v)
    x[i, 1:] += v          →     x = ac__.setitem(x, ac__.index[i, 1:], v, '+')
    x[i][j] = v            →     x = ac__.setitem(x, i, ac__.setitem(x[i], j, v))

`setitem` changes a list, dict or NumPy array in place, as Python does, and returns a JAX
array's updated copy (`.at[...]`); rebinding the variable makes both mean what the user
wrote. (`ac__.index[...]` is NumPy's `s_`: the key written with slices, as written.)

Runs before the lowerings and analyses: the variable is then simply assigned, so branches
and loops carry it like any other. Only a local variable is rebound (rebinding a global or
a closure's variable would make it local), and in `x[i][j] = v` the outer indices are read
twice, so they must be names or constants.
"""

from __future__ import annotations

import copy

import gast

from autocond.analysis import activity
from autocond.converters.context import Context
from autocond.pyct import origin, templates
from autocond.pyct.loader import RUNTIME_NAME

_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda)
_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
            gast.FloorDiv: "//", gast.Mod: "%", gast.MatMult: "@", gast.BitAnd: "&",
            gast.BitOr: "|", gast.BitXor: "^", gast.LShift: "<<", gast.RShift: ">>"}


class _Transformer(gast.NodeTransformer):
    def __init__(self, local_names: set[str]):
        self.local_names = local_names

    def visit_FunctionDef(self, node):
        return node  # a nested function's variables are its own

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef

    def visit_Assign(self, node: gast.Assign):
        if len(node.targets) == 1:
            return self._rebind(node, node.targets[0], node.value, None) or node
        return node

    def visit_AugAssign(self, node: gast.AugAssign):
        return self._rebind(node, node.target, node.value, _SYMBOLS[type(node.op)]) or node

    def _rebind(self, node, target, value, op: str | None) -> gast.stmt | None:
        if not isinstance(target, gast.Subscript):
            return None
        chain = [target]  # x[i][j]: [x[i][j], x[i]]
        while isinstance(chain[-1].value, gast.Subscript):
            chain.append(chain[-1].value)
        root = chain[-1].value
        if not (isinstance(root, gast.Name) and root.id in self.local_names
                and all(_plain(t.slice) for t in chain[1:])):
            return None
        for k, sub in enumerate(chain):
            call = templates.replace_as_expression(
                f"{RUNTIME_NAME}.setitem(container, key, value)",
                container=_load(sub.value), key=_key(sub.slice), value=value)
            if k == 0 and op is not None:
                call.args.append(gast.Constant(value=op, kind=None))
            value = call
        assign = templates.replace("name = value", name=root.id, value=value)
        origin.mark(assign, node)
        return assign[0]


def _load(node: gast.expr) -> gast.expr:
    """A copy of `node` (a name, or a subscript chain on one) that reads it."""
    clone = copy.deepcopy(node)
    for n in gast.walk(clone):
        if isinstance(n, (gast.Name, gast.Subscript)):
            n.ctx = gast.Load()
    return clone


def _key(node: gast.expr) -> gast.expr:
    """The key of a subscript as a value: itself, or with slices `ac__.index[...]`."""
    if any(isinstance(n, gast.Slice) for n in gast.walk(node)):
        return templates.replace_as_expression(f"{RUNTIME_NAME}.index[key]", key=node)
    return node


def _plain(node: gast.expr) -> bool:
    """A key read twice gives the same value: names, constants, and tuples of them."""
    return all(isinstance(n, (gast.Name, gast.Constant, gast.Tuple, gast.Load, gast.UnaryOp,
                              gast.USub, gast.Slice)) for n in gast.walk(node))


def transform(node: gast.FunctionDef, ctx: Context) -> gast.FunctionDef:
    local_names = activity.parameters(node.args) | activity.summarize(node.body).binds
    local_names -= activity.declared_outer(node)
    activity.forget(node)  # the summaries of statements about to change
    node.body = [_Transformer(local_names).visit(stmt) for stmt in node.body]
    return node
